"""The loss registry: each per-element loss beside its derivative, its rule texts, its divisor,
the outputs and targets it accepts and its fused form with an output activation."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Literal

from backprop.activations import Activation
from backprop.record import record

Element = Callable[[float, float], float]  # (o, t) -> e or ∂e/∂o
Reduction = Literal["sum", "mean"]  #: L = Σe (sum) or L = (1/D)·Σe (mean)


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


@record
class Loss:
    """One loss kind: L = (1/D)·Σ e(o, t) over every (sample, output) element.

    D is 1 for ``reduction: sum`` and, for ``mean``, N (the number of elements) or, for
    cross-entropy, S (the number of samples). Rule templates use ``{o}`` and ``{t}``.
    """

    kind: str  #: registry name
    element: Element  #: e(o, t), one element's contribution before the reduction
    derivative: Element  #: ∂e/∂o
    default_reduction: Reduction
    rule: str  #: e.g. "({t} − {o})²"
    derivative_rule: str  #: e.g. "−2({t} − {o})"
    latex_rule: str  #: e.g. "({t} - {o})^2"
    latex_derivative_rule: str  #: e.g. "-2({t} - {o})"
    gap_element: Callable[[float], float] | None = None  #: e as a function of o − t alone,
    #: so the engine can pass a gap measured without cancellation (o = σ(40) rounds to 1)
    gap_derivative: Callable[[float], float] | None = None  #: ∂e/∂o as a function of o − t
    fused_with: str | None = None  #: the output activation whose δ = ∂L/∂z is taken in fused
    #: form, (o·Σt − t)/D with Σt over the output's group (1 for an elementwise output)
    fused_element: Callable[[float, float, float], float] | None = None  #: e from (z, t, ln o),
    #: ln o taken from z by the activation: no log(0) where o rounds to 0 or 1
    outputs_in: tuple[float, float] | None = None  #: the interval every output activation's
    #: range must lie in (bce: (0, 1), probabilities); at run time o must lie strictly inside
    targets_in: tuple[float, float] | None = None  #: the closed interval targets must lie in
    one_group: bool = False  #: the outputs must be exactly one group of `fused_with`
    per_sample_mean: bool = False  #: mean divides by S (samples), not N (elements)

    def fuses(self, activation: Activation) -> bool:
        """δ of an output with this activation is taken in the fused form."""
        return activation.name == self.fused_with

    def fits(self, activation: Activation) -> bool:
        """An output with this activation gives values this loss is defined on."""
        if self.outputs_in is None:
            return True
        lo, hi = self.outputs_in
        return lo <= activation.range[0] and activation.range[1] <= hi

    def divisor(self, reduction: Reduction, samples: int, outputs: int) -> tuple[str, int]:
        """D and its printed label: 1 for sum; for mean S (samples) or N (elements)."""
        if reduction == "sum":
            return "1", 1
        if self.per_sample_mean:
            return "S", samples
        return "N", samples * outputs


def _log_loss(z: float, t: float, ln_o: float) -> float:
    return 0.0 if t == 0.0 else -t * ln_o  # −t·ln o, ln o from z


LOSSES: Mapping[str, Loss] = {
    "sse": Loss("sse", element=lambda o, t: (t - o) ** 2, derivative=lambda o, t: -2.0 * (t - o),
                default_reduction="sum", rule="({t} − {o})²", derivative_rule="−2({t} − {o})",
                latex_rule="({t} - {o})^2", latex_derivative_rule="-2({t} - {o})",
                gap_element=lambda gap: gap ** 2, gap_derivative=lambda gap: 2.0 * gap),
    "mse": Loss("mse", element=lambda o, t: (t - o) ** 2, derivative=lambda o, t: -2.0 * (t - o),
                default_reduction="mean", rule="({t} − {o})²", derivative_rule="−2({t} − {o})",
                latex_rule="({t} - {o})^2", latex_derivative_rule="-2({t} - {o})",
                gap_element=lambda gap: gap ** 2, gap_derivative=lambda gap: 2.0 * gap),
    "half_sse": Loss("half_sse", element=lambda o, t: 0.5 * (t - o) ** 2,
                     derivative=lambda o, t: -(t - o), default_reduction="sum",
                     rule="½({t} − {o})²", derivative_rule="−({t} − {o})",
                     latex_rule=r"\tfrac{{1}}{{2}}({t} - {o})^2", latex_derivative_rule="-({t} - {o})",
                     gap_element=lambda gap: 0.5 * gap ** 2, gap_derivative=lambda gap: gap),
    # with a sigmoid output, δ = ∂L/∂z = (o − t)/D and e = max(z, 0) − t·z + ln(1 + e^−|z|)
    "bce": Loss("bce", element=_bce, derivative=_bce_derivative, default_reduction="mean",
                rule="−[{t}·ln {o} + (1 − {t})·ln(1 − {o})]",
                derivative_rule="({o} − {t}) / ({o}(1 − {o}))",
                latex_rule=r"-[{t} \ln {o} + (1 - {t}) \ln(1 - {o})]",
                latex_derivative_rule=r"\frac{{{o} - {t}}}{{{o}(1 - {o})}}",
                fused_with="sigmoid", fused_element=lambda z, t, ln_o: bce_of_logit(z, t),
                outputs_in=(0.0, 1.0), targets_in=(0.0, 1.0)),
    # with its softmax group, δ_j = (h_j·Σt − t_j)/D and e = t_k·(logsumexp(z) − z_k)
    "cross_entropy": Loss("cross_entropy", element=_ce, derivative=_ce_derivative,
                          default_reduction="mean", rule="−{t}·ln {o}",
                          derivative_rule="−{t} / {o}", latex_rule=r"-{t} \ln {o}",
                          latex_derivative_rule=r"-\frac{{{t}}}{{{o}}}",
                          fused_with="softmax", fused_element=_log_loss, outputs_in=(0.0, 1.0),
                          targets_in=(0.0, 1.0), one_group=True, per_sample_mean=True),
}

REDUCTIONS: tuple[Reduction, ...] = ("sum", "mean")
