"""One training step as a pure function: Network → Trace (forward, loss, backward, update)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import repeat
from operator import add, mul, sub
from types import MappingProxyType
from typing import NamedTuple

from backprop.activations import GroupState
from backprop.errors import NumericError
from backprop.network import Network, Node
from backprop.optimizers import apply
from backprop.trace import NO_OVERRIDES, Overrides, Rules, SampleTrace, Trace, UsesByParam

_TRUE = Rules()


class _Plan(NamedTuple):
    """The network by integer slots: inputs 0..I−1, then node k's value at I + k.

    A NamedTuple, not a dataclass: it is internal, and a frozen slotted dataclass costs ~1.5 ms
    of start-up to define (bench/startup.py).
    """

    n_inputs: int
    srcs: tuple[tuple[int, ...], ...]  #: per node: source slots
    pids: tuple[tuple[int, ...], ...]  #: per node: weight param indices
    src_span: tuple[tuple[int, int] | None, ...]  #: per node: srcs as a slice (a, b), if contiguous
    pid_span: tuple[tuple[int, int] | None, ...]  #: per node: pids as a slice (a, b), if contiguous
    bias: tuple[int, ...]  #: per node: bias param index or −1
    first_use: tuple[int, ...]  #: per node: index of its first use in network.uses
    use_pids: tuple[int, ...]  #: per use in network.uses: its param's index
    one_use_each: bool  #: use_pids is 0, 1, …, P−1: every param used once, in file order
    groups: tuple[tuple[int, ...], ...]  #: coupled (softmax) groups, node indices in order
    group_of: tuple[int, ...]  #: per node: its group index or −1
    outputs: tuple[int, ...]  #: node indices with targets
    fused: tuple[bool, ...]  #: per node: δ taken in the loss's fused form
    group_pos: tuple[int, ...]  #: per node: its position in its group, or −1


class _Group(NamedTuple):
    """One coupled group in one sample, as its forward pass leaves it."""

    state: GroupState  #: what the group rule's backward needs
    own: bool  #: the h are the engine's (no student value stands in), so Σh = 1


def _span(indices: tuple[int, ...]) -> tuple[int, int] | None:
    """(a, b) when indices are a, a+1, …, b−1: read with one slice instead of an index each."""
    if not indices:
        return None
    a, b = indices[0], indices[-1] + 1
    return (a, b) if b - a == len(indices) and indices == tuple(range(a, b)) else None


def _compile(network: Network, rules: Rules) -> _Plan:
    # Built with map() over C-level lookups: this runs once per edge, ~100,000 times for a
    # 784-128-10 network, and is linear in the params.
    slot = dict(zip(network.inputs, range(len(network.inputs)), strict=True))
    n_inputs = len(slot)
    slot.update(zip((n.name for n in network.nodes), range(n_inputs, n_inputs + len(network.nodes)),
                    strict=True))
    pindex = dict(zip(network.params, range(len(network.params)), strict=True))
    get_slot, get_pid = slot.__getitem__, pindex.__getitem__
    srcs, pids, bias, first_use = [], [], [], []
    use_pids: list[int] = []
    use = 0
    for node in network.nodes:
        srcs.append(tuple(map(get_slot, node.edges.sources)))
        pids.append(tuple(map(get_pid, node.edges.params)))
        bias.append(pindex[node.bias] if node.bias is not None else -1)
        first_use.append(use)
        use += len(node.edges) + (node.bias is not None)
        use_pids += pids[-1]
        if node.bias is not None:
            use_pids.append(bias[-1])
    # the coupled groups as the network holds them, by node index
    groups = tuple(tuple(slot[n.name] - n_inputs for n in group) for group in network.groups)
    group_of, pos = [-1] * len(network.nodes), [-1] * len(network.nodes)
    for g, group in enumerate(groups):
        for p, k in enumerate(group):
            group_of[k], pos[k] = g, p
    outputs = tuple(slot[name] - n_inputs for name in network.outputs)
    loss = network.loss.loss
    fused = [False] * len(network.nodes)
    for k in outputs:
        node = network.nodes[k]
        # a mistake model that changes f′ at this node needs the plain chain there, not the fused δ
        exact = rules.derivative_at == "true" or (
            bool(rules.derivative_nodes) and node.name not in rules.derivative_nodes)
        fused[k] = exact and loss.fuses(node.activation)
    return _Plan(n_inputs, tuple(srcs), tuple(pids), tuple(map(_span, srcs)),
                 tuple(map(_span, pids)), tuple(bias), tuple(first_use), tuple(use_pids),
                 len(use_pids) == len(pindex) and _span(tuple(use_pids)) == (0, len(pindex)),
                 groups, tuple(group_of), outputs, tuple(fused),
                 tuple(pos))


class Plans:
    """The compiled plans of one network's structure, made once each: a plan depends on the
    nodes, edges and params and, through the fused δ at the outputs, on where a mistake model
    changes f′ (never on the numbers, the samples or the overrides). check marks a class of
    sheets with thousands of runs of one network and its one-sample slices; it compiles once."""

    __slots__ = ("_plans",)

    def __init__(self) -> None:
        self._plans: dict[tuple[bool, frozenset[str]], _Plan] = {}

    def get(self, network: Network, rules: Rules) -> _Plan:
        key = (rules.derivative_at == "true",
               frozenset() if rules.derivative_at == "true" else rules.derivative_nodes)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _compile(network, rules)
        return plan


#: one sample's forward pass: every sum z, every value h, each coupled group's _Group, and each
#: output's loss term e(o, t)
_Pass = tuple[list[float], list[float], list[_Group], dict[str, float]]


class Forwards:
    """The forward passes of one network and of its one-sample slices (which share its params
    and its samples), each kept under its sample and the numbers put in at that sample's
    inputs, sums and values: a forward pass depends on nothing else (not on the rule the
    backward pass follows, nor on the numbers put in further back or at other samples). check
    reruns one network many times with the same student values and different rules or backward
    numbers; those runs share one forward pass. The passes kept hold at most about `budget`
    numbers, keys included (the oldest go first); a kept pass is only read."""

    __slots__ = ("_budget", "_by_sample", "_done", "_held", "_overrides", "_params")

    def __init__(self, network: Network, budget: int) -> None:
        self._params = network.params
        #: key -> (the sample, its pass, the numbers the entry holds)
        self._done: dict[tuple[object, ...], tuple[object, _Pass, int]] = {}
        self._budget = max(1, budget)
        self._held = 0
        #: the last Overrides seen (held, so its id is not reused) and its values by sample
        self._overrides: Overrides | None = None
        self._by_sample: dict[int, list[tuple[tuple[int, str], float]]] = {}

    def get(self, network: Network, plan: _Plan, pv: Sequence[float], s: int,
            ov: Overrides) -> _Pass:
        sample = network.samples[s]
        if network.params is not self._params:  # another network's: not kept
            z, h, states = _forward(network, plan, pv, s, ov)
            return z, h, states, _loss_terms(network, plan, s, z, h, states, ov)
        if ov is not self._overrides:  # a run's values grouped by sample, once per run
            self._overrides = ov
            self._by_sample = {}
            for item in ov.values.items():
                self._by_sample.setdefault(item[0][0], []).append(item)
        # the sample by identity: each entry holds the sample, so the id is not reused meanwhile
        key = (id(sample), s, *self._by_sample.get(s, ()))
        found = self._done.get(key)
        if found is None:
            z, h, states = _forward(network, plan, pv, s, ov)
            done = (z, h, states, _loss_terms(network, plan, s, z, h, states, ov))
            size = len(key) + len(z) + len(h) + len(done[3])
            while self._done and self._held + size > self._budget:
                self._held -= self._done.pop(next(iter(self._done)))[2]
            found = self._done[key] = (sample, done, size)
            self._held += size
        return found[1]


def _divisor(network: Network) -> float:
    spec = network.loss
    return float(spec.loss.divisor(spec.reduction, len(network.samples), len(network.outputs))[1])


def _where(network: Network, sample: int) -> str:
    return f" in sample {sample + 1}" if network.multi_sample else ""


def _forward(network: Network, plan: _Plan, pv: Sequence[float], s: int,
             ov: Overrides = NO_OVERRIDES) -> tuple[list[float], list[float], list[_Group]]:
    """Every sum z and value h of sample s, and each coupled group's _Group."""
    nodes = network.nodes
    h = list(network.samples[s].inputs.values()) + [0.0] * len(nodes)
    if ov.values:
        for i, name in enumerate(network.inputs):
            h[i] = ov.values.get((s, name), h[i])
    z = [0.0] * len(nodes)
    states = [_Group(GroupState(0.0, 0.0, 0, 0.0), True)] * len(plan.groups)
    sign = network.bias_sign
    n_in = plan.n_inputs
    get_h, get_p = h.__getitem__, pv.__getitem__
    src_span, pid_span, biases, group_of = plan.src_span, plan.pid_span, plan.bias, plan.group_of
    put = ov.values  #: the numbers put in at inputs, sums and nodes
    for k, node in enumerate(nodes):
        # z = Σ source·weight in file order; a contiguous layer is read by slices, same products
        hs, ps = src_span[k], pid_span[k]
        acc = sum(map(mul, h[hs[0]:hs[1]] if hs else map(get_h, plan.srcs[k]),
                      pv[ps[0]:ps[1]] if ps else map(get_p, plan.pids[k])))
        if biases[k] >= 0:
            acc += sign * pv[biases[k]]
        if not math.isfinite(acc):
            raise NumericError(
                f"{node.sum} = {acc} overflowed{_where(network, s)}: the weighted sum into "
                f"'{node.name}' is not a finite float64 (are the weights or inputs too large?)",
                file=network.source_file, path=("nodes", node.name))
        if put:
            acc = put.get((s, node.sum), acc)
        z[k] = acc
        g = group_of[k]
        if g < 0:
            h[n_in + k] = node.activation.f(acc)
        elif k == plan.groups[g][-1]:
            # the group rule computes the whole group once its last member's sum is known
            members = plan.groups[g]
            rule = node.activation.coupled
            assert rule is not None
            values, state = rule.forward([z[j] for j in members])
            for j, v in zip(members, values, strict=True):
                h[n_in + j] = v
            own = not ov.values or not any((s, nodes[j].name) in ov.values for j in members)
            states[g] = _Group(state, own)
        if put:  # the values just computed: this node's, or its whole group's
            done = (k,) if g < 0 else (plan.groups[g] if k == plan.groups[g][-1] else ())
            for j in done:
                h[n_in + j] = put.get((s, nodes[j].name), h[n_in + j])
    return z, h, states


