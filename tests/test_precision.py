"""Small values keep their digits and their sign: the engine against an arbitrary-precision
reference (mpmath at 400 significant digits, differentiated by mpmath.diff), on outputs saturated
towards their targets and on random networks.

The reference evaluates FORMAT §1 directly — σ(z) = 1/(1 + e⁻ᶻ), softmax = eᶻ/Σeᶻ, the loss as
written — with so many digits that 1 − σ(700) ≈ 1e-304 keeps ~90 of them; it shares no code and
no rewritten form with the engine.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import mpmath
import pytest

from backprop import load, step
from backprop.network import Network

DIGITS = 400

_MP = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "tanh": mpmath.tanh,
}


def mp_loss(net: Network, params: dict[str, mpmath.mpf]) -> mpmath.mpf:
    """L of FORMAT §1 at the working precision: forward pass, then the loss summed and reduced."""
    total = mpmath.mpf(0)
    for sample in net.samples:
        vals = {k: mpmath.mpf(v) for k, v in sample.inputs.items()}
        zs = {}
        for node in net.nodes:
            z = mpmath.fsum(vals[e.source] * params[e.param] for e in node.edges)
            if node.bias is not None:
                z += net.bias_sign * params[node.bias]
            zs[node.name] = z
            if node.activation.elementwise:
                vals[node.name] = _MP[node.activation.name](z)
            else:
                members = [n.name for n in net.nodes if not n.activation.elementwise
                           and n.activation.group == node.activation.group]
                if node.name == members[-1]:
                    denom = mpmath.fsum(mpmath.exp(zs[m]) for m in members)
                    for m in members:
                        vals[m] = mpmath.exp(zs[m]) / denom
        for out in net.outputs:
            o, t = vals[out], mpmath.mpf(sample.targets[out])
            kind = net.loss.loss.kind
            if kind in ("sse", "mse"):
                total += (t - o) ** 2
            elif kind == "half_sse":
                total += (t - o) ** 2 / 2
            elif kind == "bce":
                total -= t * mpmath.log(o) + (1 - t) * mpmath.log(1 - o)
            else:
                total -= t * mpmath.log(o)
    if net.loss.reduction == "mean":
        total /= len(net.samples) * (1 if net.loss.loss.per_sample_mean else len(net.outputs))
    return total


def reference(net: Network) -> tuple[mpmath.mpf, dict[str, mpmath.mpf]]:
    """L and every ∂L/∂p at 400 digits."""
    with mpmath.workdps(DIGITS):
        return _reference(net)


def _reference(net: Network) -> tuple[mpmath.mpf, dict[str, mpmath.mpf]]:
    base = {p: mpmath.mpf(v) for p, v in net.params.items()}
    grads = {}
    for name in net.params:
        def along(x: mpmath.mpf, name: str = name) -> mpmath.mpf:
            return mp_loss(net, {**base, name: x})
        grads[name] = mpmath.diff(along, base[name])
    return mp_loss(net, base), grads


def agrees(value: float, ref: mpmath.mpf, rel: float = 1e-11) -> bool:
    """Same sign and the same leading digits; a reference below float64's range may give 0."""
    if abs(ref) < 1e-300:
        return abs(value) < 1e-290
    return bool(abs(mpmath.mpf(value) - ref) <= rel * abs(ref))


def assert_matches(text: str, rel: float = 1e-11) -> None:
    net = load("net", text=text)
    trace = step(net)
    loss, grads = reference(net)
    assert agrees(trace.loss, loss, rel), (trace.loss, loss)
    for name, ref in grads.items():
        assert agrees(trace.gradients[name], ref, rel), (name, trace.gradients[name], ref)


