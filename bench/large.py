"""A 784-128-10 network (101,770 params): `backprop step --format json` against a floor and PyTorch.

    python bench/large.py [ROUNDS] [--mse]

Writes the network (layered form, full-precision random floats, one sample, sigmoid hidden
layer, softmax output with cross_entropy; --mse: sigmoid output with mse) into a temporary
folder, then times, side by side, `backprop step NET --format json` and
- bench/floor_step.py, the floor: libyaml's events, numpy and json.dumps printing every key
  backprop prints (budget: backprop ≤ 1.3× this);
- bench/torch_step.py, a vectorised PyTorch script that loads the same file with yaml's C loader
  and prints the FORMAT §3 keys (budget: ≤ 1.0×).
Each output is compared number by number with backprop's first: a ratio is only printed for
answers that agree. Without numpy or torch installed, that comparison is skipped with a note.
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
FLOOR = "floor (bench/floor_step.py)"


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


def compare_all(ours: object, theirs: object, path: tuple[object, ...] = ()) -> tuple[int, float]:
    """(numbers compared, the largest relative difference) over the whole report: the same keys
    in the same order, the same texts, and every float within the tolerance."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), f"{path}: different keys"
        floats = [abs(v) for v in theirs.values() if isinstance(v, float)]
        scale = 1e-12 * max(floats, default=0.0)
        count, worst = 0, 0.0
        for key, value in theirs.items():
            if isinstance(value, float):
                count, worst = count + 1, max(worst, _rel(ours[key], value, scale))
            else:
                c, w = compare_all(ours[key], value, (*path, key))
                count, worst = count + c, max(worst, w)
        return count, worst
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), f"{path}: different lengths"
        pairs = [compare_all(a, b, (*path, i)) for i, (a, b) in enumerate(zip(ours, theirs, strict=True))]
        return sum(c for c, _ in pairs), max((w for _, w in pairs), default=0.0)
    if isinstance(theirs, float):
        assert isinstance(ours, int | float), f"{path}: {ours!r} is not a number"
        return 1, _rel(ours, theirs, 0.0)
    assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"
    return 0, 0.0


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
        has_numpy = importlib.util.find_spec("numpy") is not None
        if has_numpy:
            commands[FLOOR] = [PY, str(HERE / "floor_step.py"), str(net)]
            count, worst = compare_all(ours, json.loads(run(commands[FLOOR]).stdout))
            agree = worst <= TOLERANCE
            print(f"same report as the floor: every key, and {count:,} numbers agree to "
                  f"{worst:.1e} relative (tolerance {TOLERANCE:g}): {'yes' if agree else 'NO'}")
            if not agree:
                sys.exit("bench: backprop and the floor disagree; no timing printed")
        else:
            print("note: numpy is not installed, so the floor is skipped (pip install numpy, for "
                  "the benchmark only)")
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
        if has_numpy:
            ratio = times["backprop step --format json"] / times[FLOOR]
            print(f"backprop / floor = {ratio:.2f}× (the budget is ≤ 1.3×)")
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
