"""Numbers past 1e15 and below 1e-12 print in scientific notation in every format, with the
significant figures README "numbers" states (N at N decimals, at least three); JSON keeps every
float whole (FORMAT.md §3). Expected texts are worked by hand in each test from the rule."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.explain import explain
from backprop.notation import evaluate, fmt, fmt_step, given
from backprop.render.explain import explain_report
from backprop.render.step import step_report
from test_adds_up import check_lines, check_tables

# y = x·w + b with x = 2, w = 1e20, b = 1e-300; o = y·v with v = 1e-20; L = ½(t − o)², t = 1.
# By hand: y = 2e20 (b is far below an ulp of 2e20), o = 2e20·1e-20 = 2, ∂L/∂o = o − t = 1,
# ∂L/∂v = ∂L/∂o · y = 2e20, ∂L/∂w = 1 · v · x = 2e-20, ∂L/∂b = v = 1e-20;
# v_new = 1e-20 − 0.1·2e20 = −2e19.
HUGE = """\
title: huge and tiny
inputs: {x: 2.0}
params: {w: 1.0e+20, b: 1.0e-300, v: 1.0e-20}
nodes:
  y: {from: {x: w}, bias: b}
  o: {from: {y: v}}
targets: {o: 1}
loss: half_sse
learning_rate: 0.1
"""

# A tiny chain: y = 1.2345e-10 · 1e-10 = 1.2345e-20, o = 3y = 3.7035e-20, p = σ(7e16·o).
TINY = """\
inputs: {x: 1.2345e-10}
params: {w: 1.0e-10, v: 3, u: 7.0e+16}
nodes:
  y: {from: {x: w}}
  o: {from: {y: v}}
  p: {from: {o: u}, activation: sigmoid}
