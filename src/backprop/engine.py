"""One training step as a pure function: Network → Trace (forward, loss, backward, update)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul
from types import MappingProxyType

from backprop.activations import softplus
from backprop.errors import NumericError
from backprop.network import Network
from backprop.trace import NO_OVERRIDES, Overrides, Rules, SampleTrace, Trace

_TRUE = Rules()


@dataclass(frozen=True, slots=True)
class _Plan:
    """The network by integer slots: inputs 0..I−1, then node k's value at I + k."""

    n_inputs: int
    srcs: tuple[tuple[int, ...], ...]  #: per node: source slots
    pids: tuple[tuple[int, ...], ...]  #: per node: weight param indices
    bias: tuple[int, ...]  #: per node: bias param index or −1
    first_use: tuple[int, ...]  #: per node: index of its first use in network.uses
    groups: tuple[tuple[int, ...], ...]  #: softmax groups, node indices in order
    group_of: tuple[int, ...]  #: per node: its group index or −1
    outputs: tuple[int, ...]  #: node indices with targets
    fused: tuple[bool, ...]  #: per node: δ taken in the loss's fused form


def _compile(network: Network, rules: Rules) -> _Plan:
    slot = {name: i for i, name in enumerate(network.inputs)}
    n_inputs = len(slot)
    for k, node in enumerate(network.nodes):
        slot[node.name] = n_inputs + k
    pindex = {name: i for i, name in enumerate(network.params)}
    srcs, pids, bias, first_use, group_of = [], [], [], [], []
    group_index: dict[str, int] = {}
    groups: list[list[int]] = []
    use = 0
    for k, node in enumerate(network.nodes):
        srcs.append(tuple(slot[e.source] for e in node.edges))
        pids.append(tuple(pindex[e.param] for e in node.edges))
        bias.append(pindex[node.bias] if node.bias is not None else -1)
        first_use.append(use)
        use += len(node.edges) + (node.bias is not None)
        if node.activation.elementwise:
            group_of.append(-1)
        else:
            key = node.activation.group or ""
            if key not in group_index:
                group_index[key] = len(groups)
                groups.append([])
            groups[group_index[key]].append(k)
            group_of.append(group_index[key])
    outputs = tuple(slot[name] - n_inputs for name in network.outputs)
    fused_with = network.loss.loss.fused_with
    fused = [False] * len(network.nodes)
    if rules.derivative_at == "true":
        for k in outputs:
            fused[k] = network.nodes[k].activation.name == fused_with
    return _Plan(n_inputs, tuple(srcs), tuple(pids), tuple(bias), tuple(first_use),
                 tuple(tuple(g) for g in groups), tuple(group_of), outputs, tuple(fused))


def _divisor(network: Network) -> float:
    spec = network.loss
    if spec.reduction == "sum":
        return 1.0
    if spec.loss.per_sample_mean:
        return float(len(network.samples))
    return float(len(network.samples) * len(network.outputs))


def _where(network: Network, sample: int) -> str:
    return f" in sample {sample + 1}" if network.multi_sample else ""


