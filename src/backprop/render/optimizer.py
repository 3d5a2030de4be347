"""An optimizer's worked step as a table (m, v, m̂, v̂, the step, p new per param) and its state as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from backprop.notation import Places, fill, fitted, fmt_step, given
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
        def texts(p: Fmt, row: Any = row, old: float = old) -> dict[str, str]:
            """Every slot's number: the file's as given, the rest printed by `p`."""
            out = {h.key: given(setting.hyper[h.key]) for h in setting.optimizer.hypers}
            out.update(eta=given(net.learning_rate), t=str(stepped.t), p=given(old), g=p(row.g))
            out.update({f"{n}0": p(v) if v else "0" for n, v in row.before.items()})
            out.update({k: p(v) for k, v in row.values.items()})
            return out

        first = True
        for q in conv.quantities:
            label = f"{q.key}_{param}" + (" (state)" if q.state else "")
            value = f(row.values[q.key])
            table.add_row(Text(param if first else ""), Text(label),
                          Text(f"{q.symbol} = {q.rule}"),
                          Text(_fitted(value, q.numbers, texts, f)), Text(value))
            first = False
        new = fmt_step(row.updated, old, f)
        table.add_row(Text(""), Text(f"{param}_new"), Text(f"p = {conv.update}"),
                      Text(_fitted(new, conv.update_numbers, texts, f)), Text(new))
    return table


def _fitted(value: str, template: str, texts: Callable[[Fmt], dict[str, str]], f: Fmt) -> str:
    """The row's numbers, printed finer where the value needs it to be redone from them."""
    if not isinstance(f, Places):
        return fill(template, texts(f))
    return fitted(value, lambda p: fill(template, texts(p)), f)


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
