"""Edges of reading a page, found by an adversarial review: a blank line ends a derivation;
numbers too large or too small for a float are explained truthfully. Expected values are
worked by hand from networks/walkthrough.yaml (x1 = 0.5, x2 = 0.3, w1 = 0.7, w2 = 0.3,
w3 = 0.4, w4 = 0.6): z1 = 0.5·0.7 + 0.3·0.4 = 0.47, z2 = 0.5·0.3 + 0.3·0.6 = 0.33."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS

ENV = {"COLUMNS": "120", "NO_COLOR": "1"}


def check(tmp_path: Path, name: str, text: str, net: str = "walkthrough.yaml") -> dict:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / net), str(page),
                                             "--format", "json"])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert result.stdout, (result.output, result.stderr, result.exit_code)
    return json.loads(result.stdout)


def marks(body: dict) -> list[tuple[int, str, str]]:
    return [(r["line"], r["quantity"], r["verdict"]) for r in body["results"]]


# ---------------------------------------------------------------- a blank line ends a chain

#: z1 = 0.47 (true), a blank line, then a line "= 0.33": the 0.33 is z2's value, not a further
#: step of z1 — read as one chain, z1 would be marked wrong (0.47 ≠ 0.33)
BROKEN = {
    "page.txt": "z1 = 0.5*0.7 + 0.3*0.4 = 0.47\n\n= 0.33\n",
    "page.md": "$z_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 = 0.47$\n\n$= 0.33$\n",
    "page.tex": "\\[ z_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 = 0.47 \\]\n\n\\[ = 0.33 \\]\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_blank_line_ends_a_chain(tmp_path: Path, name: str) -> None:
    body = check(tmp_path, name, BROKEN[name])
    assert marks(body) == [(1, "z1", "correct")]
    assert [(n["line"], n["text"]) for n in body["not_read"]] == [(3, "= 0.33")]


#: two paragraphs, each its own answer; and a line of prose between an equation and `= …`
PARAGRAPHS = {
    "page.txt": "z1 = 0.47\n\nz2 = 0.33\n",
    "page.md": "First $z_1 = 0.47$.\n\nThen $z_2 = 0.33$.\n",
    "page.tex": "\\( z_1 = 0.47 \\)\n\n\\( z_2 = 0.33 \\)\n",
}


@pytest.mark.parametrize("name", sorted(PARAGRAPHS))
def test_paragraphs_are_separate_answers(tmp_path: Path, name: str) -> None:
    assert marks(check(tmp_path, name, PARAGRAPHS[name])) == [(1, "z1", "correct"),
                                                               (3, "z2", "correct")]


def test_a_line_of_prose_between_ends_a_chain(tmp_path: Path) -> None:
    body = check(tmp_path, "page.txt", "z1 = x1*w1 + x2*w3\nwhich, with the numbers,\n= 0.33\n")
    # z1's formula is right; the 0.33 after the prose is not z1's next step (z1 = 0.47)
    assert marks(body) == [(1, "z1", "correct")]
    assert [n["line"] for n in body["not_read"]] == [3]


@pytest.mark.parametrize("name,text", [
    ("page.txt", "z1 = 0.5*0.7 + 0.3*0.4\n   = 0.47\n"),
    ("page.md", "$$\nz_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4\n\n= 0.47\n$$\n"),
    ("page.tex", "\\begin{align*}\nz_1 &= 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 \\\\\n"
                 "&= 0.47\n\\end{align*}\n"),
    ("page.tex", "\\[ z_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 \\]\n\\[ = 0.47 \\]\n"),
])
def test_a_chain_goes_on_at_the_next_line_that_starts_with_equals(tmp_path: Path, name: str,
                                                                   text: str) -> None:
    body = check(tmp_path, name, text)
    assert [(r["quantity"], r["verdict"], r["given"]) for r in body["results"]] == \
        [("z1", "correct", 0.47)]


def test_a_name_alone_on_its_line_is_the_left_side_of_the_next(tmp_path: Path) -> None:
    body = check(tmp_path, "page.txt", "z1 = 0.47\n\nz2\n= 0.5*0.3 + 0.3*0.6 = 0.33\n")
    assert marks(body) == [(1, "z1", "correct"), (3, "z2", "correct")]
    assert body["not_read"] == []


# ---------------------------------------------------------------- overflow and extremes

@pytest.mark.parametrize("name,text,said", [
    # e^1000 ≈ 10^434.3, past the largest float (≈ 1.8·10^308)
    ("page.txt", "z1 = e^{1000}\n", "exp(1000) is too large to compute"),
    ("page.md", "$z_1 = e^{1000}$\n", "exp(1000) is too large to compute"),
    # 10^400 is past the largest float, before σ is taken
    ("page.tex", "\\( z_2 = \\sigma(10^{400}) \\)\n", "σ(10^400) is too large to compute"),
    ("page.txt", "h1 = 1/0\n", "1/0 is a division by zero"),
    ("page.txt", "h1 = 1/(1 - 1)\n", "1/(1 − 1) is a division by zero"),
])
def test_a_number_past_a_float_is_said_truthfully(tmp_path: Path, name: str, text: str,
                                                   said: str) -> None:
    (result,) = check(tmp_path, name, text)["results"]
    assert result["verdict"] == "wrong"
    assert said in result["explanation"] and "nan" not in result["explanation"]


def test_a_step_past_a_float_is_where_the_line_breaks(tmp_path: Path) -> None:
    # z2 = 0.33 (by hand, above): the 1/0 step is no value at all, so it cannot give 0.33
    (result,) = check(tmp_path, "page.txt", "z2 = 0.5*0.3 + 1/0 = 0.33\n")["results"]
    assert result["verdict"] == "correct"  # the answer is right; the step is named
    assert result["explanation"] == ("the line breaks at the = at line 1, column 20: "
                                     "0.5·0.3 + 1/0 is a division by zero, not 0.33")
    assert result["break"] == 20  # "z2 = 0.5*0.3 + 1/0 " is 19 characters: the `=` is the 20th


def test_a_number_that_underflows_is_read_as_written(tmp_path: Path) -> None:
    # 1e-400 is below the smallest float (≈ 4.9·10^-324): read as 0, its decimals its own (400);
    # the true value is shown as the report shows values, to 4 decimals: z1 = 0.4700
    (result,) = check(tmp_path, "page.txt", "z1 = 1e-400\n")["results"]
    assert (result["given"], result["decimals"], result["verdict"]) == (0.0, 400, "wrong")
    assert result["explanation"] == ("1e-400 is too small for a float (read as 0); the true "
                                     "value is 0.4700")


def test_an_arithmetic_slip_to_an_underflowing_number_shows_the_truth_briefly(
        tmp_path: Path) -> None:
    # 0.5·0.3 + 0.3·0.6 = 0.33 (by hand), not 1e-400: the slip, and z2 = 0.3300 to 4 decimals
    (result,) = check(tmp_path, "page.txt", "z2 = 0.5*0.3 + 0.3*0.6 = 1e-400\n")["results"]
    assert result["mistake"] == "arithmetic"
    assert result["explanation"].endswith("the true value is 0.3300")


# ---------------------------------------------------------------- pages in more styles

def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# walkthrough.yaml by hand: z1 = 0.47, z2 = 0.33, h1 = σ(0.47), h2 = σ(0.33),
# z3 = 0.55·h1 + 0.45·h2, ŷ = σ(z3), L = (1 − ŷ)², ∂L/∂ŷ = −2(1 − ŷ),
# ∂L/∂w5 = ∂L/∂ŷ · ŷ(1 − ŷ) · h1
H1, H2 = sigma(0.47), sigma(0.33)
Z3 = 0.55 * H1 + 0.45 * H2
Y = sigma(Z3)
DW5 = -2 * (1 - Y) * Y * (1 - Y) * H1

MARKDOWN = r"""# Backprop, by hand

