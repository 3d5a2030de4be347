"""The formerly unbounded inputs of issue 8, each measured against `step --format json` of the same file.

    python bench/unbounded.py [ROUNDS] [--timeout SECONDS] [--only NAME]

For every case the network (and answers) file is generated into a temporary folder, then each
command runs in a fresh process, the commands of a case taking turns round by round; the figures
are the median wall time and the largest peak resident memory (the process's own `ru_maxrss`,
from `os.wait4`) over the rounds, and the ratio of each to the `step --format json` run of the
same network. A table at a terminal is measured under a pseudo-terminal 100 columns wide.

A command that runs past `--timeout` (default 120 s) is killed and shown as `>TIMEOUT`; each is
also held to an address-space limit of 8 GiB, so that a runaway case cannot take the machine.
Exit codes are printed as found (check exits 1 for wrong answers, 2 for unusable input): this
measures whatever the code does, it does not judge it.
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import BACKPROP, env

MEMORY_LIMIT = 8 * 1024 ** 3  #: bytes of address space a measured command may take


@dataclass
class Result:
    seconds: float
    peak_kib: int
    code: int | None  #: None: killed at the timeout


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # the terminal's other end closed
        pass


def measure(cmd: Sequence[str], *, terminal: bool, timeout: float) -> Result:
    """One run of `cmd`: wall time, peak memory and exit code; stdout to a pipe or a terminal."""
    master = slave = -1
    if terminal:
        import fcntl
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
        reader = threading.Thread(target=_drain, args=(master,), daemon=True)
        reader.start()
    stdout = slave if terminal else subprocess.PIPE
    e = env()
    if terminal:
        e.pop("COLUMNS", None)  # the terminal's own width, as a user's shell would have it
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=stdout, stderr=subprocess.DEVNULL, env=e,
                            preexec_fn=_limit)
    if not terminal:
        assert proc.stdout is not None
        piped = threading.Thread(target=_drain, args=(proc.stdout.fileno(),), daemon=True)
        piped.start()
    else:
        os.close(slave)
    code: int | None = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            elapsed = time.perf_counter() - start
            code = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - start > timeout:
            os.kill(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            code = None
            break
        time.sleep(0.005)
    proc.returncode = code if code is not None else -9  # reaped above: keep Popen from waiting
    if terminal:
        os.close(master)
    elif proc.stdout is not None:
        proc.stdout.close()
    return Result(elapsed, usage.ru_maxrss, code)


@dataclass
class Case:
    name: str
    describe: str
    make: Callable[[Path], dict[str, tuple[list[str], bool]]]  #: folder -> label -> (args, terminal)


# ---------------------------------------------------------------- the inputs

def many_samples(n_samples: int, hidden: int = 98, *, seed: int = 3) -> str:
    """A 1-`hidden`-1 layered network (tanh, identity output, mse) with `n_samples` samples; no
    hidden biases, so that its 197 params keep it under the large-network summary."""
    import random

    rng = random.Random(seed)
    lines = ["title: 1-98-1 tanh network, many samples", "layers:",
             "  - activation: tanh", "    weights: ["
             + ", ".join(f"[{rng.uniform(-2, 2):.4f}]" for _ in range(hidden)) + "]",
             "  - activation: identity",
             "    weights: [[" + ", ".join(f"{rng.uniform(-0.3, 0.3):.4f}" for _ in range(hidden))
             + "]]", "    biases: [0.1]", "samples:"]
    for _ in range(n_samples):
        x = rng.uniform(-3, 3)
        lines.append(f"  - {{inputs: [{x:.4f}], targets: [{x * x / 9:.4f}]}}")
    lines += ["loss: mse", "learning_rate: 0.05", ""]
    return "\n".join(lines)


def walkthrough_samples(n_samples: int, *, seed: int = 4) -> str:
    """The bundled walkthrough's network with `n_samples` samples."""
    import random

    rng = random.Random(seed)
    head = (Path(__file__).resolve().parents[1] / "networks" / "walkthrough.yaml").read_text()
    keep = [line for line in head.splitlines()
            if not line.startswith(("inputs:", "  x1:", "  x2:", "targets:", "  y_hat: 1"))]
    lines = [*keep, "samples:"]
    for _ in range(n_samples):
        lines.append(f"  - {{inputs: {{x1: {rng.uniform(0, 1):.3f}, x2: {rng.uniform(0, 1):.3f}}}, "
                     f"targets: {{y_hat: {rng.randint(0, 1)}}}}}")
    return "\n".join(lines) + "\n"


