"""`backprop check` against answer sheets whose numbers are worked out by hand in this file.

Every wrong answer below is derived here in plain Python from the network's own numbers (the
forward pass with math.exp, the chain rule written out, then the slip applied by hand: the sign of
∂L/∂o flipped, z(1 − z) for σ′, the updated w5 in ∂L/∂h1, one path's term dropped, ×η, ×10 …),
never by the checker's mistake models or the engine under changed Rules. The networks are the
bundled walkthrough, StatQuest, Mazur (layered) and softmax-classifier examples, and three small
ones in tests/answers/: two-outputs and two-samples (2-2-2 sigmoid, multi-path) and exact.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS

ANSWERS = Path(__file__).resolve().parent / "answers"
TWO_OUTPUTS = str(ANSWERS / "two-outputs.yaml")  # 2-2-2 sigmoid, one sample, E = ½Σ(t − o)², η = 0.3
TWO_SAMPLES = str(ANSWERS / "two-samples.yaml")  # the same network, two samples, mse, η = 0.3
EXACT = str(ANSWERS / "exact.yaml")  # identity chain whose every number is a dyadic rational
ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def invoke(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def softplus(z: float) -> float:
    return math.log(1 + math.exp(z))


def written(v: float) -> str:
    """A student's number: four significant figures, in fixed point (0.6154, -0.008117, 12.30)."""
    if v == 0:
        return "0.0000"
    return f"{v:.{max(0, 3 - math.floor(math.log10(abs(v))))}f}"


def write_sheet(folder: Path, answers: dict[str, str], name: str = "sheet.yaml") -> Path:
    """An answers file, each line `quantity: number` exactly as a student types it."""
    path = folder / name
    path.write_text("".join(f"{key}: {text}\n" for key, text in answers.items()), encoding="utf-8")
    return path


def check_json(net: str, folder: Path, answers: dict[str, str], *options: str):
    """Exit code and {quantity: result} from `backprop check NET SHEET --format json`."""
    sheet = write_sheet(folder, answers)
    result = invoke("check", net, str(sheet), "--format", "json", *options)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (0, 1), result.stderr
    assert result.stderr == ""
    report = json.loads(result.stdout)
    return result.exit_code, {r["quantity"]: r for r in report["results"]}


# ---------------------------------------------------------------- the walkthrough, by hand
# (the published page, tests/test_walkthrough.py writes each step out)

X1, X2 = 0.5, 0.3
W1, W2, W3, W4, W5, W6 = 0.7, 0.3, 0.4, 0.6, 0.55, 0.45
ETA_W = 0.1
Z1, Z2 = X1 * W1 + X2 * W3, X1 * W2 + X2 * W4  # 0.470, 0.330
H1, H2 = sigma(Z1), sigma(Z2)  # 0.6154, 0.5818
Z3 = H1 * W5 + H2 * W6  # 0.6003
Y = sigma(Z3)  # 0.6457
DL_DY = -2 * (1 - Y)  # MSE over one element: −0.7086
DY_DZ3 = Y * (1 - Y)  # 0.2288
G5 = DL_DY * DY_DZ3 * H1  # −0.09975


def walkthrough_loss_after_the_step() -> float:
    """L_new: the forward pass again with all six weights updated."""
    d3 = DL_DY * DY_DZ3  # δ3 = ∂L/∂z3
    d1, d2 = d3 * W5 * H1 * (1 - H1), d3 * W6 * H2 * (1 - H2)
    w1, w3 = W1 - ETA_W * d1 * X1, W3 - ETA_W * d1 * X2
    w2, w4 = W2 - ETA_W * d2 * X1, W4 - ETA_W * d2 * X2
    w5, w6 = W5 - ETA_W * d3 * H1, W6 - ETA_W * d3 * H2
    y = sigma(w5 * sigma(X1 * w1 + X2 * w3) + w6 * sigma(X1 * w2 + X2 * w4))
    return (1 - y) ** 2  # 0.1236


# ---------------------------------------------------------------- StatQuest, by hand

DOSAGE, OBSERVED = (0.0, 0.5, 1.0), (0.0, 1.0, 0.0)
SQ = {"w1": 3.34, "b1": -1.43, "w2": -3.53, "b2": 0.57, "w3": 0.36, "w4": 0.63, "b3": 0.0}
SQ_ETA = 0.1
SQ_TRAINED = ("w3", "w4", "b3")  # w1, b1, w2, b2 are frozen


def statquest_by_hand(*, residual_sign: float = 1.0, two: float = 2.0, softplus_prime_at: str = "x",
                      backward_w3: float = SQ["w3"], backward_w4: float = SQ["w4"],
                      gradient_factor: float = 1.0, update: str = "p - eta*g") -> dict[str, float]:
    """One step of StatQuest's network, SSR = Σ (observed − predicted)², written out.

    The keywords are a student's slips: residual_sign=−1 writes 2(observed − predicted) for
    ∂SSR/∂predicted; two=1 drops the 2 of the square; softplus_prime_at="y" takes softplus′ = σ
    at the node's value y instead of its sum x; backward_w3/w4 are the weights used on the way back;
    gradient_factor=η reports η·g as the gradient; update is how the new weight is formed.
    """
    q: dict[str, float] = {}
    g = dict.fromkeys(SQ, 0.0)
    for k, (d, obs) in enumerate(zip(DOSAGE, OBSERVED, strict=True), start=1):
        x1 = SQ["w1"] * d + SQ["b1"]
        y1 = softplus(x1)
        x2 = SQ["w2"] * d + SQ["b2"]
        y2 = softplus(x2)
        pred = SQ["w3"] * y1 + SQ["w4"] * y2 + SQ["b3"]
        d_pred = -two * residual_sign * (obs - pred)  # ∂SSR/∂predicted = −2(observed − predicted)
        dy1 = sigma(x1 if softplus_prime_at == "x" else y1)  # softplus′(x) = σ(x)
        dy2 = sigma(x2 if softplus_prime_at == "x" else y2)
        q.update({f"x1[{k}]": x1, f"y1[{k}]": y1, f"x2[{k}]": x2, f"y2[{k}]": y2,
                  f"predicted[{k}]": pred, f"dSSR/dpredicted[{k}]": d_pred,
                  f"dSSR/dy1[{k}]": d_pred * backward_w3, f"dSSR/dy2[{k}]": d_pred * backward_w4,
                  f"dy1/dx1[{k}]": dy1, f"dy2/dx2[{k}]": dy2})
        g["w3"] += d_pred * y1
        g["w4"] += d_pred * y2
        g["b3"] += d_pred
        g["w1"] += d_pred * backward_w3 * dy1 * d
        g["b1"] += d_pred * backward_w3 * dy1
        g["w2"] += d_pred * backward_w4 * dy2 * d
        g["b2"] += d_pred * backward_w4 * dy2
    for p, v in g.items():
        q[f"dSSR/d{p}"] = gradient_factor * v
    for p in SQ_TRAINED:
        reported = gradient_factor * g[p]
        q[f"{p}_new"] = {"p - eta*g": SQ[p] - SQ_ETA * reported,
                         "p + eta*g": SQ[p] + SQ_ETA * reported,
                         "p - eta*eta*g": SQ[p] - SQ_ETA * SQ_ETA * reported}[update]
    return q


