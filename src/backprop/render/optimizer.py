"""An optimizer's worked step as a table (m, v, m̂, v̂, the step, p new per param) and its state as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from backprop.notation import fill, fmt_step, given
from backprop.optimizers import State, Stepped
from backprop.render.layout import Table, Text, box
from backprop.trace import Trace

Fmt = Callable[[float], str]


def optimizer_table(trace: Trace, stepped: Stepped, f: Fmt, params: Iterable[str] | None = None) -> Table:
    """Each param's rows: every quantity of the optimizer's rule with its numbers, then p new.
    The state after the step is the rows marked `state` (its value is what the next step reads)."""
    net = trace.network
    setting = stepped.setting
    conv = setting.convention
    hyper = ", ".join(f"{h.symbol} = {given(setting.hyper[h.key])}" for h in setting.optimizer.hypers)
    counts = f", t = {stepped.t}" if setting.optimizer.counts_steps else ""
    title = (f"Update by {setting.optimizer.kind} ({conv.description}), g = ∂{net.loss.name}/∂p, "
             f"η = {given(net.learning_rate)}, {hyper}{counts}")
    table = Table(title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, show_edge=False)
    for name in ("param", "quantity", "rule", "with numbers", "value"):
        table.add_column(Text(name), justify="right" if name == "value" else "left",
                         overflow="fold", no_wrap=name == "value")
    for param in net.params if params is None else params:
        old = net.params[param]
        row = stepped.rows.get(param)
        if row is None:  # frozen, or used by no sum: neither it nor its state moves
            why = ("frozen: not updated" if param in net.frozen
                   else "unused: no gradient, not stepped (as torch.optim)")
            table.add_row(Text(param), Text(f"{param}_new"), Text(why), Text(given(old)),
                          Text(f(old)))
            continue
        texts = {h.key: given(v) for h, v in ((h, setting.hyper[h.key])
                                              for h in setting.optimizer.hypers)}
        texts.update(eta=given(net.learning_rate), t=str(stepped.t), p=given(old), g=f(row.g))
        texts.update({f"{n}0": f(v) if v else "0" for n, v in row.before.items()})
        texts.update({k: f(v) for k, v in row.values.items()})
        first = True
        for q in conv.quantities:
            label = f"{q.key}_{param}" + (" (state)" if q.state else "")
            table.add_row(Text(param if first else ""), Text(label),
                          Text(f"{q.symbol} = {q.rule}"), Text(fill(q.numbers, texts)),
                          Text(f(row.values[q.key])))
            first = False
        table.add_row(Text(""), Text(f"{param}_new"), Text(f"p = {conv.update}"),
                      Text(fill(conv.update_numbers, texts)), Text(fmt_step(row.updated, old, f)))
    return table


def state_dict(state: State, counts_steps: bool) -> dict[str, Any]:
    """{"step": t, "m": {param: value}, …}: what `optimizer_state` in a network file takes."""
    out: dict[str, Any] = {"step": state.step} if counts_steps else {}
    out.update({name: dict(table) for name, table in state.tables.items()})
    return out


def optimizer_dict(stepped: Stepped) -> dict[str, Any]:
    """The optimizer's step for --format json: its settings, each param's quantities, the state."""
    setting = stepped.setting
    return {
        "kind": setting.optimizer.kind,
        "convention": setting.convention.name,
        "hyperparameters": dict(setting.hyper),
        "t": stepped.t,
        "quantities": {p: dict(row.values) for p, row in stepped.rows.items()},
        "state": state_dict(stepped.state, setting.optimizer.counts_steps),
    }
