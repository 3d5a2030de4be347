"""Path explosion: `backprop explain` on a first-layer weight of a 10-layer, 8-wide network.

    python bench/deep_explain.py [ROUNDS]

From w1_1_1 the loss is reached along 8^8 = 16,777,216 paths (nine 8-wide layers, one
output). explain counts them by dynamic programming and shows the δ recursion instead of
listing them; this times the whole command side by side with the import floor and checks that
the output states the count.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import netgen
from _common import BACKPROP, PY, ms, repeats_from_argv, run, side_by_side

PATHS = 8 ** 8


def main() -> None:
    rounds = repeats_from_argv(11)
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as tmp:
        net = netgen.write(Path(tmp), "deep", netgen.deep(width=8, depth=10))
        cmd = [*BACKPROP, "explain", "--weight", "w1_1_1", str(net)]
        out = run(cmd).stdout
        stated = f"{PATHS:,}" in out
        print(f"10-layer, 8-wide network ({netgen.params_of([8] * 10 + [1]):,} params): explain "
              f"w1_1_1 states {PATHS:,} paths: {'yes' if stated else 'NO'}")
        times = side_by_side({"floor: import click, yaml, rich": [PY, "-c", "import click, yaml, rich"],
                              "backprop explain --weight w1_1_1": cmd}, rounds)
    floor = times["floor: import click, yaml, rich"]
    print(f"{rounds} rounds side by side, median:")
    for name, t in times.items():
        print(f"  {name:<36} {ms(t)}  {t / floor:5.2f}× floor")
    if not stated:
        raise SystemExit("bench: the path count is missing from explain's output")


if __name__ == "__main__":
    main()
