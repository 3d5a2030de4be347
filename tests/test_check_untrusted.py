"""Students' answers files are untrusted (issue 8): what they hold and what they are called.

- user text (keys, file names, explanations that quote them) reaches no output raw, in any format;
- one quantity is one answer: a second spelling of it is refused, located, naming both lines;
- numbers and sample indices of any size are marked or refused, never a traceback;
- the work is bounded: the mistake models and error carried forward run once per scope, and
  only where they can change the answer (counted here, never timed);
- names are matched after Unicode NFC normalisation;
- marking on sheets an independent reference marked differently (items 1–5 of the issue).

Every expected number is worked out here by hand from the network's own numbers with math.exp
(the walkthrough: x = (0.5, 0.3), w1…w6 = 0.7, 0.3, 0.4, 0.6, 0.55, 0.45, t = 1, mse, η = 0.1).
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import math
import re
import shutil
import tempfile
import unicodedata
from importlib import import_module
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backprop import cli as cli_module
from backprop.cli import cli
from conftest import NETWORKS

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
check_module = import_module("backprop.check")  # the module (backprop.check is also the function)
CORPUS = sorted((Path(__file__).resolve().parent / "bad" / "answers").glob("*.yaml"))
#: what no output may hold raw: C0 but newline and tab, DEL, C1, bidi controls, separators
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def invoke(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def sheet(folder: Path, text: str, name: str = "sheet.yaml") -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# the walkthrough by hand
X1, X2 = 0.5, 0.3
Z1 = 0.7 * X1 + 0.4 * X2  # 0.47
Z2 = 0.3 * X1 + 0.6 * X2  # 0.33
H1, H2 = sigma(Z1), sigma(Z2)
Z3 = 0.55 * H1 + 0.45 * H2
Y = sigma(Z3)
DL_DY = -2 * (1 - Y)  # mse of one element: L = (t − y)²
DY_DZ3 = Y * (1 - Y)
DL_DH1 = DL_DY * DY_DZ3 * 0.55
DH1_DZ1 = H1 * (1 - H1)
DL_DW1 = DL_DH1 * DH1_DZ1 * X1


def results(stdout: str) -> list[dict[str, object]]:
    return json.loads(stdout)["results"]


# ---------------------------------------------------------------- injection


HOSTILE_KEYS = [
    "z1\x1b[2J\x1b]0;x\x07",  # clear screen, window title, bell
    "z1\x9b2J",  # the 8-bit CSI
    "\u202ez1",  # right-to-left override
    "z1\u2066x\u2069",  # an isolate
    "z1\nw5_new      0.560       0.560   ✓ correct",  # a forged row
    "z1\rw5_new",
    "z1\u2028w5_new",  # a Unicode line separator
    "\x1b[8mhidden",  # conceal
]


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=range(len(HOSTILE_KEYS)))
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_hostile_keys_reach_no_output_raw(tmp_path: Path, key: str, fmt: str) -> None:
    path = sheet(tmp_path, json.dumps({key: 0.47, "z2": 0.33}, ensure_ascii=True) + "\n")
    result = invoke("check", "walkthrough", path, "--format", fmt)
    assert result.exit_code == 1, result.output  # the key names nothing: unknown
    assert "Traceback" not in result.stderr
    assert not UNSAFE.search(result.stdout), repr(result.stdout)
    if fmt == "json":
        (first, second) = results(result.stdout)
        assert first["quantity"] == key  # the data is unchanged for a JSON reader
        assert first["verdict"] == "unknown"
        assert second["verdict"] == "correct"
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert len(rows) == 3  # header, the unknown key on one row, z2
        assert rows[1][5] == "unknown"
    else:
        # the forged row's text is on the unknown key's line, not a line of its own
        assert not any(line.startswith("w5_new") for line in result.stdout.splitlines())
        assert sum("unknown" in line for line in result.stdout.splitlines()) == 2  # row + score
        assert "score: 1/2 correct, 1 unknown" in result.stdout


def test_the_hook_probe_finds_no_escape(tmp_path: Path) -> None:
    # printf '"z1\\e[2J\\e]0;x\\a": 0.47\n' > a.yaml; check walkthrough a.yaml | grep $'\033'
    path = tmp_path / "a.yaml"
    path.write_bytes(b'"z1\\e[2J\\e]0;x\\a": 0.47\n')
    result = invoke("check", "walkthrough", str(path))
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "z1\\x1b[2J\\x1b]0;x\\x07" in result.stdout


def test_a_terminal_gets_no_escape_from_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the rich path, as at a terminal (colour off: every ESC would be the key's)
    monkeypatch.setattr(cli_module, "_is_terminal", lambda out: True)
    path = sheet(tmp_path, json.dumps({HOSTILE_KEYS[0]: 0.47, "z1\u009b\u202e": 0.3}) + "\n")
    result = invoke("check", "walkthrough", path)
    assert result.exit_code == 1
    assert not UNSAFE.search(result.stdout), repr(result.stdout)


def test_csv_cells_cannot_start_a_formula(tmp_path: Path) -> None:
    # OWASP's CSV injection: = + - @ at the start of a cell that is not a number
    keys = ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
    path = sheet(tmp_path, "".join(f"{json.dumps(k)}: 0.5\n" for k in keys) + "dL/dw5: -0.01\n")
    result = invoke("check", "walkthrough", path, "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [r[1] for r in rows[:4]] == ["'" + k for k in keys]
    assert rows[4][1] == "dL/dw5" and rows[4][2] == "-0.01"  # a number stays a number
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_json_escapes_c1_and_bidi_even_with_unicode_kept(tmp_path: Path) -> None:
    path = sheet(tmp_path, json.dumps({"ŷ\u009b\u202e\u0085": 0.5}) + "\n")
    result = invoke("check", "walkthrough", path, "--format", "json")
    assert "\\u009b" in result.stdout and "\\u202e" in result.stdout and "\\u0085" in result.stdout
    assert "ŷ" in result.stdout  # letters stay readable
    assert results(result.stdout)[0]["quantity"] == "ŷ\u009b\u202e\u0085"


@pytest.mark.parametrize("name", ["evil\x1b[2J.yaml", "new\nline.yaml", "bidi\u202eoy.yaml",
                                  "c1\u009b.yaml", "=cmd.yaml"])
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_hostile_file_names_reach_no_output_raw(tmp_path: Path, name: str, fmt: str) -> None:
    path = sheet(tmp_path, "z1: 0.47\ndL/dw5: -0.01\n", name)
    result = invoke("check", "walkthrough", path, str(NETWORKS / "walkthrough.answers.yaml"),
                    "--format", fmt)
    assert result.exit_code == 1
    assert not UNSAFE.search(result.stdout), repr(result.stdout)
    if fmt == "json":
        assert json.loads(result.stdout)["files"][0]["file"] == path
    if fmt == "csv":
        assert all(not row[0].startswith("=") for row in csv.reader(io.StringIO(result.stdout)))


def test_a_hostile_file_name_in_an_error_is_escaped(tmp_path: Path) -> None:
    path = sheet(tmp_path, "z1: [1]\n", "bad\x1b[2J\n.yaml")
    result = invoke("check", "walkthrough", path)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr
    assert "bad\\x1b[2J\\x0a.yaml:1:5" in result.stderr


def test_a_key_that_cannot_be_a_quantity_is_unknown_on_one_line(tmp_path: Path) -> None:
    path = sheet(tmp_path, '"z1 \\n z2 \\t [x] ∂/∂": 0.5\n')
    result = invoke("check", "walkthrough", path)
    assert result.exit_code == 1
    row = [line for line in result.stdout.splitlines() if "z1" in line]
    assert len(row) == 1 and "? unknown" in row[0] and "\\x0a" in row[0]


# ---------------------------------------------------------------- one quantity, one answer


@pytest.mark.parametrize("first, second", [
    ("dL/dw5", "∂L/∂w5"), ("dL/dw5", "dL/∂w5"), ("w5_new", "w5'"), ("w5_new", "w5+"),
    ("z1", "' z1 '"), ("z1", "z1[1]"), ("z1[1]", "z1[0001]"), ("dL/dw5", "dL/dw5[1]"),
    ("L_new", "L'"), ("dz3/dh1", "∂z3/∂h1"),
])
def test_a_second_spelling_of_one_quantity_is_refused(tmp_path: Path, first: str, second: str) -> None:
    # the same wrong number under both: each would be "carried forward" from the other
    path = sheet(tmp_path, f"{first}: -0.01\nz2: 0.33\n{second}: -0.01\n")
    result = invoke("check", "walkthrough", path)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    shown = second.strip("' ")
    assert f"{path}:3:" in result.stderr  # the second spelling, located
    assert f"'{shown}" in result.stderr and f"'{first}' (line 1)" in result.stderr
    assert "one quantity is one answer" in result.stderr


def test_sample_spellings_are_one_quantity(tmp_path: Path) -> None:
    path = sheet(tmp_path, "z1[2]: 0.1\nz1[02]: 0.1\n")
    result = invoke("check", str(Path(__file__).parent / "answers" / "two-samples.yaml"), path)
    assert result.exit_code == 2 and ":2:" in result.stderr and "'z1[2]' (line 1)" in result.stderr


def test_nfc_and_nfd_spellings_are_one_quantity(tmp_path: Path) -> None:
    net = _accented_network(tmp_path, unicodedata.normalize("NFC", "é"))
    nfd = unicodedata.normalize("NFD", "é")
    path = sheet(tmp_path, f"é: 0.5\n{nfd}: 0.5\n")
    result = invoke("check", net, path)
    assert result.exit_code == 2 and "one quantity is one answer" in result.stderr


def test_different_quantities_are_not_duplicates(tmp_path: Path) -> None:
    path = sheet(tmp_path, "z1: 0.47\nh1: 0.615\ndz3/dh1: 0.55\ndz3/dw5: 0.615\n")
    assert invoke("check", "walkthrough", path).exit_code == 0


# ---------------------------------------------------------------- numbers of any size


def test_a_sample_index_of_thousands_of_digits(tmp_path: Path) -> None:
    key = "z1[" + "0" * 5000 + "1]"
    path = sheet(tmp_path, f"? '{key}'\n: 0.47\n? 'z1[{'9' * 5000}]'\n: 0.3\n")
    result = invoke("check", "walkthrough", path, "--format", "json")
    assert result.exit_code == 1, result.stderr  # z1[1] is z1: correct; the other is out of range
    first, second = results(result.stdout)
    assert first["verdict"] == "correct"
    assert second["verdict"] == "unknown" and "out of range" in second["explanation"]
    assert len(second["explanation"]) < 200


@pytest.mark.parametrize("text, verdict", [
    ("0.47" + "0" * 300, "correct"),  # 0.47 exactly, to 302 decimals: equal as floats
    ("0.47000000000000001" + "1" * 280, "correct"),  # more digits than a float holds: as floats
    ("0.4" + "7" * 300, "wrong"),
    ("4.7e-1", "correct"),
    ("1e-400", "wrong"),  # a number below any float, written to 10^-400
])
def test_answers_with_hundreds_of_decimals_are_marked(tmp_path: Path, text: str, verdict: str) -> None:
    path = sheet(tmp_path, f"z1: {text}\n")
    for fmt in ("table", "json", "csv"):
        result = invoke("check", "walkthrough", path, "--format", fmt)
        assert result.exit_code == (0 if verdict == "correct" else 1), result.stderr
        assert "Traceback" not in result.stderr
    assert results(invoke("check", "walkthrough", path, "--format", "json").stdout)[0]["verdict"] \
        == verdict


@pytest.mark.parametrize("text, expect", [
    ("0e999999999999999", "10^999999999999999"),
    ("1e-999999999", "10^-999999999"),
    ("5e401", "not a finite number"),  # beyond any float
    ("0." + "1" * 500, "at most 400"),
    (".nan", "not a finite number"),
    ("-.inf", "not a finite number"),
    ("1e999", "not a finite number"),
])
def test_numbers_beyond_any_marking_are_refused_located(tmp_path: Path, text: str, expect: str) -> None:
    path = sheet(tmp_path, f"z1: 0.47\ndL/dw5: {text}\n")
    result = invoke("check", "walkthrough", path)
    assert result.exit_code == 2, result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{path}:2:" in result.stderr and expect in result.stderr
    assert len(result.stderr) < 400


# ---------------------------------------------------------------- bounded work (runs counted)


class Runs:
    """Counts the engine runs check makes, by the number of samples each run holds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.samples: list[int] = []
        real = check_module.run

        def counted(net, rules=check_module.TRUE_RULES, plans=None, **how):  # type: ignore[no-untyped-def]
            self.samples.append(len(net.samples))
            return real(net, rules, plans, **how)

        monkeypatch.setattr(check_module, "run", counted)


