"""Shared by the bench scripts: how a command is run and timed, side by side, in fresh processes.

Every figure is the median wall-clock time of a whole subprocess (start-up included), the
commands of one comparison taking turns round by round, so that a busy moment of the machine
falls on all of them alike.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
# `backprop ARGS` exactly as the console script of pyproject.toml runs it
BACKPROP = [PY, "-c", "import sys; from backprop.console import main; sys.argv[0] = 'backprop'; main()"]

_PYC = tempfile.mkdtemp(prefix="backprop-bench-pyc-")
atexit.register(shutil.rmtree, _PYC, ignore_errors=True)


def env(*, bytecode: bool = True) -> dict[str, str]:
    """The environment of a measured command: backprop from this checkout's src/.

    An installed package has compiled bytecode; this checkout may run with
    PYTHONDONTWRITEBYTECODE=1 (it does on the machine the figures come from), which would make
    every run recompile backprop's modules. So, unless `bytecode` is False, bytecode is written
    to (and read from) a temporary folder, as pip's install would have it.
    """
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [out.get("PYTHONPATH")])])
    out.setdefault("COLUMNS", "100")
    out.pop("FORCE_COLOR", None)
    if bytecode:
        out.pop("PYTHONDONTWRITEBYTECODE", None)
        out["PYTHONPYCACHEPREFIX"] = _PYC
    return out


def run(cmd: Sequence[str], environ: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run once, output captured; a failure stops the benchmark with the command's stderr."""
    done = subprocess.run(list(cmd), capture_output=True, text=True, env=dict(environ or env()))
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)!r} failed ({done.returncode}):\n{done.stderr}")
    return done


def side_by_side(commands: Mapping[str, Sequence[str]], repeats: int,
                 environ: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, float]:
    """The median seconds of each command over `repeats` rounds, after one warm-up round."""
    environ = environ or {}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(repeats + 1):
        for name, cmd in commands.items():
            e = dict(environ.get(name) or env())
            start = time.perf_counter()
            subprocess.run(list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e,
                           check=True)
            if round_:  # round 0 warms the disk cache and writes the bytecode
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def repeats_from_argv(default: int) -> int:
    """`python bench/x.py 21` runs 21 rounds."""
    return int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else default


def site_note() -> str | None:
    """A .pth file that imports modules at every interpreter start inflates the floor and every
    command alike; say so, with its cost, so the ratios can be read on another machine."""
    with_site = side_by_side({"site": [PY, "-c", "pass"], "no site": [PY, "-S", "-c", "pass"]}, 5)
    extra = with_site["site"] - with_site["no site"]
    if extra < 0.015:
        return None
    return (f"note: this Python spends {extra * 1000:.0f} ms in site.py at every start (a .pth "
            f"file in site-packages); it is in the floor and in every command alike.")


def at(cmd: Sequence[str], *, terminal: bool, columns: int = 100,
       keep: bool = False) -> tuple[float, int, bytes]:
    """One run of `cmd` with stdout to a pipe or to a pseudo-terminal `columns` wide (so the
    program sees isatty() true, as at a user's terminal): wall seconds, the process's peak
    resident memory in KiB (`ru_maxrss`, from `os.wait4`), and what it printed if `keep`.
    Both ends are read by a thread as fast as they come; the pipe's run gets COLUMNS=`columns`
    and the terminal's run its own size, so both lay the report out alike."""
    import pty
    import threading

    e = env()
    e["COLUMNS"] = str(columns)
    if terminal:
        import fcntl
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.OPOST  # no "\n" → "\r\n": the bytes as the program wrote them
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        e.pop("COLUMNS")
        read, write = master, slave
    else:
        read, write = os.pipe()
    chunks: list[bytes] = []

    def drain() -> None:
        try:
            while chunk := os.read(read, 1 << 16):
                if keep:
                    chunks.append(chunk)
        except OSError:  # a terminal's other end closed
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    start = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=write, stderr=subprocess.DEVNULL, env=e)
    os.close(write)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped above: keep Popen from waiting
    reader.join()
    os.close(read)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)!r} failed ({proc.returncode})")
    return elapsed, usage.ru_maxrss, b"".join(chunks)


def side_by_side_at(commands: Mapping[str, tuple[Sequence[str], bool]], repeats: int,
                    columns: int = 100) -> dict[str, tuple[float, int]]:
    """`side_by_side` with each command's stdout a pipe or a terminal (name → (cmd, terminal)):
    the median seconds and the largest peak memory (KiB) over `repeats` rounds after a warm-up."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = dict.fromkeys(commands, 0)
    for round_ in range(repeats + 1):
        for name, (cmd, terminal) in commands.items():
            seconds, peak, _ = at(cmd, terminal=terminal, columns=columns)
            if round_:
                times[name].append(seconds)
                peaks[name] = max(peaks[name], peak)
    return {name: (statistics.median(times[name]), peaks[name]) for name in commands}
