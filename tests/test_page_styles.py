"""Pages in the styles students and blogs really write — a StatQuest-style plain-text page, a
Markdown notebook with `$…$` inline math, a LaTeX `align*` homework in δ notation, an ASCII
page — read line by line and marked as a careful teacher would. Every number each page writes
is worked here by hand from the network's givens (the formulas are written out below, not taken
from the engine), and so is each slip the page makes."""

from __future__ import annotations

import json
import math
from pathlib import Path

from click.testing import CliRunner

from backprop.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "pages"
NETWORKS = ROOT / "networks"
ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def check(net: str, page: str) -> tuple[int, dict]:
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / net), str(PAGES / page),
                                             "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def marks(body: dict) -> list[tuple[int, str, str, str | None]]:
    return [(r["line"], r["quantity"], r["verdict"], r["mistake"]) for r in body["results"]]


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def softplus(z: float) -> float:
    return math.log(1 + math.exp(z))


def written(page: str) -> str:
    return (PAGES / page).read_text(encoding="utf-8")


# ---------------------------------------------------------------- StatQuest, plain text

def test_a_statquest_style_page_with_a_reduction_slip_carried_into_the_update() -> None:
    """networks/statquest.yaml (Josh Starmer's "Backpropagation Details"): dosages 0, 0.5, 1,
    observed 0, 1, 0; y1 = softplus(3.34·d − 1.43), y2 = softplus(−3.53·d + 0.57),
    predicted = 0.36·y1 + 0.63·y2 + 0; SSR = Σ (observed − predicted)², η = 0.1."""
    dosages, observed = (0.0, 0.5, 1.0), (0.0, 1.0, 0.0)
    y1 = [softplus(3.34 * d - 1.43) for d in dosages]
    y2 = [softplus(-3.53 * d + 0.57) for d in dosages]
    predicted = [0.36 * a + 0.63 * b for a, b in zip(y1, y2, strict=True)]
    ssr = sum((o - p) ** 2 for o, p in zip(observed, predicted, strict=True))
    d_pred = [-2 * (o - p) for o, p in zip(observed, predicted, strict=True)]
    d_b3 = sum(d_pred)  # ∂predicted/∂b3 = 1
    d_w3 = sum(g * a for g, a in zip(d_pred, y1, strict=True))
    page = written("statquest.txt")
    for value, text in ((predicted[0], "0.7187"), (predicted[1], "0.4619"),
                        (predicted[2], "0.7691"), (ssr, "1.3977"), (d_pred[0], "1.4374"),
                        (d_pred[1], "-1.0762"), (d_w3, "2.5761"), (0.36 - 0.1 * d_w3, "0.1024")):
        assert f"{value:.4f}" == text and f"= {text}" in page
    # 1.5382 for 1.53828: one unit off the fourth decimal, a rounding slip
    assert f"{d_pred[2]:.4f}" == "1.5383" and "= 1.5382\n" in page
    # the slip: the sum divided by N = 3 as if SSR were a mean (the reduction mistake)…
    assert round((1.4374 - 1.0762 + 1.5382) / 3, 4) == 0.6331 and round(d_b3, 4) == 1.8996
    # …carried into the update: 0 − 0.1·0.6331 = −0.0633 (true: −0.1·1.8996 = −0.1900)
    assert round(0 - 0.1 * 0.6331, 4) == -0.0633
    code, body = check("statquest.yaml", "statquest.txt")
    assert code == 1  # a wrong answer
    assert marks(body) == [
        (5, "predicted[1]", "correct", None), (6, "predicted[2]", "correct", None),
        (7, "predicted[3]", "correct", None), (9, "SSR", "correct", None),
        (12, "dSSR/dpredicted[1]", "correct", None), (13, "dSSR/dpredicted[2]", "correct", None),
        (14, "dSSR/dpredicted[3]", "rounding", None), (15, "dSSR/db3", "wrong", "reduction"),
        (17, "b3_new", "carried_forward", None), (19, "dSSR/dw3", "correct", None),
        (20, "w3_new", "correct", None)]
    # the chain rule in general words is a definition; "Step Size = …" names nothing: listed
    assert [d["line"] for d in body["definitions"]] == [11]
    assert [n["line"] for n in body["not_read"]] == [16]


