"""What the document formats (markdown, latex, html) share: each command's report as the one
document the table format lays out, a heading for it, and the names a network defines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backprop.render import CheckView, StepView
from backprop.render.layout import Group, RenderableType

if TYPE_CHECKING:
    from backprop.classroom import Gradebook
    from backprop.explain import Explanation
    from backprop.network import Network
    from backprop.trace import Trace


def step_document(trace: Trace, view: StepView) -> RenderableType:
    """`backprop step`'s report, as the table format builds it."""
    from backprop.render.step import render

    return render(trace, view)


def explain_document(trace: Trace, ex: Explanation, view: StepView) -> RenderableType:
    """`backprop explain`'s report, as the table format builds it (render.EXPLAIN_FORMATS)."""
    from backprop.render.explain import explain_report

    return explain_report(ex, view.decimals, trace.notes, view.ask)


def check_document(book: Gradebook, view: CheckView) -> RenderableType:
    """Each sheet's table (or why it was not marked), and the class's summary when asked for
    or when there are several sheets."""
    from backprop.render import check as render

    parts: list[RenderableType] = [] if view.summary else [
        render.report_table(row.report) if row.report is not None else render.unusable_table(row)
        for row in book.rows]
    if view.summary or len(book.rows) > 1 or book.skipped:
        parts.append(render.class_table(book))
    return Group(*parts)


def step_title(trace: Trace) -> str:
    """A page's title: the network's, else what it is."""
    net = trace.network
    return net.title or f"One training step of {net.source_file or 'a network'}"


def explain_title(ex: Explanation) -> str:
    return f"∂{ex.loss_name}/∂{ex.param}"


def check_title(book: Gradebook, view: CheckView) -> str:
    if view.summary or len(book.rows) != 1:
        n = len(book.rows)
        return f"Marked answers: {n} sheet{'' if n == 1 else 's'}"
    return f"Marked answers: {book.rows[0].file}"


def names(network: Network) -> frozenset[str]:
    """Every name the network defines: inputs, sums, nodes, params and the loss."""
    return frozenset((*network.inputs, *network.params, network.loss.name,
                      *(n.name for n in network.nodes), *(n.sum for n in network.nodes)))
