"""Network files for the benchmarks, written into a temporary folder (never committed).

Every number is a full-precision random float (``repr`` of a float64, ~18 significant digits), so the
YAML loader is measured on the text a real exported network would have.
"""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path


def _floats(rng: random.Random, n: int, scale: float) -> str:
    return "[" + ", ".join(repr(rng.uniform(-scale, scale)) for _ in range(n)) + "]"


def layered(sizes: list[int], *, seed: int = 1, hidden: str = "sigmoid",
            output: str = "softmax", loss: str = "cross_entropy") -> str:
    """A layered-form (FORMAT §1.2) network file: `sizes` = [inputs, hidden…, outputs], one sample."""
    rng = random.Random(seed)
    lines = [f"title: {'-'.join(map(str, sizes))} {hidden} network, {output} output, {loss}",
             f"inputs: {_floats(rng, sizes[0], 1.0)}", "layers:"]
    for i, (fan_in, fan_out) in enumerate(pairwise(sizes)):
        scale = 1.0 / fan_in ** 0.5
        act = output if i == len(sizes) - 2 else hidden
        lines.append(f"  - activation: {act}")
        lines.append("    weights:")
        lines.extend(f"      - {_floats(rng, fan_in, scale)}" for _ in range(fan_out))
        lines.append(f"    biases: {_floats(rng, fan_out, scale)}")
    n_out = sizes[-1]
    if output == "softmax":
        hot = rng.randrange(n_out)
        targets = [1 if j == hot else 0 for j in range(n_out)]
    else:
        targets = [round(rng.random(), 3) for _ in range(n_out)]
    lines += [f"targets: {targets}", f"loss: {loss}", "learning_rate: 0.1", ""]
    return "\n".join(lines)


def params_of(sizes: list[int]) -> int:
    """Weights and biases of a fully connected network with these layer sizes."""
    return sum(a * b + b for a, b in pairwise(sizes))


def deep(width: int = 8, depth: int = 10, *, seed: int = 2) -> str:
    """`depth` weight layers, all `width` wide but the last (one sigmoid output, mse):
    a first-layer weight reaches the loss along width^(depth − 2) paths (8^8 = 16,777,216)."""
    return layered([width] * depth + [1], seed=seed, hidden="sigmoid", output="sigmoid", loss="mse")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
