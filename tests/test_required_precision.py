"""`check --precision`: an answer is compared at the finer of its written decimals and the
required precision (3 decimals unless told); one right only at its own coarser precision is
`imprecise`.

Sources of the expected numbers: tests/answers/exact.yaml, whose every number is a dyadic
rational worked out by hand in its description (zh = 0.5, y = 1, E = 0.125, ∂E/∂v = 0.25,
∂E/∂u = 0, v_new = 1.9375, E_new = 1.07861328125), so "half a unit" is exact in float64 too;
the walkthrough by hand (z2 = 0.5·0.3 + 0.3·0.6 = 0.33) and FORMAT §3's published figures
(∂L/∂w1 = −0.0105507730202, ∂L/∂w5 = −0.0997525403151, η = 0.1).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS

EXACT = str(Path(__file__).parent / "answers" / "exact.yaml")
#: FORMAT §3: the walkthrough's ∂L/∂w1 and ∂L/∂w5, and its learning rate
G1, G5, ETA = -0.0105507730202, -0.0997525403151, 0.1


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def marked(net: str, folder: Path, text: str, *options: str) -> tuple[int, dict, dict]:
    """Exit code, {quantity: result} and the score of `check NET SHEET --format json`."""
    path = folder / "sheet.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("check", net, str(path), "--format", "json", *options)
    assert result.exit_code in (0, 1), result.output
    assert result.stderr == ""
    report = json.loads(result.stdout)
    return result.exit_code, {r["quantity"]: r for r in report["results"]}, report["score"]


# ---------------------------------------------------------------- the edges, by hand

@pytest.mark.parametrize(("key", "text", "verdict"), [
    # at 3 decimals: half a unit is 0.0005, one unit 0.001
    ("dE/dv", "0.25", "correct"),  # 0.250 exactly
    ("dE/dv", "0.2", "imprecise"),  # 0.05 off: half a unit of its one decimal, 50 units of the third
    ("dE/dv", "0.3", "imprecise"),
    ("dE/dv", "0.24", "wrong"),  # one unit of its two decimals: a slip there, not right there
    ("E", "0.12", "imprecise"),  # 0.125 − 0.12 = 0.005: half a unit of the second decimal
    ("E", "0.125", "correct"),
    ("E", "0.126", "rounding"),  # 0.001: one unit of the third decimal
    ("E", "0.127", "wrong"),  # two units
    ("E", "0.1250", "correct"),  # finer than required: compared at its own 4 decimals
    ("E", "0.1251", "rounding"),  # one unit of the fourth decimal
    ("E", "0.1252", "wrong"),  # two units of the fourth decimal, and written finer: not imprecise
    ("E", "0.1255", "wrong"),  # five units of the fourth, though half a unit of the third
    ("v_new", "1.94", "imprecise"),  # 1.9375: 0.0025 off, 2.5 units of the third decimal
    ("v_new", "1.938", "correct"),  # 0.0005: exactly half a unit
    ("v_new", "1.937", "correct"),
    ("v_new", "1.936", "wrong"),  # 1.5 units
    ("zh", "0", "imprecise"),  # 0.5 at no decimals: exactly half a unit there
    ("zh", "0.500", "correct"),
    ("y", "1", "correct"),  # 1 is 1.000: an integer right to any decimals
    ("dE/du", "0", "correct"),
    ("dE/du", "0.0004", "wrong"),  # compared at its own 4 decimals: 4 units
    ("dE/du", "0.0001", "rounding"),
    ("dE/du", "0.0002", "wrong"),
    ("dE/dv", "2.5e-1", "correct"),
    ("dE/dv", "2e-1", "imprecise"),
    ("E_new", "1.0786", "correct"),  # 1.07861328125: 0.13 of a unit of the fourth decimal
    ("E_new", "1.079", "correct"),  # 0.39 of a unit of the third
    ("E_new", "1.08", "imprecise"),  # 1.39 units of the third, 0.28 of the second
])
def test_three_decimals_by_default(key, text, verdict, tmp_path) -> None:
    _, results, score = marked(EXACT, tmp_path, f"{key}: {text}\n")
    assert results[key]["verdict"] == verdict, results[key]
    assert score["precision"] == {"kind": "decimals", "value": 3}


@pytest.mark.parametrize(("options", "key", "text", "verdict"), [
    (("--precision", "2"), "E", "0.12", "correct"),  # half a unit of the second decimal
    (("--precision", "1"), "v_new", "1.9", "correct"),  # 0.0375 of 0.05
    (("--precision", "1"), "v_new", "2", "rounding"),  # 2.0: 0.0625, within one unit of 0.1
    (("--precision", "1"), "v_new", "3", "wrong"),
    (("--precision", "4"), "E_new", "1.079", "imprecise"),  # 3.9 units of the fourth decimal
    # significant figures of the true value: E = 0.125 has its first at 10⁻¹
    (("--precision", "2sf"), "E", "0.12", "correct"),  # 2sf: the second decimal
    (("--precision", "2sf"), "E", "0.1", "imprecise"),  # 0.025: 2.5 units of the second decimal
    (("--precision", "3sf"), "E", "0.125", "correct"),
    (("--precision", "2sf"), "v_new", "1.9", "correct"),  # 1.9375 to 2sf: the first decimal
    (("--precision", "2sf"), "v_new", "2", "rounding"),  # as 1 decimal above
    (("--precision", "3sf"), "v_new", "2", "imprecise"),  # 3sf: 1.94; 6.25 units off, right at 0 decimals
    (("--precision", "5sf"), "v_new", "1.9375", "correct"),
    (("--precision", "5sf"), "v_new", "1.938", "imprecise"),  # 0.0005: five units of the fourth
    (("--precision", "3sf"), "dE/du", "0", "correct"),  # 0 has no significant figures: as written
    (("--precision", "written"), "E", "0.12", "correct"),  # the written decimals alone
    (("--precision", "written"), "zh", "0", "correct"),
    # a teacher's tolerance decides alone: no imprecise, no rounding
    (("--tolerance", "0.01"), "dE/dv", "0.26", "correct"),
    (("--tolerance", "0.01"), "dE/dv", "0.2", "wrong"),
])
def test_the_precision_required(options, key, text, verdict, tmp_path) -> None:
    _, results, _ = marked(EXACT, tmp_path, f"{key}: {text}\n", *options)
    assert results[key]["verdict"] == verdict, results[key]


@pytest.mark.parametrize(("options", "precision"), [
    ((), {"kind": "decimals", "value": 3}),
    (("--precision", "5"), {"kind": "decimals", "value": 5}),
    (("--precision", "4sf"), {"kind": "significant", "value": 4}),
    (("--precision", " 4 SF "), {"kind": "significant", "value": 4}),
    (("--precision", "written"), {"kind": "written", "value": None}),
    (("--tolerance", "0.001"), {"kind": "absolute", "value": 0.001}),
    (("--tolerance", "2%"), {"kind": "relative", "value": 0.02}),
])
def test_the_score_says_how_answers_were_compared(options, precision, tmp_path) -> None:
    _, _, score = marked(EXACT, tmp_path, "E: 0.125\n", *options)
    assert score["precision"] == precision


# ---------------------------------------------------------------- the explanation says what is wanted

def test_an_imprecise_answer_says_the_precision_wanted(tmp_path) -> None:
    # z2 = 0.5·0.3 + 0.3·0.6 = 0.33; w1_new = 0.7 − 0.1·(−0.0105507730202) = 0.70105507730202
    w1_new = 0.7 - ETA * G1
    exit_code, results, score = marked("walkthrough", tmp_path, "z2: 0.3\nw1_new: 0.70\n")
    assert exit_code == 0  # imprecise is neither wrong nor unknown (FORMAT: exit 1 is for those)
    assert results["z2"]["verdict"] == "imprecise" and results["z2"]["mistake"] is None
    assert results["z2"]["explanation"] == "0.3 is 0.33 to 1 decimal; give 3 decimals (0.330)"
    assert results["w1_new"]["verdict"] == "imprecise"
    assert f"{w1_new:.5f}" == "0.70106" and f"{w1_new:.3f}" == "0.701"
    assert results["w1_new"]["explanation"] == \
        "0.70 is 0.70106 to 2 decimals; give 3 decimals (0.701)"
    # not accepted: they count against the score
    assert (score["correct"], score["total"]) == (0, 2)
    assert score["verdicts"]["imprecise"] == 2


def test_significant_figures_are_named_in_the_explanation(tmp_path) -> None:
    # ∂L/∂w5 = −0.0997525…: 4sf asks for the fifth decimal (−0.09975); −0.0998 is 4.75 units
    # of it off, but right to its own four decimals
    assert f"{G5:.5f}" == "-0.09975" and abs(-0.0998 - G5) < 0.00005
    _, results, _ = marked("walkthrough", tmp_path, "dL/dw5: -0.0998\n", "--precision", "4sf")
    r = results["dL/dw5"]
    assert r["verdict"] == "imprecise"
    assert r["explanation"] == \
        "-0.0998 is -0.0997525 to 4 decimals; give 4 significant figures (-0.09975)"


def test_an_imprecise_answer_is_carried_forward_at_the_compared_precision(tmp_path) -> None:
    # h2 = σ(z2) from the student's own z2 = 0.3: 1/(1 + e^−0.3) = 0.574443 → 0.574 at 3 decimals
    # (the true h2 = σ(0.33) = 0.581759)
    own = 1 / (1 + math.exp(-0.3))
    assert f"{own:.3f}" == "0.574" and abs(own - 1 / (1 + math.exp(-0.33))) > 0.005
    _, results, _ = marked("walkthrough", tmp_path, "z2: 0.3\nh2: 0.574\n")
    assert results["z2"]["verdict"] == "imprecise"
    assert results["h2"]["verdict"] == "carried_forward"
    assert "follows from your z2 = 0.3" in results["h2"]["explanation"]


def test_a_mistake_is_matched_at_the_compared_precision(tmp_path) -> None:
    # E_new = 1.07861328125; 0.2 was one unit of its first decimal from the decimal shift
    # 0.107861, which named `decimal_shift` when the written decimal alone counted; 0.2 is not
    # 0.107861 rounded (0.1), and at 3 decimals it is 92 units off: no catalogued mistake
    _, results, _ = marked(EXACT, tmp_path, "E_new: 0.2\n")
    assert (results["E_new"]["verdict"], results["E_new"]["mistake"]) == ("wrong", None)


# ---------------------------------------------------------------- tables, CSV and the gradebook

def test_the_table_csv_and_gradebook_carry_imprecise(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # short names: a summary row is one line
    (tmp_path / "ada.yaml").write_text("z2: 0.3\nz1: 0.470\n", encoding="utf-8")
    (tmp_path / "bo.yaml").write_text("z2: 0.330\n", encoding="utf-8")
    table = invoke("check", "walkthrough", str(tmp_path / "ada.yaml"))
    assert table.exit_code == 0
    assert "imprecise" in table.stdout and "1 imprecise" in table.stdout
    rows = list(csv.DictReader(io.StringIO(
        invoke("check", "walkthrough", str(tmp_path), "--format", "csv").stdout)))
    assert [(r["quantity"], r["verdict"]) for r in rows] == \
        [("z2", "imprecise"), ("z1", "correct"), ("z2", "correct")]
    book = invoke("check", "walkthrough", str(tmp_path), "--summary", "--format", "csv")
    assert book.exit_code == 0
    students = {Path(r["file"]).name: r for r in csv.DictReader(io.StringIO(book.stdout))}
    assert (students["ada.yaml"]["imprecise"], students["ada.yaml"]["accepted"],
            students["ada.yaml"]["total"]) == ("1", "1", "2")
    assert students["bo.yaml"]["imprecise"] == "0"
    summary = invoke("check", "walkthrough", "ada.yaml", "bo.yaml", "--summary")
    ada = next(line for line in summary.stdout.splitlines() if "ada.yaml" in line)
    assert "z2 (imprecise)" in ada


# ---------------------------------------------------------------- absurd values

@pytest.mark.parametrize(("value", "words"), [
    ("0", "0 decimals compares whole numbers only"),
    ("-2", "at least 1"),
    ("0sf", "0 significant figures"),
    ("16", "15 significant digits"),
    ("99sf", "15 significant digits"),
    ("1" + "0" * 5000, "15 significant digits"),
    ("three", "expected 'written'"),
    ("3.5", "expected 'written'"),
    ("", "expected 'written'"),
    ("3 decimals", "expected 'written'"),
    ("\x1b[31m", "expected 'written'"),
])
def test_an_absurd_precision_is_a_usage_error(value, words) -> None:
    result = invoke("check", "walkthrough", str(NETWORKS / "walkthrough.answers.yaml"),
                    f"--precision={value}")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backprop: error: --precision")
    assert words in lines[0] and "Traceback" not in result.stderr and "\x1b" not in result.stderr


def test_precision_and_tolerance_are_not_given_together() -> None:
    result = invoke("check", "walkthrough", str(NETWORKS / "walkthrough.answers.yaml"),
                    "--precision", "3", "--tolerance", "0.001")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "--precision and --tolerance" in result.stderr


def test_the_python_api_takes_a_precision() -> None:
    import backprop
    from backprop.errors import UsageError

    net = backprop.load("walkthrough")
    assert backprop.check(net, {"z2": "0.3"}).results[0].verdict == "imprecise"
    assert backprop.check(net, {"z2": "0.3"}, precision="written").results[0].verdict == "correct"
    assert backprop.check(net, {"z2": "0.3"}, precision="1sf").results[0].verdict == "correct"
    with pytest.raises(UsageError):
        backprop.check(net, {"z2": "0.3"}, precision="0")
    with pytest.raises(UsageError):
        backprop.check(net, {"z2": "0.3"}, precision="3", tolerance="0.01")
