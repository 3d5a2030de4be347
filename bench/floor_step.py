"""The floor for bench/large.py: a lean Python program printing backprop's JSON report, nothing more.

    python bench/floor_step.py NET.yaml > report.json

It reads the file with libyaml's event parser (`yaml._yaml.CParser`, events only: no composer, no
constructor, no checks beyond what a layered file needs), computes the step with numpy in float64,
and prints with `json.dumps` the same keys, under the same names and in the same order, as
`backprop step NET --format json` (FORMAT §3 and the extras backprop adds: targets, deltas,
reduction, value_after_update, frozen, notes). It handles what the benchmark writes: the layered
form, one sample, default names, identity / sigmoid / tanh / relu layers, a softmax output with
cross_entropy or any of those with sse / mse / half_sse; it never prints a note (the benchmark's
random networks have no saturated node). Like backprop, it pauses the cyclic garbage collector.

numpy is a bench-only tool, not a dependency of backprop (`pip install numpy` to run this).
"""

from __future__ import annotations

import gc
import json
import sys

import numpy as np
import yaml

_WORDS = {"null": None, "~": None, "": None, "true": True, "false": False}


def _scalar(text: str) -> object:
    """A plain scalar as YAML 1.2's core schema reads the numbers and words in these files."""
    try:
        return float(text) if "." in text or "e" in text or "E" in text else int(text)
    except ValueError:
        return _WORDS.get(text, text)


def load(text: str) -> object:
    """The document's data, built from libyaml's events with one stack."""
    parser = yaml._yaml.CParser(text)
    get_event = parser.get_event
    scalar_event, end_events = yaml.ScalarEvent, (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    starts = {yaml.SequenceStartEvent: list, yaml.MappingStartEvent: dict}
    stack: list[list | dict] = []
    keys: list[object] = []  # per open mapping: the pending key, or None
    root: object = None
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar_event:
            value = event.value if event.style else _scalar(event.value)
        elif kind in starts:
            stack.append(starts[kind]())
            keys.append(None)
            continue
        elif kind in end_events:
            value = stack.pop()
            keys.pop()
        elif kind is yaml.StreamEndEvent:
            return root
        else:
            continue
        if not stack:
            root = value
        elif type(top := stack[-1]) is dict:
            if keys[-1] is None:
                keys[-1] = value
            else:
                top[keys[-1]] = value
                keys[-1] = None
        else:
            top.append(value)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # σ(z) = 1/(1 + e^−z) for z ≥ 0, e^z/(1 + e^z) below: no overflow
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


ACT = {  # name -> (f, f′ from z and h)
    "identity": (lambda z: z, lambda z, h: np.ones_like(z)),
    "linear": (lambda z: z, lambda z, h: np.ones_like(z)),
    "sigmoid": (_sigmoid, lambda z, h: h * (1.0 - h)),
    "tanh": (np.tanh, lambda z, h: 1.0 - h * h),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, h: (z > 0).astype(np.float64)),
}
ELEMENT = {  # loss -> (e(o, t), ∂e/∂o, default divisor is N elements (mean) or 1 (sum))
    "sse": (lambda o, t: (t - o) ** 2, lambda o, t: -2.0 * (t - o), False),
    "mse": (lambda o, t: (t - o) ** 2, lambda o, t: -2.0 * (t - o), True),
    "half_sse": (lambda o, t: 0.5 * (t - o) ** 2, lambda o, t: -(t - o), False),
}


