"""The activation registry: each function beside its derivative, its rule texts, its range and,
for a group-coupled activation, the group's forward and backward."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple, Protocol

from backprop.record import record

Scalar = Callable[[float], float]
Derivative = Callable[[float, float], float]  # (z, h) -> dh/dz

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


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


def _phi_cdf(z: float) -> float:
    # Φ(z) = ½(1 + erf(z/√2)) = ½·erfc(−z/√2): erfc keeps Φ's small left tail (Φ(−30) ≈ 5e-198)
    return 0.5 * math.erfc(-z / _SQRT2)


def _gelu(z: float) -> float:
    # GELU, erf form (PyTorch's default nn.GELU()): z·Φ(z)
    return z * _phi_cdf(z)


def _gelu_prime(z: float, h: float) -> float:
    # d/dz z·Φ(z) = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π)
    return _phi_cdf(z) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


def _silu(z: float) -> float:
    # SiLU / swish: z·σ(z)
    return z * _sigmoid(z)


def _silu_prime(z: float, h: float) -> float:
    # d/dz z·σ(z) = σ(z) + z·σ(z)(1 − σ(z)) = σ(z)(1 + z·σ(−z)), with 1 − σ(z) = σ(−z) from z
    return _sigmoid(z) * (1.0 + z * _sigmoid(-z))


def _unused(z: float) -> float:  # pragma: no cover - softmax is computed per group by the engine
    raise AssertionError("softmax is not elementwise")


class GroupState(NamedTuple):
    """One group's forward pass, as its backward pass needs it (positions are within the group)."""

    m: float  #: max z over the group
    tail: float  #: ln(1 + Σ_{j≠top} e^(z_j − m)), so log Σ eᶻ = m + tail
    top: int  #: position of the first largest member
    rest: float  #: Σ_{j≠top} h_j: 1 − h_top without cancellation where h_top → 1


class GroupRule(Protocol):
    """The group forward/backward hook of a group-coupled activation, which engine, factors and
    the renderers call; `Softmax` is the one there is. Positions i, j are within the group."""

    @property
    def diagonal_rule(self) -> str: ...  # ∂h_k/∂z_k as printed, slot {h}
    @property
    def cross_rule(self) -> str: ...  # ∂h_k/∂z_j, j ≠ k, as printed, slots {hk}, {hj}
    @property
    def latex_diagonal_rule(self) -> str: ...
    @property
    def latex_cross_rule(self) -> str: ...

    def forward(self, zs: Sequence[float]) -> tuple[list[float], GroupState]: ...
    def log_value(self, st: GroupState, z: float) -> float: ...
    def gap(self, st: GroupState, i: int, h: float, t: float) -> float: ...
    def mass_gaps(self, st: GroupState, hs: Sequence[float], ts: Sequence[float]
                  ) -> list[float]: ...
    def jacobian(self, st: GroupState | None, hs: Sequence[float], i: int, j: int) -> float: ...
    def backward(self, st: GroupState | None, hs: Sequence[float], gs: Sequence[float]
                 ) -> list[float]: ...
    def forward_text(self, z: str, group: Sequence[str]) -> str: ...
    def delta_text(self, h: str, loss: str, group: Sequence[str]) -> str: ...
    def delta_numbers(self, h: str, g: str, pairs: Sequence[tuple[str, str]]) -> str: ...


