"""`backprop train`: the steps, the stop rules, the report, the JSON and --save, checked against
gradient descent written out independently (sympy's exact derivatives on hand-written losses)."""

from __future__ import annotations

import json
import math
import re
import struct
from itertools import pairwise

import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backprop.cli import _MAX_STEPS, TO_ASCII, cli
from backprop.errors import UsageError
from backprop.notation import fmt
from backprop.render.train import HEIGHT, curve, default_every
from backprop.save import Source, with_params
from backprop.spec import parse
from backprop.train import DEFAULT_WINDOW, MAX_STEPS, train
from backprop.yamlsafe import load_text
from conftest import NETWORKS
from test_hostile import CORPUS, assert_one_error, expectations

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def invoke(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def train_json(*args: str) -> dict:
    result = invoke("train", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# ---------------------------------------------------------------- an independent gradient descent

def sympy_descent(loss: sp.Expr, start: dict[str, float], eta: float, steps: int,
                  frozen: frozenset[str] = frozenset()) -> tuple[list[float], dict[str, float]]:
    """p ← p − η·∂L/∂p, `steps` times, with sympy's exact derivatives evaluated to 40 digits."""
    symbols = {name: sp.Symbol(name) for name in start}
    grads = {name: sp.diff(loss, symbols[name]) for name in start if name not in frozen}
    values = {name: sp.Float(v, 40) for name, v in start.items()}
    losses = []
    for _ in range(steps):
        at = {symbols[n]: v for n, v in values.items()}
        losses.append(float(loss.evalf(40, subs=at)))
        step = {n: g.evalf(40, subs=at) for n, g in grads.items()}
        values = {n: v - sp.Float(eta, 40) * step[n] if n in step else v for n, v in values.items()}
    losses.append(float(loss.evalf(40, subs={symbols[n]: v for n, v in values.items()})))
    return losses, {n: float(v) for n, v in values.items()}


def walkthrough_loss() -> sp.Expr:
    """The walkthrough (networks/walkthrough.yaml) written out by hand: 2-2-1 sigmoid, mse, t = 1."""
    w1, w2, w3, w4, w5, w6 = sp.symbols("w1 w2 w3 w4 w5 w6")
    x1, x2 = sp.Rational(1, 2), sp.Rational(3, 10)
    s = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    h1, h2 = s(x1 * w1 + x2 * w3), s(x1 * w2 + x2 * w4)
    return (1 - s(h1 * w5 + h2 * w6)) ** 2


WALKTHROUGH = {"w1": 0.7, "w2": 0.3, "w3": 0.4, "w4": 0.6, "w5": 0.55, "w6": 0.45}


def statquest_loss() -> sp.Expr:
    """StatQuest's dosage network (networks/statquest.yaml) by hand: two softplus nodes,
    predicted = w3·y1 + w4·y2 + b3, SSR over dosages 0, ½, 1 with observed 0, 1, 0."""
    w1, b1, w2, b2, w3, w4, b3 = sp.symbols("w1 b1 w2 b2 w3 w4 b3")
    softplus = lambda x: sp.log(1 + sp.exp(x))  # noqa: E731
    total = sp.Integer(0)
    for dosage, observed in ((0, 0), (sp.Rational(1, 2), 1), (1, 0)):
        predicted = w3 * softplus(w1 * dosage + b1) + w4 * softplus(w2 * dosage + b2) + b3
        total += (observed - predicted) ** 2
    return total


STATQUEST = {"w1": 3.34, "b1": -1.43, "w2": -3.53, "b2": 0.57, "w3": 0.36, "w4": 0.63, "b3": 0.0}


def test_walkthrough_matches_gradient_descent_by_sympy() -> None:
    losses, params = sympy_descent(walkthrough_loss(), WALKTHROUGH, 0.1, 5)
    report = train_json("walkthrough", "--steps", "5")
    assert report["steps"] == 5 and len(report["losses"]) == 6
    for got, want in zip(report["losses"], losses, strict=True):
        assert got == pytest.approx(want, abs=1e-12)
    for name, want in params.items():
        assert report["final_params"][name] == pytest.approx(want, abs=1e-12)


def test_statquest_matches_gradient_descent_by_sympy_with_its_first_layer_frozen() -> None:
    frozen = frozenset({"w1", "b1", "w2", "b2"})
    losses, params = sympy_descent(statquest_loss(), STATQUEST, 0.1, 4, frozen)
    report = train_json("statquest", "--steps", "4")
    for got, want in zip(report["losses"], losses, strict=True):
        assert got == pytest.approx(want, abs=1e-12)
    for name, want in params.items():
        assert report["final_params"][name] == pytest.approx(want, abs=1e-12)
    assert all(report["final_params"][p] == STATQUEST[p] for p in frozen)
    assert report["frozen"] == sorted(frozen)


def test_statquest_at_eta_0_1_drives_ssr_down_monotonically() -> None:
    report = train_json("statquest", "--steps", "2000")
    losses = report["losses"]
    assert len(losses) == 2001
    assert all(b < a for a, b in pairwise(losses)), "SSR rose at some step"
    # the start: SSR at StatQuest's starting values, written out in plain floats
    sp_ = lambda x: math.log1p(math.exp(x))  # noqa: E731
    pred = [0.36 * sp_(3.34 * d - 1.43) + 0.63 * sp_(-3.53 * d + 0.57) for d in (0, 0.5, 1)]
    assert losses[0] == pytest.approx(sum((t - p) ** 2 for t, p in zip((0, 1, 0), pred, strict=True)),
                                      rel=1e-14)
    assert losses[-1] < 1e-6 * losses[0]  # three free params fit three points
    # ... at the values StatQuest's "Neural Networks Pt. 1" shows fitted: w3 = −1.22, w4 = −2.30,
    # b3 = 2.61 (the video's first layer, which the file freezes, is fitted to 3.34, −1.43, …)
    final = report["final_params"]
    assert (round(final["w3"], 2), round(final["w4"], 2), round(final["b3"], 2)) == (-1.22, -2.30, 2.61)


# ---------------------------------------------------------------- --save, then step, continues exactly

@pytest.mark.parametrize("net", ["statquest", "layered", "walkthrough", "softmax-classifier"])
def test_save_then_step_is_the_next_step_of_an_uninterrupted_run_bit_for_bit(net: str, tmp_path) -> None:
    saved = tmp_path / "trained.yaml"
    first = train_json(net, "--steps", "5", "--save", str(saved))
    step = invoke("step", str(saved), "--format", "json")
    assert step.exit_code == 0, step.stderr
    whole = train_json(net, "--steps", "6", "--explain-every", "6")
    (sixth,) = whole["explained"]
    assert sixth["step"] == 6
    assert step.stdout.strip() == json.dumps(sixth["report"], ensure_ascii=False)
    assert json.loads(step.stdout) == sixth["report"]
    # the loss the history gives after 5 steps is the one the saved file's step starts from
    assert bits(json.loads(step.stdout)["loss"]["value"]) == bits(first["losses"][5])


def test_training_on_from_a_saved_file_gives_the_same_losses_bit_for_bit(tmp_path) -> None:
    saved = tmp_path / "half.yaml"
    half = train_json("statquest", "--steps", "7", "--save", str(saved))
    rest = train_json(str(saved), "--steps", "8")
    whole = train_json("statquest", "--steps", "15")
    assert [bits(x) for x in half["losses"] + rest["losses"][1:]] == [bits(x) for x in whole["losses"]]
    assert {k: bits(v) for k, v in rest["final_params"].items()} == {
        k: bits(v) for k, v in whole["final_params"].items()}


def test_the_saved_file_is_the_users_file_with_only_the_trained_numbers_changed(tmp_path) -> None:
    saved = tmp_path / "trained.yaml"
    report = train_json("statquest", "--steps", "3", "--save", str(saved))
    before = (NETWORKS / "statquest.yaml").read_text(encoding="utf-8").splitlines()
    after = saved.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    # w3, w4 and b3 are trained; the frozen first layer, the comments, the title are as written
    assert [re.match(r"\s*(\w+):", a).group(1) for a, _ in changed] == ["w3", "w4", "b3"]
    for a, b in changed:
        name = re.match(r"\s*(\w+):", a).group(1)
        assert b == a.replace(a.split()[1], repr(report["final_params"][name]), 1)
        assert b.split("#")[1:] == a.split("#")[1:]  # the comment is kept


def test_the_saved_layered_file_keeps_its_form_names_and_comments(tmp_path) -> None:
    saved = tmp_path / "trained.yaml"
    report = train_json("layered", "--steps", "2", "--save", str(saved))
    text = saved.read_text(encoding="utf-8")
    assert "names:" in text and "layers:" in text and "params:" not in text
    assert "# w1, w2: into h1 from i1, i2" in text
    assert "biases: [0.35, 0.35]" in text  # frozen: written as they were
    w = report["final_params"]
    assert f"weights: [[{w['w1_11']!r}, {w['w1_12']!r}],    # w1, w2" in text


# File texts whose positions are easy to get wrong: a byte-order mark, Windows line ends, a line
# break YAML counts that Python's splitlines would miss or add, wide characters before a number.
AWKWARD = {
    "bom and crlf": "\ufefftitle: t\r\ninputs: {x: 2}\r\nparams: {w: 0.5, b: 1}\r\n"
                    "nodes:\r\n  y: {from: {x: w}, bias: b}\r\ntargets: {y: 3}\r\nloss: sse\r\n"
                    "learning_rate: 0.01\r\n",
    "unicode names": "title: ŷ = σ(w·x) 😀\ninputs: {x: 1.5}\nparams: {ŵ: 0.3, β: -0.2}   # é\n"
                     "nodes:\n  ŷ: {from: {x: ŵ}, bias: β, activation: sigmoid}\n"
                     "targets: {ŷ: 1}\nloss: mse\nlearning_rate: 0.5\n",
    "yaml's own line breaks": "# one\u2028# two\x85# three\u2029inputs: {x: 1}\n"
                              "params:\n  w: 2   # c\u2028  v: -1\r"
                                   "nodes:\n  h: {from: {x: w}, activation: tanh}\n"
                                   "  o: {from: {h: v}}\ntargets: {o: 0.5}\nloss: half_sse\n"
                                   "learning_rate: 0.1\n",
    "long rows, read in one piece": "inputs: [0.5, -1.25, 2.0, 0.75, -0.5, 1.5, 0.25, -2]\nlayers:\n"
                                    "  - activation: tanh\n    weights: [[0.11, -0.22, 0.33, -0.44, "
                                    "0.55, -0.66, 0.77, -0.88], [1e-1, 2E-1, +3e-1, 4e-1, 5, 6, 7, 8]]"
                                    "   # é\n  - weights: [[0.5, -0.5]]\n"
                                    "targets: [0.1]\nloss: half_sse\nlearning_rate: 0.01\n",
    "layered rows": "inputs: [1, 2]\nlayers:\n  - {activation: relu, weights: [[0.1, 0.2], "
                    "[0.3, 0.4]], biases: [0, 0]}\n  - weights: [[1, -1]]\n"
                    "targets: [0.25]\nloss: mse\nlearning_rate: 0.05\n",
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_saving_round_trips_every_param_exactly_whatever_the_file_looks_like(name: str,
                                                                            tmp_path) -> None:
    source = tmp_path / "net.yaml"
    source.write_bytes(AWKWARD[name].encode("utf-8"))
    saved = tmp_path / "out.yaml"
    report = train_json(str(source), "--steps", "3", "--save", str(saved))
    again = train_json(str(saved), "--steps", "1")
    assert {k: bits(v) for k, v in again["start_params"].items()} == {
        k: bits(v) for k, v in report["final_params"].items()}
    assert again["title"] == report["title"]
    # only numbers changed: the text outside them is the file's own, byte for byte
    number = re.compile(r"[-+]?[0-9][0-9.eE+-]*")
    assert number.sub("#", saved.read_bytes().decode("utf-8")) == number.sub("#", AWKWARD[name])


def test_saving_over_the_network_file_itself_works(tmp_path) -> None:
    net = tmp_path / "net.yaml"
    net.write_text((NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    once = train_json(str(net), "--steps", "2", "--save", str(net))
    twice = train_json(str(net), "--steps", "2", "--save", str(net))
    assert twice["losses"][0] == once["losses"][-1]


# ---------------------------------------------------------------- stop rules

def test_until_loss_stops_at_the_first_step_at_or_below_it() -> None:
    report = train_json("statquest", "--steps", "1000", "--until-loss", "0.5")
    losses = report["losses"]
    assert report["stopped"]["rule"] == "until_loss"
    assert report["stopped"]["step"] == report["steps"] == len(losses) - 1
    assert losses[-1] <= 0.5 < losses[-2]
    assert all(x > 0.5 for x in losses[:-1])


def test_until_loss_met_before_any_step_takes_none() -> None:
    report = train_json("statquest", "--steps", "10", "--until-loss", "100")
    assert report["steps"] == 0 and report["stopped"] == {
        "rule": "until_loss", "step": 0, "reason": report["stopped"]["reason"]}
    assert report["final_params"] == report["start_params"]


def test_min_improvement_stops_when_the_loss_flattens_over_the_window() -> None:
    report = train_json("walkthrough", "--steps", "5000", "--min-improvement", "1e-3",
                        "--window", "20")
    losses = report["losses"]
    i = report["steps"]
    assert report["stopped"]["rule"] == "min_improvement" and i < 5000
    assert losses[i - 20] - losses[i] < 1e-3
    assert all(losses[j - 20] - losses[j] >= 1e-3 for j in range(20, i))


def test_min_improvement_window_defaults_to_10() -> None:
    report = train_json("walkthrough", "--steps", "5000", "--min-improvement", "1e-4")
    losses, i = report["losses"], report["steps"]
    assert losses[i - DEFAULT_WINDOW] - losses[i] < 1e-4
    assert all(losses[j - 10] - losses[j] >= 1e-4 for j in range(10, i))
    assert "over the last 10 steps" in report["stopped"]["reason"]


def test_steps_is_the_limit_when_no_rule_is_met() -> None:
    report = train_json("scalar-chain", "--steps", "7", "--until-loss", "0", "--min-improvement", "0")
    assert report["stopped"] == {"rule": "steps", "step": 7,
                                 "reason": "reached the limit of 7 steps"}
    assert len(report["losses"]) == 8


def test_a_run_that_diverges_is_exit_2_naming_the_step(tmp_path) -> None:
    # w ← w − η·2·(10w)·10 = −1999·w: |w| grows 1999-fold a step until a value overflows
    net = tmp_path / "diverge.yaml"
    net.write_text("inputs: {x: 10}\nparams: {w: 1}\nnodes: {y: {from: {x: w}}}\n"
                   "targets: {y: 0}\nloss: sse\nlearning_rate: 10\n", encoding="utf-8")
    result = invoke("train", str(net), "--steps", "1000")
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(r"backprop: error: .*diverge\.yaml.* \(at step \d+ of training\)", line), line
    assert not (tmp_path / "out.yaml").exists()


# ---------------------------------------------------------------- the JSON report

def test_json_shape() -> None:
    report = train_json("walkthrough", "--steps", "3")
    assert set(report) == {"title", "description", "loss", "learning_rate", "optimizer", "max_steps",
                           "steps", "stopped", "losses", "frozen", "start_params", "final_params"}
    assert report["loss"] == {"name": "L", "kind": "mse", "reduction": "mean"}
    assert report["optimizer"] == "sgd" and report["learning_rate"] == 0.1
    assert report["max_steps"] == report["steps"] == 3
    assert report["start_params"] == WALKTHROUGH
    assert list(report["final_params"]) == list(WALKTHROUGH)
    assert all(isinstance(x, float) for x in report["losses"])


def test_json_explain_every_holds_the_step_reports() -> None:
    report = train_json("walkthrough", "--steps", "5", "--explain-every", "2")
    assert [e["step"] for e in report["explained"]] == [2, 4]
    first = invoke("step", "--format", "json")
    step_one = json.loads(first.stdout)
    # the report of step 2 starts from the params step 1 left
    assert report["explained"][0]["report"]["loss"]["value"] == step_one["loss"]["value_after_update"]
    assert report["explained"][1]["report"]["loss"]["value_after_update"] == report["losses"][4]


# ---------------------------------------------------------------- the report

def test_report_has_the_loss_table_the_curve_and_the_params() -> None:
    result = invoke("train", "statquest", "--steps", "300")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b" not in out  # piped: plain text
    report = train_json("statquest", "--steps", "300")
    table = out[out.index("SSR every 50 steps"):]
    rows = [ln.split() for ln in table.splitlines()[3:10]]
    assert [r[0] for r in rows] == ["0", "50", "100", "150", "200", "250", "300"]
    assert [r[1] for r in rows] == [fmt(report["losses"][int(r[0])]) for r in rows]
    assert "SSR after each step, 0 to 300, log scale" in out
    assert f"{fmt(report['losses'][0])} ┤█" in out
    params = out[out.index("\nParams\n"):].splitlines()
    w3 = next(ln.split() for ln in params if ln.startswith("w3 "))
    assert w3 == ["w3", "0.36", fmt(report["final_params"]["w3"]),
                  fmt(report["final_params"]["w3"] - 0.36)]
    assert next(ln.split() for ln in params if ln.startswith("w1 ")) == ["w1", "3.34", "3.34", "frozen"]


def test_table_rows_every_k_end_with_the_last_step() -> None:
    out = invoke("train", "walkthrough", "--steps", "7", "--every", "3").stdout
    table = out[out.index("L every 3 steps"):].splitlines()
    assert [ln.split()[0] for ln in table[3:7]] == ["0", "3", "6", "7"]


def test_explain_every_prints_the_worked_step_at_those_steps() -> None:
    result = invoke("train", "walkthrough", "--steps", "4", "--explain-every", "2")
    assert result.exit_code == 0
    assert re.findall(r"^Step \d of 4$", result.stdout, re.M) == ["Step 2 of 4", "Step 4 of 4"]
    assert result.stdout.count("Forward pass") == 2


def test_default_every_gives_about_ten_rows_at_a_round_interval() -> None:
    assert [default_every(n) for n in (1, 9, 10, 11, 37, 100, 300, 1000, 2001, 999_999)] == [
        1, 1, 1, 2, 5, 10, 50, 100, 500, 100_000]


def test_curve_of_three_losses_is_the_hand_drawn_figure() -> None:
    # heights in eighths of a line, 1 + round((v − lo)/(hi − lo) · 47): 48, 1 + round(23.5) = 25, 1
    drawn = curve([1.0, 0.5, 0.0], "L", fmt).plain.splitlines()
    assert drawn == [
        "L after each step, 0 to 2",
        "1.000 ┤█  ",
        "      │█  ",
        "      │█▁ ",
        "      │██ ",
        "      │██ ",
        "0.000 ┤██▁",
        "      └───",
        "       0 2",
    ]


def test_curve_fits_the_width_and_is_flat_for_a_constant_loss() -> None:
    lines = curve([0.25] * 500, "E", fmt, width=40).plain.splitlines()
    assert all(len(ln) <= 40 for ln in lines)
    assert len(lines) == HEIGHT + 3
    assert lines[HEIGHT - 2].endswith("█") and lines[HEIGHT - 3].strip("│ ") == ""


def test_curve_reads_on_an_ascii_only_stdout() -> None:
    assert "▁▂▃▄▅▆▇█".translate(TO_ASCII) == "...#####"


def test_save_line_shows_a_file_name_escaped(tmp_path) -> None:
    out = tmp_path / "a\x1b[2Jb.yaml"
    result = invoke("train", "--steps", "1", "--save", str(out))
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and "a\\x1b[2Jb.yaml" in result.stdout
    assert out.exists()


# ---------------------------------------------------------------- usage errors: exit 2, one located line

@pytest.mark.parametrize("args, says", [
    (["--steps", "-1"], "--steps: expected a whole number from 1 to 1,000,000, found '-1'"),
    (["--steps", "0"], "--steps: expected a whole number from 1"),
    (["--steps", "1000001"], "--steps: expected a whole number from 1 to 1,000,000"),
    (["--steps", "2.5"], "--steps: expected a whole number"),
    (["--until-loss", "nan"], "--until-loss: expected a number of at least 0, found 'nan'"),
    (["--until-loss", "-1"], "--until-loss: expected a number of at least 0"),
    (["--min-improvement", "inf"], "--min-improvement: expected a number of at least 0"),
    (["--window", "0", "--min-improvement", "0.1"], "--window: expected a whole number from 1"),
    (["--window", "5"], "--window: "),
    (["--every", "5", "--format", "json"], "--every: "),
    (["--explain-every", "1", "--steps", "5000"], "--explain-every: "),
    (["--every", "x\x1b[2J"], "found 'x\\x1b[2J'"),
])
def test_bad_options_are_exit_2_with_one_line(args: list[str], says: str) -> None:
    result = invoke("train", *args)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("backprop: error: ") and says in line, line
    assert "\x1b" not in line


def test_save_into_a_missing_folder_or_onto_a_folder_is_refused_before_training(tmp_path) -> None:
    for out, says in ((tmp_path / "no" / "out.yaml", "does not exist"), (tmp_path, "is a folder"),
                      ("", "--save: expected the path of a file")):
        result = invoke("train", "--steps", "5", "--save", str(out))
        assert result.exit_code == 2 and result.stdout == ""
        (line,) = result.stderr.splitlines()
        assert says in line and str(out) in line


def test_an_unknown_network_is_exit_2() -> None:
    result = invoke("train", "no-such-net")
    assert result.exit_code == 2 and "walkthrough" in result.stderr


def test_the_step_limit_is_one_number() -> None:
    assert _MAX_STEPS == MAX_STEPS == 1_000_000
    help_text = invoke("train", "--help").stdout
    assert f"[default: {DEFAULT_WINDOW}]" in help_text and "1,000,000" in help_text



# every way YAML 1.2 lets a number be written, in block and flow style
SPELLINGS = [repr, lambda v: f"{v:.3e}", lambda v: f"{v:+.6f}", lambda v: f"{v:.2E}",
             lambda v: f"{abs(v):.4f}"[1:], lambda v: f"{round(v)}", lambda v: f"00{abs(v):.3f}"]


@given(values=st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       spellings=st.lists(st.sampled_from(range(len(SPELLINGS))), min_size=3, max_size=3),
       flow=st.booleans())
def test_any_spelling_of_a_param_is_replaced_by_a_float_that_round_trips(
        values: list[float], spellings: list[int], flow: bool) -> None:
    written = [SPELLINGS[k](v) for k, v in zip(spellings, values, strict=True)]
    params = (f"params: {{a: {written[0]}, b: {written[1]}, c: {written[2]}}}\n" if flow else
              f"params:\n  a: {written[0]}   # first\n  b:   {written[1]}\n  c: {written[2]}\n")
    text = ("inputs: {x: 0.7}\n" + params + "nodes:\n  h: {from: {x: a}, bias: b, activation: tanh}\n"
            "  o: {from: {h: c}, activation: sigmoid}\ntargets: {o: 0.2}\nloss: mse\n"
            "learning_rate: 0.5\n")
    document = load_text(text, "net.yaml")
    source = Source(text, document, parse(document))
    trained = train(source.network, 2)
    again = parse(load_text(with_params(source, trained.final.params), "out.yaml"))
    assert {k: bits(v) for k, v in again.params.items()} == {
        k: bits(v) for k, v in trained.final.params.items()}


def test_the_progress_bar_path_leaves_stdout_as_it_is(monkeypatch) -> None:
    """At a terminal the bar runs on stderr (paused for each worked step); stdout is the same."""
    import sys

    import backprop.cli

    plain = invoke("train", "--steps", "6", "--explain-every", "3")
    from backprop.render.progress import TrainingBar

    shown: list[int] = []
    update = TrainingBar.update
    monkeypatch.setattr(TrainingBar, "update", lambda self, step, loss: (shown.append(step),
                                                                         update(self, step, loss)))
    monkeypatch.setattr(backprop.cli, "_is_terminal", lambda out: out is sys.stderr)
    with_bar = invoke("train", "--steps", "6", "--explain-every", "3")
    assert with_bar.exit_code == plain.exit_code == 0, with_bar.stderr
    assert with_bar.stdout == plain.stdout
    assert shown == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_a_bad_file_fails_under_train_as_under_step(path, tmp_path) -> None:
    """tests/bad/: the same one located message, and nothing saved."""
    expect, line = expectations(path)
    out = tmp_path / "out.yaml"
    assert_one_error(invoke("train", str(path), "--steps", "2", "--save", str(out)), str(path),
                     expect, line)
    assert not out.exists()


def test_explain_every_in_json_is_bounded_by_the_numbers_it_keeps(tmp_path) -> None:
    # 100 inputs into 100 nodes: 10,100 params, so each kept report holds over 20,000 numbers
    row = "[" + ", ".join(["0.01"] * 100) + "]"
    net = tmp_path / "wide.yaml"
    net.write_text(f"inputs: {row}\nlayers:\n  - weights: [{', '.join([row] * 100)}]\n"
                   f"    biases: {row}\n  - weights: [{row}]\ntargets: [1]\nloss: mse\n"
                   f"learning_rate: 0.1\n", encoding="utf-8")
    json_run = invoke("train", str(net), "--steps", "1000", "--explain-every", "2", "--format", "json")
    assert json_run.exit_code == 2 and json_run.stdout == ""
    assert "too many for one JSON report (at most 5,000,000 numbers)" in json_run.stderr
    # the table prints each report as it comes and keeps none: only the count bounds it there
    from backprop.spec import load
    from backprop.train import check_explained

    check_explained(load(net), 1000, 2, kept=False)
    with pytest.raises(UsageError, match="too many for one JSON report"):
        check_explained(load(net), 1000, 2, kept=True)