SQ_TRUE = statquest_by_hand()


# ---------------------------------------------------------------- the 2-2-2 networks, by hand

W222 = {"w1": 0.15, "w2": -0.25, "w3": 0.35, "w4": 0.45, "b1": 0.1, "b2": -0.1,
        "w5": 0.6, "w6": -0.5, "w7": -0.3, "w8": 0.8, "b3": 0.2, "b4": 0.05}
ETA_222 = 0.3
ONE_SAMPLE = [((0.4, 0.9), (0.9, 0.2))]  # ((x1, x2), (t1, t2))
TWO = [*ONE_SAMPLE, ((1.0, -0.5), (0.1, 0.7))]


def net222_by_hand(samples, *, dloss_factor: float = 1.0, prime_out: str = "h",
                   prime_hidden: str = "h", backward: dict[str, float] = W222,
                   dropped: frozenset[tuple[str, str]] = frozenset(), gradient_factor: float = 1.0,
                   update: str = "p - eta*g") -> dict[str, float]:
    """One step of the 2-2-2 sigmoid network of tests/answers/two-outputs.yaml (one sample, E =
    ½Σ(t − o)²) or two-samples.yaml (two samples, L = (1/4)Σ(t − o)²), written out.

    The keywords are a student's slips: dloss_factor multiplies ∂L/∂o (−1 the sign, 2 or ½ the
    factor two); prime_* = "z" writes σ′ as z(1 − z) instead of h(1 − h); backward holds the
    weights used on the way back; dropped leaves out the path (output, hidden) in ∂L/∂hidden;
    gradient_factor=η reports η·g; update is how the new param is formed.
    """
    w = W222
    multi = len(samples) > 1
    loss = "L" if multi else "E"
    c = 2 / (2 * len(samples)) if multi else 1.0  # ∂L/∂o = c·(o − t): mse 2/N, half_sse 1
    q: dict[str, float] = {}
    g = dict.fromkeys(w, 0.0)
    for k, ((x1, x2), (t1, t2)) in enumerate(samples, start=1):
        s = f"[{k}]" if multi else ""
        z1 = w["w1"] * x1 + w["w2"] * x2 + w["b1"]
        h1 = sigma(z1)
        z2 = w["w3"] * x1 + w["w4"] * x2 + w["b2"]
        h2 = sigma(z2)
        z3 = w["w5"] * h1 + w["w6"] * h2 + w["b3"]
        o1 = sigma(z3)
        z4 = w["w7"] * h1 + w["w8"] * h2 + w["b4"]
        o2 = sigma(z4)
        d_o1 = dloss_factor * c * (o1 - t1)  # ∂L/∂o = −c(t − o)
        d_o2 = dloss_factor * c * (o2 - t2)
        o1_z3 = o1 * (1 - o1) if prime_out == "h" else z3 * (1 - z3)
        o2_z4 = o2 * (1 - o2) if prime_out == "h" else z4 * (1 - z4)
        d3, d4 = d_o1 * o1_z3, d_o2 * o2_z4  # δ = ∂L/∂z
        b = backward
        d_h1 = (d3 * b["w5"] if ("o1", "h1") not in dropped else 0.0) + \
               (d4 * b["w7"] if ("o2", "h1") not in dropped else 0.0)  # two paths: via o1 and o2
        d_h2 = (d3 * b["w6"] if ("o1", "h2") not in dropped else 0.0) + \
               (d4 * b["w8"] if ("o2", "h2") not in dropped else 0.0)
        h1_z1 = h1 * (1 - h1) if prime_hidden == "h" else z1 * (1 - z1)
        h2_z2 = h2 * (1 - h2) if prime_hidden == "h" else z2 * (1 - z2)
        d1, d2 = d_h1 * h1_z1, d_h2 * h2_z2
        q.update({f"z1{s}": z1, f"h1{s}": h1, f"z2{s}": z2, f"h2{s}": h2, f"z3{s}": z3,
                  f"o1{s}": o1, f"z4{s}": z4, f"o2{s}": o2,
                  f"d{loss}/do1{s}": d_o1, f"d{loss}/do2{s}": d_o2,
                  f"do1/dz3{s}": o1_z3, f"do2/dz4{s}": o2_z4,
                  f"d{loss}/dz3{s}": d3, f"d{loss}/dz4{s}": d4,
                  f"d{loss}/dh1{s}": d_h1, f"d{loss}/dh2{s}": d_h2,
                  f"dh1/dz1{s}": h1_z1, f"dh2/dz2{s}": h2_z2,
                  f"d{loss}/dz1{s}": d1, f"d{loss}/dz2{s}": d2})
        for p, v in (("w1", d1 * x1), ("w2", d1 * x2), ("b1", d1), ("w3", d2 * x1), ("w4", d2 * x2),
                     ("b2", d2), ("w5", d3 * h1), ("w6", d3 * h2), ("b3", d3), ("w7", d4 * h1),
                     ("w8", d4 * h2), ("b4", d4)):
            g[p] += v
    for p in w:
        reported = gradient_factor * g[p]
        q[f"d{loss}/d{p}"] = reported
        q[f"{p}_new"] = {"p - eta*g": w[p] - ETA_222 * reported,
                         "p + eta*g": w[p] + ETA_222 * reported,
                         "p - eta*eta*g": w[p] - ETA_222 * ETA_222 * reported}[update]
    return q


ONE_TRUE = net222_by_hand(ONE_SAMPLE)
TWO_TRUE = net222_by_hand(TWO)
ONE_NEW = {p: ONE_TRUE[f"{p}_new"] for p in W222}
TWO_NEW = {p: TWO_TRUE[f"{p}_new"] for p in W222}


@pytest.mark.parametrize(("net", "truth"), [("statquest", SQ_TRUE), (TWO_OUTPUTS, ONE_TRUE),
                                            (TWO_SAMPLES, TWO_TRUE)],
                         ids=["statquest", "two-outputs", "two-samples"])
def test_the_hand_calculations_are_marked_all_correct(net, truth, tmp_path) -> None:
    # the sheets of true values: checks these hand calculations and every name they use at once
    code, results = check_json(net, tmp_path, {k: written(v) for k, v in truth.items()})
    assert code == 0
    assert {k: r["verdict"] for k, r in results.items()} == dict.fromkeys(truth, "correct")


# ---------------------------------------------------------------- every mistake code, by hand

def _case(net: str, key: str, value: float, code: str, id: str, **marks):
    return pytest.param(net, key, written(value), code, id=id, **marks)