def _forward(network: Network, plan: _Plan, pv: Sequence[float], s: int,
             ov: Overrides = NO_OVERRIDES) -> tuple[list[float], list[float], list[float]]:
    """Every sum z and value h of sample s, and each softmax group's log Σ eᶻ."""
    nodes = network.nodes
    h = list(network.samples[s].inputs.values()) + [0.0] * len(nodes)
    if ov.values:
        for i, name in enumerate(network.inputs):
            h[i] = ov.values.get((s, name), h[i])
    z = [0.0] * len(nodes)
    lse = [0.0] * len(plan.groups)
    sign = network.bias_sign
    n_in = plan.n_inputs
    get_h, get_p = h.__getitem__, pv.__getitem__
    for k, node in enumerate(nodes):
        acc = sum(map(mul, map(get_h, plan.srcs[k]), map(get_p, plan.pids[k])))
        if plan.bias[k] >= 0:
            acc += sign * pv[plan.bias[k]]
        if not math.isfinite(acc):
            raise NumericError(
                f"{node.sum} = {acc} overflowed{_where(network, s)}: the weighted sum into "
                f"'{node.name}' is not a finite float64 (are the weights or inputs too large?)",
                file=network.source_file, path=("nodes", node.name))
        if ov.values:
            acc = ov.values.get((s, node.sum), acc)
        z[k] = acc
        g = plan.group_of[k]
        if g < 0:
            h[n_in + k] = node.activation.f(acc)
        elif k == plan.groups[g][-1]:
            # softmax: h_j = e^(z_j − m) / Σ e^(z − m), m = max z, so no exponent overflows
            members = plan.groups[g]
            m = max(z[j] for j in members)
            exps = [math.exp(z[j] - m) for j in members]
            total = sum(exps)
            for j, e in zip(members, exps, strict=True):
                h[n_in + j] = e / total
            lse[g] = m + math.log(total)
        if ov.values:  # the values just computed: this node's, or its whole softmax group's
            done = (k,) if g < 0 else (plan.groups[g] if k == plan.groups[g][-1] else ())
            for j in done:
                h[n_in + j] = ov.values.get((s, nodes[j].name), h[n_in + j])
    return z, h, lse


def _loss_terms(network: Network, plan: _Plan, s: int, z: Sequence[float], h: Sequence[float],
                lse: Sequence[float], ov: Overrides = NO_OVERRIDES) -> dict[str, float]:
    """Each output's element e(o, t) of sample s."""
    loss = network.loss.loss
    targets = network.samples[s].targets
    terms: dict[str, float] = {}
    for k in plan.outputs:
        node = network.nodes[k]
        t = targets[node.name]
        o = h[plan.n_inputs + k]
        given = bool(ov.values) and any((s, n) in ov.values for n in (node.name, node.sum))
        if given and loss.fused_with and 0.0 < o < 1.0:
            e = loss.element(o, t)  # the student's o stands in: the plain form, not the fused one
        elif loss.fused_with == "sigmoid" and node.activation.name == "sigmoid":
            # −[t ln σ(z) + (1 − t) ln(1 − σ(z))] = softplus(z) − t·z, exact where σ(z) rounds to 1
            e = softplus(z[k]) - t * z[k]
        elif loss.fused_with == "softmax":
            e = t * (lse[plan.group_of[k]] - z[k])  # −t·ln softmax_k = t·(log Σ eᶻ − z_k)
        elif loss.kind == "bce" and not 0.0 < o < 1.0:
            raise NumericError(
                f"bce needs outputs strictly between 0 and 1, but {node.name} = {o!r}"
                f"{_where(network, s)} (use a sigmoid output)",
                file=network.source_file, path=("nodes", node.name))
        else:
            e = loss.element(o, t)
        terms[node.name] = e
    return terms


def _loss(network: Network, plan: _Plan, pv: Sequence[float], divisor: float) -> float:
    total = 0.0
    for s in range(len(network.samples)):
        z, h, lse = _forward(network, plan, pv, s)
        total += sum(_loss_terms(network, plan, s, z, h, lse).values())
    return total / divisor


def _loss_derivative(network: Network, o: float, t: float, divisor: float) -> float:
    """∂L/∂o = e′(o, t)/D; ±∞ where a fused output saturates (o = 0 or 1 exactly)."""
    try:
        return network.loss.loss.derivative(o, t) / divisor
    except ZeroDivisionError:
        return math.copysign(math.inf, o - t) if o != t else 0.0


