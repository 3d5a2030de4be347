"""Findings of the adversarial review of the day's formats, forms and typed pages: each test is
a hostile or careless input that once got through, and what the program must do with it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS

NET = """\
inputs: [0.05, 0.10]
layers:
  - activation: sigmoid
    weights: [[0.15, 0.20]]
    biases: [0.35]
targets: [0.01]
loss: {kind: half_sse, name: E}
learning_rate: 0.5
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _net(tmp_path: Path, extra: str = "", name: str = "net.yaml") -> str:
    path = tmp_path / name
    path.write_text(NET + extra, encoding="utf-8")
    return str(path)


# A `latex:` spelling is set into the export as written; a network file can come from anyone
# (downloaded, a student's), so pdflatex must never be made to read a file or run a command
# from one. The TeX primitives named here are the ones the TeXbook gives for file input
# (\input), shell escape (\write18), category codes (\catcode) and the ^^ character escape.
@pytest.mark.parametrize("spelling", [
    r"\input{/etc/passwd}", r"\immediate\write18{touch pwned}", r"\catcode92=12",
    r"x^^5cinput{/etc/passwd}", r"\def\x{y}", r"\openin1=/etc/passwd", "x}", "{x", "a$b",
    "a%b", "a&b", "a#b", "</script>", "x~y", r"\csname input\endcsname",
])
def test_a_latex_spelling_outside_the_safe_set_is_refused(tmp_path: Path, spelling: str) -> None:
    net = _net(tmp_path, f"spellings:\n  x1: {json.dumps(spelling)}\n")
    result = invoke("step", net, "--format", "latex")
    assert result.exit_code == 2, result.stdout
    assert "spellings.x1" in result.stderr and "net.yaml:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("spelling", [
    r"\hat{y}", r"E_{\text{total}}", r"\omega_5", r"\mathrm{net}_{h1}", r"x^{(1)}_{i,j}",
    r"\operatorname{out}_{o1}", r"\tilde{\Omega}'", r"\bar{x}\,", r"\mathbb{R}",
])
def test_a_textbook_spelling_is_still_accepted(tmp_path: Path, spelling: str) -> None:
    net = _net(tmp_path, f"spellings:\n  x1: {json.dumps(spelling)}\n")
    result = invoke("step", net, "--format", "latex")
    assert result.exit_code == 0, result.stderr
    assert spelling in result.stdout


SATURATED = """\
inputs: {x: 1.0e+10}
params: {w: 1.0, b: 0.0}
nodes:
  y: {sum: z, from: {x: w}, bias: b, activation: sigmoid}
targets: {y: 0.1}
loss: {kind: bce, name: L}
learning_rate: 0.5
"""


@pytest.mark.parametrize("form", ["chain", "sum"])
def test_explains_latex_is_ascii_at_a_saturated_output(tmp_path: Path, form: str) -> None:
    # σ(1e10) = 1 in float64, so ∂L/∂y = (y − t)/(y(1 − y)) is +∞ (the fused bce δ is finite).
    # A stock pdflatex (inputenc utf8) stops on U+221E and U+00B7 in math: the document must
    # say \infty and \cdot, as the chain form's export does.
    path = tmp_path / "sat.yaml"
    path.write_text(SATURATED, encoding="utf-8")
    result = invoke("explain", str(path), "-w", "w", "--form", form, "--format", "latex")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.isascii(), [line for line in result.stdout.splitlines()
                                     if not line.isascii()]
    assert r"\infty" in result.stdout


def _wide(width: int) -> str:
    """A layered network with a width × width layer: its matrices have `width` columns."""
    rows = ", ".join("[" + ", ".join(f"{((j * width + k) % 7 - 3) / 10}" for k in range(width))
                     + "]" for j in range(width))
    return (f"inputs: [{', '.join(str((k + 1) / 20) for k in range(width))}]\n"
            f"layers:\n  - activation: sigmoid\n    weights: [{rows}]\n"
            f"    biases: [{', '.join(['0.1'] * width)}]\n"
            f"targets: [{', '.join(['0.5'] * width)}]\nloss: half_sse\nlearning_rate: 0.5\n")


def _pmatrix_columns(tex: str) -> list[int]:
    """The columns of each pmatrix in a LaTeX text (its rows' & count, plus one)."""
    out = []
    for body in re.findall(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", tex, flags=re.S):
        out += [row.count("&") + 1 for row in body.split(r"\\")]
    return out


@pytest.mark.parametrize("args", [("step", "--form", "matrix"),
                                  ("explain", "-w", "w1_11_11", "--form", "matrix")])
@pytest.mark.parametrize("fragment", [(), ("--fragment",)])
def test_a_wide_layers_matrices_fit_latex(tmp_path: Path, args: tuple[str, ...],
                                          fragment: tuple[str, ...]) -> None:
    # amsmath's pmatrix takes at most MaxMatrixCols = 10 columns (amsmath's documentation,
    # "Matrices"); an 11-wide layer's gradient matrix has 11, and a fragment has no preamble
    # to raise the counter in
    path = tmp_path / "wide.yaml"
    path.write_text(_wide(11), encoding="utf-8")
    result = invoke(args[0], str(path), *args[1:], "--format", "latex", *fragment)
    assert result.exit_code == 0, result.stderr
    assert max(_pmatrix_columns(result.stdout)) <= 10
    assert "{ccccccccccc}" in result.stdout  # the 11-column matrices are still written
    if shutil.which("pdflatex") and not fragment:
        (tmp_path / "wide.tex").write_text(result.stdout, encoding="utf-8")
        done = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                               "-interaction=nonstopmode", "wide.tex"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout[-2000:]


# A line check could not read is echoed in the report; in LaTeX its ^ become superscripts. TeX
# stops on a superscript with two ^ (the TeXbook, ch. 16: "Double superscript") and on a ^
# whose argument is another ^; a page may hold either.
@pytest.mark.parametrize("line", ["z1 = 2^2^2", "z1 = a ^ ^ b", r"z_2 = \catcode`\^^5c=12 0.33",
                                  "z1 = h²^3 + 1"])
def test_a_pages_unread_line_with_carets_compiles(tmp_path: Path, line: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(line + "\n", encoding="utf-8")
    result = invoke("check", str(NETWORKS / "walkthrough.yaml"), str(page), "--format", "latex")
    assert result.exit_code in (0, 1), result.stderr
    body = result.stdout
    assert "^^" not in body and not re.search(r"\^\s*\{?\s*\^", body)
    assert not re.search(r"\^\{[^{}]*\}\s*\^|\^[0-9A-Za-z]\s*\^", body)  # no x^{2}^{3}
    if shutil.which("pdflatex"):
        (tmp_path / "doc.tex").write_text(body, encoding="utf-8")
        done = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape",
                               "-interaction=nonstopmode", "doc.tex"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout[-2000:]


# A page's word stands for one name: when two names share a spelling, or a spelling is another
# name of the network, check read the word as whichever came first, silently.
@pytest.mark.parametrize("spellings", [
    "  x1: {also: [foo]}\n  x2: {also: [foo]}\n",
    "  x1: {also: [x2]}\n",
    "  x1: 'x_{a}'\n  x2: {latex: 'x_{a}'}\n",
    "  x1: {also: [w1_1_1]}\n",
])
def test_a_spelling_shared_by_two_names_is_refused(tmp_path: Path, spellings: str) -> None:
    net = _net(tmp_path, "spellings:\n" + spellings)
    result = invoke("step", net)
    assert result.exit_code == 2, result.stdout
    assert "net.yaml:" in result.stderr and "spellings.x" in result.stderr
    assert "already names" in result.stderr
