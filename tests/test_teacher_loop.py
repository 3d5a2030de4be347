"""The teacher's loop (issue 12) used as a teacher and as a hostile student would: `new` with
unusual options, its keys read back by `check`, and a class folder full of odd files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import backprop
from backprop.cli import cli
from backprop.errors import UsageError

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=ENV)
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- keys with several samples

def _quiz(folder: Path) -> None:
    """One variant, quiz-v01: y = w·x with x = 2, w = 0.5, target 2, sse, η = 0.1."""
    (folder / "quiz-v01.yaml").write_text("inputs: {x: 2}\nparams: {w: 0.5}\nnodes:\n"
                                          "  y: {sum: z, from: {x: w}}\ntargets: {y: 2}\n"
                                          "loss: sse\nlearning_rate: 0.1\n")


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


# ---------------------------------------------------------------- folders to write into

SHEET = "z1: 0.47\n"  # any sheet: these tests are about where feedback goes, not its marks


def test_an_empty_feedback_folder_is_a_usage_error_not_the_current_folder(
        tmp_path: Path, monkeypatch) -> None:
    """`--feedback "$DIR"` with DIR unset would write every student's page where the command
    runs; as for an empty NET, it is refused, and nothing is written."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ada.yaml").write_text(SHEET)
    for empty in ("", "  "):
        code, out, err = run("check", "walkthrough", "ada.yaml", "--feedback", empty)
        assert code == 2 and out == "" and err.count("\n") == 1, err
        assert "--feedback: expected a folder" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ada.yaml"]


def test_a_feedback_folder_under_a_file_is_refused_before_any_report(tmp_path: Path) -> None:
    (tmp_path / "ada.yaml").write_text(SHEET)
    (tmp_path / "notes.txt").write_text("a file")
    for folder in ("notes.txt", "notes.txt/feedback"):
        code, out, err = run("check", "walkthrough", str(tmp_path / "ada.yaml"),
                             "--feedback", str(tmp_path / folder))
        assert (code, out) == (2, ""), err  # no report printed, then a failure after it
        assert err.count("\n") == 1 and "notes.txt: --feedback:" in err


