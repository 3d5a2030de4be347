"""The matrix and summation forms (forms.py, render/forms.py) against independent sources:
numpy matrix products written here from the files' numbers, Mazur's published figures, central
finite differences, and the chain form and the JSON report they must agree with."""

from __future__ import annotations

import itertools
import json
import math
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.engine import run
from backprop.explain import MAX_PATHS, explain
from backprop.forms import NotLayered, layers, matrix_form, sum_form
from backprop.render.forms import (
    FORM_WRITERS,
    matrix_dict,
    matrix_report,
    sum_dict,
    sum_report,
    write,
)
from backprop.render.json import step_dict
from backprop.render.layout import plain
from conftest import NETWORKS

# A 2-3-2-2 network written here: tanh, then sigmoid, then identity outputs, mse over two
# samples, z = W·O − b (bias_sign minus), one missing edge (x2 -> h1_3 absent: a zero entry of
# W⁽¹⁾) and one weight shared by two edges of layer 2 (s, at entries (1, 1) and (2, 3)).
THREE_LAYERS = """
title: a 3-layer test network
samples:
  - {inputs: {x1: 0.3, x2: -0.8}, targets: {y1: 0.2, y2: -0.4}}
  - {inputs: {x1: -0.5, x2: 0.6}, targets: {y1: 0.7, y2: 0.1}}
params:
  a11: 0.4
  a12: -0.6
  a21: 0.9
  a22: 0.2
  a31: -0.3
  c1: 0.1
  c2: -0.2
  c3: 0.05
  s: 0.7
  b12: -0.5
  b21: 0.3
  b22: 0.8
  d1: 0.15
  d2: -0.1
  e11: 1.1
  e12: -0.7
  e21: 0.4
  e22: 0.9
  f1: 0.2
nodes:
  h1_1: {sum: z1_1, from: {x1: a11, x2: a12}, bias: c1, activation: tanh}
  h1_2: {sum: z1_2, from: {x1: a21, x2: a22}, bias: c2, activation: tanh}
  h1_3: {sum: z1_3, from: {x1: a31}, bias: c3, activation: tanh}
  h2_1: {sum: z2_1, from: {h1_1: s, h1_2: b12}, bias: d1, activation: sigmoid}
  h2_2: {sum: z2_2, from: {h1_1: b21, h1_2: b22, h1_3: s}, bias: d2, activation: sigmoid}
  y1: {sum: z3_1, from: {h2_1: e11, h2_2: e12}, bias: f1}
  y2: {sum: z3_2, from: {h2_1: e21, h2_2: e22}}
loss: mse
bias_sign: minus
learning_rate: 0.1
"""

# the same network's numbers as matrices, written out from the text above (0 = no edge)
W3L = [np.array([[0.4, -0.6], [0.9, 0.2], [-0.3, 0.0]]),
       np.array([[0.7, -0.5, 0.0], [0.3, 0.8, 0.7]]),
       np.array([[1.1, -0.7], [0.4, 0.9]])]
B3L = [np.array([0.1, -0.2, 0.05]), np.array([0.15, -0.1]), np.array([0.2, 0.0])]
X3L = [np.array([0.3, -0.8]), np.array([-0.5, 0.6])]
T3L = [np.array([0.2, -0.4]), np.array([0.7, 0.1])]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def numpy_backprop(Ws, bs, xs, ts, acts, dloss, sign=1.0):
    """Forward and backward by numpy matrix products, per sample: O⁽ⁱ⁾ = F(W O ± b),
    δ⁽ⁿ⁾ = ∂L/∂O ⊙ F′, δ⁽ⁱ⁾ = diag(F′)·Wᵀ·δ⁽ⁱ⁺¹⁾, ∂L/∂W = Σ_s δ Oᵀ. Returns the δ per sample
    and layer, and the gradient matrices and bias gradients summed over the samples."""
    grads = [np.zeros_like(W) for W in Ws]
    bgrads = [np.zeros_like(b) for b in bs]
    deltas = []
    for x, t in zip(xs, ts, strict=True):
        outs, primes = [x], []
        for W, b, (f, fp) in zip(Ws, bs, acts, strict=True):
            z = W @ outs[-1] + sign * b
            outs.append(f(z))
            primes.append(fp(z))
        d = [None] * len(Ws)
        d[-1] = dloss(outs[-1], t) * primes[-1]
        for i in range(len(Ws) - 2, -1, -1):
            d[i] = np.diag(primes[i]) @ Ws[i + 1].T @ d[i + 1]
        for i in range(len(Ws)):
            grads[i] += np.outer(d[i], outs[i])
            bgrads[i] += sign * d[i]
        deltas.append(d)
    return deltas, grads, bgrads


