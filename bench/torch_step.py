"""The PyTorch reference for bench/large.py: one training step of a layered network file, vectorised.

    python bench/torch_step.py NET.yaml > report.json

It reads the same file with PyYAML's C loader, runs the forward pass, loss and backward pass
with autograd in float64, and prints the keys of FORMAT §3 that `backprop step --format json`
prints, under the same generated names (x{j}, z{layer}_{j}, h{layer}_{j}, w{layer}_{j}_{k},
b{layer}_{j}). It handles what the benchmark writes: one sample, default names, identity /
sigmoid / tanh / relu hidden layers, a softmax output with cross_entropy or any elementwise
output with sse / mse / half_sse.
"""

from __future__ import annotations

import json
import sys

import torch
import yaml

ACT = {"identity": lambda z: z, "linear": lambda z: z, "sigmoid": torch.sigmoid,
       "tanh": torch.tanh, "relu": torch.relu}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        net = yaml.load(f, Loader=yaml.CSafeLoader)
    f64 = torch.float64
    x = torch.tensor(net["inputs"], dtype=f64)
    t = torch.tensor(net["targets"], dtype=f64)
    weights, biases = [], []
    for layer in net["layers"]:
        weights.append(torch.tensor(layer["weights"], dtype=f64, requires_grad=True))
        biases.append(torch.tensor(layer["biases"], dtype=f64, requires_grad=True)
                      if layer.get("biases") is not None else None)

    values: dict[str, float] = {f"x{j}": v for j, v in enumerate(x.tolist(), start=1)}
    h = x
    zs, hs = [], []
    last = len(net["layers"]) - 1
    for i, layer in enumerate(net["layers"]):
        z = weights[i] @ h
        if biases[i] is not None:
            z = z + biases[i]
        act = layer.get("activation", "identity")
        if act == "softmax":
            assert i == last and net["loss"] == "cross_entropy"
            logp = torch.log_softmax(z, dim=0)
            h = logp.exp()
        else:
            h = ACT[act](z)
        zs.append(z)
        hs.append(h)
    kind = net["loss"]
    if kind == "cross_entropy":
        loss = -(t * logp).sum()  # one sample: the mean over S = 1 samples
    elif kind in ("sse", "mse", "half_sse"):
        sq = ((t - h) ** 2).sum()
        loss = {"sse": sq, "mse": sq / t.numel(), "half_sse": sq / 2}[kind]
    else:
        raise SystemExit(f"torch_step.py: loss {kind!r} is not handled")
    loss.backward()

    for li, (z, hv) in enumerate(zip(zs, hs, strict=True), start=1):
        for j, (zv, hj) in enumerate(zip(z.tolist(), hv.tolist(), strict=True), start=1):
            values[f"z{li}_{j}"] = zv
            values[f"h{li}_{j}"] = hj
    eta = float(net["learning_rate"])
    gradients: dict[str, float] = {}
    updated: dict[str, float] = {}
    with torch.no_grad():
        for li, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
            rows, cols = w.shape
            grads, news = w.grad.tolist(), (w - eta * w.grad).tolist()
            if b is not None:
                bgrads, bnews = b.grad.tolist(), (b - eta * b.grad).tolist()
            for j in range(rows):  # the file's order: row j's weights, then its bias
                names = [f"w{li}_{j + 1}_{k}" for k in range(1, cols + 1)]
                gradients.update(zip(names, grads[j], strict=True))
                updated.update(zip(names, news[j], strict=True))
                if b is not None:
                    gradients[f"b{li}_{j + 1}"] = bgrads[j]
                    updated[f"b{li}_{j + 1}"] = bnews[j]
    report = {"title": net.get("title"), "loss": {"name": "L", "kind": kind, "value": loss.item()},
              "samples": [{"values": values}], "gradients": gradients, "learning_rate": eta,
              "updated": updated}
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
