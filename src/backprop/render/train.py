"""A training run as a report: how it stopped, the loss every k steps, the loss curve, and the
params before and after; and as JSON, every loss and param at full precision."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from backprop import safe
from backprop.notation import fmt, fmt_step, given
from backprop.render import Asking
from backprop.render.layout import Group, RenderableType, Table, Text, box
from backprop.trace import Trace
from backprop.train import Training

Fmt = Callable[[float], str]

ROWS = 10  #: the loss table's default aims at about this many rows
HEIGHT = 6  #: lines of the loss curve
MAX_COLUMNS = 60  #: the curve's widest; a narrower output gets a narrower curve
LEVELS = " ▁▂▃▄▅▆▇█"  #: a column's top cell, in eighths of a line
LOG_RATIO = 100  #: the curve is drawn on a log scale when the largest loss is this many times the least
TOP_CHANGES = 20  #: a large network's params table lists the params that changed most


def default_every(steps: int) -> int:
    """A round interval (1, 2, 5, 10, 20, 50, …) that gives the loss table about ROWS rows."""
    wanted = max(1, math.ceil(steps / ROWS))
    scale = 1
    while True:
        for unit in (1, 2, 5):
            if unit * scale >= wanted:
                return unit * scale
        scale *= 10


def train_report(run: Training, decimals: int = 3, *, every: int | None = None,
                 width: int = 80, ask: Asking | None = None) -> RenderableType:
    """The whole run: a headline, the loss table, the loss curve and the params table (`ask`:
    how the reader asks for every param, when the caller can say)."""
    f = partial(fmt, decimals=decimals)
    net = run.start
    parts: list[RenderableType] = []
    if net.title:
        parts.append(Text(net.title, style="bold"))
    steps = "1 step" if run.steps == 1 else f"{run.steps:,} steps"
    setting = net.optimizer
    how = ("Gradient descent" if not setting.optimizer.worked else
           f"{setting.optimizer.kind.capitalize()} ({setting.convention.description})")
    parts.append(Text(f"{how}, η = {given(net.learning_rate)}: {steps}."))
    parts.append(Text(f"Stopped: {run.reason(_significant)}."))
    parts += [Text(""), loss_table(run, f, every or default_every(run.steps)),
              Text(""), curve(run.losses, net.loss.name, f, width),
              Text(""), params_table(run, f, ask)]
    return Group(*parts)


def _significant(value: float) -> str:
    """A loss in a sentence: four significant figures, so that it is told apart from the
    threshold it is compared with (0.0009983 < 0.001)."""
    return f"{value:.4g}"


def _table(title: str, *columns: str, right: Sequence[str]) -> Table:
    table = Table(title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, show_edge=False)
    for name in columns:
        table.add_column(Text(name), justify="right" if name in right else "left",
                         overflow="fold", no_wrap=True)
    return table


def loss_table(run: Training, f: Fmt, every: int) -> Table:
    """The loss after 0, k, 2k, … steps and after the last, with the change since the row above."""
    L = run.start.loss.name
    title = f"{L} after each step" if every == 1 else f"{L} every {every:,} steps"
    table = _table(title, "step", L, "change", right=("step", L, "change"))
    shown = list(range(0, run.steps + 1, every))
    if shown[-1] != run.steps:
        shown.append(run.steps)
    previous: float | None = None
    for step in shown:
        loss = run.losses[step]
        change = "" if previous is None else _signed(loss - previous, f)
        table.add_row(Text(f"{step:,}"), Text(f(loss)), Text(change))
        previous = loss
    return table


def _signed(value: float, f: Fmt) -> str:
    text = f(value)
    return text if text.startswith("-") or value == 0 else f"+{text}"


def curve(losses: Sequence[float], name: str, f: Fmt, width: int = 80) -> Text:
    """The loss curve as block characters, HEIGHT lines high, the same at a terminal and in a pipe.

    Each column is the loss after an evenly spaced step, from step 0 (left) to the last (right);
    its height runs from the least loss (one eighth of a line) to the largest (the full height),
    on a log scale when they are LOG_RATIO or more apart.
    """
    n = len(losses) - 1
    lo, hi = min(losses), max(losses)
    log = lo > 0 and hi >= LOG_RATIO * lo
    top, bottom = f(hi), f(lo)
    label = max(len(top), len(bottom))
    columns = max(1, min(MAX_COLUMNS, n + 1, width - label - 2))
    steps = [round(c * n / (columns - 1)) for c in range(columns)] if columns > 1 else [n]

    def level(value: float) -> int:
        """Eighths of a line: 1 for the least loss, HEIGHT·8 for the largest."""
        if hi == lo:
            return HEIGHT * 4
        a, b, v = (math.log(lo), math.log(hi), math.log(value)) if log else (lo, hi, value)
        return 1 + round((v - a) / (b - a) * (HEIGHT * 8 - 1))

    heights = [level(losses[s]) for s in steps]
    scale = ", log scale" if log else ""
    drawn = Text(f"{name} after each step, 0 to {n:,}{scale}", style="bold")
    for row in range(HEIGHT - 1, -1, -1):
        tick = top if row == HEIGHT - 1 else bottom if row == 0 else ""
        cells = "".join(LEVELS[min(8, max(0, h - row * 8))] for h in heights)
        drawn.append(f"\n{tick:>{label}} {'┤' if tick else '│'}").append(cells, "cyan")
    last = f"{n:,}"
    axis = "0" + last.rjust(columns - 1) if columns > len(last) else f"0 to {last}"
    drawn.append("\n" + " " * label + " └" + "─" * columns + "\n" + " " * (label + 2) + axis)
    return drawn


def params_table(run: Training, f: Fmt, ask: Asking | None = None) -> Table:
    """Each param at the start (as the file gave it), after training, and the change; a large
    network's table lists the TOP_CHANGES params that changed most."""
    from backprop.render.summary import MAX_PARAMS

    start, final = run.start.params, run.final.params
    names = list(start)
    title = "Params"
    if len(names) > MAX_PARAMS:
        names = sorted(names, key=lambda p: -abs(final[p] - start[p]))[:TOP_CHANGES]
        title = f"Params: the {TOP_CHANGES} that changed most, of {len(start):,}"
        if ask is not None:
            title += f" ({ask.numbers} holds every one)"
    table = _table(title, "param", "start", "trained", "change", right=("start", "trained", "change"))
    for p in names:
        old, new = start[p], final[p]
        if p in run.start.frozen:
            table.add_row(Text(p), Text(given(old)), Text(given(old)), Text("frozen", style="dim"))
        else:
            table.add_row(Text(p), Text(given(old)), Text(fmt_step(new, old, f)),
                          Text(_signed(new - old, f)))
    return table


