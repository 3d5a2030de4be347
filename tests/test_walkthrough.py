"""The bundled walkthrough against a hand calculation written out here, step by step."""

from __future__ import annotations

import math

import pytest

from backprop import load, step
from conftest import NETWORKS


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# The hand calculation (the walkthrough's page, redone without its slips):
X1, X2 = 0.5, 0.3
W1, W2, W3, W4, W5, W6 = 0.7, 0.3, 0.4, 0.6, 0.55, 0.45
Z1 = X1 * W1 + X2 * W3            # 0.5·0.7 + 0.3·0.4 = 0.470
H1 = sigma(Z1)                    # σ(0.47) = 0.615
Z2 = X1 * W2 + X2 * W4            # 0.5·0.3 + 0.3·0.6 = 0.330
H2 = sigma(Z2)                    # 0.582
Z3 = H1 * W5 + H2 * W6            # 0.600
Y = sigma(Z3)                     # 0.6457 → 0.646 (the page prints 0.645)
L = (1 - Y) ** 2                  # MSE over N = 1 element: 0.126
DL_DY = -2 * (1 - Y)              # −0.709
DY_DZ3 = Y * (1 - Y)              # 0.229
G5 = DL_DY * DY_DZ3 * H1          # −0.0998 → −0.100 (the page prints −0.01 = η·g)
G1 = DL_DY * DY_DZ3 * W5 * H1 * (1 - H1) * X1   # −0.011


@pytest.fixture(scope="module")
def trace():
    return step(load(NETWORKS / "walkthrough.yaml"))


def test_forward_values_match_the_hand_calculation(trace) -> None:
    values = trace.samples[0].values
    for name, expected, shown in [("z1", Z1, 0.470), ("h1", H1, 0.615), ("z2", Z2, 0.330),
                                  ("h2", H2, 0.582), ("z3", Z3, 0.600), ("y_hat", Y, 0.646)]:
        assert values[name] == pytest.approx(expected, rel=1e-12)
        assert round(values[name], 3) == shown


def test_loss_and_factors(trace) -> None:
    s = trace.samples[0]
    assert trace.loss == pytest.approx(L, rel=1e-12)
    assert trace.loss_sum == pytest.approx((1 - Y) ** 2, rel=1e-12)  # Σℓ: one output, one sample
    assert trace.divisor == 1 and trace.loss == trace.loss_sum / trace.divisor
    assert round(trace.loss, 3) == 0.126
    assert s.loss_factor["y_hat"] == pytest.approx(DL_DY, rel=1e-12)
    assert round(s.loss_factor["y_hat"], 3) == -0.709
    assert s.local["y_hat"] == pytest.approx(DY_DZ3, rel=1e-12)
    assert round(s.local["y_hat"], 3) == 0.229


def test_gradients_and_update(trace) -> None:
    assert trace.gradients["w5"] == pytest.approx(G5, rel=1e-12)
    assert round(trace.gradients["w5"], 3) == -0.100
    assert trace.updated["w5"] == pytest.approx(W5 - 0.1 * G5, rel=1e-12)
    assert round(trace.updated["w5"], 3) == 0.560
    assert trace.gradients["w1"] == pytest.approx(G1, rel=1e-12)
    assert round(trace.updated["w1"], 3) == 0.701


def test_format_md_report_numbers(trace) -> None:
    # FORMAT.md §3 prints these full-precision values for this network
    assert trace.loss == pytest.approx(0.12551847239835, rel=1e-12)
    assert trace.gradients["w1"] == pytest.approx(-0.0105507730202, rel=1e-10)
    assert trace.gradients["w5"] == pytest.approx(-0.0997525403151, rel=1e-11)
    assert trace.updated["w5"] == pytest.approx(0.55997525403151, rel=1e-12)


def test_the_page_slips_are_not_reproduced(trace) -> None:
    # the page's ŷ = 0.645 and ∂L/∂w5 ≈ −0.01 are not what the math gives
    assert round(trace.samples[0].values["y_hat"], 3) != 0.645
    assert round(trace.gradients["w5"], 2) != -0.01
