"""The JSON report of FORMAT.md §3: full-precision floats, every value, gradient and update."""

from __future__ import annotations

import json
from typing import Any

from backprop.trace import Trace


def step_dict(trace: Trace) -> dict[str, Any]:
    net = trace.network
    return {
        "title": net.title,
        "description": net.description,
        "loss": {"name": net.loss.name, "kind": net.loss.loss.kind,
                 "reduction": net.loss.reduction, "value": trace.loss,
                 "value_after_update": trace.loss_new},
        "samples": [{"values": dict(s.values), "targets": dict(s.targets),
                     "deltas": {net.node_by_name[n].sum: d for n, d in s.delta.items()}}
                    for s in trace.samples],
        "gradients": dict(trace.gradients),
        "learning_rate": net.learning_rate,
        "frozen": sorted(net.frozen),
        "updated": dict(trace.updated),
        "notes": list(trace.notes),
    }


def step_json(trace: Trace) -> str:
    return json.dumps(step_dict(trace), ensure_ascii=False, allow_nan=False)