def _backward(network: Network, plan: _Plan, rules: Rules, pv: Sequence[float],
              bp: Sequence[float], s: int, divisor: float, notes: list[str]) -> SampleTrace:
    """The backward pass of sample s: δ = ∂L/∂z for every node, pushed to its sources and params."""
    nodes = network.nodes
    n_in = plan.n_inputs
    ov = rules.overrides
    z, h, lse = _forward(network, plan, pv, s, ov)
    terms = _loss_terms(network, plan, s, z, h, lse, ov)
    sample = network.samples[s]
    fused = list(plan.fused)
    if ov:
        for k in plan.outputs:
            fused[k] = fused[k] and not ov.touches(s, nodes[k].name)
    names = list(network.inputs) + [n.name for n in nodes]

    loss_part = [0.0] * len(nodes)  # ∂L/∂o from the loss itself
    fused_delta = [0.0] * len(nodes)  # the loss's share of δ in fused form
    loss_factor: dict[str, float] = {}
    for k in plan.outputs:
        t = sample.targets[nodes[k].name]
        o = h[n_in + k]
        d = rules.loss_factor * _loss_derivative(network, o, t, divisor)
        if ov.loss_factor:
            d = ov.loss_factor.get((s, nodes[k].name), d)
        loss_factor[nodes[k].name] = d
        loss_part[k] = d
        if fused[k]:
            if plan.group_of[k] >= 0:
                mass = sum(sample.targets[nodes[j].name] for j in plan.groups[plan.group_of[k]])
                fused_delta[k] = rules.loss_factor * (o * mass - t) / divisor  # (h·Σt − t)/D
            else:
                fused_delta[k] = rules.loss_factor * (o - t) / divisor  # (σ(z) − t)/D

    gc = [0.0] * len(h)  # Σ over consumers of w·δ_consumer
    delta = [0.0] * len(nodes)
    local = [0.0] * len(nodes)
    jacobian: dict[tuple[str, str], float] = {}
    use_grads = [0.0] * len(network.uses)
    dropped = rules.dropped_edges
    sign = float(network.bias_sign)
    for k in range(len(nodes) - 1, -1, -1):
        node = nodes[k]
        act = node.activation
        g = plan.group_of[k]
        if g < 0:
            zk, hk = z[k], h[n_in + k]
            if rules.derivative_at == "z_for_h":
                local[k] = act.derivative(zk, zk)
            elif rules.derivative_at == "h_for_z":
                local[k] = act.derivative(hk, act.f(hk))
            else:
                local[k] = act.derivative(zk, hk)
            if ov:
                local[k] = ov.local.get((s, node.name), local[k])
            if fused[k]:
                delta[k] = fused_delta[k] + local[k] * gc[n_in + k]
            else:
                upstream = loss_part[k] + gc[n_in + k]
                if ov:
                    upstream = ov.grad_node.get((s, node.name), upstream)
                delta[k] = local[k] * upstream
        elif k == plan.groups[g][-1]:
            # δ_j = Σ_k ∂L/∂h_k · h_k(1[k=j] − h_j) = h_j(g_j − Σ_k g_k h_k)
            members = plan.groups[g]
            upstream = {j: gc[n_in + j] + (0.0 if fused[j] else loss_part[j]) for j in members}
            mean = sum(upstream[j] * h[n_in + j] for j in members)
            for j in members:
                hj = h[n_in + j]
                local[j] = hj * (1.0 - hj)
                delta[j] = fused_delta[j] + hj * (upstream[j] - mean)
                for i in members:
                    jacobian[(nodes[i].name, nodes[j].name)] = h[n_in + i] * ((i == j) - hj)
        if ov:
            delta[k] = ov.delta.get((s, node.name), delta[k])
        d = delta[k]
        u = plan.first_use[k]
        if not ov and not dropped:
            for src, pid in zip(plan.srcs[k], plan.pids[k], strict=True):
                use_grads[u] = d * h[src]  # ∂L/∂w = δ · ∂z/∂w = δ · source
                gc[src] += d * bp[pid]  # ∂L/∂source += δ · w
                u += 1
        else:
            for src, pid, edge in zip(plan.srcs[k], plan.pids[k], node.edges, strict=True):
                use_grads[u] = d * ov.param_factor.get((s, node.name, edge.param), h[src])
                if (node.name, edge.source) not in dropped:
                    gc[src] += d * ov.edge.get((node.name, edge.source), bp[pid])
                u += 1
        if plan.bias[k] >= 0:
            use_grads[u] = d * ov.param_factor.get((s, node.name, node.bias or ""), sign)
        _note_saturation(network, node.name, act.name, z[k], h[n_in + k], s, notes)

    grad_node = {names[i]: gc[i] + (loss_part[i - n_in] if i >= n_in else 0.0)
                 for i in range(len(h))}
    values: dict[str, float] = dict(sample.inputs)
    for k, node in enumerate(nodes):
        values[node.sum] = z[k]
        values[node.name] = h[n_in + k]
    return SampleTrace(
        index=s + 1,
        values=MappingProxyType(values),
        targets=sample.targets,
        loss_terms=MappingProxyType(terms),
        loss_factor=MappingProxyType(loss_factor),
        local=MappingProxyType({node.name: local[k] for k, node in enumerate(nodes)}),
        jacobian=MappingProxyType(jacobian),
        grad_node=MappingProxyType(grad_node),
        delta=MappingProxyType({node.name: delta[k] for k, node in enumerate(nodes)}),
        use_grads=tuple(use_grads),
    )


