"""The immutable record of one training step: every value, local factor, δ, gradient and update."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from typing import Literal

from backprop.network import Network, Use
from backprop.optimizers import Stepped
from backprop.record import record


@record(kw_only=True)
class Factor:
    """One link of a chain: ∂numerator/∂denominator at one sample, with the rule that gives it."""

    numerator: str  #: name as printed, e.g. "y_hat"
    denominator: str  #: e.g. "z3"
    template: str  #: the rule with slots, e.g. "{h}(1 − {h})"
    args: tuple[tuple[str, str, float], ...]  #: (slot, name, value) for each slot of the template
    value: float  #: full precision; rounding belongs to the renderer

    @property
    def label(self) -> str:
        return f"∂{self.numerator}/∂{self.denominator}"

    @property
    def rule(self) -> str:
        """The rule in the file's names: "y_hat(1 − y_hat)"."""
        return self.template.format(**{slot: name for slot, name, _ in self.args})


@record
class Overrides:
    """Numbers put in place of the engine's own at named points (check: a student's earlier answers).

    Keys use 0-based sample indices and the file's names. Each override replaces exactly the number
    the tables print under that name; everything downstream is computed from it as usual.
    """

    values: Mapping[tuple[int, str], float] = field(default_factory=dict)  #: inputs, sums, nodes
    loss_factor: Mapping[tuple[int, str], float] = field(default_factory=dict)  #: ∂L/∂o
    local: Mapping[tuple[int, str], float] = field(default_factory=dict)  #: ∂h/∂z by node
    grad_node: Mapping[tuple[int, str], float] = field(default_factory=dict)  #: ∂L/∂h by node
    delta: Mapping[tuple[int, str], float] = field(default_factory=dict)  #: ∂L/∂z by node
    param_factor: Mapping[tuple[int, str, str], float] = field(default_factory=dict)  #: ∂z/∂p
    edge: Mapping[tuple[str, str], float] = field(default_factory=dict)  #: (node, source): ∂z/∂source
    gradient: Mapping[str, float] = field(default_factory=dict)  #: ∂L/∂p, the total
    updated: Mapping[str, float] = field(default_factory=dict)  #: p after the step

    def __bool__(self) -> bool:
        return any((self.values, self.loss_factor, self.local, self.grad_node, self.delta,
                    self.param_factor, self.edge, self.gradient, self.updated))

    def touches(self, s: int, node: str) -> bool:
        """Whether the backward pass at this node must use the unfused chain to honour an override."""
        return any(((s, node) in m) for m in (self.values, self.loss_factor, self.local,
                                              self.grad_node))


NO_OVERRIDES = Overrides()


#: where f′ is taken: the true rule, or one of check's two ways of taking it at the wrong value
DerivativeAt = Literal["true", "z_for_h", "h_for_z"]


@record
class Rules:
    """How the backward pass is done. The default is the true rule; check's mistake models change one.

    Each field is one catalogued way a hand calculation goes wrong, run by the same engine.
    """

    loss_factor: float = 1.0  #: multiplies ∂L/∂o: −1 flips its sign, 2 or ½ a factor of two
    derivative_at: DerivativeAt = "true"  #: "z_for_h": f′ written with z where h belongs (z(1 − z));
    #: "h_for_z": f′ evaluated at h instead of z (σ(h)(1 − σ(h)))
    derivative_nodes: frozenset[str] = frozenset()  #: where derivative_at applies (empty: everywhere)
    backward_params: Mapping[str, float] | None = None  #: params used on the backward pass
    dropped_edges: frozenset[tuple[str, str]] = frozenset()  #: (node, source): path not followed
    gradient_factor: float = 1.0  #: the reported ∂L/∂p is this multiple of the true one (η·g)
    overrides: Overrides = NO_OVERRIDES  #: the student's own numbers, for error carried forward


class UsesByParam:
    """param -> the indices in network.uses of its uses, built on the first read (a step whose
    shares nobody reads never builds it)."""

    __slots__ = ("_network", "_uses")

    def __init__(self, network: Network) -> None:
        self._network = network
        self._uses: dict[str, tuple[int, ...]] | None = None

    def of(self, param: str) -> tuple[int, ...]:
        """The uses of param (none for an unused one); KeyError for a name that is no param."""
        if self._uses is None:
            found: dict[str, list[int]] = {p: [] for p in self._network.params}
            for k, use in enumerate(self._network.uses):
                found[use.param].append(k)
            self._uses = {p: tuple(ks) for p, ks in found.items()}
        return self._uses[param]


@record(kw_only=True)
class SampleTrace:
    """Every number of one sample's forward and backward pass, by the file's names."""

    index: int  #: 1-based, as printed (`z1[2]`)
    values: Mapping[str, float]  #: every input, sum and node value
    targets: Mapping[str, float]  #: output node -> target
    loss_terms: Mapping[str, float]  #: output -> its element e(o, t) before the 1/D of the reduction
    loss_factor: Mapping[str, float]  #: output -> ∂L/∂o (the 1/D included)
    local: Mapping[str, float]  #: node -> ∂h/∂z (for softmax, the diagonal h(1 − h))
    jacobian: Mapping[tuple[str, str], float]  #: softmax (h_k, h_j) -> ∂h_k/∂z_j within a group
    grad_node: Mapping[str, float]  #: input or node -> ∂L/∂value
    delta: Mapping[str, float]  #: node -> δ = ∂L/∂z
    use_grads: tuple[float, ...]  #: ∂L/∂p through each of network.uses, this sample


@record(kw_only=True)
class Trace:
    """One training step, computed once by engine.run; explain, check and the renderers only read it."""

    network: Network
    rules: Rules  #: the rule the backward pass followed (Rules() for the true one)
    samples: tuple[SampleTrace, ...]
    divisor: float  #: D in L = (1/D)·Σe: 1, N elements, or S samples
    loss_sum: float  #: Σℓ: the loss terms e(o, t) summed over every sample and output
    loss: float  #: L before the update
    gradients: Mapping[str, float]  #: param -> ∂L/∂p, summed over uses and samples
    updated: Mapping[str, float]  #: param -> p − η·∂L/∂p (frozen params unchanged)
    #: L recomputed with the updated params (nan in a run made with engine.run(after=False))
    loss_new: float
    notes: tuple[str, ...]  #: saturation and convention notes worth printing
    uses_of: UsesByParam  #: param -> its indices in network.uses, for the per-sample shares
    optimizer: Stepped | None = None  #: an optimizer with state: its worked rows and state after

    @property
    def loss_name(self) -> str:
        return self.network.loss.name

    def use_value(self, use: Use, sample: SampleTrace) -> float:
        """∂z/∂p for one use: the source's value for a weight, ±1 for a bias."""
        if use.source is None:
            return float(self.network.bias_sign)
        return sample.values[use.source]

    def share(self, sample: SampleTrace, param: str, without: int | None = None) -> float:
        """∂L/∂p from one sample alone: Σ ∂L/∂p over the sample's uses of p, exactly rounded
        (math.fsum); with `without` (an index in network.uses), that use left out."""
        grads = sample.use_grads
        return math.fsum(grads[k] for k in self.uses_of.of(param) if k != without)

    def param_factor(self, sample: SampleTrace, node: str, param: str) -> float:
        """∂z/∂p of one node's sum: every use of p in it summed (z1 = x1·w1 + x2·w1 gives x1 + x2)."""
        return math.fsum(self.use_value(u, sample) for u in self.network.uses
                         if u.node == node and u.param == param)
