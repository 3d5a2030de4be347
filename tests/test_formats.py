"""The document formats — markdown, latex, html — of step, explain and check, and explain's JSON:
the hand-worked numbers in each, user text escaped for each, LaTeX that pdflatex compiles, and
HTML whose text, as a browser shows it, holds every number of the JSON report."""

from __future__ import annotations

import html
import json
import math
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from backprop import bundled, load, step
from backprop.cli import cli
from backprop.notation import fmt, fmt_step, given
from backprop.render import CHECK_FORMATS, DOCUMENTS, EXPLAIN_FORMATS, STEP_FORMATS
from backprop.render.latex import PREAMBLE
from backprop.render.markdown import escape as md_escape
from backprop.schema import explain_schema
from conftest import NETWORKS

NAMES = bundled.names()


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def out(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


# ---------------------------------------------------------------- the hand-worked page

# The walkthrough worked by hand (the classic 2-2-1 sigmoid page, FORMAT §1.1's network):
# h1 = σ(0.5·0.7 + 0.3·0.4) = σ(0.47) = 0.615, ŷ = σ(0.615·0.55 + 0.582·0.45) = σ(0.600) = 0.646,
# ∂L/∂ŷ = −2(1 − 0.646) = −0.709, ∂ŷ/∂z3 = 0.646·(1 − 0.646) = 0.229, ∂z3/∂w5 = h1 = 0.615,
# ∂L/∂w5 = −0.709 · 0.229 · 0.615 = −0.100 and w5 ← 0.55 − 0.1·(−0.100) = 0.560.

def test_markdown_golden_walkthrough() -> None:
    explained = out("explain", "--weight", "w5", "--format", "markdown")
    assert "| factor | rule | with numbers | value |\n| --- | --- | --- | ---: |" in explained
    assert "| ∂L/∂y_hat | −2(t − y_hat)/N | −2(1 − 0.646)/1 | -0.709 |" in explained
    assert "| ∂y_hat/∂z3 | y_hat(1 − y_hat) | 0.646(1 − 0.646) | 0.229 |" in explained
    assert "| ∂z3/∂w5 | h1 | 0.615 | 0.615 |" in explained
    assert "\n∂L/∂w5 = (-0.709) · 0.229 · 0.615 = -0.100\n" in explained
    assert "= 0.55 − 0.1·(-0.100) = 0.560" in explained
    stepped = out("step", "--format", "markdown")
    # the chain written out in the gradient table's cell, then its value
    assert ("| ∂L/∂w5 | ∂L/∂y_hat · ∂y_hat/∂z3 · ∂z3/∂w5<br>= (-0.709) · 0.229 · 0.615 | -0.100 |"
            in stepped)
    assert "| w5 | w5 − η·∂L/∂w5 | 0.55 − 0.1·(-0.100) | 0.560 |" in stepped
    assert "| h1 | σ(z1) | σ(0.470) | 0.615 |" in stepped


def test_latex_golden_walkthrough() -> None:
    tex = out("explain", "--weight", "w5", "--format", "latex", "--fragment")
    assert not tex.startswith(r"\documentclass") and r"\begin{document}" not in tex
    # ∂L/∂w5 = ∂L/∂ŷ · ∂ŷ/∂z3 · ∂z3/∂w5 = −0.709 · 0.229 · 0.615 = −0.100, as an align* block
    assert ("\\begin{align*}\n"
            r"\frac{\partial L}{\partial w_{5}} &= \frac{\partial L}{\partial \hat{y}} "
            r"\cdot \frac{\partial \hat{y}}{\partial z_{3}} \cdot "
            r"\frac{\partial z_{3}}{\partial w_{5}} \\" "\n"
            r"  &= (-0.709) \cdot 0.229 \cdot 0.615 = -0.100" "\n"
            "\\end{align*}") in tex
    assert r"= 0.55 - 0.1\cdot (-0.100) = 0.560$" in tex
    stepped = out("step", "--format", "latex")
    assert stepped.startswith("\n".join(PREAMBLE) + "\n\\begin{document}\n")
    assert stepped.rstrip().endswith(r"\end{document}")
    assert (r"\frac{\partial L}{\partial w_{5}} &= \frac{\partial L}{\partial \hat{y}}"
            in stepped)
    assert r"$h_{1}$ & $\sigma(z_{1})$ & $\sigma(0.470)$ & $0.615$" in stepped
    # in a table a derivative is written ∂L/∂ŷ on one line; ℓ = (1 − 0.646)² = 0.126 (FORMAT §3:
    # L = 0.1255 for this one output)
    assert (r"$\partial L/\partial \hat{y}$ & $-2(t - \hat{y})/N$ & $-2(1 - 0.646)/1$ & "
            r"$-0.709$") in stepped
    assert r"$(t - \hat{y})^{2}$ & $(1 - 0.646)^{2}$ & $0.126$" in stepped


def test_html_golden_walkthrough() -> None:
    page = out("explain", "--weight", "w5", "--format", "html")
    assert page.startswith("<!DOCTYPE html>") and "<title>∂L/∂w5</title>" in page
    assert ('<tr><td>∂L/∂y_hat</td><td>−2(t − y_hat)/N</td><td>−2(1 − 0.646)/1</td>'
            '<td class="num">-0.709</td></tr>') in page
    assert "<p>∂L/∂w5 = (-0.709) · 0.229 · 0.615 = -0.100</p>" in page
    assert "0.55 − 0.1·(-0.100) = 0.560</p>" in page
    fragment = out("explain", "--weight", "w5", "--format", "html", "--fragment")
    assert not fragment.startswith("<!DOCTYPE") and "<style>" not in fragment
    assert "<p>∂L/∂w5 = (-0.709) · 0.229 · 0.615 = -0.100</p>" in fragment


def test_latex_sets_each_path_of_a_sum_as_its_own_line() -> None:
    # two-paths: w1_11 reaches the loss through net21 and net22 (the file's two hidden nodes)
    tex = out("explain", "--weight", "w1_11", "two-paths", "--format", "latex", "--fragment")
    block = tex[tex.index("\\begin{align*}"):tex.index("\\end{align*}")]
    assert block.count("\\text{path }1 &= ") == block.count("\\text{path }2 &= ") == 1
    assert "\\mathit{net}_{21}" in block and "\\mathit{net}_{22}" in block
    assert "\\Sigma &= \\text{the sum of the }2\\text{ paths} = " in block


def test_check_documents_golden_walkthrough() -> None:
    # the bundled sheet gives dL/dw5 = -0.01, the hand-worked page's −0.100 times η = 0.1, and
    # w5_new = 0.551, which follows from that wrong answer: 0.55 − 0.1·(−0.01)
    sheet = str(NETWORKS / "walkthrough.answers.yaml")
    md = out("check", "walkthrough", sheet, "--format", "markdown")
    assert "| dL/dw5 | -0.01 | -0.100 | ✗ wrong<br>**learning_rate_applied** |" in md
    assert "| w5_new | 0.551 | 0.5600 | \\~ carried_forward |" in md
    page = out("check", "walkthrough", sheet, "--format", "html")
    assert ('<td>dL/dw5</td><td class="num">-0.01</td><td class="num">-0.100</td>'
            '<td><span class="red">✗ wrong</span>') in page
    tex = out("check", "walkthrough", sheet, "--format", "latex")
    assert "dL/dw5 & $-0.01$ & $-0.100$ & $\\times$ wrong\\newline learning\\_rate" in tex
    summary = out("check", "walkthrough", sheet, "--format", "markdown", "--summary")
    assert "\n| file | score | " in summary
    assert " | dL/dw5 (learning_rate_applied) | w5_new |" in summary


def test_explain_json_holds_the_paths_the_sum_and_the_update() -> None:
    # FORMAT §3's published walkthrough: ∂L/∂w5 = -0.0997525403151, w5 after = 0.55997525403151;
    # the path's factors are the hand-worked -0.709, 0.229 and h1 = 0.615
    report = json.loads(out("explain", "--weight", "w5", "--format", "json"))
    (block,) = report["blocks"]
    (path,) = block["paths"]
    assert [(f["numerator"], f["denominator"]) for f in path["factors"]] == [
        ("L", "y_hat"), ("y_hat", "z3"), ("z3", "w5")]
    assert [round(f["value"], 3) for f in path["factors"]] == [-0.709, 0.229, 0.615]
    assert path["product"] == pytest.approx(-0.0997525403151, abs=1e-12)
    assert report["gradient"] == pytest.approx(-0.0997525403151, abs=1e-12)
    assert report["new"] == pytest.approx(0.55997525403151, abs=1e-12)
    assert (report["old"], report["learning_rate"], report["frozen"]) == (0.55, 0.1, False)
    # full precision: never rounded to the printed decimals
    assert path["factors"][0]["value"] != round(path["factors"][0]["value"], 6)


def test_explain_json_of_two_paths_sums_its_paths() -> None:
    # two-paths: w1_11 reaches the loss along two paths; ∂L/∂p is their sum, each path the product
    # of its factors (recomputed here from the factor values the report gives)
    report = json.loads(out("explain", "--weight", "w1_11", "two-paths", "--format", "json"))
    total = 0.0
    for block in report["blocks"]:
        assert len(block["paths"]) == block["path_count"] > 1
        for path in block["paths"]:
            assert path["product"] == pytest.approx(math.prod(f["value"] for f in path["factors"]),
                                                    rel=1e-12)
        total += sum(p["product"] for p in block["paths"])
    assert report["gradient"] == pytest.approx(total, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_explain_json_of_every_param_fits_its_schema(name: str) -> None:
    validator = jsonschema.Draft202012Validator(explain_schema())
    jsonschema.Draft202012Validator.check_schema(explain_schema())
    for param in load(NETWORKS / f"{name}.yaml").params:
        report = json.loads(out("explain", "--weight", param, name, "--format", "json"))
        errors = [e.message for e in validator.iter_errors(report)]
        assert not errors, (param, errors[:3])


def test_the_schema_command_prints_explains_schema() -> None:
    assert json.loads(out("schema", "explain")) == explain_schema()


# ---------------------------------------------------------------- the command line

def test_the_choices_are_the_registries() -> None:
    for command, registry in (("step", STEP_FORMATS), ("explain", EXPLAIN_FORMATS),
                              ("check", CHECK_FORMATS)):
        help_text = out(command, "--help")
        assert all(name in help_text for name in registry), command
        assert DOCUMENTS <= set(registry), command
    assert {"csv", "gradescope"} <= set(CHECK_FORMATS)
    for registry in (STEP_FORMATS, EXPLAIN_FORMATS, CHECK_FORMATS):
        assert all(callable(entry.load()) for entry in registry.values())


@pytest.mark.parametrize("args", [("step", "--fragment"), ("explain", "-w", "w5", "--fragment"),
                                  ("step", "--format", "json", "--fragment")])
def test_fragment_without_a_document_format_is_refused(args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert "--fragment" in result.stderr and "Traceback" not in result.stderr


def test_numbers_are_the_same_in_every_format() -> None:
    # one formatter: each gradient and update of the walkthrough as notation.fmt prints it, in
    # every format (the values themselves are FORMAT §3's)
    trace = step(load(NETWORKS / "walkthrough.yaml"))
    for form in ("table", "markdown", "latex", "html"):
        text = out("step", "--format", form, "--decimals", "4")
        for param, g in trace.gradients.items():
            assert fmt(g, 4) in text, (form, param)
            assert fmt_step(trace.updated[param], trace.network.params[param],
                            lambda v: fmt(v, 4)) in text, (form, param)


_NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")


def _numbers(text: str) -> Counter[str]:
    """The decimal numbers a report prints, as often as it prints them (a layout's own sizes —
    LaTeX column widths, CSS, the HTML page's picture, which has its own — left out)."""
    text = re.sub(r"<figure.*?</figure>|<style>.*?</style>", "", text, flags=re.S)
    text = re.sub(r"p\{[0-9.]+\\linewidth\}|\[3pt\]", "", text.split("\\begin{document}")[-1])
    return Counter(_NUMBER.findall(text.replace("−", "-")))  # LaTeX's minus is -


@pytest.mark.parametrize("name", NAMES)
def test_every_format_prints_the_tables_numbers(name: str) -> None:
    # one document, four layouts: each number of the table (laid out wide, so none is folded)
    # appears in markdown, latex and html as often as in the table
    param = next(iter(load(NETWORKS / f"{name}.yaml").params))
    wide = CliRunner(env={"COLUMNS": "2000"})
    for command in (["step", name], ["explain", "--weight", param, name]):
        table = _numbers(wide.invoke(cli, command).stdout)
        assert sum(table.values()) > 10
        for form in DOCUMENTS:
            assert _numbers(out(*command, "--format", form)) == table, (command, form)


# ---------------------------------------------------------------- user text

HOSTILE_TITLE = r"<script>alert(1)</script> | `tick` $x$ & # _ % ~ ^ \ {} **b** [l](u) <!-- c"
HOSTILE_NET = f"""\
title: {json.dumps(HOSTILE_TITLE)}
description: "# not a heading\\n- not a list"
inputs: {{x1: 0.5, 重み: 0.3}}
params: {{w1: 0.7, σ_w: 0.4, b_1: 0.1}}
nodes:
  ŷ: {{sum: z_ŷ, from: {{x1: w1, 重み: σ_w}}, bias: b_1, activation: sigmoid}}
targets: {{ŷ: 1}}
loss: {{kind: mse, name: E_total}}
learning_rate: 0.1
spellings: {{w1: 'w^{{(1)}}_{{1}}'}}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE_NET, encoding="utf-8")
    return path


def test_markdown_escapes_user_text(hostile: Path) -> None:
    text = out("step", str(hostile), "--format", "markdown")
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\\`tick\\`" in text and "\\$x\\$" in text and "\\*\\*b\\*\\*" in text
    assert "\\|" in text and "&amp;" in text and "\\[l\\]" in text
    assert "\\# not a heading" in text and "\\- not a list" in text
    # the controls a terminal acts on never pass through (backprop.safe)
    assert md_escape("a\x1b[31mb|c") == "a\\\\x1b\\[31mb\\|c"  # shows a\x1b[31mb|c
    assert md_escape("y_hat and _x_") == "y_hat and \\_x\\_"


def test_html_escapes_user_text(hostile: Path) -> None:
    page = out("step", str(hostile), "--format", "html")
    assert "<script" not in page and "&lt;script&gt;" in page and "<!-- c" not in page
    assert re.search(r"\b(src|href)=|url\(|@import|<link|<iframe", page) is None
    assert "@media print" in page


def test_latex_escapes_user_text_and_uses_spellings(hostile: Path) -> None:
    tex = out("step", str(hostile), "--format", "latex")
    title = tex.split(r"\begin{document}", 1)[1]
    assert r"\$x\$" in title and r"\&" in title and r"\#" in title and r"\%" in title
    assert r"\textbackslash{}" in title and r"\{\}" in title
    assert "{w^{(1)}_{1}}" in tex  # the file's own spelling of w1, braced: it has a superscript
    assert "E_{total}" in tex  # latex_name's rule for E_total
    assert tex.isascii()  # every other character is a command or a code point


HOSTILE_FILE = "<i>a&b$%#_{~}.yaml"
HOSTILE_ANSWERS = '{"w1_new": 0.7, "<script>alert(1)</script>|`x`": 1, "a_b$^&%#{}~\\\\": 2}'


def test_check_documents_escape_the_sheet(tmp_path: Path, hostile: Path) -> None:
    sheet = tmp_path / HOSTILE_FILE
    sheet.write_text(HOSTILE_ANSWERS)
    page = out("check", str(hostile), str(sheet), "--format", "html")
    assert "<script" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|`x`" in page and "&lt;i&gt;a&amp;b$%#" in page
    md = out("check", str(hostile), str(sheet), "--format", "markdown")
    assert "\\<script\\>alert(1)\\</script\\>\\|\\`x\\`" in md and "\\<i\\>a&amp;b\\$%#" in md


def test_an_ascii_stdout_keeps_each_document_readable() -> None:
    # HTML writes a character it cannot encode as a reference (∂ is &#8706;), which a browser
    # shows as the character; Markdown spells the symbols out; LaTeX is ASCII already
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
           "PYTHONIOENCODING": "ascii"}
    for form, shown in (("html", "&#8706;L/&#8706;w5"), ("markdown", "dL/dw5"),
                        ("latex", r"\frac{\partial L}{\partial w_{5}}")):
        done = subprocess.run([sys.executable, "-m", "backprop", "explain", "-w", "w5", "--format",
                               form], capture_output=True, env=env, timeout=60, check=False)
        assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
        assert shown in done.stdout.decode("ascii"), form


# ---------------------------------------------------------------- pdflatex

def _pdflatex() -> str:
    found = shutil.which("pdflatex")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no pdflatex: .ci/run installs it")
        pytest.skip("no pdflatex on this machine (CI installs it and runs this test)")
    return found


def _answers(name: str) -> str:
    """An answers file for a bundled network: its loss, each gradient to 3 decimals (one a
    factor of ten off) and an unknown quantity whose name LaTeX would act on."""
    trace = step(load(NETWORKS / f"{name}.yaml"))
    L = trace.loss_name
    answers: dict[str, float] = {L: round(trace.loss, 3)}
    for k, (param, g) in enumerate(trace.gradients.items()):
        answers[f"d{L}/d{param}"] = round(g * (10 if k == 0 else 1), 3)
    answers["a_b$^&%#{}~\\|<x>"] = 1.0
    return json.dumps(answers)


def _body(document: str) -> str:
    head = "\n".join(PREAMBLE) + "\n\\begin{document}\n\n"
    assert document.startswith(head) and document.endswith("\\end{document}\n")
    return document[len(head):-len("\\end{document}\n")]


def test_latex_of_step_explain_and_check_compiles_for_every_network(tmp_path: Path,
                                                                      hostile: Path) -> None:
    """One document per network: step's whole, then the body of explain's for every param and of
    check's (each the same preamble around a body, checked here), compiled by a stock pdflatex
    with no shell escape; a failure names the network and shows the log's error."""
    pdflatex = _pdflatex()
    jobs = []
    for name in [*NAMES, str(hostile)]:
        network = load(hostile if name == str(hostile) else NETWORKS / f"{name}.yaml")
        document = out("step", name, "--format", "latex")
        bodies = [_body(out("explain", "--weight", p, name, "--format", "latex"))
                  for p in network.params]
        answers = tmp_path / (f"{len(jobs)}.answers.yaml" if name in NAMES else HOSTILE_FILE)
        answers.write_text(_answers(name) if name in NAMES else HOSTILE_ANSWERS)
        bodies.append(_body(out("check", name, str(answers), "--format", "latex")))
        assert out("check", name, str(answers), "--format", "latex", "--fragment").endswith(
            bodies[-1])
        whole = document.replace("\\end{document}\n", "".join(bodies) + "\\end{document}\n")
        stem = f"doc{len(jobs)}"
        (tmp_path / f"{stem}.tex").write_text(whole, encoding="utf-8")
        jobs.append((name, stem))
    running = []
    for name, stem in jobs:  # two at a time: the machine's cores
        running.append((name, stem, subprocess.Popen(
            [pdflatex, "-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode",
             f"{stem}.tex"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        if len(running) == 2:
            _finish(running.pop(0), tmp_path)
    for job in running:
        _finish(job, tmp_path)


def _finish(job: tuple[str, str, subprocess.Popen[bytes]], folder: Path) -> None:
    name, stem, process = job
    code = process.wait(timeout=300)
    log = (folder / f"{stem}.log").read_text(encoding="latin-1", errors="replace")
    error = log[log.find("\n!"):][:1500] if "\n!" in log else log[-1500:]
    assert code == 0, (name, error)
    assert (folder / f"{stem}.pdf").stat().st_size > 1000, name


# ---------------------------------------------------------------- a browser

def _chromium() -> str:
    found = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
                 None)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no chromium: .ci/run installs it")
        pytest.skip("no chromium on this machine (CI installs it and runs this test)")
    return found


def visible_texts(pages: list[str], folder: Path) -> list[str]:
    """Each page's text as headless Chromium shows it (its body's innerText, which leaves out
    what CSS hides), read in one browser run: the pages as srcdoc frames of one page whose script
    copies their text out once all have loaded."""
    frames = "".join(f'<iframe id="f{k}" srcdoc="{html.escape(page, quote=True)}"></iframe>'
                     f'<pre id="t{k}"></pre>' for k, page in enumerate(pages))
    script = ("<script>window.addEventListener('load', () => { for (let k = 0; k < "
              f"{len(pages)}; k++) {{ document.getElementById('t' + k).textContent = "
              "document.getElementById('f' + k).contentDocument.body.innerText; } });</script>")
    # the charset said, not guessed: a busy browser once read the page as windows-1252 (∂ as âˆ‚)
    (folder / "pages.html").write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
                                       f"<body>{frames}{script}</body></html>", encoding="utf-8")
    done = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         f"--user-data-dir={folder / 'profile'}", "--virtual-time-budget=10000", "--dump-dom",
         (folder / "pages.html").as_uri()], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    texts = []
    for k in range(len(pages)):
        found = re.search(f'<pre id="t{k}">(.*?)</pre>', done.stdout, re.S)
        assert found is not None and found[1].strip(), f"page {k} shows no text"
        texts.append(html.unescape(found[1]))
    return texts


def test_html_in_a_browser_shows_every_number_of_the_json_report(tmp_path: Path) -> None:
    """Every bundled network's step and explain pages in headless Chromium: each gradient of the
    JSON report, printed by notation.fmt, stands in its gradient row, and each updated value in
    its update row; explain's page ends with its param's update."""
    pages, expected = [], []
    for name in NAMES:
        report = json.loads(out("step", name, "--format", "json"))
        pages.append(out("step", name, "--format", "html"))
        expected.append((name, None, report))
        param = next(iter(report["gradients"]))
        pages.append(out("explain", "--weight", param, name, "--format", "html"))
        expected.append((name, param, report))
    for text, (what, explained, report) in zip(visible_texts(pages, tmp_path), expected,
                                               strict=True):
        L = report["loss"]["name"]
        params = load(NETWORKS / f"{what}.yaml").params
        if explained is not None:
            g, new = report["gradients"][explained], report["updated"][explained]
            assert fmt(g) in text, (what, explained)
            last = text.rstrip().split("\n")[-1]
            assert last.endswith(fmt_step(new, params[explained], fmt)) or "frozen" in last, last
            continue
        lines = text.split("\n")
        for param, g in report["gradients"].items():
            row = re.compile(rf"(^|\n)∂{re.escape(L)}/∂{re.escape(param)}\t[^\t]*\t"
                             rf"{re.escape(fmt(g))}(\n|$)")
            assert row.search(text), (what, param, fmt(g))
            # a frozen param keeps the file's number, printed as the file gave it (issue 10, 1)
            new = (given(params[param]) if param in report["frozen"] else
                   fmt_step(report["updated"][param], params[param], fmt))
            assert any(line.startswith(f"{param}\t") and line.endswith(f"\t{new}")
                       for line in lines), (what, param, new)


@pytest.mark.slow
def test_latex_of_random_networks_compiles(tmp_path: Path) -> None:
    """Random graph-form networks (test_graph's: Unicode and wide names, skipped columns, biases)
    under every elementwise activation and loss: step's and explain's LaTeX bodies of all of
    them in one document, compiled once; Markdown and HTML made for each."""
    from hypothesis import HealthCheck, settings
    from hypothesis import given as given_
    from hypothesis import strategies as st

    from backprop.explain import explain
    from backprop.render import StepView
    from backprop.render import html as html_format
    from backprop.render import latex as latex_format
    from backprop.render import markdown as markdown_format
    from test_graph import graph_networks

    pdflatex = _pdflatex()
    bodies: list[str] = []
    view = StepView(fragment=True)

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given_(graph_networks(), st.sampled_from(["sigmoid", "relu", "softplus", "leaky_relu", "tanh",
                                               "identity"]),
            st.sampled_from(["mse", "sse", "half_sse"]))
    def collect(text: str, activation: str, loss: str) -> None:
        text = text.replace("activation: tanh", f"activation: {activation}")
        trace = step(load("random.yaml", text=text.replace("loss: mse", f"loss: {loss}")))
        bodies.append(latex_format.step(trace, view))
        for param in trace.network.params:
            bodies.append(latex_format.explain(trace, explain(trace, param), view))
        assert "<script" not in html_format.step(trace, view)
        assert markdown_format.step(trace, view).strip()

    collect()
    document = "\n".join(PREAMBLE) + "\n\\begin{document}\n" + "\n".join(bodies) + "\\end{document}\n"
    (tmp_path / "random.tex").write_text(document, encoding="utf-8")
    done = subprocess.run([pdflatex, "-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode",
                           "random.tex"], cwd=tmp_path, capture_output=True, timeout=600, check=False)
    log = (tmp_path / "random.log").read_text(encoding="latin-1", errors="replace")
    assert done.returncode == 0, log[log.find("\n!"):][:1500]


def test_a_table_with_no_rows_sets_its_title_alone() -> None:
    # an empty longtable or align* would stop pdflatex; Markdown and HTML keep the header
    from backprop.render.latex import Names, latex
    from backprop.render.layout import Group, Table, Text
    from backprop.render.markdown import markdown

    table = Table(title="Nothing here")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    tex = latex(Group(table, Text("after")), Names())
    assert tex == "\\subsection*{Nothing here}\n\nafter\n\n"
    assert "| quantity | value |" in markdown(table)


@pytest.mark.parametrize("name", NAMES)
def test_the_latex_export_reads_back_as_a_correct_page(name: str, tmp_path: Path) -> None:
    # a student who hands in step's LaTeX has every derivative right: check's page reader (FORMAT
    # §2.1) finds ∂L/∂p for every param in the align* blocks, and marks it and each δ correct
    network = load(NETWORKS / f"{name}.yaml")
    page = tmp_path / "page.tex"
    page.write_text(out("step", name, "--format", "latex"), encoding="utf-8")
    report = json.loads(out("check", name, str(page), "--format", "json"))
    L = network.loss.name
    derivatives = {r["quantity"]: r["verdict"] for r in report["results"]
                   if r["quantity"].startswith(f"d{L}/d")}  # the δ rows' ∂L/∂z too
    assert set(derivatives.values()) == {"correct"}, derivatives
    assert {f"d{L}/d{p}" for p in network.params} <= set(derivatives)


def test_latex_writes_the_files_spellings_as_the_post_does() -> None:
    # Matt Mazur's "A Step by Step Backpropagation Example" (the bundled `layered`, its names
    # spelled as the post's): ∂E_total/∂w5 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5
    # = 0.74136507 · 0.186815602 · 0.593269992 = 0.082167041
    tex = out("explain", "--weight", "w2_11", "layered", "--format", "latex", "--fragment")
    assert (r"\frac{\partial E_{total}}{\partial w_{5}} &= "
            r"\frac{\partial E_{total}}{\partial out_{o1}} \cdot "
            r"\frac{\partial out_{o1}}{\partial net_{o1}} \cdot "
            r"\frac{\partial net_{o1}}{\partial w_{5}} \\" "\n"
            r"  &= 0.741 \cdot 0.187 \cdot 0.593 = 0.082") in tex