def _many_samples(folder: Path, n: int) -> str:
    lines = [f"  - {{inputs: {{x1: {i % 7 / 10}, x2: {i % 5 / 10}}}, targets: {{y: {i % 2}}}}}"
             for i in range(n)]
    return sheet(folder, "samples:\n" + "\n".join(lines) + "\nparams: {w1: 0.7, w2: 0.3, w3: 0.4, "
                 "w4: 0.6, w5: 0.55, w6: 0.45}\nnodes:\n  h1: {sum: z1, from: {x1: w1, x2: w3}, "
                 "activation: sigmoid}\n  h2: {sum: z2, from: {x1: w2, x2: w4}, activation: sigmoid}"
                 "\n  y: {sum: z3, from: {h1: w5, h2: w6}, activation: sigmoid}\nloss: mse\n"
                 "learning_rate: 0.1\n", "many.yaml")


@pytest.mark.parametrize("line", ["z1: 0.123", "h1: 0.9", "L: 7", "dz3/dw5: 3", "dz3/dh1: 2"])
def test_a_forward_number_runs_no_mistake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               line: str) -> None:
    # a changed backward rule cannot change a forward value, the loss or ∂z/∂w: no model runs
    runs = Runs(monkeypatch)
    assert invoke("check", "walkthrough", sheet(tmp_path, line + "\n")).exit_code == 1
    assert runs.samples == [1]  # the true step, once