SIGMOID = (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z)))
TANH = (np.tanh, lambda z: 1 - np.tanh(z) ** 2)
IDENTITY = (lambda z: z, lambda z: np.ones_like(z))


def _write(tmp_path: Path, text: str, name: str = "net.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def three(tmp_path: Path):
    return run(load(_write(tmp_path, THREE_LAYERS)))


def _param_gradients(form) -> dict[str, float]:
    """Each param's gradient read off the matrix form's totals: the sum of its entries."""
    out: dict[str, float] = {}
    for k, i in enumerate(form.shown):
        layer, total = form.layers[i - 1], form.totals[k]
        for row, grow in zip(layer.weights, total.gradient, strict=True):
            for w, g in zip(row, grow, strict=True):
                if w is not None:
                    out[w] = out.get(w, 0.0) + g
        for b, g in zip(layer.biases, total.bias_gradient, strict=True):
            if b is not None:
                out[b] = out.get(b, 0.0) + g
    return out


def _central_difference(network, param: str, h: float = 1e-6) -> float:
    def loss(v: float) -> float:
        params = dict(network.params)
        params[param] = v
        return run(replace(network, params=params)).loss

    p = network.params[param]
    return (loss(p + h) - loss(p - h)) / (2 * h)


# ---------------------------------------------------------------- the bundled layered network

def test_layered_matches_mazur_and_numpy() -> None:
    """Mazur's published δ_o1 = 0.138498562, ∂E/∂w5 = 0.082167041, ∂E/∂w1 = 0.000438568; the
    rest against numpy products of the file's matrices (half_sse: ∂E/∂O = O − T)."""
    trace = step(load(NETWORKS / "layered.yaml"))
    form = matrix_form(trace)
    top, hidden = form.samples[0].layers
    assert top.delta[0] == pytest.approx(0.138498562, abs=5e-10)
    assert form.totals[0].gradient[0][0] == pytest.approx(0.082167041, abs=5e-10)
    assert form.totals[1].gradient[0][0] == pytest.approx(0.000438568, abs=5e-10)
    Ws = [np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])]
    bs = [np.array([0.35, 0.35]), np.array([0.60, 0.60])]
    deltas, grads, bgrads = numpy_backprop(Ws, bs, [np.array([0.05, 0.10])],
                                           [np.array([0.01, 0.99])], [SIGMOID, SIGMOID],
                                           lambda o, t: o - t)
    np.testing.assert_allclose(hidden.delta, deltas[0][0], rtol=1e-12)
    np.testing.assert_allclose(top.delta, deltas[0][1], rtol=1e-12)
    np.testing.assert_allclose(np.array(form.totals[1].gradient, dtype=float), grads[0], rtol=1e-12)
    np.testing.assert_allclose(np.array(form.totals[0].gradient, dtype=float), grads[1], rtol=1e-12)
    np.testing.assert_allclose(form.totals[0].bias_gradient, bgrads[1], rtol=1e-12)


@pytest.mark.parametrize("name", ["layered", "walkthrough", "two-paths", "softmax-classifier"])
def test_every_form_agrees_with_the_trace_and_the_json_report(name: str) -> None:
    """δ per node equals the Trace's; each param's gradient read off the matrices equals the JSON
    report's; the sum form's and the chain form's final numbers are the Trace's."""
    trace = step(load(NETWORKS / f"{name}.yaml"))
    form = matrix_form(trace)
    for sample, st in zip(form.samples, trace.samples, strict=True):
        for i, values in zip(form.shown, sample.layers, strict=True):
            for node, d in zip(form.layers[i - 1].nodes, values.delta, strict=True):
                assert d == st.delta[node]
            # and δ = Jᵀ·upstream holds for the printed matrices (the fused δ to rounding)
            recomputed = np.array(values.jacobian).T @ np.array(values.upstream)
            np.testing.assert_allclose(recomputed, values.delta, rtol=1e-9, atol=1e-15)
    reported = step_dict(trace)["gradients"]
    from_matrices = _param_gradients(form)
    assert from_matrices.keys() == reported.keys()
    for param, g in reported.items():
        assert from_matrices[param] == pytest.approx(g, rel=1e-12, abs=1e-15)
        assert sum_form(trace, param).explanation.gradient == g
        assert matrix_form(trace, param).gradient == g == explain(trace, param).gradient


