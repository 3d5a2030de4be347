"""Numbers at the extremes stay true: each expected value is derived by hand in the test.

The derivations use two float64 facts: the smallest positive float64 is about 4.9e-324, so
e^-1000 (about 10^-434) is exactly 0.0; and a number x absorbs any addend below half an ulp of
x (ulp(40) = 2^-47 ≈ 7.1e-15, so 40 + 4.2e-18 is exactly 40.0).
"""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.errors import NumericError


def one_node(activation: str, *, x: float, w: float, target: float, loss: str,
             eta: float = 0.1) -> str:
    """y = activation(w·x): one input, one weight, one output."""
    return (f"inputs: {{x: {x!r}}}\nparams: {{w: {w!r}}}\nnodes:\n"
            f"  y: {{sum: z, from: {{x: w}}, activation: {activation}}}\n"
            f"targets: {{y: {target!r}}}\nloss: {loss}\nlearning_rate: {eta!r}\n")


def report(text: str, tmp_path) -> dict:
    """The CLI's JSON report of `text`, parsed strictly: NaN or Infinity would fail here."""
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr

    def refuse(constant: str) -> float:
        raise AssertionError(f"{constant} in the JSON report")

    return json.loads(result.stdout, parse_constant=refuse)


# ---------------------------------------------------------------- saturation


def test_sigmoid_of_1000_is_exactly_1_with_a_saturation_note(tmp_path) -> None:
    # σ(1000) = 1/(1 + e^-1000) = 1/(1 + 0.0) = 1 exactly; σ′ = σ(1 − σ) = 0, so ∂L/∂w = 0.
    # With t = 1 (mse over one element): L = (1 − 1)² = 0.
    trace = step(load("sat", text=one_node("sigmoid", x=1.0, w=1000.0, target=1.0, loss="mse")))
    s = trace.samples[0]
    assert s.values["z"] == 1000.0
    assert s.values["y"] == 1.0
    assert s.local["y"] == 0.0
    assert trace.loss == 0.0
    assert trace.gradients["w"] == 0.0
    assert any("saturated" in n and "sigmoid(1000) = 1" in n for n in trace.notes)
    assert report(one_node("sigmoid", x=1.0, w=1000.0, target=1.0, loss="mse"), tmp_path)["notes"]


def test_sigmoid_of_minus_1000_is_exactly_0_without_overflow() -> None:
    # Written naively 1/(1 + e^1000) overflows; the stable form gives e^-1000/(1 + e^-1000) = 0.
    trace = step(load("sat", text=one_node("sigmoid", x=1.0, w=-1000.0, target=0.0, loss="mse")))
    assert trace.samples[0].values["y"] == 0.0
    assert trace.loss == 0.0
    assert any("sigmoid(-1000) = 0" in n for n in trace.notes)


def test_softplus_of_1000_is_1000() -> None:
    # softplus(z) = ln(1 + e^z) = z + ln(1 + e^-z) = 1000 + ln(1 + 0.0) = 1000 exactly
    # (ln(1 + e^1000) written naively overflows). softplus′(z) = σ(z) = 1.
    # t = 999, half_sse: L = ½(999 − 1000)² = 0.5; ∂L/∂y = −(t − y) = 1; ∂L/∂w = 1·1·x = 1.
    trace = step(load("sp", text=one_node("softplus", x=1.0, w=1000.0, target=999.0,
                                          loss="half_sse")))
    assert trace.samples[0].values["y"] == 1000.0
    assert trace.samples[0].local["y"] == 1.0
    assert trace.loss == 0.5
    assert trace.gradients["w"] == 1.0
    assert trace.updated["w"] == 1000.0 - 0.1 * 1.0


def test_bce_of_a_sigmoid_output_at_z_40_with_target_0_is_exactly_40(tmp_path) -> None:
    # L = −ln(1 − σ(40)) = ln(1 + e^40) = 40 + ln(1 + e^-40); e^-40 ≈ 4.2e-18 is below half an
    # ulp of 40, so L = 40.0 exactly. (σ(40) itself rounds to 1.0, so the unfused ln(1 − σ) would
    # be ln 0 = −∞.) Fused: ∂L/∂z = σ(z) − t = 1 − 0 = 1, ∂L/∂w = 1·x = 1, w ← 40 − 0.1·1 = 39.9,
    # and L_new = ln(1 + e^39.9) = 39.9 by the same argument.
    text = one_node("sigmoid", x=1.0, w=40.0, target=0.0, loss="bce")
    trace = step(load("bce", text=text))
    assert trace.samples[0].values["y"] == 1.0
    assert trace.loss == 40.0
    assert trace.samples[0].delta["y"] == 1.0
    assert trace.gradients["w"] == 1.0
    assert trace.updated["w"] == 40.0 - 0.1
    assert trace.loss_new == 40.0 - 0.1
    body = report(text, tmp_path)
    assert body["loss"]["value"] == 40.0
    assert body["gradients"] == {"w": 1.0}


