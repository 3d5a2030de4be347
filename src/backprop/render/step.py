"""The `step` report as tables: every row of a small network, or render/summary.py's layer-by-layer
view of a large one."""

from __future__ import annotations

from collections.abc import Sequence

from backprop.notation import Places
from backprop.render import Asking, StepView, summary
from backprop.render.layout import Group, RenderableType, Text
from backprop.render.tables import (
    factor_table,
    forward_table,
    gradient_table,
    loss_table,
    update_table,
)
from backprop.trace import Trace


def render(trace: Trace, view: StepView) -> RenderableType:
    """The `table` format of `backprop step` (render.STEP_FORMATS)."""
    return step_report(trace, view.decimals, show_all=view.show_all, params=view.params,
                       samples=view.samples, ask=view.ask)


def step_report(trace: Trace, decimals: int = 3, *, show_all: bool = False,
                params: Sequence[str] = (), samples: Sequence[int] = (),
                ask: Asking | None = None) -> RenderableType:
    """The whole training step as a group of tables. A large network (render/summary.py) is
    summarised layer by layer unless `show_all`; `params` (names or globs) picks params to show.
    Per-sample rows are made only for the samples shown: every one when there are at most
    summary.MAX_SAMPLES or `show_all`, else the first, or the 1-based `samples` chosen."""
    shown = summary.shown_samples(trace, samples, show_all=show_all)
    if params or (not show_all and summary.is_large(trace.network)):
        return summary.step_summary(trace, decimals, params=params, shown=shown,
                                    chosen_samples=samples, ask=ask)
    f = Places(decimals)
    parts: list[RenderableType] = []
    net = trace.network
    if net.title:
        parts.append(Text(net.title, style="bold"))
    if net.description:
        parts.append(Text(net.description.strip()))
    parts += [Text(""), forward_table(trace, f, shown)]
    if len(shown) < len(trace.samples):
        parts += [Text(""), summary.value_ranges(trace, f)]
    for table in (loss_table(trace, f, shown), factor_table(trace, f, shown),
                  gradient_table(trace, f, shown=shown), update_table(trace, f)):
        parts += [Text(""), table]
    parts.append(Text(""))
    parts.append(Text(f"{net.loss.name} = {f(trace.loss)} before the update, "
                      f"{f(trace.loss_new)} after it"))
    parts.extend(Text(f"note: {n}", style="dim") for n in trace.notes)
    note = summary.samples_note(trace, shown, samples, ask)
    if note:
        parts += [Text(""), Text(note, style="italic")]
    return Group(*parts)
