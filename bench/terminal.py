"""A terminal against a pipe: `backprop step` at a (pseudo-)terminal beside the import floor, and
a 101,770-param `step --all` at a terminal beside the same run piped.

    python bench/terminal.py [ROUNDS] [--large-rounds N] [--no-large]

A pseudo-terminal 100 columns wide stands in for the user's terminal: the program sees
isatty() true and lays the report out as it would for them (styles included); the piped runs
get COLUMNS=100, so both lay out the same lines. Before timing, one run of each is compared:
the terminal's text with its ANSI codes taken out must be the pipe's, byte for byte.

Goals (issue 10): `backprop step` at a terminal within 1.3× the floor `python -c "import click,
yaml, rich"`; piped within the start-up budget of 1.5×; the 784-128-10 `step --all` at a terminal
within 1.5× the same run piped, in time and in peak memory.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import netgen
from _common import BACKPROP, PY, at, side_by_side_at, site_note

ANSI = re.compile(rb"\x1b\[[0-9;]*m")
STARTUP_GOAL, PIPED_BUDGET, LARGE_GOAL = 1.3, 1.5, 1.5


def same_text(args: list[str]) -> tuple[int, int]:
    """The pipe's bytes and the terminal's escape sequences, after checking that the terminal
    shows the pipe's text; a difference stops the benchmark."""
    _, _, piped = at([*BACKPROP, *args], terminal=False, keep=True)
    _, _, shown = at([*BACKPROP, *args], terminal=True, keep=True)
    if ANSI.sub(b"", shown) != piped:
        sys.exit(f"bench: `backprop {' '.join(args)}` prints other text at a terminal than piped")
    return len(piped), len(ANSI.findall(shown))


def startup(rounds: int) -> None:
    size, codes = same_text(["step"])
    commands = {
        "python -c pass": ([PY, "-c", "pass"], False),
        "floor: import click, yaml, rich": ([PY, "-c", "import click, yaml, rich"], False),
        "backprop step, piped": ([*BACKPROP, "step"], False),
        "backprop step, at a terminal": ([*BACKPROP, "step"], True),
    }
    got = side_by_side_at(commands, rounds)
    floor = got["floor: import click, yaml, rich"][0]
    print(f"Start-up, {rounds} rounds side by side, median wall time of a fresh process "
          f"({sys.version.split()[0]}; the walkthrough's report: {size:,} bytes, {codes} "
          f"escape sequences at a terminal):")
    for name, (seconds, _) in got.items():
        print(f"  {name:<34} {seconds * 1000:8.1f} ms  {seconds / floor:5.2f}× floor")
    terminal = got["backprop step, at a terminal"][0] / floor
    piped = got["backprop step, piped"][0] / floor
    print(f"goal: at a terminal {terminal:.3f}× the floor "
          f"({'within' if terminal <= STARTUP_GOAL else 'OVER'} {STARTUP_GOAL}×); piped "
          f"{piped:.3f}× ({'within' if piped <= PIPED_BUDGET else 'OVER'} the {PIPED_BUDGET}× budget)")
    note = site_note()
    if note:
        print(note)


def large(rounds: int) -> None:
    sizes = [784, 128, 10]
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as tmp:
        net = str(netgen.write(Path(tmp), "784-128-10", netgen.layered(sizes, seed=1)))
        args = ["step", net, "--all"]
        size, codes = same_text(args)
        got = side_by_side_at({"piped": ([*BACKPROP, *args], False),
                               "at a terminal": ([*BACKPROP, *args], True)}, rounds)
    print(f"\n784-128-10 ({netgen.params_of(sizes):,} params) `step --all`, {rounds} rounds side "
          f"by side ({size / 1e6:.1f} MB of text, {codes:,} escape sequences at a terminal):")
    for name, (seconds, peak) in got.items():
        print(f"  {name:<16} {seconds:8.2f} s  peak {peak / 1024:7.0f} MiB")
    (t_pipe, m_pipe), (t_term, m_term) = got["piped"], got["at a terminal"]
    verdict = "within" if max(t_term / t_pipe, m_term / m_pipe) <= LARGE_GOAL else "OVER"
    print(f"goal: at a terminal {t_term / t_pipe:.2f}× the piped time and {m_term / m_pipe:.2f}× "
          f"its peak memory ({verdict} {LARGE_GOAL}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=21)
    parser.add_argument("--large-rounds", type=int, default=3)
    parser.add_argument("--no-large", action="store_true", help="only the start-up comparison")
    options = parser.parse_args()
    startup(options.rounds)
    if not options.no_large:
        large(options.large_rounds)


if __name__ == "__main__":
    main()
