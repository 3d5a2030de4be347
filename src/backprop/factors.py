"""The local factors of the chain rule, read from a Trace as Factor records in the file's names."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TypeAlias

from backprop.network import Node, Use
from backprop.record import record
from backprop.trace import Factor, SampleTrace, Trace


def target_name(trace: Trace, output: str) -> str:
    """The documented name of an output's target: t, or t_<output> when there are several."""
    return "t" if len(trace.network.outputs) == 1 else f"t_{output}"


def loss_factor(trace: Trace, sample: SampleTrace, output: str) -> Factor:
    """∂L/∂o = e′(o, t)/D."""
    spec = trace.network.loss
    template = spec.loss.derivative_rule.format(t="{t}", o="{o}")
    args = [("t", target_name(trace, output), sample.targets[output]),
            ("o", output, sample.values[output])]
    if spec.reduction == "mean":
        template = f"({template})/{{D}}" if "/" in template else f"{template}/{{D}}"
        label, _ = spec.loss.divisor(spec.reduction, 0, 0)
        args.append(("D", label, trace.divisor))
    return Factor(numerator=spec.name, denominator=output, template=template, args=tuple(args),
                  value=sample.loss_factor[output])


def activation_factor(trace: Trace, sample: SampleTrace, node: Node, wrt: Node | None = None
                      ) -> Factor:
    """∂h/∂z of a node; for softmax, ∂h_k/∂z_j of `node` (k) against `wrt` (j)."""
    act = node.activation
    if act.coupled is None or wrt is None or wrt is node:
        template = act.derivative_rule if act.coupled is None else act.coupled.diagonal_rule
        args = (("z", node.sum, sample.values[node.sum]), ("h", node.name, sample.values[node.name]),
                ("slope", "slope", act.slope if act.slope is not None else 0.0))
        value = sample.local[node.name]
        used = tuple(a for a in args if "{" + a[0] + "}" in template)
        return Factor(numerator=node.name, denominator=node.sum, template=template, args=used,
                      value=value)
    return Factor(numerator=node.name, denominator=wrt.sum, template=act.coupled.cross_rule,
                  args=(("hk", node.name, sample.values[node.name]),
                        ("hj", wrt.name, sample.values[wrt.name])),
                  value=sample.jacobian[(node.name, wrt.name)])


def edge_factor(trace: Trace, consumer: Node, source: str, param: str) -> Factor:
    """∂z_c/∂source = the weight on that edge."""
    return Factor(numerator=consumer.sum, denominator=source, template="{w}",
                  args=(("w", param, trace.network.params[param]),), value=trace.network.params[param])


def param_factor(trace: Trace, sample: SampleTrace, use: Use, node: Node | None = None) -> Factor:
    """∂z/∂p: the source's value for a weight, ±1 for a bias."""
    if node is None:
        node = trace.network.node_by_name[use.node]
    value = trace.use_value(use, sample)
    if use.source is None:
        return Factor(numerator=node.sum, denominator=use.param, template="1" if value > 0 else "−1",
                      args=(), value=value)
    return Factor(numerator=node.sum, denominator=use.param, template="{x}",
                  args=(("x", use.source, value),), value=value)


def output_delta_terms(trace: Trace, s: SampleTrace, node: Node) -> list[tuple[Factor, Factor]]:
    """An output's δ = ∂L/∂z as its terms ∂L/∂h_k · ∂h_k/∂z, one per output its sum feeds (its
    group, for softmax): Mazur's δ_o1 = ∂E/∂out_o1 · ∂out_o1/∂net_o1."""
    return [(loss_factor(trace, s, m.name), activation_factor(trace, s, m, node))
            for m in trace.network.members[node.name]]


@record
class Graph:
    """Who feeds whom, for walking paths from a sum to the loss: the Network's own topology."""

    consumers: Mapping[str, Sequence[tuple[Node, str]]]  #: node -> [(consumer, param)]
    members: Mapping[str, Sequence[Node]]  #: node -> the nodes its sum feeds: itself, or its group
    outputs: frozenset[str]


def ends_at_loss(g: Graph, node: Node) -> bool:
    """Whether node's sum feeds only outputs that feed nothing: its δ is ∂L/∂h · ∂h/∂z alone
    (over its group, for softmax)."""
    return all(m.name in g.outputs and not g.consumers[m.name] for m in g.members[node.name])


