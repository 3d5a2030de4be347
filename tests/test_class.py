"""A class in one command (issue 12): folders of sheets, per-student variants, sheets that cannot
be used, the gradebook, Gradescope's results.json and the feedback pages.

The variant networks are written here by hand: y = w·x (identity), sse loss, η = 0.1, target 2,
w = 0.5, so every number is worked out in one line:
  v01: x = 2: z = y = 1,   L = (2 − 1)² = 1,      ∂L/∂y = −2(t − y) = −2, ∂L/∂w = −2·x = −4,
       w_new = 0.5 − 0.1·(−4) = 0.9
  v02: x = 3: z = y = 1.5, L = (2 − 1.5)² = 0.25, ∂L/∂y = −1,            ∂L/∂w = −1·x = −3,
       w_new = 0.5 − 0.1·(−3) = 0.8
"""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.classroom import Row, feedback_names
from backprop.cli import cli

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
HOSTILE = "evil\x1b[31m\nname-v01.yaml"  # an escape sequence and a newline in the file NAME
HOSTILE_BAD = "bad\x1b]0;x\x07\nname.yaml"  # a terminal-title sequence and a newline, and malformed


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env=ENV).invoke(cli, list(args))


def _variant(folder: Path, k: int, x: float) -> None:
    (folder / f"quiz-v{k:02d}.yaml").write_text(
        f"title: scale (variant v{k:02d})\ninputs: {{x: {x}}}\nparams: {{w: 0.5}}\n"
        f"nodes:\n  y: {{sum: z, from: {{x: w}}}}\ntargets: {{y: 2}}\nloss: sse\n"
        f"learning_rate: 0.1\n", encoding="utf-8")


@pytest.fixture
def klass(tmp_path: Path) -> tuple[Path, Path]:
    variants = tmp_path / "variants"
    variants.mkdir()
    _variant(variants, 1, 2)
    _variant(variants, 2, 3)
    # v01's key (the numbers worked in the docstring): what v01 asks, and no network; v02 has
    # none, so its sheets are scored out of the answers they give
    (variants / "quiz-v01.answers.yaml").write_text("y: 1\nL: 1\ndL/dw: -4\nw_new: 0.9\n",
                                                    encoding="utf-8")
    sheets = tmp_path / "class"
    sheets.mkdir()
    files = {
        "ada-v01.yaml": "y: 1.0\nL: 1.00\ndL/dw: -4.00\nw_new: 0.90\n",  # all correct
        # ∂L/∂w with its sign flipped (3 = −(−3)), then the update worked from it: 0.5 − 0.1·3
        "bo.yaml": "variant: v02\ny: 1.5\ndL/dw: 3.00\nw_new: 0.20\n",
        "cy_v1.yml": "y: 1.0\nL: 1.3\n",  # L wrong, by no catalogued mistake
        "dup.yaml": "variant: 1\ny: 1.0\n' y ': 1.0\n",  # one quantity under two spellings
        "malformed.yaml": "variant: v01\ny: [1.0\n",
        "nobody.yaml": "y: 1.0\n",  # names no variant
        HOSTILE: "y: 1.0\n",
        HOSTILE_BAD: "y: [\n",
        "README.txt": "not a sheet\n",
    }
    for name, text in files.items():
        (sheets / name).write_text(text, encoding="utf-8")
    return variants, sheets


