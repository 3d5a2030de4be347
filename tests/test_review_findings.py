"""Cases a review of the code turned up; each number here is derived by hand in the test."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.notation import fmt
from conftest import NETWORKS, ROOT

SATURATED = """
inputs: {x: 40}
params: {w: 1}
nodes:
  y: {from: {x: w}, activation: sigmoid}
targets: {y: 0}
loss: bce
learning_rate: 0.1
"""


def invoke(*args: str):
    return CliRunner(env={"COLUMNS": "100"}).invoke(cli, list(args))


def test_an_exact_tie_rounds_half_up_like_a_textbook() -> None:
    assert fmt(0.0625) == "0.063"  # 0.0625 is exact in binary: a true tie
    assert fmt(2.675, 2) == "2.67"  # stored as 2.67499999…: not a tie
    assert fmt(-0.709) == "-0.709"


def test_saturated_sigmoid_under_bce_explains_without_nan(tmp_path) -> None:
    # L = −ln(1 − σ(40)) = softplus(40) = 40 + ln(1 + e^−40); ∂L/∂w = (σ(40) − 0)·x = 40 (to 1e-17)
    net = tmp_path / "sat.yaml"
    net.write_text(SATURATED, encoding="utf-8")
    trace = step(load(net))
    assert trace.gradients["w"] == 40.0
    result = invoke("explain", "--weight", "w", str(net))
    assert result.exit_code == 0, result.stderr
    assert "nan" not in result.stdout
    assert "= 40.000" in result.stdout


def test_saturated_truth_in_check_is_no_traceback(tmp_path) -> None:
    net = tmp_path / "sat.yaml"
    net.write_text(SATURATED, encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("dL/dy: 5\ndL/dw: 40.0\n", encoding="utf-8")
    result = invoke("check", str(net), str(answers), "--format", "json")
    assert result.exit_code == 1  # ∂L/∂y = 1/(1 − σ(40)) is not 5
    report = json.loads(result.stdout)
    verdicts = {r["quantity"]: r for r in report["results"]}
    assert verdicts["dL/dw"]["verdict"] == "correct"
    assert verdicts["dL/dy"]["verdict"] == "wrong"


def test_sigma_prime_keeps_its_digits_near_saturation(tmp_path) -> None:
    # σ′(35) = e^−35/(1 + e^−35)² = 6.305e-16; h(1 − h) from a rounded h gives 6.66e-16
    net = tmp_path / "s.yaml"
    net.write_text(SATURATED.replace("x: 40", "x: 35").replace("bce", "mse"), encoding="utf-8")
    local = step(load(net)).samples[0].local["y"]
    expected = math.exp(-35) / (1 + math.exp(-35)) ** 2
    assert local == pytest.approx(expected, rel=1e-12)


def test_softmax_delta_rows_in_the_delta_form_are_true() -> None:
    # for a softmax node δ_j = h_j(∂L/∂h_j − Σ_k h_k ∂L/∂h_k); the row's value is the trace's δ
    trace = step(load(NETWORKS / "softmax-classifier.yaml"))
    from backprop.explain import _deltas
    from backprop.factors import graph

    s = trace.samples[0]
    rows = _deltas(trace, graph(trace), s, "a1")
    softmax = [r for r in rows if r.group]
    assert softmax
    for row in softmax:
        h_j = s.values[row.node]
        g = {name: grad for name, _, grad in row.group}
        mean = sum(h * g[name] for name, h, _ in row.group)
        assert h_j * (g[row.node] - mean) == pytest.approx(row.value, rel=1e-12, abs=1e-15)


def test_a_later_answer_must_follow_from_every_earlier_one(tmp_path) -> None:
    # dL/dy_hat has its sign flipped, but the student's dL/dw5 = −0.0998 is right, so their
    # w5_new = 0.540 does not follow from it (0.55 − 0.1·(−0.0998) = 0.560): a sign slip
    answers = tmp_path / "a.yaml"
    answers.write_text("dL/dy_hat: 0.709\ndL/dw5: -0.0998\nw5_new: 0.540\n", encoding="utf-8")
    result = invoke("check", "walkthrough", str(answers), "--format", "json")
    verdicts = {r["quantity"]: r for r in json.loads(result.stdout)["results"]}
    assert verdicts["dL/dw5"]["verdict"] == "correct"
    assert verdicts["w5_new"]["verdict"] == "wrong"
    assert verdicts["w5_new"]["mistake"] == "sign"


def test_more_digits_than_a_float_holds_are_still_correct(tmp_path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("z1: 0.4700000000000000000001\n", encoding="utf-8")  # z1 = 0.5·0.7 + 0.3·0.4
    result = invoke("check", "walkthrough", str(answers), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["verdict"] == "correct"


def test_csv_on_an_ascii_stdout_is_no_traceback() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-m", "backprop", "check", "walkthrough",
                           str(NETWORKS / "walkthrough.answers.yaml"), "--format", "csv"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "dL/dw5" in proc.stdout and "learning_rate_applied" in proc.stdout
