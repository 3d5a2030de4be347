"""The reports as one self-contained HTML page: the same document the table format lays out, its
tables as HTML tables, styled by inline CSS (screen and print), every piece of text escaped; no
script, font, stylesheet or image is fetched to view it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from backprop import safe
from backprop.render import CheckView, StepView, documents
from backprop.render.layout import Group, Renderable, Table, Text

if TYPE_CHECKING:
    from backprop.classroom import Gradebook, Row
    from backprop.explain import Explanation
    from backprop.trace import Trace

CSS = """\
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 2em auto; max-width: 72em; padding: 0 1em; color: #1a1a1a; background: #fff;
       line-height: 1.45; }
p { margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { padding: 0.15em 0.9em 0.15em 0; vertical-align: top; text-align: left; }
th { border-bottom: 1px solid #555; }
td, .math { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
.num { text-align: right; white-space: nowrap; }
.bold { font-weight: bold; } .italic { font-style: italic; } .dim { color: #666; }
.green { color: #1b7a1b; } .red { color: #b3261e; } .yellow { color: #8a6d00; }
.magenta { color: #9c27b0; }
tr.bold td { border-top: 1px solid #bbb; }
figure { margin: 1em 0; overflow-x: auto; } figure svg { max-width: 100%; height: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  table { page-break-inside: auto; } tr { page-break-inside: avoid; }
  caption, h1 { page-break-after: avoid; }
  figure { page-break-inside: avoid; }
}
"""


def step(trace: Trace, view: StepView) -> str:
    """The `html` format of `backprop step` (render.STEP_FORMATS), with the network drawn."""
    body = html(documents.step_document(trace, view))
    picture = _picture(trace, view.decimals)
    return page(documents.step_title(trace), body + picture, view.fragment)


def explain(trace: Trace, ex: Explanation, view: StepView) -> str:
    """The `html` format of `backprop explain` (render.EXPLAIN_FORMATS)."""
    return page(documents.explain_title(ex),
                 html(documents.explain_document(trace, ex, view)), view.fragment)


def check(book: Gradebook, view: CheckView) -> str:
    """The `html` format of `backprop check` (render.CHECK_FORMATS)."""
    return page(documents.check_title(book, view), html(documents.check_document(book, view)),
                 view.fragment)


def feedback(row: Row) -> str:
    """One student's `check --feedback` page (render.FEEDBACK_FORMATS): the sheet's report as
    `check --format html` prints it, with its variant and each asked quantity not answered."""
    from backprop.render.check import feedback_document

    return page(f"Feedback: {row.file}", html(feedback_document(row)))


def _picture(trace: Trace, decimals: int) -> str:
    """The network as inline SVG (render/graph.py), when it is small enough to be drawn."""
    from backprop.render.graph import MAX_DRAWN, graph_svg

    net = trace.network
    if len(net.inputs) + len(net.nodes) > MAX_DRAWN:
        return ""
    svg = graph_svg(trace, decimals, gradients=True)
    return f'<figure aria-label="the network">\n{svg}\n</figure>\n'


def page(title: str, body: str, fragment: bool = False, *, css: str = "") -> str:
    """The one page shell of backprop's HTML: `body` in a self-contained page titled `title`
    (escaped), styled by CSS and then by the caller's own `css` rules; with `fragment`, the body
    alone."""
    if fragment:
        return body
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>\n{CSS}{css}</style>\n</head>\n<body>\n"
            f"<main>\n{body}</main>\n</body>\n</html>\n")


def escape(text: str) -> str:
    """Text for HTML: controls shown as escapes (backprop.safe), & < > " ' as references."""
    line = safe.line(text)
    return (line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def html(doc: Renderable) -> str:
    """The document's HTML: a paragraph per text, a table per table."""
    return "".join(_blocks(doc))


def _blocks(doc: Renderable) -> list[str]:
    if isinstance(doc, Group):
        return [block for part in doc.parts for block in _blocks(part)]
    if isinstance(doc, Table):
        return [_table(doc)]
    if not doc.plain.strip():
        return []
    return [f"<p>{_inline(doc)}</p>\n"]


_STYLE_WORD = re.compile(r"^[a-z_]+$")


def _classes(style: str) -> str:
    return " ".join(w for w in style.split() if _STYLE_WORD.match(w))


def _inline(text: Text) -> str:
    """The text's pieces, each escaped and wrapped in its style's classes; newlines as <br>."""
    out = []
    for piece, style in text.pieces:
        body = "<br>\n".join(escape(line) for line in piece.split("\n"))
        classes = _classes(style)
        out.append(f'<span class="{classes}">{body}</span>' if classes else body)
    return "".join(out)


def _table(table: Table) -> str:
    out = ["<table>\n"]
    if table.title is not None and table.title.plain.strip():
        out.append(f"<caption>{_inline(table.title)}</caption>\n")
    right = [c.justify == "right" for c in table.columns]
    if any(c.header.plain for c in table.columns):
        out.append("<thead><tr>" + "".join(
            f'<th{_num(r)} scope="col">{_inline(c.header)}</th>'
            for c, r in zip(table.columns, right, strict=True)) + "</tr></thead>\n")
    out.append("<tbody>\n")
    for cells, style in table.rows:
        classes = _classes(style)
        row = f'<tr class="{classes}">' if classes else "<tr>"
        padded = list(cells) + [Text()] * (len(table.columns) - len(cells))
        row += "".join(f"<td{_num(r)}>{_inline(c)}</td>"
                       for c, r in zip(padded, right, strict=True))
        out.append(row + "</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def _num(right: bool) -> str:
    return ' class="num"' if right else ""
