"""The step report's tables: the forward pass, the loss, the local factors, the gradients as chains
of factors, and the update, every value with its rule and numbers, in the file's names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from backprop.factors import (
    Graph,
    activation_factor,
    chain_lengths,
    count_paths,
    edge_factor,
    graph,
    loss_factor,
    param_factor,
    paths,
    target_name,
)
from backprop.network import Node, Use
from backprop.notation import fill, fmt_step, given, paren
from backprop.render import common
from backprop.render.common import WIDE_SUM, Fmt
from backprop.render.layout import Table, Text
from backprop.trace import Factor, SampleTrace, Trace

LONG_CHAIN = 16  #: a chain of more factors than this (8 nodes deep) is written δ · ∂z/∂p


def _sum_rule(node: Node, trace: Trace, f: Fmt) -> tuple[str, Callable[[SampleTrace], str]]:
    """z = Σ source·param ± bias, symbolically and as a function of the sample's numbers (a
    computed source's value printed by `f`, at the report's decimals; the file's as given)."""
    sign = "−" if trace.network.bias_sign < 0 else "+"
    params = trace.network.params
    if len(node.edges) > WIDE_SUM:
        first = node.edges[0]
        rule = f"Σ {first.source}·{first.param} + … ({len(node.edges)} terms)"
        if node.bias is not None:
            rule += f" {sign} {node.bias}"
        return rule, lambda s: "…"
    terms = [f"{e.source}·{e.param}" for e in node.edges]
    if node.bias is not None:
        terms.append(node.bias)
    rule = " + ".join(terms[: len(node.edges)]) or "0"
    if node.bias is not None:
        rule = f"{rule} {sign} {node.bias}" if node.edges else (
            node.bias if sign == "+" else f"−{node.bias}")

    def numbers(s: SampleTrace) -> str:
        parts = []
        for e in node.edges:
            src = s.values[e.source]
            shown = given(src) if e.source in trace.network.inputs else f(src)
            parts.append(f"{paren(shown)}·{paren(given(params[e.param]))}")
        text = " + ".join(parts) or "0"
        if node.bias is not None:
            b = given(params[node.bias])
            text = f"{text} {sign} {paren(b)}" if node.edges else (
                b if sign == "+" else f"−{paren(b)}")
        return text

    return rule, numbers


def _activation_rule(node: Node) -> str:
    return node.activation.rule.format(z=node.sum)


def forward_table(trace: Trace, f: Fmt, shown: Sequence[SampleTrace] | None = None) -> Table:
    net = trace.network
    table = common.table("Forward pass", "", "rule", "with numbers", "value")
    rules = {node.name: _sum_rule(node, trace, f) for node in net.nodes}
    for s in trace.samples if shown is None else shown:
        tag = common.tag(trace, s)
        if net.multi_sample:
            inputs = ", ".join(f"{n} = {given(s.values[n])}" for n in net.inputs)
            common.row(table, Text(f"sample {s.index}", style="italic"), inputs, "", "")
        for node in net.nodes:
            rule, numbers = rules[node.name]
            common.row(table, node.sum + tag, rule, numbers(s), f(s.values[node.sum]))
            if node.activation.elementwise and not node.activation.identity:
                common.row(table, node.name + tag, _activation_rule(node),
                           fill(node.activation.rule, {"z": f(s.values[node.sum])}),
                           f(s.values[node.name]))
            elif node.activation.coupled:
                # softmax: h_k = e^z_k / Σ_j e^z_j over the node's group, as its rule words it
                words = node.activation.coupled.forward_text
                group = net.members[node.name]
                z = paren(f(s.values[node.sum]))
                rule = fill(node.activation.rule, {"z": node.sum}) + \
                    f" over {', '.join(n.sum for n in group)}"
                written = fill(node.activation.rule, {"z": z})
                if len(group) <= 4:
                    rule = words(node.sum, [n.sum for n in group])
                    written = words(z, [paren(f(s.values[n.sum])) for n in group])
                common.row(table, node.name + tag, rule, written, f(s.values[node.name]))
            else:
                common.row(table, node.name + tag, node.sum, f(s.values[node.sum]), f(s.values[node.name]))
    return table


