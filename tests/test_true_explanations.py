"""Explanations that are true of this student's work: a carried-forward line names only the
answers its rerun depended on; a mistake with two readings says the one that fits; a frozen
param given as updated is named frozen; an unknown key's did-you-mean offers the loss by its
own name and never the key itself.

Sources of the expected numbers: the walkthrough by hand (tests/test_walkthrough.py writes each
step out: h1 = σ(0.47) = 0.61538, ∂L/∂ŷ = −2(1 − ŷ) = −0.70858, ∂ŷ/∂z3 = 0.22878) and FORMAT
§3's published ∂L/∂w5 = −0.0997525403151 with η = 0.1; Matt Mazur's "A Step by Step
Backpropagation Example" (2015) for the layered network: ∂E/∂out_o1 = 0.74136507,
δ_o1 = 0.138498562, δ_o2 = −0.038098236, ∂out_h1/∂net_h1 = 0.241300709, w5 = 0.40, w7 = 0.50;
StatQuest's published network (networks/statquest.yaml: w1 = 3.34, η = 0.1).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS

LAYERED = str(NETWORKS / "layered.yaml")
H1, DL_DY, DY_DZ3 = 0.61538, -0.70858, 0.22878  # the walkthrough by hand
G5, ETA = -0.0997525403151, 0.1  # FORMAT §3


def marked(net: str, folder: Path, text: str, *options: str) -> dict[str, dict]:
    path = folder / "sheet.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", net, str(path), "--format", "json", *options])
    assert result.exit_code in (0, 1), result.output
    return {r["quantity"]: r for r in json.loads(result.stdout)["results"]}


# ---------------------------------------------------------------- the answers a rerun used

def test_a_carried_forward_line_names_only_the_answers_its_rerun_used(tmp_path) -> None:
    # ∂L/∂w5 from the student's own ∂L/∂ŷ and ∂ŷ/∂z3 (both wrong) and the true h1:
    # 0.710 · 0.300 · 0.61538 = 0.13108 → 0.131. Neither alone gives it (0.710 · 0.22878 ·
    # 0.61538 = 0.0999; −0.70858 · 0.300 · 0.61538 = −0.1308), so the rerun with every earlier
    # wrong answer made the match; z2 = 0.900 was put in too, but the student's own ∂L/∂ŷ and
    # ∂ŷ/∂z3 stand in for everything z2 could change: it plays no part and is not named
    assert f"{0.710 * 0.300 * H1:.3f}" == "0.131"
    assert abs(0.710 * DY_DZ3 * H1 - 0.131) > 0.001 and abs(DL_DY * 0.300 * H1 - 0.131) > 0.001
    results = marked("walkthrough", tmp_path,
                     "z2: 0.900\ndL/dy_hat: 0.710\ndy_hat/dz3: 0.300\ndL/dw5: 0.131\n")
    r = results["dL/dw5"]
    assert r["verdict"] == "carried_forward"
    assert "follows from your dL/dy_hat = 0.710, dy_hat/dz3 = 0.300 " in r["explanation"]
    assert "z2" not in r["explanation"]


def test_the_one_answer_used_is_named_among_many_wrong_ones(tmp_path) -> None:
    # w5_new = 0.55 − 0.1·(−0.00998) = 0.550998 → 0.5510 from the student's ∂L/∂w5 alone; the
    # eight wrong answers written after it are the ones tried one at a time (the latest eight),
    # so the match comes from the run with all nine, and only ∂L/∂w5 is named
    assert f"{0.55 - ETA * -0.00998:.4f}" == "0.5510"
    forward = "".join(f"{k}: 0.900\n" for k in ("z1", "z2", "h1", "h2", "z3", "y_hat",
                                                 "dy_hat/dz3", "dz3/dw5"))
    results = marked("walkthrough", tmp_path, f"dL/dw5: -0.00998\n{forward}w5_new: 0.5510\n")
    r = results["w5_new"]
    assert r["verdict"] == "carried_forward"
    assert "follows from your dL/dw5 = -0.00998: " in r["explanation"]
    for k in ("z1", "z2", "h1", "h2", "z3", "y_hat", "dy_hat/dz3", "dz3/dw5"):
        assert f"{k} = " not in r["explanation"]


# ---------------------------------------------------------------- the reading that fits

def test_a_sign_slip_in_an_update_says_the_step_was_added(tmp_path) -> None:
    # w5 + η·∂L/∂w5 = 0.55 + 0.1·(−0.0997525) = 0.540025 → 0.5400
    assert f"{0.55 + ETA * G5:.4f}" == "0.5400"
    r = marked("walkthrough", tmp_path, "dL/dw5: -0.0998\nw5_new: 0.5400\n")["w5_new"]
    assert (r["verdict"], r["mistake"]) == ("wrong", "sign")
    assert r["explanation"].startswith("0.5400 adds the step instead of subtracting it: "
                                       "w5 + η·∂L/∂w5 = 0.55 + 0.1·∂L/∂w5 = 0.5400")
    assert "(o − t)" not in r["explanation"] and ", or " not in r["explanation"]


def _walkthrough_loss(p: dict[str, float]) -> float:
    """L = (1 − ŷ)² of the walkthrough's forward pass, written out: z = Σ x·w, h = σ(z)."""
    def s(z: float) -> float:
        return 1 / (1 + math.exp(-z))
    h1, h2 = s(0.5 * p["w1"] + 0.3 * p["w3"]), s(0.5 * p["w2"] + 0.3 * p["w4"])
    return (1 - s(h1 * p["w5"] + h2 * p["w6"])) ** 2


