"""`--decimals 0` prints whole numbers: the small-values rule (README "numbers": a value whose
N-place form keeps fewer than two significant digits gets three significant figures) is for
values below 1, which lose their digits to leading zeros; at 0 places 1.2 is 1, not 1.20.
Expected texts are worked by hand from that rule."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.explain import explain
from backprop.notation import fmt
from backprop.render.explain import explain_report
from backprop.render.step import step_report
from test_adds_up import check_lines, check_tables


@pytest.mark.parametrize(("value", "text"), [
    (1.2, "1"),  # the issue: not "1.20"
    (9.7, "10"),
    (12.3, "12"),
    (-1.5, "-2"),  # 1.5 is exact in binary: a tie, rounded away from zero as textbooks do
    (2.5, "3"),
    (1.0, "1"),
    (0.5, "0.500"),  # below 1: three significant figures, as at any N
    (0.96, "0.960"),
    (-0.0004391, "-0.000439"),
    (0.0, "0"),
    (-0.0, "0"),
])
def test_zero_decimals_prints_whole_numbers_and_keeps_small_values(value: float, text: str) -> None:
    assert fmt(value, 0) == text


def test_other_decimals_are_unchanged_by_the_rule() -> None:
    # at N ≥ 1, 10^(1 − N) ≤ 1 already: 1.2 at 1 place is 1.2, 0.05 at 1 place 0.0500
    assert fmt(1.2, 1) == "1.2"
    assert fmt(0.05, 1) == "0.0500"
    assert fmt(0.0004391, 3) == "0.000439"
    assert fmt(1.2, 3) == "1.200"


# z = 1.2·1 = 1.2 (a sum of 1 or more): by hand, "1" at 0 places; y = z, L = ½(2 − 1.2)² = 0.32,
# below 1: 0.320; ∂L/∂w = (y − t)·x = (1.2 − 2)·1.2 = −0.96: −0.960
NET = """\
inputs: {x: 1.2}
params: {w: 1.0}
nodes:
  y: {sum: z, from: {x: w}}
targets: {y: 2}
loss: half_sse
learning_rate: 0.1
"""


def test_step_at_zero_decimals(tmp_path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(NET, encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path), "--decimals", "0"],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert re.search(r"^z +x·w +1\.2·1 +1$", out, re.M)
    assert re.search(r"^L +Σ ℓ +0\.320 +0\.320$", out, re.M)
    assert re.search(r"^∂L/∂w .* -0\.960$", out, re.M)
    assert "1.20" not in result.stdout


@pytest.mark.parametrize("name", ["walkthrough", "statquest", "layered", "two-paths"])
@pytest.mark.parametrize("decimals", [0, 1])
def test_rows_add_up_at_few_decimals(name: str, decimals: int) -> None:
    # test_adds_up's own recomputation at 0 and 1 places, where its random networks do not go
    from backprop.bundled import folder

    trace = step(load(folder() / f"{name}.yaml"))
    checked = check_tables(step_report(trace, decimals, show_all=True))
    for param in list(trace.network.params)[:4]:
        doc = explain_report(explain(trace, param), decimals)
        checked += check_tables(doc) + check_lines(doc)
    assert checked > 4
