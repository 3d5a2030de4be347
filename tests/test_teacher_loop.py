"""The teacher's loop (issue 12) used as a teacher and as a hostile student would: `new` with
unusual options, its keys read back by `check`, and a class folder full of odd files."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from backprop.cli import cli

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- keys with several samples

def test_the_key_page_of_a_several_sample_exercise_is_read_whole(tmp_path: Path) -> None:
    """Sample k's factor on the key page is written where a page names it, on the node value
    (∂h₁⁽ᵏ⁾/∂z₁, ∂z₁⁽ᵏ⁾/∂w₁) or, for the loss's, on the denominator (∂L/∂h₁⁽ᵏ⁾): every line of
    the page is read, and it answers each quantity of the answers-file key (asked or not)."""
    code, _, err = run("new", "--out", str(tmp_path), "--samples", "2", "--answers", "--seed", "5")
    assert code == 0, err
    net, page = tmp_path / "exercise.yaml", tmp_path / "exercise.answers.md"
    text = page.read_text()
    # the spellings of pagecheck's table (README: z_1^{(2)} is z1[2]), written out by hand
    for chain in (r"$\frac{\partial L}{\partial h_{1}^{(2)}} = ",
                  r"$\frac{\partial h_{1}^{(2)}}{\partial z_{1}} = ",
                  r"$\frac{\partial z_{1}^{(2)}}{\partial w_{1}} = ",
                  r"$\frac{\partial L}{\partial z_{3}^{(1)}} = "):
        assert chain in text
    key_lines = (tmp_path / "exercise.answers.yaml").read_text().splitlines()
    keyed = {line.lstrip("# ").split(": ")[0].strip('"') for line in key_lines
             if ": " in line and not line.startswith(("# answer key", "# not asked", "# (mark"))}
    code, out, err = run("check", str(net), str(page), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["not_read"] == []
    assert {r["verdict"] for r in report["results"]} == {"correct"}
    answered = {r["quantity"] for r in report["results"]}
    inputs = {f"x{i}[{k}]" for i in (1, 2) for k in (1, 2)}  # given, restated: not answers
    assert keyed - inputs <= answered and "dL/dh1[2]" in answered


def test_a_folder_of_several_sample_variants_grades_its_key_pages_full_marks(tmp_path: Path) -> None:
    out = tmp_path / "class"
    code, _, err = run("new", "--out", str(tmp_path / "v"), "--samples", "3", "--variants", "2",
                       "--answers", "--shape", "2-2-2", "--loss", "cross_entropy")
    assert code == 0, err
    out.mkdir()
    for k in (1, 2):
        page = (tmp_path / "v" / f"exercise-v0{k}.answers.md").read_text()
        (out / f"student-v0{k}.md").write_text(page)
    code, csv_text, err = run("check", str(tmp_path / "v"), str(out), "--summary", "--format", "csv")
    assert code == 0, err
    rows = csv_text.splitlines()[1:]
    assert len(rows) == 2
    for row in rows:
        cells = row.split(",")
        # missing 0, score 1.0: every asked quantity answered by the page
        assert cells[8] == "0" and cells[11] == "1.0", row
    assert yaml.safe_load((tmp_path / "v" / "exercise-v01.yaml").read_text())["samples"]


def test_a_shape_with_no_draw_worth_marking_suggests_more_decimals_not_fewer(tmp_path: Path) -> None:
    """Four sigmoids in a row squash L's change under each mistake below a unit of 1 decimal.
    A coarser precision tells fewer numbers apart, so the advice is a finer one."""
    code, out, err = run("new", "--shape", "1-1-1-1-1", "--decimals", "1", "--out", "-")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "more decimals (2)" in err and "fewer" not in err
