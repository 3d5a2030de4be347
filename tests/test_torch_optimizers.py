"""An independent oracle for the optimizers: torch.optim in float64 on random networks, 4 steps
of `train` against 4 steps of torch's SGD(momentum), Adam and AdamW (skipped without torch).

The network is the random one of test_torch_oracle.py, its loss computed by torch; params after
every step, and the state torch keeps (momentum_buffer, exp_avg, exp_avg_sq), must agree to
~1e-9 relative.
"""

from __future__ import annotations

import math
import random

import pytest

torch = pytest.importorskip("torch")

from backprop import load  # noqa: E402  (after the importorskip, as pytest documents)
from backprop.train import train  # noqa: E402
from test_torch_oracle import random_network, torch_loss  # noqa: E402

STEPS = 4


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _choice(seed: int) -> tuple[str, object]:
    """(the file's optimizer mapping, a maker of the matching torch optimizer)."""
    rng = random.Random(seed)
    kind = ["momentum", "velocity", "adam", "adamw"][seed % 4]
    b1, b2 = rng.choice([0.0, 0.5, 0.9]), rng.choice([0.9, 0.99, 0.999])
    eps, decay, beta = rng.choice([1e-8, 1e-3]), rng.choice([0.0, 0.01, 0.3]), rng.choice([0.5, 0.9])
    if kind == "momentum":
        return (f"{{kind: momentum, beta: {beta}}}",
                lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=beta))
    if kind == "velocity":  # v ← β·v − η·g; p ← p + v: torch's path, v = −η·buffer
        return (f"{{kind: momentum, beta: {beta}, convention: velocity}}",
                lambda ps, lr: torch.optim.SGD(ps, lr=lr, momentum=beta))
    if kind == "adam":
        return (f"{{kind: adam, beta1: {b1}, beta2: {b2}, eps: {eps}}}",
                lambda ps, lr: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps))
    return (f"{{kind: adamw, beta1: {b1}, beta2: {b2}, eps: {eps}, weight_decay: {decay}}}",
            lambda ps, lr: torch.optim.AdamW(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=decay))


@pytest.mark.parametrize("seed", range(24))
def test_training_with_an_optimizer_matches_torch_optim(seed: int) -> None:
    text, make = _choice(seed)
    net = load(f"random-{seed}", text=random_network(seed) + f"optimizer: {text}\n")
    eta = net.learning_rate * 0.1  # Adam's steps are η-sized: keep the random networks tame
    net = load(f"random-{seed}", text=random_network(seed).replace(
        f"learning_rate: {net.learning_rate:g}", f"learning_rate: {eta}") + f"optimizer: {text}\n")
    traces = []
    train(net, STEPS, on_step=lambda _, t: traces.append(t))
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in net.params.items()}
    moving = [leaf for k, leaf in leaves.items() if k not in net.frozen]
    opt = make(moving, net.learning_rate)
    for trace in traces:
        opt.zero_grad()
        torch_loss(net, leaves).backward()
        opt.step()
        for name, leaf in leaves.items():
            assert close(trace.updated[name], leaf.item()), (name, trace.updated[name], leaf.item())
        stepped = trace.optimizer
        assert stepped is not None
        for name, leaf in leaves.items():
            state = opt.state[leaf]
            if name in net.frozen or not state:  # torch keeps no state for a param without .grad
                continue
            values = stepped.rows[name].values
            if "momentum_buffer" in state:
                buffer = state["momentum_buffer"].item()
                v = values["v"]
                expected = -net.learning_rate * buffer if "velocity" in text else buffer
                assert close(v, expected), (name, v, expected)
            else:
                assert close(values["m"], state["exp_avg"].item()), name
                assert close(values["v"], state["exp_avg_sq"].item()), name
                assert stepped.t == int(state["step"])
