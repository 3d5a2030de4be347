"""User text in the Markdown reports never starts a block of its own: a description line
"1. start" is a paragraph line, not a list. Expected escapes are CommonMark's own (spec 0.31,
§2.4 backslash escapes; §4.1–4.5 thematic breaks, headings, code blocks; §5.2–5.3 list items),
and whole reports are read back by a CommonMark parser (markdown-it-py) where it is installed."""

from __future__ import annotations

import html

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from backprop.render.markdown import escape

# (line as written, its escape at a line's start by the spec's rules)
BLOCK_STARTS = [
    ("1. start", "1\\. start"),  # §5.3: 1-9 digits then . or ), then a space: an ordered list
    ("1) start", "1\\) start"),
    ("123456789. nine digits", "123456789\\. nine digits"),
    ("- item", "\\- item"),  # §5.2: a bullet list marker - + * then a space
    ("+ item", "\\+ item"),
    ("* item", "\\* item"),  # * is escaped anywhere (emphasis)
    ("-", "\\-"),  # §5.2: an empty list item
    ("# heading", "\\# heading"),  # §4.2: 1-6 # then a space or the end
    ("###### six", "\\###### six"),
    ("#", "\\#"),
    ("> quote", "\\> quote"),  # §5.1; > is escaped anywhere (HTML)
    ("===", "\\==="),  # §4.3: a setext underline under the line before
    ("---", "\\---"),  # §4.1 thematic break or §4.3 underline
    ("- - -", "\\- - -"),
    ("--", "\\--"),  # §4.3: an underline of any length
    ("```python", "\\`\\`\\`python"),  # §4.5 fences: ` and ~ are escaped anywhere
    ("~~~", "\\~\\~\\~"),
    ("| a | b |", "\\| a \\| b \\|"),  # a GFM table row
    ("<div>", "\\<div\\>"),  # §4.6 an HTML block
    ("[x]: /url", "\\[x\\]: /url"),  # §4.7 a link reference definition
    ("    code", "&nbsp;&nbsp;&nbsp;&nbsp;code"),  # §4.4: four spaces make indented code
    ("  1. indented", "&nbsp;&nbsp;1\\. indented"),  # up to three spaces before a marker
]

# lines that start no block by the same rules: left as they are
NOT_BLOCK_STARTS = [
    "#hashtag",  # §4.2 example 64: no space after #
    "-0.5 is a number",  # no space after -
    "1.5 is a number",  # no space after .
    "1234567890. ten digits",  # §5.3 example 266: more than nine digits
    "+1",
    "x = 1",
]


@pytest.mark.parametrize(("line", "escaped"), BLOCK_STARTS)
def test_a_block_start_is_escaped_as_commonmark_says(line: str, escaped: str) -> None:
    assert escape(line, line_start=True) == escaped


@pytest.mark.parametrize("line", NOT_BLOCK_STARTS)
def test_a_line_that_starts_no_block_is_left_alone(line: str) -> None:
    assert escape(line, line_start=True) == line


def test_escapes_inside_a_line_are_not_block_escapes() -> None:
    # only a line's start can open a block: "see 1. below" and "a - b" keep their marks
    assert escape("see 1. below") == "see 1. below"
    assert escape("a - b # c") == "a - b # c"


def _net(title: str, description: str) -> str:
    quote = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'  # noqa: E731
    return (f"title: {quote(title)}\ndescription: {quote(description)}\n"
            "inputs: {x: 0.5}\nparams: {w: 0.3}\nnodes:\n  y: {from: {x: w}}\n"
            "targets: {y: 1}\nloss: half_sse\nlearning_rate: 0.1\n")


def _markdown(tmp_path, title: str, description: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(_net(title, description), encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path), "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_description_of_block_starts_is_one_paragraph_by_commonmark(tmp_path) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    lines = [line for line, _ in BLOCK_STARTS] + NOT_BLOCK_STARTS
    for title in ["1. big", "# title", "    code title", "- title"]:
        text = _markdown(tmp_path, title, "\n".join(lines))
        md = markdown_it.MarkdownIt("commonmark").enable("table")
        kinds = {t.type for t in md.parse(text) if t.nesting == 1}
        # the report's own blocks: paragraphs (bold titles among them) and pipe tables
        assert kinds <= {"paragraph_open", "table_open", "thead_open", "tbody_open", "tr_open",
                         "th_open", "td_open", "strong_open"}, kinds
        rendered = md.render(text)
        # every line reads back as written (leading spaces as no-break spaces), one <br /> apart
        shown = [html.escape(line.replace(" " * (len(line) - len(line.lstrip(" "))),
                                          "\xa0" * (len(line) - len(line.lstrip(" "))), 1),
                             quote=False) for line in lines]
        assert "<p>" + "<br />\n".join(shown) + "</p>" in rendered
        # the title, bold, its leading spaces kept before the bold
        lead = "\xa0" * (len(title) - len(title.lstrip(" ")))
        assert f"<p>{lead}<strong>{html.escape(title.lstrip(' '), quote=False)}</strong></p>" \
            in rendered