def test_walkthrough_against_the_hand_calculation() -> None:
    """The graph-form walkthrough is layered in fact: its matrices are the file's w1…w6."""
    trace = step(load(NETWORKS / "walkthrough.yaml"))
    found = layers(trace.network)
    assert [layer.weights for layer in found] == [(("w1", "w3"), ("w2", "w4")), (("w5", "w6"),)]
    Ws = [np.array([[0.7, 0.4], [0.3, 0.6]]), np.array([[0.55, 0.45]])]
    bs = [np.zeros(2), np.zeros(1)]
    _, grads, _ = numpy_backprop(Ws, bs, [np.array([0.5, 0.3])], [np.array([1.0])],
                                 [SIGMOID, SIGMOID], lambda o, t: 2 * (o - t))  # mse, N = 1
    form = matrix_form(trace)
    np.testing.assert_allclose(np.array(form.totals[1].gradient, dtype=float), grads[0], rtol=1e-12)
    np.testing.assert_allclose(np.array(form.totals[0].gradient, dtype=float), grads[1], rtol=1e-12)


# ---------------------------------------------------------------- a 3-layer network written here

def test_three_layers_against_numpy_products(three) -> None:
    """bias_sign minus, a missing edge (zero entry), a shared weight, two samples, mse (1/N,
    N = 4 elements): every δ and gradient matrix against numpy."""
    deltas, grads, bgrads = numpy_backprop(W3L, B3L, X3L, T3L, [TANH, SIGMOID, IDENTITY],
                                           lambda o, t: 2 * (o - t) / 4, sign=-1.0)
    form = matrix_form(three)
    for s, sample in enumerate(form.samples):
        for i, values in zip(form.shown, sample.layers, strict=True):
            np.testing.assert_allclose(values.delta, deltas[s][i - 1], rtol=1e-12)
    for i, total in zip(form.shown, form.totals, strict=True):
        mine = np.array([[np.nan if g is None else g for g in row] for row in total.gradient])
        mask = ~np.isnan(mine)
        np.testing.assert_allclose(mine[mask], grads[i - 1][mask], rtol=1e-12)
        bias = [g for g in total.bias_gradient if g is not None]
        expected = [g for g, b in zip(bgrads[i - 1], form.layers[i - 1].biases, strict=True) if b]
        np.testing.assert_allclose(bias, expected, rtol=1e-12)
    # the missing edge is no param, so no gradient entry: W⁽¹⁾[3][2] is None
    assert form.layers[0].weights[2][1] is None and form.totals[2].gradient[2][1] is None


def test_three_layers_against_central_differences(three) -> None:
    form = matrix_form(three)
    for param, g in _param_gradients(form).items():
        assert g == pytest.approx(_central_difference(three.network, param), rel=1e-6, abs=1e-9)


def test_a_shared_weight_is_the_sum_of_its_entries(three) -> None:
    form = matrix_form(three, "s")
    assert [(p.layer, p.row, p.column) for p in form.positions] == [(2, 1, 1), (2, 2, 3)]
    text = plain(matrix_report(form), 100)
    assert "entry (1, 1) of W⁽²⁾ and entry (2, 3) of W⁽²⁾" in text
    assert form.gradient == pytest.approx(_central_difference(three.network, "s"), rel=1e-6)


def test_bias_gradient_flips_with_bias_sign_minus(three) -> None:
    form = matrix_form(three, "c1")
    hidden = form.samples[0].layers[-1]
    assert hidden.bias_gradient[0] == -hidden.delta[0]
    assert form.gradient == pytest.approx(_central_difference(three.network, "c1"), rel=1e-6)
    assert "∂L/∂b⁽ⁱ⁾ = −δ⁽ⁱ⁾" in plain(matrix_report(form), 100)


def test_sum_form_three_layers_matches_finite_differences(three) -> None:
    for param in ("a11", "a12", "c3", "s", "e22", "f1"):
        form = sum_form(three, param)
        assert form.explanation.gradient == pytest.approx(
            _central_difference(three.network, param), rel=1e-6, abs=1e-9)
        for block in form.explanation.blocks:  # the terms written out add to the block's value
            if block.paths:
                assert math.fsum(p.product for p in block.paths) == pytest.approx(block.value,
                                                                                  rel=1e-12)


