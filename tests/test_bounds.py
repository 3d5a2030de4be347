"""Extreme but valid input stays bounded (issue 8): deep chains, many samples, a weight shared by
thousands of edges, very long names and titles, and the command line's edge cases (an empty NET,
a closed stderr, Ctrl-C at start-up, a terminal of any width).

No timings here (bench/unbounded.py measures them); these tests pin what the output holds, with
every expected number worked by hand in the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.factors import graph, paths

ENV = {"COLUMNS": "120", "NO_COLOR": "1"}


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env or ENV).invoke(cli, list(args))


# ---------------------------------------------------------------- a chain deeper than Python's stack

DEPTH = 3000  #: nodes, three times Python's default recursion limit


def _chain(depth: int = DEPTH) -> str:
    """x → h1 → … → h_depth, identity nodes, x = 0.5, w1 = 1.5 and w_i = 2 (i even), 0.5 (i odd)."""
    weights = ["  w1: 1.5"] + [f"  w{i}: {2.0 if i % 2 == 0 else 0.5}" for i in range(2, depth + 1)]
    nodes = ["  h1: {from: {x: w1}}"] + [f"  h{i}: {{from: {{h{i - 1}: w{i}}}}}"
                                        for i in range(2, depth + 1)]
    return "\n".join(["inputs: {x: 0.5}", "params:", *weights, "nodes:", *nodes,
                      f"targets: {{h{depth}: 1}}", "loss: mse", "learning_rate: 0.1", ""])


# Worked by hand for DEPTH = 3000. The weights w2…w3000 are 1,500 twos (even i) and 1,499 halves
# (odd i), so their product is 2: h3000 = x·w1·2 = 0.5·1.5·2 = 1.5 (and h_i alternates 0.75, 1.5).
# L = (t − h3000)²/1 = 0.25; ∂L/∂h3000 = −2(t − h3000) = −2(1 − 1.5) = 1.
# ∂L/∂w1 = ∂L/∂h3000 · Π_{i≥2} w_i · x = 1 · 2 · 0.5 = 1; w1_new = 1.5 − 0.1·1 = 1.4.
# ∂L/∂w3000 = ∂L/∂h3000 · h2999 = 1 · 0.75 = 0.75 (w3000 = 2 doubles h2999 = 0.75 into 1.5).
CHAIN_DL_DW1 = 1.0
CHAIN_DL_DWN = 0.75


@pytest.fixture(scope="module")
def deep_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bounds") / "chain.yaml"
    path.write_text(_chain(), encoding="utf-8")
    return path


def test_deep_chain_gradient_is_the_product_of_the_weights(deep_chain: Path) -> None:
    trace = step(load(deep_chain))
    assert trace.gradients["w1"] == CHAIN_DL_DW1  # powers of two: exact
    assert trace.gradients[f"w{DEPTH}"] == CHAIN_DL_DWN
    assert trace.loss == 0.25


def test_deep_chain_has_one_path_of_every_factor(deep_chain: Path) -> None:
    """The walk is iterative: one path of ∂L/∂h3000, 3,000 ∂h/∂z and 2,999 ∂z_c/∂h."""
    trace = step(load(deep_chain))
    g = graph(trace)
    (only,) = list(paths(trace, g, trace.samples[0], trace.network.node_by_name["h1"]))
    assert len(only) == 1 + DEPTH + (DEPTH - 1)
    assert only[0].label == f"∂L/∂h{DEPTH}" and only[-1].label == "∂h1/∂z_h1"


def test_deep_chain_explain(deep_chain: Path) -> None:
    result = invoke("explain", "--weight", "w1", str(deep_chain))
    assert result.exit_code == 0, result.output
    assert "1 path from L to w1" in result.stdout
    assert "= 1.000\n" in result.stdout  # ∂L/∂w1, worked above
    assert "= 1.400" in result.stdout  # w1_new


def test_deep_chain_step_all(deep_chain: Path) -> None:
    """Every row, without RecursionError; a chain this long is written δ · ∂z/∂p, one row a node."""
    result = invoke("step", "--all", str(deep_chain))
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["∂L/∂w1", "∂L/∂z_h1", "·", "∂z_h1/∂w1", "1.000"] in rows
    # the last node's chain is short, so written out: ∂L/∂h · ∂h/∂z · ∂z/∂w
    last = next(r for r in rows if r[:1] == [f"∂L/∂w{DEPTH}"])
    assert last[-1] == "0.750" and f"∂L/∂h{DEPTH}" in last
    # a few short lines per node and param: linear in the depth (every chain written out in
    # full would be ~DEPTH² factors, some 90 million characters)
    assert len(result.stdout) < 2_000 * DEPTH


def test_deep_chain_json(deep_chain: Path) -> None:
    result = invoke("step", str(deep_chain), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["gradients"]["w1"] == CHAIN_DL_DW1
