"""A table's header folds between its words, never inside one, at any width: its column is
never narrower than the header's longest word (a column whose cells never fold may fold its
header down to its cells), and the gap between columns narrows from three spaces to one before
a table would be wider than the page."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop.cli import cli
from backprop.render.layout import Table, _fit, plain

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)


def _fit_reference(natural: list[int], no_wrap: list[bool], room: int,
                   least: list[int]) -> list[int]:
    """The rule one character at a time: narrow the widest column still above its bound —
    max(10, least) while that is enough, then max(1, least); a no_wrap column's bound is its
    least — the first of a tie first."""
    widths = list(natural)
    for floor in (10, 1):
        bound = [m if k else max(floor, m) for m, k in zip(least, no_wrap, strict=True)]
        while sum(widths) > room:
            candidates = [i for i, w in enumerate(widths) if w > bound[i]]
            if not candidates:
                break
            widths[max(candidates, key=widths.__getitem__)] -= 1
    return widths


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.booleans(), st.integers(0, 30)),
                min_size=1, max_size=6), st.integers(0, 250))
def test_fitting_with_least_widths_matches_one_character_at_a_time(
        columns: list[tuple[int, bool, int]], room: int) -> None:
    natural = [w for w, _, _ in columns]
    no_wrap = [k for _, k, _ in columns]
    least = [min(m, w) for w, _, m in columns]  # a column's least is within its natural width
    assert _fit(natural, no_wrap, room, least) == _fit_reference(natural, no_wrap, room, least)


def _header_lines(text: str) -> list[str]:
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line and set(line) == {"─"})
    return lines[:rule]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(WORDS, min_size=1, max_size=3), st.booleans(),
                          st.lists(st.lists(WORDS, min_size=1, max_size=8), min_size=1,
                                   max_size=3)), min_size=1, max_size=6),
       st.integers(20, 120))
def test_a_header_never_breaks_inside_a_word(columns, width: int) -> None:
    table = Table()
    for head, no_wrap, _ in columns:
        table.add_column(" ".join(head), no_wrap=no_wrap)
    rows = max(len(cells) for _, _, cells in columns)
    for r in range(rows):
        table.add_row(*(" ".join(cells[r]) if r < len(cells) else "" for _, _, cells in columns))
    text = plain(table, width)
    words = {w for head, _, _ in columns for w in head}
    tokens = [t for line in _header_lines(text) for t in line.split()]
    assert set(tokens) <= words, (tokens, words)
    # the header words, in order, read whole: nothing cut off and no word split
    assert sorted(tokens) == sorted(w for head, _, _ in columns for w in head)
    # a table whose least widths fit the page with a one-space gap fits it
    least = sum(max([len(w) for w in head] + ([max(len(" ".join(c)) for c in cells)]
                                              if no_wrap else [1]))
                for head, no_wrap, cells in columns) + len(columns) - 1
    if least <= width:
        assert max(len(line) for line in text.splitlines()) <= width


@pytest.mark.parametrize("columns", [60, 80])
def test_the_check_table_keeps_quantity_whole(columns: int) -> None:
    # the issue: at 60 columns the header read "quanti" / "ty"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = CliRunner().invoke(cli, ["check", "walkthrough",
                                      os.path.join(root, "networks", "walkthrough.answers.yaml")],
                                env={"COLUMNS": str(columns)})
    assert result.exit_code in (0, 1), result.output
    above = _header_lines(result.stdout)  # the title (it names the network), then the header
    start = max(i for i, line in enumerate(above) if "walkthrough" in line) + 1
    tokens = [t for line in above[start:] for t in line.split()]
    assert sorted(tokens) == sorted(["quantity", "given", "true", "value", "verdict",
                                     "explanation"])
    assert max(len(line) for line in result.stdout.splitlines()) <= columns