def test_sum_formula_has_the_index_ranges(three) -> None:
    text = plain(sum_report(sum_form(three, "a12")), 200)
    assert ("∂L/∂w⁽¹⁾[1,2] = Σ(k₃=1..2) ∂L/∂o⁽³⁾[k₃] f′₃(z⁽³⁾[k₃]) Σ(k₂=1..2) "
            "w⁽³⁾[k₃,k₂] f′₂(z⁽²⁾[k₂]) w⁽²⁾[k₂,1] f′₁(z⁽¹⁾[1]) o⁽⁰⁾[2]") in text


def test_sum_form_past_the_path_threshold_evaluates_layer_by_layer(tmp_path: Path) -> None:
    """2-4-6-6-1: a layer-1 weight has 6·6 = 36 paths, past MAX_PATHS; the δ rows then, each
    equal to the Trace's δ, and the final number a central difference's."""
    rng = np.random.default_rng(7)
    sizes = [2, 4, 6, 6, 1]
    spec = {"inputs": [0.3, -0.2], "targets": [0.5], "loss": "half_sse", "learning_rate": 0.1,
            "layers": [{"activation": "tanh",
                        "weights": np.round(rng.uniform(-1, 1, (m, n)), 2).tolist()}
                       for n, m in itertools.pairwise(sizes)]}
    trace = run(load(_write(tmp_path, yaml.safe_dump(spec))))
    assert 6 * 6 > MAX_PATHS
    form = sum_form(trace, "w1_1_1")
    block = form.explanation.blocks[0]
    assert block.path_count == 36 and not block.paths and block.deltas
    for row in block.deltas:
        assert row.value == trace.samples[0].delta[row.node]
    assert form.explanation.gradient == pytest.approx(
        _central_difference(trace.network, "w1_1_1"), rel=1e-6)
    text = plain(sum_report(form), 200)
    assert "36 terms, more than 32: the nested sums evaluated layer by layer" in text


def test_softmax_layer_uses_its_jacobian() -> None:
    """δ⁽ⁿ⁾ = Jᵀ·∂L/∂O with J = diag(o) − o·oᵀ, written here with numpy."""
    trace = step(load(NETWORKS / "softmax-classifier.yaml"))
    form = matrix_form(trace)
    for sample in form.samples:
        top = sample.layers[0]
        o = np.array(top.values)
        np.testing.assert_allclose(np.array(top.jacobian), np.diag(o) - np.outer(o, o), rtol=1e-12,
                                   atol=1e-15)
    assert "J₂ᵀ·∂L/∂O⁽²⁾" in plain(matrix_report(form), 100)


# ---------------------------------------------------------------- networks that are not layered

SKIP = """
inputs: {x1: 0.5, x2: 0.1}
params: {w1: 0.3, w2: 0.2, w3: -0.4}
nodes:
  h1: {from: {x1: w1}, activation: sigmoid}
  h3: {from: {h1: w2, x1: w3}, activation: sigmoid}
targets: {h3: 1}
loss: mse
learning_rate: 0.1
"""

HIDDEN_OUTPUT = """
inputs: {x1: 0.5}
params: {w1: 0.3, w2: 0.2, w3: 0.6}
nodes:
  h1: {from: {x1: w1}, activation: sigmoid}
  y1: {from: {x1: w3}, activation: sigmoid}
  y2: {from: {h1: w2}, activation: sigmoid}
targets: {y1: 0, y2: 1}
loss: mse
learning_rate: 0.1
"""


@pytest.mark.parametrize("form", ["matrix", "sum"])
def test_a_skipping_edge_is_exit_2_naming_it(tmp_path: Path, form: str) -> None:
    path = _write(tmp_path, SKIP)
    result = CliRunner().invoke(cli, ["explain", "--weight", "w1", str(path), "--form", form])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "node h3 (layer 2) takes x1 (layer 0) directly, skipping a layer" in result.stderr
    assert "nodes.h3.from.x1" in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(NotLayered):
        layers(load(path))


def test_an_output_before_the_last_layer_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["step", str(_write(tmp_path, HIDDEN_OUTPUT)), "--form",
                                      "matrix"])
    assert result.exit_code == 2
    assert "output y1 is in layer 1" in result.stderr


# ---------------------------------------------------------------- the command line

