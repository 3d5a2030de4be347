"""The network file's optional `spellings` key and the default LaTeX typesetting of names.

Expected LaTeX is written by hand from the rule the README states (a textbook's z_{1}, \\hat{y})."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from backprop.errors import SpecError
from backprop.network import Spelling
from backprop.notation import latex_name, latex_text
from backprop.spec import load

BASE = """\
inputs: {x1: 0.5}
params: {w1: 0.7}
nodes:
  y_hat: {sum: z1, from: {x1: w1}, activation: sigmoid}
targets: {y_hat: 1}
loss: {kind: sse, name: E_total}
learning_rate: 0.1
"""


@pytest.mark.parametrize(("name", "latex"), [
    ("z1", "z_{1}"), ("w5", "w_{5}"), ("y_hat", r"\hat{y}"), ("net_h1", r"\mathit{net}_{h1}"),
    ("E_total", "E_{total}"), ("w1_11", "w_{1,11}"), ("eta", r"\eta"), ("x", "x"),
    ("__x", r"\text{\_\_x}"),
    # names outside ASCII as a textbook sets them (the letters' Unicode names say which)
    ("ŷ", r"\hat{y}"), ("Ω1", r"\Omega _{1}"), ("ℓ_o1", r"\ell_{o1}"), ("x_α", r"x_{\alpha }"),
    ("中1", r"\text{[U+4E2D]1}"),
])
def test_default_typesetting(name: str, latex: str) -> None:
    assert latex_name(name) == latex


def test_a_spelling_wins_over_the_rule() -> None:
    spellings = {"y_hat": Spelling(latex=r"o_{1}"), "z1": Spelling(also=("net",))}
    assert latex_name("y_hat", spellings) == "o_{1}"
    assert latex_name("z1", spellings) == "z_{1}"  # `also` alone keeps the rule's LaTeX


def test_latex_text_escapes_everything_special() -> None:
    assert latex_text("a_b$c{d}\\e%f#g&h^i~j") == (
        r"a\_b\$c\{d\}\textbackslash{}e\%f\#g\&h\^{}i\~{}j")
    assert latex_text("ŷ\x1b") == "[U+0177][U+001B]"
    # OT1 (pdflatex's stock encoding) sets < > as ¡ ¿ and " as a closing quote
    assert latex_text('<a|b>"') == r'\textless{}a\textbar{}b\textgreater{}\texttt{\char34}'



def test_spellings_are_read() -> None:
    net = load("net.yaml", text=BASE + "spellings:\n  y_hat: '\\hat{y}'\n"
               "  E_total: {latex: 'E_{\\text{total}}', also: [Etotal, E_tot]}\n  w1: {also: ω}\n")
    assert net.spellings["y_hat"] == Spelling(latex=r"\hat{y}")
    assert net.spellings["E_total"] == Spelling(latex=r"E_{\text{total}}", also=("Etotal", "E_tot"))
    assert net.spellings["w1"] == Spelling(also=("ω",))
    assert load("net.yaml", text=BASE).spellings == {}


@pytest.mark.parametrize(("extra", "where", "says"), [
    ("spellings: {y_hta: x}\n", "spellings.y_hta", "did you mean 'y_hat'"),
    ("spellings: [y_hat]\n", "spellings", "mapping"),
    ("spellings: {y_hat: {latex: x, alias: y}}\n", "spellings.y_hat.alias", "unknown key"),
    ("spellings: {y_hat: ''}\n", "spellings.y_hat", "one line"),
    ("spellings: {y_hat: {latex: 0}}\n", "spellings.y_hat.latex", "expected a spelling (text)"),
    ("spellings: {y_hat: \"a\\nb\"}\n", "spellings.y_hat", "one line"),
    ("spellings: {y_hat: \"a\\x1bb\"}\n", "spellings.y_hat", "control character"),
    ("spellings: {y_hat: {also: [" + ", ".join(["a"] * 21) + "]}}\n", "spellings.y_hat.also",
     "at most 20"),
    ("spellings: {y_hat: " + "x" * 201 + "}\n", "spellings.y_hat", "200"),
])
def test_bad_spellings_are_located(extra: str, where: str, says: str) -> None:
    with pytest.raises(SpecError) as caught:
        load("net.yaml", text=BASE + extra)
    message = str(caught.value)
    assert where in message and says in message and "net.yaml:" in message


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_every_default_spelling_compiles(tmp_path: Path) -> None:
    names = ["z1", "y_hat", "net_h1", "E_total", "w1_11", "eta", "__x", "ŷ", "a_b_hat", "Omega2",
             "Ω1", "ℓ_o1", "x_α", "中1", "ηx", "ẑ_β2"]
    body = "\n".join(f"${latex_name(n)}$ \\par" for n in names) + "\n" + latex_text('<a|b>"\\')
    (tmp_path / "n.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath}\n"
                                    f"\\begin{{document}}\n{body}\n\\end{{document}}\n")
    done = subprocess.run(["pdflatex", "-halt-on-error", "-no-shell-escape", "n.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