def test_a_sign_slip_in_the_loss_after_the_update_says_the_steps_were_added(tmp_path) -> None:
    # the chain rule by hand: δ3 = −2(1 − ŷ)·ŷ(1 − ŷ), δ1 = δ3·w5·h1(1 − h1), δ2 = δ3·w6·h2(1 − h2);
    # ∂L/∂w1 = δ1·x1 (FORMAT §3: −0.0105507730202) … ∂L/∂w5 = δ3·h1 (−0.0997525403151). Every
    # param moved by +η·∂L/∂p gives L = 0.127439 → 0.1274 (the true L_new is 0.123618)
    def s(z: float) -> float:
        return 1 / (1 + math.exp(-z))
    p = {"w1": 0.7, "w2": 0.3, "w3": 0.4, "w4": 0.6, "w5": 0.55, "w6": 0.45}
    h1, h2 = s(0.5 * 0.7 + 0.3 * 0.4), s(0.5 * 0.3 + 0.3 * 0.6)
    y = s(h1 * 0.55 + h2 * 0.45)
    d3 = -2 * (1 - y) * y * (1 - y)
    d1, d2 = d3 * 0.55 * h1 * (1 - h1), d3 * 0.45 * h2 * (1 - h2)
    g = {"w1": d1 * 0.5, "w3": d1 * 0.3, "w2": d2 * 0.5, "w4": d2 * 0.3, "w5": d3 * h1, "w6": d3 * h2}
    assert g["w1"] == pytest.approx(-0.0105507730202, rel=1e-9) and g["w5"] == pytest.approx(G5)
    added = _walkthrough_loss({k: v + ETA * g[k] for k, v in p.items()})
    assert f"{added:.4f}" == "0.1274"
    assert f"{_walkthrough_loss({k: v - ETA * g[k] for k, v in p.items()}):.4f}" == "0.1236"
    r = marked("walkthrough", tmp_path, "L_new: 0.1274\n")["L_new"]
    assert (r["verdict"], r["mistake"]) == ("wrong", "sign")
    assert r["explanation"].startswith("0.1274 is L after updates that add the step instead of "
                                       "subtracting it")


def test_a_sign_slip_in_a_gradient_says_the_target_and_output_swapped(tmp_path) -> None:
    # −∂L/∂w5 = 0.0997525 → 0.0998
    r = marked("walkthrough", tmp_path, "dL/dw5: 0.0998\n")["dL/dw5"]
    assert (r["verdict"], r["mistake"]) == ("wrong", "sign")
    assert "(o − t) for (t − o)" in r["explanation"] and "update" not in r["explanation"]


@pytest.mark.parametrize(("net", "key", "text", "reading"), [
    # walkthrough: L = (1 − ŷ)², its ∂L/∂ŷ = −2(1 − ŷ) = −0.70858 has the 2 of the square
    ("walkthrough", "dL/dy_hat", f"{2 * DL_DY:.3f}", "the 2 of the square counted twice"),
    ("walkthrough", "dL/dy_hat", f"{DL_DY / 2:.3f}", "the 2 of the square dropped"),
    # Mazur: E = Σ ½(t − o)², ∂E/∂out_o1 = 0.74136507 has no 2 left: doubled, the ½ was dropped
    ("layered", "dE/dout2_1", f"{2 * 0.74136507:.3f}", "the ½ of ½(t − o)² dropped"),
    ("layered", "dE/dout2_1", f"{0.74136507 / 2:.3f}", "a second ½ applied"),
])
def test_a_factor_of_two_says_which_slip_the_loss_allows(net, key, text, reading, tmp_path) -> None:
    path = LAYERED if net == "layered" else net
    r = marked(path, tmp_path, f"{key}: {text}\n")[key]
    assert (r["verdict"], r["mistake"]) == ("wrong", "factor_of_two"), r
    assert reading in r["explanation"] and ", or " not in r["explanation"]