# ---------------------------------------------------------------- a Markdown notebook

def test_a_markdown_notebook_with_inline_math_and_a_missing_path() -> None:
    """networks/two-paths.yaml: x = (0.5, 1.0), every node σ, t = 0.1, E = (t − O31)², η = 1.
    w1_12 (x2 → O11) reaches O31 through O21 and through O22; the page follows only O21."""
    x1, x2 = 0.5, 1.0
    o11 = sigma(0.5 * x1 - 0.4 * x2 + 0.1)
    o12 = sigma(0.3 * x1 + 0.8 * x2 - 0.2)
    o21 = sigma(1.2 * o11 + 0.9 * o12 - 0.3)
    o22 = sigma(-0.6 * o11 + 0.6 * o12 + 0.2)
    o31 = sigma(2.0 * o21 + 1.5 * o22 - 1.0)
    e = (0.1 - o31) ** 2
    d31 = -2 * (0.1 - o31) * o31 * (1 - o31)
    d21 = d31 * 2.0 * o21 * (1 - o21)
    d22 = d31 * 1.5 * o22 * (1 - o22)
    both = (d21 * 1.2 + d22 * -0.6) * o11 * (1 - o11) * x2
    one = d21 * 1.2 * o11 * (1 - o11) * x2  # the path through O22 left out
    page = written("notebook.md")
    for value, text in ((o11, "0.4875"), (o12, "0.6792"), (o21, "0.7102"), (o22, "0.5781"),
                        (o31, "0.7837"), (e, "0.4675"), (-2 * (0.1 - o31), "1.3675"),
                        (d31, "0.2318"), (d31 * o21, "0.1646"), (d21, "0.0954"),
                        (one, "0.0286")):
        assert f"{value:.4f}" == text and f"= {text}" in page
    assert round(both, 4) == 0.0159
    code, body = check("two-paths.yaml", "notebook.md")
    assert code == 1
    assert marks(body) == [
        (4, "E", "correct", None),  # E = (t − O31)², a formula, with its numbers at line 17
        (8, "net11", "correct", None), (9, "O11", "correct", None),
        (9, "net12", "correct", None), (9, "O12", "correct", None),
        (11, "O21", "correct", None), (12, "O22", "correct", None),
        (14, "O31", "correct", None), (20, "dE/dO31", "correct", None),
        (21, "dE/dnet31", "correct", None),  # δ_31 = ∂E/∂net31
        (22, "dE/dw3_11", "correct", None), (24, "dE/dnet21", "correct", None),
        (28, "dE/dw1_12", "wrong", "missing_path")]
    assert body["not_read"] == [] and body["definitions"] == []


# ---------------------------------------------------------------- LaTeX align*, δ notation

