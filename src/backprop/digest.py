"""A large step at a glance, read from the Trace as numbers: each layer's counts, ranges and
largest gradients, each value's range over the samples (render/summary.py prints them)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from heapq import nlargest

from backprop.network import Network, Node
from backprop.trace import Trace


@dataclass(frozen=True, slots=True)
class Ranges:
    """The smallest, the mean (fsum, exactly rounded) and the largest of some values."""

    min: float
    mean: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Ranges:
        return cls(min(values), math.fsum(values) / len(values), max(values))


@dataclass(frozen=True, slots=True, kw_only=True)
class ForwardLayer:
    """One layer's nodes over every sample together."""

    layer: int
    nodes: int  #: how many
    activations: tuple[str, ...]  #: their activations' names, each once, in node order
    z_min: float
    z_max: float
    h: Ranges


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamLayer:
    """One layer's params (None: params no node uses) and their gradients."""

    layer: int | None
    weights: int
    biases: int
    gradients: Ranges
    largest: tuple[str, ...]  #: the params of largest |∂L/∂p|, largest first


def node_layers(net: Network) -> dict[str, int]:
    """Each node's layer: the file's layer in the layered form, else its depth from the inputs
    (1 + the deepest source), so that a large graph-form network is grouped the same way."""
    depth = dict.fromkeys(net.inputs, 0)
    for node in net.nodes:
        depth[node.name] = node.layer if node.layer is not None else (
            1 + max((depth[e.source] for e in node.edges), default=0))
    return {n.name: depth[n.name] for n in net.nodes}


def param_layers(net: Network, layers: Mapping[str, int]) -> dict[str, int | None]:
    """Each param's layer: that of the node its first use feeds (None: never used)."""
    out: dict[str, int | None] = dict.fromkeys(net.params)
    for use in net.uses:
        if out[use.param] is None:
            out[use.param] = layers[use.node]
    return out


def _by_layer(names: Iterable[str], layer_of: Mapping[str, int | None]
              ) -> dict[int | None, list[str]]:
    groups: dict[int | None, list[str]] = {}
    for name in names:
        groups.setdefault(layer_of[name], []).append(name)
    return dict(sorted(groups.items(), key=lambda kv: math.inf if kv[0] is None else kv[0]))


def value_ranges(trace: Trace) -> tuple[tuple[str, Ranges], ...]:
    """Each input, sum and node value (an identity node's value is its sum) over every sample."""
    net = trace.network
    names = list(net.inputs)
    for node in net.nodes:
        names.append(node.sum)
        if not node.activation.identity:
            names.append(node.name)
    return tuple((name, Ranges.of([s.values[name] for s in trace.samples])) for name in names)


def forward_layers(trace: Trace, layers: Mapping[str, int]) -> tuple[ForwardLayer, ...]:
    by_layer: dict[int, list[Node]] = {}
    for node in trace.network.nodes:
        by_layer.setdefault(layers[node.name], []).append(node)
    out = []
    for layer, nodes in sorted(by_layer.items()):
        zs = [s.values[n.sum] for s in trace.samples for n in nodes]
        hs = [s.values[n.name] for s in trace.samples for n in nodes]
        out.append(ForwardLayer(layer=layer, nodes=len(nodes),
                                activations=tuple(dict.fromkeys(n.activation.name for n in nodes)),
                                z_min=min(zs), z_max=max(zs), h=Ranges.of(hs)))
    return tuple(out)


def param_layers_of(trace: Trace, player: Mapping[str, int | None], top: int
                    ) -> tuple[ParamLayer, ...]:
    """Each layer's params, with the `top` largest |∂L/∂p| among them."""
    net = trace.network
    biases = {n.bias for n in net.nodes if n.bias is not None}
    out = []
    for layer, names in _by_layer(net.params, player).items():
        nb = sum(1 for p in names if p in biases)
        out.append(ParamLayer(
            layer=layer, weights=len(names) - nb, biases=nb,
            gradients=Ranges.of([trace.gradients[p] for p in names]),
            largest=tuple(nlargest(top, names, key=lambda p: abs(trace.gradients[p])))))
    return tuple(out)


def largest_step(trace: Trace) -> str | None:
    """The param the update moves furthest (None: every param is frozen)."""
    net = trace.network
    moved = [p for p in net.params if p not in net.frozen]
    return max(moved, key=lambda p: abs(trace.updated[p] - net.params[p])) if moved else None
