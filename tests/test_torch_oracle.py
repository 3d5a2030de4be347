"""An independent oracle: PyTorch autograd in float64 on random networks (skipped without torch).

Each random network is written as a file (graph or layered form), loaded by backprop, and then
rebuilt node by node as a torch computation from the loaded Network: the same sums, torch's own
activations and losses, torch's own backward pass. Loss, every gradient, every updated param and
the loss after the update must agree to ~1e-9 relative.
"""

from __future__ import annotations

import math
import random
from itertools import pairwise

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from backprop import load, step  # noqa: E402  (after the importorskip, as pytest documents)
from backprop.network import Network  # noqa: E402

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "gelu", "silu", "identity"]


def _activation(name: str, slope: float | None, z):
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return torch.relu(z)  # relu′(0) = 0 in torch too
    if name == "leaky_relu":
        return F.leaky_relu(z, negative_slope=slope)
    if name == "softplus":
        # torch's F.softplus turns linear above z = 20 (an approximation); logaddexp is exact
        return torch.logaddexp(z, torch.zeros_like(z))
    if name == "gelu":
        return F.gelu(z)  # approximate="none": the erf form
    if name == "silu":
        return F.silu(z)
    assert name == "identity", name
    return z


def torch_loss(net: Network, params: dict) -> object:
    """L for `net` with `params` (name -> 0-d float64 tensors), computed by torch."""
    total = torch.zeros((), dtype=torch.float64)
    kind = net.loss.loss.kind
    for sample in net.samples:
        vals = {k: torch.tensor(v, dtype=torch.float64) for k, v in sample.inputs.items()}
        zs = {}
        for node in net.nodes:
            z = torch.zeros((), dtype=torch.float64)
            for e in node.edges:
                z = z + vals[e.source] * params[e.param]
            if node.bias is not None:
                z = z + net.bias_sign * params[node.bias]
            zs[node.name] = z
            act = node.activation
            if act.name == "softmax":
                members = [n.name for n in net.nodes if n.activation.name == "softmax"
                           and n.activation.group == act.group]
                if node.name == members[-1]:
                    probs = torch.softmax(torch.stack([zs[m] for m in members]), dim=0)
                    vals.update({m: probs[i] for i, m in enumerate(members)})
            else:
                vals[node.name] = _activation(act.name, act.slope, z)
        outs = list(net.outputs)
        t = torch.tensor([sample.targets[o] for o in outs], dtype=torch.float64)
        if kind in ("sse", "mse"):
            total = total + ((t - torch.stack([vals[o] for o in outs])) ** 2).sum()
        elif kind == "half_sse":
            total = total + 0.5 * ((t - torch.stack([vals[o] for o in outs])) ** 2).sum()
        elif kind == "bce":  # sigmoid outputs: torch's fused, logit form
            logits = torch.stack([zs[o] for o in outs])
            total = total + F.binary_cross_entropy_with_logits(logits, t, reduction="sum")
        else:  # cross_entropy over the outputs' one softmax group: −Σ t·log_softmax(z)
            logits = torch.stack([zs[o] for o in outs])
            total = total - (t * torch.log_softmax(logits, dim=0)).sum()
    if net.loss.reduction == "mean":
        total = total / (len(net.samples) * (1 if net.loss.loss.per_sample_mean else len(net.outputs)))
    return total