def test_a_latex_homework_in_delta_notation_with_the_updated_weights_used_backward() -> None:
    """networks/layered.yaml in Mazur's names: i = (0.05, 0.10), targets (0.01, 0.99), hidden
    weights 0.15 … 0.30, output weights w5 … w8 = 0.40, 0.45, 0.50, 0.55, biases 0.35 and 0.60,
    E = Σ ½(target − out)², η = 0.5. The page takes δ_h1 with w5⁺ and w7⁺ (the
    updated_weight slip), and ∂E/∂w1 from that δ_h1 (carried forward)."""
    i1, i2 = 0.05, 0.10
    h1 = sigma(0.15 * i1 + 0.20 * i2 + 0.35)
    h2 = sigma(0.25 * i1 + 0.30 * i2 + 0.35)
    o1 = sigma(0.40 * h1 + 0.45 * h2 + 0.60)
    o2 = sigma(0.50 * h1 + 0.55 * h2 + 0.60)
    d_o1 = -(0.01 - o1) * o1 * (1 - o1)
    d_o2 = -(0.99 - o2) * o2 * (1 - o2)
    w5_new, w7_new = 0.40 - 0.5 * d_o1 * h1, 0.50 - 0.5 * d_o2 * h1
    d_h1 = (d_o1 * 0.40 + d_o2 * 0.50) * h1 * (1 - h1)
    d_h1_slip = (d_o1 * w5_new + d_o2 * w7_new) * h1 * (1 - h1)
    page = written("delta.tex")
    for value, text in ((d_o1, "0.13849856"), (d_o1 * h1, "0.08216704"),
                        (w5_new, "0.35891648"), (d_o2, "-0.03809824"), (w7_new, "0.51130127"),
                        (d_h1_slip, "0.00729446"), (0.00729446 * i1, "0.00036472")):
        assert f"{value:.8f}" == text and f"= {text}" in page
    assert round(d_h1, 8) == 0.00877135 and round(d_h1 * i1, 8) == 0.00043857
    code, body = check("layered.yaml", "delta.tex")
    assert code == 1
    assert marks(body) == [
        (10, "dE/dnet2_1", "correct", None),  # δ_o1, its formula then its numbers
        (13, "dE/dw2_11", "correct", None), (15, "w2_11_new", "correct", None),
        (17, "dE/dnet2_2", "correct", None), (18, "w2_21_new", "correct", None),
        (23, "dE/dnet1_1", "wrong", "updated_weight"),
        (25, "dE/dw1_11", "carried_forward", None)]
    assert body["not_read"] == [] and body["definitions"] == []


# ---------------------------------------------------------------- plain ASCII

def test_an_ascii_page_with_a_sign_slip_and_a_weight_the_network_has_not() -> None:
    """networks/walkthrough.yaml: x = (0.5, 0.3), w1…w6 = 0.7, 0.3, 0.4, 0.6, 0.55, 0.45, σ
    everywhere, t = 1, L = (1 − ŷ)², η = 0.1. The update adds the step (sign); dL/dw7 names
    a weight this network does not have: unknown, with a did-you-mean."""
    z1, z2 = 0.5 * 0.7 + 0.3 * 0.4, 0.5 * 0.3 + 0.3 * 0.6
    h1, h2 = sigma(z1), sigma(z2)
    z3 = 0.55 * h1 + 0.45 * h2
    y = sigma(z3)
    dy = -2 * (1 - y)
    dz3 = y * (1 - y)
    page = written("ascii.txt")
    for value, text in ((h1, "0.6154"), (h2, "0.5818"), (z3, "0.6003"), (y, "0.6457"),
                        ((1 - y) ** 2, "0.1255"), (dy, "-0.7086"), (dz3, "0.2288"),
                        (dy * dz3 * h1, "-0.0998"), (dy * dz3 * h2, "-0.0943")):
        assert f"{value:.4f}" == text and f"= {text}" in page
    # w5 + η·g instead of w5 − η·g: 0.55 + 0.1·(−0.0998) = 0.5400 (true 0.5600)
    assert round(0.55 + 0.1 * dy * dz3 * h1, 4) == 0.5400
    code, body = check("walkthrough.yaml", "ascii.txt")
    assert code == 1
    assert marks(body) == [
        (4, "z1", "correct", None), (5, "h1", "correct", None), (6, "z2", "correct", None),
        (7, "h2", "correct", None), (8, "z3", "correct", None), (9, "y_hat", "correct", None),
        (10, "L", "correct", None), (13, "dL/dy_hat", "correct", None),
        (14, "dy_hat/dz3", "correct", None), (15, "dL/dw5", "correct", None),
        (16, "dL/dw6", "correct", None), (17, "dL/dw7", "unknown", None),
        (20, "w5_new", "wrong", "sign")]
    unknown = body["results"][11]
    assert "did you mean" in unknown["explanation"] and "dL/dw6" in unknown["explanation"]
    assert body["not_read"] == []