class Softmax:
    """softmax's group rule: h_k = e^z_k / Σ_j e^z_j, ∂h_k/∂z_j = h_k(1[k=j] − h_j).

    Every form keeps the digits of a member saturated towards 1: 1 − h_top is Σ_{j≠top} h_j, a
    sum of the small members, never the difference of two numbers near 1. A plain class with no
    state, not a dataclass: a frozen slotted dataclass costs ~1.5 ms of start-up to define.
    """

    __slots__ = ()
    diagonal_rule = "{h}(1 − {h})"  #: ∂h_k/∂z_k as printed
    cross_rule = "−{hk}·{hj}"  #: ∂h_k/∂z_j, j ≠ k, as printed
    latex_diagonal_rule = "{h}(1 - {h})"
    latex_cross_rule = "-{hk} {hj}"

    def forward(self, zs: Sequence[float]) -> tuple[list[float], GroupState]:
        # h_j = e^(z_j − m) / Σ e^(z − m), m = max z, so no exponent overflows
        m = max(zs)
        exps = [math.exp(z - m) for z in zs]
        total = sum(exps)
        hs = [e / total for e in exps]
        top = exps.index(1.0)
        # log Σ eᶻ = m + ln(1 + Σ_{j≠top} e^(z_j − m)): kept apart, so that log Σ eᶻ − z_top keeps
        # a small sum that m + ln Σ would round away
        tail = math.log1p(math.fsum(e for i, e in enumerate(exps) if i != top))
        return hs, GroupState(m, tail, top, math.fsum(h for i, h in enumerate(hs) if i != top))

    def log_value(self, st: GroupState, z: float) -> float:
        """ln h_k = z_k − log Σ eᶻ = −((m − z_k) + tail)."""
        return -((st.m - z) + st.tail)

    def gap(self, st: GroupState, i: int, h: float, t: float) -> float:
        """h_i − t, with 1 − h_top = Σ_{j≠top} h_j for the largest member."""
        return (1.0 - t) - st.rest if i == st.top else h - t

    def mass_gaps(self, st: GroupState, hs: Sequence[float], ts: Sequence[float]) -> list[float]:
        """h_j·Σt − t_j for every member (∂/∂z_j of −Σ t·ln h), without cancellation.

        For the largest member, h_top = 1 − Σ_{j≠top} h_j and Σt − t_top = Σ_{j≠top} t_j, so
        h_top·Σt − t_top = Σ_{j≠top} t_j − Σt·Σ_{j≠top} h_j: with one-hot t at top and h_top → 1
        it is −Σ_{j≠top} h_j, where h_top − 1 would round to 0.
        """
        mass = math.fsum(ts)
        rest_t = math.fsum(t for i, t in enumerate(ts) if i != st.top)
        return [rest_t - mass * st.rest if i == st.top else h * mass - t
                for i, (h, t) in enumerate(zip(hs, ts, strict=True))]

    def diagonal(self, st: GroupState, i: int, h: float) -> float:
        """∂h_i/∂z_i = h_i(1 − h_i)."""
        return h * (st.rest if i == st.top else 1.0 - h)

    def jacobian(self, st: GroupState | None, hs: Sequence[float], i: int, j: int) -> float:
        """∂h_i/∂z_j = h_i(1[i=j] − h_j); st None: the h as given, which need not sum to 1."""
        if i == j:
            return hs[i] * (1.0 - hs[i]) if st is None else self.diagonal(st, i, hs[i])
        return hs[i] * -hs[j]

    def backward(self, st: GroupState | None, hs: Sequence[float], gs: Sequence[float]
                 ) -> list[float]:
        """δ_j = Σ_k g_k·∂h_k/∂z_j = h_j(g_j − Σ_k g_k h_k), g_k = ∂L/∂h_k.

        Σh = 1, so with d = top and c = Σ_{k≠d} h_k(g_k − g_d): Σ_k g_k h_k = g_d + c and
        g_j − Σ_k g_k h_k = (g_j − g_d) − c. Where h_d → 1, g_d − Σ g_k h_k is −c, a sum of small
        terms; subtracting the rounded mean from g_d would cancel to 0 or flip the sign.
        st None: the h as given (a student's, which need not sum to 1), the product as written.
        """
        if st is None:
            mean = sum(g * h for g, h in zip(gs, hs, strict=True))
            return [h * (g - mean) for g, h in zip(gs, hs, strict=True)]
        gd = gs[st.top]
        c = math.fsum(h * (g - gd) for i, (g, h) in enumerate(zip(gs, hs, strict=True))
                      if i != st.top)
        return [h * ((g - gd) - c) for g, h in zip(gs, hs, strict=True)]

    def forward_text(self, z: str, group: Sequence[str]) -> str:
        """h_k's rule with a small group written out: e^z_k / (e^z_1 + …); a large one is
        worded by the entry's rule, e^z_k / Σ e^z."""
        return f"e^{z} / (" + " + ".join(f"e^{g}" for g in group) + ")"

    def delta_text(self, h: str, loss: str, group: Sequence[str]) -> str:
        """δ_j as printed by the δ recursion."""
        return f"{h}·(∂{loss}/∂{h} − Σ_k h_k·∂{loss}/∂h_k), k over " + ", ".join(group)

    def delta_numbers(self, h: str, g: str, pairs: Sequence[tuple[str, str]]) -> str:
        """δ_j with numbers: h_j·(g_j − (h_1·g_1 + …)), each number already printed."""
        return f"{h}·({g} − (" + " + ".join(f"{hk}·{gk}" for hk, gk in pairs) + "))"


@record
class Activation:
    """One activation h = f(z) and its local derivative ∂h/∂z, with the rules as printed.

    Rule templates name their arguments ``{z}`` and ``{h}`` (and ``{slope}``); the renderer fills
    them with the file's names or with numbers. The LaTeX texts use the same slots.
    """

    name: str  #: registry name, e.g. "sigmoid"
    f: Scalar  #: h = f(z); unused for softmax, whose group rule normalises per group
    derivative: Derivative  #: ∂h/∂z from (z, h); for softmax the diagonal h(1 − h)
    rule: str  #: e.g. "σ({z})"
    derivative_rule: str  #: e.g. "{h}(1 − {h})"
    latex_rule: str  #: e.g. r"\sigma({z})"
    latex_derivative_rule: str  #: e.g. "{h}(1 - {h})"
    range: tuple[float, float]  #: (lo, hi) with lo ≤ f(z) ≤ hi for every z: (0, 1) for σ (whose
    #: float64 values reach the bounds); what a loss that needs probabilities checks
    by_rule: Derivative | None = None  #: the printed rule as written in h, where it differs from
    #: `derivative` only in how it is computed (h(1 − h) for σ): what a hand calculation does
    gap: Derivative | None = None  #: f(z) − t from (z, t) without cancellation where f(z)
    #: rounds to a bound it nears (σ(40) = 1.0); None where f(z) − t loses nothing
    log_f: Scalar | None = None  #: ln f(z) from z, where ln of the rounded f would lose it
    saturated: Callable[[float], bool] | None = None  #: h sits on a bound of `range` in float64
    kink: float | None = None  #: the z where f′ jumps; f′ there is taken from the left
    identity: bool = False  #: h is z: no activation row, no f′ to get wrong
    slope: float | None = None  #: leaky_relu's slope for z ≤ 0; None: takes no slope
    group: str | None = None  #: the group's name, for a group-coupled activation
    coupled: GroupRule | None = None  #: the group rule of a group-coupled activation

    @property
    def elementwise(self) -> bool:
        """h depends on its own z only (False for softmax, whose Jacobian couples its group)."""
        return self.coupled is None

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
    latex_rule=r"\operatorname{{leaky\_relu}}({z})",
    latex_derivative_rule=r"\begin{{cases}} 1 & {z} > 0 \\ {slope} & \text{{else}} \end{{cases}}",
    range=(-math.inf, math.inf),
    kink=0.0,
    slope=0.01,
)

