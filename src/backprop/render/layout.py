"""A small document model for the report tables, laid out as plain text or handed to rich.

The renderers build Text, Table and Group from here with rich's own signatures; `plain` lays
them out without importing rich (a pipe, a file: the fast path and greppable lines), `to_rich`
turns them into rich's renderables for a terminal (colour, styles).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any, Literal


class Text:
    """A run of text with one rich style per appended piece."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.pieces: list[tuple[str, str]] = [(text, style)] if text else []

    def append(self, text: str, style: str = "") -> Text:
        self.pieces.append((text, style))
        return self

    @property
    def plain(self) -> str:
        return "".join(t for t, _ in self.pieces)

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
        self.rows.append(([_text(c) for c in cells], style))


class Group:
    def __init__(self, *parts: Renderable) -> None:
        self.parts = parts


Renderable = Text | Table | Group
RenderableType = Renderable


def _text(value: Text | str) -> Text:
    return value if isinstance(value, Text) else Text(value)


# ---------------------------------------------------------------- plain text

GAP = "   "  #: between columns: rich's one-space padding either side of a blank separator


def plain(doc: Renderable, width: int = 80) -> str:
    """The document as text lines at most `width` wide where words allow, no trailing spaces."""
    return "".join(line.rstrip() + "\n" for line in _lines(doc, width))


def _lines(doc: Renderable, width: int) -> Iterator[str]:
    if isinstance(doc, Group):
        for part in doc.parts:
            yield from _lines(part, width)
    elif isinstance(doc, Table):
        yield from _table(doc, width)
    else:
        for paragraph in doc.plain.split("\n"):
            yield from _wrap(paragraph, width) or [""]


def _wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False, drop_whitespace=True) or [""]


def _table(table: Table, width: int) -> Iterator[str]:
    n = len(table.columns)
    cells = [[c.plain for c in row] + [""] * (n - len(row)) for row, _ in table.rows]
    heads = [c.header.plain for c in table.columns]
    natural = [max((len(line) for text in [heads[i], *(r[i] for r in cells)]
                    for line in text.split("\n")), default=0) for i in range(n)]
    widths = _fit(natural, [c.no_wrap for c in table.columns], width - len(GAP) * (n - 1))
    total = sum(widths) + len(GAP) * (n - 1)
    if table.title is not None:
        yield from _wrap(table.title.plain, max(total, 1))
    if any(heads):
        yield from _row(heads, widths, table.columns)
        yield "─" * total
    for row in cells:
        yield from _row(row, widths, table.columns)


def _fit(natural: list[int], no_wrap: list[bool], room: int) -> list[int]:
    """Narrow the widest wrappable columns until the row fits, levelling them down together (no
    column below `floor`); the first columns of a tie give the odd characters. Each round levels
    the widest down to the next width, so the cost is the number of columns squared, not the
    width: a cell of 2,000,000 characters takes no longer than one of 20."""
    widths = list(natural)
    floor = 10
    excess = sum(widths) - room
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if not no_wrap[i] and w > floor]
        if not candidates:
            break
        top = max(widths[i] for i in candidates)
        tied = [i for i in candidates if widths[i] == top]
        below = max([widths[i] for i in candidates if widths[i] < top] + [floor])
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


def _row(texts: list[str], widths: list[int], columns: list[Column]) -> Iterator[str]:
    wrapped = [_cell(text, w) for text, w in zip(texts, widths, strict=True)]
    for k in range(max(map(len, wrapped), default=0)):
        parts = []
        for lines, w, col in zip(wrapped, widths, columns, strict=True):
            line = lines[k] if k < len(lines) else ""
            parts.append(line.rjust(w) if col.justify == "right" else line.ljust(w))
        yield GAP.join(parts)


def _cell(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if len(paragraph) <= width:
            lines.append(paragraph)
        else:
            lines += textwrap.wrap(paragraph, width, break_on_hyphens=False) or [""]
    return lines


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
        table = RichTable(title=text(part.title) if part.title is not None else None,
                          title_justify="left", box=rich_box.SIMPLE_HEAD, pad_edge=False,
                          show_edge=False, show_header=any(c.header.plain for c in part.columns))
        for col in part.columns:
            table.add_column(text(col.header), justify=col.justify,
                             overflow="fold", no_wrap=col.no_wrap)
        for row, style in part.rows:
            table.add_row(*(text(c) for c in row), style=style or None)
        return table

    return convert(doc)