MISTAKE_CASES = [
    # -- StatQuest: three samples, SSR, softplus hidden nodes, η = 0.1
    _case("statquest", "dSSR/dw3", statquest_by_hand(residual_sign=-1)["dSSR/dw3"], "sign",
          "statquest-sign-2(observed-predicted)"),
    _case("statquest", "dSSR/dpredicted[2]", statquest_by_hand(residual_sign=-1)["dSSR/dpredicted[2]"],
          "sign", "statquest-sign-per-sample"),
    _case("statquest", "w4_new", statquest_by_hand(update="p + eta*g")["w4_new"], "sign",
          "statquest-sign-update-added"),
    _case("statquest", "dSSR/db3", statquest_by_hand(two=1)["dSSR/db3"], "factor_of_two",
          "statquest-factor-two-dropped"),
    _case("statquest", "dSSR/dw1", statquest_by_hand(two=1)["dSSR/dw1"], "factor_of_two",
          "statquest-factor-two-dropped-hidden"),
    _case("statquest", "w3_new", statquest_by_hand(update="p - eta*eta*g")["w3_new"],
          "learning_rate_applied", "statquest-eta-twice"),
    _case("statquest", "dSSR/db1", statquest_by_hand(softplus_prime_at="y")["dSSR/db1"],
          "pre_activation", "statquest-softplus-prime-at-y"),
    _case("statquest", "dy2/dx2[3]", statquest_by_hand(softplus_prime_at="y")["dy2/dx2[3]"],
          "pre_activation", "statquest-softplus-prime-at-y-factor"),
    _case("statquest", "dSSR/dy2[1]", statquest_by_hand(backward_w4=SQ_TRUE["w4_new"])["dSSR/dy2[1]"],
          "updated_weight", "statquest-updated-w4-per-sample"),
    _case("statquest", "dSSR/db2", statquest_by_hand(backward_w4=SQ_TRUE["w4_new"])["dSSR/db2"],
          "updated_weight", "statquest-updated-w4"),
    _case("statquest", "dSSR/dw3", 10 * SQ_TRUE["dSSR/dw3"], "decimal_shift", "statquest-decimal-x10"),
    _case("statquest", "y2[3]", 100 * SQ_TRUE["y2[3]"], "decimal_shift", "statquest-decimal-x100"),
    # -- two-outputs: one sample, each hidden node reaches E through o1 and o2, η = 0.3
    _case(TWO_OUTPUTS, "dE/do1", net222_by_hand(ONE_SAMPLE, dloss_factor=-1)["dE/do1"], "sign",
          "two-outputs-sign-dE/do"),
    _case(TWO_OUTPUTS, "dE/dw1", net222_by_hand(ONE_SAMPLE, dloss_factor=-1)["dE/dw1"], "sign",
          "two-outputs-sign-hidden-weight"),
    _case(TWO_OUTPUTS, "w8_new", net222_by_hand(ONE_SAMPLE, update="p + eta*g")["w8_new"], "sign",
          "two-outputs-sign-update-added"),
    _case(TWO_OUTPUTS, "dE/dw5", net222_by_hand(ONE_SAMPLE, dloss_factor=2)["dE/dw5"],
          "factor_of_two", "two-outputs-half-forgotten"),
    _case(TWO_OUTPUTS, "dE/dw2", net222_by_hand(ONE_SAMPLE, dloss_factor=2)["dE/dw2"],
          "factor_of_two", "two-outputs-half-forgotten-hidden"),
    _case(TWO_OUTPUTS, "dE/dw6", net222_by_hand(ONE_SAMPLE, gradient_factor=ETA_222)["dE/dw6"],
          "learning_rate_applied", "two-outputs-eta-times-gradient"),
    _case(TWO_OUTPUTS, "w2_new", net222_by_hand(ONE_SAMPLE, update="p - eta*eta*g")["w2_new"],
          "learning_rate_applied", "two-outputs-eta-twice"),
    _case(TWO_OUTPUTS, "do1/dz3", net222_by_hand(ONE_SAMPLE, prime_out="z")["do1/dz3"],
          "pre_activation", "two-outputs-z(1-z)-factor"),
    _case(TWO_OUTPUTS, "dE/dw5", net222_by_hand(ONE_SAMPLE, prime_out="z")["dE/dw5"],
          "pre_activation", "two-outputs-z(1-z)-output-weight"),
    _case(TWO_OUTPUTS, "dE/dw3", net222_by_hand(ONE_SAMPLE, prime_out="z", prime_hidden="z")["dE/dw3"],
          "pre_activation", "two-outputs-z(1-z)-everywhere"),
    _case(TWO_OUTPUTS, "dE/dh1", net222_by_hand(ONE_SAMPLE, backward=ONE_NEW)["dE/dh1"],
          "updated_weight", "two-outputs-updated-w5-w7"),
    _case(TWO_OUTPUTS, "dE/dw2", net222_by_hand(ONE_SAMPLE, backward=ONE_NEW)["dE/dw2"],
          "updated_weight", "two-outputs-updated-weights-hidden-gradient"),
    _case(TWO_OUTPUTS, "dE/dh2", net222_by_hand(ONE_SAMPLE, dropped=frozenset({("o2", "h2")}))["dE/dh2"],
          "missing_path", "two-outputs-path-via-o2-left-out"),
    _case(TWO_OUTPUTS, "dE/dw1", net222_by_hand(ONE_SAMPLE, dropped=frozenset({("o1", "h1")}))["dE/dw1"],
          "missing_path", "two-outputs-path-via-o1-left-out"),
    _case(TWO_OUTPUTS, "h2", ONE_TRUE["h2"] / 10, "decimal_shift", "two-outputs-decimal-div10"),
    _case(TWO_OUTPUTS, "dE/db4", 100 * ONE_TRUE["dE/db4"], "decimal_shift", "two-outputs-decimal-x100"),
    # -- two-samples: both at once (two samples and the two-path sums), L = mse over N = 4
    _case(TWO_SAMPLES, "dL/dw7", net222_by_hand(TWO, dloss_factor=-1)["dL/dw7"], "sign",
          "two-samples-sign"),
    _case(TWO_SAMPLES, "dL/db2", net222_by_hand(TWO, dloss_factor=0.5)["dL/db2"], "factor_of_two",
          "two-samples-2-dropped"),
    _case(TWO_SAMPLES, "dL/dw8", net222_by_hand(TWO, gradient_factor=ETA_222)["dL/dw8"],
          "learning_rate_applied", "two-samples-eta-times-gradient"),
    _case(TWO_SAMPLES, "dL/dw4", net222_by_hand(TWO, prime_out="z", prime_hidden="z")["dL/dw4"],
          "pre_activation", "two-samples-z(1-z)-everywhere"),
    _case(TWO_SAMPLES, "dL/dw3", net222_by_hand(TWO, backward=TWO_NEW)["dL/dw3"], "updated_weight",
          "two-samples-updated-weights"),
    _case(TWO_SAMPLES, "dL/dh1[2]", net222_by_hand(TWO, dropped=frozenset({("o2", "h1")}))["dL/dh1[2]"],
          "missing_path", "two-samples-path-left-out-per-sample"),
    _case(TWO_SAMPLES, "dL/dw2", net222_by_hand(TWO, dropped=frozenset({("o1", "h1")}))["dL/dw2"],
          "missing_path", "two-samples-path-left-out-in-both-samples"),
    _case(TWO_SAMPLES, "o2[2]", 10 * TWO_TRUE["o2[2]"], "decimal_shift", "two-samples-decimal-x10"),
]