def graph(trace: Trace) -> Graph:
    net = trace.network
    return Graph(net.consumers, net.members, net.output_set)


def backward_order(trace: Trace) -> list[Node]:
    """The nodes as a backward pass meets them on the page: layer by layer from the loss end (a
    node's layer is one more than its deepest source's; a softmax group is one layer), each
    layer in the file's order — o1 before o2, h1 before h2."""
    net = trace.network
    layer: dict[str, int] = {}
    for node in net.nodes:
        layer[node.name] = 1 + max((layer.get(e.source, 0) for e in node.edges), default=0)
    for node in net.nodes:  # a group sits at its deepest member's layer
        group = net.members[node.name]
        if len(group) > 1:
            layer[node.name] = max(layer[m.name] for m in group)
    return sorted(net.nodes, key=lambda n: (-layer[n.name], net.position[n.name]))


def count_paths(g: Graph, node: str, memo: dict[str, int] | None = None) -> int:
    """The number of distinct paths from node's sum to the loss, by dynamic programming:
    paths(n) = Σ over the members m its sum feeds of [m is an output] + Σ_c paths(c), each node
    counted once, so 8^8 paths through a 10-layer network cost ~600 additions, not 16,777,216.
    The walk keeps its own stack: a network deeper than Python's recursion limit is fine."""
    memo = {} if memo is None else memo
    stack = [node]
    while stack:
        name = stack[-1]
        if name in memo:
            stack.pop()
            continue
        todo = [c.name for m in g.members[name] for c, _ in g.consumers[m.name] if c.name not in memo]
        if todo:  # count the consumers first
            stack += todo
            continue
        stack.pop()
        memo[name] = sum((m.name in g.outputs) + sum(memo[c.name] for c, _ in g.consumers[m.name])
                         for m in g.members[name])
    return memo[node]


def chain_lengths(trace: Trace, g: Graph) -> dict[str, int]:
    """For each node, the most factors (∂L/∂o, ∂h/∂z, ∂z_c/∂h, …) on a path from its sum to the
    loss; 0 when no path reaches it. Nodes are in computation order and a sum feeds only later
    nodes (a softmax group's consumers follow the whole group), so one pass from the loss end."""
    longest: dict[str, int] = {}
    for node in reversed(trace.network.nodes):
        best = 0
        for member in g.members[node.name]:
            if member.name in g.outputs:
                best = max(best, 2)
            for consumer, _ in g.consumers[member.name]:
                if longest.get(consumer.name, 0):
                    best = max(best, 2 + longest[consumer.name])
        longest[node.name] = best
    return longest


# a chain being built, as a linked list (the factor nearest the loss, the rest): each step of the
# walk shares its tail with its siblings, and a path is written out only when it reaches the loss
_Tail: TypeAlias = "tuple[Factor, _Tail] | None"


def paths(trace: Trace, g: Graph, sample: SampleTrace, node: Node,
          memo: dict[str, int] | None = None) -> Iterator[list[Factor]]:
    """Every chain from node's sum to the loss, each as its factors ∂L/∂o, …, ∂z_c/∂h, ∂h/∂z
    (loss end first), in the order of the file. The walk keeps its own stack, so a chain deeper
    than Python's recursion limit is fine, and skips the consumers from which no path reaches
    the loss (counted once, `memo` as for count_paths): the work is the paths' total length."""
    memo = {} if memo is None else memo
    todo: list[tuple[Node, _Tail] | list[Factor]] = [(node, None)]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            yield item
            continue
        current, tail = item
        steps: list[tuple[Node, _Tail] | list[Factor]] = []
        for member in g.members[current.name]:
            head: _Tail = (activation_factor(trace, sample, member, current), tail)
            if member.name in g.outputs:
                steps.append([loss_factor(trace, sample, member.name), *_unlink(head)])
            for consumer, param in g.consumers[member.name]:
                if count_paths(g, consumer.name, memo):
                    steps.append((consumer, (edge_factor(trace, consumer, member.name, param),
                                             head)))
        todo.extend(reversed(steps))  # the first step is taken first: the file's order


def _unlink(tail: _Tail) -> list[Factor]:
    out: list[Factor] = []
    while tail is not None:
        factor, tail = tail
        out.append(factor)
    return out