def test_one_sample_of_many_runs_on_that_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    net = _many_samples(tmp_path, 300)
    runs = Runs(monkeypatch)
    path = sheet(tmp_path, "z1[7]: 0.123\nh1[7]: 0.5\ndL/dz3[7]: 0.5\ndL/dh1[7]: 2\n")
    result = invoke("check", net, path, "--format", "json")
    assert result.exit_code == 1
    assert runs.samples.count(300) == 1  # only the true step holds every sample
    assert 1 < len(runs.samples) < 100


def test_many_wrong_answers_cost_no_run_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 72 wrong gradients of a 6-6-6 network: each mistake model runs once for all of them, and
    # none of them feeds another, so error carried forward runs nothing
    runs = Runs(monkeypatch)
    net = tmp_path / "layered.yaml"
    rows = ", ".join("[" + ", ".join("0.1" for _ in range(6)) + "]" for _ in range(6))
    net.write_text(f"inputs: [1, 2, 3, 4, 5, 6]\nlayers:\n  - activation: sigmoid\n    weights: "
                   f"[{rows}]\n  - activation: sigmoid\n    weights: [{rows}]\ntargets: "
                   f"[0, 0, 0, 1, 1, 1]\nloss: mse\nlearning_rate: 0.1\n", encoding="utf-8")
    names = [f"dL/dw{layer}_{j}_{k}" for layer in (1, 2) for j in range(1, 7) for k in range(1, 7)]
    from backprop.engine import run
    from backprop.spec import load

    grader = check_module.Grader(run(load(net)), check_module.Tolerance())
    engine_models = sum(m.rules is not None for m in grader.catalogue)
    assert invoke("check", str(net), sheet(tmp_path, "".join(f"{n}: 12.5\n" for n in names))
                  ).exit_code == 1
    assert len(runs.samples) <= 1 + engine_models  # the true step, then each model at most once


