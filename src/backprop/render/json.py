"""The JSON report of FORMAT.md §3: full-precision floats, every value, gradient and update."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypedDict

from backprop import safe
from backprop.losses import Reduction
from backprop.render import StepView
from backprop.trace import Trace


class LossJSON(TypedDict):
    """FORMAT §3 `loss`: the loss as the file chose it, before and after the update."""

    name: str  #: "L" unless the file names it
    kind: str  #: the registry's name, e.g. "mse"
    reduction: Reduction
    value: float
    value_after_update: float


class SampleJSON(TypedDict):
    """FORMAT §3 `samples[i]`: every input, sum and node value, the targets, δ by sum name."""

    values: dict[str, float]
    targets: dict[str, float]
    deltas: dict[str, float]  #: sum name -> δ = ∂L/∂z


class _StepKeys(TypedDict):
    """FORMAT §3: `backprop step --format json`, full-precision floats."""

    title: str | None
    description: str | None
    loss: LossJSON
    samples: list[SampleJSON]
    gradients: dict[str, float]  #: every param, frozen ones too
    learning_rate: float
    frozen: list[str]
    updated: dict[str, float]  #: every param after one step (frozen ones unchanged)
    notes: list[str]


class StepJSON(_StepKeys, total=False):
    """FORMAT §3's keys, and one more where the file chose an optimizer other than sgd."""

    optimizer: dict[str, Any]  #: momentum, Adam: the rule's quantities, the state after


def _plain(m: Mapping[str, float]) -> dict[str, float]:
    """A dict json can write. The trace's read-only views copy their dict in one C call, 30×
    faster than dict(view), which goes key by key: 20 ms per 100,000 params (bench/large.py)."""
    if isinstance(m, MappingProxyType):
        copied = m.copy()
        if isinstance(copied, dict):
            return copied
    return dict(m)


def step_dict(trace: Trace) -> StepJSON:
    net = trace.network
    sums = {n.name: n.sum for n in net.nodes}
    out: StepJSON = {
        "title": net.title,
        "description": net.description,
        "loss": {"name": net.loss.name, "kind": net.loss.loss.kind,
                 "reduction": net.loss.reduction, "value": trace.loss,
                 "value_after_update": trace.loss_new},
        "samples": [{"values": _plain(s.values), "targets": _plain(s.targets),
                     "deltas": {sums[n]: d for n, d in s.delta.items()}}
                    for s in trace.samples],
        "gradients": _plain(trace.gradients),
        "learning_rate": net.learning_rate,
        "frozen": sorted(net.frozen),
        "updated": _plain(trace.updated),
        "notes": list(trace.notes),
    }
    if trace.optimizer is not None:  # momentum, Adam: the rule's quantities and the state after
        from backprop.render.optimizer import optimizer_dict

        out["optimizer"] = optimizer_dict(trace.optimizer)
    return out


def step_json(trace: Trace) -> str:
    return safe.json_text(step_dict(trace))


def render(trace: Trace, view: StepView) -> str:
    """The `json` format of `backprop step` (render.STEP_FORMATS): every number, whatever the view."""
    return step_json(trace)
