"""A Σ inside a Σ — the loss written as a double sum over the samples and the outputs,
`\\sum_{n}\\sum_{k} \\frac{1}{2}(t_{k} - o_{k})^{2}` — is checked as a formula (the sum over every
pair of sample and output is the same in either order); where which Σ runs over what is not
clear, the line is listed with that reason. The network is small enough to work by hand."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from backprop.cli import cli

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
NET = """\
title: two identity outputs, two samples
params: {a: 0.3, b: 0.4}
nodes:
  o1: {sum: z1, from: {x1: a}, activation: identity}
  o2: {sum: z2, from: {x1: b}, activation: identity}
samples:
  - {inputs: {x1: 1}, targets: {o1: 0.5, o2: 0}}
  - {inputs: {x1: 2}, targets: {o1: 1, o2: 1}}
loss: half_sse
learning_rate: 0.1
"""
# by hand: sample 1: o = (0.3, 0.4), t = (0.5, 0): (0.2)² + (0.4)² = 0.04 + 0.16 = 0.20
#          sample 2: o = (0.6, 0.8), t = (1, 1):   (0.4)² + (0.2)² = 0.16 + 0.04 = 0.20
#          L = ½·(0.20 + 0.20) = 0.2 (half_sse: ½ Σ (t − o)², summed)
L = 0.5 * ((0.5 - 0.3) ** 2 + (0 - 0.4) ** 2 + (1 - 0.6) ** 2 + (1 - 0.8) ** 2)


def check(tmp_path: Path, page: str) -> dict:
    net = tmp_path / "net.yaml"
    net.write_text(NET, encoding="utf-8")
    sheet = tmp_path / "page.md"
    sheet.write_text(page, encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(net), str(sheet), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_a_double_sum_that_is_the_loss_is_checked(tmp_path: Path) -> None:
    assert round(L, 6) == 0.2
    body = check(tmp_path, "$$L = \\sum_{n=1}^{2}\\sum_{k=1}^{2} \\frac{1}{2}"
                           "(t_{k} - o_{k})^{2} = 0.2$$\n")
    (only,) = body["results"]
    assert (only["quantity"], only["verdict"], only["break"]) == ("L", "correct", None)
    assert "not checked" not in only["explanation"]
    assert body["not_read"] == []


def test_a_double_sum_without_its_half_breaks_at_the_sum(tmp_path: Path) -> None:
    """Σ_n Σ_k (t − o)² = 0.4 = 2L: the formula is not L, and the line breaks at it."""
    body = check(tmp_path, "$$L = \\sum_{n}\\sum_{k} (t_{k} - o_{k})^{2} = 0.4$$\n")
    (only,) = body["results"]
    assert (only["verdict"], only["mistake"]) == ("wrong", "factor_of_two")
    assert only["break"] == 5  # the '=' before the double sum, at column 5
    assert "is not L" in only["explanation"]


def test_an_unclear_double_sum_is_listed_with_its_reason(tmp_path: Path) -> None:
    body = check(tmp_path, "$$L = \\sum_{n} t_{k} \\sum_{k} (t_{k} - o_{k})^{2} = 0.2$$\n\n"
                           "$$L = \\sum_{n}\\sum_{k}\\sum_{j} (t_{k} - o_{k})^{2} = 0.4$$\n")
    assert body["results"] == []
    reasons = [(n["line"], n["reason"]) for n in body["not_read"]]
    assert reasons[0][0] == 1 and "which Σ runs over the outputs" in reasons[0][1]
    assert reasons[1][0] == 3 and "a Σ in a Σ in a Σ" in reasons[1][1]
