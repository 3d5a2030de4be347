"""--decimals reaches every "with numbers" cell, not only the value column: the walkthrough at
--decimals 6 against a hand calculation done here from σ(z) = 1/(1 + e^−z), each number printed
to 6 places by Python's own format (none of them is a tie, so no rounding rule is at stake)."""

from __future__ import annotations

import math

from click.testing import CliRunner

from backprop.cli import cli


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def six(x: float) -> str:
    text = f"{x:.6f}"
    assert abs(abs(x * 1e6) % 1 - 0.5) > 1e-3, "a tie: this test would test the rounding rule"
    return text


# the walkthrough network (networks/walkthrough.yaml), worked by hand
X1, X2 = 0.5, 0.3
W1, W3, W5, W6, ETA = 0.7, 0.4, 0.55, 0.45, 0.1
H1 = sigma(0.5 * 0.7 + 0.3 * 0.4)  # σ(0.47) = 0.6153837…
H2 = sigma(0.5 * 0.3 + 0.3 * 0.6)  # σ(0.33) = 0.5817593…
Z3 = H1 * W5 + H2 * W6
Y = sigma(Z3)
DL_DY = -2 * (1 - Y)  # MSE, mean over N = 1 element
DY_DZ3 = Y * (1 - Y)
DH1 = H1 * (1 - H1)
G1 = DL_DY * DY_DZ3 * W5 * DH1 * X1
G5 = DL_DY * DY_DZ3 * H1


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--decimals", "6"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_step_writes_every_numbers_cell_at_the_chosen_decimals() -> None:
    out = run("step", "walkthrough")
    # forward: a computed source inside a sum, and the activation's argument
    assert f"{six(H1)}·0.55 + {six(H2)}·0.45" in out  # 0.615384·0.55 + 0.581759·0.45
    assert f"σ({six(Z3)})" in out
    # loss, local factors, gradients' chains and the update
    assert f"(1 − {six(Y)})²" in out
    assert f"−2(1 − {six(Y)})/1" in out
    assert f"{six(Y)}(1 − {six(Y)})" in out
    assert f"= ({six(DL_DY)}) · {six(DY_DZ3)} · {six(H1)}" in out
    assert f"0.55 − 0.1·({six(G5)})" in out
    assert "0.615·" not in out and "0.582·" not in out  # the 3-decimal text of before


def test_explain_writes_its_numbers_at_the_chosen_decimals() -> None:
    out = run("explain", "--weight", "w1", "walkthrough")
    # w5 and x1 are the file's numbers: printed as it gives them (0.55, 0.5)
    assert (f"= ({six(DL_DY)}) · {six(DY_DZ3)} · {W5} · {six(DH1)} · {X1} "
            f"= {six(G1)}") in out
    assert f"{six(H1)}(1 − {six(H1)})" in out
    assert f"0.7 − 0.1·({six(G1)}) = {six(W1 - ETA * G1)}" in out