def test_cli_forms_print_and_agree() -> None:
    runner = CliRunner(env={"COLUMNS": "100"})
    for form in ("matrix", "sum", "chain"):
        result = runner.invoke(cli, ["explain", "--weight", "w1_11", "layered", "--form", form])
        assert result.exit_code == 0, result.stderr
        assert "0.149781" in result.stdout  # the update, as the chain form prints it
    result = runner.invoke(cli, ["step", "layered", "--form", "matrix", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    trace = step(load(NETWORKS / "layered.yaml"))
    assert data["samples"][0]["layers"][0]["delta"] == [trace.samples[0].delta["out2_1"],
                                                       trace.samples[0].delta["out2_2"]]
    assert data["totals"][1]["gradient"][0][0] == trace.gradients["w1_11"]


def test_json_of_the_forms_is_full_precision() -> None:
    trace = step(load(NETWORKS / "layered.yaml"))
    m = matrix_dict(matrix_form(trace, "w2_11"))
    assert m["gradient"] == trace.gradients["w2_11"]
    assert m["positions"] == [{"layer": 2, "row": 1, "column": 1}]
    s = sum_dict(sum_form(trace, "w1_11"))
    assert s["gradient"] == trace.gradients["w1_11"]
    assert [len(t["factors"]) for t in s["blocks"][0]["terms"]] == [5, 5]


def test_step_matrix_refuses_table_choices() -> None:
    result = CliRunner().invoke(cli, ["step", "layered", "--form", "matrix", "--all"])
    assert result.exit_code == 2


# ---------------------------------------------------------------- Markdown, LaTeX, HTML

def _formats(name: str, param: str):
    from backprop.render import forms as written

    trace = step(load(NETWORKS / f"{name}.yaml"))
    m, s = matrix_form(trace, param), sum_form(trace, param)
    return trace, {"matrix.tex": written.matrix_latex(m), "sum.tex": written.sum_latex(s),
                   "matrix.md": written.matrix_markdown(m), "sum.md": written.sum_markdown(s),
                   "matrix.html": written.matrix_html(m), "sum.html": written.sum_html(s)}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (texlive)")
@pytest.mark.parametrize("name, param", [("layered", "w1_11"), ("softmax-classifier", "w11")])
def test_latex_compiles_with_pdflatex(tmp_path: Path, name: str, param: str) -> None:
    _, texts = _formats(name, param)
    for kind in ("matrix.tex", "sum.tex"):
        path = tmp_path / kind
        path.write_text(texts[kind], encoding="utf-8")
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", kind],
                              cwd=tmp_path, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
        assert (tmp_path / kind.replace(".tex", ".pdf")).exists()
        assert "Overfull" not in (tmp_path / kind.replace(".tex", ".log")).read_text(errors="replace")


def test_latex_uses_pmatrix_align_and_the_names_typeset() -> None:
    """layered.yaml spells w1_11 as Mazur's w_{1} and out1_1 as out_{h1} (its spellings key);
    two-paths has none, so the default rule: w1_11 → w_{1,11}, O11 → O_{11} (SPELLINGS.md)."""
    trace, texts = _formats("layered", "w1_11")
    tex = texts["matrix.tex"]
    assert r"\begin{align*}" in tex and r"\begin{pmatrix} w_{1} & w_{2}" in tex
    assert r"out_{h1}" in tex
    _, plain_texts = _formats("two-paths", "w1_11")
    assert r"\begin{pmatrix} w_{1,11} & w_{1,12}" in plain_texts["matrix.tex"]
    d = trace.samples[0].delta
    assert rf"\begin{{pmatrix}} {d['out2_1']:.3f} \\ {d['out2_2']:.3f} \end{{pmatrix}}" in tex


def test_latex_takes_the_files_spellings(tmp_path: Path) -> None:
    text = (NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8")
    text += "spellings:\n  y_hat: '\\hat{y}_{\\text{out}}'\n  w5: '\\omega_5'\n"
    trace = run(load(_write(tmp_path, text)))
    from backprop.render.forms import matrix_latex

    tex = matrix_latex(matrix_form(trace, "w5"))
    assert r"\hat{y}_{\text{out}}" in tex and r"\omega_5" in tex


def test_markdown_holds_the_math_in_dollar_blocks() -> None:
    _, texts = _formats("layered", "w1_11")
    md = texts["matrix.md"]
    assert md.startswith("### ") and md.count("$$") % 2 == 0 and r"\begin{aligned}" in md
    assert "0.000439" in md


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.tags: set[str] = set()
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._in = tag == "td"

    def handle_endtag(self, tag: str) -> None:
        self._in = False

    def handle_data(self, data: str) -> None:
        if self._in:
            self.cells.append(data)


def test_html_is_one_self_contained_page_with_the_numbers() -> None:
    trace, texts = _formats("layered", "w1_11")
    page = texts["matrix.html"]
    parser = _Cells()
    parser.feed(page)
    assert not parser.tags & {"script", "link", "img", "iframe"} and "http" not in page
    # the δ⁽²⁾ vector's cells are the Trace's δ at three decimals (notation.fmt, default 3)
    d = trace.samples[0].delta
    assert f"{d['out2_1']:.3f}" in parser.cells and f"{d['out2_2']:.3f}" in parser.cells
    assert "w1_11" in parser.cells


def test_step_update_matrices_are_mazurs() -> None:
    """Mazur's published updated weights: w5⁺ = 0.35891648, w1⁺ = 0.149780716 (η = 0.5); the
    biases are frozen in the bundled file, so they stay."""
    trace = step(load(NETWORKS / "layered.yaml"))
    form = matrix_form(trace)
    top, hidden = form.updated
    assert top.weights[0][0] == pytest.approx(0.35891648, abs=5e-9)
    assert hidden.weights[0][0] == pytest.approx(0.149780716, abs=5e-10)
    assert top.biases == (0.6, 0.6)
    text = plain(matrix_report(form), 100)
    assert "0.149781" in text  # the small change keeps its digits (notation.fmt_step)
    assert f"E = {trace.loss_new:.3f} after it" in text


SATURATED = """
inputs: {x1: 1.0}
params: {w1: 100.0, w2: 1.0}
nodes:
  h: {from: {x1: w2}, activation: sigmoid}
  y: {from: {h: w1}, activation: sigmoid}
targets: {y: 0}
loss: bce
learning_rate: 0.1
"""


def test_a_saturated_output_is_refused_by_the_matrix_form(tmp_path: Path) -> None:
    """σ(73.1) rounds to 1, so ∂L/∂o = (o − t)/(o(1 − o)) is ∞ and F′ is 0: a product the
    matrix form cannot write; the chain form's fused δ still explains it (exit 0)."""
    path = str(_write(tmp_path, SATURATED))
    result = CliRunner().invoke(cli, ["explain", "--weight", "w2", path, "--form", "matrix"])
    assert result.exit_code == 2 and "∂L/∂y = inf at a saturated output" in result.stderr
    result = CliRunner().invoke(cli, ["explain", "--weight", "w2", path, "--form", "sum"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (texlive)")
def test_latex_of_a_whole_step_compiles(tmp_path: Path) -> None:
    from backprop.render.forms import matrix_latex

    trace = step(load(NETWORKS / "softmax-classifier.yaml"))
    (tmp_path / "step.tex").write_text(matrix_latex(matrix_form(trace)), encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "step.tex"],
                          cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]


def test_a_wide_layer_is_written_out_only_as_json(tmp_path: Path) -> None:
    spec = {"inputs": [0.5, -0.5], "targets": [0.3], "loss": "mse", "learning_rate": 0.1,
            "layers": [{"activation": "tanh", "weights": [[0.1, -0.1] for _ in range(17)]},
                       {"activation": "identity", "weights": [[0.05] * 17]}]}
    path = str(_write(tmp_path, yaml.safe_dump(spec)))
    result = CliRunner().invoke(cli, ["step", path, "--form", "matrix"])
    assert result.exit_code == 2 and "layer 1 has 17 nodes" in result.stderr
    result = CliRunner().invoke(cli, ["step", path, "--form", "matrix", "--format", "json"])
    assert result.exit_code == 0
    trace = run(load(path))
    data = json.loads(result.stdout)
    assert data["totals"][1]["gradient"][16] == [trace.gradients["w1_17_1"],
                                                 trace.gradients["w1_17_2"]]


def test_a_weight_used_twice_in_one_sum(tmp_path: Path) -> None:
    """z1 = x1·w1 + x2·w1: two entries of one row of W⁽¹⁾, two uses in the sum form; each
    form's total against a central difference."""
    text = (NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8").replace(
        "h1:    {sum: z1, from: {x1: w1, x2: w3}", "h1:    {sum: z1, from: {x1: w1, x2: w1}")
    trace = run(load(_write(tmp_path, text)))
    fd = _central_difference(trace.network, "w1")
    m = matrix_form(trace, "w1")
    assert [(p.row, p.column) for p in m.positions] == [(1, 1), (1, 2)]
    assert sum(_param_gradients(m)[k] for k in ["w1"]) == pytest.approx(fd, rel=1e-6)
    s = sum_form(trace, "w1")
    assert [u.source for u in s.uses] == ["x1", "x2"]
    assert s.explanation.gradient == pytest.approx(fd, rel=1e-6)
    report = plain(sum_report(s), 200)
    assert "Its use in h1 from x1" in report and "Its use in h1 from x2" in report


@pytest.mark.parametrize("fmt_name", sorted(FORM_WRITERS))
def test_every_writer_writes_both_forms_with_the_same_number(fmt_name: str) -> None:
    """Each format carries ∂E/∂w1_11 (Mazur: 0.000438568) at the report's decimals, or in full
    (0.0004385677…)."""
    trace = step(load(NETWORKS / "layered.yaml"))
    for made in (matrix_form(trace, "w1_11"), sum_form(trace, "w1_11")):
        out = write(made, fmt_name, 3, ("a note",))
        text = out if isinstance(out, str) else plain(out, 100)
        assert ("0.0004385677" if fmt_name == "json" else "0.000439") in text


ACTS = {"sigmoid": SIGMOID, "tanh": TANH, "identity": IDENTITY,
        "softplus": (lambda z: np.log1p(np.exp(z)), _sigmoid)}
LOSS_DERIVATIVES = {  # ∂L/∂O per element, before the 1/D of a mean (FORMAT §1.4)
    "sse": lambda o, t: 2 * (o - t), "half_sse": lambda o, t: o - t, "mse": lambda o, t: 2 * (o - t)}


@pytest.mark.parametrize("seed", range(6))
def test_random_layered_networks_against_numpy(tmp_path: Path, seed: int) -> None:
    """Random shapes, activations, losses, samples and bias signs: every δ and every total
    gradient matrix of the matrix form against numpy's products from the same numbers."""
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(3, 5)))]
    acts = [str(rng.choice(sorted(ACTS))) for _ in sizes[1:]]
    loss = str(rng.choice(sorted(LOSS_DERIVATIVES)))
    S = int(rng.integers(1, 4))
    sign = float(rng.choice([1.0, -1.0]))
    Ws = [np.round(rng.uniform(-1, 1, (m, n)), 3) for n, m in itertools.pairwise(sizes)]
    bs = [np.round(rng.uniform(-1, 1, m), 3) for m in sizes[1:]]
    xs = [np.round(rng.uniform(-1, 1, sizes[0]), 3) for _ in range(S)]
    ts = [np.round(rng.uniform(-1, 1, sizes[-1]), 3) for _ in range(S)]
    spec = {"samples": [{"inputs": x.tolist(), "targets": t.tolist()} for x, t in zip(xs, ts,
                                                                                      strict=True)],
            "loss": loss, "learning_rate": 0.1, "bias_sign": "plus" if sign > 0 else "minus",
            "layers": [{"activation": a, "weights": W.tolist(), "biases": b.tolist()}
                       for a, W, b in zip(acts, Ws, bs, strict=True)]}
    trace = run(load(_write(tmp_path, yaml.safe_dump(spec))))
    D = S * sizes[-1] if loss == "mse" else 1
    deltas, grads, bgrads = numpy_backprop(Ws, bs, xs, ts, [ACTS[a] for a in acts],
                                           lambda o, t: LOSS_DERIVATIVES[loss](o, t) / D, sign)
    form = matrix_form(trace)
    for s, sample in enumerate(form.samples):
        for i, values in zip(form.shown, sample.layers, strict=True):
            np.testing.assert_allclose(values.delta, deltas[s][i - 1], rtol=1e-9, atol=1e-14)
    for i, total in zip(form.shown, form.totals, strict=True):
        np.testing.assert_allclose(np.array(total.gradient, dtype=float), grads[i - 1], rtol=1e-9,
                                   atol=1e-14)
        np.testing.assert_allclose(np.array(total.bias_gradient, dtype=float), bgrads[i - 1],
                                   rtol=1e-9, atol=1e-14)
