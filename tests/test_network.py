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