def random_network(seed: int) -> str:
    """A random network file: graph or layered form, 1–3 samples, any loss and activations."""
    rng = random.Random(seed)
    loss = rng.choice(["mse", "sse", "half_sse", "bce", "cross_entropy"])
    n_out = 1 if loss == "bce" and rng.random() < 0.5 else rng.randint(2, 3)
    out_act = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(loss, rng.choice(HIDDEN))
    sizes = [rng.randint(1, 3)] + [rng.randint(1, 3) for _ in range(rng.randint(0, 2))] + [n_out]
    acts = [rng.choice(HIDDEN) for _ in sizes[1:-1]] + [out_act]
    w = lambda: round(rng.uniform(-2, 2), rng.choice([1, 2, 17]))  # noqa: E731

    def act_text(a: str) -> str:
        return f"{{name: leaky_relu, slope: {rng.choice([0.01, 0.2])}}}" if a == "leaky_relu" else a

    def target() -> float:
        return rng.choice([0, 1]) if loss in ("bce", "cross_entropy") else w()

    n_samples = rng.randint(1, 3)
    if rng.random() < 0.5:  # layered form
        lines = ["layers:"]
        for (fan_in, fan_out), a in zip(pairwise(sizes), acts, strict=True):
            rows = [[w() for _ in range(fan_in)] for _ in range(fan_out)]
            lines += [f"  - activation: {act_text(a)}", f"    weights: {rows}"]
            if rng.random() < 0.7:
                lines.append(f"    biases: {[w() for _ in range(fan_out)]}")
        lines.append("samples:")
        for _ in range(n_samples):
            lines.append(f"  - {{inputs: {[w() for _ in range(sizes[0])]}, "
                         f"targets: {[target() for _ in range(n_out)]}}}")
    else:  # graph form, with a shared bias now and then
        inputs = [f"x{i}" for i in range(1, sizes[0] + 1)]
        params: dict[str, float] = {"b_shared": w()}
        nodes, previous = [], inputs
        for layer, (size, a) in enumerate(zip(sizes[1:], acts, strict=True), start=1):
            current = []
            for j in range(1, size + 1):
                name = f"h{layer}_{j}" if layer < len(sizes) - 1 else f"y{j}"
                frm = {}
                for src in previous:
                    params[f"w_{src}_{name}"] = w()
                    frm[src] = f"w_{src}_{name}"
                bias = rng.choice([None, "b_shared", f"b_{name}"])
                if bias == f"b_{name}":
                    params[bias] = w()
                sources = ", ".join(f"{k}: {v}" for k, v in frm.items())
                spec = f"from: {{{sources}}}, activation: {act_text(a)}"
                if bias:
                    spec += f", bias: {bias}"
                nodes.append(f"  {name}: {{{spec}}}")
                current.append(name)
            previous = current
        lines = [f"params: {{{', '.join(f'{k}: {v}' for k, v in params.items())}}}", "nodes:", *nodes,
                 "samples:"]
        for _ in range(n_samples):
            ins = ", ".join(f"{x}: {w()}" for x in inputs)
            tgs = ", ".join(f"{y}: {target()}" for y in previous)
            lines.append(f"  - {{inputs: {{{ins}}}, targets: {{{tgs}}}}}")
    lines += [f"loss: {loss}", f"learning_rate: {rng.choice([0.1, 0.5, 1])}"]
    if rng.random() < 0.3:
        lines.append("bias_sign: minus")
    return "\n".join(lines) + "\n"


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def check_against_torch(net: Network) -> None:
    trace = step(net)
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.params.items()}
    loss = torch_loss(net, leaves)
    loss.backward()
    assert close(trace.loss, loss.item()), (trace.loss, loss.item())
    for name, leaf in leaves.items():
        g = 0.0 if leaf.grad is None else leaf.grad.item()
        assert close(trace.gradients[name], g), (name, trace.gradients[name], g)
        expected = leaf.item() if name in net.frozen else leaf.item() - net.learning_rate * g
        assert close(trace.updated[name], expected), name
    with torch.no_grad():
        after = torch_loss(net, {k: torch.tensor(v, dtype=torch.float64)
                                 for k, v in trace.updated.items()})
    assert close(trace.loss_new, after.item()), (trace.loss_new, after.item())


@pytest.mark.parametrize("seed", range(60))
def test_random_network_matches_torch(seed: int) -> None:
    text = random_network(seed)
    check_against_torch(load(f"random-{seed}", text=text))


@pytest.mark.parametrize("text", [
    # the extremes of test_extremes.py, against torch's own stable forms
    "inputs: {x: 1}\nparams: {w: 40}\nnodes:\n  y: {from: {x: w}, activation: sigmoid}\n"
    "targets: {y: 0}\nloss: bce\nlearning_rate: 0.1\n",
    "inputs: {x: 1}\nparams: {a: 1000, b: 0}\nnodes:\n  p: {from: {x: a}, activation: softmax}\n"
    "  q: {from: {x: b}, activation: softmax}\ntargets: {p: 0, q: 1}\nloss: cross_entropy\n"
    "learning_rate: 0.1\n",
    "inputs: {x: 1}\nparams: {w: 1000}\nnodes:\n  y: {from: {x: w}, activation: softplus}\n"
    "targets: {y: 999}\nloss: half_sse\nlearning_rate: 0.1\n",
    "inputs: {x: 1}\nparams: {w: 0, v: 1}\nnodes:\n  h: {from: {x: w}, activation: relu}\n"
    "  y: {from: {h: v}}\ntargets: {y: 1}\nloss: mse\nlearning_rate: 0.1\n",
], ids=["bce-z40", "softmax-1000", "softplus-1000", "relu-at-0"])
def test_extremes_match_torch(text: str) -> None:
    check_against_torch(load("extreme", text=text))