def _by_name(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {Path(r["file"]).name: r for r in rows}


def test_a_class_with_variants_into_a_csv_gradebook(klass: tuple[Path, Path]) -> None:
    variants, sheets = klass
    result = invoke("check", str(variants), str(sheets), "--summary", "--format", "csv")
    assert result.exit_code == 2  # unusable sheets, after every other one was marked
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 8  # README.txt is no sheet
    by = _by_name(rows)
    ada = by["ada-v01.yaml"]
    assert (ada["variant"], ada["correct"], ada["wrong"], ada["missing"], ada["accepted"],
            ada["total"], ada["score"], ada["mistakes"], ada["error"]) == (
        "v01", "4", "0", "0", "4", "4", "1.0", "", "")
    bo = by["bo.yaml"]
    assert (bo["variant"], bo["correct"], bo["wrong"], bo["carried_forward"], bo["accepted"],
            bo["total"], bo["mistakes"], bo["missing"]) == ("v02", "1", "1", "1", "1", "3", "sign×1", "0")
    assert float(bo["score"]) == pytest.approx(1 / 3, abs=1e-6)
    cy = by["cy_v1.yml"]
    # v01 asks 4 quantities: y right, L wrong, dL/dw and w_new not answered (not done)
    assert (cy["variant"], cy["correct"], cy["wrong"], cy["missing"], cy["accepted"], cy["total"],
            cy["score"]) == ("v01", "1", "1", "2", "1", "4", "0.25")
    for name, words in (("dup.yaml", "same quantity"), ("malformed.yaml", "YAML"),
                        ("nobody.yaml", "which variant")):
        assert words in by[name]["error"] and by[name]["score"] == "" and by[name]["total"] == "0"
    assert by["malformed.yaml"]["error"].startswith(str(sheets / "malformed.yaml") + ":3:")
    assert by["dup.yaml"]["error"].startswith(str(sheets / "dup.yaml") + ":3:")
    # the hostile name: marked against v01 from its name, and escaped in its cell
    hostile = next(r for r in rows if "evil" in r["file"])
    assert hostile["file"].endswith("evil\\x1b[31m\\x0aname-v01.yaml")
    assert (hostile["variant"], hostile["correct"], hostile["missing"], hostile["total"]) == (
        "v01", "1", "3", "4")
    assert "\x1b" not in result.stdout
    # stderr: one escaped line per unusable sheet
    lines = result.stderr.splitlines()
    assert len(lines) == 4 and all(line.startswith("backprop: error: ") for line in lines)
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert any("bad\\x1b]0;x\\x07\\x0aname.yaml:2:" in line for line in lines)
    bad = next(r for r in rows if r["file"].endswith("name.yaml") and "bad" in r["file"])
    assert "YAML" in bad["error"] and "\x07" not in bad["error"]


def test_the_same_class_into_json(klass: tuple[Path, Path]) -> None:
    variants, sheets = klass
    result = invoke("check", str(variants), str(sheets), "--summary", "--format", "json")
    assert result.exit_code == 2
    body = json.loads(result.stdout)
    assert body["skipped"] == [str(sheets / "README.txt")]
    by = {Path(r["file"]).name: r for r in body["students"]}
    assert by[HOSTILE]["variant"] == "v01"  # the JSON string is the name itself
    assert "\x1b" not in result.stdout  # … written as \u001b
    assert by["bo.yaml"] == {"file": str(sheets / "bo.yaml"), "variant": "v02", "correct": 1,
                             "rounding": 0, "carried_forward": 1, "imprecise": 0, "wrong": 1,
                             "unknown": 0, "missing": 0, "accepted": 1, "total": 3,
                             "score": pytest.approx(1 / 3, abs=1e-6),
                             "mistakes": "sign×1", "error": None}
    assert by["nobody.yaml"]["error"].startswith(str(sheets / "nobody.yaml") + ": which variant")
    assert by["nobody.yaml"]["score"] is None
    # without --summary: each sheet's FORMAT §3 report, its variant, or its error
    full = json.loads(invoke("check", str(variants), str(sheets), "--format", "json").stdout)
    reports = {Path(f["file"]).name: f for f in full["files"]}
    bo = {r["quantity"]: r for r in reports["bo.yaml"]["results"]}
    assert reports["bo.yaml"]["variant"] == "v02"
    assert bo["dL/dw"]["expected"] == pytest.approx(-3) and bo["dL/dw"]["mistake"] == "sign"
    assert bo["w_new"]["expected"] == pytest.approx(0.8)
    assert bo["w_new"]["verdict"] == "carried_forward"
    assert "YAML" in reports["malformed.yaml"]["error"]
    cy = reports["cy_v1.yml"]
    assert cy["score"]["correct"] == 1 and cy["score"]["total"] == 4 and cy["score"]["missing"] == 2
    assert cy["missing"] == ["dL/dw", "w_new"]


def test_the_same_class_into_gradescope_json(klass: tuple[Path, Path]) -> None:
    variants, sheets = klass
    result = invoke("check", str(variants), str(sheets), "--format", "gradescope")
    assert result.exit_code == 2
    subs = {Path(s["file"]).name: s for s in json.loads(result.stdout)["submissions"]}
    assert len(subs) == 8
    bo = subs["bo.yaml"]["results"]
    assert bo["score"] == 1
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in bo["tests"]] == [
        ("y", 1, 1, "passed"), ("dL/dw", 0, 1, "failed"), ("w_new", 0, 1, "failed")]
    assert "sign" in bo["tests"][1]["output"] and "-3" in bo["tests"][1]["output"]
    assert subs["malformed.yaml"]["results"]["score"] == 0
    assert subs["malformed.yaml"]["results"]["tests"] == []
    assert "YAML" in subs["malformed.yaml"]["results"]["output"]
    # one submission, as Gradescope runs it: the results.json object itself
    one = invoke("check", str(variants), str(sheets / "ada-v01.yaml"), "--format", "gradescope")
    assert one.exit_code == 0
    body = json.loads(one.stdout)
    assert body["score"] == 4 and len(body["tests"]) == 4
    assert all(t["status"] == "passed" and t["max_score"] == 1 for t in body["tests"])
    # one submission that cannot be read: Gradescope still gets a results.json saying why
    bad = invoke("check", str(variants), str(sheets / "malformed.yaml"), "--format", "gradescope")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert json.loads(bad.stdout)["score"] == 0 and "YAML" in json.loads(bad.stdout)["output"]


