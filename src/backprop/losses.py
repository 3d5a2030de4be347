"""The loss registry: each per-element loss beside its derivative and the rule text the tables print."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Element = Callable[[float, float], float]  # (o, t) -> e or ∂e/∂o


def _bce(o: float, t: float) -> float:
    # −[t·ln o + (1 − t)·ln(1 − o)]; a term whose weight is 0 is 0 even where its log is −∞
    e = 0.0
    if t != 0.0:
        e -= t * math.log(o)
    if t != 1.0:
        e -= (1.0 - t) * math.log1p(-o)
    return e


def _bce_derivative(o: float, t: float) -> float:
    # ∂/∂o of −[t ln o + (1 − t) ln(1 − o)] = (o − t) / (o(1 − o))
    return (o - t) / (o * (1.0 - o))


def _ce(o: float, t: float) -> float:
    # −t·ln o for one output of a softmax group (the engine uses the fused log-softmax form)
    return 0.0 if t == 0.0 else -t * math.log(o)


def _ce_derivative(o: float, t: float) -> float:
    return 0.0 if t == 0.0 else -t / o


def bce_of_logit(z: float, t: float) -> float:
    """−[t·ln σ(z) + (1 − t)·ln(1 − σ(z))] from the logit z, without cancellation.

    It equals softplus(z) − t·z = max(z, 0) − t·z + ln(1 + e^−|z|); summed in that order, the
    exactly cancelling part max(z, 0) − t·z (40 − 40 at z = 40, t = 1) comes first and the
    small ln(1 + e^−40) ≈ 4.2e-18 survives, where softplus(40) − 40 rounds it away.
    """
    return (max(z, 0.0) - t * z) + math.log1p(math.exp(-abs(z)))


@dataclass(frozen=True, slots=True)
class Loss:
    """One loss kind: L = (1/D)·Σ e(o, t) over every (sample, output) element.

    D is 1 for ``reduction: sum`` and, for ``mean``, N (the number of elements) or, for
    cross-entropy, S (the number of samples). Rule templates use ``{o}`` and ``{t}``.
    """

    kind: str  #: registry name
    element: Element  #: e(o, t), one element's contribution before the reduction
    derivative: Element  #: ∂e/∂o
    default_reduction: str  #: "sum" or "mean"
    rule: str  #: e.g. "({t} − {o})²"
    derivative_rule: str  #: e.g. "−2({t} − {o})"
    gap_element: Callable[[float], float] | None = None  #: e as a function of o − t alone,
    #: so the engine can pass a gap measured without cancellation (o = σ(40) rounds to 1)
    gap_derivative: Callable[[float], float] | None = None  #: ∂e/∂o as a function of o − t
    fused_with: str | None = None  #: output activation whose δ = ∂L/∂z is taken in fused form
    per_sample_mean: bool = False  #: mean divides by S (samples), not N (elements)


LOSSES: Mapping[str, Loss] = {
    "sse": Loss("sse", element=lambda o, t: (t - o) ** 2, derivative=lambda o, t: -2.0 * (t - o),
                default_reduction="sum", rule="({t} − {o})²", derivative_rule="−2({t} − {o})",
                gap_element=lambda gap: gap ** 2, gap_derivative=lambda gap: 2.0 * gap),
    "mse": Loss("mse", element=lambda o, t: (t - o) ** 2, derivative=lambda o, t: -2.0 * (t - o),
                default_reduction="mean", rule="({t} − {o})²", derivative_rule="−2({t} − {o})",
                gap_element=lambda gap: gap ** 2, gap_derivative=lambda gap: 2.0 * gap),
    "half_sse": Loss("half_sse", element=lambda o, t: 0.5 * (t - o) ** 2,
                     derivative=lambda o, t: -(t - o), default_reduction="sum",
                     rule="½({t} − {o})²", derivative_rule="−({t} − {o})",
                     gap_element=lambda gap: 0.5 * gap ** 2, gap_derivative=lambda gap: gap),
    # with a sigmoid output, δ = ∂L/∂z = (o − t)/D and e = max(z, 0) − t·z + ln(1 + e^−|z|)
    "bce": Loss("bce", element=_bce, derivative=_bce_derivative, default_reduction="mean",
                rule="−[{t}·ln {o} + (1 − {t})·ln(1 − {o})]",
                derivative_rule="({o} − {t}) / ({o}(1 − {o}))", fused_with="sigmoid"),
    # with its softmax group, δ_j = (h_j·Σt − t_j)/D and e = t_k·(logsumexp(z) − z_k)
    "cross_entropy": Loss("cross_entropy", element=_ce, derivative=_ce_derivative,
                          default_reduction="mean", rule="−{t}·ln {o}",
                          derivative_rule="−{t} / {o}", fused_with="softmax",
                          per_sample_mean=True),
}

REDUCTIONS = ("sum", "mean")