The forward pass, with the usual weights (units: none; values to 4 d.p., e.g. 1,000 steps later):

\( z_1 = x_1 w_1 + x_2 w_3 = 0.5 \times 0.7 + 0.3 \times 0.4 = 0.47 \)

\( h_1 = \sigma(z_1) = \frac{1}{1 + e^{-0.47}} \approx 0.6154 \)

$$
\begin{aligned}
z_2 &= 0.5 \times 0.3 + 0.3 \times 0.6 \\
    &= 0.33 \tag{3} \\
h_2 &= \sigma(0.33) \approx 0.5818
\end{aligned}
$$

$$ z_3 = \left( 0.6154 \times 0.55 \right) + \left( 0.5818 \times 0.45 \right) \approx 0.6003 $$

Then $\hat{y} = \sigma(z_3) \approx 0.6457$, and the loss, $L = (1 - \hat{y})^2 \approx 0.1255$.

$$\frac{\mathrm{d}L}{\mathrm{d}\hat{y}} = -2\,(1 - 0.6457) \approx -0.7086$$

$$ {\partial L}/{\partial w_{5}} = -0.7086 \times 0.2288 \times 0.6154 \approx -0.0998 \tag{7} $$
"""

PLAIN = """Backprop worked out (2-2-1 net, learning rate 0.1, target 1)