def _loss_terms(network: Network, plan: _Plan, s: int, z: Sequence[float], h: Sequence[float],
                states: Sequence[_Group], ov: Overrides = NO_OVERRIDES) -> dict[str, float]:
    """Each output's element e(o, t) of sample s."""
    loss = network.loss.loss
    targets = network.samples[s].targets
    nodes = network.nodes
    lo, hi = loss.outputs_in or (-math.inf, math.inf)
    terms: dict[str, float] = {}
    for k in plan.outputs:
        node = network.nodes[k]
        t = targets[node.name]
        o = h[plan.n_inputs + k]
        given = bool(ov.values) and any((s, n) in ov.values for n in (node.name, node.sum))
        act = node.activation
        if given and loss.fused_with and lo < o < hi:
            e = _element(network, node.name, o, t, s)  # the student's o stands in: the plain form
        elif loss.fused_element and loss.fuses(act):
            # ln o from z: ln σ(z) = −softplus(−z), ln softmax_k = z_k − log Σ eᶻ; no log(0)
            g = plan.group_of[k]
            ln_o = (act.coupled.log_value(states[g].state, z[k]) if act.coupled and g >= 0
                    else act.log_f(z[k]) if act.log_f else math.log(o))
            e = loss.fused_element(z[k], t, ln_o)
        elif loss.outputs_in and not lo < o < hi:
            raise NumericError(
                f"{loss.kind} needs outputs strictly between {lo:g} and {hi:g}, but {node.name} = "
                f"{o!r}{_where(network, s)} (use a {loss.fused_with} output)",
                file=network.source_file, path=("nodes", node.name))
        else:
            gap = None if given else _gap(plan, nodes, targets, z, h, states, k)
            e = _element(network, node.name, o, t, s, gap)
        terms[node.name] = e
    return terms


