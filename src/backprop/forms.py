"""The textbook's matrix and summation forms of a gradient, read from the Trace of a network
that is layered in fact: O⁽ⁱ⁾ = Fᵢ(W⁽ⁱ⁾ O⁽ⁱ⁻¹⁾ ± b⁽ⁱ⁾), δ⁽ⁿ⁾ = Jₙᵀ ∂L/∂O⁽ⁿ⁾,
δ⁽ⁱ⁾ = Jᵢᵀ W⁽ⁱ⁺¹⁾ᵀ δ⁽ⁱ⁺¹⁾ (Jᵢ = diag(F′ᵢ), or a softmax group's Jacobian), ∂L/∂W⁽ⁱ⁾ = δ⁽ⁱ⁾ O⁽ⁱ⁻¹⁾ᵀ,
and one weight's gradient as nested sums over the layers' indices. No rendering here."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from backprop.errors import NumericError, UsageError
from backprop.explain import FEW, MAX_BLOCKS, Explanation, chosen_samples, explain
from backprop.network import NO_SPELLINGS, Network, Node, Spelling
from backprop.notation import fill, given
from backprop.trace import SampleTrace, Trace

#: `explain --form`: the chain of named factors (explain.py), or one of the two forms here
FORMS = ("chain", "matrix", "sum")

Vector = tuple[float, ...]
Matrix = tuple[tuple[float, ...], ...]


class NotLayered(UsageError):
    """A network whose edges do not all go from one layer to the next: it has no matrix form."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """Layer i of a network that is layered in fact: O⁽ⁱ⁾ = Fᵢ(W⁽ⁱ⁾ O⁽ⁱ⁻¹⁾ ± b⁽ⁱ⁾)."""

    index: int  #: 1-based; the inputs are layer 0
    sources: tuple[str, ...]  #: the names of O⁽ⁱ⁻¹⁾'s entries: the inputs, or layer i−1's nodes
    nodes: tuple[str, ...]  #: the names of O⁽ⁱ⁾'s entries
    sums: tuple[str, ...]  #: the names of Z⁽ⁱ⁾'s entries
    weights: tuple[tuple[str | None, ...], ...]  #: W⁽ⁱ⁾[j][k]: the param on the edge from
    #: source k into node j; None where there is no such edge (a zero entry)
    weight_values: Matrix  #: W⁽ⁱ⁾ in numbers, 0.0 where there is no edge
    biases: tuple[str | None, ...]  #: b⁽ⁱ⁾[j]: node j's bias param, or None
    bias_values: Vector  #: b⁽ⁱ⁾ in numbers, 0.0 where a node has no bias
    derivatives: tuple[tuple[str, str], ...]  #: (activation, F′ as a rule in o, z) of its nodes,
    #: each kind once, in node order
    latex_derivatives: tuple[tuple[str, str], ...]  #: the same rules in LaTeX
    coupled: bool  #: a group-coupled layer (softmax): Jᵢ is the group's Jacobian, not diag(F′ᵢ)

    @property
    def has_bias(self) -> bool:
        return any(b is not None for b in self.biases)


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerValues:
    """One layer at one sample: the vectors and matrices of its forward and backward pass."""

    previous: Vector  #: O⁽ⁱ⁻¹⁾
    sums: Vector  #: Z⁽ⁱ⁾
    values: Vector  #: O⁽ⁱ⁾
    jacobian: Matrix  #: Jᵢ = ∂O⁽ⁱ⁾/∂Z⁽ⁱ⁾, J[k][j] = ∂o_k/∂z_j: diag(F′ᵢ), or a softmax group's
    upstream: Vector  #: ∂L/∂O⁽ⁱ⁾: the loss's own at the last layer (its 1/D included), else
    #: W⁽ⁱ⁺¹⁾ᵀ δ⁽ⁱ⁺¹⁾
    delta: Vector  #: δ⁽ⁱ⁾ = ∂L/∂Z⁽ⁱ⁾ = Jᵢᵀ·upstream, from the trace
    gradient: tuple[tuple[float | None, ...], ...]  #: δ⁽ⁱ⁾ O⁽ⁱ⁻¹⁾ᵀ, None where W has no param
    bias_gradient: tuple[float | None, ...]  #: ±δ⁽ⁱ⁾ (the file's bias sign), None: no bias


@dataclass(frozen=True, slots=True, kw_only=True)
class SampleLayers:
    """Every shown layer of one sample, loss end first."""

    index: int  #: 1-based
    layers: tuple[LayerValues, ...]  #: matching MatrixForm.shown


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """Where a param sits in the matrices: entry (row, column) of W⁽ˡᵃʸᵉʳ⁾, or entry row of b."""

    layer: int  #: 1-based
    row: int  #: 1-based: the node j
    column: int | None  #: 1-based: the source k; None for a bias


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """One layer's gradient matrix and bias gradient, summed over every sample."""

    gradient: tuple[tuple[float | None, ...], ...]
    bias_gradient: tuple[float | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Updated:
    """One layer's W and b after the step (trace), None where there is no param."""

    weights: tuple[tuple[float | None, ...], ...]
    biases: tuple[float | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixForm:
    """The backward pass as vectors and matrices: every layer from the loss down to `shown[-1]`."""

    loss_name: str
    loss_rule: str  #: ∂L/∂o per output as a rule in t and o, its 1/D written: "−(t − o)"
    loss_latex: str  #: the same rule in LaTeX
    bias_sign: int  #: +1: z = W·O + b, −1: z = W·O − b
    layers: tuple[Layer, ...]  #: every layer, 1…n
    shown: tuple[int, ...]  #: the layers shown, loss end first: n, n−1, …, the lowest asked
    samples: tuple[SampleLayers, ...]  #: the samples shown (every one, the first few, or chosen)
    sample_count: int  #: every sample of the network
    totals: tuple[Totals, ...]  #: per shown layer, Σ over every sample
    updated: tuple[Updated, ...] = ()  #: per shown layer, W and b after the step
    loss: float = 0.0  #: L before the step
    loss_new: float = 0.0  #: L after it
    frozen_params: tuple[str, ...] = ()  #: the file's frozen params, not updated
    param: str | None = None  #: the param asked for (explain); None for a whole step
    positions: tuple[Position, ...] = ()  #: where the param sits (several: a shared param)
    gradient: float | None = None  #: ∂L/∂param, from the trace
    learning_rate: float = 0.0
    old: float | None = None  #: the param before the step
    new: float | None = None  #: after it (trace)
    frozen: bool = False
    optimizer: str | None = None  #: its kind, when it is not sgd
    chosen: tuple[int, ...] = ()  #: the 1-based samples asked for
    #: the file's LaTeX spellings of names
    spellings: Mapping[str, Spelling] = field(default_factory=lambda: NO_SPELLINGS)


@dataclass(frozen=True, slots=True, kw_only=True)
class SumUse:
    """One use of the param in index notation: w⁽ⁱ⁾ⱼₖ, or b⁽ⁱ⁾ⱼ for a bias."""

    node: str  #: the node whose sum uses it
    source: str | None  #: the edge's source; None for a bias
    position: Position


@dataclass(frozen=True, slots=True, kw_only=True)
class SumForm:
    """One param's gradient as nested sums over the layers' indices, with the chain form's
    blocks (its paths up to explain.MAX_PATHS, past it its δ rows) as the terms in numbers."""

    explanation: Explanation  #: the chain form: blocks per use and sample, the total, the update
    layers: tuple[Layer, ...]  #: every layer, 1…n
    uses: tuple[SumUse, ...]  #: one per use of the param, in the order of network.uses
    bias_sign: int
    #: the file's LaTeX spellings of names
    spellings: Mapping[str, Spelling] = field(default_factory=lambda: NO_SPELLINGS)


def layers(network: Network) -> tuple[Layer, ...]:
    """The network's layers, when every edge goes from one layer to the next; NotLayered naming
    the first edge (or output, or group) that breaks it otherwise. A node's layer is one more
    than the deepest of its sources (a node with no sources: layer 1)."""
    depth = dict.fromkeys(network.inputs, 0)
    for node in network.nodes:
        depth[node.name] = 1 + max(map(depth.__getitem__, node.edges.sources), default=0)
    where = network.source_file
    for node in network.nodes:
        for source in node.edges.sources:
            if depth[source] != depth[node.name] - 1:
                raise NotLayered(
                    f"the matrix and sum forms need every edge to go from one layer to the next, "
                    f"but node {node.name} (layer {depth[node.name]}) takes {source} (layer "
                    f"{depth[source]}) directly, skipping a layer", file=where,
                    path=("nodes", node.name, "from", source))
    n = max((depth[node.name] for node in network.nodes), default=0)
    for name in network.outputs:
        if depth[name] != n:
            raise NotLayered(
                f"the matrix and sum forms need every output in the last layer ({n}), but output "
                f"{name} is in layer {depth[name]}", file=where, path=("targets", name))
    for group in network.groups:
        found = {depth[m.name] for m in group}
        if len(found) > 1:
            raise NotLayered(
                f"the matrix and sum forms need a {group[0].activation.name} group within one "
                f"layer, but {', '.join(m.name for m in group)} are in layers "
                f"{', '.join(map(str, sorted(found)))}", file=where, path=("nodes", group[0].name))
    by_layer: list[list[Node]] = [[] for _ in range(n + 1)]
    for node in network.nodes:
        by_layer[depth[node.name]].append(node)
    out: list[Layer] = []
    previous: tuple[str, ...] = network.inputs
    for i in range(1, n + 1):
        members = by_layer[i]
        column = {name: k for k, name in enumerate(previous)}
        weights: list[list[str | None]] = []
        for node in members:
            row: list[str | None] = [None] * len(previous)
            for source, param in zip(node.edges.sources, node.edges.params, strict=True):
                row[column[source]] = param
            weights.append(row)
        kinds: dict[str, str] = {}
        latex: dict[str, str] = {}
        for node in members:
            act = node.activation
            slope = given(act.slope) if act.slope is not None else "0"
            # the registry's rule in o and z; a group's ∂o_k/∂z_j in o_k and o_j
            slots = {"h": "o", "z": "z", "slope": slope} if act.coupled is None else \
                {"h": "o_k", "h_j": "o_j"}
            kinds.setdefault(act.name, fill(act.derivative_rule, slots))
            latex.setdefault(act.name, act.latex_derivative_rule.format(**slots))
        p = network.params
        out.append(Layer(
            index=i, sources=previous, nodes=tuple(m.name for m in members),
            sums=tuple(m.sum for m in members),
            weights=tuple(tuple(r) for r in weights),
            weight_values=tuple(tuple(0.0 if w is None else p[w] for w in r) for r in weights),
            biases=tuple(m.bias for m in members),
            bias_values=tuple(0.0 if m.bias is None else p[m.bias] for m in members),
            derivatives=tuple(kinds.items()), latex_derivatives=tuple(latex.items()),
            coupled=any(not m.activation.elementwise for m in members)))
        previous = out[-1].nodes
    return tuple(out)


def positions(found: Sequence[Layer], param: str) -> tuple[Position, ...]:
    """Every place the param sits: entries of the W⁽ⁱ⁾ and b⁽ⁱ⁾, in layer and row order."""
    out: list[Position] = []
    for layer in found:
        for j, (row, bias) in enumerate(zip(layer.weights, layer.biases, strict=True), start=1):
            out.extend(Position(layer=layer.index, row=j, column=k)
                       for k, w in enumerate(row, start=1) if w == param)
            if bias == param:
                out.append(Position(layer=layer.index, row=j, column=None))
    return tuple(out)


def _loss_rule(trace: Trace) -> tuple[str, str]:
    """∂L/∂o per output, as text and in LaTeX, the 1/D of a mean written."""
    spec = trace.network.loss
    rule = fill(spec.loss.derivative_rule, {"t": "t", "o": "o"})
    latex = spec.loss.latex_derivative_rule.format(t="t", o="o")
    if spec.reduction == "mean":
        label, _ = spec.loss.divisor(spec.reduction, 0, 0)
        rule = f"({rule})/{label}" if "/" in rule else f"{rule}/{label}"
        latex = rf"\frac{{1}}{{{label}}}\left({latex}\right)"
    return rule, latex


def _layer_values(trace: Trace, sample: SampleTrace, layer: Layer, last: bool,
                  above: tuple[Layer, Vector] | None) -> LayerValues:
    """Layer's vectors at one sample; `above`: layer i+1 and its δ, for Wᵀδ."""
    v = sample.values
    previous = tuple(v[s] for s in layer.sources)
    m = len(layer.nodes)
    jac = [[0.0] * m for _ in range(m)]
    for a, k in enumerate(layer.nodes):
        for b, j in enumerate(layer.nodes):
            if a == b:
                jac[a][b] = sample.local[k]
            else:
                jac[a][b] = sample.jacobian.get((k, j), 0.0)  # 0 across groups, or elementwise
    if last:
        upstream = tuple(sample.loss_factor.get(name, 0.0) for name in layer.nodes)
        bad = next((name for name, g in zip(layer.nodes, upstream, strict=True)
                    if not math.isfinite(g)), None)
        if bad is not None:
            raise NumericError(
                f"∂{trace.loss_name}/∂{bad} = {sample.loss_factor[bad]} at a saturated output"
                f"{f' in sample {sample.index}' if trace.network.multi_sample else ''}: the matrix "
                f"form cannot multiply it by F′ = 0; the chain and sum forms show δ in the "
                f"loss's fused form", file=trace.network.source_file, path=("nodes", bad))
    else:
        assert above is not None
        up, d_up = above
        # ∂L/∂o_k = Σ_j W⁽ⁱ⁺¹⁾[j][k]·δ⁽ⁱ⁺¹⁾_j
        upstream = tuple(math.fsum(row[k] * d for row, d in zip(up.weight_values, d_up, strict=True))
                         for k in range(m))
    delta = tuple(sample.delta[name] for name in layer.nodes)
    sign = float(trace.network.bias_sign)
    return LayerValues(
        previous=previous, sums=tuple(v[s] for s in layer.sums),
        values=tuple(v[n] for n in layer.nodes), jacobian=tuple(map(tuple, jac)),
        upstream=upstream, delta=delta,
        gradient=tuple(tuple(None if w is None else d * o for w, o in zip(row, previous, strict=True))
                       for row, d in zip(layer.weights, delta, strict=True)),
        bias_gradient=tuple(None if b is None else d * sign
                            for b, d in zip(layer.biases, delta, strict=True)))


def _sample_layers(trace: Trace, sample: SampleTrace, found: Sequence[Layer], lowest: int
                   ) -> SampleLayers:
    out: list[LayerValues] = []
    above: tuple[Layer, Vector] | None = None
    for layer in reversed(found[lowest - 1:]):
        values = _layer_values(trace, sample, layer, layer.index == len(found), above)
        out.append(values)
        above = (layer, values.delta)
    return SampleLayers(index=sample.index, layers=tuple(out))


def _add(total: Sequence[float | None], more: Sequence[float | None]) -> tuple[float | None, ...]:
    return tuple(None if a is None or b is None else a + b for a, b in zip(total, more, strict=True))


def _shown_samples(trace: Trace, chosen: Sequence[int]) -> tuple[SampleTrace, ...]:
    """The chosen samples; else every one up to explain.MAX_BLOCKS, else the first FEW."""
    picked = chosen_samples(trace, chosen)
    if picked:
        return picked
    return trace.samples if len(trace.samples) <= MAX_BLOCKS else trace.samples[:FEW]


def matrix_form(trace: Trace, param: str | None = None, samples: Sequence[int] = ()) -> MatrixForm:
    """The matrix form of a whole step (param None: every layer), or of one param's gradient:
    the layers from the loss down to the param's lowest. The totals are over every sample."""
    net = trace.network
    found = layers(net)
    where: tuple[Position, ...] = ()
    lowest = 1
    if param is not None:
        explain(trace, param, ())  # the one check of the name, worded as the chain form's
        where = positions(found, param)
        lowest = min((p.layer for p in where), default=len(found))
    lowest = max(1, min(lowest, len(found)))
    per_sample = [_sample_layers(trace, s, found, lowest) for s in trace.samples]
    shown = tuple(range(len(found), lowest - 1, -1))
    totals: list[Totals] = []
    for n in range(len(shown)):
        first = per_sample[0].layers[n]
        grad = [tuple(0.0 if g is not None else None for g in row) for row in first.gradient]
        bias: tuple[float | None, ...] = tuple(0.0 if g is not None else None
                                               for g in first.bias_gradient)
        for s in per_sample:  # Σ over samples in order, as the engine adds them
            grad = [_add(r, more) for r, more in zip(grad, s.layers[n].gradient, strict=True)]
            bias = _add(bias, s.layers[n].bias_gradient)
        totals.append(Totals(gradient=tuple(grad), bias_gradient=bias))
    picked = {s.index for s in _shown_samples(trace, samples)}
    new = trace.updated
    updated = tuple(Updated(
        weights=tuple(tuple(None if w is None else new[w] for w in row) for row in layer.weights),
        biases=tuple(None if b is None else new[b] for b in layer.biases))
        for layer in (found[i - 1] for i in shown))
    return MatrixForm(
        loss_name=net.loss.name, loss_rule=_loss_rule(trace)[0], loss_latex=_loss_rule(trace)[1],
        bias_sign=net.bias_sign, spellings=net.spellings,
        layers=found, shown=shown, samples=tuple(s for s in per_sample if s.index in picked),
        sample_count=len(trace.samples), totals=tuple(totals), updated=updated,
        loss=trace.loss, loss_new=trace.loss_new, frozen_params=tuple(sorted(net.frozen)),
        learning_rate=net.learning_rate,
        optimizer=trace.optimizer.setting.optimizer.kind if trace.optimizer is not None else None,
        chosen=tuple(dict.fromkeys(samples)), param=param, positions=where,
        gradient=None if param is None else trace.gradients[param],
        old=None if param is None else net.params[param],
        new=None if param is None else trace.updated[param],
        frozen=param in net.frozen if param is not None else False)


def sum_form(trace: Trace, param: str, samples: Sequence[int] = ()) -> SumForm:
    """One param's gradient as nested sums: the layers' index ranges, and the chain form's
    blocks for the terms in numbers."""
    found = layers(trace.network)
    ex = explain(trace, param, samples)
    layer_of = {name: layer for layer in found for name in layer.nodes}
    uses: list[SumUse] = []
    for use in trace.network.uses:
        if use.param != param:
            continue
        layer = layer_of[use.node]
        j = layer.nodes.index(use.node) + 1
        k = None if use.source is None else layer.sources.index(use.source) + 1
        uses.append(SumUse(node=use.node, source=use.source,
                           position=Position(layer=layer.index, row=j, column=k)))
    return SumForm(explanation=ex, layers=found, uses=tuple(uses),
                   bias_sign=trace.network.bias_sign, spellings=trace.network.spellings)