def shared_weight(width: int = 100, n_samples: int = 40, *, seed: int = 5) -> str:
    """`width` inputs, `width` tanh nodes each fed from every input through the one weight `w`
    (width² = 10,000 edges share it), a sigmoid output, `n_samples` samples."""
    import random

    rng = random.Random(seed)
    xs = [f"x{i}" for i in range(1, width + 1)]
    lines = ["title: one weight shared by every edge of a layer", "params:", "  w: 0.01"]
    lines += [f"  v{j}: {rng.uniform(-1, 1):.4f}" for j in range(1, width + 1)]
    lines.append("nodes:")
    feed = ", ".join(f"{x}: w" for x in xs)
    lines += [f"  h{j}: {{from: {{{feed}}}, activation: tanh}}" for j in range(1, width + 1)]
    lines.append("  y: {from: {" + ", ".join(f"h{j}: v{j}" for j in range(1, width + 1))
                 + "}, activation: sigmoid}")
    lines.append("samples:")
    for _ in range(n_samples):
        ins = ", ".join(f"{x}: {rng.uniform(-1, 1):.3f}" for x in xs)
        lines.append(f"  - {{inputs: {{{ins}}}, targets: {{y: {rng.randint(0, 1)}}}}}")
    lines += ["loss: bce", "learning_rate: 0.1", ""]
    return "\n".join(lines)


def long_name(length: int = 2_000_000) -> str:
    """A one-node network whose sum is named by `length` letters (a value: YAML allows a plain key
    of at most 1,024 characters, so a name this long can only be a value)."""
    return (f"inputs: {{x1: 0.5}}\nparams: {{w1: 0.3}}\nnodes:\n  h: {{sum: {'z' * length}, "
            f"from: {{x1: w1}}, activation: sigmoid}}\ntargets: {{h: 1}}\nloss: mse\n"
            f"learning_rate: 0.1\n")


def chain(depth: int = 1500) -> str:
    """x → h1 → h2 → … → h_depth, identity nodes, weights w_i = 1.0 (the identity chain)."""
    lines = ["inputs: {x: 0.5}", "params:"]
    lines += [f"  w{i}: 1.0" for i in range(1, depth + 1)]
    lines.append("nodes:")
    lines.append("  h1: {from: {x: w1}}")
    lines += [f"  h{i}: {{from: {{h{i - 1}: w{i}}}}}" for i in range(2, depth + 1)]
    lines += [f"targets: {{h{depth}: 1}}", "loss: mse", "learning_rate: 0.1", ""]
    return "\n".join(lines)


def long_keys(n: int = 800) -> str:
    """`n` answers (~34 KB) for the one quantity w5_new, each key a different padding with spaces."""
    lines = [f'"{" " * (i % 40)}w5_new{" " * (i // 40)}": 0.551' for i in range(n)]
    return "\n".join(lines) + "\n"


def _write(folder: Path, name: str, text: str, suffix: str = ".yaml") -> str:
    path = folder / f"{name}{suffix}"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _step(net: str, *more: str) -> list[str]:
    return ["step", net, *more]


def _samples_case(label: str, text: Callable[[], str]) -> Callable[[Path], dict[str, tuple[list[str], bool]]]:
    def make(folder: Path) -> dict[str, tuple[list[str], bool]]:
        net = _write(folder, label, text())
        return {"step --format json": (_step(net, "--format", "json"), False),
                "step (table, piped)": (_step(net), False),
                "step (table, terminal)": (_step(net), True)}
    return make