def _gap(plan: _Plan, nodes: Sequence[Node], targets: Mapping[str, float], z: Sequence[float],
         h: Sequence[float], states: Sequence[_Group], k: int) -> float | None:
    """o − t of output k measured without cancellation, for a loss that depends on it alone.

    Where o rounds to a bound it nears (σ(40) = 1.0, a softmax member → 1), o − t computed from
    the rounded o loses the gap; the activation measures it from z instead, and the largest
    softmax member from 1 − h_top = Σ_{j≠top} h_j. None where the student's values stand in for
    the output's softmax group (they need not sum to 1).
    """
    g, o, t = plan.group_of[k], h[plan.n_inputs + k], targets[nodes[k].name]
    act = nodes[k].activation
    if g < 0 or act.coupled is None:
        return act.gap(z[k], t) if act.gap else o - t
    if not states[g].own:
        return None
    return act.coupled.gap(states[g].state, plan.group_pos[k], o, t)


def _element(network: Network, name: str, o: float, t: float, s: int,
             gap: float | None = None) -> float:
    """e(o, t); float's ** raises OverflowError, not inf, so (t − o)² past 1e308 is caught here."""
    loss = network.loss.loss
    try:
        if gap is not None and loss.gap_element:
            return loss.gap_element(gap)
        return loss.element(o, t)
    except OverflowError:
        raise NumericError(
            f"the loss term of '{name}' overflowed{_where(network, s)}: {name} = {o:g} is too far "
            f"from its target {t:g} for its square to be a finite float64 (are the weights or "
            f"inputs too large?)", file=network.source_file, path=("nodes", name)) from None


