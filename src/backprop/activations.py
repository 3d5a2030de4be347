"""The activation registry: each function beside its derivative and the rule text the tables print."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

Scalar = Callable[[float], float]
Derivative = Callable[[float, float], float]  # (z, h) -> dh/dz


def _sigmoid(z: float) -> float:
    # σ(z) = 1/(1 + e⁻ᶻ), written so that e^|z| is never formed (no overflow at z = ±1000)
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _softplus(z: float) -> float:
    # ln(1 + eᶻ) = max(z, 0) + ln(1 + e^−|z|): exact for large |z|, softplus(1000) = 1000
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _sigmoid_prime(z: float, h: float) -> float:
    # σ′(z) = σ(z)·σ(−z): from z, so no digits are lost where h(1 − h) would round h to 1 first
    return _sigmoid(z) * _sigmoid(-z)


def _tanh_prime(z: float, h: float) -> float:
    # tanh′(z) = 1 − h² = 4u/(1 + u)² with u = e^(−2|z|): exact where h rounds to ±1
    if abs(z) < 0.5:
        return 1.0 - h * h
    u = math.exp(-2.0 * abs(z))
    return 4.0 * u / ((1.0 + u) * (1.0 + u))


def _sigmoid_gap(z: float, t: float) -> float:
    # σ(z) − t = (1 − t) − σ(−z) for z ≥ 0: where σ(z) rounds to 1 and t = 1 it is −σ(−z), not 0
    return (1.0 - t) - _sigmoid(-z) if z >= 0 else _sigmoid(z) - t


def _tanh_gap(z: float, t: float) -> float:
    # tanh z = 1 − 2σ(−2z) = −1 + 2σ(2z): measured from the bound it nears, so no digits are lost
    return (1.0 - t) - 2.0 * _sigmoid(-2.0 * z) if z >= 0 else (-1.0 - t) + 2.0 * _sigmoid(2.0 * z)


def _relu(z: float) -> float:
    return z if z > 0 else 0.0


def _step(z: float, h: float) -> float:
    # relu′ at exactly 0 is taken from the left, 0, as PyTorch does
    return 1.0 if z > 0 else 0.0


def _unused(z: float) -> float:  # pragma: no cover - softmax is computed per group by the engine
    raise AssertionError("softmax is not elementwise")


@dataclass(frozen=True, slots=True)
class Activation:
    """One activation h = f(z) and its local derivative ∂h/∂z, with the rules as printed.

    Rule templates name their arguments ``{z}`` and ``{h}`` (and ``{slope}``); the renderer fills
    them with the file's names or with numbers.
    """

    name: str  #: registry name, e.g. "sigmoid"
    f: Scalar  #: h = f(z); unused for softmax, which the engine normalises per group
    derivative: Derivative  #: ∂h/∂z from (z, h); for softmax the diagonal h(1 − h)
    rule: str  #: e.g. "σ({z})"
    derivative_rule: str  #: e.g. "{h}(1 − {h})"
    by_rule: Derivative | None = None  #: the printed rule as written in h, where it differs from
    #: `derivative` only in how it is computed (h(1 − h) for σ): what a hand calculation does
    gap: Derivative | None = None  #: f(z) − t from (z, t) without cancellation where f(z)
    #: rounds to a bound it nears (σ(40) = 1.0); None where f(z) − t loses nothing
    slope: float | None = None  #: leaky_relu's slope for z ≤ 0
    group: str | None = None  #: softmax group name
    elementwise: bool = True  #: False only for softmax, whose Jacobian couples its group

    def with_slope(self, slope: float) -> Activation:
        """leaky_relu with a given slope: f and f′ close over it."""
        return replace(
            self,
            slope=slope,
            f=lambda z: z if z > 0 else slope * z,
            derivative=lambda z, h: 1.0 if z > 0 else slope,
        )


_LEAKY = Activation(
    "leaky_relu",
    f=lambda z: z if z > 0 else 0.01 * z,
    derivative=lambda z, h: 1.0 if z > 0 else 0.01,
    rule="leaky_relu({z})",
    derivative_rule="1 if {z} > 0 else {slope}",
    slope=0.01,
)

ACTIVATIONS: Mapping[str, Activation] = {
    "identity": Activation("identity", f=lambda z: z, derivative=lambda z, h: 1.0,
                           rule="{z}", derivative_rule="1"),
    "sigmoid": Activation("sigmoid", f=_sigmoid, derivative=_sigmoid_prime,
                          by_rule=lambda z, h: h * (1.0 - h), gap=_sigmoid_gap,
                          rule="σ({z})", derivative_rule="{h}(1 − {h})"),
    "tanh": Activation("tanh", f=math.tanh, derivative=_tanh_prime,
                       by_rule=lambda z, h: 1.0 - h * h, gap=_tanh_gap,
                       rule="tanh({z})", derivative_rule="1 − {h}²"),
    "relu": Activation("relu", f=_relu, derivative=_step,
                       rule="max(0, {z})", derivative_rule="1 if {z} > 0 else 0"),
    "leaky_relu": _LEAKY,
    # softplus′(z) = σ(z)
    "softplus": Activation("softplus", f=_softplus, derivative=lambda z, h: _sigmoid(z),
                           rule="ln(1 + e^{z})", derivative_rule="σ({z})"),
    # softmax: ∂h_k/∂z_j = h_k(1[k = j] − h_j); the engine builds the whole group's Jacobian
    "softmax": Activation("softmax", f=_unused, derivative=lambda z, h: h * (1.0 - h),
                          rule="e^{z} / Σ e^z", derivative_rule="{h}(1[k=j] − {h_j})",
                          elementwise=False),
}

ALIASES: Mapping[str, str] = {"linear": "identity", "logistic": "sigmoid"}


def sigmoid_gap(z: float, t: float) -> float:
    """σ(z) − t without cancellation; shared with the fused loss forms."""
    return _sigmoid_gap(z, t)