targets: {p: 1}
loss: half_sse
learning_rate: 0.1
"""

LONG_DIGITS = re.compile(r"\d{18,}")  #: a number written out in full past 1e17


def test_fmt_prints_large_values_with_n_significant_figures() -> None:
    # 2·10^20 at 3 decimals: 3 significant figures, 2.00 × 10^20
    assert fmt(2e20) == "2.00e+20"
    assert fmt(-2e20) == "-2.00e+20"
    # 1.125e20 is exact in binary (9·5^20·2^17 < 2^53·2^…): a true tie, rounded up as textbooks do
    assert fmt(1.125e20) == "1.13e+20"
    assert fmt(-1.125e20) == "-1.13e+20"
    # at N decimals, N significant figures: 1.2345e20 at 5 is 1.2345 × 10^20
    assert fmt(1.2345e20, 5) == "1.2345e+20"
    # at fewer than 3 decimals still three figures, like small values
    assert fmt(1.2345e20, 0) == "1.23e+20"
    # the threshold: 10^15 itself is scientific, and 999999999999999.9 rounds to it at 0 places
    assert fmt(1e15) == "1.00e+15"
    assert fmt(999999999999999.9, 0) == "1.00e+15"
    assert fmt(123456789012345.6, 1) == "123456789012345.6"  # below 1e15: fixed, as before
    # the largest double, 1.7976931348623157e308, at 3 figures
    assert fmt(1.7976931348623157e308) == "1.80e+308"


def test_fmt_prints_tiny_values_with_three_significant_figures() -> None:
    # below 1e-12 a value that N places would show as 0 keeps three figures
    assert fmt(1.2345e-13) == "1.23e-13"
    assert fmt(-1e-300) == "-1.00e-300"
    assert fmt(1e-20) == "1.00e-20"
    # the smallest subnormal 2^-1074 = 4.94065…e-324
    assert fmt(5e-324) == "4.94e-324"
    # between 1e-12 and 1e-15 three figures in fixed form, as README shows for 0.000439
    assert fmt(1.5e-12) == "0.00000000000150"
    # a finer printer gives more figures, so a row can be made to add up
    assert fmt(1.2345e-20, 5) == "1.2345e-20"


def test_given_and_update_texts_past_1e15() -> None:
    # the file's own numbers: shortest text that reads back, moved into the exponent
    assert given(1e15) == "1e+15"
    assert given(1e20) == "1e+20"
    assert given(1234567890123456.7) == "1.2345678901234568e+15"
    assert float(given(1234567890123456.7)) == 1234567890123456.7
    assert given(1e14) == "100000000000000"  # below 1e15 as before
    # an update too small to show at 3 figures shows its change's second figure:
    # 1e20 + 1e5 differs from 1e20 in the 16th figure (20 − 5 + 1), so 17 figures
    assert fmt_step(1e20 + 3e17, 1e20) == "1.0030e+20"  # 20 − 17 + 2 = 5 figures
    assert fmt_step(1e20, 1e20 + 3e17) == "1.0000e+20"


def test_the_notation_reader_reads_scientific_numbers() -> None:
    # evaluate must read what fmt prints: 1e+20 − 0.1·2.00e-20 = 1e20 (in float64),
    # 1.23e-20·3 = 3.69e-20
    assert evaluate("1e+20 − 0.1·2.00e-20") == 1e20
    assert evaluate("1.23e-20·3") == pytest.approx(3.69e-20, rel=1e-12)
    assert evaluate("1e-20 − 0.1·2.00e+20") == pytest.approx(-2e19, rel=1e-12)


@pytest.mark.parametrize("text", [HUGE, TINY])
@pytest.mark.parametrize("decimals", [2, 3, 4])
def test_extreme_rows_still_add_up(text: str, decimals: int) -> None:
    # test_adds_up's own recomputation, on values past the notation's two thresholds
    trace = step(load("net.yaml", text=text))
    checked = check_tables(step_report(trace, decimals, show_all=True))
    for param in trace.network.params:
        doc = explain_report(explain(trace, param), decimals)
        checked += check_tables(doc) + check_lines(doc)
    assert checked > len(trace.network.params)


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fmt_", ["table", "markdown", "html", "latex"])
def test_every_text_format_prints_huge_values_short(tmp_path, fmt_: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(HUGE, encoding="utf-8")
    args = ["step", str(path)] + ([] if fmt_ == "table" else ["--format", fmt_])
    out = _run(*args)
    assert not LONG_DIGITS.search(out), LONG_DIGITS.search(out)
    if fmt_ == "latex":
        # y = 2·10^20 and v_new = −2·10^19 as math, not as e-notation
        assert r"2.00 \times 10^{20}" in out
        assert r"-2.00 \times 10^{19}" in out
        assert "e+20" not in out
    else:
        assert "2.00e+20" in out
        assert "-2.00e+19" in out


def test_json_keeps_full_floats(tmp_path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(HUGE, encoding="utf-8")
    report = json.loads(_run("step", str(path), "--format", "json"))
    # the hand-worked values above, exactly
    assert report["gradients"]["v"] == 2e20
    assert report["gradients"]["w"] == 2e-20
    assert report["updated"]["v"] == 1e-20 - 0.1 * 2e20
    assert report["samples"][0]["values"]["y"] == 2e20


def test_check_shows_a_huge_true_value_short(tmp_path) -> None:
    net = tmp_path / "net.yaml"
    net.write_text(HUGE, encoding="utf-8")
    answers = tmp_path / "a.yaml"
    # ∂L/∂v = 2e20 (hand-worked above); z_y = 2e20 too, written in full by the student
    answers.write_text("dL/dv: 2.0e+20\nz_y: 200000000000000000000.0\n", encoding="utf-8")
    out = _run("check", str(net), str(answers))
    assert "2.00e+20" in out  # dL/dv's true value: one figure more than the 2 written, 3 at least
    # z_y written to one decimal: 22 figures asked, 17 a double holds
    assert "2.0000000000000000e+20" in out
    # CSV carries the true value as a full float: it reads back exactly
    rows = list(csv.DictReader(io.StringIO(_run("check", str(net), str(answers), "--format",
                                                "csv"))))
    assert [float(r["expected"]) for r in rows] == [2e20, 2e20]


@pytest.mark.parametrize("text", [HUGE, TINY])
def test_latex_of_extreme_values_compiles(tmp_path, text: str) -> None:
    # {2.00 \times 10^{20}} is math a stock pdflatex sets, a square after it included
    import subprocess

    from test_formats import _pdflatex

    pdflatex = _pdflatex()
    path = tmp_path / "net.yaml"
    path.write_text(text, encoding="utf-8")
    for k, args in enumerate([["step", str(path)], ["explain", "-w", "w", str(path)]]):
        (tmp_path / f"doc{k}.tex").write_text(_run(*args, "--format", "latex"), encoding="utf-8")
        done = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error",
                               "-no-shell-escape", f"doc{k}.tex"], cwd=tmp_path,
                              capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]