# ---------------------------------------------------------------- a frozen param

def test_a_frozen_param_given_as_updated_is_named_frozen(tmp_path) -> None:
    # StatQuest's w1 = 3.34 is frozen; 3.3026 is 3.34 − 0.1·∂SSR/∂w1, the update it would have
    # had (∂SSR/∂w1 = 0.37393 by tests/test_check.py's statquest_by_hand)
    results = marked("statquest", tmp_path, "w1_new: 3.3026\nb1_new: 7\n")
    r = results["w1_new"]
    assert r["verdict"] == "wrong" and r["expected"] == 3.34
    assert r["explanation"].startswith("w1 is frozen: it is not updated and keeps its value "
                                       "3.34; 3.3026 is the update it would have had")
    other = results["b1_new"]
    assert other["explanation"] == ("b1 is frozen: it is not updated and keeps its value -1.43; "
                                    "no catalogued mistake gives 7")


def test_a_frozen_bias_of_mazurs_network(tmp_path) -> None:
    # Mazur's page updates only the weights. ∂E/∂b1 of h1 = ∂E/∂net_h1 =
    # (δ_o1·w5 + δ_o2·w7)·∂out_h1/∂net_h1 = (0.138498562·0.40 − 0.038098236·0.50)·0.241300709
    # = 0.0087714; unfrozen, b1_1 would be 0.35 − 0.5·0.0087714 = 0.345614 → 0.3456
    grad = (0.138498562 * 0.40 - 0.038098236 * 0.50) * 0.241300709
    assert f"{0.35 - 0.5 * grad:.4f}" == "0.3456"
    r = marked(LAYERED, tmp_path, "b1_1_new: 0.3456\n")["b1_1_new"]
    assert r["verdict"] == "wrong"
    assert "b1_1 is frozen: it is not updated and keeps its value 0.35; 0.3456 is the update " \
           "it would have had if it were not: b1_1 − η·∂E/∂b1_1 = 0.35 − 0.5·" in r["explanation"]


# ---------------------------------------------------------------- did you mean

E_TOTAL = """\
inputs: {x1: 0.5, x2: 0.3}
params: {w1: 0.7, w2: 0.3, w3: 0.4, w4: 0.6, w5: 0.55, w6: 0.45, w7: 0.2, w8: 0.1}
nodes:
  h1: {sum: z1, from: {x1: w1, x2: w3}, activation: sigmoid}
  h2: {sum: z2, from: {x1: w2, x2: w4}, activation: sigmoid}
  o1: {sum: z3, from: {h1: w5, h2: w6}, activation: sigmoid}
  o2: {sum: z4, from: {h1: w7, h2: w8}, activation: sigmoid}
targets: {o1: 0.01, o2: 0.99}
loss: {kind: half_sse, name: E_total}
learning_rate: 0.5
"""


@pytest.mark.parametrize(("key", "first"), [
    ("E_new", "E_total_new"),  # difflib alone put w8_new first
    ("L_new", "E_total_new"),
    ("Etotal_new", "E_total_new"),
    ("loss", "E_total"),
    ("E", "E_total"),
])
def test_a_loss_key_is_offered_the_loss_by_its_own_name(key, first, tmp_path) -> None:
    net = tmp_path / "net.yaml"
    net.write_text(E_TOTAL, encoding="utf-8")
    r = marked(str(net), tmp_path, f"{key}: 0.3\n")[key]
    assert r["verdict"] == "unknown"
    assert f"(did you mean '{first}'" in r["explanation"], r["explanation"]


@pytest.mark.parametrize(("net", "key", "itself"), [
    ("walkthrough", "z1[3]", "z1"),  # a sample out of range: z1 itself is no misspelling
    ("statquest", "dSSR/dpredicted", "dSSR/dpredicted"),  # differs between samples
    ("statquest", "∂SSR/∂predicted", "dSSR/dpredicted"),  # the same, spelled with ∂
])
def test_a_key_is_never_offered_itself(net, key, itself, tmp_path) -> None:
    r = marked(net, tmp_path, f"{key}: 0.3\n")[key]
    assert r["verdict"] == "unknown"
    hint = r["explanation"].partition("(did you mean")[2]
    assert f"'{itself}'" not in hint