def test_wrong_answers_that_feed_each_other_cost_a_bounded_number_of_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 180 wrong values, δs, gradients and updates, each fed by those above it: error carried
    # forward tries at most the accepted ones, each earlier wrong one alone (eight latest, 256
    # in all per sheet) and all of them: linear in the answers, not quadratic
    runs = Runs(monkeypatch)
    net = tmp_path / "layered.yaml"
    rows = ", ".join("[" + ", ".join("0.1" for _ in range(6)) + "]" for _ in range(6))
    net.write_text(f"inputs: [1, 2, 3, 4, 5, 6]\nlayers:\n  - activation: sigmoid\n    weights: "
                   f"[{rows}]\n  - activation: sigmoid\n    weights: [{rows}]\ntargets: "
                   f"[0, 0, 0, 1, 1, 1]\nloss: mse\nlearning_rate: 0.1\n", encoding="utf-8")
    keys = [f"{kind}{layer}_{j}" for layer in (1, 2) for j in range(1, 7) for kind in ("z", "h")]
    keys += [f"dL/dz{layer}_{j}" for layer in (2, 1) for j in range(1, 7)]
    keys += [f"dL/dw{layer}_{j}_{k}" for layer in (1, 2) for j in range(1, 7) for k in range(1, 7)]
    keys += [f"w{layer}_{j}_{k}_new" for layer in (1, 2) for j in range(1, 7) for k in range(1, 7)]
    from backprop.engine import run
    from backprop.spec import load

    grader = check_module.Grader(run(load(net)), check_module.Tolerance())
    engine_models = sum(m.rules is not None for m in grader.catalogue)
    path = sheet(tmp_path, "".join(f"{k}: {3 + i / 7:.3f}\n" for i, k in enumerate(keys)))
    assert invoke("check", str(net), path).exit_code == 1
    # the true step; per answer all earlier accepted and all earlier wrong ones; the singles;
    # each model once per (scope, own numbers): here one scope and at most six kinds of own
    bound = 1 + 2 * len(keys) + check_module.SINGLES_PER_SHEET + 7 * engine_models
    assert len(keys) == 180 and len(runs.samples) <= bound


# ---------------------------------------------------------------- NFC


def _accented_network(folder: Path, name: str) -> str:
    return sheet(folder, f"inputs: {{x: 1}}\nparams: {{w: 0.5}}\nnodes:\n  {name}: {{sum: z, from: "
                 f"{{x: w}}}}\ntargets: {{{name}: 1}}\nloss: half_sse\nlearning_rate: 0.1\n", "net.yaml")