#: Gradescope's results.json, written from its autograder specification, "Output format"
#: (https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format): every
#: top-level and test-case field it documents, with its type and allowed values, and nothing
#: else; a score at the top level or on every test; output formats text, html, simple_format,
#: md, ansi; visibility hidden, after_due_date, after_published, visible; status passed, failed
_FORMATS = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
GRADESCOPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "integer", "minimum": 0},
        "output": {"type": "string"}, "output_format": _FORMATS, "test_output_format": _FORMATS,
        "test_name_format": _FORMATS, "visibility": _VISIBILITY, "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "name_format": _FORMATS, "number": {"type": "string"},
                "output": {"type": "string"}, "output_format": _FORMATS,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": _VISIBILITY, "extra_data": {"type": "object"}}}},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
}


def test_gradescope_results_follow_its_specification(klass: tuple[Path, Path]) -> None:
    import jsonschema

    variants, sheets = klass
    subs = json.loads(invoke("check", str(variants), str(sheets), "--format", "gradescope").stdout)
    for sub in subs["submissions"]:
        jsonschema.validate(sub["results"], GRADESCOPE_SCHEMA)
        # the student's text is shown as text, never as HTML or Markdown Gradescope acts on
        assert sub["results"]["output_format"] == sub["results"]["test_output_format"] == "text"
        assert sub["results"]["test_name_format"] == "text"
    for name in ("ada-v01.yaml", "malformed.yaml", "bo.yaml"):
        jsonschema.validate(json.loads(invoke("check", str(variants), str(sheets / name),
                                              "--format", "gradescope").stdout), GRADESCOPE_SCHEMA)
    # the schema does reject what the specification does not allow
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1, "tests": [{"status": "ok"}]}, GRADESCOPE_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tests": [{"max_score": 1}]}, GRADESCOPE_SCHEMA)


