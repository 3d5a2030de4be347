"""A class marked in one process against one sheet: `backprop check walkthrough DIR --summary
--format csv` on 1,000 sheets beside `backprop check walkthrough ONE.yaml`, in fresh processes
taking turns; prints the medians of wall-clock and of CPU time and their ratios (issue 12's
goal: at most 20×).

The sheets are realistic: every quantity of the walkthrough's page (values, L, the output's
factors, every gradient and update, L_new), each answer drawn as correct (rounded to 3 decimals),
a rounding slip (one unit off in the last place), wrong (sign flipped, η applied, or a random
number), or carried forward (an update worked from the sheet's own wrong gradient).

python bench/class.py [ROUNDS]
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BACKPROP, ROOT, env, ms, repeats_from_argv

SHEETS = 1000


def true_values() -> dict[str, float]:
    """The walkthrough's numbers by the names a sheet uses (this checkout's engine)."""
    sys.path.insert(0, str(ROOT / "src"))
    from backprop.engine import run
    from backprop.spec import load

    trace = run(load(ROOT / "networks" / "walkthrough.yaml"))
    s = trace.samples[0]
    out = {name: s.values[name] for name in ("z1", "z2", "h1", "h2", "z3", "y_hat")}
    out["L"] = trace.loss
    out["dL/dy_hat"] = s.grad_node["y_hat"]
    out["dy_hat/dz3"] = s.local["y_hat"]
    for p in trace.network.params:
        out[f"dL/d{p}"] = trace.gradients[p]
    for p in trace.network.params:
        out[f"{p}_new"] = trace.updated[p]
    out["L_new"] = trace.loss_new
    return out


def sheet(rng: random.Random, truth: dict[str, float], eta: float, params: dict[str, float]) -> str:
    lines = []
    wrong_grad: dict[str, float] = {}
    for key, value in truth.items():
        roll = rng.random()
        if key.endswith("_new") and key[:-4] in wrong_grad and roll < 0.7:
            number = params[key[:-4]] - eta * wrong_grad[key[:-4]]  # carried forward
        elif roll < 0.6:
            number = value
        elif roll < 0.75:
            number = value + rng.choice((-1, 1)) * 0.001  # a rounding slip
        elif roll < 0.85:
            number = -value  # sign
        elif roll < 0.93:
            number = eta * value  # the learning rate applied
        else:
            number = rng.uniform(-1, 1)  # nothing catalogued
        if key.startswith("dL/dw") and number != value:
            wrong_grad[key[3:]] = round(number, 3)
        lines.append(f"{key}: {round(number, 3):.3f}")
    return "\n".join(lines) + "\n"


def side_by_side(commands: dict[str, list[str]], rounds: int
                 ) -> tuple[dict[str, float], dict[str, float]]:
    """_common.side_by_side, but exit 1 (a wrong answer found) is a finished run too; the medians
    of wall-clock time and of the process's CPU time (user + system, read from the children's
    rusage), which a machine busy with other work inflates far less than the wall clock."""
    import resource
    import statistics
    import subprocess
    import time

    def cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    times: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(rounds + 1):
        for name, cmd in commands.items():
            start, start_cpu = time.perf_counter(), cpu()
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env())
            if done.returncode not in (0, 1):
                sys.exit(f"bench: {name} failed ({done.returncode}): {done.stderr[-400:]!r}")
            if round_:  # round 0 warms the disk cache and writes the bytecode
                times[name].append(time.perf_counter() - start)
                cpus[name].append(cpu() - start_cpu)
    return ({name: statistics.median(ts) for name, ts in times.items()},
            {name: statistics.median(ts) for name, ts in cpus.items()})


def main() -> None:
    rounds = repeats_from_argv(7)
    truth = true_values()
    params = {"w1": 0.7, "w2": 0.3, "w3": 0.4, "w4": 0.6, "w5": 0.55, "w6": 0.45}
    rng = random.Random(12)
    with tempfile.TemporaryDirectory(prefix="backprop-class-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        for k in range(SHEETS):
            (folder / f"student{k:04d}.yaml").write_text(sheet(rng, truth, 0.1, params))
        one = folder / "student0000.yaml"
        net = str(ROOT / "networks" / "walkthrough.yaml")
        # the files listed one by one (as a shell glob gives them): the same run before folders
        # were read, and since
        sheets = [str(p) for p in sorted(folder.iterdir())]
        times, cpus = side_by_side({
            "one sheet": [*BACKPROP, "check", net, str(one)],
            f"{SHEETS:,} sheets": [*BACKPROP, "check", net, *sheets, "--summary"],
        }, rounds)
    many = f"{SHEETS:,} sheets"
    for label, figures in (("wall clock", times), ("CPU time", cpus)):
        print(f"{label}:")
        for name, seconds in figures.items():
            print(f"{name:>14}: {ms(seconds)}")
        print(f"{'ratio':>14}: {figures[many] / figures['one sheet']:8.1f}×  (goal ≤ 20×)")


if __name__ == "__main__":
    main()
