"""The step report's tables: the forward pass, the loss, the local factors, the gradients as chains
of factors, and the update, every value with its rule and numbers, in the file's names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

from backprop.factors import (
    Graph,
    activation_factor,
    backward_order,
    chain_lengths,
    count_paths,
    edge_factor,
    ends_at_loss,
    graph,
    loss_factor,
    output_delta_terms,
    param_factor,
    paths,
    target_name,
)
from backprop.network import Network, Node, Use
from backprop.notation import Places, fill, fitted, fmt_step, given, paren, places_for_sum
from backprop.render import common
from backprop.render.common import WIDE_SUM
from backprop.render.layout import Table, Text
from backprop.trace import Factor, SampleTrace, Trace

LONG_CHAIN = 16  #: a chain of more factors than this (8 nodes deep) is written δ · ∂z/∂p


def _sum_rule(node: Node, trace: Trace) -> tuple[str, Callable[[SampleTrace, Places], str]]:
    """z = Σ source·param ± bias, symbolically and as a function of the sample's numbers (a
    computed source's value printed by the Places given, the file's as given)."""
    sign = "−" if trace.network.bias_sign < 0 else "+"
    params = trace.network.params
    if len(node.edges) > WIDE_SUM:
        first = node.edges[0]
        rule = f"Σ {first.source}·{first.param} + … ({len(node.edges)} terms)"
        if node.bias is not None:
            rule += f" {sign} {node.bias}"
        return rule, lambda s, f: "…"
    terms = [f"{e.source}·{e.param}" for e in node.edges]
    if node.bias is not None:
        terms.append(node.bias)
    rule = " + ".join(terms[: len(node.edges)]) or "0"
    if node.bias is not None:
        rule = f"{rule} {sign} {node.bias}" if node.edges else (
            node.bias if sign == "+" else f"−{node.bias}")

    def numbers(s: SampleTrace, f: Places) -> str:
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


def forward_table(trace: Trace, f: Places, shown: Sequence[SampleTrace] | None = None) -> Table:
    """Each sum and node value with its rule and numbers, the numbers printed finer where the
    value needs it to be redone from them (notation.fitted)."""
    net = trace.network
    table = common.table("Forward pass", "", "rule", "with numbers", "value")
    rules = {node.name: _sum_rule(node, trace) for node in net.nodes}
    for s in trace.samples if shown is None else shown:
        tag = common.tag(trace, s)
        if net.multi_sample:
            inputs = ", ".join(f"{n} = {given(s.values[n])}" for n in net.inputs)
            common.row(table, Text(f"sample {s.index}", style="italic"), inputs, "", "")
        for node in net.nodes:
            rule, numbers = rules[node.name]
            z_text = f(s.values[node.sum])
            common.row(table, node.sum + tag, rule,
                       fitted(z_text, partial(numbers, s), f), z_text)
            h_text = f(s.values[node.name])
            if node.activation.elementwise and not node.activation.identity:
                z = s.values[node.sum]
                common.row(table, node.name + tag, _activation_rule(node),
                           fitted(h_text, partial(_activation_numbers, node, z), f,
                                  partial(_activation_redone, node, z)), h_text)
            elif node.activation.coupled:
                # softmax: h_k = e^z_k / Σ_j e^z_j over the node's group, as its rule words it
                group = net.members[node.name]
                rule = fill(node.activation.rule, {"z": node.sum}) + \
                    f" over {', '.join(n.sum for n in group)}"
                if len(group) <= 4:
                    rule = node.activation.coupled.forward_text(node.sum, [n.sum for n in group])
                common.row(table, node.name + tag, rule,
                           fitted(h_text, partial(_softmax_numbers, net, s, node), f), h_text)
            else:
                common.row(table, node.name + tag, node.sum, f(s.values[node.sum]), f(s.values[node.name]))
    return table


def _activation_numbers(node: Node, z: float, f: Places) -> str:
    return fill(node.activation.rule, {"z": f(z)})


def _activation_redone(node: Node, z: float, f: Places) -> float:
    """h = f(z) from z as printed."""
    return node.activation.f(float(f(z)))


def _loss_numbers(rule: str, t: float, o: float, f: Places) -> str:
    return fill(rule, {"t": given(t), "o": f(o)})


def _update_numbers(old: float, eta: str, grad: float, f: Places) -> str:
    """p − η·g with numbers: the old value and η as the file gave them."""
    return f"{given(old)} − {eta}·{paren(f(grad))}"


def _softmax_numbers(net: Network, s: SampleTrace, node: Node, f: Places) -> str:
    """h_k = e^z_k / (e^z_1 + …) with the group's numbers, or e^z_k / Σ e^z for a large group."""
    assert node.activation.coupled is not None
    group = net.members[node.name]
    z = paren(f(s.values[node.sum]))
    if len(group) <= 4:
        return node.activation.coupled.forward_text(z, [paren(f(s.values[n.sum])) for n in group])
    return fill(node.activation.rule, {"z": z})