@pytest.mark.parametrize("net_form, key_form", [("NFC", "NFD"), ("NFD", "NFC")])
def test_names_match_after_nfc(tmp_path: Path, net_form: str, key_form: str) -> None:
    net = _accented_network(tmp_path, unicodedata.normalize(net_form, "é"))
    key = unicodedata.normalize(key_form, "é")
    # é = 1·0.5 = 0.5; ∂L/∂é = é − t = −0.5 for ½(t − é)²
    path = sheet(tmp_path, f"{key}: 0.5\ndL/d{key}: -0.5\n")
    result = invoke("check", net, path, "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert [r["verdict"] for r in results(result.stdout)] == ["correct", "correct"]


# ---------------------------------------------------------------- marking (issue 8, items 1–5)


SHARED_BIAS = """inputs: {x1: 0.5}
params: {w1: 0.4, w2: -0.3, w3: 0.6, w4: 0.2, b1: 0.1}
nodes:
  h1: {sum: z1, from: {x1: w1}, bias: b1, activation: sigmoid}
  h2: {sum: z2, from: {x1: w2}, bias: b1, activation: sigmoid}
  y: {sum: z3, from: {h1: w3, h2: w4}, activation: identity}
targets: {y: 1}
loss: half_sse
learning_rate: 0.1
"""


@pytest.mark.parametrize("key, kind", [("dL/db1", "gradient"), ("b1_new", "updated")])
def test_a_shared_bias_with_one_use_left_out_is_missing_path(tmp_path: Path, key: str, kind: str) -> None:
    # by hand: z1 = 0.5·0.4 + 0.1 = 0.3, z2 = 0.5·(−0.3) + 0.1 = −0.05, y = 0.6·h1 + 0.2·h2,
    # ∂L/∂y = y − 1; ∂L/∂b1 = δ1 + δ2 with δ1 = (y − 1)·0.6·h1(1 − h1), δ2 = (y − 1)·0.2·h2(1 − h2)
    h1, h2 = sigma(0.3), sigma(-0.05)
    g = 0.6 * h1 + 0.2 * h2 - 1
    d1 = g * 0.6 * h1 * (1 - h1)
    assert abs(d1 - g * 0.2 * h2 * (1 - h2)) > 0.01  # the two shares differ
    wrong = d1 if kind == "gradient" else 0.1 - 0.1 * d1  # δ2 left out of the sum
    net = sheet(tmp_path, SHARED_BIAS, "net.yaml")
    path = sheet(tmp_path, f"{key}: {wrong:.5f}\n")
    (r,) = results(invoke("check", net, path, "--format", "json").stdout)
    assert (r["verdict"], r["mistake"]) == ("wrong", "missing_path")
    assert "∂z2/∂b1" in r["explanation"]


def test_a_carried_forward_zero_is_carried_forward(tmp_path: Path) -> None:
    # the student's ∂h1/∂z1 = 0 makes δ1 = 0 and so ∂L/∂w1 = 0 exactly
    path = sheet(tmp_path, "dh1/dz1: 0.000\ndL/dw1: 0.000\n")
    first, second = results(invoke("check", "walkthrough", path, "--format", "json").stdout)
    assert first["verdict"] == "wrong" and first["mistake"] != "decimal_shift"
    assert second["verdict"] == "carried_forward", second
    assert "dh1/dz1 = 0.000" in second["explanation"]


def test_zero_is_never_a_decimal_shift(tmp_path: Path) -> None:
    # ∂L/∂w1 = −0.01055 by hand: 0.000 is off by more than a unit, and no power of ten of it
    assert abs(DL_DW1 + 0.01055) < 1e-5
    path = sheet(tmp_path, "dL/dw1: 0.000\ndL/dw2: 0.000\n")
    for r in results(invoke("check", "walkthrough", path, "--format", "json").stdout):
        assert r["verdict"] == "wrong" and r["mistake"] != "decimal_shift", r
        assert "decimal_shift" not in r["also"]


TWICE = """inputs: {x1: 0.5, x2: 0.3}
params: {w1: 0.7, w2: 0.55}
nodes:
  h1: {sum: z1, from: {x1: w1, x2: w1}, activation: sigmoid}
  y: {sum: z2, from: {h1: w2}, activation: identity}
targets: {y: 1}
loss: half_sse
learning_rate: 0.1
"""


def test_a_param_used_twice_in_one_node(tmp_path: Path) -> None:
    # z1 = x1·w1 + x2·w1, so ∂z1/∂w1 = x1 + x2 = 0.8; ∂L/∂w1 = δ1·0.8
    h1 = sigma(0.8 * 0.7)
    delta1 = (0.55 * h1 - 1) * 0.55 * h1 * (1 - h1)
    net = sheet(tmp_path, TWICE, "net.yaml")
    path = sheet(tmp_path, f"dz1/dw1: 0.800\ndL/dw1: {delta1 * 0.8:.4f}\n")
    result = invoke("check", net, path, "--format", "json")
    assert result.exit_code == 0, result.stdout
    # the student's own ∂z1/∂w1 = 0.9 (wrong) carried into ∂L/∂w1 = δ1·0.9
    path = sheet(tmp_path, f"dz1/dw1: 0.900\ndL/dw1: {delta1 * 0.9:.4f}\n")
    first, second = results(invoke("check", net, path, "--format", "json").stdout)
    assert first["verdict"] == "wrong"
    assert second["verdict"] == "carried_forward", second


def test_a_later_wrong_answer_does_not_block_credit(tmp_path: Path) -> None:
    # the student's ∂h1/∂z1 = 0.3 (wrong), then ∂L/∂w1 = ∂L/∂h1 · 0.3 · x1 from it; their wrong
    # ∂z1/∂w1 comes later and was not used
    own = DL_DH1 * 0.3 * X1
    path = sheet(tmp_path, f"dh1/dz1: 0.300\ndL/dw1: {own:.5f}\ndz1/dw1: 0.900\n")
    _, second, _ = results(invoke("check", "walkthrough", path, "--format", "json").stdout)
    assert second["verdict"] == "carried_forward", second
    assert "dh1/dz1 = 0.300" in second["explanation"] and "dz1/dw1" not in second["explanation"]


def test_an_earlier_wrong_answer_that_was_not_used(tmp_path: Path) -> None:
    # both wrong answers are above ∂L/∂w1, which used only ∂h1/∂z1 = 0.3 (with x1 = 0.5 itself):
    # every earlier answer at once gives 0.3·0.9 of ∂L/∂h1; each alone, the one that fits
    own = DL_DH1 * 0.3 * X1
    assert abs(own - DL_DH1 * 0.3 * 0.9) > 0.001
    path = sheet(tmp_path, f"dz1/dw1: 0.900\ndh1/dz1: 0.300\ndL/dw1: {own:.5f}\n")
    *_, last = results(invoke("check", "walkthrough", path, "--format", "json").stdout)
    assert last["verdict"] == "carried_forward", last
    assert "dh1/dz1 = 0.300" in last["explanation"] and "dz1/dw1" not in last["explanation"]


def test_following_from_accepted_answers_is_rounding(tmp_path: Path) -> None:
    # h1 = 0.6 and h2 = 0.58 are accepted (to the places written); z3 from them is
    # 0.55·0.6 + 0.45·0.58 = 0.591, more than a unit of the third decimal from the true 0.6003
    assert round(H1, 1) == 0.6 and round(H2, 2) == 0.58
    own = 0.55 * 0.6 + 0.45 * 0.58
    assert abs(own - Z3) > 0.001
    path = sheet(tmp_path, f"h1: 0.6\nh2: 0.58\nz3: {own:.3f}\n")
    # accepted to the places written: the rule of `--precision written`
    result = invoke("check", "walkthrough", path, "--format", "json", "--precision", "written")
    assert result.exit_code == 0
    assert [r["verdict"] for r in results(result.stdout)] == ["correct", "correct", "rounding"]
    # at the default 3 decimals 0.6 (0.6154) and 0.58 (0.5818) are right only to their own
    # places, so not accepted; z3 follows from them: carried forward
    result = invoke("check", "walkthrough", path, "--format", "json")
    assert result.exit_code == 0  # imprecise and carried forward are neither wrong nor unknown
    assert [r["verdict"] for r in results(result.stdout)] == ["imprecise", "imprecise",
                                                             "carried_forward"]


def test_a_later_accepted_answer_is_not_used(tmp_path: Path) -> None:
    # the same z3 written ABOVE h1 and h2 follows from nothing the student had written yet
    own = 0.55 * 0.6 + 0.45 * 0.58
    path = sheet(tmp_path, f"z3: {own:.3f}\nh1: 0.6\nh2: 0.58\n")
    first, *_ = results(invoke("check", "walkthrough", path, "--format", "json").stdout)
    assert first["verdict"] == "wrong"


# ---------------------------------------------------------------- the corpus of answers files


def test_the_answers_corpus_is_there() -> None:
    assert len(CORPUS) >= 12


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_hostile_answers_file(path: Path, fmt: str) -> None:
    """Each file's first line: `# expect: <substring>` (exit 2, that message, located at
    `# expect-line:`) or `# expect-exit: 0|1` (marked, and nothing unsafe printed)."""
    head = path.read_text(encoding="utf-8").split("\n", 2)
    result = invoke("check", "walkthrough", str(path), "--format", fmt)
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert not UNSAFE.search(result.stdout), repr(result.stdout[:300])
    if head[0].startswith("# expect-exit: "):
        assert result.exit_code == int(head[0].removeprefix("# expect-exit: ")), result.output
        return
    assert head[0].startswith("# expect: ")
    assert result.exit_code == 2, result.stdout[:300]
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert head[0].removeprefix("# expect: ") in result.stderr, result.stderr
    assert not UNSAFE.search(result.stderr.rstrip("\n"))
    if head[1].startswith("# expect-line: "):
        assert f"{path}:{head[1].removeprefix('# expect-line: ')}:" in result.stderr


# ---------------------------------------------------------------- one sample's run is the same


def _slips(net_path: str, per_sample: bool) -> str:
    """A sheet of every quantity of a network, its true value slipped (sign, ×2, ½, ×10, +0.3),
    or, every other line, the number one of the catalogue's changed rules gives."""
    from backprop.engine import run
    from backprop.spec import load

    trace = run(load(net_path))
    net = trace.network
    models = []  # the catalogue's engine runs, made here without the checker's shortcuts
    for m in check_module._Marker(check_module.Grader(trace, check_module.Tolerance()), [])._models():
        if m.rules is not None:
            try:
                models.append(run(net, m.rules))
            except check_module.BackpropError:
                pass
    lines: dict[object, str] = {}  # one line per quantity
    slips = [-1.0, 2.0, 0.5, 10.0, 1.0]
    indices = [f"[{s + 1}]" for s in range(len(net.samples))] if net.multi_sample else [""]
    for k, name in enumerate(check_module.printed_names(net)):
        for s, index in enumerate(indices):
            r = check_module.resolve(net, name + index)
            if r.quantity is None:
                r = check_module.resolve(net, name)
                if r.quantity is None or s:
                    continue
            if per_sample and r.quantity.sample is None:
                continue
            value = r.quantity.value(trace) * slips[(k + s) % 5] + (0.3 if (k + s) % 5 == 4 else 0)
            if models and (k + s) % 2:  # every other answer: what a changed rule gives, if it
                model = models[(k * 7 + s) % len(models)]  # changes it
                changed = check_module._value(r.quantity, model)
                if changed is not None and changed != r.quantity.value(trace):
                    value = changed
            lines.setdefault(r.quantity, f"'{name}{index if r.quantity.sample is not None else ''}': "
                                         f"{value:.4f}")
    return "\n".join(lines.values()) + "\n"


TWO_SAMPLES = str(Path(__file__).parent / "answers" / "two-samples.yaml")


@pytest.mark.parametrize("net", [TWO_SAMPLES, str(NETWORKS / "statquest.yaml")])
def test_one_sample_runs_give_the_verdicts_of_whole_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        net: str) -> None:
    # the same sheet marked twice: each run cut to its sample, and every run on the whole step
    path = sheet(tmp_path, _slips(net, per_sample=True))
    cut = results(invoke("check", net, path, "--format", "json").stdout)
    monkeypatch.setattr(check_module._Runs, "scope", lambda self, q: None)
    whole = results(invoke("check", net, path, "--format", "json").stdout)
    assert len(cut) > 20
    assert [(r["verdict"], r["mistake"]) for r in cut] == [(r["verdict"], r["mistake"]) for r in whole]
    assert sum(r["mistake"] is not None for r in cut) > 5