def pair(a: float, b: float, *, activation: str, loss: str, tp: float, tq: float) -> str:
    """Two outputs p = f(a·x), q = f(b·x) from one input x = 1."""
    return (f"inputs: {{x: 1}}\nparams: {{a: {a!r}, b: {b!r}}}\nnodes:\n"
            f"  p: {{sum: z1, from: {{x: a}}, activation: {activation}}}\n"
            f"  q: {{sum: z2, from: {{x: b}}, activation: {activation}}}\n"
            f"targets: {{p: {tp!r}, q: {tq!r}}}\nloss: {loss}\nlearning_rate: 0.1\n")


def one(w: float, *, activation: str, loss: str, t: float) -> str:
    return (f"inputs: {{x: 1}}\nparams: {{w: {w!r}}}\nnodes:\n"
            f"  y: {{sum: z, from: {{x: w}}, activation: {activation}}}\n"
            f"targets: {{y: {t!r}}}\nloss: {loss}\nlearning_rate: 0.1\n")


# ------------------------------------------------ outputs saturated towards their targets


@pytest.mark.parametrize("a", [20.0, 40.0, 75.0, 300.0])
def test_cross_entropy_on_a_softmax_saturated_towards_its_target(a: float) -> None:
    # Hand check at a = 40: softmax = (1 − ε, ε), ε = e^-40/(1 + e^-40) ≈ 4.2e-18; one-hot at p:
    # L = −ln(1 − ε) ≈ ε and ∂L/∂a = p − 1 = −ε < 0, ∂L/∂b = +ε. Before the fix L printed
    # 0.000 and ∂L/∂a was 0 (h_p − 1 with h_p rounded to 1).
    text = pair(a, 0.0, activation="softmax", loss="cross_entropy", tp=1, tq=0)
    assert_matches(text)
    trace = step(load("net", text=text))
    eps = math.exp(-a) / (1 + math.exp(-a))
    assert trace.gradients["a"] == pytest.approx(-eps, rel=1e-12) and trace.gradients["a"] < 0


@pytest.mark.parametrize("loss", ["mse", "sse", "half_sse"])
@pytest.mark.parametrize("a", [20.0, 40.0, 75.0])
def test_a_squared_loss_on_a_softmax_saturated_towards_its_target(loss: str, a: float) -> None:
    # The unfused Jacobian product h_j(g_j − Σ g_k h_k): at a = 40, mse, the true
    # ∂L/∂a = −2ε² ≈ −3.6e-35, where the rounded forms gave half of it or the wrong sign.
    assert_matches(pair(a, 0.0, activation="softmax", loss=loss, tp=1, tq=0))


def test_a_softmax_hidden_layer_saturated_keeps_its_tiny_deltas() -> None:
    # A softmax group feeding a linear output: g_k = ∂L/∂h_k = v_k·δ_y comes from the weights,
    # and δ_j = h_j(g_j − Σ g_k h_k) with h_1 → 1 is a difference of nearly equal numbers.
    text = """inputs: {x: 1}
params: {a: 38, b: 0.5, c: -1, v1: 0.3, v2: -0.7, v3: 1.1}
nodes:
  s1: {sum: z1, from: {x: a}, activation: softmax}
  s2: {sum: z2, from: {x: b}, activation: softmax}
  s3: {sum: z3, from: {x: c}, activation: softmax}
  y: {sum: z4, from: {s1: v1, s2: v2, s3: v3}}
targets: {y: 2}
loss: half_sse
learning_rate: 0.1
"""
    assert_matches(text)


@pytest.mark.parametrize("w,t", [(40.0, 1.0), (-40.0, 0.0), (700.0, 1.0), (-36.0, 0.0)])
def test_bce_on_a_sigmoid_saturated_towards_its_target(w: float, t: float) -> None:
    # L = ln(1 + e^-40) ≈ 4.2e-18 at w = 40, t = 1 (it printed 0.000): ∂L/∂w = σ(40) − 1 < 0.
    assert_matches(one(w, activation="sigmoid", loss="bce", t=t))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("w", [20.0, 40.0, -40.0])