def explained_heading(step: int, steps: int) -> Text:
    """The line above a step's worked report (--explain-every)."""
    return Text(f"Step {step:,} of {steps:,}", style="bold reverse")


# ---------------------------------------------------------------- JSON

def train_dict(run: Training, explained: Sequence[tuple[int, Trace]] = ()) -> dict[str, Any]:
    """Every loss and both sets of params at full precision; `explained` steps as `step` reports."""
    from backprop.render.json import step_dict

    net = run.start
    out: dict[str, Any] = {
        "title": net.title,
        "description": net.description,
        "loss": {"name": net.loss.name, "kind": net.loss.loss.kind, "reduction": net.loss.reduction},
        "learning_rate": net.learning_rate,
        "optimizer": net.optimizer.optimizer.kind,
        "max_steps": run.max_steps,
        "steps": run.steps,
        "stopped": {"rule": run.stop.code, "step": run.stop.step, "reason": run.reason()},
        "losses": list(run.losses),
        "frozen": sorted(net.frozen),
        "start_params": dict(net.params),
        "final_params": dict(run.final.params),
    }
    setting = run.final.optimizer
    if setting.convention.state_names:  # what `optimizer_state` takes to continue exactly
        from backprop.render.optimizer import state_dict

        out["final_optimizer_state"] = state_dict(setting.state, setting.optimizer.counts_steps)
    if explained:
        out["explained"] = [{"step": step, "report": step_dict(trace)} for step, trace in explained]
    return out


def train_json(run: Training, explained: Sequence[tuple[int, Trace]] = ()) -> str:
    return safe.json_text(train_dict(run, explained))
