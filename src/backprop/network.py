"""The validated, immutable network that spec.py builds and engine.py runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from types import MappingProxyType
from typing import cast, overload

from backprop.activations import Activation
from backprop.losses import Loss, Reduction
from backprop.optimizers import SGD, Setting
from backprop.record import record


def frozen_map(items: Mapping[str, float] | None = None) -> Mapping[str, float]:
    """A read-only, insertion-ordered mapping."""
    return MappingProxyType(dict(items or {}))


@record
class Spelling:
    """How a page or a LaTeX export may write one name, from the file's optional `spellings` key."""

    latex: str | None = None  #: the name in LaTeX, e.g. ``\hat{y}``; None: the default typesetting
    also: tuple[str, ...] = ()  #: further plain spellings a page may use, e.g. ``("ŷ", "out")``


NO_SPELLINGS: Mapping[str, Spelling] = MappingProxyType({})


@record
class Edge:
    """One term of a weighted sum: value(source) · param."""

    source: str  #: an input or an earlier node
    param: str  #: the weight's name


class Edges(Sequence[Edge]):
    """A node's weighted terms, in file order: two tuples of names, sources and params, read as
    Edge records. The records are made only when first read: the engine needs only the names,
    and a 784-128-10 network's 101,632 records would cost half as much as its backward pass."""

    __slots__ = ("_items", "params", "sources")

    def __init__(self, sources: Sequence[str], params: Sequence[str]) -> None:
        if len(sources) != len(params):
            raise ValueError(f"{len(sources)} sources for {len(params)} params")
        self.sources = tuple(sources)  #: value(source) · param, term by term
        self.params = tuple(params)
        self._items: tuple[Edge, ...] | None = None

    @classmethod
    def of(cls, edges: Iterable[Edge]) -> Edges:
        listed = tuple(edges)
        made = cls([e.source for e in listed], [e.param for e in listed])
        made._items = listed
        return made

    def _all(self) -> tuple[Edge, ...]:
        if self._items is None:
            self._items = tuple(map(Edge, self.sources, self.params))
        return self._items

    def __len__(self) -> int:
        return len(self.params)

    @overload
    def __getitem__(self, index: int) -> Edge: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Edge, ...]: ...
    def __getitem__(self, index: int | slice) -> Edge | tuple[Edge, ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Edge]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Edges):
            return self.sources == other.sources and self.params == other.params
        if isinstance(other, tuple):
            return self._all() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Edges({list(self)!r})"


@record
class Node:
    """node = activation(sum), sum = Σ value(source)·param ± bias."""

    name: str  #: the node value's name, e.g. "h1"
    sum: str  #: the pre-activation value's name, e.g. "z1"
    edges: Edges  #: in file order (any sequence of Edge given here is read into Edges)
    bias: str | None  #: param added (or, with bias_sign minus, subtracted)
    activation: Activation  #: bound (leaky slope, softmax group)
    layer: int | None = None  #: layer index in the layered form, for summaries

    def __post_init__(self) -> None:
        given: object = self.edges
        if not isinstance(given, Edges):  # a tuple of Edge records, as Node took before Edges
            object.__setattr__(self, "edges", Edges.of(cast("Iterable[Edge]", given)))


@record
class Sample:
    """One training example."""

    inputs: Mapping[str, float]  #: input name -> value, in the network's input order
    targets: Mapping[str, float]  #: output node -> target


@record
class LossSpec:
    """The loss as the file chose it."""

    loss: Loss  #: registry entry
    name: str  #: display name, "L" unless the file names it
    reduction: Reduction


@record
class Use:
    """One place a param is used: as the weight of an edge into `node`, or as its bias."""

    param: str
    node: str  #: the node whose sum uses it
    source: str | None  #: the edge's source; None for a bias


class Uses(Sequence[Use]):
    """Every use of every param, edges then bias per node: counted at once, listed when first read.

    The engine needs only the count; the tables, explain and check read the uses themselves, and
    a large network's 100,000 Use records would cost more to make than its whole backward pass.
    """

    __slots__ = ("_count", "_items", "_nodes")

    def __init__(self, nodes: tuple[Node, ...]) -> None:
        self._nodes = nodes
        self._count = sum(len(n.edges) + (n.bias is not None) for n in nodes)
        self._items: tuple[Use, ...] | None = None

    def _all(self) -> tuple[Use, ...]:
        if self._items is None:
            uses: list[Use] = []
            for node in self._nodes:
                uses.extend(Use(e.param, node.name, e.source) for e in node.edges)
                if node.bias is not None:
                    uses.append(Use(node.bias, node.name, None))
            self._items = tuple(uses)
        return self._items

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Use: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Use, ...]: ...
    def __getitem__(self, index: int | slice) -> Use | tuple[Use, ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Use]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Uses):
            return self._all() == other._all()
        if isinstance(other, tuple):  # as the tuple of Use records it stands for
            return self._all() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Uses({list(self)!r})"