def test_a_squared_loss_on_a_saturated_output_next_to_its_target(activation: str, w: float) -> None:
    t = 1.0 if w > 0 else (0.0 if activation == "sigmoid" else -1.0)
    assert_matches(one(w, activation=activation, loss="mse", t=t))


def test_the_sign_of_a_tiny_gradient_is_kept_in_the_printed_table(tmp_path: Path) -> None:
    # ∂L/∂a = −ε ≈ −4.2e-18 (hand value above): printed with its sign, not as 0.000
    from click.testing import CliRunner

    from backprop.cli import cli

    text = pair(40.0, 0.0, activation="softmax", loss="cross_entropy", tp=1, tq=0)
    net = tmp_path / "net.yaml"
    net.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(net)])
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("∂L/∂a "))
    assert row.split()[-1] == "-4.25e-18", row


# ------------------------------------------------ random networks


def _random_softmax_net(rng: random.Random, loss: str) -> str:
    k = rng.randint(2, 4)
    scale = rng.choice([1.0, 10.0, 40.0])
    params = {f"w{j}": round(rng.uniform(-scale, scale), 3) for j in range(k)}
    params |= {f"b{j}": round(rng.uniform(-1, 1), 3) for j in range(k)}
    hot = rng.randrange(k)
    targets = {f"p{j}": (1 if j == hot else 0) for j in range(k)}
    nodes = "".join(f"  p{j}: {{sum: z{j}, from: {{x: w{j}}}, bias: b{j}, activation: softmax}}\n"
                    for j in range(k))
    return (f"inputs: {{x: {round(rng.uniform(0.5, 2), 3)}}}\nparams: {params}\nnodes:\n{nodes}"
            f"targets: {targets}\nloss: {loss}\nlearning_rate: 0.1\n")


@pytest.mark.parametrize("seed", range(12))
def test_random_softmax_networks_match_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    for loss in ("cross_entropy", "mse"):
        assert_matches(_random_softmax_net(rng, loss), rel=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_random_sigmoid_outputs_match_the_reference(seed: int) -> None:
    rng = random.Random(100 + seed)
    for loss in ("bce", "mse"):
        w = rng.choice([1.0, 10.0, 40.0]) * rng.uniform(-1, 1)
        t = rng.choice([0.0, 1.0, round(rng.uniform(0, 1), 3)])
        assert_matches(one(round(w, 3), activation="sigmoid", loss=loss, t=t), rel=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_random_tanh_outputs_and_softmax_hidden_layers_match_the_reference(seed: int) -> None:
    rng = random.Random(200 + seed)
    w = round(rng.choice([1.0, 10.0, 40.0]) * rng.uniform(-1, 1), 3)
    t = rng.choice([-1.0, 1.0, round(rng.uniform(-1, 1), 3)])
    assert_matches(one(w, activation="tanh", loss=rng.choice(["mse", "half_sse"]), t=t), rel=1e-9)
    a, b, c = (round(rng.choice([1.0, 40.0]) * rng.uniform(-1, 1), 3) for _ in range(3))
    v1, v2, v3 = (round(rng.uniform(-2, 2), 3) for _ in range(3))
    text = (f"inputs: {{x: 1}}\nparams: {{a: {a}, b: {b}, c: {c}, v1: {v1}, v2: {v2}, v3: {v3}}}\n"
            "nodes:\n  s1: {sum: z1, from: {x: a}, activation: softmax}\n"
            "  s2: {sum: z2, from: {x: b}, activation: softmax}\n"
            "  s3: {sum: z3, from: {x: c}, activation: softmax}\n"
            "  y: {sum: z4, from: {s1: v1, s2: v2, s3: v3}, activation: sigmoid}\n"
            f"targets: {{y: {rng.choice([0, 1])}}}\nloss: bce\nlearning_rate: 0.1\n")
    assert_matches(text, rel=1e-9)