def _check_finite(network: Network, plan: _Plan, samples: Sequence[SampleTrace]) -> None:
    """Every δ and ∂L/∂value of the backward pass is a finite float64, or the step is refused.

    ∂L/∂o is ±∞ by design only at an output whose δ is taken in fused form (o = 0 or 1 exactly).
    """
    L = network.loss.name
    fused = {network.nodes[k].name for k in plan.outputs if plan.fused[k]}
    for st in samples:
        where = f" in sample {st.index}" if network.multi_sample else ""
        tables = ((st.delta, "δ = ∂{L}/∂z of '{n}'"), (st.grad_node, "∂{L}/∂{n}"),
                  (st.loss_factor, "∂{L}/∂{n}"))
        for table, label in tables:
            if all(map(math.isfinite, table.values())):
                continue
            for n, v in table.items():
                if not math.isfinite(v) and (n not in fused or table is st.delta):
                    path = ("inputs", n) if n in network.inputs else ("nodes", n)
                    raise NumericError(
                        f"{label.format(L=L, n=n)} = {v} overflowed{where} in the backward pass: "
                        f"it is not a finite float64 (are the weights too large?)",
                        file=network.source_file, path=path)


def _loss(network: Network, plan: _Plan, pv: Sequence[float], divisor: float) -> float:
    total = 0.0
    for s in range(len(network.samples)):
        z, h, states = _forward(network, plan, pv, s)
        total += sum(_loss_terms(network, plan, s, z, h, states).values())
    return total / divisor


def _loss_derivative(network: Network, o: float, t: float, divisor: float,
                     gap: float | None = None) -> float:
    """∂L/∂o = e′(o, t)/D; ±∞ where a fused output saturates (o = 0 or 1 exactly)."""
    loss = network.loss.loss
    try:
        if gap is not None and loss.gap_derivative:
            return loss.gap_derivative(gap) / divisor
        return loss.derivative(o, t) / divisor
    except ZeroDivisionError:
        return math.copysign(math.inf, o - t) if o != t else 0.0