def _note_saturation(network: Network, name: str, activation: str, z: float, h: float, s: int,
                     notes: list[str]) -> None:
    if (activation in ("sigmoid", "tanh") and abs(h) == 1.0) or (activation == "sigmoid" and h == 0.0):
        note = (f"{name} is saturated{_where(network, s)}: {activation}({z:g}) = {h:g} "
                f"to double precision, so ∂{name}/∂z = 0 there")
    elif activation in ("relu", "leaky_relu") and z == 0.0:
        note = (f"{name}: z = 0 exactly{_where(network, s)}; its derivative is taken from the "
                f"left, as PyTorch does")
    else:
        return
    if note not in notes:
        notes.append(note)


def run(network: Network, rules: Rules = _TRUE) -> Trace:
    """Forward, loss, backward and update for every sample: the whole step, computed once."""
    plan = _compile(network, rules)
    names = tuple(network.params)
    pv = list(network.params.values())
    bp = pv if rules.backward_params is None else [rules.backward_params[n] for n in names]
    divisor = _divisor(network)
    notes: list[str] = []
    samples = tuple(_backward(network, plan, rules, pv, bp, s, divisor, notes)
                    for s in range(len(network.samples)))
    loss = sum(sum(st.loss_terms.values()) for st in samples) / divisor
    if not math.isfinite(loss):
        raise NumericError(f"the loss {network.loss.name} = {loss} is not finite",
                           file=network.source_file, path=("loss",))

    index = {name: i for i, name in enumerate(names)}
    grads = [0.0] * len(names)
    use_params = [index[use.param] for use in network.uses]
    for st in samples:
        for pid, g in zip(use_params, st.use_grads, strict=True):
            grads[pid] += g
    if rules.gradient_factor != 1.0:
        grads = [rules.gradient_factor * g for g in grads]
    if rules.overrides.gradient:
        grads = [rules.overrides.gradient.get(n, g) for n, g in zip(names, grads, strict=True)]
    for name, g in zip(names, grads, strict=True):
        if not math.isfinite(g):
            raise NumericError(f"∂{network.loss.name}/∂{name} = {g} overflowed",
                               file=network.source_file, path=("params", name))

    eta = network.learning_rate
    frozen = network.frozen
    updated = [p if name in frozen else p - eta * g
               for name, p, g in zip(names, pv, grads, strict=True)]
    if rules.overrides.updated:
        updated = [rules.overrides.updated.get(n, p) for n, p in zip(names, updated, strict=True)]
    loss_new = _loss(network, plan, updated, divisor)
    return Trace(
        network=network,
        rules=rules,
        samples=samples,
        divisor=divisor,
        loss=loss,
        gradients=MappingProxyType(dict(zip(names, grads, strict=True))),
        updated=MappingProxyType(dict(zip(names, updated, strict=True))),
        loss_new=loss_new,
        notes=tuple(notes),
    )