def loss_table(trace: Trace, f: Places, shown: Sequence[SampleTrace] | None = None) -> Table:
    net = trace.network
    spec = net.loss
    d, _ = spec.loss.divisor(spec.reduction, 0, 0)
    title = f"Loss: {spec.name} = " + ("" if spec.reduction == "sum" else f"1/{d} · ")
    title += "Σ " + spec.loss.rule.format(t="t", o="o") + f"   ({spec.loss.kind}, {spec.reduction})"
    table = common.table(title, "", "rule", "with numbers", "value")
    samples = trace.samples if shown is None else shown
    every = len(samples) == len(trace.samples)
    total = trace.loss_sum
    loss_text = f(trace.loss)
    # the printed ℓ terms add to the printed Σ ℓ, and that divided by D to the printed L
    sum_places = places_for_sum(loss_text, [total], f, trace.divisor)
    total_text = sum_places(total)
    terms = [s.loss_terms[out] for s in samples for out in net.outputs]
    p = places_for_sum(total_text, terms, f) if every else f
    for s in samples:
        for out in net.outputs:
            t, o = s.targets[out], s.values[out]
            rule = spec.loss.rule.format(t=target_name(trace, out), o=out)
            term = p(s.loss_terms[out])
            numbers = fitted(term, partial(_loss_numbers, spec.loss.rule, t, o), p)
            common.row(table, f"ℓ({out}){common.tag(trace, s)}", rule, numbers, term)
    over = "" if every else f" over all {len(trace.samples):,} samples"
    if spec.reduction == "sum":
        common.row(table, spec.name, f"Σ ℓ{over}", total_text, loss_text)
    else:
        common.row(table, spec.name, f"Σ ℓ{over} / {d}",
                   f"{total_text} / {given(trace.divisor)}", loss_text)
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
    for node in backward_order(trace):
        for member in g.members[node.name]:
            yield activation_factor(trace, s, member, node)
        for edge in node.edges:
            if edge.source in g.consumers:
                yield edge_factor(trace, node, edge.source, edge.param)
        for use in by_node.get(node.name, ()):
            yield param_factor(trace, s, use, node)


def factor_table(trace: Trace, f: Places, shown: Sequence[SampleTrace] | None = None) -> Table:
    table = common.table("Backward pass: local factors", "factor", "rule", "with numbers", "value")
    big = len(trace.network.uses) > 64
    g = graph(trace)
    inputs = trace.network.inputs
    for s in trace.samples if shown is None else shown:
        for factor in _local_factors(trace, g, s, with_params=not big):
            common.row(table, factor.label + common.tag(trace, s), factor.rule,
                       *common.factor_cells(factor, f, inputs))
    if big:
        common.row(table, Text("∂z/∂w = the source's value, ∂z/∂b = 1: not listed one by one",
                               style="dim"), "", "", "")
    return table


