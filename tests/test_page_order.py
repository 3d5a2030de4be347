"""Rows in the order of the page, and pages that fit the terminal: the backward pass layer by
layer from the loss end with each layer in the file's order (o1 before o2, h1 before h2), each
output's δ = ∂L/∂z a row of its own (Mazur's δ_o1), the loss table's title on one line, and
every command's output no wider than COLUMNS."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from backprop.bundled import names
from backprop.cli import cli


def run(*args: str, columns: int = 100) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def labels(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines() if line.startswith("∂")]


def test_the_factor_table_runs_from_the_loss_end_each_layer_in_file_order() -> None:
    out = run("step", "layered")
    factors = out.split("Backward pass: local factors")[1].split("Backward pass: gradients")[0]
    rows = labels(factors)
    order = ["∂E/∂out2_1", "∂E/∂out2_2", "∂out2_1/∂net2_1", "∂out2_2/∂net2_2",
             "∂out1_1/∂net1_1", "∂out1_2/∂net1_2"]
    assert [rows.index(r) for r in order] == sorted(rows.index(r) for r in order), rows
    walk = labels(run("step").split("Backward pass: local factors")[1].split("gradients")[0])
    assert walk.index("∂y_hat/∂z3") < walk.index("∂h1/∂z1") < walk.index("∂h2/∂z2"), walk


def test_each_output_delta_is_a_row_of_its_own_mazur() -> None:
    # Matt Mazur, "A Step by Step Backpropagation Example" (2015): δ_o1 = ∂E/∂out_o1 ·
    # ∂out_o1/∂net_o1 = 0.74136507 · 0.186815602 = 0.138498562, and δ_o2 = -0.217071535 ·
    # 0.175510053 = -0.038098236; networks/layered.yaml is his network (net2_1 is net_o1)
    out = run("step", "layered", "--decimals", "6")
    gradients = out.split("Backward pass: gradients")[1]
    assert re.search(r"^∂E/∂net2_1 +∂E/∂out2_1 · ∂out2_1/∂net2_1 +0\.138499$", gradients, re.M)
    assert re.search(r"^∂E/∂net2_2 +∂E/∂out2_2 · ∂out2_2/∂net2_2 +-0\.038098$", gradients, re.M)
    assert "= 0.741365 · 0.186816" in gradients
    # before the hidden layer's δ, which is built from them
    assert gradients.index("∂E/∂net2_2 ") < gradients.index("∂E/∂net1_1 ")
    explained = run("explain", "-w", "w2_11", "layered", "--decimals", "6")
    assert re.search(r"^∂E/∂net2_1 +∂E/∂out2_1 · ∂out2_1/∂net2_1 +0\.741365 · 0\.186816 "
                     r"+0\.138499$", explained, re.M)


def test_a_softmax_output_delta_sums_over_its_group() -> None:
    # δ_s2 = Σ_k ∂L/∂p_k · ∂p_k/∂s2; sample 1 has one-hot target p2, so only k = 2 is nonzero:
    # (p2 − 1)/S with p2 = e^0.62 / (e^0.04 + e^0.62 + e^0.42) = 0.42036… → -0.28982
    out = run("step", "softmax-classifier", "--decimals", "4")
    assert re.search(r"^∂L/∂s2\[1\] +∂L/∂p1 · ∂p1/∂s2 \+ ∂L/∂p2 · ∂p2/∂s2 \+ ∂L/∂p3 · ∂p3/∂s2 "
                     r"+-0\.2898$", out, re.M)


@pytest.mark.parametrize("name", names())
def test_the_loss_title_is_one_line_at_80_columns(name: str) -> None:
    out = run("step", name, columns=80)
    title = next(line for line in out.splitlines() if line.startswith("Loss:"))
    assert title.endswith(")"), title  # "(kind, reduction)" closes the line it opens


COMMANDS = [["step"], ["step", "layered"], ["step", "statquest"], ["step", "softmax-classifier"],
            ["explain", "-w", "w1_11", "layered"], ["explain", "-w", "w11", "softmax-classifier"],
            ["check", "walkthrough", "networks/walkthrough.answers.yaml"], ["networks"],
            ["train", "statquest", "--steps", "20"]]
HELP = [["--help"], ["step", "--help"], ["check", "--help"], ["train", "--help"], ["new", "--help"]]


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_command_fits_the_width(columns: int, monkeypatch) -> None:
    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    for args in COMMANDS:
        out = run(*args, columns=columns)
        wide = [line for line in out.splitlines() if len(line) > columns]
        assert not wide, (args, wide[:2])


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_help_fits_the_width(columns: int) -> None:
    # in a process of its own: click's test runner lays help out at 80 columns whatever COLUMNS
    # says; an example line wider than the page wraps at a word, never leaving a word alone
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT / "src")}
    for args in HELP:
        out = subprocess.run([sys.executable, "-m", "backprop", *args], capture_output=True,
                             text=True, env=env, check=True).stdout
        wide = [line for line in out.splitlines() if len(line) > columns]
        assert not wide, (args, wide[:2])  # so the terminal never breaks a line itself