#: a softmax group in the middle: each member's δ reads every member's ∂L/∂h
HIDDEN_SOFTMAX = """inputs: {x1: 0.5, x2: -0.3}
params: {w1: 0.7, w2: -0.4, w3: 0.2, w4: 0.9, w5: 0.55, w6: -0.45, w7: 0.3, b1: 0.1}
nodes:
  a: {sum: za, from: {x1: w1, x2: w2}, activation: softmax}
  b: {sum: zb, from: {x1: w3, x2: w4}, bias: b1, activation: softmax}
  o1: {sum: z1, from: {a: w5, b: w6}, activation: sigmoid}
  o2: {sum: z2, from: {b: w7}, bias: b1, activation: tanh}
targets: {o1: 1, o2: -0.2}
loss: mse
learning_rate: 0.1
"""


@pytest.mark.parametrize("net", ["walkthrough", "statquest", "two-paths", "scalar-chain", "layered",
                                 "softmax-classifier", "tutorial-jhz", TWO_SAMPLES, "hidden-softmax",
                                 str(Path(__file__).parent / "answers" / "two-outputs.yaml")])
def test_skipped_runs_give_the_verdicts_of_every_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    net: str) -> None:
    # the same sheet marked with the shortcuts (a model that cannot change an answer is not run;
    # a scaled ∂L/∂o is applied to the true numbers) and with every model run for every answer
    path_net = str(NETWORKS / f"{net}.yaml") if "/" not in net else net
    if net == "hidden-softmax":
        path_net = sheet(tmp_path, HIDDEN_SOFTMAX, "net.yaml")
    path = sheet(tmp_path, _slips(path_net, per_sample=False))
    quick = results(invoke("check", path_net, path, "--format", "json").stdout)
    monkeypatch.setattr(check_module._Marker, "_changes", lambda self, model, q: q.kind in model.kinds)
    monkeypatch.setattr(check_module, "_linear", lambda rules: False)
    monkeypatch.setattr(check_module._Runs, "scope", lambda self, q: None)
    every = results(invoke("check", path_net, path, "--format", "json").stdout)
    assert len(quick) > 10
    assert [(r["verdict"], r["mistake"], r["also"]) for r in quick] == \
        [(r["verdict"], r["mistake"], r["also"]) for r in every]
    assert sum(r["mistake"] is not None for r in quick) > 3