@pytest.mark.parametrize(("net", "key", "text", "code"), MISTAKE_CASES)
def test_a_hand_made_slip_is_wrong_and_named(net, key, text, code, tmp_path) -> None:
    exit_code, results = check_json(net, tmp_path, {key: text})
    assert exit_code == 1
    r = results[key]
    assert (r["verdict"], r["mistake"]) == ("wrong", code), r["explanation"]
    assert text in r["explanation"]  # the sentence quotes the student's number


def test_every_catalogued_code_has_hand_made_cases_on_two_networks() -> None:
    from backprop.check import MISTAKES

    nets: dict[str, set[str]] = {}
    for case in MISTAKE_CASES:
        net, _, _, code = case.values
        nets.setdefault(code, set()).add(net)
    nets.setdefault("reduction", set()).update(n for n, _, _ in REDUCTION_CASES)
    assert set(MISTAKES) <= set(nets)
    assert all(len(v) >= 2 for v in nets.values()), nets


# The catalogue's `reduction` (mean and sum confused). The models have it inverted: for a sum they
# try "not divided by N" (×N, which a sum never is) and for a mean "divided by N" again (÷N).
REDUCTION_CASES = [
    # SSR is a sum over three samples; the student divides by N = 3 as for a mean
    ("statquest", "dSSR/dw3", written(SQ_TRUE["dSSR/dw3"] / 3)),
    # mse divides by N = 4; the student forgets the 1/N: ∂L/∂o = −2(t − o)
    ("two-samples", "dL/dw6", written(net222_by_hand(TWO, dloss_factor=4)["dL/dw6"])),
]


@pytest.mark.parametrize(("net", "key", "text"), REDUCTION_CASES, ids=["sum-divided", "mean-not-divided"])
def test_mean_and_sum_confused_is_named_reduction(net, key, text, tmp_path) -> None:
    path = TWO_SAMPLES if net == "two-samples" else net
    _, results = check_json(path, tmp_path, {key: text})
    assert (results[key]["verdict"], results[key]["mistake"]) == ("wrong", "reduction")


def test_learning_rate_and_decimal_shift_coincide_at_eta_0_1(tmp_path) -> None:
    # η = 0.1: η·g is also g shifted one place; the plausible one is named, the other mentioned
    text = written(SQ_ETA * SQ_TRUE["dSSR/dw4"])
    _, results = check_json("statquest", tmp_path, {"dSSR/dw4": text})
    r = results["dSSR/dw4"]
    assert (r["verdict"], r["mistake"]) == ("wrong", "learning_rate_applied")
    assert "decimal_shift" in r["also"] and "decimal_shift" in r["explanation"]


