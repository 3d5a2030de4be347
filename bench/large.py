"""A 784-128-10 network (101,770 params): `backprop step --format json` against PyTorch.

    python bench/large.py [ROUNDS] [--mse]

Writes the network (layered form, full-precision random floats, one sample, sigmoid hidden
layer, softmax output with cross_entropy; --mse: sigmoid output with mse) into a temporary
folder, then times, side by side, `backprop step NET --format json` and bench/torch_step.py,
a vectorised PyTorch script that loads the same file with yaml's C loader and prints the same
keys. Both outputs are compared number by number first: the ratio is only printed for answers
that agree. Without torch installed, the comparison is skipped with a note and only backprop
is timed.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import netgen
from _common import BACKPROP, PY, ms, repeats_from_argv, run, side_by_side

HERE = Path(__file__).resolve().parent
SIZES = [784, 128, 10]
TOLERANCE = 1e-9  #: relative, for every value, gradient and update


def _rel(a: float, b: float, scale: float) -> float:
    """|a − b| relative to the larger of the two, or to `scale` for values that are noise-level
    (a gradient that is 0 in exact arithmetic comes out as ±1e-18 in both, in different bits)."""
    return abs(a - b) / max(abs(a), abs(b), scale)


def compare(ours: dict, theirs: dict) -> tuple[int, float]:
    """(numbers compared, the largest relative difference) over values, gradients, updates, loss."""
    worst, count = 0.0, 0
    for key in ("gradients", "updated"):
        assert list(ours[key]) == list(theirs[key]), f"{key}: different names or order"
        scale = 1e-12 * max(map(abs, theirs[key].values()))
        for name, value in theirs[key].items():
            worst = max(worst, _rel(ours[key][name], value, scale))
            count += 1
    mine, other = ours["samples"][0]["values"], theirs["samples"][0]["values"]
    assert set(mine) == set(other), "values: different names"
    scale = 1e-12 * max(map(abs, other.values()))
    for name, value in other.items():
        worst = max(worst, _rel(mine[name], value, scale))
        count += 1
    worst = max(worst, _rel(ours["loss"]["value"], theirs["loss"]["value"], 0.0))
    return count + 1, worst


def main() -> None:
    rounds = repeats_from_argv(5)
    mse = "--mse" in sys.argv
    kind = dict(output="sigmoid", loss="mse") if mse else dict(output="softmax", loss="cross_entropy")
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as tmp:
        net = netgen.write(Path(tmp), "mnist", netgen.layered(SIZES, seed=1, **kind))
        params = netgen.params_of(SIZES)
        print(f"{'-'.join(map(str, SIZES))} network, {params:,} params, sigmoid hidden, "
              f"{kind['output']} output, {kind['loss']}; {net.stat().st_size / 1e6:.1f} MB of YAML")
        commands = {"backprop step --format json": [*BACKPROP, "step", str(net), "--format", "json"]}
        ours = json.loads(run(commands["backprop step --format json"]).stdout)
        assert len(ours["gradients"]) == params
        has_torch = importlib.util.find_spec("torch") is not None
        if has_torch:
            commands["PyTorch (bench/torch_step.py)"] = [PY, str(HERE / "torch_step.py"), str(net)]
            theirs = json.loads(run(commands["PyTorch (bench/torch_step.py)"]).stdout)
            count, worst = compare(ours, theirs)
            agree = worst <= TOLERANCE
            print(f"same answers: {count:,} numbers (every value, gradient, update and the loss) "
                  f"agree to {worst:.1e} relative (tolerance {TOLERANCE:g}): "
                  f"{'yes' if agree else 'NO'}")
            if not agree:
                sys.exit("bench: backprop and PyTorch disagree; no timing printed")
        else:
            print("note: torch is not installed, so the PyTorch comparison is skipped "
                  "(pip install torch, CPU wheel, to run it)")
        times = side_by_side(commands, rounds)
        print(f"end to end, {rounds} rounds side by side, median:")
        for name, t in times.items():
            print(f"  {name:<32} {ms(t)}")
        if has_torch:
            ratio = times["backprop step --format json"] / times["PyTorch (bench/torch_step.py)"]
            print(f"backprop / PyTorch = {ratio:.2f}× ({'faster' if ratio < 1 else 'SLOWER'}; "
                  f"the budget is ≤ 1.0×)")
        tables = side_by_side({"backprop step (summarised tables)": [*BACKPROP, "step", str(net)]},
                              max(3, rounds // 2))
        for name, t in tables.items():
            print(f"  {name:<32} {ms(t)}")


if __name__ == "__main__":
    main()
