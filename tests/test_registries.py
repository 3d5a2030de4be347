"""Every activation and loss in the registries: its derivative against a central finite difference."""

from __future__ import annotations

import math

import pytest

from backprop.activations import ACTIVATIONS
from backprop.losses import LOSSES

H = 1e-6
POINTS = (-3.0, -0.7, -0.05, 0.05, 0.4, 2.5)  # away from relu's kink at 0

ELEMENTWISE = [a for a in ACTIVATIONS.values() if a.elementwise]


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
@pytest.mark.parametrize("z", POINTS)
def test_activation_derivative_is_the_finite_difference(act, z: float) -> None:
    numeric = (act.f(z + H) - act.f(z - H)) / (2 * H)
    assert act.derivative(z, act.f(z)) == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("slope", [0.0, 0.2, 1.0])
def test_leaky_relu_slope(slope: float) -> None:
    act = ACTIVATIONS["leaky_relu"].with_slope(slope)
    assert act.f(-2.0) == -2.0 * slope
    assert act.derivative(-2.0, act.f(-2.0)) == slope
    assert act.derivative(0.0, 0.0) == slope  # from the left at exactly 0, as PyTorch


def test_relu_at_zero_is_zero_like_pytorch() -> None:
    relu = ACTIVATIONS["relu"]
    assert relu.derivative(0.0, 0.0) == 0.0


@pytest.mark.parametrize("z, expected", [(1000.0, 1.0), (-1000.0, 0.0), (0.0, 0.5)])
def test_sigmoid_never_overflows(z: float, expected: float) -> None:
    assert ACTIVATIONS["sigmoid"].f(z) == expected


def test_softplus_is_exact_far_out() -> None:
    f = ACTIVATIONS["softplus"].f
    assert f(1000.0) == 1000.0
    assert f(-1000.0) == 0.0
    assert f(0.0) == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize("loss", LOSSES.values(), ids=lambda x: x.kind)
@pytest.mark.parametrize("o, t", [(0.3, 1.0), (0.8, 0.0), (0.45, 0.6), (0.9, 0.9)])
def test_loss_derivative_is_the_finite_difference(loss, o: float, t: float) -> None:
    numeric = (loss.element(o + H, t) - loss.element(o - H, t)) / (2 * H)
    assert loss.derivative(o, t) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_rule_templates_name_their_slots() -> None:
    for act in ACTIVATIONS.values():
        assert act.rule.format(z="z") and act.derivative_rule.format(z="z", h="h", slope="a", h_j="hj")
    for loss in LOSSES.values():
        assert "{o}" in loss.rule and "{t}" in loss.derivative_rule
