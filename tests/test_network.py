"""The Network's records read as the file wrote them: a node's terms (Edges) and every param's uses."""

from __future__ import annotations

from backprop.activations import ACTIVATIONS
from backprop.network import Edge, Edges, Node, Use
from backprop.spec import load

# FORMAT §1.2's example: 2 inputs, two sigmoid layers of 2 nodes, biases in both
LAYERED = """\
inputs: [0.05, 0.10]
layers:
  - activation: sigmoid
    weights: [[0.15, 0.20], [0.25, 0.30]]
    biases: [0.35, 0.35]
  - activation: sigmoid
    weights: [[0.40, 0.45], [0.50, 0.55]]
    biases: [0.60, 0.60]
targets: [0.01, 0.99]
loss: half_sse
learning_rate: 0.5
"""


def test_layered_terms_are_the_documented_names() -> None:
    # FORMAT §1.2: w{layer}_{j}_{k} is the weight into node j of `layer` from node k before it
    net = load("net.yaml", text=LAYERED)
    h2_1 = net.by_name["h2_1"]
    assert list(h2_1.edges) == [Edge("h1_1", "w2_1_1"), Edge("h1_2", "w2_1_2")]
    assert h2_1.edges.sources == ("h1_1", "h1_2")
    assert h2_1.edges.params == ("w2_1_1", "w2_1_2")
    assert h2_1.edges[1] == Edge("h1_2", "w2_1_2") and len(h2_1.edges) == 2
    assert h2_1.edges == (Edge("h1_1", "w2_1_1"), Edge("h1_2", "w2_1_2"))


def test_uses_list_each_weight_then_the_bias_per_node() -> None:
    net = load("net.yaml", text=LAYERED)
    assert len(net.uses) == 12  # 8 weights and 4 biases, each used once
    assert list(net.uses[:3]) == [Use("w1_1_1", "h1_1", "x1"), Use("w1_1_2", "h1_1", "x2"),
                                  Use("b1_1", "h1_1", None)]
    assert net.uses[-1] == Use("b2_2", "h2_2", None)
    assert [u.param for u in net.uses] == list(net.params)  # file order: each row, then its bias
    assert net.uses == tuple(net.uses) and tuple(net.uses) == net.uses


def test_a_node_given_edge_records_reads_them_as_edges() -> None:
    records = (Edge("x1", "w1"), Edge("x2", "w3"))
    node = Node("h1", "z1", records, None, ACTIVATIONS["sigmoid"])  # type: ignore[arg-type]
    assert isinstance(node.edges, Edges)
    assert node.edges.sources == ("x1", "x2") and node.edges.params == ("w1", "w3")
    assert node.edges == records and records == node.edges
    assert node == Node("h1", "z1", Edges(["x1", "x2"], ["w1", "w3"]), None, ACTIVATIONS["sigmoid"])


def test_the_network_holds_its_topology() -> None:
    # read off networks/softmax-classifier.yaml by hand: a1..a3 each feed p1, p2, p3 (through
    # v1k, v2k, v3k); p1..p3 are one softmax group and the outputs; nothing reads p1..p3
    from conftest import NETWORKS

    net = load(NETWORKS / "softmax-classifier.yaml")
    assert [[n.name for n in g] for g in net.groups] == [["p1", "p2", "p3"]]
    assert [n.name for n in net.members["p2"]] == ["p1", "p2", "p3"]
    assert [n.name for n in net.members["a1"]] == ["a1"]
    assert [(c.name, p) for c, p in net.consumers["a2"]] == [("p1", "v12"), ("p2", "v22"),
                                                             ("p3", "v32")]
    assert net.consumers["p1"] == ()
    assert net.output_set == {"p1", "p2", "p3"}
    assert [net.position[n] for n in ("a1", "a3", "p1", "p3")] == [0, 2, 3, 5]
    # made once: the same objects on every read
    assert net.consumers is net.consumers and net.members is net.members


def test_two_softmax_groups_stay_apart() -> None:
    # FORMAT: a group-coupled activation's `group` names its group; two groups, two entries
    text = """\
inputs: {x: 1.0}
params: {a: 0.1, b: 0.2, c: 0.3, d: 0.4}
nodes:
  p: {sum: s, from: {x: a}, activation: {name: softmax, group: first}}
  q: {sum: r, from: {x: b}, activation: {name: softmax, group: first}}
  u: {sum: v, from: {x: c}, activation: {name: softmax, group: second}}
  w: {sum: y, from: {x: d}, activation: {name: softmax, group: second}}
targets: {p: 1, q: 0, u: 0.5, w: 0.5}
loss: mse
learning_rate: 0.1
"""
    net = load("net.yaml", text=text)
    assert [[n.name for n in g] for g in net.groups] == [["p", "q"], ["u", "w"]]
    assert [n.name for n in net.members["w"]] == ["u", "w"]