def _backward(network: Network, plan: _Plan, rules: Rules, pv: Sequence[float],
              bp: Sequence[float], s: int, divisor: float, notes: list[str],
              forwards: Forwards | None = None) -> SampleTrace:
    """The backward pass of sample s: δ = ∂L/∂z for every node, pushed to its sources and params."""
    nodes = network.nodes
    n_in = plan.n_inputs
    ov = rules.overrides
    if forwards is None:
        z, h, states = _forward(network, plan, pv, s, ov)
        terms = _loss_terms(network, plan, s, z, h, states, ov)
    else:
        z, h, states, terms = forwards.get(network, plan, pv, s, ov)
    sample = network.samples[s]
    fused = list(plan.fused)
    if ov:
        for k in plan.outputs:
            fused[k] = fused[k] and not ov.touches(s, nodes[k].name)
        for group in plan.groups:  # a coupled group: unfuse one member, unfuse all
            if not all(fused[j] for j in group if j in plan.outputs):
                for j in group:
                    fused[j] = False
    names = list(network.inputs) + [n.name for n in nodes]

    loss_part = [0.0] * len(nodes)  # ∂L/∂o from the loss itself
    fused_delta = [0.0] * len(nodes)  # the loss's share of δ in fused form
    loss_factor: dict[str, float] = {}
    # fused, a coupled group's δ_j = (h_j·Σt − t_j)/D, each from the group rule
    mass_gaps: dict[int, float] = {}
    for g, group in enumerate(plan.groups):
        rule = nodes[group[0]].activation.coupled
        if rule is not None and any(fused[j] for j in group):
            gaps = rule.mass_gaps(states[g].state, [h[n_in + j] for j in group],
                                  [sample.targets[nodes[j].name] for j in group])
            mass_gaps.update(zip(group, gaps, strict=True))
    for k in plan.outputs:
        t = sample.targets[nodes[k].name]
        o = h[n_in + k]
        given = bool(ov.values) and any((s, n) in ov.values for n in (nodes[k].name, nodes[k].sum))
        gap = None if given else _gap(plan, nodes, sample.targets, z, h, states, k)
        d = rules.loss_factor * _loss_derivative(network, o, t, divisor, gap)
        if ov.loss_factor:
            d = ov.loss_factor.get((s, nodes[k].name), d)
        loss_factor[nodes[k].name] = d
        loss_part[k] = d
        if fused[k]:  # (o − t)/D for an elementwise output: σ(z) − t measured from z
            act = nodes[k].activation
            gap_k = mass_gaps[k] if k in mass_gaps else act.gap(z[k], t) if act.gap else o - t
            fused_delta[k] = rules.loss_factor * gap_k / divisor

    gc = [0.0] * len(h)  # Σ over consumers of w·δ_consumer
    delta = [0.0] * len(nodes)
    local = [0.0] * len(nodes)
    jacobian: dict[tuple[str, str], float] = {}
    use_grads = [0.0] * len(network.uses)
    dropped = rules.dropped_edges
    has_ov = bool(ov)  # looked at once, not per node
    # the true chain rule on the edges, with nothing to look up per edge (numbers put in at
    # values, δ and the like change what flows, not the products taken along an edge)
    plain = not ov.param_factor and not ov.edge and not dropped
    sign = float(network.bias_sign)
    derivative_at, derivative_nodes = rules.derivative_at, rules.derivative_nodes
    for k in range(len(nodes) - 1, -1, -1):
        node = nodes[k]
        act = node.activation
        g = plan.group_of[k]
        if g < 0:
            zk, hk = z[k], h[n_in + k]
            mode = derivative_at
            if derivative_nodes and node.name not in derivative_nodes:
                mode = "true"
            if mode == "z_for_h":  # the rule in h, written with z in h's place: z(1 − z)
                local[k] = (act.by_rule or act.derivative)(zk, zk)
            elif mode == "h_for_z":  # f′ evaluated at h instead of at z: σ(h)(1 − σ(h))
                local[k] = act.derivative(hk, act.f(hk))
            elif has_ov and (s, node.name) in ov.values:  # the student's h, into the rule in h
                local[k] = (act.by_rule or act.derivative)(zk, hk)
            else:
                local[k] = act.derivative(zk, hk)
            if has_ov:
                local[k] = ov.local.get((s, node.name), local[k])
            if fused[k]:
                delta[k] = fused_delta[k] + local[k] * gc[n_in + k]
            else:
                upstream = loss_part[k] + gc[n_in + k]
                if has_ov:
                    upstream = ov.grad_node.get((s, node.name), upstream)
                delta[k] = local[k] * upstream
        elif k == plan.groups[g][-1]:
            # δ_j = Σ_k ∂L/∂h_k · ∂h_k/∂z_j, by the group rule; g_k = ∂L/∂h_k
            members = plan.groups[g]
            rule = act.coupled
            assert rule is not None
            grads = [gc[n_in + j] + (0.0 if fused[j] else loss_part[j]) for j in members]
            if has_ov:
                grads = [ov.grad_node.get((s, nodes[j].name), v) for j, v in zip(members, grads,
                                                                                 strict=True)]
            # the student's h need not sum to 1: then the Jacobian product as written
            state = states[g].state if states[g].own else None
            hvals = [h[n_in + j] for j in members]
            for j, dj in zip(members, rule.backward(state, hvals, grads), strict=True):
                delta[j] = fused_delta[j] + dj
            for b, j in enumerate(members):
                for a, i in enumerate(members):
                    jacobian[(nodes[i].name, nodes[j].name)] = rule.jacobian(state, hvals, a, b)
                local[j] = jacobian[(nodes[j].name, nodes[j].name)]
        if has_ov:
            delta[k] = ov.delta.get((s, node.name), delta[k])
        d = delta[k]
        u = plan.first_use[k]
        if plain:
            # one slice per node, not one Python step per edge: the same products, in C
            hs, ps, n = plan.src_span[k], plan.pid_span[k], len(node.edges)
            srcs = plan.srcs[k]
            # ∂L/∂w = δ · ∂z/∂w = δ · source
            use_grads[u:u + n] = map(mul, repeat(d), h[hs[0]:hs[1]] if hs else map(h.__getitem__, srcs))
            weights = bp[ps[0]:ps[1]] if ps else map(bp.__getitem__, plan.pids[k])
            if hs:  # ∂L/∂source += δ · w (a node's sources are distinct)
                gc[hs[0]:hs[1]] = map(add, gc[hs[0]:hs[1]], map(mul, repeat(d), weights))
            else:
                for src, w in zip(srcs, weights, strict=True):
                    gc[src] += d * w
            u += n
        else:
            for src, pid, edge in zip(plan.srcs[k], plan.pids[k], node.edges, strict=True):
                use_grads[u] = d * ov.param_factor.get((s, node.name, edge.param), h[src])
                if (node.name, edge.source) not in dropped:
                    gc[src] += d * ov.edge.get((node.name, edge.source), bp[pid])
                u += 1
        if plan.bias[k] >= 0:
            use_grads[u] = d * ov.param_factor.get((s, node.name, node.bias or ""), sign)
        _note_saturation(network, node, z[k], h[n_in + k], s, notes)

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


