"""Every command through click's CliRunner: exit code first, then stdout and stderr."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from backprop import __version__
from backprop.cli import cli
from conftest import NETWORKS

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def invoke(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# the walkthrough by hand (tests/test_walkthrough.py writes each step out)
H1, H2 = sigma(0.5 * 0.7 + 0.3 * 0.4), sigma(0.5 * 0.3 + 0.3 * 0.6)
Y = sigma(0.55 * H1 + 0.45 * H2)
G5 = -2 * (1 - Y) * Y * (1 - Y) * H1


def test_step_without_a_file_runs_the_walkthrough() -> None:
    result = invoke("step")
    assert result.exit_code == 0, result.stderr
    # the issue's list: every number a student checks, to 3 decimals
    for shown in ["0.470", "0.615", "0.330", "0.582", "0.600", "0.646", "0.126", "-0.709",
                  "0.229", "-0.100", "0.560"]:
        assert shown in result.stdout, shown
    assert "x1·w1 + x2·w3" in result.stdout and "0.5·0.7 + 0.3·0.4" in result.stdout
    assert "0.55 − 0.1·(-0.100)" in result.stdout
    assert result.stderr == ""


def test_step_json_is_format_section_3() -> None:
    result = invoke("step", "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["title"] == "2-2-1 sigmoid network, one training step"
    assert report["loss"]["name"] == "L" and report["loss"]["kind"] == "mse"
    assert report["loss"]["value"] == pytest.approx((1 - Y) ** 2, rel=1e-14)
    values = report["samples"][0]["values"]
    assert set(values) == {"x1", "x2", "z1", "h1", "z2", "h2", "z3", "y_hat"}
    assert values["h1"] == pytest.approx(H1, rel=1e-14)
    assert report["gradients"]["w5"] == pytest.approx(G5, rel=1e-13)
    assert report["learning_rate"] == 0.1
    assert report["updated"]["w5"] == pytest.approx(0.55 - 0.1 * G5, rel=1e-14)
    assert set(report["gradients"]) == set(report["updated"]) == {f"w{i}" for i in range(1, 7)}


def test_step_accepts_a_path_and_a_bundled_name() -> None:
    by_path = invoke("step", str(NETWORKS / "walkthrough.yaml"), "--format", "json")
    by_name = invoke("step", "walkthrough", "--format", "json")
    assert by_path.exit_code == by_name.exit_code == 0
    assert json.loads(by_path.stdout)["gradients"] == json.loads(by_name.stdout)["gradients"]


def test_step_decimals() -> None:
    result = invoke("step", "--decimals", "5")
    assert result.exit_code == 0
    assert f"{Y:.5f}" in result.stdout


def test_explain_w5_prints_its_three_factors_and_the_update() -> None:
    result = invoke("explain", "--weight", "w5")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "∂L/∂w5 = ∂L/∂y_hat · ∂y_hat/∂z3 · ∂z3/∂w5" in out
    for shown in ["-0.709", "0.229", "0.615", "-0.100", "0.560"]:
        assert shown in out, shown
    assert "−2(t − y_hat)/N" in out and "y_hat(1 − y_hat)" in out


def test_explain_w1_prints_its_five_factors() -> None:
    result = invoke("explain", "-w", "w1")
    assert result.exit_code == 0
    # w5 = 0.55 and x1 = 0.5 print as the file gives them
    for shown in ["-0.709", "0.229", "· 0.55 ·", "0.237", "· 0.5 =", "-0.011", "0.701"]:
        assert shown in result.stdout, shown


def test_explain_unknown_param_is_exit_2_with_the_nearest_params() -> None:
    result = invoke("explain", "--weight", "w9")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'w9'" in result.stderr and "w5" in result.stderr
    assert "Traceback" not in result.stderr


def test_explain_a_node_name_says_it_is_not_a_param() -> None:
    result = invoke("explain", "--weight", "h1")
    assert result.exit_code == 2
    assert "is a node, not a param" in result.stderr


def test_networks_lists_the_bundled_ones() -> None:
    result = invoke("networks")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert "walkthrough" in names
    assert all(not n.endswith(".answers") for n in names)


def test_unknown_network_is_exit_2() -> None:
    result = invoke("step", "no-such-net")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no-such-net" in result.stderr and "walkthrough" in result.stderr


def test_version_and_help() -> None:
    assert invoke("--version").stdout.strip().endswith(__version__)
    for command in ("step", "explain", "check", "networks"):
        result = invoke(command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.stdout
    assert invoke("-h").exit_code == 0


@pytest.mark.parametrize("precision", [(), ("--precision", "written")])
def test_walkthrough_page_is_marked_as_the_issue_says(precision) -> None:
    result = invoke("check", "walkthrough", str(NETWORKS / "walkthrough.answers.yaml"),
                    "--format", "json", *precision)
    assert result.exit_code == 1  # one answer is wrong
    report = json.loads(result.stdout)
    verdicts = {r["quantity"]: (r["verdict"], r["mistake"]) for r in report["results"]}
    assert verdicts.pop("y_hat") == ("rounding", None)
    assert verdicts.pop("dL/dw5") == ("wrong", "learning_rate_applied")
    assert verdicts.pop("w5_new") == ("carried_forward", None)
    # ∂L/∂ŷ = −0.71: right to its two written decimals; at the default 3 it is −2(1 − 0.645),
    # the page's own ŷ carried forward (the true −0.70858 is 1.4 units of the third decimal off)
    assert verdicts.pop("dL/dy_hat") == ("rounding" if not precision else "correct", None)
    assert all(v == ("correct", None) for v in verdicts.values()), verdicts
    assert report["score"]["correct"] == 10 and report["score"]["total"] == 12