def test_bce_of_a_sigmoid_output_at_z_minus_1000_with_target_1_is_exactly_1000() -> None:
    # L = −ln σ(−1000) = ln(1 + e^1000) = 1000 + ln(1 + e^-1000) = 1000; ∂L/∂z = σ(z) − t = −1
    trace = step(load("bce", text=one_node("sigmoid", x=1.0, w=-1000.0, target=1.0, loss="bce")))
    assert trace.loss == 1000.0
    assert trace.gradients["w"] == -1.0


SOFTMAX = """inputs: {x: 1}
params: {a: 1000, b: 0}
nodes:
  p: {sum: z1, from: {x: a}, activation: softmax}
  q: {sum: z2, from: {x: b}, activation: softmax}
targets: {p: 0, q: 1}
loss: cross_entropy
learning_rate: 0.1
"""


def test_cross_entropy_of_logits_1000_and_0_with_target_on_the_second_is_exactly_1000(tmp_path) -> None:
    # L = −ln softmax(z)₂ = logsumexp(z) − z₂ = 1000 + ln(1 + e^-1000) − 0 = 1000 exactly
    # (e^1000 in the naive Σ eᶻ would overflow). softmax = (1/(1 + e^-1000), e^-1000/(…)) = (1, 0).
    # δ_k = p_k − t_k: δ₁ = 1 − 0 = 1, δ₂ = 0 − 1 = −1; ∂L/∂a = δ₁·x = 1, ∂L/∂b = δ₂·x = −1.
    trace = step(load("ce", text=SOFTMAX))
    s = trace.samples[0]
    assert (s.values["p"], s.values["q"]) == (1.0, 0.0)
    assert trace.loss == 1000.0
    assert (s.delta["p"], s.delta["q"]) == (1.0, -1.0)
    assert dict(trace.gradients) == {"a": 1.0, "b": -1.0}
    # after the step: logits (999.9, 0.1), L_new = 999.9 + ln(1 + e^-999.8) − 0.1 = 999.8
    assert trace.loss_new == pytest.approx(999.8, rel=1e-15)
    assert report(SOFTMAX, tmp_path)["loss"]["value"] == 1000.0


def test_relu_at_exactly_0_has_derivative_0_and_says_so() -> None:
    # z = w·x = 0·1 = 0; relu′(0) is taken from the left: 0, as in PyTorch. So ∂L/∂w = 0 although
    # y = 0 misses t = 1 (half_sse: L = ½(1 − 0)² = 0.5, ∂L/∂y = −1, ∂y/∂z = 0).
    trace = step(load("relu", text=one_node("relu", x=1.0, w=0.0, target=1.0, loss="half_sse")))
    assert trace.samples[0].values["z"] == 0.0
    assert trace.samples[0].local["y"] == 0.0
    assert trace.loss == 0.5
    assert trace.gradients["w"] == 0.0
    assert any("z = 0 exactly" in n and "PyTorch" in n for n in trace.notes)


def test_leaky_relu_at_exactly_0_has_derivative_slope() -> None:
    # leaky′(0) from the left is the slope, 0.2: ∂L/∂w = ∂L/∂y · 0.2 · x = (−1)(0.2)(1) = −0.2
    text = one_node("{name: leaky_relu, slope: 0.2}", x=1.0, w=0.0, target=1.0, loss="half_sse")
    trace = step(load("leaky", text=text))
    assert trace.samples[0].local["y"] == 0.2
    assert trace.gradients["w"] == -0.2


# ---------------------------------------------------------------- overflow is an error, never an inf