def _note_saturation(network: Network, node: Node, z: float, h: float, s: int,
                     notes: list[str]) -> None:
    act, name = node.activation, node.name
    if act.saturated is not None and act.saturated(h):
        note = (f"{name} is saturated{_where(network, s)}: {act.name}({z:g}) = {h:g} to double "
                f"precision; ∂{name}/∂z is computed from z, not from h")
        if name in network.outputs and network.loss.loss.fuses(act):
            note += f", and ∂{network.loss.name}/∂z from the fused {network.loss.loss.kind} form"
    elif act.kink is not None and z == act.kink:
        note = (f"{name}: z = {act.kink:g} exactly{_where(network, s)}; its derivative is taken "
                f"from the left, as PyTorch does")
    else:
        return
    if note not in notes:
        notes.append(note)


def run(network: Network, rules: Rules = _TRUE, plans: Plans | None = None, *,
        after: bool = True, forwards: Forwards | None = None) -> Trace:
    """Forward, loss, backward and update for every sample: the whole step, computed once.

    `plans`: the compiled plans of networks of this one's structure (check's runs share them).
    `after=False` leaves out the forward pass on the updated params: the Trace's loss_new is
    nan (check's reruns for answers that do not read L_new, a fifth of each run).
    `forwards`: this network's forward passes kept by check (Forwards)."""
    plan = _compile(network, rules) if plans is None else plans.get(network, rules)
    names = tuple(network.params)
    pv = list(network.params.values())
    bp = pv if rules.backward_params is None else [rules.backward_params[n] for n in names]
    divisor = _divisor(network)
    notes: list[str] = []
    samples = tuple(_backward(network, plan, rules, pv, bp, s, divisor, notes, forwards)
                    for s in range(len(network.samples)))
    loss_sum = sum(sum(st.loss_terms.values()) for st in samples)  # Σℓ, before the 1/D
    loss = loss_sum / divisor
    if not math.isfinite(loss):
        raise NumericError(f"the loss {network.loss.name} = {loss} is not finite",
                           file=network.source_file, path=("loss",))
    _check_finite(network, plan, samples)

    grads = [0.0] * len(names)
    if plan.one_use_each:  # use i is param i: add whole samples at once, in the same order
        for st in samples:
            grads = list(map(add, grads, st.use_grads))
    else:  # shared params: ∂L/∂p = Σ over its uses
        for st in samples:
            for pid, g in zip(plan.use_pids, st.use_grads, strict=True):
                grads[pid] += g
    if rules.gradient_factor != 1.0:
        grads = [rules.gradient_factor * g for g in grads]
    if rules.overrides.gradient:
        grads = [rules.overrides.gradient.get(n, g) for n, g in zip(names, grads, strict=True)]
    if not all(map(math.isfinite, grads)):
        for name, g in zip(names, grads, strict=True):
            if not math.isfinite(g):
                raise NumericError(f"∂{network.loss.name}/∂{name} = {g} overflowed",
                                   file=network.source_file, path=("params", name))

    eta = network.learning_rate
    frozen = network.frozen
    stepped = None
    if network.optimizer.optimizer.worked:  # momentum, Adam: the registry's rule, row by row
        # as torch.optim: a param no sum uses has no gradient at all, and is not stepped
        idle = frozen
        if not plan.one_use_each:
            used = set(plan.use_pids)
            idle = frozen | {n for k, n in enumerate(names) if k not in used}
        stepped = apply(network.optimizer, names, pv, grads, eta, idle)
        updated = list(stepped.updated)
        bad = stepped.rows.non_finite()
        if bad is not None:
            param, key, value = bad
            kind = network.optimizer.optimizer.kind
            raise NumericError(f"{key}_{param} = {value} overflowed in the {kind} step: it is not a "
                               f"finite float64 (is its state or a hyper-parameter too large?)",
                               file=network.source_file, path=("optimizer",))
    elif frozen:
        updated = [p if name in frozen else p - eta * g
                   for name, p, g in zip(names, pv, grads, strict=True)]
    else:  # p − η·g for every param
        updated = list(map(sub, pv, map(mul, repeat(eta), grads)))
    if rules.overrides.updated:
        updated = [rules.overrides.updated.get(n, p) for n, p in zip(names, updated, strict=True)]
    if not all(map(math.isfinite, updated)):
        name, p, g = next((n, p, g) for n, p, g, u in zip(names, pv, grads, updated, strict=True)
                          if not math.isfinite(u))
        if stepped is not None:
            raise NumericError(f"the updated {name} by {network.optimizer.optimizer.kind} from "
                               f"{name} = {p:g}, ∂{network.loss.name}/∂{name} = {g:g} overflowed: "
                               f"it is not a finite float64", file=network.source_file,
                               path=("params", name))
        raise NumericError(f"the updated {name} = {name} − η·∂{network.loss.name}/∂{name} = "
                           f"{p:g} − {eta:g}·{g:g} overflowed: it is not a finite float64 (is the "
                           f"learning rate too large?)", file=network.source_file, path=("params", name))
    return Trace(
        network=network,
        rules=rules,
        samples=samples,
        divisor=divisor,
        loss_sum=loss_sum,
        loss=loss,
        gradients=MappingProxyType(dict(zip(names, grads, strict=True))),
        updated=MappingProxyType(dict(zip(names, updated, strict=True))),
        loss_new=_after(network, plan, updated, divisor) if after else math.nan,
        notes=tuple(notes),
        uses_of=UsesByParam(network),
        optimizer=stepped,
    )


def _after(network: Network, plan: _Plan, updated: Sequence[float], divisor: float) -> float:
    """L_new: the loss recomputed with the updated params (the same forward pass, run again)."""
    try:
        loss_new = _loss(network, plan, updated, divisor)
    except NumericError as err:
        raise NumericError(f"after the update: {err.message}", file=err.file,
                           path=err.path) from None
    if not math.isfinite(loss_new):
        raise NumericError(f"the loss after the update, {network.loss.name}_new = {loss_new}, is "
                           f"not finite (is the learning rate too large?)",
                           file=network.source_file, path=("learning_rate",))
    return loss_new