z1 = 0.5 x 0.7 + 0.3 x 0.4 = 0.47
z2 = 0.5 x 0.3 + 0.3 x 0.6 = 0.35
h2 = sigma(0.33) = 0.5818
y_hat = sigma(0.6003) = 0.6457
L = (1 - 0.6457)^2 = 0.1255
dL/dy_hat = -2 x (1 - 0.6457) = -0.7086
"""

LATEX = r"""\documentclass{article}
\begin{document}
With $x_1 = 0.5$, $x_2 = 0.3$ we get
\begin{equation}
  z_1 \;=\; 0.5 \cdot 0.7 \,+\, 0.3 \cdot 0.4 \;=\; 0.47 \tag{1}
\end{equation}
and then, for the output weight,
\[
  \mathrm{d}L/\mathrm{d}w_5 \;\approx\; -0.7086 \times 0.2288 \times 0.6154 \approx -0.01
\]
\end{document}
"""


def test_a_markdown_page_with_backslash_parens_aligned_tags_and_braced_partials(
        tmp_path: Path) -> None:
    for value, text in ((H1, "0.6154"), (H2, "0.5818"), (Z3, "0.6003"), (Y, "0.6457"),
                        ((1 - Y) ** 2, "0.1255"), (-2 * (1 - Y), "-0.7086"), (DW5, "-0.0998")):
        assert f"{value:.4f}" == text  # each number the page writes, worked by hand
    body = check(tmp_path, "page.md", MARKDOWN)
    assert marks(body) == [(5, "z1", "correct"), (7, "h1", "correct"), (11, "z2", "correct"),
                           (13, "h2", "correct"), (17, "z3", "correct"), (19, "y_hat", "correct"),
                           (19, "L", "correct"), (21, "dL/dy_hat", "correct"),
                           (23, "dL/dw5", "correct")]
    assert body["not_read"] == []


def test_a_plain_page_with_x_for_times_and_an_arithmetic_slip(tmp_path: Path) -> None:
    # 0.5·0.3 + 0.3·0.6 = 0.15 + 0.18 = 0.33, not 0.35: the slip is in the arithmetic
    body = check(tmp_path, "page.txt", PLAIN)
    assert marks(body) == [(3, "z1", "correct"), (4, "z2", "wrong"), (5, "h2", "correct"),
                           (6, "y_hat", "correct"), (7, "L", "correct"),
                           (8, "dL/dy_hat", "correct")]
    z2 = body["results"][1]
    assert z2["mistake"] == "arithmetic" and "0.5·0.3 + 0.3·0.6 = 0.33, not 0.35" in \
        z2["explanation"]
    assert not any("'x'" in r["explanation"] for r in body["results"])  # x read as ×


def test_a_latex_page_with_thin_spaces_tags_and_an_upright_d(tmp_path: Path) -> None:
    # ∂L/∂w5 = −0.0998 (by hand above), written as −0.01: wrong, and the line breaks at its
    # last ≈ (the product −0.7086·0.2288·0.6154 = −0.09977 is not −0.01)
    assert round(-0.7086 * 0.2288 * 0.6154, 5) == -0.09977
    body = check(tmp_path, "page.tex", LATEX)
    assert [(r["line"], r["quantity"], r["verdict"]) for r in body["results"]] == [
        (5, "z1", "correct"), (9, "dL/dw5", "wrong")]
    assert "the line breaks at the ≈ at line 9" in body["results"][1]["explanation"]
    assert body["not_read"] == []


def test_an_update_written_with_new_after_the_name(tmp_path: Path) -> None:
    # w5' = w5 − η·∂L/∂w5 = 0.55 − 0.1·(−0.09975) = 0.559975 → 0.5600 (∂L/∂w5 by hand above)
    assert f"{0.55 - 0.1 * DW5:.4f}" == "0.5600"
    body = check(tmp_path, "page.txt", "w5 new = 0.55 - 0.1 x (-0.0998) = 0.5600\n")
    assert marks(body) == [(1, "w5_new", "correct")]