# ---------------------------------------------------------------- the rules these pages rely on

def test_loss_terms_are_quantities_in_yaml_and_on_a_page(tmp_path: Path) -> None:
    """Mazur's E_o1 = ½(0.01 − 0.75136507)² = 0.274811083 and E_o2 = 0.023560026 (the post's
    figures), by the table's ℓ(o) and by the loss's name and the output's."""
    o1 = sigma(0.40 * sigma(0.15 * 0.05 + 0.20 * 0.10 + 0.35) +
               0.45 * sigma(0.25 * 0.05 + 0.30 * 0.10 + 0.35) + 0.60)
    assert round(0.5 * (0.01 - o1) ** 2, 9) == 0.274811083
    sheet = tmp_path / "terms.yaml"
    sheet.write_text("ℓ(out2_1): 0.274811083\nE_out2_2: 0.023560026\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "layered.yaml"), str(sheet),
                                             "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["verdict"] for r in json.loads(result.stdout)["results"]] == ["correct", "correct"]
    page = tmp_path / "terms.txt"
    page.write_text("E_o1 = 0.2748\nℓ_o2 = 0.0236\nE_2 = 0.0235\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "layered.yaml"), str(page),
                                             "--format", "json"])
    body = json.loads(result.stdout)
    assert marks(body) == [(1, "ℓ(out2_1)", "correct", None), (2, "ℓ(out2_2)", "correct", None)]
    # E_2: the second output's term by its number, so ℓ_o2 answered a second time
    assert [n["line"] for n in body["not_read"]] == [3] and "again" in body["not_read"][0]["reason"]


def test_a_page_table_keeps_one_line_a_row_at_80_columns() -> None:
    """Mazur's page, every answer right: one line per row, each line as read once, under it."""
    result = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"}).invoke(
        cli, ["check", str(NETWORKS / "layered.yaml"), str(PAGES / "mazur.md")])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert all(len(row) <= 80 for row in rows)
    rule = next(k for k, row in enumerate(rows) if row.startswith("─"))
    score = next(k for k, row in enumerate(rows) if row.startswith("score:"))
    assert score - rule - 1 == 13  # the 13 answers, a line each
    assert sum("E_{o1} = \\frac{1}{2}(target_{o1} - out_{o1})" in row for row in rows) == 1
    assert "not read" not in result.stdout


def test_not_read_lines_do_not_fail_a_page_and_quantity_shapes_are_unknown(tmp_path: Path) -> None:
    # walkthrough: z1 = 0.5·0.7 + 0.3·0.4 = 0.47 (worked above)
    page = tmp_path / "p.txt"
    page.write_text("z1 = 0.47\nz1 = 0.5 +* 2\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "walkthrough.yaml"),
                                             str(page), "--format", "json"])
    assert result.exit_code == 0  # the unreadable line is listed, not failed
    assert [n["line"] for n in json.loads(result.stdout)["not_read"]] == [2]
    for line, key in (("dL/dw9 = 0.1", "dL/dw9"), ("w9' = 0.3", "w9_new"),
                      ("w_9^{+} = 0.3", "w9_new")):
        page.write_text(f"z1 = 0.47\n{line}\n", encoding="utf-8")
        result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "walkthrough.yaml"),
                                                 str(page), "--format", "json"])
        assert result.exit_code == 1, line
        last = json.loads(result.stdout)["results"][-1]
        assert (last["quantity"].replace("_9", "9"), last["verdict"]) == (key, "unknown"), line
        assert "did you mean" in last["explanation"], line


