"""Large networks: the summarised tables, the --param and --all filters, the JSON of every param,
and a 16,777,216-path gradient counted (not enumerated) and checked by a finite difference.

No timings here: bench/ measures speed; these tests pin what the output holds.
"""

from __future__ import annotations

import json
import random
import re
from itertools import pairwise
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop import explain, load, step
from backprop.cli import cli
from oracle import finite_difference

ENV = {"COLUMNS": "160", "NO_COLOR": "1"}


def invoke(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def layered(sizes: list[int], *, seed: int, scale: float = 1.0, hidden: str = "sigmoid",
            output: str = "softmax", loss: str = "cross_entropy") -> str:
    """A layered-form network file (FORMAT §1.2) of full-precision random floats, one sample."""
    rng = random.Random(seed)

    def floats(n: int, s: float) -> str:
        return "[" + ", ".join(repr(rng.uniform(-s, s)) for _ in range(n)) + "]"

    lines = [f"inputs: {floats(sizes[0], 1.0)}", "layers:"]
    for i, (fan_in, fan_out) in enumerate(pairwise(sizes)):
        lines.append(f"  - activation: {output if i == len(sizes) - 2 else hidden}")
        lines.append("    weights:")
        lines += [f"      - {floats(fan_in, scale / fan_in ** 0.5)}" for _ in range(fan_out)]
        lines.append(f"    biases: {floats(fan_out, scale / fan_in ** 0.5)}")
    targets = [1 if j == 2 else 0 for j in range(sizes[-1])] if output == "softmax" else [0.9]
    lines += [f"targets: {targets}", f"loss: {loss}", "learning_rate: 0.1", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def mid(folder: Path) -> Path:
    """64-32-10: 2,080 + 330 = 2,410 params, well over the summary threshold."""
    path = folder / "mid.yaml"
    path.write_text(layered([64, 32, 10], seed=3), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def deep(folder: Path) -> Path:
    """Nine 8-wide tanh layers and a sigmoid output: 8^8 = 16,777,216 paths from a first-layer
    weight to the loss. tanh (f′ up to 1, where σ′ is at most ¼) keeps that gradient far from
    rounding noise, so a finite difference can check it."""
    path = folder / "deep.yaml"
    path.write_text(layered([8] * 10 + [1], seed=5, scale=2.0, hidden="tanh", output="sigmoid",
                            loss="mse"), encoding="utf-8")
    return path


def _section(text: str, title: str) -> list[str]:
    """The lines of the table titled `title`, title and header rule excluded, up to a blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    body = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        body.append(line)
    rule = next(i for i, line in enumerate(body) if line.startswith("─"))
    return body[rule + 1:]


def test_a_large_network_is_summarised_layer_by_layer(mid: Path) -> None:
    result = invoke("step", str(mid))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Summarised: 2,410 params and 42 nodes" in out
    assert "--all" in out and "--param" in out  # how to see everything
    rows = {line.split()[0]: line for line in _section(out, "Backward pass: ∂L/∂p by layer")}
    assert set(rows) == {"1", "2"}
    assert "2,048 + 32" in rows["1"] and "320 + 10" in rows["2"]
    forward = {line.split()[0]: line.split()[1] for line in _section(out, "Forward pass")}
    assert forward == {"1": "32", "2": "10"}
    # no table lists every param: the largest few per layer only
    listed = re.findall(r"^∂L/∂([wb]\d+_\S+)", out, flags=re.M)
    assert 0 < len(listed) <= 2 * 3
    assert len(out.splitlines()) < 80


def test_the_largest_gradients_are_the_largest(mid: Path) -> None:
    trace = step(load(mid))
    result = invoke("step", str(mid))
    listed = re.findall(r"^∂L/∂(w1_\S+|b1_\S+)", result.stdout, flags=re.M)
    first = [p for p in trace.network.params if p.startswith(("w1_", "b1_"))]
    top = sorted(first, key=lambda p: abs(trace.gradients[p]), reverse=True)[:len(listed)]
    assert listed == top


def test_param_shows_exactly_the_chosen_params(mid: Path) -> None:
    result = invoke("step", str(mid), "--param", "w2_3_*", "--param", "b1_7")
    assert result.exit_code == 0, result.stderr
    chosen = {f"w2_3_{k}" for k in range(1, 33)} | {"b1_7"}
    updates = [line.split()[0] for line in _section(result.stdout, "Update: p ←")]
    assert len(updates) == len(chosen) and set(updates) == chosen
    gradients = _section(result.stdout, "Backward pass: gradients (chosen params)")
    labels = {m.group(1) for line in gradients if (m := re.match(r"∂L/∂(\w+)", line))}
    # and the δ of the node b1_7 feeds, and of the output z2_3 that the chosen w2_3_* feed
    assert labels == chosen | {"z1_7", "z2_3"}
    assert "Showing the gradients and updates of 33 of 2,410 params" in result.stdout


def test_param_on_a_small_network_keeps_its_tables() -> None:
    result = invoke("step", "--param", "w5")
    assert result.exit_code == 0, result.stderr
    assert "x1·w1 + x2·w3" in result.stdout  # the forward pass is whole
    assert [line.split()[0] for line in _section(result.stdout, "Update: p ←")] == ["w5"]
    assert "0.55 − 0.1·(-0.100)" in result.stdout


def test_all_lists_every_param(folder: Path) -> None:
    path = folder / "small_but_wide.yaml"  # 16-12-4: 256 params, summarised without --all
    path.write_text(layered([16, 12, 4], seed=7), encoding="utf-8")
    assert "Summarised: 256 params" in invoke("step", str(path)).stdout
    result = invoke("step", str(path), "--all")
    assert result.exit_code == 0, result.stderr
    assert "Summarised" not in result.stdout
    updates = [line.split()[0] for line in _section(result.stdout, "Update: p ←")]
    assert updates == list(load(path).params)


@pytest.mark.parametrize("args", [["--param", "w9_*"], ["--param", "x1"],
                                  ["--param", "w1_1_1", "--all"],
                                  ["--param", "w1_1_1", "--format", "json"]])
def test_bad_filters_exit_2(mid: Path, args: list[str]) -> None:
    result = invoke("step", str(mid), *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_json_of_a_large_network_has_every_param(mid: Path) -> None:
    result = invoke("step", str(mid), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    net = load(mid)
    assert list(report["gradients"]) == list(net.params) and len(net.params) == 2410
    assert list(report["updated"]) == list(net.params)
    values = report["samples"][0]["values"]
    assert set(values) == {*net.inputs, *(n.sum for n in net.nodes), *(n.name for n in net.nodes)}
    trace = step(net)
    assert report["gradients"] == dict(trace.gradients)  # full precision, not rounded


def test_deep_explain_counts_16777216_paths_and_matches_a_finite_difference(deep: Path) -> None:
    result = invoke("explain", "--weight", "w1_1_1", str(deep))
    assert result.exit_code == 0, result.stderr
    assert "16,777,216" in result.stdout
    net = load(deep)
    trace = step(net)
    ex = explain(trace, "w1_1_1")
    (block,) = ex.blocks
    assert block.path_count == 8 ** 8 == 16_777_216
    assert block.paths == ()  # counted and shown in δ form, never enumerated
    # the oracle: a central difference of the loss itself
    g = trace.gradients["w1_1_1"]
    assert abs(g) > 1e-5
    assert g == pytest.approx(finite_difference(net, "w1_1_1"), rel=1e-6)