def test_new_refuses_an_empty_out_or_one_under_a_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("a file")
    for out_dir in ("", "notes.txt", "notes.txt/class"):
        code, out, err = run("new", "--out", out_dir)
        assert (code, out) == (2, "") and err.count("\n") == 1, err
        assert "--out: " in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_feedback_never_replaces_a_sheet_it_marks(tmp_path: Path) -> None:
    """A teacher who writes feedback beside the sheets (`--feedback class/`) must not lose a
    student's typed page: bo.md's feedback page would be bo.md. Refused before any marking,
    the page byte for byte as handed in; the YAML sheets' pages (ada.md) would not clash."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ada.yaml").write_text(SHEET)
    page = "My working:\n\n$z_1 = 0.47$\n"
    (folder / "bo.md").write_text(page)
    code, out, err = run("check", "walkthrough", str(folder), "--feedback", str(folder))
    assert (code, out) == (2, "") and err.count("\n") == 1, err
    assert "bo.md" in err and "the sheet itself" in err
    assert (folder / "bo.md").read_text() == page
    assert sorted(p.name for p in folder.iterdir()) == ["ada.yaml", "bo.md"]
    # with the page elsewhere, feedback beside the YAML sheet is written as before
    (folder / "bo.md").unlink()
    code, _, err = run("check", "walkthrough", str(folder), "--feedback", str(folder))
    assert code in (0, 1), err
    assert sorted(p.name for p in folder.iterdir()) == ["ada.md", "ada.yaml"]


def test_feedback_never_replaces_a_file_of_the_variants_folder(tmp_path: Path) -> None:
    code, _, err = run("new", "--out", str(tmp_path / "v"), "--variants", "2", "--answers")
    assert code == 0, err
    key_page = (tmp_path / "v" / "exercise-v01.answers.md").read_text()
    sheet = tmp_path / "exercise-v01.answers.yaml"  # a student who kept the key's name
    sheet.write_text((tmp_path / "v" / "exercise-v01.answers.yaml").read_text())
    code, out, err = run("check", str(tmp_path / "v"), str(sheet), "--feedback", str(tmp_path / "v"))
    assert (code, out) == (2, "") and "one of the inputs" in err, err
    assert (tmp_path / "v" / "exercise-v01.answers.md").read_text() == key_page


# ---------------------------------------------------------------- absurd tolerances

# y = w·x (identity), sse, η = 0.1, by hand: x = 0.2, w = 0.5, target 0.3:
#   z = y = 0.1, L = (0.3 − 0.1)² = 0.04, ∂L/∂y = −2(0.3 − 0.1) = −0.4, ∂L/∂w = −0.4·0.2 = −0.08,
#   w_new = 0.5 − 0.1·(−0.08) = 0.508. The step's numbers: 0.2, 0.1, 0.1, 0.04, 0.08, 0.508 —
#   half of them 0.1 or below.
SMALL = ("inputs: {x: 0.2}\nparams: {w: 0.5}\nnodes:\n  y: {sum: z, from: {x: w}}\n"
         "targets: {y: 0.3}\nloss: sse\nlearning_rate: 0.1\n")


def test_a_tolerance_as_large_as_the_networks_numbers_is_a_usage_error(tmp_path: Path) -> None:
    """0.5 is below the fixed bound of 1, but five times this step's typical number: y: 0.4
    (four times the true 0.1) would pass. Refused, before any sheet is marked."""
    net, sheet = tmp_path / "net.yaml", tmp_path / "s.yaml"
    net.write_text(SMALL)
    sheet.write_text("y: 0.4\nL: 0.04\n")
    for tol in ("0.5", "0.2", "0.1"):
        code, out, err = run("check", str(net), str(sheet), "--tolerance", tol)
        assert (code, out) == (2, "") and err.count("\n") == 1, err
        assert f"--tolerance {tol}:" in err
    code, out, err = run("check", str(net), str(sheet), "--tolerance", "0.05", "--format", "csv")
    assert code == 1, err  # 0.4 is 0.3 from 0.1: wrong; 0.04 right
    assert [row.split(",")[5] for row in out.splitlines()[1:]] == ["wrong", "correct"]


def test_a_tolerance_of_zero_or_not_written_in_ascii_digits_is_a_usage_error(tmp_path: Path) -> None:
    net, sheet = tmp_path / "net.yaml", tmp_path / "s.yaml"
    net.write_text(SMALL)
    sheet.write_text("y: 0.1\n")
    for tol in ("0", "0.0", "0%", "1e-400", "1_0", "０.1", "0.1\u0663"):
        code, out, err = run("check", str(net), str(sheet), "--tolerance", tol)
        assert (code, out) == (2, "") and err.count("\n") == 1, (tol, err)
        assert "--tolerance" in err


# ---------------------------------------------------------------- variants named in file names

def test_an_exercise_name_with_a_v_token_is_not_read_as_the_variant(tmp_path: Path) -> None:
    """`new --name hw-v3` writes hw-v3-v01.yaml …; a sheet named after it, alice-hw-v3-v02.yaml,
    answers v02 (the exercise's name is no variant), in any case (HW-V3)."""
    code, _, err = run("new", "--out", str(tmp_path / "v"), "--name", "hw-v3", "--variants", "2",
                       "--answers")
    assert code == 0, err
    sheets = tmp_path / "class"
    sheets.mkdir()
    for student, k in (("alice-hw-v3-v02", 2), ("HW-V3-v01-bo", 1)):
        (sheets / f"{student}.yaml").write_text(
            (tmp_path / "v" / f"hw-v3-v0{k}.answers.yaml").read_text())
    code, out, err = run("check", str(tmp_path / "v"), str(sheets), "--summary", "--format", "json")
    assert code == 0, err
    rows = {Path(r["file"]).name: r for r in json.loads(out)["students"]}
    assert rows["alice-hw-v3-v02.yaml"]["variant"] == "v02"
    assert rows["HW-V3-v01-bo.yaml"]["variant"] == "v01"
    assert all(r["score"] == 1.0 for r in rows.values())


def test_a_file_name_disagreeing_with_the_sheet_names_the_variant_as_the_folder_does(
        tmp_path: Path) -> None:
    code, _, err = run("new", "--out", str(tmp_path / "v"), "--variants", "2")
    assert code == 0, err
    sheet = tmp_path / "bo-v2.yaml"
    sheet.write_text("variant: v01\nz1: 0.5\n")
    code, _, err = run("check", str(tmp_path / "v"), str(sheet))
    assert code == 2 and "says variant v01 but its file name says v02;" in err, err


def test_a_sheet_named_twice_is_one_student(tmp_path: Path, monkeypatch) -> None:
    """`check net class/ class/ada.yaml ./class/ada.yaml`: ada is one student, one row, in the
    place first named; bo, named only by the folder, is the other."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ada.yaml").write_text(SHEET)
    (tmp_path / "class" / "bo.yaml").write_text(SHEET)
    code, out, err = run("check", "walkthrough", "class/ada.yaml", "class", "./class/ada.yaml",
                         "class/", "--summary", "--format", "csv")
    assert code in (0, 1), err
    assert [row.split(",")[0] for row in out.splitlines()[1:]] == ["class/ada.yaml", "class/bo.yaml"]


def test_the_summary_table_counts_what_it_cannot_list(tmp_path: Path, monkeypatch) -> None:
    """A sheet left nearly blank against a key of 6 quantities is "5 not answered", and one with
    ten unknown keys names seven and counts the rest (3 more unknown, and the "6 not answered"),
    so a row stays a few lines long.
    The variant by hand: y = w·x, x = 2, w = 0.5, sse, target 2, η = 0.1: z = y = 1, L = 1,
    ∂L/∂y = −2, ∂L/∂w = −4, w_new = 0.9."""
    monkeypatch.chdir(tmp_path)
    v = tmp_path / "v"
    v.mkdir()
    _quiz(v)
    (v / "quiz-v01.answers.yaml").write_text("z: 1\ny: 1\nL: 1\ndL/dy: -2\ndL/dw: -4\nw_new: 0.9\n")
    (tmp_path / "ada-v01.yaml").write_text("y: 1\n")
    (tmp_path / "bo-v01.yaml").write_text("".join(f"q{k}: {k}\n" for k in range(1, 11)))
    code, out, err = run("check", "v", "ada-v01.yaml", "bo-v01.yaml", "--summary")
    assert code == 1, err
    flat = " ".join(out.split())
    assert "ada-v01.yaml v01 1/6 5 not answered —" in flat
    assert "bo-v01.yaml v01 0/6 q1 (unknown), q2 (unknown)" in flat
    assert flat.endswith("q7 (unknown), and 4 more") and "q8" not in flat


def test_the_same_shape_spelled_otherwise_writes_the_same_bytes(tmp_path: Path) -> None:
    """02-2-1 and ' 2-2-1' are the shape 2-2-1: the same exercise, byte for byte, titled 2-2-1."""
    texts = set()
    for spelled in ("2-2-1", "02-2-1", " 2-2-1 "):
        code, out, err = run("new", "--out", "-", "--shape", spelled, "--seed", "4")
        assert code == 0, err
        texts.add(out)
    assert len(texts) == 1 and texts.pop().startswith('title: "exercise: 2-2-1 sigmoid network, mse"')


def test_a_quoted_variant_names_it_as_a_plain_one_does(tmp_path: Path) -> None:
    """`variant: "v02"`, `'v02'` and `"2"` are YAML strings with the same text as `v02`."""
    code, _, err = run("new", "--out", str(tmp_path / "v"), "--variants", "2")
    assert code == 0, err
    sheets = tmp_path / "class"
    sheets.mkdir()
    for k, written in enumerate(('"v02"', "'v02'", '"2"', "v02", "'V2'")):
        (sheets / f"s{k}.yaml").write_text(f"variant: {written}\nz1: 0.5\n")
    code, out, err = run("check", str(tmp_path / "v"), str(sheets), "--summary", "--format", "json")
    assert code in (0, 1), err
    assert [r["variant"] for r in json.loads(out)["students"]] == ["v02"] * 5


def test_a_fifo_in_a_class_folder_is_skipped_not_waited_on(tmp_path: Path) -> None:
    """A named pipe called ada.yaml (or bo.md) would block the whole class forever on open;
    only regular files in a folder are sheets (a dangling link still gets its row)."""
    folder = tmp_path / "class"
    folder.mkdir()
    os.mkfifo(folder / "ada.yaml")
    os.mkfifo(folder / "bo.md")
    (folder / "cy.yaml").write_text(SHEET)
    (folder / "dee.yaml").symlink_to(tmp_path / "nowhere.yaml")
    code, out, err = run("check", "walkthrough", str(folder), "--summary", "--format", "json")
    assert code == 2, err  # dee cannot be read
    book = json.loads(out)
    assert [Path(r["file"]).name for r in book["students"]] == ["cy.yaml", "dee.yaml"]
    assert sorted(Path(f).name for f in book["skipped"]) == ["ada.yaml", "bo.md"]


def test_a_students_lines_not_read_are_in_their_feedback_and_gradescope_output(tmp_path: Path) -> None:
    """An equation check cannot read is an answer not marked: the student is told which line
    and why, in the feedback page (escaped for Markdown) and in Gradescope's output."""
    page = tmp_path / "ada.md"
    page.write_text("$z_1 = 0.470$\n\n$\\foo{*x*} = 3$\n")  # line 3: no quantity named \foo
    code, out, err = run("check", "walkthrough", str(page), "--format", "gradescope",
                         "--feedback", str(tmp_path / "fb"))
    assert code == 0, err
    output = json.loads(out)["output"]
    assert "Lines not read, so not marked:\nline 3: \\foo{*x*} = 3 (" in output
    feedback = (tmp_path / "fb" / "ada.md").read_text()
    assert "- line 3: \\\\foo\\{\\*x\\*\\} = 3 (" in feedback


def test_a_word_that_is_no_number_gets_the_right_hint(tmp_path: Path) -> None:
    """`z1: nan` has no quotes to remove: YAML reads the plain word as a string, and the
    hint says what is wrong with it; a quoted "0.5" is told to drop the quotes."""
    sheet = tmp_path / "s.yaml"
    for written, hint in (("nan", "(numbers must be finite)"), ("inf", "(numbers must be finite)"),
                          ('"1e999"', "(numbers must be finite)"), ('"0.5"', "(remove the quotes)"),
                          ("'0.5'", "(remove the quotes)"), ("1_0", "plain ASCII digits"),
                          ("\u0660.5", "plain ASCII digits")):
        sheet.write_text(f"z1: {written}\n", encoding="utf-8")
        code, _, err = run("check", "walkthrough", str(sheet))
        assert code == 2 and err.count("\n") == 1, err
        assert hint in err and ("quotes" in hint) == ("quotes" in err), (written, err)


def test_new_refuses_a_name_a_shell_or_windows_would_misread(tmp_path: Path) -> None:
    """`-x.yaml` reads as an option to any command given it; CON.yaml, nul.answers.yaml and
    COM1.yaml are devices on Windows (Microsoft's "Naming Files, Paths, and Namespaces")."""
    for name in ("-x", "--", "CON", "nul", "Com1", "LPT9", "aux"):
        code, out, err = run("new", "--out", str(tmp_path), "--name", name)
        assert (code, out) == (2, "") and err.count("\n") == 1 and "--name" in err, (name, err)
    assert list(tmp_path.iterdir()) == []
    code, _, err = run("new", "--out", str(tmp_path), "--name", "console")
    assert code == 0 and (tmp_path / "console.yaml").exists(), err


def test_one_sheet_that_cannot_be_used_still_gets_its_feedback_page(tmp_path: Path) -> None:
    """Alone, a malformed sheet is the one message on stderr (exit 2), as for any file; the
    student's feedback page is written all the same, with the reason."""
    sheet = tmp_path / "ada.yaml"
    sheet.write_text("z1: [0.47\n")
    code, out, err = run("check", "walkthrough", str(sheet), "--feedback", str(tmp_path / "fb"))
    assert (code, out) == (2, "") and err.count("\n") == 1, err
    page = (tmp_path / "fb" / "ada.md").read_text()
    assert "could not be marked" in page and "ada.yaml:" in page


def test_new_with_force_writes_nothing_when_a_file_to_write_is_a_folder(tmp_path: Path) -> None:
    """--force overwrites files; a folder where the key is to go is refused before the network
    beside it is written, so no exercise is left without its key."""
    (tmp_path / "exercise.answers.yaml").mkdir()
    code, out, err = run("new", "--out", str(tmp_path), "--answers", "--force")
    assert (code, out) == (2, "") and "exercise.answers.yaml: is a folder" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exercise.answers.yaml"]


def test_the_python_api_refuses_a_tolerance_as_large_as_the_networks_numbers(tmp_path: Path) -> None:
    net = tmp_path / "net.yaml"
    net.write_text(SMALL)  # half the step's numbers are 0.1 or below (worked above)
    with pytest.raises(UsageError):
        backprop.check(backprop.load(str(net)), {"y": "0.4"}, tolerance="0.5")
    report = backprop.check(backprop.load(str(net)), {"y": "0.4"}, tolerance="0.05")
    assert [r.verdict for r in report.results] == ["wrong"]  # 0.4 is 0.3 from the true 0.1


def test_keys_coarser_than_the_required_precision_are_warned_of(tmp_path: Path) -> None:
    """`new --decimals 2` writes keys to 2 decimals (its header says so); marked at the default
    3, an answer right to 2 decimals is imprecise. The teacher is told (a warning on stderr,
    after the report), and not when --precision is given, nor for a key of 3 decimals or a key
    written by hand (0.9 there is exact, not rounded).
    The variant by hand: y = w·x, x = 2, w = 0.5: y = 1, L = (2 − 1)² = 1, w_new = 0.9."""
    v = tmp_path / "v"
    v.mkdir()
    _quiz(v)
    (tmp_path / "ada-v01.yaml").write_text("y: 1.00\n")

    def header(d: int) -> str:  # the first line `new --answers` writes
        return (f"# answer key: the 2 quantities the worksheet asks, to {d} decimals, as "
                f"`backprop check` reads it\n")

    for key, args, warned in ((header(2) + "y: 1.00\nL: 1.00\n", (), True),
                              (header(2) + "y: 1.00\nL: 1.00\n", ("--precision", "2"), False),
                              (header(3) + "y: 1.000\nL: 1.000\n", (), False),
                              ("y: 1\nL: 1\nw_new: 0.9\n", (), False)):
        (v / "quiz-v01.answers.yaml").write_text(key)
        code, _, err = run("check", str(v), str(tmp_path / "ada-v01.yaml"), *args)
        assert code == 0, err
        assert ("keys are written to 2 decimals" in err) == warned, (key, args, err)
        assert err.count("\n") == (1 if warned else 0)
        if warned:
            assert err.startswith("backprop: warning:") and "--precision 2" in err


def test_new_writes_the_key_header_check_reads_its_decimals_from(tmp_path: Path) -> None:
    v = tmp_path / "v"
    code, _, err = run("new", "--out", str(v), "--variants", "2", "--answers", "--decimals", "2")
    assert code == 0, err
    sheet = tmp_path / "ada-v01.yaml"
    sheet.write_text((v / "exercise-v01.answers.yaml").read_text())
    code, _, err = run("check", str(v), str(sheet))
    assert "keys are written to 2 decimals" in err and "--precision 2" in err, err
    code, _, err = run("check", str(v), str(sheet), "--precision", "2")
    assert code == 0 and err == "", err


# two samples of y = w·x (identity), sse, w = 0.5, by hand:
#   sample 1: x = 0.2, t = 0.3: y = 0.1, ∂L/∂y = −2(0.3 − 0.1) = −0.4
#   sample 2: x = 0.4, t = 0.1: y = 0.2, ∂L/∂y = −2(0.1 − 0.2) = 0.2, ∂z/∂w = x = 0.4,
#             its share of ∂L/∂w = 0.2·0.4 = 0.08
TWO_SAMPLES = ("samples:\n  - inputs: {x: 0.2}\n    targets: {y: 0.3}\n"
               "  - inputs: {x: 0.4}\n    targets: {y: 0.1}\n"
               "params: {w: 0.5}\nnodes:\n  y: {sum: z, from: {x: w}}\nloss: sse\nlearning_rate: 0.1\n")


def test_a_page_reads_a_samples_mark_after_the_fraction(tmp_path: Path) -> None:
    """`\\frac{∂L}{∂y}^{(2)}` — sample 2's factor, the mark after the fraction (as the key pages
    and worksheets of `new --samples` wrote it before) — is ∂L/∂y⁽²⁾, not a line not read."""
    net, page = tmp_path / "net.yaml", tmp_path / "ada.md"
    net.write_text(TWO_SAMPLES)
    page.write_text("$\\frac{\\partial L}{\\partial y}^{(2)} = 0.2$\n\n"
                    "$\\frac{\\partial L}{\\partial y}^{(1)} = -0.4$\n\n"
                    "$\\frac{\\partial z}{\\partial w}^{(2)} = 0.4$\n\n"
                    "$\\frac{\\partial L}{\\partial w}^(2) = 0.08$\n")
    code, out, err = run("check", str(net), str(page), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["not_read"] == []
    assert [(r["quantity"], r["verdict"]) for r in report["results"]] == [
        ("dL/dy[2]", "correct"), ("dL/dy[1]", "correct"), ("dz/dw[2]", "correct"),
        ("dL/dw[2]", "correct")]