_INF = math.inf

ACTIVATIONS: Mapping[str, Activation] = {
    "identity": Activation("identity", f=lambda z: z, derivative=lambda z, h: 1.0,
                           rule="{z}", derivative_rule="1", latex_rule="{z}",
                           latex_derivative_rule="1", range=(-_INF, _INF), identity=True),
    "sigmoid": Activation("sigmoid", f=_sigmoid, derivative=_sigmoid_prime,
                          by_rule=lambda z, h: h * (1.0 - h), gap=_sigmoid_gap,
                          log_f=lambda z: -_softplus(-z),  # ln σ(z) = −ln(1 + e⁻ᶻ)
                          saturated=lambda h: h in (0.0, 1.0),
                          rule="σ({z})", derivative_rule="{h}(1 − {h})",
                          latex_rule=r"\sigma({z})", latex_derivative_rule="{h}(1 - {h})",
                          range=(0.0, 1.0)),
    "tanh": Activation("tanh", f=math.tanh, derivative=_tanh_prime,
                       by_rule=lambda z, h: 1.0 - h * h, gap=_tanh_gap,
                       saturated=lambda h: abs(h) == 1.0,
                       rule="tanh({z})", derivative_rule="1 − {h}²",
                       latex_rule=r"\tanh({z})", latex_derivative_rule="1 - {h}^2",
                       range=(-1.0, 1.0)),
    "relu": Activation("relu", f=_relu, derivative=_step, kink=0.0,
                       rule="max(0, {z})", derivative_rule="1 if {z} > 0 else 0",
                       latex_rule=r"\max(0, {z})",
                       latex_derivative_rule=r"\begin{{cases}} 1 & {z} > 0 \\ 0 & \text{{else}} "
                                             r"\end{{cases}}",
                       range=(0.0, _INF)),
    "leaky_relu": _LEAKY,
    # softplus′(z) = σ(z)
    "softplus": Activation("softplus", f=_softplus, derivative=lambda z, h: _sigmoid(z),
                           rule="ln(1 + e^{z})", derivative_rule="σ({z})",
                           latex_rule=r"\ln(1 + e^{{{z}}})", latex_derivative_rule=r"\sigma({z})",
                           range=(0.0, _INF)),
    # GELU in its erf form, PyTorch's default nn.GELU(): z·Φ(z), Φ the standard normal CDF;
    # its minimum is ≈ −0.17 at z ≈ −0.75
    "gelu": Activation("gelu", f=_gelu, derivative=_gelu_prime,
                       rule="{z}·Φ({z})", derivative_rule="Φ({z}) + {z}·φ({z})",
                       latex_rule=r"{z}\,\Phi({z})", latex_derivative_rule=r"\Phi({z}) + {z}\,\phi({z})",
                       range=(-0.17, _INF)),
    # SiLU (swish with β = 1): z·σ(z); its minimum is ≈ −0.278 at z ≈ −1.28
    "silu": Activation("silu", f=_silu, derivative=_silu_prime,
                       rule="{z}·σ({z})", derivative_rule="σ({z})(1 + {z}(1 − σ({z})))",
                       latex_rule=r"{z}\,\sigma({z})",
                       latex_derivative_rule=r"\sigma({z})(1 + {z}(1 - \sigma({z})))",
                       range=(-0.279, _INF)),
    # softmax: ∂h_k/∂z_j = h_k(1[k = j] − h_j); its group rule computes the whole group
    "softmax": Activation("softmax", f=_unused, derivative=lambda z, h: h * (1.0 - h),
                          rule="e^{z} / Σ e^z", derivative_rule="{h}(1[k=j] − {h_j})",
                          latex_rule=r"e^{{{z}}} / \sum e^{{z}}",
                          latex_derivative_rule=r"{h}(\mathbb{{1}}[k=j] - {h_j})",
                          range=(0.0, 1.0), coupled=Softmax()),
}

ALIASES: Mapping[str, str] = {"linear": "identity", "logistic": "sigmoid", "swish": "silu"}

DEFAULT = "identity"  #: a node's activation when its file names none