def cli_error(text: str, tmp_path, *args: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path), *args])
    assert result.exit_code == 2, (result.stdout[:200], result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert "inf" not in result.stdout
    return result.stderr


@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_a_weighted_sum_past_float64_names_the_node(tmp_path, fmt: list[str]) -> None:
    # z = 1e200 · 1e200 = 1e400 > 1.8e308: not a float64
    text = one_node("identity", x=1e200, w=1e200, target=1.0, loss="mse")
    with pytest.raises(NumericError, match="z = inf overflowed"):
        step(load("o", text=text))
    err = cli_error(text, tmp_path, *fmt)
    assert "nodes.y: z = inf overflowed: the weighted sum into 'y'" in err


@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_a_loss_term_past_float64_names_the_output(tmp_path, fmt: list[str]) -> None:
    # y = 1e100·1e100 = 1e200 is finite, but (t − y)² = 1e400 is not
    text = one_node("identity", x=1e100, w=1e100, target=1.0, loss="mse")
    assert "the loss term of 'y' overflowed" in cli_error(text, tmp_path, *fmt)


@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_a_gradient_past_float64_is_an_error(tmp_path, fmt: list[str]) -> None:
    # y = 1e154, mse: L = 1e308 (finite), ∂L/∂y = −2(0 − 1e154) = 2e154, ∂L/∂w = 2e154·1e154 = 2e308
    text = one_node("identity", x=1e154, w=1.0, target=0.0, loss="mse")
    assert "∂L/∂w = inf overflowed" in cli_error(text, tmp_path, *fmt)


@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_an_update_past_float64_is_an_error(tmp_path, fmt: list[str]) -> None:
    # ∂L/∂w = 2·1e10·1e10 = 2e20 (mse, y = 1e10, t = 0); w − η·g = 1 − 1e300·2e20 = −2e320
    text = one_node("identity", x=1e10, w=1.0, target=0.0, loss="mse", eta=1e300)
    assert "the updated w = w − η·∂L/∂w = 1 − 1e+300·2e+20 overflowed" in cli_error(text, tmp_path, *fmt)


@pytest.mark.parametrize("fmt", [[], ["--format", "json"]])
def test_the_loss_after_the_update_past_float64_is_an_error(tmp_path, fmt: list[str]) -> None:
    # half_sse: y = 1e100·1e-100 = 1, t = 0: ∂L/∂w = 1·x = 1e100, w ← 1e-100 − 0.1·1e100 = −1e99;
    # after it y = −1e199 and ½y² = 5e397: the step is fine, L_new is not a float64
    text = one_node("identity", x=1e100, w=1e-100, target=0.0, loss="half_sse")
    with pytest.raises(NumericError, match="after the update"):
        step(load("o", text=text))
    assert "after the update: the loss term of 'y' overflowed" in cli_error(text, tmp_path, *fmt)


def test_tiny_numbers_are_kept_not_flushed() -> None:
    # 5e-324 is the smallest subnormal: z = 5e-324·1, half_sse with t = 0: ∂L/∂w = y·x = 5e-324²
    # = 0 (underflow is exact rounding, not an error)
    trace = step(load("tiny", text=one_node("identity", x=5e-324, w=1.0, target=0.0,
                                            loss="half_sse")))
    assert trace.samples[0].values["y"] == 5e-324
    assert trace.gradients["w"] == 0.0
    assert math.isfinite(trace.loss_new)


def test_a_huge_but_finite_weight_runs_in_json(tmp_path) -> None:
    # w = 1e300, x = 1e-300: z = 1 exactly as far as float64 goes, nothing overflows
    text = one_node("sigmoid", x=1e-300, w=1e300, target=1.0, loss="mse")
    assert report(text, tmp_path)["updated"]["w"] == pytest.approx(1e300)


def table(text: str, tmp_path) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0
    return result.stdout


def test_a_huge_but_finite_weight_prints_in_the_table(tmp_path) -> None:
    assert "1e+30" in table(one_node("sigmoid", x=1e-30, w=1e30, target=1.0, loss="mse"), tmp_path)


def test_a_diverging_step_prints_its_loss_after_the_update(tmp_path) -> None:
    # a learning rate far too large for these inputs: the weights jump, and L_new is ~1e29
    text = ("inputs: [339.0, 0]\nlayers:\n  - weights: [[1, 0], [0, 0]]\n"
            "  - weights: [[0, 0], [1.0, 0]]\ntargets: [0, 0]\nloss: mse\nlearning_rate: 1.0\n")
    trace = step(load("diverging", text=text))
    assert 1e25 < trace.loss_new < 1e308
    assert "after it" in table(text, tmp_path)
