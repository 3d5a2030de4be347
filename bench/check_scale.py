"""`backprop check` on hostile-sized sheets and networks, side by side with `step --format json`
of the same network: time and peak memory of whole processes.

Cases (issue 8, "unbounded work"):
- 100,000 samples of the walkthrough, a one-line answers sheet (`z1[1]`, wrong: the mistake
  models are asked for; and `dL/dw1`, wrong, a total that every model can change) against
  `step --format json` of the same network;
- 800 spellings of one quantity in 34 KB (`dL/dw5` with trailing spaces): refused at the second
  line now (one quantity is one answer), each carried forward from the others before;
- 400 answers under 34 KB keys that name no quantity (each one looked up for a did-you-mean);
- 400 keys one letter off the 40-50-40 network's names (a did-you-mean each, among 12,000 names);
- 2,000 wrong answers (distinct quantities, one 40-50-40 layered network): error carried forward
  and the mistake models once per wrong answer.

python bench/check_scale.py [ROUNDS]
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from _common import BACKPROP, ROOT, env, repeats_from_argv


def measure(cmd: list[str]) -> tuple[float, float]:
    """Seconds and peak resident MB of one fresh process (exit 0 or 1 is fine for check)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the largest so far
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"bench: {' '.join(cmd[-4:])} failed ({proc.returncode})")
    return seconds, usage.ru_maxrss / 1024  # KB on Linux


def best(cmd: list[str], rounds: int) -> tuple[float, float]:
    runs = [measure(cmd) for _ in range(rounds)]
    return min(t for t, _ in runs), max(m for _, m in runs)


def many_samples(folder: Path, n: int) -> Path:
    text = (ROOT / "networks" / "walkthrough.yaml").read_text(encoding="utf-8")
    head, _, rest = text.partition("inputs:")
    rng = random.Random(1)
    lines = ["samples:"]
    for _ in range(n):
        lines.append(f"  - {{inputs: {{x1: {rng.random():.3f}, x2: {rng.random():.3f}}}, "
                     f"targets: {{y_hat: {rng.randint(0, 1)}}}}}")
    body = rest.split("params:", 1)[1].split("targets:")[0]
    tail = "loss: mse\nlearning_rate: 0.1\n"
    path = folder / "samples.yaml"
    path.write_text(head + "\n".join(lines) + "\nparams:" + body + tail, encoding="utf-8")
    return path


def layered(folder: Path, sizes: list[int]) -> Path:
    rng = random.Random(2)
    lines = [f"inputs: [{', '.join(f'{rng.random():.3f}' for _ in range(sizes[0]))}]", "layers:"]
    for a, b in itertools.pairwise(sizes):
        rows = ", ".join("[" + ", ".join(f"{rng.uniform(-1, 1):.3f}" for _ in range(a)) + "]"
                         for _ in range(b))
        lines += ["  - activation: sigmoid", f"    weights: [{rows}]"]
    lines.append(f"targets: [{', '.join('0.5' for _ in range(sizes[-1]))}]")
    lines += ["loss: mse", "learning_rate: 0.1"]
    path = folder / "layered.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    rounds = repeats_from_argv(1)
    folder = Path(tempfile.mkdtemp(prefix="backprop-bench-check-"))
    samples = many_samples(folder, int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
    one = folder / "one.yaml"
    one.write_text("z1[1]: 0.123\n", encoding="utf-8")
    gradient = folder / "gradient.yaml"
    gradient.write_text("dL/dw1: 0.123\n", encoding="utf-8")
    long_keys = folder / "long.yaml"
    long_keys.write_text("".join(f"? '{'q' * 34_000}{i}'\n: 0.5\n" for i in range(400)),
                         encoding="utf-8")
    spellings = folder / "spellings.yaml"
    spellings.write_text("".join(f"'dL/dw5{' ' * i}': -0.01\n" for i in range(800)), encoding="utf-8")
    net = layered(folder, [40, 50, 40])
    wrong = folder / "wrong.yaml"
    names = [f"dL/dw1_{j}_{k}" for j in range(1, 51) for k in range(1, 41)]
    wrong.write_text("".join(f"{n}: 0.123\n" for n in names), encoding="utf-8")
    unknown = folder / "unknown.yaml"
    unknown.write_text("".join(f"{n}x: 0.5\n" for n in names[:400]), encoding="utf-8")
    cases = [
        ("100k samples: step --format json", [*BACKPROP, "step", str(samples), "--format", "json"]),
        ("100k samples: check, one line", [*BACKPROP, "check", str(samples), str(one),
                                           "--format", "json"]),
        ("100k samples: check, dL/dw1 wrong", [*BACKPROP, "check", str(samples), str(gradient),
                                               "--format", "json"]),
        ("walkthrough: step --format json", [*BACKPROP, "step", "walkthrough", "--format", "json"]),
        ("800 spellings of dL/dw5: check", [*BACKPROP, "check", "walkthrough", str(spellings),
                                            "--format", "json"]),
        ("400 keys of 34 KB: check", [*BACKPROP, "check", "walkthrough", str(long_keys),
                                      "--format", "json"]),
        ("40-50-40: step --format json", [*BACKPROP, "step", str(net), "--format", "json"]),
        ("40-50-40: check, 400 unknown keys", [*BACKPROP, "check", str(net), str(unknown),
                                               "--format", "json"]),
        ("40-50-40: check, 2,000 wrong", [*BACKPROP, "check", str(net), str(wrong),
                                          "--format", "json"]),
    ]
    print(f"{'case':40} {'time':>10} {'peak RSS':>10}")
    for name, cmd in cases:
        seconds, mb = best(cmd, rounds)
        print(f"{name:40} {seconds:9.2f}s {mb:8.0f}MB", flush=True)


if __name__ == "__main__":
    main()