def test_learning_rate_and_factor_two_coincide_at_eta_0_5(tmp_path) -> None:
    # the bundled Mazur network has η = 0.5, so η·g = g/2: one code named, the other mentioned,
    # never two verdicts. By hand: ∂E/∂w5 = (out_o1 − t1)·out_o1(1 − out_o1)·out_h1.
    h1 = sigma(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = sigma(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o1 = sigma(0.40 * h1 + 0.45 * h2 + 0.60)
    g5 = (o1 - 0.01) * o1 * (1 - o1) * h1  # 0.0822 (Mazur's page: 0.082167041)
    assert g5 == pytest.approx(0.082167041, abs=1e-9)
    text = written(g5 / 2)
    exit_code, results = check_json("layered", tmp_path, {"dE/dw2_11": text})
    r = results["dE/dw2_11"]
    assert exit_code == 1
    assert r["verdict"] == "wrong"
    assert r["mistake"] in ("learning_rate_applied", "factor_of_two")
    other = ({"learning_rate_applied", "factor_of_two"} - {r["mistake"]}).pop()
    assert other in r["also"] and other in r["explanation"]


def test_a_halved_loss_derivative_is_not_blamed_on_the_learning_rate(tmp_path) -> None:
    h1 = sigma(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = sigma(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o1 = sigma(0.40 * h1 + 0.45 * h2 + 0.60)
    # E = ½Σ(t − o)²: ∂E/∂o1 = −(t1 − o1) = 0.7414; "the 2 of the square dropped" halves it
    text = written((o1 - 0.01) / 2)
    _, results = check_json("layered", tmp_path, {"dE/dout2_1": text})
    r = results["dE/dout2_1"]
    assert (r["verdict"], r["mistake"]) == ("wrong", "factor_of_two"), r["explanation"]
    assert "which has none" not in r["explanation"]


@pytest.mark.parametrize(("key", "text"), [("z1", written(Z1 / 10)), ("h1", written(H1 / 10)),
                                           ("x1", written(X1 / 10)),
                                           ("L_new", written(walkthrough_loss_after_the_step() / 10))])
def test_a_forward_value_shifted_one_place_is_a_decimal_shift(key, text, tmp_path) -> None:
    _, results = check_json("walkthrough", tmp_path, {key: text})
    assert (results[key]["verdict"], results[key]["mistake"]) == ("wrong", "decimal_shift")


def test_z_for_h_in_the_hidden_layer_only_is_named(tmp_path) -> None:
    # the output's σ′ written right, o1(1 − o1); the hidden one as z1(1 − z1)
    text = written(net222_by_hand(ONE_SAMPLE, prime_hidden="z")["dE/dw1"])
    _, results = check_json(TWO_OUTPUTS, tmp_path, {"dE/dw1": text})
    assert (results["dE/dw1"]["verdict"], results["dE/dw1"]["mistake"]) == ("wrong", "pre_activation")


def test_a_slip_made_on_the_students_own_rounded_value_is_named(tmp_path) -> None:
    # StatQuest, dosage 1: predicted[3] = 0.76914, written 0.7691 (correct). The student counts
    # the 2 twice from their own number: ∂SSR/∂predicted[3] = −4(0 − 0.7691) = 3.0764, while
    # twice the exact value is 3.07656, 1.6 units of the fourth decimal away.
    answers = {"predicted[3]": written(SQ_TRUE["predicted[3]"]),
               "dSSR/dpredicted[3]": f"{-4 * (0 - float(written(SQ_TRUE['predicted[3]']))):.4f}"}
    assert answers == {"predicted[3]": "0.7691", "dSSR/dpredicted[3]": "3.0764"}
    _, results = check_json("statquest", tmp_path, answers)
    assert results["predicted[3]"]["verdict"] == "correct"
    r = results["dSSR/dpredicted[3]"]
    assert (r["verdict"], r["mistake"]) == ("wrong", "factor_of_two"), r["explanation"]


def test_an_unexplained_wrong_answer_is_wrong_without_a_code(tmp_path) -> None:
    exit_code, results = check_json(TWO_OUTPUTS, tmp_path, {"dE/dw5": "0.3141"})
    r = results["dE/dw5"]
    assert exit_code == 1
    assert (r["verdict"], r["mistake"]) == ("wrong", None)
    assert f"{ONE_TRUE['dE/dw5']:.4f}" in r["explanation"]  # the true value, to the places written


# ---------------------------------------------------------------- error carried forward

def test_a_wrong_y_hat_carries_into_the_loss_and_its_derivatives(tmp_path) -> None:
    y = 0.7  # the student's ŷ (the true one is 0.6457); everything below is from 0.7
    answers = {"y_hat": "0.7000",
               "L": written((1 - y) ** 2),  # 0.09000
               "dL/dy_hat": written(-2 * (1 - y)),  # −0.6000
               "dy_hat/dz3": written(y * (1 - y))}  # 0.2100
    exit_code, results = check_json("walkthrough", tmp_path, answers)
    assert exit_code == 1  # ŷ itself is wrong
    assert results["y_hat"]["verdict"] == "wrong"
    for key in ("L", "dL/dy_hat", "dy_hat/dz3"):
        assert results[key]["verdict"] == "carried_forward", (key, results[key]["explanation"])
        assert "y_hat = 0.7000" in results[key]["explanation"]


def test_a_wrong_gradient_carries_into_the_update(tmp_path) -> None:
    g = -0.2  # the student's ∂L/∂w5 (true −0.0998)
    answers = {"dL/dw5": "-0.2000", "w5_new": written(W5 - ETA_W * g)}  # 0.5700
    _, results = check_json("walkthrough", tmp_path, answers)
    assert results["dL/dw5"]["verdict"] == "wrong"
    r = results["w5_new"]
    assert r["verdict"] == "carried_forward"
    assert "dL/dw5 = -0.2000" in r["explanation"] and "0.560" in r["explanation"]


def test_wrong_factors_carry_into_their_product(tmp_path) -> None:
    # σ′ written z3(1 − z3) = 0.2399 (pre_activation) and ∂z3/∂w5 copied as w5 = 0.55: both wrong;
    # the product is taken of the numbers on the sheet, as by hand
    d_y, local = written(DL_DY), written(Z3 * (1 - Z3))
    answers = {"dL/dy_hat": d_y, "dy_hat/dz3": local, "dz3/dw5": "0.5500",
               "dL/dw5": written(float(d_y) * float(local) * 0.55)}
    _, results = check_json("walkthrough", tmp_path, answers)
    assert results["dL/dy_hat"]["verdict"] == "correct"
    assert (results["dy_hat/dz3"]["verdict"], results["dy_hat/dz3"]["mistake"]) == \
        ("wrong", "pre_activation")
    assert results["dz3/dw5"]["verdict"] == "wrong"
    r = results["dL/dw5"]
    assert r["verdict"] == "carried_forward", r["explanation"]
    assert "dy_hat/dz3" in r["explanation"] and "dz3/dw5" in r["explanation"]


def test_carried_forward_per_sample_into_a_gradient_over_samples(tmp_path) -> None:
    # StatQuest: the student's predicted[2] is 0.9 (true 0.8374); their ∂SSR/∂predicted[2] and
    # ∂SSR/∂w3 follow from it, the other samples being right
    d2 = -2 * (1 - 0.9)
    g3 = (SQ_TRUE["dSSR/dpredicted[1]"] * SQ_TRUE["y1[1]"] + d2 * SQ_TRUE["y1[2]"]
          + SQ_TRUE["dSSR/dpredicted[3]"] * SQ_TRUE["y1[3]"])
    answers = {"predicted[2]": "0.9000", "dSSR/dpredicted[2]": written(d2), "dSSR/dw3": written(g3)}
    _, results = check_json("statquest", tmp_path, answers)
    assert results["predicted[2]"]["verdict"] == "wrong"
    assert results["dSSR/dpredicted[2]"]["verdict"] == "carried_forward"
    assert results["dSSR/dw3"]["verdict"] == "carried_forward"


def test_a_later_answer_that_does_not_follow_is_still_wrong(tmp_path) -> None:
    answers = {"dL/dw5": "-0.2000", "w5_new": "0.6000"}  # 0.55 − 0.1·(−0.2) = 0.57, not 0.60
    exit_code, results = check_json("walkthrough", tmp_path, answers)
    assert exit_code == 1
    assert results["w5_new"]["verdict"] == "wrong"


def test_a_slip_named_then_carried_through_a_whole_sheet(tmp_path) -> None:
    # the student writes ∂E/∂o = (t − o), sign flipped, and carries it honestly through the
    # backward pass, each step from the numbers already on the sheet (four significant figures)
    sheet: dict[str, str] = {}

    def put(key: str, value: float) -> float:
        sheet[key] = written(value)
        return float(sheet[key])

    x1 = 0.4
    h1, o1, o2 = put("h1", ONE_TRUE["h1"]), put("o1", ONE_TRUE["o1"]), put("o2", ONE_TRUE["o2"])
    d_o1, d_o2 = put("dE/do1", 0.9 - o1), put("dE/do2", 0.2 - o2)  # the slip: (t − o)
    d3 = put("dE/dz3", d_o1 * put("do1/dz3", o1 * (1 - o1)))
    d4 = put("dE/dz4", d_o2 * put("do2/dz4", o2 * (1 - o2)))
    d_h1 = put("dE/dh1", d3 * W222["w5"] + d4 * W222["w7"])
    d1 = put("dE/dz1", d_h1 * put("dh1/dz1", h1 * (1 - h1)))
    put("dE/dw1", d1 * x1)
    g5 = put("dE/dw5", d3 * h1)
    put("w5_new", W222["w5"] - ETA_222 * g5)
    _, results = check_json(TWO_OUTPUTS, tmp_path, sheet)
    for k in ("h1", "o1", "o2", "do1/dz3", "do2/dz4", "dh1/dz1"):
        assert results[k]["verdict"] == "correct", k
    for k in ("dE/do1", "dE/do2"):
        assert (results[k]["verdict"], results[k]["mistake"]) == ("wrong", "sign")
    for k in ("dE/dz3", "dE/dz4", "dE/dh1", "dE/dz1", "dE/dw1", "dE/dw5", "w5_new"):
        assert results[k]["verdict"] == "carried_forward", (k, results[k]["explanation"])


def test_carried_forward_through_a_softmax_group(tmp_path) -> None:
    # softmax-classifier, sample 1 (class 2): a1 = relu(0.5·1 + 0.3·2 + 0.1) = 1.2,
    # a2 = relu(−0.4 + 1.2 + 0.2) = 1.0, a3 = relu(0.7 − 0.4 − 0.1) = 0.2
    a = (1.2, 1.0, 0.2)
    v = ((0.2, -0.3, 0.5), (-0.1, 0.6, 0.2), (0.4, 0.1, -0.3))
    c = (0.0, 0.1, -0.1)
    s = [sum(vi * ai for vi, ai in zip(row, a, strict=True)) + ci for row, ci in zip(v, c, strict=True)]
    p = [math.exp(si) / sum(math.exp(sj) for sj in s) for si in s]
    # L = −(1/2)Σ t ln p, so ∂L/∂p2 = −1/(2·p2); the student writes it with the sign flipped
    g = [0.0, 1 / (2 * p[1]), 0.0]
    mean = sum(gk * pk for gk, pk in zip(g, p, strict=True))
    deltas = [pj * (gj - mean) for pj, gj in zip(p, g, strict=True)]  # δ_j = p_j(g_j − Σ g_k p_k)
    answers = {"dL/dp2[1]": written(g[1]), **{f"dL/ds{j}[1]": written(d) for j, d in
                                              enumerate(deltas, start=1)}}
    _, results = check_json("softmax-classifier", tmp_path, answers)
    assert (results["dL/dp2[1]"]["verdict"], results["dL/dp2[1]"]["mistake"]) == ("wrong", "sign")
    for j in (1, 2, 3):
        assert results[f"dL/ds{j}[1]"]["verdict"] == "carried_forward", results[f"dL/ds{j}[1]"]


# ---------------------------------------------------------------- tolerance from what was written

# tests/answers/exact.yaml: zh = 0.5, y = 1, E = 0.125, ∂E/∂v = 0.25, ∂E/∂u = 0, v_new = 1.9375,
# E_new = 1.07861328125, x0 = 0 — all exact in binary, so the edges are exact edges
@pytest.mark.parametrize(("key", "text", "verdict"), [
    ("dE/dv", "0.2", "correct"),  # 0.25 − 0.2 = 0.05: exactly half a unit of the first decimal
    ("dE/dv", "0.3", "correct"),  # exactly half a unit above
    ("E", "0.12", "correct"),  # 0.125: exactly half a unit of the second decimal, both ways
    ("E", "0.13", "correct"),
    ("zh", "0.4", "rounding"),  # 0.5 − 0.4 = 0.1: exactly one unit
    ("zh", "0.6", "rounding"),
    ("zh", "0.3", "wrong"),  # two units
    ("dE/dv", "0.24", "rounding"),  # one unit of the second decimal
    ("dE/dv", "0.23", "wrong"),
    ("v_new", "1.94", "correct"),  # 1.9375: a quarter unit
    ("v_new", "1.93", "rounding"),  # three quarters of a unit
    ("v_new", "1.9375", "correct"),
    ("v_new", "1.9376", "rounding"),  # one unit of the fourth decimal
    ("v_new", "1.9377", "wrong"),
    ("y", "1", "correct"),  # an integer
    ("y", "1.0", "correct"),
    ("zh", "0", "correct"),  # 0.5 at no decimals: exactly half a unit
    ("zh", "1", "correct"),
    ("y", "2", "rounding"),  # one unit at no decimals
    ("y", "3", "wrong"),
    ("x0", "0", "correct"),  # a value of 0
    ("x0", "-0.0", "correct"),
    ("dE/du", "-0.0", "correct"),
    ("dE/du", "0.000", "correct"),
    ("dE/du", "0.001", "rounding"),
    ("dE/du", "0.002", "wrong"),
    ("dE/du", "1e-3", "rounding"),  # scientific notation: the last digit is at 10⁻³
    ("dE/dv", "2.5e-1", "correct"),
    ("dE/dv", "2e-1", "correct"),  # 10⁻¹: half a unit off
    ("dE/dw", "2e0", "correct"),
    ("E_new", "1.0786", "correct"),
    ("E_new", "1.07861328125", "correct"),
    ("E_new", "1.0787", "rounding"),  # 1.07861328125 → 1.0786; 1.0787 is 0.87 of a unit off
])
def test_tolerance_is_read_from_the_written_digits(key, text, verdict, tmp_path) -> None:
    # the written-decimals rule alone (`--precision written`, the rule before a required
    # precision); tests/test_required_precision.py holds the default's edges
    _, results = check_json(EXACT, tmp_path, {key: text}, "--precision", "written")
    assert results[key]["verdict"] == verdict, results[key]


@pytest.mark.parametrize(("text", "decimals"), [("0.470", 3), ("-0.71", 2), ("0.47", 2), ("1", 0),
                                                ("1e-3", 3), ("4.7e-1", 2), ("0.4700", 4)])
def test_decimals_are_read_from_the_text_not_the_float(text, decimals, tmp_path) -> None:
    _, results = check_json("walkthrough", tmp_path, {"z1": text})
    assert results["z1"]["decimals"] == decimals


def test_trailing_zeros_make_an_answer_stricter(tmp_path) -> None:
    # 0.6457 written as 0.65 is right to two places; as 0.6500 it is wrong to four
    _, loose = check_json("walkthrough", tmp_path, {"y_hat": "0.65"}, "--precision", "written")
    _, strict = check_json("walkthrough", tmp_path, {"y_hat": "0.6500"}, "--precision", "written")
    assert loose["y_hat"]["verdict"] == "correct"
    assert strict["y_hat"]["verdict"] == "wrong"
    # at the default 3 decimals 0.65 is right only at its own two: imprecise; 0.6500 still wrong
    _, loose = check_json("walkthrough", tmp_path, {"y_hat": "0.65"})
    _, strict = check_json("walkthrough", tmp_path, {"y_hat": "0.6500"})
    assert loose["y_hat"]["verdict"] == "imprecise"
    assert strict["y_hat"]["verdict"] == "wrong"


@pytest.mark.parametrize(("tolerance", "key", "text", "verdict"), [
    ("0.01", "dE/dv", "0.26", "correct"),  # |0.26 − 0.25| = 0.01 ≤ 0.01
    ("0.01", "dE/dv", "0.2", "wrong"),  # half a written unit, but 0.05 > 0.01
    ("0.01", "dE/dv", "0.24", "correct"),  # no `rounding` under a teacher's tolerance
    ("0.001", "dE/du", "0.001", "correct"),
    ("0.001", "dE/du", "-0.002", "wrong"),
    ("1%", "v_new", "1.95", "correct"),  # 0.0125 / 1.9375 = 0.65 %
    ("1%", "v_new", "1.96", "wrong"),  # 1.16 %
    ("1%", "dE/du", "0", "correct"),  # 1 % of 0 is 0: only 0 itself
    ("1%", "dE/du", "0.0001", "wrong"),
    ("10%", "E", "0.1", "wrong"),  # 20 % off
    ("20%", "E", "0.1", "correct"),
])
def test_a_teachers_tolerance_replaces_the_written_one(tolerance, key, text, verdict, tmp_path) -> None:
    _, results = check_json(EXACT, tmp_path, {key: text}, "--tolerance", tolerance)
    assert results[key]["verdict"] == verdict, results[key]


def test_a_wrong_answer_under_a_tolerance_shows_a_true_value_that_differs(tmp_path) -> None:
    _, results = check_json(EXACT, tmp_path, {"E": "0.1"}, "--tolerance", "0.01")
    assert results["E"]["verdict"] == "wrong"
    assert "0.125" in results["E"]["explanation"]


@pytest.mark.parametrize("bad", ["abc", "-1", "5%%", "nan", "inf"])
def test_a_bad_tolerance_is_exit_2(bad, tmp_path) -> None:
    sheet = write_sheet(tmp_path, {"E": "0.125"})
    result = invoke("check", EXACT, str(sheet), "--tolerance", bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--tolerance" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- names (FORMAT §2)

@pytest.mark.parametrize(("net", "key", "value"), [
    ("walkthrough", "∂L/∂w5", G5),
    ("walkthrough", "∂L/∂y_hat", DL_DY),
    ("walkthrough", "dL/dw5", G5),
    ("walkthrough", "w5_new", W5 - ETA_W * G5),
    ("walkthrough", "w5'", W5 - ETA_W * G5),
    ("walkthrough", "w5+", W5 - ETA_W * G5),
    ("walkthrough", "dy_hat/dz3", DY_DZ3),
    ("walkthrough", "dz3/dw5", H1),
    ("walkthrough", "L", (1 - Y) ** 2),
    ("walkthrough", "L_new", walkthrough_loss_after_the_step()),
    ("statquest", "dSSR/dpredicted[3]", SQ_TRUE["dSSR/dpredicted[3]"]),
    ("statquest", "x1[2]", SQ_TRUE["x1[2]"]),
    ("statquest", "∂SSR/∂w3", SQ_TRUE["dSSR/dw3"]),
    ("statquest", "b3_new", SQ_TRUE["b3_new"]),
    (TWO_SAMPLES, "z1[2]", TWO_TRUE["z1[2]"]),
    (TWO_SAMPLES, "dL/dh1[1]", TWO_TRUE["dL/dh1[1]"]),
])
def test_every_spelling_of_format_2(net, key, value, tmp_path) -> None:
    exit_code, results = check_json(net, tmp_path, {key: written(value)})
    assert exit_code == 0, results
    assert results[key]["verdict"] == "correct"
    assert results[key]["expected"] == pytest.approx(value, rel=1e-12)


def test_the_loss_after_the_update_by_its_own_name(tmp_path) -> None:
    # SSR_new: StatQuest's loss recomputed with w3, w4, b3 updated (the first layer frozen)
    new = {p: SQ_TRUE[f"{p}_new"] for p in SQ_TRAINED}
    ssr = sum((obs - (new["w3"] * SQ_TRUE[f"y1[{k}]"] + new["w4"] * SQ_TRUE[f"y2[{k}]"] + new["b3"])) ** 2
              for k, obs in enumerate(OBSERVED, start=1))
    _, results = check_json("statquest", tmp_path, {"SSR_new": written(ssr)})
    assert results["SSR_new"]["verdict"] == "correct"


@pytest.mark.parametrize(("net", "key", "suggestion"), [
    ("walkthrough", "yhat", "y_hat"),
    ("walkthrough", "dL/dw7", "dL/dw6"),
    ("walkthrough", "w7_new", "w6_new"),
    ("walkthrough", "dL/dyhat", "dL/dy_hat"),
    ("statquest", "dL/dw3", "dSSR/dw3"),  # the loss is called SSR here
    (TWO_OUTPUTS, "zz3", "z3"),
])
def test_a_key_that_names_nothing_is_unknown_with_the_nearest_names(net, key, suggestion, tmp_path) -> None:
    exit_code, results = check_json(net, tmp_path, {key: "0.5"})
    assert exit_code == 1
    r = results[key]
    assert (r["verdict"], r["mistake"], r["expected"]) == ("unknown", None, None)
    assert f"'{suggestion}'" in r["explanation"]


@pytest.mark.parametrize(("key", "hint"), [("y1", "y1[1]"), ("dSSR/dpredicted", "dSSR/dpredicted[1]"),
                                           ("x2", "x2[3]")])
def test_a_per_sample_quantity_without_its_sample_is_unknown_and_says_how(key, hint, tmp_path) -> None:
    exit_code, results = check_json("statquest", tmp_path, {key: "0.5"})
    assert exit_code == 1
    assert results[key]["verdict"] == "unknown"
    assert hint in results[key]["explanation"]


def test_a_sample_out_of_range_and_a_param_are_unknown(tmp_path) -> None:
    _, results = check_json("statquest", tmp_path, {"y1[4]": "0.5", "w3": "0.36", "SSR[1]": "0.1"})
    assert all(r["verdict"] == "unknown" for r in results.values())
    assert "3 samples" in results["y1[4]"]["explanation"]
    assert "w3_new" in results["w3"]["explanation"]  # a param is given; its new value is asked


def test_an_edge_factor_is_the_weight(tmp_path) -> None:
    exit_code, results = check_json("walkthrough", tmp_path, {"dz3/dh1": "0.55"})
    assert exit_code == 0
    assert results["dz3/dh1"]["verdict"] == "correct"


# ---------------------------------------------------------------- the walkthrough page

PAGE = str(NETWORKS / "walkthrough.answers.yaml")
PAGE_VERDICTS = {"z1": "correct", "z2": "correct", "h1": "correct", "h2": "correct", "z3": "correct",
                 "y_hat": "rounding", "L": "correct", "dL/dy_hat": "rounding", "dy_hat/dz3": "correct",
                 "dz3/dw5": "correct", "dL/dw5": "wrong", "w5_new": "carried_forward"}
# at the default 3 decimals ∂L/∂ŷ = −0.71 is 1.4 units of the third decimal from the true
# −2(1 − 0.6457) = −0.70858, but exactly −2(1 − 0.645) = −0.710 from the page's own ŷ: accepted
# as a rounding slip carried forward; `--precision written` keeps the page's marking before a
# required precision existed, where −0.71 is right to its two decimals
PAGE_VERDICTS_WRITTEN = {**PAGE_VERDICTS, "dL/dy_hat": "correct"}


def test_the_walkthrough_page_as_json() -> None:
    result = invoke("check", "walkthrough", PAGE, "--format", "json")
    assert result.exit_code == 1  # there is a `wrong`
    assert result.stderr == ""
    report = json.loads(result.stdout)
    assert {r["quantity"]: r["verdict"] for r in report["results"]} == PAGE_VERDICTS
    assert [r["quantity"] for r in report["results"]] == list(PAGE_VERDICTS)  # the sheet's order
    for r in report["results"]:
        assert {"quantity", "given", "decimals", "expected", "verdict", "mistake",
                "explanation"} <= set(r)
        assert (r["mistake"] is None) == (r["quantity"] != "dL/dw5")
    by = {r["quantity"]: r for r in report["results"]}
    assert by["y_hat"]["expected"] == pytest.approx(Y, rel=1e-12)  # full precision, never rounded
    assert (by["y_hat"]["given"], by["y_hat"]["decimals"]) == (0.645, 3)
    assert "0.646" in by["y_hat"]["explanation"]  # 0.6457 rounds to 0.646
    assert (by["dL/dw5"]["given"], by["dL/dw5"]["decimals"]) == (-0.01, 2)
    assert by["dL/dw5"]["expected"] == pytest.approx(G5, rel=1e-12)
    assert by["dL/dw5"]["mistake"] == "learning_rate_applied"
    assert "0.1" in by["dL/dw5"]["explanation"]  # η
    assert by["w5_new"]["expected"] == pytest.approx(W5 - ETA_W * G5, rel=1e-12)
    assert "-0.01" in by["w5_new"]["explanation"] and "0.560" in by["w5_new"]["explanation"]
    assert "is what your own rounded earlier values give" in by["dL/dy_hat"]["explanation"]
    # 10 accepted, of which two rounding slips; the carried-forward and the wrong one are not
    assert (report["score"]["correct"], report["score"]["total"]) == (10, 12)
    assert report["score"]["precision"] == {"kind": "decimals", "value": 3}


def test_the_walkthrough_page_at_its_written_decimals() -> None:
    result = invoke("check", "walkthrough", PAGE, "--format", "json", "--precision", "written")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {r["quantity"]: r["verdict"] for r in report["results"]} == PAGE_VERDICTS_WRITTEN
    assert (report["score"]["correct"], report["score"]["total"]) == (10, 12)
    assert report["score"]["precision"] == {"kind": "written", "value": None}


def test_the_walkthrough_page_as_a_table() -> None:
    result = invoke("check", "walkthrough", PAGE)
    assert result.exit_code == 1
    assert result.stderr == ""
    out = result.stdout
    lines: dict[str, str] = {}
    for line in out.splitlines():
        if line.split():
            lines.setdefault(line.split()[0], line)  # a quantity's row, not a folded explanation
    for key, verdict in PAGE_VERDICTS.items():
        assert verdict in lines[key], (key, lines[key])
    assert "learning_rate_applied" in out
    assert "10/12" in out


# ---------------------------------------------------------------- a class at once

@pytest.fixture
def class_sheets(tmp_path, monkeypatch) -> list[Path]:
    monkeypatch.chdir(tmp_path)  # `backprop check walkthrough ada.yaml bo.yaml cy.yaml`
    right = {"z1": "0.470", "h1": "0.615", "dL/dw5": "-0.100", "w5_new": "0.560"}
    slip = {"z1": "0.470", "h1": "0.615", "dL/dw5": "-0.0100", "w5_new": "0.5510"}
    typo = {"z1": "0.470", "yhat": "0.646"}
    for name, answers in (("ada.yaml", right), ("bo.yaml", slip), ("cy.yaml", typo)):
        write_sheet(tmp_path, answers, name)
    return [Path("ada.yaml"), Path("bo.yaml"), Path("cy.yaml")]


def test_several_files_give_each_detail_then_one_summary_row_each(class_sheets) -> None:
    result = invoke("check", "walkthrough", *map(str, class_sheets))
    assert result.exit_code == 1  # bo has a wrong answer, cy an unknown one
    out = result.stdout
    summary = out[out.index("Summary"):]
    for sheet in class_sheets:
        assert out.index(sheet.name) < out.index("Summary")  # its detail comes first
    rows = {sheet.name: next(line for line in summary.splitlines() if sheet.name in line)
            for sheet in class_sheets}
    assert "4/4" in rows["ada.yaml"]
    assert "2/4" in rows["bo.yaml"] and "dL/dw5" in rows["bo.yaml"]
    assert "1/2" in rows["cy.yaml"] and "yhat" in rows["cy.yaml"]


def test_summary_only(class_sheets) -> None:
    result = invoke("check", "walkthrough", *map(str, class_sheets), "--summary")
    assert result.exit_code == 1
    assert "Summary" in result.stdout
    assert "learning rate was applied" not in result.stdout  # no per-answer explanations
    assert "0.615" not in result.stdout  # no per-answer rows
    for sheet in class_sheets:
        assert sheet.name in result.stdout


def test_an_all_correct_class_exits_0(tmp_path) -> None:
    a = write_sheet(tmp_path, {"z1": "0.47", "y_hat": "0.645"}, "a.yaml")  # a rounding slip is accepted
    b = write_sheet(tmp_path, {"dL/dw5": "-0.0998"}, "b.yaml")
    result = invoke("check", "walkthrough", str(a), str(b), "--summary")
    assert result.exit_code == 0, result.stdout


def test_csv_has_one_row_per_file_and_quantity(class_sheets) -> None:
    result = invoke("check", "walkthrough", *map(str, class_sheets), "--format", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {"file", "quantity", "verdict", "mistake"} <= set(rows[0])
    assert len(rows) == 4 + 4 + 2
    keyed = {(Path(r["file"]).name, r["quantity"]): r for r in rows}
    assert len(keyed) == len(rows)
    assert keyed[("bo.yaml", "dL/dw5")]["verdict"] == "wrong"
    assert keyed[("bo.yaml", "dL/dw5")]["mistake"] == "learning_rate_applied"
    assert keyed[("bo.yaml", "w5_new")]["verdict"] == "carried_forward"
    assert keyed[("cy.yaml", "yhat")]["verdict"] == "unknown"
    assert keyed[("ada.yaml", "w5_new")]["verdict"] == "correct"


def test_json_for_several_files_holds_each_report(class_sheets) -> None:
    result = invoke("check", "walkthrough", *map(str, class_sheets), "--format", "json")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    reports = body["files"]
    assert [len(r["results"]) for r in reports] == [4, 4, 2]
    assert [(r["score"]["correct"], r["score"]["total"]) for r in reports] == [(4, 4), (2, 4), (1, 2)]


# ---------------------------------------------------------------- files that cannot be used: exit 2

@pytest.mark.parametrize(("content", "words"), [
    ("", "empty"),
    ("# only a comment\n", "empty"),
    ("- 0.47\n- 0.62\n", "mapping"),
    ("0.47\n", "mapping"),
    ("z1: 0.47\nz1: 0.48\n", "duplicate"),
    ("z1: abc\n", "number"),
    ("z1: '0.47'\n", "number"),
    ("z1:\n", "number"),
    ("z1: true\n", "number"),
    ("z1: [0.47]\n", "number"),
    ("z1: .nan\n", "finite"),
    ("z1: 0.47\n  h1: 0.6\n", "YAML"),
])
def test_an_unusable_answers_file_is_exit_2_naming_it(content, words, tmp_path) -> None:
    # issue 12: the other sheets are marked all the same; exit 2 once all are done
    good = write_sheet(tmp_path, {"z1": "0.47"}, "good.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    result = invoke("check", "walkthrough", str(good), str(bad))
    assert result.exit_code == 2
    assert "score: 1/1 correct" in result.stdout  # the good file's report
    assert "bad.yaml — not marked" in result.stdout
    assert result.stderr.count("\n") == 1  # one message: the one unusable sheet
    assert str(bad) in result.stderr and words in result.stderr
    assert "Traceback" not in result.stderr
    alone = invoke("check", "walkthrough", str(bad))  # alone: its message, and no report
    assert alone.exit_code == 2 and alone.stdout == "" and alone.stderr.count("\n") == 1
    assert str(bad) in alone.stderr and words in alone.stderr


def test_a_missing_answers_file_is_exit_2_naming_it(tmp_path) -> None:
    missing = tmp_path / "nobody.yaml"
    result = invoke("check", "walkthrough", str(missing))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert str(missing) in result.stderr and result.stderr.count("\n") == 1


def test_a_missing_network_is_exit_2(tmp_path) -> None:
    sheet = write_sheet(tmp_path, {"z1": "0.47"})
    result = invoke("check", str(tmp_path / "no-net.yaml"), str(sheet))
    assert result.exit_code == 2
    assert result.stdout == "" and "no-net.yaml" in result.stderr
