"""Both layouts of the reports: plain text for pipes and files, rich for a terminal."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from backprop import explain, load, step
from backprop.render.explain import explain_report
from backprop.render.layout import Group, Table, Text, plain, to_rich
from backprop.render.step import step_report
from conftest import NETWORKS


def rich_text(doc, width: int = 100) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(to_rich(doc))
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())


@pytest.fixture(scope="module")
def trace():
    return step(load(NETWORKS / "walkthrough.yaml"))


def test_plain_and_rich_print_the_same_walkthrough_rows(trace) -> None:
    doc = step_report(trace)
    flat, fancy = plain(doc, 100), rich_text(doc)
    for row in ["z1      x1·w1 + x2·w3   0.5·0.7 + 0.3·0.4         0.470",
                "w5      w5 − η·∂L/∂w5   0.55 − 0.1·(-0.100)    0.560"]:
        assert row in flat and row in fancy
    assert flat.rstrip().splitlines() == fancy.rstrip().splitlines()


def test_explain_in_both_layouts(trace) -> None:
    doc = explain_report(explain(trace, "w1"))
    for text in (plain(doc, 100), rich_text(doc)):
        # w5 = 0.55 and x1 = 0.5 as the file gives them
        assert "∂L/∂w1 = (-0.709) · 0.229 · 0.55 · 0.237 · 0.5 = -0.011" in text


def test_user_text_is_never_markup() -> None:
    doc = Group(Text("[bold red]not markup[/]"),
                _table_with("[/bold] closes nothing"))
    assert "[bold red]not markup[/]" in rich_text(doc)
    assert "[/bold] closes nothing" in plain(doc)


def _table_with(cell: str) -> Table:
    table = Table(title=Text("t"))
    table.add_column(Text("a"))
    table.add_row(Text(cell))
    return table


def test_plain_wraps_a_wide_column_to_the_width() -> None:
    table = Table(title=Text("wide"))
    table.add_column(Text("k"))
    table.add_column(Text("v"), justify="right", no_wrap=True)
    table.add_column(Text("why"))
    table.add_row("key", "1.000", "word " * 40)
    lines = plain(table, 60).splitlines()
    assert max(map(len, lines)) <= 60
    assert lines[3].startswith("key   1.000   word")  # title, header, rule, row


@pytest.mark.parametrize("make", [
    lambda: Table(title="t", box="rounded"),
    lambda: Table(title="t", show_edge=True),
    lambda: Table(title="t", pad_edge=True),
    lambda: Table(title="t", title_justify="center"),
    lambda: Table(title="t", show_lines=True),  # an option rich has that the layout lacks
    lambda: Table(title="t").add_column("c", overflow="ellipsis"),
    lambda: Table(title="t").add_column("c", justify="center"),
    lambda: Table(title="t").add_column("c", vertical="middle"),
])
def test_layout_table_refuses_what_it_would_not_draw(make) -> None:
    # rich.table.Table takes these; the plain layout cannot draw them, so they are refused
    # rather than silently dropped (before, **_ swallowed any option)
    with pytest.raises(TypeError):
        make()


def test_layout_table_takes_the_options_the_reports_use() -> None:
    from backprop.render.layout import box

    table = Table(title=Text("t"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  show_edge=False)
    table.add_column(Text("a"), justify="right", overflow="fold", no_wrap=True)
    table.add_row("1")
    # the title, the header, a rule as wide as the one column, the row: no edge, no padding
    assert plain(table, 40) == "t\na\n─\n1\n"
