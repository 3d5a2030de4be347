"""The reports as GitHub-flavoured Markdown: the same document the table format lays out, its
tables as pipe tables and its chains written out, every piece of text escaped for Markdown."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from backprop import safe
from backprop.render import CheckView, StepView, documents
from backprop.render.layout import Group, Renderable, Table, Text

if TYPE_CHECKING:
    from backprop.classroom import Gradebook
    from backprop.explain import Explanation
    from backprop.trace import Trace


def step(trace: Trace, view: StepView) -> str:
    """The `markdown` format of `backprop step` (render.STEP_FORMATS)."""
    return markdown(documents.step_document(trace, view))


def explain(trace: Trace, ex: Explanation, view: StepView) -> str:
    """The `markdown` format of `backprop explain` (render.EXPLAIN_FORMATS)."""
    return markdown(documents.explain_document(trace, ex, view))


def check(book: Gradebook, view: CheckView) -> str:
    """The `markdown` format of `backprop check` (render.CHECK_FORMATS)."""
    return markdown(documents.check_document(book, view))


def markdown(doc: Renderable) -> str:
    """The document as Markdown blocks (paragraphs, pipe tables), one blank line apart."""
    return "\n\n".join(_blocks(doc)) + "\n"


def _blocks(doc: Renderable) -> list[str]:
    if isinstance(doc, Group):
        return [block for part in doc.parts for block in _blocks(part)]
    if isinstance(doc, Table):
        return _table(doc)
    text = _styled(doc, hard_breaks=True)
    return [text] if text.strip() else []


# a character Markdown acts on anywhere in a line: \ ` * [ ] < > | ~ $ and &, which would
# start an entity; `_` is escaped only where it could open or close emphasis (not inside a word)
_ANYWHERE = {c: "\\" + c for c in "\\`*[]<>|~$"} | {"&": "&amp;"}
# what starts a block at a line's start, after up to three spaces (CommonMark §4, §5): an ATX
# heading's # run, a bullet's - or +, an ordered list's number and its . or ), and a line of
# - and = alone (a setext underline or a thematic break). > * ` ~ | < [ and a lone _ are escaped
# anywhere already, so a quote, a fence, a table, an HTML block or a link definition cannot start.
_BLOCK_START = re.compile(r"(?P<mark>#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|[-=][-= \t]*$)"
                          r"|\d{1,9}(?P<dot>[.)])(?=[ \t]|$)")


def escape(text: str, *, line_start: bool = False) -> str:
    """User or report text for Markdown: controls shown as escapes (backprop.safe), markup
    characters backslash-escaped; at a line's start (`line_start`), whatever would start a block
    kept literal (`block_safe`)."""
    line = safe.line(text)
    out = []
    for i, ch in enumerate(line):
        if ch == "_":
            inside = 0 < i < len(line) - 1 and line[i - 1].isalnum() and line[i + 1].isalnum()
            out.append("_" if inside else "\\_")
        else:
            out.append(_ANYWHERE.get(ch, ch))
    text = "".join(out)
    return block_safe(text) if line_start else text


# an ATX heading's closing sequence (CommonMark §4.2): a run of # at the end, after a space or alone
_CLOSING = re.compile(r"(?:(?<=[ \t])|^)#+[ \t]*$")


def heading(text: str, level: int = 1) -> str:
    """User text as an ATX heading: escaped as `escape` does, and a run of # at its end (which
    the heading would drop as its closing sequence) kept literal."""
    body = escape(text).strip(" ")
    return "#" * level + " " + _CLOSING.sub(lambda m: "\\" + m[0], body)


def block_safe(line: str) -> str:
    """An escaped line that reads as paragraph text wherever it stands: its leading spaces as
    no-break spaces (four would make it indented code; Markdown drops them otherwise), then a
    heading's #, a bullet's - or +, an underline's first - or = escaped, an ordered list's
    "1." as "1\\." (CommonMark's own escape, §2.4)."""
    body = line.lstrip(" ")
    lead = "&nbsp;" * (len(line) - len(body))
    m = _BLOCK_START.match(body)
    if m is None:
        return lead + body
    if m["mark"] is not None:
        return lead + "\\" + body
    return lead + body[: m.start("dot")] + "\\" + body[m.start("dot"):]


def _styled(text: Text, *, hard_breaks: bool) -> str:
    """The text's lines, each piece escaped and set bold or italic as its style says."""
    lines: list[str] = []
    current = ""
    for piece, style in text.pieces:
        words = set(style.split())
        for k, part in enumerate(piece.split("\n")):
            if k:
                lines.append(current)
                current = ""
            if not part:
                continue
            body = escape(part)
            core = body.strip()
            if core and "bold" in words:
                body = body.replace(core, f"**{core}**", 1)
            elif core and "italic" in words:
                body = body.replace(core, f"*{core}*", 1)
            current += body
    lines.append(current)
    if hard_breaks:  # each line may start a paragraph: nothing in it may start another block
        lines = [block_safe(line) if line.strip() else line for line in lines]
    if not hard_breaks:  # a table cell: its lines one <br> apart, blank ones left out
        return "<br>".join(line for line in lines if line.strip())
    # a paragraph: a hard line break is a trailing backslash, a blank line starts a paragraph
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join("\\\n".join(p) for p in paragraphs if p)


def _table(table: Table) -> list[str]:
    blocks = []
    if table.title is not None and table.title.plain.strip():
        title = Text().append(table.title.plain, "bold")
        blocks.append(_styled(title, hard_breaks=True))
    heads = [_cell(c.header) for c in table.columns]
    rule = ["---:" if c.justify == "right" else "---" for c in table.columns]
    lines = [_row(heads), _row(rule)]
    for cells, style in table.rows:
        shown = [_cell(c) for c in cells] + [""] * (len(table.columns) - len(cells))
        if "bold" in style.split():
            shown = [f"**{c}**" if c else c for c in shown]
        lines.append(_row(shown))
    blocks.append("\n".join(lines))
    return blocks


def _cell(text: Text) -> str:
    return _styled(text, hard_breaks=False)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
