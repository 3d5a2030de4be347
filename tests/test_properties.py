"""Properties on random small networks: the engine's gradients equal finite differences and sympy."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from backprop import load, step
from backprop.activations import ACTIVATIONS
from backprop.losses import LOSSES
from oracle import finite_difference, sympy_step

ELEMENTWISE = sorted(n for n, a in ACTIVATIONS.items() if a.elementwise)
weights = st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 3))
unit = st.floats(0.05, 0.95).map(lambda v: round(v, 3))


@st.composite
def networks(draw: st.DrawFn) -> str:
    """A random graph-form network file: 1–3 inputs, 1–2 hidden layers, 1–2 outputs, 1–2 samples."""
    loss = draw(st.sampled_from(sorted(LOSSES)))
    n_in = draw(st.integers(1, 3))
    inputs = [f"x{i}" for i in range(1, n_in + 1)]
    params: dict[str, float] = {}
    nodes: dict[str, dict] = {}
    previous = inputs
    for layer in range(1, draw(st.integers(1, 2)) + 1):
        current = []
        for j in range(1, draw(st.integers(1, 3)) + 1):
            name = f"h{layer}{j}"
            frm = {}
            for src in previous:
                if draw(st.booleans()) or not frm:
                    p = f"w_{src}_{name}"
                    params[p] = draw(weights)
                    frm[src] = p
            spec: dict = {"from": frm, "activation": draw(st.sampled_from(ELEMENTWISE))}
            if spec["activation"] == "leaky_relu":
                spec["activation"] = {"name": "leaky_relu", "slope": draw(st.sampled_from([0.01, 0.2]))}
            if draw(st.booleans()):
                shared = [p for p in params if p.startswith("b")]
                if shared and draw(st.booleans()):
                    spec["bias"] = shared[0]  # a shared bias: its gradient sums over uses
                else:
                    spec["bias"] = f"b{layer}{j}"
                    params[spec["bias"]] = draw(weights)
            nodes[name] = spec
            current.append(name)
        previous = current
    n_out = 2 if loss == "cross_entropy" else draw(st.integers(1, 2))
    outputs = []
    for k in range(1, n_out + 1):
        name = f"o{k}"
        frm = {}
        for src in previous:
            p = f"w_{src}_{name}"
            params[p] = draw(weights)
            frm[src] = p
        act = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(loss) or draw(
            st.sampled_from(ELEMENTWISE))
        nodes[name] = {"from": frm, "activation": act}
        outputs.append(name)
    samples = []
    for _ in range(draw(st.integers(1, 2))):
        ins = {x: draw(weights) for x in inputs}
        if loss == "cross_entropy":
            hot = draw(st.integers(0, n_out - 1))
            tgs = {o: float(i == hot) for i, o in enumerate(outputs)}
        else:
            tgs = {o: draw(unit) for o in outputs}
        samples.append({"inputs": ins, "targets": tgs})
    doc = {"params": params, "nodes": nodes, "samples": samples, "learning_rate": 0.1,
           "loss": {"kind": loss, "reduction": draw(st.sampled_from(["sum", "mean"]))},
           "bias_sign": draw(st.sampled_from(["plus", "minus"]))}
    return yaml.safe_dump(doc, sort_keys=False)


def _away_from_kinks(trace) -> bool:
    for s in trace.samples:
        for node in trace.network.nodes:
            if node.activation.name in ("relu", "leaky_relu") and abs(s.values[node.sum]) < 1e-3:
                return False
    return True


@given(networks())
def test_gradients_equal_central_finite_differences(text: str) -> None:
    net = load("random.yaml", text=text)
    trace = step(net)
    assume(_away_from_kinks(trace))
    for param, grad in trace.gradients.items():
        numeric = finite_difference(net, param)
        assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-7), param


@given(networks())
def test_update_is_one_gradient_step(text: str) -> None:
    net = load("random.yaml", text=text)
    trace = step(net)
    for param, old in net.params.items():
        assert trace.updated[param] == old - 0.1 * trace.gradients[param]
    assert math.isfinite(trace.loss_new)


@pytest.mark.parametrize("seed", range(6))
def test_gradients_equal_sympy(seed: int) -> None:
    text = _fixed_network(seed)
    net = load("random.yaml", text=text)
    trace = step(net)
    assert _away_from_kinks(trace)  # these fixed networks stay off relu's kink
    loss, grads = sympy_step(net)
    assert trace.loss == pytest.approx(loss, rel=1e-12)
    for param, grad in grads.items():
        assert trace.gradients[param] == pytest.approx(grad, rel=1e-9, abs=1e-15), param


def _fixed_network(seed: int) -> str:
    """A deterministic network of each loss (and two activations per run) for the sympy oracle."""
    import random

    rng = random.Random(seed)
    loss = sorted(LOSSES)[seed % len(LOSSES)]
    acts = ELEMENTWISE
    params = {f"w{i}": round(rng.uniform(-1, 1), 3) for i in range(1, 13)}
    params.update({"b1": 0.1, "b2": -0.2})
    out_act = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(loss, rng.choice(acts))
    nodes = {
        "h1": {"sum": "z1", "from": {"x1": "w1", "x2": "w2"}, "bias": "b1", "activation": rng.choice(acts)},
        "h2": {"sum": "z2", "from": {"x1": "w3", "x2": "w4"}, "bias": "b1", "activation": rng.choice(acts)},
        "h3": {"sum": "z3", "from": {"h1": "w5", "h2": "w6", "x1": "w7"}, "bias": "b2",
               "activation": {"name": "leaky_relu", "slope": 0.2}},
        "o1": {"sum": "z4", "from": {"h1": "w8", "h3": "w9"}, "activation": out_act},
        "o2": {"sum": "z5", "from": {"h2": "w10", "h3": "w11", "h1": "w12"}, "activation": out_act},
    }
    if loss == "cross_entropy":
        samples = [{"inputs": {"x1": 0.5, "x2": -0.3}, "targets": {"o1": 1, "o2": 0}},
                   {"inputs": {"x1": -0.2, "x2": 0.9}, "targets": {"o1": 0, "o2": 1}}]
    else:
        samples = [{"inputs": {"x1": 0.5, "x2": -0.3}, "targets": {"o1": 0.2, "o2": 0.7}},
                   {"inputs": {"x1": -0.2, "x2": 0.9}, "targets": {"o1": 0.9, "o2": 0.1}}]
    doc = {"params": params, "nodes": nodes, "samples": samples, "learning_rate": 0.5,
           "loss": {"kind": loss, "reduction": "mean" if seed % 2 else "sum"},
           "bias_sign": "minus" if seed % 3 == 0 else "plus", "frozen": ["w7"]}
    return yaml.safe_dump(doc, sort_keys=False)