def test_gradescope_scores_the_quantities_asked(klass: tuple[Path, Path]) -> None:
    # cy answers v01, whose key asks y, L, dL/dw and w_new: y right, L wrong, two not answered
    variants, sheets = klass
    cy = json.loads(invoke("check", str(variants), str(sheets / "cy_v1.yml"), "--format",
                           "gradescope").stdout)
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in cy["tests"]] == [
        ("y", 1, 1, "passed"), ("L", 0, 1, "failed"), ("dL/dw", 0, 1, "failed"),
        ("w_new", 0, 1, "failed")]
    assert cy["score"] == 1 and "not answered" in cy["tests"][2]["output"]
    assert [t["number"] for t in cy["tests"]] == ["1", "2", "3", "4"]
    # an answer to a quantity the key does not ask is marked, and worth nothing
    extra = sheets / "extra-v01.yaml"
    extra.write_text("y: 1.0\nz: 1.0\nL: 1\ndL/dw: -4\nw_new: 0.9\n", encoding="utf-8")
    body = json.loads(invoke("check", str(variants), str(extra), "--format", "gradescope").stdout)
    assert body["score"] == 4 and sum(t["max_score"] for t in body["tests"]) == 4
    assert [t["max_score"] for t in body["tests"] if t["name"] == "z"] == [0]


def test_feedback_pages_one_per_student(klass: tuple[Path, Path], tmp_path: Path) -> None:
    variants, sheets = klass
    out = tmp_path / "feedback"
    result = invoke("check", str(variants), str(sheets), "--summary", "--feedback", str(out))
    assert result.exit_code == 2
    pages = sorted(p.name for p in out.iterdir())
    assert pages == ["ada-v01.md", "bad_0_x_name.md", "bo.md", "cy_v1.md", "dup.md",
                     "evil_31m_name-v01.md", "malformed.md", "nobody.md"]
    bo = (out / "bo.md").read_text(encoding="utf-8")
    assert "| dL/dw | 3.00 | -3.000 | ✗ wrong (sign) |" in bo
    assert "carried forward" in bo and "Variant: v02" in bo
    hostile = (out / "evil_31m_name-v01.md").read_text(encoding="utf-8")
    assert "\x1b" not in hostile and "evil\\\\x1b\\[31m\\\\x0aname" in hostile
    assert "could not be marked" in (out / "malformed.md").read_text(encoding="utf-8")


def test_feedback_file_names_are_safe_and_distinct() -> None:
    rows = [Row(file=f) for f in ("class/Ada.yaml", "other/ada.yml", "../../etc/passwd",
                                  "x/..", "a\\..\\..\\b.yaml", "CON.yaml", "\x1b\n.yaml", ".hidden.yaml")]
    names = feedback_names(rows)
    assert names == ["Ada.md", "ada-2.md", "passwd.md", "sheet.md", "b.md", "_CON.md", "sheet-2.md",
                     "hidden.md"]
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)


def test_a_network_folder_without_variants_is_a_usage_error(tmp_path: Path) -> None:
    sheet = tmp_path / "a.yaml"
    sheet.write_text("y: 1\n", encoding="utf-8")
    result = invoke("check", str(tmp_path), str(sheet))
    assert result.exit_code == 2 and "NAME-vKK.yaml" in result.stderr