# ---------------------------------------------------------------- a fuzzer over answers files

FUZZ_FOLDER = Path(tempfile.mkdtemp(prefix="backprop-fuzz-answers-"))
atexit.register(shutil.rmtree, FUZZ_FOLDER, ignore_errors=True)
NAMES = ["z1", "z2", "z3", "h1", "h2", "y_hat", "x1", "L", "L_new", "w5", "w1"]
DANGER = ["\x1b[2J", "\x1b]0;t\x07", "\x9b", "\x85", "\u202e", "\u2066", "\u2028", "\u200b", "\n",
          "\r", "\t", "\x00", "\x7f", "=", "+", "-", "@", " ", "é", "e\u0301", "∂", "[", "]", "/"]
keys = st.one_of(
    st.builds(lambda a, b, d: f"{d}{a}/{d}{b}", st.sampled_from(NAMES), st.sampled_from(NAMES),
              st.sampled_from(["d", "∂"])),
    st.builds(lambda p, suffix: p + suffix, st.sampled_from(["w1", "w5", "w6", "L"]),
              st.sampled_from(["_new", "'", "+", ""])),
    st.builds(lambda n, k: f"{n}[{k}]", st.sampled_from(NAMES),
              st.sampled_from(["1", "01", "2", "0", "9" * 30, "0" * 300 + "1"])),
    st.builds(lambda n, bad: n + bad, st.sampled_from(NAMES), st.sampled_from(DANGER)),
    st.lists(st.sampled_from([*DANGER, "a", "z", "1", "_", "d"]), min_size=1, max_size=12).map("".join),
)
numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr),
    st.sampled_from(["0", "0.000", "-0.0", "1e-3", "0e999999999999999", "1e-999999999", ".nan",
                     "-.inf", "1e309", "0." + "4" * 450, "0." + "7" * 350, "1" + "0" * 400, "5e-324",
                     "'0.5'", "[1]", "~", "yes", "0x1F", "1_000", "\"x\\e[2J\""]),
    st.decimals(allow_nan=False, allow_infinity=False, places=5).map(str),
)
file_names = st.lists(st.sampled_from([*DANGER[:14], "a", ".", "_"]), min_size=1, max_size=8
                      ).map("".join).filter(lambda n: "\x00" not in n and "/" not in n)


@given(st.lists(st.tuples(keys, numbers), min_size=1, max_size=8), file_names,
       st.sampled_from(["table", "json", "csv"]),
       st.sampled_from(["walkthrough", str(Path(__file__).parent / "answers" / "two-samples.yaml")]))
