"""A small document model for the report tables, laid out as text: plain, or styled for a terminal.

The renderers build Text, Table and Group from here with rich's own signatures; `lines` lays
them out without importing rich, plain for a pipe or a file (greppable lines) and, for a
terminal, the same characters with ANSI styles (bold, dim, colour) around them. `to_rich` turns
them into rich's renderables, for the Python API's display (`rich.print`, Jupyter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

#: the style words a Text may carry, with their ANSI SGR codes (rich's names for them)
SGR = {"bold": "1", "dim": "2", "italic": "3", "underline": "4", "reverse": "7", "strike": "9",
       **{colour: str(30 + k) for k, colour in enumerate(
           ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"))}}
RESET = "\x1b[0m"
_CODES: dict[str, str] = {"": ""}  #: style → its escape sequence, each made once


def _code(style: str) -> str:
    """The escape sequence that turns `style` on ("bold red" → ESC[1;31m); a style word the
    terminal layout does not draw is refused, never silently dropped."""
    code = _CODES.get(style)
    if code is None:
        words = style.split()
        unknown = [w for w in words if w not in SGR]
        if unknown:
            raise TypeError(f"layout.Text: style {style!r} is not supported "
                            f"(styles: {', '.join(SGR)})")
        code = _CODES[style] = f"\x1b[{';'.join(SGR[w] for w in words)}m" if words else ""
    return code


class Text:
    """A run of text with one rich style per appended piece."""

    def __init__(self, text: str = "", style: str = "") -> None:
        if style:
            _code(style)
        self.pieces: list[tuple[str, str]] = [(text, style)] if text else []

    def append(self, text: str, style: str = "") -> Text:
        if style:
            _code(style)
        self.pieces.append((text, style))
        return self

    @property
    def plain(self) -> str:
        pieces = self.pieces
        return pieces[0][0] if len(pieces) == 1 else "".join(t for t, _ in pieces)

    def __str__(self) -> str:
        return self.plain


class Partial:
    """∂numerator/∂denominator as a derivation writes it, a sample's tag after it ("[2]")."""

    def __init__(self, numerator: str, denominator: str, tag: str = "") -> None:
        self.numerator, self.denominator, self.tag = numerator, denominator, tag

    def __str__(self) -> str:
        return f"∂{self.numerator}/∂{self.denominator}{self.tag}"


class Derivation(Text):
    """A cell or line that is a derivation, lhs = chain of factors = their numbers = value, with
    its parts kept so a typesetting layout (LaTeX) can set it as a textbook does. Its text is
    what `plain` and `to_rich` lay out, as for any Text; `lhs` or `value` left None are the
    row's first and last cells when it stands in a table; a text `lhs` is a label ("path 1")."""

    def __init__(self, text: str, *, chain: tuple[Partial, ...], numbers: tuple[str, ...],
                 lhs: Partial | str | None = None, value: str | None = None,
                 style: str = "") -> None:
        super().__init__(text, style)
        self.chain, self.numbers = chain, numbers  #: the factors, and each as printed
        self.lhs, self.value = lhs, value


class _Box:
    SIMPLE_HEAD = "simple_head"  #: the only box the reports use: a rule under the header


box = _Box()

Justify = Literal["left", "right"]


class Column:
    def __init__(self, header: Text, justify: Justify, no_wrap: bool) -> None:
        self.header, self.justify, self.no_wrap = header, justify, no_wrap


def _only(option: str, given: object, supported: object) -> None:
    """An option rich has but this layout does not draw is refused, never silently dropped."""
    if given != supported:
        raise TypeError(f"layout.Table: {option}={given!r} is not supported "
                        f"(the plain layout draws {option}={supported!r} only)")


class Table:
    """Columns and rows of Text, with rich.table.Table's constructor and methods as used here.

    Only what both layouts draw is taken: a rule under the header and no outer edge (`box`,
    `pad_edge`, `show_edge`), a title on the left, columns that fold. Any other option or value
    is a TypeError, so a renderer never asks for a look that `plain` would quietly leave out.
    """

    def __init__(self, title: Text | str | None = None, *, title_justify: str = "left",
                 box: str = box.SIMPLE_HEAD, pad_edge: bool = False,
                 show_edge: bool = False) -> None:
        _only("title_justify", title_justify, "left")
        _only("box", box, _Box.SIMPLE_HEAD)
        _only("pad_edge", pad_edge, False)
        _only("show_edge", show_edge, False)
        self.title = Text(title) if isinstance(title, str) else title
        self.columns: list[Column] = []
        self.rows: list[tuple[list[Text], str]] = []

    def add_column(self, header: Text | str = "", justify: Justify = "left",
                   overflow: str = "fold", no_wrap: bool = False) -> None:
        if justify not in ("left", "right"):
            raise TypeError(f"layout.Table: justify={justify!r} is not supported (left, right)")
        _only("overflow", overflow, "fold")
        self.columns.append(Column(_text(header), justify, no_wrap))

    def add_row(self, *cells: Text | str, style: str = "") -> None:
        if style:
            _code(style)
        self.rows.append(([_text(c) for c in cells], style))


class Group:
    def __init__(self, *parts: Renderable) -> None:
        self.parts = parts


Renderable = Text | Table | Group
RenderableType = Renderable


def _text(value: Text | str) -> Text:
    return value if isinstance(value, Text) else Text(value)


# ---------------------------------------------------------------- text: plain, or styled for a terminal

GAP = "   "  #: between columns: rich's one-space padding either side of a blank separator
HEADER, RULE = "bold", "dim"  #: a table's header and the rule under it, at a terminal

Segment = tuple[str, str]  #: a run of a styled line: (text, escape sequence or "")


def plain(doc: Renderable, width: int = 80) -> str:
    """The document as text lines at most `width` wide where words allow, no trailing spaces."""
    return "".join(lines(doc, width))


def lines(doc: Renderable, width: int = 80, *, styled: bool = False) -> Iterator[str]:
    """The document line by line, each ending in a newline, as `plain` lays it out; `styled`
    puts ANSI codes around the styled runs (each Text's styles, a table's header bold and its
    rule dim) and changes nothing else, so a terminal shows the characters a pipe gets. A
    generator: a report of 100,000 rows is written while it is laid out, not held as one string."""
    if styled:
        for line in _lines(doc, width, True):
            yield line + "\n"
    else:
        for line in _lines(doc, width, False):
            yield line.rstrip() + "\n"


def _lines(doc: Renderable, width: int, styled: bool) -> Iterator[str]:
    if isinstance(doc, Group):
        for part in doc.parts:
            yield from _lines(part, width, styled)
    elif isinstance(doc, Table):
        yield from _table(doc, width, styled)
    elif styled:
        text = doc.plain
        paragraphs, at = [], 0
        for paragraph in text.split("\n"):
            paragraphs.append((at, paragraph, _wrap(paragraph, width) or [""]))
            at += len(paragraph) + 1
        for segments in _paint(doc, paragraphs, ""):
            yield _join(segments)
    else:
        for paragraph in doc.plain.split("\n"):
            yield from _wrap(paragraph, width) or [""]


def _wrap(text: str, width: int) -> list[str]:
    """textwrap.wrap(text, width, break_on_hyphens=False) or [""]: words kept whole, the spaces
    a line breaks at dropped. Text whose only whitespace is the space and whose words all fit is
    wrapped here, by textwrap's own greedy rule, without importing textwrap (~1 ms of start-up,
    which a paragraph of the walkthrough would otherwise cost); anything else goes to textwrap."""
    if len(text) <= width:
        return [text]
    if not any(c in text for c in "\t\n\x0b\x0c\r"):
        chunks = [c for c in _SPACES.split(text) if c]  # words and the runs of spaces between
        if max(map(len, chunks)) <= width:
            return _fill(chunks, width) or [""]
    import textwrap

    return textwrap.wrap(text, width, break_on_hyphens=False, drop_whitespace=True) or [""]


_SPACES = re.compile("( +)")


def _fill(chunks: list[str], width: int) -> list[str]:
    """textwrap.TextWrapper._wrap_chunks for chunks no longer than `width`: each line takes
    chunks while they fit; a blank chunk (what str.strip empties) is dropped where a line
    starts, after the first, and where it ends."""
    lines: list[str] = []
    k, n = 0, len(chunks)
    while k < n:
        if lines and not chunks[k].strip():
            k += 1
        line: list[str] = []
        size = 0
        while k < n and size + len(chunks[k]) <= width:
            line.append(chunks[k])
            size += len(chunks[k])
            k += 1
        if line and not line[-1].strip():
            line.pop()
        if line:
            lines.append("".join(line))
    return lines


def _table(table: Table, width: int, styled: bool) -> Iterator[str]:
    n = len(table.columns)
    cells = [[c.plain for c in row] + [""] * (n - len(row)) for row, _ in table.rows]
    heads = [c.header.plain for c in table.columns]
    columns = [[heads[i], *(r[i] for r in cells)] for i in range(n)]
    folded = ["\n" in "".join(column) for column in columns]  # a cell of several lines
    natural = [max(len(line) for text in column for line in text.split("\n")) if fold
               else max(map(len, column)) for column, fold in zip(columns, folded, strict=True)]
    no_wrap = [c.no_wrap for c in table.columns]
    least = [_least(column, keep) for column, keep in zip(columns, no_wrap, strict=True)]
    # the gap between columns narrows (3, 2, then 1 space) only where the columns at their
    # narrowest would not fit the page with it
    narrowest = sum(m if keep else max(m, 1) for m, keep in zip(least, no_wrap, strict=True))
    gap = next((g for g in (GAP, GAP[:2]) if narrowest + len(g) * (n - 1) <= width), GAP[:1])
    widths = _fit(natural, no_wrap, width - len(gap) * (n - 1), least)
    # every row one line a cell, each cell fitting its column: no row needs wrapping
    at_once = not any(folded) and natural == widths
    total = sum(widths) + len(gap) * (n - 1)
    if table.title is not None:  # at the page's width, not the table's: a title is a heading
        title = table.title.plain
        wrapped = _wrap(title, width)
        if styled:
            for segments in _paint(table.title, [(0, title, wrapped)], ""):
                yield _join(segments)
        else:
            yield from wrapped
    if any(heads):
        if styled:
            yield from _styled_row([c.header for c in table.columns], heads, widths, table.columns,
                                   HEADER, gap)
            yield _join([("─" * total, _code(RULE))])
        else:
            yield from _row(heads, widths, table.columns, gap)
            yield "─" * total
    right = [c.justify == "right" for c in table.columns]
    for (row, style), texts in zip(table.rows, cells, strict=True):
        # a row without a style is written as the pipe gets it, at a terminal too
        painted = styled and bool(style or any(len(c.pieces) > 1 or (c.pieces and c.pieces[0][1])
                                               for c in row))
        if at_once or all(len(t) <= w and "\n" not in t
                          for t, w in zip(texts, widths, strict=True)):
            # the usual row: every cell one line that fits, laid out in one go
            if painted:
                line = _styled_line(row, texts, widths, right, style, gap)
                if line is not None:
                    yield line
                    continue
            else:
                line = gap.join([t.rjust(w) if r else t.ljust(w)
                                 for t, w, r in zip(texts, widths, right, strict=True)])
                yield line.rstrip() if styled else line
                continue
        if painted:
            yield from _styled_row(row, texts, widths, table.columns, style, gap)
        elif styled:
            for line in _row(texts, widths, table.columns, gap):
                yield line.rstrip()
        else:
            yield from _row(texts, widths, table.columns, gap)


def _least(column: list[str], no_wrap: bool) -> int:
    """A column's least width: its header's longest word, so that a header folds between its
    words only; for a column whose cells never fold, its widest cell too (its header may fold
    down to that, "true value" over a column of 0.470)."""
    head, *cells = column
    word = max(map(len, head.split()), default=0)
    if not no_wrap:
        return word
    return max([word, *(len(line) for text in cells for line in text.split("\n"))])


def _fit(natural: list[int], no_wrap: list[bool], room: int,
         least: list[int] | None = None) -> list[int]:
    """Narrow the widest wrappable columns until the row fits, levelling them down together (no
    column below 10 while that is enough, then down to 1: a narrow terminal folds the words
    rather than overflow), none below its `least` (its header's longest word: a header never
    breaks inside a word); the first columns of a tie give the odd characters. Each round levels
    the widest down to the next width or to a column's least, so the cost is the number of
    columns squared, not the width: a cell of 2,000,000 characters takes no longer than one of
    20."""
    widths = list(natural)
    least = least or [w if keep else 0 for w, keep in zip(natural, no_wrap, strict=True)]
    for floor in (10, 1):
        bound = [m if keep else max(floor, m) for m, keep in zip(least, no_wrap, strict=True)]
        excess = sum(widths) - room
        while excess > 0:
            candidates = [i for i, w in enumerate(widths) if w > bound[i]]
            if not candidates:
                break
            top = max(widths[i] for i in candidates)
            tied = [i for i in candidates if widths[i] == top]
            below = max([widths[i] for i in candidates if widths[i] < top]
                        + [bound[i] for i in tied])
            if excess >= len(tied) * (top - below):  # level the widest down to the next width
                for i in tied:
                    widths[i] = below
                excess -= len(tied) * (top - below)
                continue
            cut, extra = divmod(excess, len(tied))
            for n, i in enumerate(tied):
                widths[i] = top - cut - (1 if n < extra else 0)
            break
    return widths


def _row(texts: list[str], widths: list[int], columns: list[Column], gap: str = GAP
         ) -> Iterator[str]:
    wrapped = [_cell(text, w) for text, w in zip(texts, widths, strict=True)]
    for k in range(max(map(len, wrapped), default=0)):
        parts = []
        for lines, w, col in zip(wrapped, widths, columns, strict=True):
            line = lines[k] if k < len(lines) else ""
            parts.append(line.rjust(w) if col.justify == "right" else line.ljust(w))
        yield gap.join(parts)


def _cell(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += _wrap(paragraph, width)
    return lines


def _styled_row(row: list[Text], texts: list[str], widths: list[int], columns: list[Column],
                base: str, gap: str = GAP) -> Iterator[str]:
    """One row as `_row` lays it out, each cell's runs in their styles (on the row's `base`)."""
    painted: list[list[list[Segment]]] = []
    for k, (text, w) in enumerate(zip(texts, widths, strict=True)):
        paragraphs, at = [], 0
        for paragraph in text.split("\n"):
            paragraphs.append((at, paragraph, _wrap(paragraph, w)))
            at += len(paragraph) + 1
        painted.append(_paint(row[k] if k < len(row) else Text(), paragraphs, base))
    for k in range(max(map(len, painted), default=0)):
        segments: list[Segment] = []
        for n, (cell, w, col) in enumerate(zip(painted, widths, columns, strict=True)):
            if n:
                segments.append((gap, ""))
            line = cell[k] if k < len(cell) else []
            pad = (" " * (w - sum(len(t) for t, _ in line)), "")
            segments += [pad, *line] if col.justify == "right" else [*line, pad]
        yield _join(segments)


def _styled_line(row: list[Text], texts: list[str], widths: list[int], right: list[bool],
                 base: str, gap: str = GAP) -> str | None:
    """A row of one-line cells, each of one style, as `_styled_row` writes it (None for a cell
    of several styles). A cell's trailing spaces stay outside its style, so that the line's own
    trailing spaces are stripped as `plain` strips them."""
    parts = []
    cells = len(row)
    for k, t in enumerate(texts):
        style = ""
        if k < cells:
            pieces = row[k].pieces
            if pieces:
                style = pieces[0][1]
                if len(pieces) > 1 and any(p[1] != style for p in pieces):
                    return None
        if base:
            style = f"{base} {style}" if style else base
        pad = " " * (widths[k] - len(t))
        if style and t:
            core = t.rstrip()
            if core:
                t = f"{_CODES.get(style) or _code(style)}{core}{RESET}{t[len(core):]}"
        parts.append(pad + t if right[k] else t + pad)
    return gap.join(parts).rstrip()


def _paint(text: Text, paragraphs: list[tuple[int, str, list[str]]], base: str
           ) -> list[list[Segment]]:
    """The wrapped lines of `text` as runs in their styles. `paragraphs` holds each paragraph's
    offset in the text, the paragraph and its wrapped lines, which are pieces of it in order
    (wrapping drops the spaces it breaks at); a line not found as it stands (a tab the wrap
    widened) takes the style where it starts."""
    styles = {style for _, style in text.pieces}
    if len(styles) <= 1:  # one style for the whole text: the usual cell
        code = _code(_combined(base, styles.pop() if styles else ""))
        return [[(line, code)] for _, _, wrapped in paragraphs for line in wrapped]
    spans, at = [], 0
    for piece, style in text.pieces:
        spans.append((at, at + len(piece), _code(_combined(base, style))))
        at += len(piece)
    out: list[list[Segment]] = []
    for offset, paragraph, wrapped in paragraphs:
        cursor = 0
        for line in wrapped:
            found = paragraph.find(line, cursor)
            start = offset + (found if found >= 0 else cursor)
            if found < 0:
                code = next((c for a, b, c in spans if a <= start < b), "")
                out.append([(line, code)])
                continue
            cursor = found + len(line)
            end = start + len(line)
            out.append([(line[max(a, start) - start: min(b, end) - start], code)
                        for a, b, code in spans if a < end and b > start])
    return out


def _combined(base: str, style: str) -> str:
    return f"{base} {style}" if base and style else base or style


def _join(segments: list[Segment]) -> str:
    """A styled line without trailing spaces (as `plain` strips them), each run in its style."""
    while segments and not segments[-1][0].rstrip():
        segments.pop()
    if segments:
        last, code = segments[-1]
        segments[-1] = (last.rstrip(), code)
    return "".join(f"{code}{text}{RESET}" if code and text else text for text, code in segments)


# ---------------------------------------------------------------- rich

def to_rich(doc: Renderable) -> Any:
    """The same document as rich renderables (imports rich: only for a terminal)."""
    from rich import box as rich_box
    from rich.console import Group as RichGroup
    from rich.table import Table as RichTable
    from rich.text import Text as RichText

    def text(t: Text) -> RichText:
        out = RichText()
        for piece, style in t.pieces:
            out.append(piece, style=style or None)
        return out

    def convert(part: Renderable) -> Any:
        if isinstance(part, Group):
            return RichGroup(*(convert(p) for p in part.parts))
        if isinstance(part, Text):
            return text(part)
        # the title as a line of its own, wrapped at the page's width as `plain` does (rich
        # would wrap a table's title at the table's width)
        table = RichTable(box=rich_box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                          show_header=any(c.header.plain for c in part.columns))
        for col in part.columns:
            table.add_column(text(col.header), justify=col.justify,
                             overflow="fold", no_wrap=col.no_wrap)
        for row, style in part.rows:
            table.add_row(*(text(c) for c in row), style=style or None)
        return table if part.title is None else RichGroup(text(part.title), table)

    return convert(doc)
