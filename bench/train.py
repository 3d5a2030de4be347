"""`backprop train`: what the run costs over the steps themselves.

    python bench/train.py [ROUNDS] [STEPS]

Times `backprop train statquest --steps STEPS` (10,000 by default), as JSON and as the report
with its curve, side by side with a floor: a script that loads the same network and runs the
same STEPS steps of `engine.run` on the params the last one left, and prints nothing. The
difference is train's own loop (the loss history, the stop rules) and its output.
"""

from __future__ import annotations

import sys

from _common import BACKPROP, PY, ms, repeats_from_argv, side_by_side

FLOOR = """
import sys
from dataclasses import replace
from backprop import bundled
from backprop.engine import run
from backprop.spec import load
network = load(bundled.path("statquest"))
for _ in range(int(sys.argv[1])):
    trace = run(network)
    network = replace(network, params=trace.updated)
"""


def main() -> None:
    rounds = repeats_from_argv(7)
    steps = sys.argv[2] if len(sys.argv) > 2 else "10000"
    commands = {
        f"floor: {steps} × engine.run": [PY, "-c", FLOOR, steps],
        "train --format json": [*BACKPROP, "train", "statquest", "--steps", steps, "--format", "json"],
        "train (table, curve)": [*BACKPROP, "train", "statquest", "--steps", steps],
    }
    times = side_by_side(commands, rounds)
    floor = times[f"floor: {steps} × engine.run"]
    print(f"StatQuest's network, {int(steps):,} steps; {rounds} rounds side by side, median:")
    for name, t in times.items():
        print(f"  {name:<28} {ms(t)}  {t / floor:5.2f}× floor  {t / int(steps) * 1e6:7.1f} µs a step")


if __name__ == "__main__":
    main()