def gradient_table(trace: Trace, f: Places, params: Sequence[str] | None = None, *,
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
    # δ rows, from the loss end: each output's δ = ∂L/∂z (Mazur's δ_o1), and the nodes reached
    # along several paths or one long one: ∂L/∂z = ∂h/∂z · Σ_c ∂z_c/∂h · ∂L/∂z_c
    order = backward_order(trace)
    for s in samples:
        for node in order:
            if node.name in fed and not single[node.name] and node.activation.elementwise:
                _delta_row(table, trace, g, s, node, f)
            elif (params is None or node.name in fed) and ends_at_loss(g, node):
                _output_delta_row(table, trace, s, node, f)
    by_name = net.node_by_name
    inputs = net.inputs
    for param in chosen:
        mine = uses_of.get(param, [])
        total = f(trace.gradients[param])
        # the rows' values add to the Σ row within a unit of its last place
        p = places_for_sum(total, [s.use_grads[i] for s in samples for i in mine], f) if (
            every and len(mine) * len(samples) > 1) else f
        for s in samples:
            for i in mine:
                use = net.uses[i]
                chain = _use_chain(trace, g, s, use, single, by_name[use.node])
                label = f"∂{L}/∂{param}{common.tag(trace, s)}"
                if len(mine) > 1:
                    label += f" via {use.node}"
                shown_value = p(s.use_grads[i])
                common.row(table, label, common.derivation(chain, p, shown_value, inputs),
                           shown_value)
        if mine and not every:
            what = f"Σ over all {len(trace.samples):,} samples" + (
                f" and the {len(mine)} uses" if len(mine) > 1 else "")
            common.row(table, Text(f"∂{L}/∂{param}", style="bold"), Text(what),
                       Text(total, style="bold"))
        elif len(mine) * len(trace.samples) > 1:
            common.row(table, Text(f"∂{L}/∂{param}", style="bold"), Text("Σ of the rows above"),
                       Text(total, style="bold"))
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


def delta_texts(terms: Sequence[tuple[Factor, Factor]]) -> tuple[str, Callable[[Places], str]]:
    """δ of an output: "∂L/∂y_hat · ∂y_hat/∂z3" and its numbers "(-0.709) · 0.229" (Σ … for a
    group wider than WIDE_SUM)."""
    if len(terms) > WIDE_SUM:
        lf, af = terms[0]
        return (f"Σ_k ∂{lf.numerator}/∂h_k · ∂h_k/∂{af.denominator} ({len(terms)} terms)",
                lambda p: "Σ …")
    sym = " + ".join(f"{lf.label} · {af.label}" for lf, af in terms)
    return sym, partial(_delta_numbers, terms)


def _delta_numbers(terms: Sequence[tuple[Factor, Factor]], f: Places) -> str:
    return " + ".join(f"{paren(f(lf.value))} · {paren(f(af.value))}" for lf, af in terms)


def _output_delta_row(table: Table, trace: Trace, s: SampleTrace, node: Node, f: Places) -> None:
    sym, numbers = delta_texts(output_delta_terms(trace, s, node))
    value = f(s.delta[node.name])
    common.row(table, f"∂{trace.network.loss.name}/∂{node.sum}{common.tag(trace, s)}",
               Text(f"{sym}\n= {fitted(value, numbers, f)}"), value)


def _delta_row(table: Table, trace: Trace, g: Graph, s: SampleTrace, node: Node, f: Places) -> None:
    """δ = ∂L/∂z = ∂h/∂z · (Σ_c ∂z_c/∂h · ∂L/∂z_c + ∂L/∂h), written out up to WIDE_SUM terms."""
    net = trace.network
    L = net.loss.name
    head = activation_factor(trace, s, node)
    terms = g.consumers[node.name]
    lf = loss_factor(trace, s, node.name) if node.name in net.outputs else None
    if len(terms) > WIDE_SUM:
        sym = f"{head.label} · (Σ_c ∂z_c/∂{node.name} · ∂{L}/∂z_c, {len(terms)} terms"
    else:
        sym = f"{head.label} · (" + " + ".join(f"∂{c.sum}/∂{node.name} · ∂{L}/∂{c.sum}"
                                              for c, _ in terms)
    if lf is not None:
        sym += f" + {lf.label}" if terms else lf.label
    elif not terms:  # a node that reaches no output: the empty sum
        sym += "0"

    def numbers(p: Places) -> str:
        if len(terms) > WIDE_SUM:
            num = f"{paren(p(head.value))} · (Σ …"
        else:
            num = f"{paren(p(head.value))} · (" + " + ".join(
                f"{paren(given(net.params[w]))} · {paren(p(s.delta[c.name]))}" for c, w in terms)
        if lf is not None:
            num += f" + {paren(p(lf.value))}" if terms else paren(p(lf.value))
        elif not terms:
            num += "0"
        return num + ")"

    value = f(s.delta[node.name])
    common.row(table, f"∂{L}/∂{node.sum}{common.tag(trace, s)}",
               Text(f"{sym})\n= {fitted(value, numbers, f)}"), value)


def update_table(trace: Trace, f: Places, params: Iterable[str] | None = None) -> Table:
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
            common.row(table, param, "frozen: not updated", given(old), given(old))
            continue
        grad = trace.gradients[param]
        new = fmt_step(trace.updated[param], old, f)
        common.row(table, param, f"{param} − η·∂{net.loss.name}/∂{param}",
                   fitted(new, partial(_update_numbers, old, eta, grad), f), new)
    return table
