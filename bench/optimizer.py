"""Optimizers: what a step with momentum or Adam costs over plain gradient descent.

    python bench/optimizer.py [ROUNDS]

Times `backprop step NET --format json` on a 784-128-10 network (101,770 params) written with
`optimizer: sgd`, `{kind: momentum}` and `{kind: adam}`, side by side: the difference is the
optimizer's rule run param by param (optimizers.apply) and its quantities and state in the JSON.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import BACKPROP, ms, repeats_from_argv, side_by_side
from netgen import layered


def main() -> None:
    rounds = repeats_from_argv(5)
    folder = Path(tempfile.mkdtemp(prefix="backprop-bench-opt-"))
    text = layered([784, 128, 10])
    commands = {}
    for name, spec in [("sgd", "sgd"), ("momentum", "{kind: momentum}"), ("adam", "{kind: adam}")]:
        path = folder / f"{name}.yaml"
        path.write_text(text + f"optimizer: {spec}\n", encoding="utf-8")
        commands[f"step --format json, {name}"] = [*BACKPROP, "step", str(path), "--format", "json"]
    times = side_by_side(commands, rounds)
    print(f"784-128-10 network, one step; {rounds} rounds side by side, median:")
    for name, seconds in times.items():
        print(f"  {name:<32} {ms(seconds)}")


if __name__ == "__main__":
    main()
