"""Start-up budget: `backprop step` on the walkthrough against the import floor, side by side.

    python bench/startup.py [ROUNDS]

The floor is what the same Python takes merely to import click, pyyaml and rich
(`python -c "import click, yaml, rich"`); the budget is 1.5× that (aim: 1.2×). The report is
laid out by backprop's own text layout, piped here (stdout is a pipe); `bench/terminal.py`
measures the same command at a terminal. Then one in-process run is split into its phases, to
show where the time over the floor goes.
"""

from __future__ import annotations

import json
import statistics
import sys

from _common import BACKPROP, PY, env, ms, repeats_from_argv, run, side_by_side, site_note

BUDGET, AIM = 1.5, 1.2

# One `backprop step` in-process, timed phase by phase (printed as JSON on stderr).
PHASES = r"""
import io, json, sys, time
t = [time.perf_counter()]
import click, yaml, rich
t.append(time.perf_counter())
from backprop import bundled, cli, spec
from backprop.engine import run
from backprop.render.step import step_report
t.append(time.perf_counter())
net = cli._load(None)
t.append(time.perf_counter())
trace = run(net)
t.append(time.perf_counter())
report = step_report(trace, 3)
t.append(time.perf_counter())
out, sys.stdout = sys.stdout, io.StringIO()
cli._emit(report)
sys.stdout = out
t.append(time.perf_counter())
names = ["import click, yaml, rich", "import backprop (step's modules)",
         "load the walkthrough", "engine.run", "build the tables", "lay out and print them"]
print(json.dumps(dict(zip(names, (b - a for a, b in zip(t, t[1:]))))), file=sys.stderr)
"""


def main() -> None:
    rounds = repeats_from_argv(21)
    commands = {
        "python -c pass": [PY, "-c", "pass"],
        "floor: import click, yaml, rich": [PY, "-c", "import click, yaml, rich"],
        "backprop --version": [*BACKPROP, "--version"],
        "backprop step": [*BACKPROP, "step"],
        "backprop step --format json": [*BACKPROP, "step", "--format", "json"],
        "backprop step (no bytecode cache)": [*BACKPROP, "step"],
    }
    environ = {"backprop step (no bytecode cache)": env(bytecode=False)}
    times = side_by_side(commands, rounds, environ)
    floor = times["floor: import click, yaml, rich"]
    print(f"Start-up, {rounds} rounds side by side, median wall time of a fresh process "
          f"({sys.version.split()[0]}):")
    for name, t in times.items():
        extra = "" if name == "python -c pass" else f"  {t / floor:5.2f}× floor"
        print(f"  {name:<36} {ms(t)}{extra}")
    ratio = times["backprop step"] / floor
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"budget: backprop step = {ratio:.2f}× the floor: {verdict} the {BUDGET}× budget "
          f"(aim {AIM}×)")
    note = site_note()
    if note:
        print(note)

    phases: list[dict[str, float]] = [json.loads(run([PY, "-c", PHASES]).stderr)
                                      for _ in range(max(5, rounds // 3))]
    print("\nWhere the time of one `backprop step` goes (in-process, median of "
          f"{len(phases)} runs; interpreter start-up not included):")
    for name in phases[0]:
        print(f"  {name:<36} {ms(statistics.median(p[name] for p in phases))}")


if __name__ == "__main__":
    main()