@record
class _Topology:
    """Who feeds whom in a Network, worked out once from its nodes."""

    position: Mapping[str, int]
    groups: tuple[tuple[Node, ...], ...]
    members: Mapping[str, tuple[Node, ...]]
    outputs: frozenset[str]

    @classmethod
    def of(cls, net: Network) -> _Topology:
        # a group is one coupled activation's group name: members share its forward and backward
        grouped: dict[tuple[str, str | None], list[Node]] = {}
        for node in net.nodes:
            if not node.activation.elementwise:
                grouped.setdefault((node.activation.name, node.activation.group), []).append(node)
        groups = tuple(tuple(g) for g in grouped.values())
        members: dict[str, tuple[Node, ...]] = {n.name: (n,) for n in net.nodes}
        for group in groups:
            members.update(dict.fromkeys((n.name for n in group), group))
        return cls(position=MappingProxyType({n.name: i for i, n in enumerate(net.nodes)}),
                   groups=groups, members=MappingProxyType(members),
                   outputs=frozenset(net.outputs))


def _consumers_of(net: Network) -> Mapping[str, tuple[tuple[Node, str], ...]]:
    """Per node, the (consumer, param) of every edge reading it: one pass over the edges."""
    consumers: dict[str, list[tuple[Node, str]]] = {n.name: [] for n in net.nodes}
    for node in net.nodes:
        for source, param in zip(node.edges.sources, node.edges.params, strict=True):
            if source in consumers:
                consumers[source].append((node, param))
    return MappingProxyType({k: tuple(v) for k, v in consumers.items()})


@record(kw_only=True)
class Network:
    """Everything one training step needs, validated; names are the file's own."""

    title: str | None = None
    description: str | None = None
    inputs: tuple[str, ...]  #: input names in order
    params: Mapping[str, float]  #: every weight and bias, in file order
    nodes: tuple[Node, ...]  #: in computation order
    outputs: tuple[str, ...]  #: the nodes with targets, in node order
    samples: tuple[Sample, ...]
    loss: LossSpec
    learning_rate: float
    frozen: frozenset[str] = frozenset()
    bias_sign: int = 1  #: +1: z = Σwx + b; −1: z = Σwx − b
    source_file: str | None = None  #: as the user named it, for messages
    layered: bool = False  #: written in the layered form
    warnings: tuple[str, ...] = ()  #: located notes on legal but suspicious input (unused params)
    optimizer: Setting = SGD  #: the update rule, its hyper-parameters and the state it starts from
    #: name -> its LaTeX and other spellings, when the file gives them
    spellings: Mapping[str, Spelling] = field(default_factory=lambda: NO_SPELLINGS)
    uses: Uses = field(init=False)  #: every use of every param, edges then bias per node
    by_name: Mapping[str, Node] = field(init=False, repr=False)  #: node name -> node
    # the topology below is made when first read (a run of a large network needs none of it),
    # once: each reader (engine, factors, explain, the tables, check) asks the network
    _topology: _Topology | None = field(init=False, default=None, repr=False, compare=False)
    _consumers: Mapping[str, tuple[tuple[Node, str], ...]] | None = field(
        init=False, default=None, repr=False, compare=False)  #: per edge: made apart, and later

    def __post_init__(self) -> None:
        object.__setattr__(self, "uses", Uses(self.nodes))
        object.__setattr__(self, "by_name", MappingProxyType({n.name: n for n in self.nodes}))

    @property
    def node_by_name(self) -> Mapping[str, Node]:
        return self.by_name

    @property
    def position(self) -> Mapping[str, int]:
        """Node name -> its index in computation order (network.nodes)."""
        return self._topo().position

    @property
    def groups(self) -> tuple[tuple[Node, ...], ...]:
        """The coupled groups (softmax), each its members in node order, in order of first member."""
        return self._topo().groups

    @property
    def members(self) -> Mapping[str, tuple[Node, ...]]:
        """Node name -> the nodes its sum feeds: its coupled group, or the node alone."""
        return self._topo().members

    @property
    def consumers(self) -> Mapping[str, tuple[tuple[Node, str], ...]]:
        """Node name -> (consumer, param) for each edge that reads its value, in node order."""
        if self._consumers is None:
            object.__setattr__(self, "_consumers", _consumers_of(self))
        assert self._consumers is not None
        return self._consumers

    @property
    def output_set(self) -> frozenset[str]:
        """The output nodes, for membership tests."""
        return self._topo().outputs

    def _topo(self) -> _Topology:
        if self._topology is None:
            object.__setattr__(self, "_topology", _Topology.of(self))
        assert self._topology is not None
        return self._topology

    @property
    def multi_sample(self) -> bool:
        return len(self.samples) > 1
