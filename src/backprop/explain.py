"""One param's gradient, explained: its chains to the loss, path by path or in δ form, from the Trace."""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from backprop.activations import GroupRule
from backprop.errors import NoSuchParam, NoSuchSample
from backprop.factors import (
    Graph,
    backward_order,
    count_paths,
    ends_at_loss,
    graph,
    output_delta_terms,
    param_factor,
    paths,
)
from backprop.network import Node, Use
from backprop.trace import Factor, SampleTrace, Trace

MAX_PATHS = 32  #: more paths than this are counted and shown in δ form, never listed
MAX_BLOCKS = 10  #: more uses × samples than this: the first few blocks are shown, the rest counted
FEW = 3  #: blocks shown when there are more than MAX_BLOCKS (whole samples when the uses fit)


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
class OutputDelta:
    """An output's δ = ∂L/∂z = Σ_k ∂L/∂h_k · ∂h_k/∂z (one term for an elementwise output)."""

    sum: str  #: the output's sum, e.g. "z3"
    terms: tuple[tuple[Factor, Factor], ...]  #: (∂L/∂h_k, ∂h_k/∂z) per output the sum feeds
    value: float  #: δ from the trace


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
    ends: tuple[OutputDelta, ...] = ()  #: the δ of each output sum the listed paths leave by


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    """Everything `backprop explain` shows for one param."""

    param: str
    loss_name: str
    blocks: tuple[Block, ...]  #: the blocks shown: every one, or the first few (see block_count)
    gradient: float  #: ∂L/∂p, summed over uses and samples (trace)
    learning_rate: float
    old: float
    new: float
    frozen: bool
    multi_sample: bool
    use_count: int = 1  #: the param's uses in the network
    block_count: int = 1  #: uses × samples: the terms of ∂L/∂p, shown or not
    sample_count: int = 1  #: the network's samples
    chosen: tuple[int, ...] = ()  #: the 1-based samples asked for, if any
    source_file: str | None = None  #: the network as the user named it, for "how to see more"
    optimizer: str | None = None  #: the optimizer's kind when it is not sgd (its rows are step's)
    inputs: frozenset[str] = frozenset()  #: the network's inputs: their values print as given

    @property
    def summarised(self) -> bool:
        return len(self.blocks) < self.block_count


def nearest_params(trace: Trace, word: str) -> list[str]:
    params = list(trace.network.params)
    return difflib.get_close_matches(word, params, n=5, cutoff=0.0)[:5] if params else []


def explain(trace: Trace, param: str, samples: Sequence[int] = ()) -> Explanation:
    """Read one param's gradient out of the trace, chain by chain: one block per use and sample,
    every one up to MAX_BLOCKS, else the first FEW (of the 1-based `samples` when given); the
    blocks not shown are counted, never built."""
    net = trace.network
    if param not in net.params:
        role = ("an input" if param in net.inputs else
                "a node" if param in net.node_by_name else None)
        raise NoSuchParam(param, role=role, near=nearest_params(trace, param),
                          file=net.source_file)
    mine = [i for i, use in enumerate(net.uses) if use.param == param]
    pool = chosen_samples(trace, samples) or trace.samples
    if len(mine) * len(pool) > MAX_BLOCKS:
        # whole samples while every use of one fits in FEW, else the first FEW uses of the first
        pool = pool[: max(1, FEW // max(1, len(mine)))]
        mine = mine[:FEW]
    g = graph(trace)
    memo: dict[str, int] = {}
    by_name = net.node_by_name
    blocks = [_block(trace, g, memo, sample, net.uses[i], sample.use_grads[i],
                     by_name[net.uses[i].node])
              for sample in pool for i in mine]
    use_count = sum(1 for use in net.uses if use.param == param)
    return Explanation(
        param=param, loss_name=net.loss.name, blocks=tuple(blocks),
        gradient=trace.gradients[param], learning_rate=net.learning_rate,
        old=net.params[param], new=trace.updated[param], frozen=param in net.frozen,
        multi_sample=net.multi_sample, use_count=use_count,
        block_count=use_count * len(trace.samples), sample_count=len(trace.samples),
        chosen=tuple(dict.fromkeys(samples)),
        source_file=net.source_file,
        optimizer=trace.optimizer.setting.optimizer.kind if trace.optimizer is not None else None,
        inputs=frozenset(net.inputs))


def chosen_samples(trace: Trace, chosen: Sequence[int]) -> tuple[SampleTrace, ...]:
    """The 1-based chosen samples, each once, in order; a number that is no sample is a
    NoSuchSample."""
    n = len(trace.samples)
    bad = next((k for k in chosen if not 1 <= k <= n), None)
    if bad is not None:
        raise NoSuchSample(bad, count=n, file=trace.network.source_file)
    return tuple(trace.samples[k - 1] for k in dict.fromkeys(chosen))


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
    ends: list[OutputDelta] = []
    net = trace.network
    for path in listed:  # each path leaves by ∂L/∂o · ∂o/∂z_out: z_out is its second factor's
        out = path.factors[1].denominator
        end = next((n for n in net.nodes if n.sum == out), None) if all(
            e.sum != out for e in ends) else None
        if end is not None and ends_at_loss(g, end):
            ends.append(OutputDelta(sum=out, terms=tuple(output_delta_terms(trace, sample, end)),
                                    value=sample.delta[end.name]))
    return Block(use=use, sample=sample.index, param_factor=pf, path_count=count, paths=listed,
                 deltas=deltas, delta=sample.delta[node.name], value=value, ends=tuple(ends))


def _deltas(trace: Trace, g: Graph, sample: SampleTrace, start: str) -> tuple[DeltaRow, ...]:
    """The δ rows of every node reachable from `start`, loss end first."""
    from backprop.factors import activation_factor, loss_factor

    net = trace.network
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for member in g.members[name]:
            todo.extend(c.name for c, _ in g.consumers[member.name])
    rows = []
    for node in backward_order(trace):
        name = node.name
        if name not in seen:
            continue
        terms = tuple((c.sum, p, net.params[p], sample.delta[c.name]) for c, p in g.consumers[name])
        loss = loss_factor(trace, sample, name) if name in g.outputs else None
        group = () if node.activation.elementwise else tuple(
            (m.name, sample.values[m.name], sample.grad_node[m.name]) for m in g.members[name])
        rows.append(DeltaRow(node=name, sum=node.sum, local=activation_factor(trace, sample, node),
                             terms=terms, loss=loss, value=sample.delta[name], group=group,
                             coupled=node.activation.coupled))
    return tuple(rows)