def loss_table(trace: Trace, f: Fmt, shown: Sequence[SampleTrace] | None = None) -> Table:
    net = trace.network
    spec = net.loss
    d, _ = spec.loss.divisor(spec.reduction, 0, 0)
    title = f"Loss: {spec.name} = " + ("" if spec.reduction == "sum" else f"1/{d} · ")
    title += "Σ " + spec.loss.rule.format(t="t", o="o") + f"   ({spec.loss.kind}, {spec.reduction})"
    table = common.table(title, "", "rule", "with numbers", "value")
    for s in trace.samples if shown is None else shown:
        for out in net.outputs:
            t, o = s.targets[out], s.values[out]
            rule = spec.loss.rule.format(t=target_name(trace, out), o=out)
            numbers = fill(spec.loss.rule, {"t": given(t), "o": f(o)})
            common.row(table, f"ℓ({out}){common.tag(trace, s)}", rule, numbers, f(s.loss_terms[out]))
    total = trace.loss_sum
    over = "" if shown is None or len(shown) == len(trace.samples) else (
        f" over all {len(trace.samples):,} samples")
    if spec.reduction == "sum":
        common.row(table, spec.name, f"Σ ℓ{over}", f(total), f(trace.loss))
    else:
        common.row(table, spec.name, f"Σ ℓ{over} / {d}", f"{f(total)} / {given(trace.divisor)}",
                   f(trace.loss))
    return table


def _local_factors(trace: Trace, g: Graph, s: SampleTrace, *, with_params: bool = True
                   ) -> Iterable[Factor]:
    """Every local factor once, in the order the backward pass meets them (∂z/∂p only
    `with_params`: a large network's are not listed, so they are not made)."""
    net = trace.network
    by_node: dict[str, list[Use]] = {}
    if with_params:
        for use in net.uses:
            by_node.setdefault(use.node, []).append(use)
    for out in net.outputs:
        yield loss_factor(trace, s, out)
    for node in reversed(net.nodes):
        for member in g.members[node.name]:
            yield activation_factor(trace, s, member, node)
        for edge in node.edges:
            if edge.source in g.consumers:
                yield edge_factor(trace, node, edge.source, edge.param)
        for use in by_node.get(node.name, ()):
            yield param_factor(trace, s, use, node)


def factor_table(trace: Trace, f: Fmt, shown: Sequence[SampleTrace] | None = None) -> Table:
    table = common.table("Backward pass: local factors", "factor", "rule", "with numbers", "value")
    big = len(trace.network.uses) > 64
    g = graph(trace)
    for s in trace.samples if shown is None else shown:
        for factor in _local_factors(trace, g, s, with_params=not big):
            common.row(table, factor.label + common.tag(trace, s), factor.rule, common.substituted(factor, f),
                       f(factor.value))
    if big:
        common.row(table, Text("∂z/∂w = the source's value, ∂z/∂b = 1: not listed one by one",
                               style="dim"), "", "", "")
    return table


def gradient_table(trace: Trace, f: Fmt, params: Sequence[str] | None = None, *,
               shown: Sequence[SampleTrace] | None = None) -> Table:
    """Each param's ∂L/∂p as its chain of factors with numbers, one row per use and sample, and
    their Σ; δ rows first for the nodes reached along several paths or one long one. `params`
    chooses some; `shown` the samples that get rows (the Σ is always over every sample)."""
    net = trace.network
    L = net.loss.name
    g = graph(trace)
    memo: dict[str, int] = {}
    chosen = list(net.params) if params is None else list(params)
    wanted = set(chosen)
    # each param's uses, indexed once: looping over every use for every param is quadratic
    uses_of: dict[str, list[int]] = {}
    for i, use in enumerate(net.uses):
        if use.param in wanted:
            uses_of.setdefault(use.param, []).append(i)
    fed = {net.uses[i].node for idx in uses_of.values() for i in idx} if params else {
        n.name for n in net.nodes}
    # one path, and short enough to write out: a longer chain is δ · ∂z/∂p with δ rows, so that
    # a chain of n nodes costs n rows, not n² factors
    longest = chain_lengths(trace, g)
    single = {name: count_paths(g, name, memo) == 1 and longest[name] <= LONG_CHAIN
              for name in fed}
    title = "Backward pass: gradients" + ("" if params is None else " (chosen params)")
    table = common.table(title, "gradient", "chain of factors", "value")
    samples = trace.samples if shown is None else shown
    every = len(samples) == len(trace.samples)
    # δ rows for nodes reached along several paths or one long one: ∂L/∂z = ∂h/∂z · Σ_c ∂z_c/∂h · ∂L/∂z_c
    for s in samples:
        for node in reversed(net.nodes):
            if node.name in fed and not single[node.name] and node.activation.elementwise:
                _delta_row(table, trace, g, s, node, f)
    by_name = net.node_by_name
    for param in chosen:
        mine = uses_of.get(param, [])
        for s in samples:
            for i in mine:
                use = net.uses[i]
                chain = _use_chain(trace, g, s, use, single, by_name[use.node])
                label = f"∂{L}/∂{param}{common.tag(trace, s)}"
                if len(mine) > 1:
                    label += f" via {use.node}"
                common.row(table, label, common.derivation(chain, f),
                           f(s.use_grads[i]))
        if mine and not every:
            what = f"Σ over all {len(trace.samples):,} samples" + (
                f" and the {len(mine)} uses" if len(mine) > 1 else "")
            common.row(table, Text(f"∂{L}/∂{param}", style="bold"), Text(what),
                       Text(f(trace.gradients[param]), style="bold"))
        elif len(mine) * len(trace.samples) > 1:
            common.row(table, Text(f"∂{L}/∂{param}", style="bold"), Text("Σ of the rows above"),
                       Text(f(trace.gradients[param]), style="bold"))
        elif not mine:
            common.row(table, f"∂{L}/∂{param}", "unused", f(0.0))
    return table