def test_variant_is_an_ordinary_key_against_one_network(tmp_path: Path) -> None:
    # a node named `variant`: against one network it is a quantity like any other
    # (x = 0.5, w = 1, identity: variant = 0.5)
    net = tmp_path / "net.yaml"
    net.write_text("inputs: {x: 0.5}\nparams: {w: 1}\nnodes:\n  variant: {sum: z, from: {x: w}}\n"
                   "targets: {variant: 1}\nloss: sse\nlearning_rate: 0.1\n", encoding="utf-8")
    sheet = tmp_path / "s.yaml"
    sheet.write_text("variant: 0.5\n", encoding="utf-8")
    result = invoke("check", str(net), str(sheet), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["quantity"] == "variant"


@pytest.mark.parametrize(("args", "words"), [
    (("--tolerance", "5"), "absolute tolerance of 1.0 or more"),
    (("--tolerance", "1"), "absolute tolerance of 1.0 or more"),
    (("--tolerance", "50%"), "50% or more"),
    (("--summary", "--format", "gradescope"), "--summary"),
])
def test_absurd_options_are_usage_errors(args: tuple[str, ...], words: str) -> None:
    from conftest import NETWORKS

    result = invoke("check", "walkthrough", str(NETWORKS / "walkthrough.answers.yaml"), *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert words in result.stderr and result.stderr.count("\n") == 1


def _sheets(folder: Path, n: int) -> None:
    """Sheets of the walkthrough with slips made by hand from its published page (z1 = 0.47,
    h1 = 0.615, y_hat = 0.646, L = 0.126, dL/dw5 = -0.0998, w5_new = 0.560): some right, some
    off by a unit, some with the sign flipped or η applied, some updates carried forward."""
    rng = random.Random(7)
    true = {"z1": 0.47, "h1": 0.6154, "y_hat": 0.6457, "L": 0.1255, "dL/dw5": -0.0998,
            "w5_new": 0.56}
    for k in range(n):
        lines = []
        grad = true["dL/dw5"]
        for key, value in true.items():
            roll = rng.random()
            if key == "w5_new" and grad != true["dL/dw5"]:
                value = 0.55 - 0.1 * grad  # carried forward from the sheet's own ∂L/∂w5
            elif roll < 0.2:
                value = -value
            elif roll < 0.3:
                value = 0.1 * value
            elif roll < 0.4:
                value += 0.001
            if key == "dL/dw5":
                grad = round(value, 4)
            lines.append(f"{key}: {value:.4f}")
        (folder / f"s{k:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_class_marked_together_equals_each_sheet_marked_alone(tmp_path: Path) -> None:
    _sheets(tmp_path, 24)
    together = json.loads(invoke("check", "walkthrough", str(tmp_path), "--format", "json").stdout)
    files = sorted(tmp_path.iterdir())
    assert [f["file"] for f in together["files"]] == [str(f) for f in files]
    verdicts = set()
    for report, path in zip(together["files"], files, strict=True):
        alone = json.loads(invoke("check", "walkthrough", str(path), "--format", "json").stdout)
        assert report == alone
        verdicts |= {r["verdict"] for r in alone["results"]}
    assert {"correct", "rounding", "wrong", "carried_forward"} <= verdicts  # a real mix


def test_feedback_pages_in_html(klass: tuple[Path, Path], tmp_path: Path) -> None:
    # --feedback-format html: the same pages as self-contained HTML, one per student, each well
    # formed, with the variant, every answer's verdict and the asked quantities not answered
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in ("meta", "br", "hr", "img", "col", "link", "!doctype"):
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.open and self.open.pop() == tag, (tag, self.open)

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    variants, sheets = klass
    out = tmp_path / "feedback"
    result = invoke("check", str(variants), str(sheets), "--summary", "--feedback", str(out),
                    "--feedback-format", "html")
    assert result.exit_code == 2
    pages = sorted(p.name for p in out.iterdir())
    assert pages == ["ada-v01.html", "bad_0_x_name.html", "bo.html", "cy_v1.html", "dup.html",
                     "evil_31m_name-v01.html", "malformed.html", "nobody.html"]
    texts = {}
    for name in pages:
        raw = (out / name).read_text(encoding="utf-8")
        assert raw.startswith("<!DOCTYPE html>") and "\x1b" not in raw
        parser = Text()
        parser.feed(raw)
        parser.close()
        assert parser.open == [], name  # every element closed, in order
        texts[name] = " ".join(" ".join(parser.text).split())
    # bo answers v02 (x = 3): ∂L/∂w = −3 written with its sign flipped, as the fixture works it
    assert "variant: v02" in texts["bo.html"]
    assert "dL/dw 3.00 -3.000" in texts["bo.html"] and "sign" in texts["bo.html"]
    # cy answers v01's y and L only: the key also asks dL/dw and w_new
    assert "not answered (2), each asked: dL/dw, w_new" in texts["cy_v1.html"]
    assert "not answered" not in texts["ada-v01.html"]
    assert "not marked" in texts["malformed.html"] and "invalid YAML" in texts["malformed.html"]
    assert "evil\\x1b[31m\\x0aname" in texts["evil_31m_name-v01.html"]


def test_a_feedback_format_without_a_folder_is_a_usage_error(klass: tuple[Path, Path]) -> None:
    variants, sheets = klass
    result = invoke("check", str(variants), str(sheets), "--feedback-format", "html")
    assert result.exit_code == 2
    assert "--feedback-format: give --feedback DIR too" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