def _shared(folder: Path) -> dict[str, tuple[list[str], bool]]:
    net = _write(folder, "shared", shared_weight())
    return {"step --format json": (_step(net, "--format", "json"), False),
            "explain --weight w": (["explain", "--weight", "w", net], False),
            "explain --weight w (terminal)": (["explain", "--weight", "w", net], True)}


def _long_name(folder: Path) -> dict[str, tuple[list[str], bool]]:
    net = _write(folder, "long-name", long_name())
    return {"step --format json": (_step(net, "--format", "json"), False),
            "step (table, piped)": (_step(net), False)}


def _chain(folder: Path) -> dict[str, tuple[list[str], bool]]:
    net = _write(folder, "chain", chain())
    return {"step --format json": (_step(net, "--format", "json"), False),
            "explain --weight w1": (["explain", "--weight", "w1", net], False),
            "step --all": (_step(net, "--all"), False)}


def _check_keys(folder: Path) -> dict[str, tuple[list[str], bool]]:
    net = str(Path(__file__).resolve().parents[1] / "networks" / "walkthrough.yaml")
    answers = _write(folder, "long-keys", long_keys())
    return {"step --format json": (_step(net, "--format", "json"), False),
            "check (800 answers, one quantity)": (["check", net, answers], False)}


def _check_samples(folder: Path) -> dict[str, tuple[list[str], bool]]:
    net = _write(folder, "walkthrough-100k", walkthrough_samples(100_000))
    answers = _write(folder, "one-line", "L: 0.25\n")
    return {"step --format json": (_step(net, "--format", "json"), False),
            "check (one line)": (["check", net, answers], False)}


CASES = [
    Case("samples-1-98-1", "1-98-1 network, 5,000 samples",
         _samples_case("samples-1-98-1", lambda: many_samples(5000))),
    Case("samples-walkthrough", "walkthrough, 100,000 samples",
         _samples_case("walkthrough-100k", lambda: walkthrough_samples(100_000))),
    Case("shared-weight", "one weight on 10,000 edges, 40 samples", _shared),
    Case("long-name", "a node name of 2,000,000 characters", _long_name),
    Case("chain", "1,500 identity nodes in a chain", _chain),
    Case("check-keys", "check: 800 answers (34 KB) for the one quantity w5_new (walkthrough)", _check_keys),
    Case("check-samples", "check: one line on 100,000 walkthrough samples", _check_samples),
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", action="append", choices=[c.name for c in CASES])
    args = parser.parse_args(argv)
    print(f"{args.rounds} round(s) per command, timeout {args.timeout:.0f} s; "
          f"ratios against `step --format json` of the same network")
    with tempfile.TemporaryDirectory(prefix="backprop-bench-") as tmp:
        for case in CASES:
            if args.only and case.name not in args.only:
                continue
            commands = case.make(Path(tmp))
            runs: dict[str, list[Result]] = {label: [] for label in commands}
            for _ in range(args.rounds):
                for label, (argv_, terminal) in commands.items():
                    runs[label].append(measure([*BACKPROP, *argv_], terminal=terminal,
                                               timeout=args.timeout))
            print(f"\n{case.name}: {case.describe}")
            base = runs["step --format json"]
            base_t = statistics.median(r.seconds for r in base)
            base_m = max(r.peak_kib for r in base)
            for label, results in runs.items():
                if any(r.code is None for r in results):
                    print(f"  {label:<32} >{args.timeout:.0f} s: killed")
                    continue
                t = statistics.median(r.seconds for r in results)
                m = max(r.peak_kib for r in results)
                codes = sorted({r.code for r in results if r.code is not None})
                print(f"  {label:<32} {t:8.2f} s {t / base_t:6.2f}×   {m / 1024:8.1f} MiB "
                      f"{m / base_m:5.2f}×   exit {', '.join(map(str, codes))}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
