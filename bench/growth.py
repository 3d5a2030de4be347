"""How the cost grows with the network: ~1k, ~10k and ~100k params, end to end and by phase.

    python bench/growth.py [ROUNDS]

Each network (layered form, full-precision random floats, sigmoid hidden layer, softmax
output, cross_entropy) is written into a temporary folder; `backprop step NET --format json`
and the summarised table report are timed as whole processes, then one in-process run is split
into its phases (read the YAML, build the Network, engine.run, write the JSON), with the garbage
collector paused as the CLI pauses it. Linear growth
shows as a constant time per param once the fixed start-up is subtracted: each 10× step of
params should cost about 10× more, no worse.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from itertools import pairwise
from pathlib import Path

import netgen
from _common import BACKPROP, PY, env, ms, repeats_from_argv, run, side_by_side

SHAPES = ([100, 9, 10], [316, 31, 10], [784, 128, 10])  # 1,009 / 10,147 / 101,770 params

PHASES = r"""
import gc, json, sys, time
gc.disable()  # as the CLI runs a command
from backprop.yamlsafe import load_file
from backprop.spec import parse
from backprop.engine import run
from backprop.render.json import step_json
t0 = time.perf_counter(); doc = load_file(sys.argv[1])
t1 = time.perf_counter(); net = parse(doc)
t2 = time.perf_counter(); trace = run(net)
t3 = time.perf_counter(); text = step_json(trace)
t4 = time.perf_counter()
print(json.dumps({"read YAML (yamlsafe)": t1 - t0, "build Network (spec)": t2 - t1,
                  "engine.run": t3 - t2, "JSON text": t4 - t3}), file=sys.stderr)
"""


def main() -> None:
    rounds = repeats_from_argv(5)
    rows = []
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as tmp:
        for sizes in SHAPES:
            name = "-".join(map(str, sizes))
            net = netgen.write(Path(tmp), name, netgen.layered(sizes, seed=1))
            times = side_by_side({"json": [*BACKPROP, "step", str(net), "--format", "json"],
                                  "tables": [*BACKPROP, "step", str(net)]}, rounds)
            phases = [json.loads(run([PY, "-c", PHASES, str(net)], env()).stderr)
                      for _ in range(3)]
            split = {k: statistics.median(p[k] for p in phases) for k in phases[0]}
            rows.append((name, netgen.params_of(sizes), times, split))
    floor = side_by_side({"floor": [PY, "-c", "import click, yaml, rich"]}, rounds)["floor"]

    print(f"Growth, {rounds} rounds side by side, median wall time of a fresh process:")
    print(f"  {'network':<12} {'params':>8}   {'step --format json':>18}   {'step (tables)':>14}"
          f"   {'µs/param over floor (json)':>26}")
    for name, params, times, _ in rows:
        per = (times["json"] - floor) / params * 1e6
        print(f"  {name:<12} {params:>8,}   {ms(times['json']):>18}   {ms(times['tables']):>14}"
              f"   {per:>26.1f}")
    for (a, pa, ta, _), (b, pb, tb, _) in pairwise(rows):
        grow = (tb["json"] - floor) / (ta["json"] - floor)
        print(f"  {a} → {b}: {pb / pa:.1f}× the params, {grow:.1f}× the time over the floor "
              f"({ms(floor).strip()})")
    print("\nBy phase, in-process (median of 3 runs):")
    print(f"  {'phase':<24}" + "".join(f"{name:>16}" for name, *_ in rows) + "   µs/param at 100k")
    for phase in rows[0][3]:
        cells = "".join(f"{ms(split[phase]):>16}" for *_, split in rows)
        print(f"  {phase:<24}{cells}   {rows[-1][3][phase] / rows[-1][1] * 1e6:8.2f}")


if __name__ == "__main__":
    main()