def test_fuzz_answers_files(lines: list[tuple[str, str]], name: str, fmt: str, net: str) -> None:
    text = "".join(f"? {json.dumps(k)}\n: {v}\n" for k, v in lines)
    path = FUZZ_FOLDER / (name + ".yaml")
    path.write_text(text, encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", net, str(path), "--format", fmt])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        (text, result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.stderr
    assert not UNSAFE.search(result.stdout), repr(result.stdout[:400])
    assert not UNSAFE.search(result.stderr.rstrip("\n")), repr(result.stderr[:400])
    if result.exit_code == 2:
        assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    elif fmt == "json":
        json.loads(result.stdout)


HOSTILE_NAMES = ["\x1b[2J\x1b]0;pwned\x07.yaml", "two\nlines.yaml", "\u202eyaml.exe", "c1\x9b31m.yaml"]


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_hostile_answers_file_under_a_hostile_name(tmp_path: Path, path: Path) -> None:
    # the corpus again, each file under a name holding an escape, a newline, a bidi override
    # and a C1 control: the name is shown escaped wherever it is printed, the verdicts unchanged
    name = HOSTILE_NAMES[CORPUS.index(path) % len(HOSTILE_NAMES)]
    copy = tmp_path / name
    copy.write_bytes(path.read_bytes())
    head = path.read_text(encoding="utf-8").split("\n", 1)[0]
    for fmt in ("table", "json", "csv"):
        result = invoke("check", "walkthrough", str(copy), "--format", fmt)
        assert not UNSAFE.search(result.stdout), repr(result.stdout[:300])
        assert not UNSAFE.search(result.stderr.rstrip("\n")), repr(result.stderr)
        if head.startswith("# expect-exit: "):
            assert result.exit_code == int(head.removeprefix("# expect-exit: "))
        else:
            assert result.exit_code == 2 and result.stderr.count("\n") == 1
            assert head.removeprefix("# expect: ") in result.stderr


def test_a_network_with_two_names_equal_after_nfc_is_refused(tmp_path: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "é"), unicodedata.normalize("NFD", "é")
    assert nfc != nfd
    net = sheet(tmp_path, f"inputs: {{{nfc}: 1}}\nparams: {{w: 0.5}}\nnodes:\n  {nfd}: {{sum: z, "
                          f"from: {{{nfc}: w}}}}\ntargets: {{{nfd}: 1}}\nloss: half_sse\n"
                          f"learning_rate: 0.1\n", "net.yaml")
    result = invoke("step", net)
    assert result.exit_code == 2 and f"{net}:4:" in result.stderr
    assert "is used twice: as an input" in result.stderr


@pytest.mark.parametrize("net", ["walkthrough", "statquest", "two-paths", "scalar-chain", "layered",
                                 "softmax-classifier", "tutorial-jhz", TWO_SAMPLES, "hidden-softmax"])
def test_a_model_skipped_for_an_answer_cannot_change_it(tmp_path: Path, net: str) -> None:
    # the skipping is an over-estimate: wherever a changed rule, run in full, changes a
    # quantity's number, the checker runs that model for it
    from backprop.engine import run
    from backprop.spec import load

    path_net = sheet(tmp_path, HIDDEN_SOFTMAX, "net.yaml") if net == "hidden-softmax" else \
        str(NETWORKS / f"{net}.yaml") if "/" not in net else net
    trace = run(load(path_net))
    network = trace.network
    marker = check_module._Marker(check_module.Grader(trace, check_module.Tolerance()), [])
    quantities = {r.quantity for name in check_module.printed_names(network)
                  for index in ["", *(f"[{s + 1}]" for s in range(len(network.samples)))]
                  if (r := check_module.resolve(network, name + index)).quantity is not None}
    changed = 0
    for model in marker._models():
        if model.rules is None:
            continue
        try:
            other = run(network, model.rules)
        except check_module.BackpropError:
            continue
        for q in quantities:
            value = check_module._value(q, other)
            if value is not None and value != q.value(trace):
                changed += 1
                assert marker._changes(model, q), (model, q)
    assert changed > 5


# ---------------------------------------------------------------- the one escaping module


UNSAFE_CHARS = [chr(i) for i in (*range(0x20), *range(0x7F, 0xA0), 0x061C, *range(0x200B, 0x2010),
                                 *range(0x2028, 0x202F), *range(0x2060, 0x2070), 0xFEFF)]


@pytest.mark.parametrize("char", UNSAFE_CHARS, ids=[f"U+{ord(c):04X}" for c in UNSAFE_CHARS])
def test_every_unsafe_character_is_escaped_everywhere(char: str) -> None:
    from backprop import safe

    text = f"a{char}b"
    shown = safe.line(text)
    assert char not in shown and shown.startswith("a\\") and shown.endswith("b")
    assert char not in safe.csv_cell(text)
    dumped = safe.json_text({"k": text})
    assert char not in dumped and json.loads(dumped) == {"k": text}  # the same data


@pytest.mark.parametrize("cell, shown", [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-x", "'-x"), ("@A1", "'@A1"), ("-0.5", "-0.5"),
    ("+1e-3", "+1e-3"), ("-.5", "-.5"), ("z1", "z1"), ("=\x1b", "'=\\x1b"), ("", ""),
])
def test_csv_cell(cell: str, shown: str) -> None:
    from backprop import safe

    assert safe.csv_cell(cell) == shown


def test_line_cuts_long_text_short() -> None:
    from backprop import safe

    assert safe.line("x" * 500, 10) == "x" * 9 + "…"
    assert safe.line("é ŷ ∂ σ") == "é ŷ ∂ σ"  # letters and symbols are not controls


@pytest.mark.parametrize("typo, meant", [("dL/dw1_3_4x", "dL/dw1_3_4"), ("dLdw1_3_4", "dL/dw1_3_4"),
                                         ("dL/dv1_3_4", "dL/dw1_3_4"), ("dL/wd1_3_4", "dL/dw1_3_4"),
                                         ("w2_1_3_nwe", "w2_1_3_new")])
def test_did_you_mean_in_a_large_network(tmp_path: Path, typo: str, meant: str) -> None:
    # 2 × 30 × 30 weights: more printed names than are compared one by one; the typo (one letter
    # extra, missing, changed or swapped) is still found
    rows = ", ".join("[" + ", ".join("0.01" for _ in range(30)) + "]" for _ in range(30))
    net = sheet(tmp_path, f"inputs: [{', '.join(['1'] * 30)}]\nlayers:\n  - weights: [{rows}]\n"
                          f"  - weights: [{rows}]\ntargets: [{', '.join(['0'] * 30)}]\nloss: mse\n"
                          f"learning_rate: 0.1\n", "net.yaml")
    path = sheet(tmp_path, f"{typo}: 0.5\n")
    (r,) = results(invoke("check", net, path, "--format", "json").stdout)
    assert r["verdict"] == "unknown" and f"'{meant}'" in r["explanation"], r["explanation"]


def test_did_you_mean_is_bounded_per_sheet(tmp_path: Path) -> None:
    path = sheet(tmp_path, "".join(f"z{i}x: 0.5\n" for i in range(check_module.HINTS + 50)))
    found = results(invoke("check", "walkthrough", path, "--format", "json").stdout)
    hinted = sum("did you mean" in r["explanation"] for r in found)
    assert 0 < hinted <= check_module.HINTS
