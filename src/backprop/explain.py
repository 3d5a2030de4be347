"""One param's gradient, explained: its chains to the loss, path by path or in δ form, from the Trace."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

from backprop.activations import GroupRule
from backprop.errors import UsageError
from backprop.factors import Graph, count_paths, graph, param_factor, paths
from backprop.network import Node, Use
from backprop.trace import Factor, SampleTrace, Trace

MAX_PATHS = 32  #: more paths than this are counted and shown in δ form, never listed


@dataclass(frozen=True, slots=True, kw_only=True)
class Path:
    """One chain from the loss down to the param: its factors (loss end first) and their product."""

    factors: tuple[Factor, ...]
    product: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DeltaRow:
    """δ_n = ∂L/∂z_n = f′(z_n)·Σ_c w·δ_c for one node on the way to the loss."""

    node: str  #: node name
    sum: str  #: its sum's name
    local: Factor  #: ∂h/∂z
    terms: tuple[tuple[str, str, float, float], ...]  #: (consumer sum, weight name, w, δ_consumer)
    loss: Factor | None  #: ∂L/∂h from the loss itself, for an output
    value: float  #: δ from the trace
    group: tuple[tuple[str, float, float], ...] = ()  #: softmax: (h_k, h_k's value, ∂L/∂h_k) of
    #: the group, for δ_j = h_j·(∂L/∂h_j − Σ_k h_k·∂L/∂h_k); empty for an elementwise node
    coupled: GroupRule | None = None  #: the group rule that words δ_j, for a coupled node


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """One use of the param at one sample: ∂L/∂z · ∂z/∂p, with the paths that make ∂L/∂z."""

    use: Use
    sample: int  #: 1-based
    param_factor: Factor  #: ∂z/∂p
    path_count: int  #: exact, by dynamic programming
    paths: tuple[Path, ...]  #: every path, or () when there are more than MAX_PATHS
    deltas: tuple[DeltaRow, ...]  #: the δ recursion, when the paths are not listed
    delta: float  #: ∂L/∂z of the use's node (trace)
    value: float  #: this block's contribution to ∂L/∂p (trace)


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    """Everything `backprop explain` shows for one param."""

    param: str
    loss_name: str
    blocks: tuple[Block, ...]
    gradient: float  #: ∂L/∂p, summed over uses and samples (trace)
    learning_rate: float
    old: float
    new: float
    frozen: bool
    multi_sample: bool


def nearest_params(trace: Trace, word: str) -> list[str]:
    params = list(trace.network.params)
    return difflib.get_close_matches(word, params, n=5, cutoff=0.0)[:5] if params else []


def explain(trace: Trace, param: str) -> Explanation:
    """Read one param's gradient out of the trace, chain by chain."""
    net = trace.network
    if param not in net.params:
        near = ", ".join(nearest_params(trace, param))
        if param in net.inputs or param in net.node_by_name:
            what = "an input" if param in net.inputs else "a node"
            message = f"'{param}' is {what}, not a param; --weight takes a weight or a bias"
        else:
            message = f"no param '{param}' in this network"
        raise UsageError(f"{message} (nearest params: {near})", file=net.source_file)
    g = graph(trace)
    memo: dict[str, int] = {}
    by_name = net.node_by_name
    blocks = []
    for sample in trace.samples:
        for i, use in enumerate(net.uses):
            if use.param == param:
                blocks.append(_block(trace, g, memo, sample, use, sample.use_grads[i],
                                     by_name[use.node]))
    return Explanation(
        param=param, loss_name=net.loss.name, blocks=tuple(blocks),
        gradient=trace.gradients[param], learning_rate=net.learning_rate,
        old=net.params[param], new=trace.updated[param], frozen=param in net.frozen,
        multi_sample=net.multi_sample)


def _block(trace: Trace, g: Graph, memo: dict[str, int], sample: SampleTrace, use: Use,
           value: float, node: Node) -> Block:
    count = count_paths(g, node.name, memo)
    listed: tuple[Path, ...] = ()
    deltas: tuple[DeltaRow, ...] = ()
    pf = param_factor(trace, sample, use, node)
    if count <= MAX_PATHS:
        listed = tuple(Path(factors=(*chain, pf), product=math.prod(f.value for f in (*chain, pf)))
                       for chain in paths(trace, g, sample, node))
    if count > MAX_PATHS or not all(math.isfinite(p.product) for p in listed):
        # too many to list, or a saturated factor (∞ · 0) that only the δ form carries exactly
        listed = ()
        deltas = _deltas(trace, g, sample, node.name)
    return Block(use=use, sample=sample.index, param_factor=pf, path_count=count, paths=listed,
                 deltas=deltas, delta=sample.delta[node.name], value=value)


def _deltas(trace: Trace, g: Graph, sample: SampleTrace, start: str) -> tuple[DeltaRow, ...]:
    """The δ rows of every node reachable from `start`, loss end first."""
    from backprop.factors import activation_factor, loss_factor

    net = trace.network
    order = {n.name: i for i, n in enumerate(net.nodes)}
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for member in g.members[name]:
            todo.extend(c.name for c, _ in g.consumers[member.name])
    by_name = {n.name: n for n in net.nodes}
    rows = []
    for name in sorted(seen, key=order.__getitem__, reverse=True):
        node = by_name[name]
        terms = tuple((c.sum, p, net.params[p], sample.delta[c.name]) for c, p in g.consumers[name])
        loss = loss_factor(trace, sample, name) if name in g.outputs else None
        group = () if node.activation.elementwise else tuple(
            (m.name, sample.values[m.name], sample.grad_node[m.name]) for m in g.members[name])
        rows.append(DeltaRow(node=name, sum=node.sum, local=activation_factor(trace, sample, node),
                             terms=terms, loss=loss, value=sample.delta[name], group=group,
                             coupled=node.activation.coupled))
    return tuple(rows)