def _use_chain(trace: Trace, g: Graph, s: SampleTrace, use: Use, single: dict[str, bool],
               node: Node) -> list[Factor]:
    """∂L/∂p through one use: the whole chain when the use's node has one short path, else
    δ · ∂z/∂p."""
    pf = param_factor(trace, s, use, node)
    if single[node.name]:
        (chain,) = list(paths(trace, g, s, node))
        return [*chain, pf]
    delta = Factor(numerator=trace.network.loss.name, denominator=node.sum, template="δ",
                   args=(), value=s.delta[node.name])
    return [delta, pf]


def _delta_row(table: Table, trace: Trace, g: Graph, s: SampleTrace, node: Node, f: Fmt) -> None:
    """δ = ∂L/∂z = ∂h/∂z · (Σ_c ∂z_c/∂h · ∂L/∂z_c + ∂L/∂h), written out up to WIDE_SUM terms."""
    net = trace.network
    L = net.loss.name
    head = activation_factor(trace, s, node)
    terms = g.consumers[node.name]
    if len(terms) > WIDE_SUM:
        sym = f"{head.label} · (Σ_c ∂z_c/∂{node.name} · ∂{L}/∂z_c, {len(terms)} terms"
        num = f"{paren(f(head.value))} · (Σ …"
    else:
        sym = f"{head.label} · (" + " + ".join(f"∂{c.sum}/∂{node.name} · ∂{L}/∂{c.sum}"
                                              for c, _ in terms)
        num = f"{paren(f(head.value))} · (" + " + ".join(
            f"{paren(f(net.params[p]))} · {paren(f(s.delta[c.name]))}" for c, p in terms)
    if node.name in net.outputs:
        lf = loss_factor(trace, s, node.name)
        sym += f" + {lf.label}"
        num += f" + {paren(f(lf.value))}"
    common.row(table, f"∂{L}/∂{node.sum}{common.tag(trace, s)}", Text(f"{sym})\n= {num})"),
         f(s.delta[node.name]))


def update_table(trace: Trace, f: Fmt, params: Iterable[str] | None = None) -> Table:
    """p ← p − η·∂L/∂p for every param, or for the chosen ones; an optimizer's own rows instead."""
    if trace.optimizer is not None:
        from backprop.render.optimizer import optimizer_table

        return optimizer_table(trace, trace.optimizer, f, params)
    net = trace.network
    eta = given(net.learning_rate)
    table = common.table(f"Update: p ← p − η·∂{net.loss.name}/∂p, η = {eta}", "param", "rule",
                         "with numbers", "value")
    for param in net.params if params is None else params:
        old = net.params[param]
        if param in net.frozen:
            common.row(table, param, "frozen: not updated", given(old), f(old))
            continue
        grad = trace.gradients[param]
        common.row(table, param, f"{param} − η·∂{net.loss.name}/∂{param}",
                   f"{given(old)} − {eta}·{paren(f(grad))}",
                   fmt_step(trace.updated[param], old, f))
    return table