def test_hatted_subscripts_name_the_output(tmp_path: Path) -> None:
    """walkthrough: ŷ = σ(0.55·σ(0.47) + 0.45·σ(0.33)); L = (1 − ŷ)², the one output's term;
    δ at its sum z3 is −2(1 − ŷ)·ŷ(1 − ŷ)."""
    y = sigma(0.55 * sigma(0.47) + 0.45 * sigma(0.33))
    term, delta = (1 - y) ** 2, -2 * (1 - y) * y * (1 - y)
    page = tmp_path / "hat.md"
    page.write_text(f"$L_{{\\hat{{y}}}} = {term:.4f}$ and $\\delta_{{\\hat{{y}}}} = {delta:.4f}$\n",
                    encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "walkthrough.yaml"),
                                             str(page), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert marks(json.loads(result.stdout)) == [(1, "ℓ(y_hat)", "correct", None),
                                                (1, "dL/dz3", "correct", None)]


def test_a_definition_is_symbols_alone(tmp_path: Path) -> None:
    """A chain in general symbols with no number is a definition; one with decimals in it is
    working that could not be read (listed as not read); neither fails the page."""
    page = tmp_path / "d.txt"
    page.write_text("z1 = 0.47\n"  # 0.5·0.7 + 0.3·0.4, walkthrough
                    "dE/dw = delta * x\n"
                    "E = Σ ½(target - output)²\n"
                    "so x = 0.5 and more\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "walkthrough.yaml"),
                                             str(page), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [d["line"] for d in body["definitions"]] == [2, 3]
    assert [n["line"] for n in body["not_read"]] == [4]


def test_a_sum_over_the_outputs_is_a_formula(tmp_path: Path) -> None:
    """FORMAT §1.4: half_sse is E = Σ ½(t − o)² over the outputs, mse L = (1/N) Σ (t − o)².
    Mazur's outputs (hand-worked): o1 = 0.75136507, o2 = 0.77292847, so Σ ½(t − o)² = 0.29837
    and Σ (t − o)² (no ½) = 0.59674, twice E: a wrong formula."""
    h1 = sigma(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = sigma(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o1, o2 = sigma(0.40 * h1 + 0.45 * h2 + 0.60), sigma(0.50 * h1 + 0.55 * h2 + 0.60)
    half = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    assert round(half, 5) == 0.29837 and round(2 * half, 5) == 0.59674
    for text, verdict in (("$$E_{total} = \\sum_{k} \\frac{1}{2}(target_k - output_k)^{2}$$", "correct"),
                          ("E_total = Σ ½(t - o)²", "correct"),
                          ("E_total = Σ (target - output)^2", "wrong")):
        page = tmp_path / ("s.md" if text.startswith("$") else "s.txt")
        page.write_text(text + "\n", encoding="utf-8")
        result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "layered.yaml"),
                                                 str(page), "--format", "json"])
        body = json.loads(result.stdout)
        assert [(r["quantity"], r["verdict"]) for r in body["results"]] == [("E", verdict)], text
        assert body["definitions"] == [], text
    # walkthrough, one output: L = (1/N)·Σ (y − ŷ)² with N = 1 is (1 − ŷ)²
    page = tmp_path / "m.md"
    page.write_text("$L = \\frac{1}{N}\\sum_{i=1}^{N} (y_i - \\hat{y}_i)^2$\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / "walkthrough.yaml"),
                                             str(page), "--format", "json"])
    assert [(r["quantity"], r["verdict"]) for r in json.loads(result.stdout)["results"]] == [
        ("L", "correct")]


def test_a_sum_too_large_to_write_out_is_listed_not_expanded(tmp_path: Path) -> None:
    net = tmp_path / "wide.yaml"
    net.write_text(json.dumps({"inputs": [0.5], "targets": [0.5] * 300, "loss": "half_sse",
                               "learning_rate": 0.1,
                               "layers": [{"activation": "sigmoid", "weights": [[0.1]] * 300}]}),
                   encoding="utf-8")
    page = tmp_path / "wide.txt"
    page.write_text("L = Σ ½(t - o)²\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(net), str(page), "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["results"] == [] and "300" in body["definitions"][0]["reason"]