def _forward(weights: list[np.ndarray], biases: list[np.ndarray | None], acts: list[str],
             x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """Every layer's z and h, and the softmax output's log Σ eᶻ (0 without one)."""
    zs, hs, h, lse = [], [], x, 0.0
    for w, b, act in zip(weights, biases, acts, strict=True):
        z = w @ h if b is None else w @ h + b
        if act == "softmax":
            m = z.max()
            e = np.exp(z - m)
            lse = float(m + np.log(e.sum()))
            h = e / e.sum()
        else:
            h = ACT[act][0](z)
        zs.append(z)
        hs.append(h)
    return zs, hs, lse


def _loss(kind: str, z: np.ndarray, o: np.ndarray, t: np.ndarray, lse: float) -> tuple[float, float]:
    """(L, D) for one sample."""
    if kind == "cross_entropy":
        return float((t * (lse - z)).sum()), 1.0
    element, _, mean = ELEMENT[kind]
    divisor = float(len(t)) if mean else 1.0
    return float(element(o, t).sum()) / divisor, divisor


def main(path: str) -> None:
    gc.disable()  # as backprop does: a floor with the collector running would be ~3% slower
    with open(path, encoding="utf-8") as f:
        net = load(f.read())
    assert isinstance(net, dict)
    kind = net["loss"]
    layers = net["layers"]
    acts = [layer.get("activation", "identity") for layer in layers]
    x = np.array(net["inputs"], dtype=np.float64)
    t = np.array(net["targets"], dtype=np.float64)
    weights = [np.array(layer["weights"], dtype=np.float64) for layer in layers]
    biases = [np.array(layer["biases"], dtype=np.float64) if layer.get("biases") is not None
              else None for layer in layers]
    eta = float(net["learning_rate"])

    zs, hs, lse = _forward(weights, biases, acts, x)
    loss, divisor = _loss(kind, zs[-1], hs[-1], t, lse)
    # backward: δ = ∂L/∂z, layer by layer from the output
    if acts[-1] == "softmax":
        assert kind == "cross_entropy"
        delta = (hs[-1] * t.sum() - t) / divisor
    else:
        derivative = ELEMENT[kind][1]
        delta = derivative(hs[-1], t) / divisor * ACT[acts[-1]][1](zs[-1], hs[-1])
    deltas = [delta]
    for i in range(len(layers) - 1, 0, -1):
        delta = (weights[i].T @ delta) * ACT[acts[i - 1]][1](zs[i - 1], hs[i - 1])
        deltas.insert(0, delta)
    sources = [x, *hs[:-1]]
    grads_w = [np.outer(d, s) for d, s in zip(deltas, sources, strict=True)]
    new_w = [w - eta * g for w, g in zip(weights, grads_w, strict=True)]
    new_b = [None if b is None else b - eta * d for b, d in zip(biases, deltas, strict=True)]
    zs_new, hs_new, lse_new = _forward(new_w, new_b, acts, x)
    loss_new, _ = _loss(kind, zs_new[-1], hs_new[-1], t, lse_new)

    values = {f"x{j}": v for j, v in enumerate(x.tolist(), start=1)}
    for li, (z, h) in enumerate(zip(zs, hs, strict=True), start=1):
        for j, (zj, hj) in enumerate(zip(z.tolist(), h.tolist(), strict=True), start=1):
            values[f"z{li}_{j}"] = zj
            values[f"h{li}_{j}"] = hj
    last = len(layers)
    targets = {f"h{last}_{j}": v for j, v in enumerate(t.tolist(), start=1)}
    delta_out = {f"z{li}_{j}": v for li, d in enumerate(deltas, start=1)
                 for j, v in enumerate(d.tolist(), start=1)}
    gradients: dict[str, float] = {}
    updated: dict[str, float] = {}
    for li, (w, g, nw, b, d, nb) in enumerate(zip(weights, grads_w, new_w, biases, deltas, new_b,
                                                  strict=True), start=1):
        cols = w.shape[1]
        g_rows, nw_rows = g.tolist(), nw.tolist()
        d_list, nb_list = d.tolist(), (None if nb is None else nb.tolist())
        for j in range(w.shape[0]):  # the file's order: row j's weights, then its bias
            names = [f"w{li}_{j + 1}_{k}" for k in range(1, cols + 1)]
            gradients.update(zip(names, g_rows[j], strict=True))
            updated.update(zip(names, nw_rows[j], strict=True))
            if b is not None:
                gradients[f"b{li}_{j + 1}"] = d_list[j]
                updated[f"b{li}_{j + 1}"] = nb_list[j]  # type: ignore[index]
    report = {
        "title": net.get("title"), "description": net.get("description"),
        "loss": {"name": "L", "kind": kind, "reduction": "mean" if kind in ("mse", "cross_entropy")
                 else "sum", "value": loss, "value_after_update": loss_new},
        "samples": [{"values": values, "targets": targets, "deltas": delta_out}],
        "gradients": gradients, "learning_rate": eta, "frozen": [], "updated": updated,
        "notes": [],
    }
    sys.stdout.write(json.dumps(report, ensure_ascii=False, allow_nan=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
