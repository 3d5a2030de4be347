"""Optimizers (momentum, Adam, AdamW): hand-worked steps, an independent re-implementation over
training, the file's `optimizer` and `optimizer_state` keys, --save, JSON and check.

The expected numbers come from: the walkthrough's published gradient ∂L/∂w5 = −0.0997525403151
(the same figure FORMAT §3 prints) with Adam's formulas worked out by hand below; a one-weight
network whose gradient is the weight itself (L = ½(w·1 − 0)², so g = w), stepped by hand; and
sympy's symbolic gradients (tests/oracle.py) fed to the optimizers' formulas written out here.
"""

from __future__ import annotations

import json
import math
import random
import struct
from dataclasses import replace

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from backprop.engine import run
from backprop.network import Network
from backprop.optimizers import OPTIMIZERS
from backprop.spec import load
from backprop.train import train
from conftest import NETWORKS
from oracle import symbolic_gradient
from test_hostile import assert_one_error

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
WALKTHROUGH = (NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8")


def invoke(*args: str):
    return CliRunner(env=ENV).invoke(cli, list(args))


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def net_with(text: str, optimizer: str, name: str = "net.yaml") -> Network:
    return load(name, text=text + f"optimizer: {optimizer}\n")


# ---------------------------------------------------------------- Adam on the walkthrough, by hand

def test_one_adam_step_on_the_walkthrough_worked_by_hand() -> None:
    # g = ∂L/∂w5 = −0.0997525403151, the published walkthrough figure; t = 1, m = v = 0 before
    g = -0.0997525403151
    m = -0.00997525403151  # m = β₁·0 + (1 − β₁)·g = 0.1·g
    v = 0.00000995056929931565  # v = β₂·0 + (1 − β₂)·g² = 0.001 · 0.00995056929931565
    m_hat = -0.0997525403151  # m̂ = m / (1 − 0.9¹) = m / 0.1 = g
    v_hat = 0.00995056929931565  # v̂ = v / (1 − 0.999¹) = v / 0.001 = g²
    update = -0.0999999899751936  # Δ = η·m̂ / (√v̂ + ε) = 0.1·g / (|g| + 1e-8)
    w5_new = 0.649999989975194  # 0.55 − Δ
    trace = run(net_with(WALKTHROUGH, "{kind: adam}"))
    assert trace.optimizer is not None
    row = trace.optimizer.rows["w5"]
    assert math.isclose(row.g, g, rel_tol=1e-11)
    for key, expected in [("m", m), ("v", v), ("m_hat", m_hat), ("v_hat", v_hat),
                          ("update", update)]:
        assert math.isclose(row.values[key], expected, rel_tol=1e-11), key
    assert math.isclose(trace.updated["w5"], w5_new, rel_tol=1e-12)
    assert trace.optimizer.t == 1 and trace.optimizer.state.step == 1
    assert trace.optimizer.state.tables["m"]["w5"] == row.values["m"]


def test_an_adam_homework_sheet_is_marked(tmp_path) -> None:
    net = tmp_path / "adam.yaml"
    net.write_text(WALKTHROUGH + "optimizer: {kind: adam, beta1: 0.9, beta2: 0.999, eps: 1e-8}\n",
                   encoding="utf-8")
    sheet = tmp_path / "sheet.yaml"
    # the hand-worked figures above, rounded as a student would write them; v_hat_w5 wrong
    sheet.write_text("dL/dw5: -0.0998\nm_w5: -0.00998\nv_w5: 0.00000995\nm_hat_w5: -0.0998\n"
                     "v_hat_w5: 0.0200\nupdate_w5: -0.100\nw5_new: 0.650\n", encoding="utf-8")
    result = invoke("check", str(net), str(sheet), "--format", "json")
    assert result.exit_code == 1, result.stderr
    verdicts = {r["quantity"]: r["verdict"] for r in json.loads(result.stdout)["results"]}
    assert verdicts == {"dL/dw5": "correct", "m_w5": "correct", "v_w5": "correct",
                        "m_hat_w5": "correct", "v_hat_w5": "wrong", "update_w5": "correct",
                        "w5_new": "correct"}


def test_adam_quantities_are_unknown_to_a_gradient_descent_network(tmp_path) -> None:
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("m_w5: -0.00998\n", encoding="utf-8")
    result = invoke("check", str(NETWORKS / "walkthrough.yaml"), str(sheet), "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["results"][0]["verdict"] == "unknown"


# ---------------------------------------------------------------- momentum, two steps by hand

ONE_WEIGHT = ("inputs: {x: 1}\nparams: {w: 1}\nnodes:\n  y: {from: {x: w}}\ntargets: {y: 0}\n"
              "loss: half_sse\nlearning_rate: 0.1\n")  # L = ½(w·1 − 0)², so g = ∂L/∂w = w


@pytest.mark.parametrize(("convention", "v1", "w1", "v2", "w2"), [
    # v ← β·v + g; w ← w − η·v: v1 = 1, w1 = 1 − 0.1 = 0.9; g2 = 0.9, v2 = 0.9·1 + 0.9 = 1.8,
    # w2 = 0.9 − 0.18 = 0.72
    ("pytorch", 1.0, 0.9, 1.8, 0.72),
    # v ← β·v + (1 − β)·g: v1 = 0.1, w1 = 1 − 0.01 = 0.99; g2 = 0.99, v2 = 0.09 + 0.099 = 0.189,
    # w2 = 0.99 − 0.0189 = 0.9711
    ("ema", 0.1, 0.99, 0.189, 0.9711),
    # v ← β·v − η·g; w ← w + v: v1 = −0.1, w1 = 0.9; g2 = 0.9, v2 = −0.09 − 0.09 = −0.18,
    # w2 = 0.9 − 0.18 = 0.72 (the same path as pytorch's: v here is −η times v there)
    ("velocity", -0.1, 0.9, -0.18, 0.72),
])
def test_two_momentum_steps_worked_by_hand(convention: str, v1: float, w1: float, v2: float,
                                           w2: float) -> None:
    net = net_with(ONE_WEIGHT, f"{{kind: momentum, beta: 0.9, convention: {convention}}}")
    traces = []
    result = train(net, 2, on_step=lambda _, t: traces.append(t))
    first, second = (t.optimizer for t in traces)
    assert first is not None and second is not None
    assert math.isclose(first.rows["w"].values["v"], v1, rel_tol=1e-14)
    assert math.isclose(traces[0].updated["w"], w1, rel_tol=1e-14)
    assert math.isclose(second.rows["w"].g, w1, rel_tol=1e-14)  # g = w
    assert math.isclose(second.rows["w"].values["v"], v2, rel_tol=1e-14)
    assert math.isclose(result.final.params["w"], w2, rel_tol=1e-14)
    assert result.final.optimizer.state.tables["v"]["w"] == second.rows["w"].values["v"]


def test_pytorch_is_the_default_momentum_convention() -> None:
    assert OPTIMIZERS["momentum"].default_convention == "pytorch"
    trace = run(net_with(ONE_WEIGHT, "{kind: momentum}"))
    assert trace.optimizer is not None and trace.optimizer.setting.hyper["beta"] == 0.9
    assert trace.optimizer.rows["w"].values["v"] == 1.0  # β·0 + g, not (1 − β)·g


def test_a_frozen_param_keeps_its_value_and_its_state() -> None:
    net = load("f.yaml", text=ONE_WEIGHT.replace("params: {w: 1}", "params: {w: 1, u: 2}")
               .replace("{x: w}", "{x: w, x2: u}").replace("inputs: {x: 1}", "inputs: {x: 1, x2: 1}")
               + "frozen: [u]\noptimizer: adam\noptimizer_state: {step: 4, m: {u: 0.5}}\n")
    trace = run(net)
    assert trace.updated["u"] == 2 and "u" not in trace.optimizer.rows  # type: ignore[union-attr]
    assert trace.optimizer.state.tables["m"]["u"] == 0.5  # type: ignore[union-attr]
    assert trace.optimizer.t == 5  # type: ignore[union-attr]


# ---------------------------------------------------------------- random networks, 3 steps

def _random_net(seed: int) -> str:
    """A 2-3-1 tanh/sigmoid network with a bias, random weights and two samples."""
    rng = random.Random(seed)
    w = lambda: round(rng.uniform(-1.5, 1.5), 3)  # noqa: E731
    params = {f"w{i}": w() for i in range(1, 10)} | {"b": w()}
    return (f"params: {{{', '.join(f'{k}: {v}' for k, v in params.items())}}}\n"
            "nodes:\n"
            "  h1: {from: {x1: w1, x2: w2}, activation: tanh, bias: b}\n"
            "  h2: {from: {x1: w3, x2: w4}, activation: sigmoid}\n"
            "  h3: {from: {x1: w5, x2: w6}, activation: tanh}\n"
            "  y: {from: {h1: w7, h2: w8, h3: w9}, activation: sigmoid}\n"
            f"samples:\n  - {{inputs: {{x1: {w()}, x2: {w()}}}, targets: {{y: 1}}}}\n"
            f"  - {{inputs: {{x1: {w()}, x2: {w()}}}, targets: {{y: 0}}}}\n"
            "loss: mse\nlearning_rate: 0.05\n")


def _by_hand(kind: str, h: dict[str, float], eta: float, t: int, p: float, g: float,
             s: dict[str, float]) -> float:
    """The optimizers' formulas written out again (README, "Optimizers"): p after step t; s is
    updated in place."""
    if kind == "momentum":
        s["v"] = h["beta"] * s["v"] + g
        return p - eta * s["v"]
    s["m"] = h["beta1"] * s["m"] + (1 - h["beta1"]) * g
    s["v"] = h["beta2"] * s["v"] + (1 - h["beta2"]) * g * g
    m_hat = s["m"] / (1 - h["beta1"] ** t)
    v_hat = s["v"] / (1 - h["beta2"] ** t)
    if kind == "adamw":
        p = p - eta * h["weight_decay"] * p
    return p - eta * m_hat / (math.sqrt(v_hat) + h["eps"])


@pytest.mark.parametrize(("seed", "kind", "text"), [
    (1, "momentum", "{kind: momentum, beta: 0.8}"),
    (2, "adam", "{kind: adam, beta1: 0.8, beta2: 0.99, eps: 1e-6}"),
    (3, "adamw", "{kind: adamw, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1}"),
])
def test_three_training_steps_match_sympy_gradients_and_the_formulas(seed: int, kind: str,
                                                                     text: str) -> None:
    net = net_with(_random_net(seed), text)
    h = dict(net.optimizer.hyper)
    result = train(net, 3)
    gradient = symbolic_gradient(net)  # sympy's ∂L/∂p, not the engine's backward pass
    params = dict(net.params)
    state = {p: {"m": 0.0, "v": 0.0} for p in params}
    for t in (1, 2, 3):
        grads = gradient(params)
        params = {p: _by_hand(kind, h, net.learning_rate, t, v, grads[p], state[p])
                  for p, v in params.items()}
    for p, expected in params.items():
        assert math.isclose(result.final.params[p], expected, rel_tol=1e-9, abs_tol=1e-12), p
        for name in result.final.optimizer.convention.state_names:
            assert math.isclose(result.final.optimizer.state.tables[name][p], state[p][name],
                                rel_tol=1e-9, abs_tol=1e-15), (p, name)
    assert result.final.optimizer.state.step == (3 if kind != "momentum" else 0)


# ---------------------------------------------------------------- --save continues exactly

@pytest.mark.parametrize("optimizer", ["{kind: adam}", "{kind: momentum, convention: ema}",
                                       "{kind: adamw, weight_decay: 0.2}"])
def test_save_then_step_is_the_next_step_of_an_uninterrupted_run_bit_for_bit(
        optimizer: str, tmp_path) -> None:
    source = tmp_path / "net.yaml"
    source.write_text(WALKTHROUGH + f"optimizer: {optimizer}\n", encoding="utf-8")
    saved = tmp_path / "trained.yaml"
    first = invoke("train", str(source), "--steps", "5", "--save", str(saved), "--format", "json")
    assert first.exit_code == 0, first.stderr
    step = invoke("step", str(saved), "--format", "json")
    assert step.exit_code == 0, step.stderr
    whole = invoke("train", str(source), "--steps", "6", "--explain-every", "6", "--format", "json")
    (sixth,) = json.loads(whole.stdout)["explained"]
    assert json.loads(step.stdout) == sixth["report"]
    assert step.stdout.strip() == json.dumps(sixth["report"], ensure_ascii=False)
    # and once more from the saved file: the state is replaced, not added twice
    again = tmp_path / "again.yaml"
    assert invoke("train", str(saved), "--steps", "1", "--save", str(again)).exit_code == 0
    assert again.read_text(encoding="utf-8").count("optimizer_state:") == 1
    six = load("six", text=again.read_text(encoding="utf-8"))
    final = json.loads(whole.stdout)["final_params"]
    assert all(bits(six.params[p]) == bits(final[p]) for p in final)


def test_the_saved_state_is_kept_in_a_flow_style_file(tmp_path) -> None:
    source = tmp_path / "flow.yaml"
    source.write_text("{inputs: {x: 1}, params: {w: 1}, nodes: {y: {from: {x: w}}}, "
                      "targets: {y: 0}, loss: half_sse, learning_rate: 0.1, optimizer: adam}\n",
                      encoding="utf-8")
    saved = tmp_path / "out.yaml"
    assert invoke("train", str(source), "--steps", "2", "--save", str(saved)).exit_code == 0
    net = load("out", text=saved.read_text(encoding="utf-8"))
    assert net.optimizer.state.step == 2


def test_json_gains_the_optimizer_and_keeps_format_keys(tmp_path) -> None:
    net = tmp_path / "adam.yaml"
    net.write_text(WALKTHROUGH + "optimizer: {kind: adam}\n", encoding="utf-8")
    sgd = json.loads(invoke("step", str(NETWORKS / "walkthrough.yaml"), "--format", "json").stdout)
    result = invoke("step", str(net), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == set(sgd) | {"optimizer"}  # FORMAT §3's keys all kept, one added
    opt = report["optimizer"]
    assert opt["kind"] == "adam" and opt["t"] == 1
    assert set(opt["state"]) == {"step", "m", "v"} and opt["state"]["step"] == 1
    assert report["updated"]["w5"] == pytest.approx(0.649999989975194, rel=1e-12)  # by hand, above
    assert opt["quantities"]["w5"]["m"] == opt["state"]["m"]["w5"]


def test_json_of_sgd_has_no_optimizer_key() -> None:
    result = invoke("step", str(NETWORKS / "walkthrough.yaml"), "--format", "json")
    assert "optimizer" not in json.loads(result.stdout)


def test_the_step_table_shows_the_worked_rows(tmp_path) -> None:
    net = tmp_path / "adam.yaml"
    net.write_text(WALKTHROUGH + "optimizer: adam\n", encoding="utf-8")
    result = invoke("step", str(net))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Update by adam" in out and "t = 1" in out
    for label in ("m_w5 (state)", "v_w5 (state)", "m_hat_w5", "v_hat_w5", "update_w5", "w5_new"):
        assert label in out, label
    assert "p ← p − η·∂L/∂p" not in out  # not the gradient-descent table


# ---------------------------------------------------------------- the file's keys, refused where wrong

@pytest.mark.parametrize(("tail", "expect"), [
    ("optimizer: adma\n", "unknown optimizer 'adma' (did you mean 'adam'"),
    ("optimizer: {kind: momentum, beta: 1}\n", "optimizer.beta: beta (β) must be in [0, 1), found 1"),
    ("optimizer: {kind: momentum, beta: -0.1}\n", "must be in [0, 1)"),
    ("optimizer: {kind: adam, eps: 0}\n", "optimizer.eps: eps (ε) must be in (0, ∞), found 0"),
    ("optimizer: {kind: adam, beta3: 0.9}\n", "unknown key 'beta3' in the adam optimizer"),
    ("optimizer: {kind: adam, convention: ema}\n", "unknown key 'convention'"),
    ("optimizer: {kind: momentum, convention: torch}\n", "unknown momentum convention 'torch'"),
    ("optimizer: {beta: 0.9}\n", "missing 'kind'"),
    ("optimizer: {kind: adamw, weight_decay: -1}\n", "weight_decay (λ) must be in [0, ∞)"),
    ("optimizer: 3\n", "expected an optimizer kind"),
    ("optimizer_state: {step: 1}\n", "the sgd optimizer keeps no state"),
    ("optimizer: adam\noptimizer_state: {m: {w9: 1}}\n", "unknown param 'w9'"),
    ("optimizer: adam\noptimizer_state: {v: {w5: -1}}\n", "cannot be negative"),
    ("optimizer: adam\noptimizer_state: {step: -1}\n", "optimizer_state.step: expected the steps"),
    ("optimizer: adam\noptimizer_state: {step: 1.5}\n", "a whole number"),
    ("optimizer: momentum\noptimizer_state: {step: 1}\n", "unknown key 'step'"),
])
def test_a_bad_optimizer_is_one_located_error(tail: str, expect: str, tmp_path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(WALKTHROUGH + tail, encoding="utf-8")
    line = WALKTHROUGH.count("\n") + 1 + tail.count("\n") - 1
    result = invoke("step", str(path))
    assert_one_error(result, str(path), expect)
    assert f"{path}:{line}:" in result.stderr or f"{path}:{line - 1}:" in result.stderr


def test_every_registry_entry_steps_and_its_defaults_are_in_range() -> None:
    for kind, entry in OPTIMIZERS.items():
        for h in entry.hypers:
            assert h.allows(h.default), (kind, h.key)
        for name in entry.conventions:
            text = f"{{kind: {kind}" + (f", convention: {name}" if len(entry.conventions) > 1
                                         else "") + "}"
            trace = run(net_with(WALKTHROUGH, text))
            # every optimizer moves w5 against its gradient (g < 0) on the first step from rest
            assert trace.updated["w5"] > 0.55, (kind, name)


def test_torch_defaults() -> None:
    # torch.optim.Adam: betas=(0.9, 0.999), eps=1e-08; AdamW adds weight_decay=0.01
    adam = {h.key: h.default for h in OPTIMIZERS["adam"].hypers}
    assert adam == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    adamw = {h.key: h.default for h in OPTIMIZERS["adamw"].hypers}
    assert adamw == {**adam, "weight_decay": 0.01}


def test_state_from_the_file_is_where_the_step_starts() -> None:
    # from m = 0.5, v = 0.25 at step 1 (t = 2 now) on the one-weight network, g = w = 1:
    # m = 0.9·0.5 + 0.1·1 = 0.55; v = 0.999·0.25 + 0.001·1 = 0.25075;
    # m̂ = 0.55 / (1 − 0.81) = 2.894736842105263; v̂ = 0.25075 / (1 − 0.998001) = 125.4377188594297
    net = net_with(ONE_WEIGHT, "adam\noptimizer_state: {step: 1, m: {w: 0.5}, v: {w: 0.25}}")
    row = run(net).optimizer.rows["w"]  # type: ignore[union-attr]
    assert math.isclose(row.values["m"], 0.55, rel_tol=1e-14)
    assert math.isclose(row.values["v"], 0.25075, rel_tol=1e-14)
    assert math.isclose(row.values["m_hat"], 2.894736842105263, rel_tol=1e-12)
    assert math.isclose(row.values["v_hat"], 125.4377188594297, rel_tol=1e-12)
    net2 = replace(net, optimizer=replace(net.optimizer, state=replace(net.optimizer.state, step=0)))
    assert run(net2).optimizer.t == 1  # type: ignore[union-attr]


def test_a_frozen_or_unused_params_quantities_are_unknown(tmp_path) -> None:
    net = tmp_path / "net.yaml"
    net.write_text(WALKTHROUGH.replace("  w6: 0.45 ", "  w6: 0.45\n  spare: 1 ")
                   + "frozen: [w1]\noptimizer: adam\n", encoding="utf-8")
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text("m_w1: 0\nm_spare: 0\n", encoding="utf-8")
    result = invoke("check", str(net), str(sheet), "--format", "json")
    assert result.exit_code == 1, result.stderr
    results = json.loads(result.stdout)["results"]
    assert [r["verdict"] for r in results] == ["unknown", "unknown"]
    step = invoke("step", str(net))
    assert "unused: no gradient" in step.stdout and "frozen: not updated" in step.stdout


def test_a_wrong_gradient_carries_forward_into_m_and_v(tmp_path) -> None:
    net = tmp_path / "adam.yaml"
    net.write_text(WALKTHROUGH + "optimizer: adam\n", encoding="utf-8")
    sheet = tmp_path / "sheet.yaml"
    # from the student's g = −0.2: m = 0.1·(−0.2) = −0.02, v = 0.001·0.04 = 0.00004
    sheet.write_text("dL/dw5: -0.2\nm_w5: -0.02\nv_w5: 0.00004\n", encoding="utf-8")
    result = invoke("check", str(net), str(sheet), "--format", "json")
    verdicts = [r["verdict"] for r in json.loads(result.stdout)["results"]]
    assert verdicts == ["wrong", "carried_forward", "carried_forward"]


@pytest.mark.parametrize(("tail", "valid"), [
    ("optimizer: {kind: adam, beta1: 0.8, eps: 1e-6}\noptimizer_state: {step: 2, m: {w5: 0.1}}\n",
     True),
    ("optimizer: {kind: momentum, beta: 0.5, convention: ema}\n", True),
    ("optimizer: {kind: momentum, beta: 1}\n", False),
    ("optimizer: {kind: adam, eps: 0}\n", False),
    ("optimizer: {kind: adam, convention: ema}\n", False),
    ("optimizer: adma\n", False),
])
def test_the_schema_and_the_loader_agree_on_optimizers(tail: str, valid: bool) -> None:
    import jsonschema

    from backprop.errors import SpecError
    from backprop.schema import network_schema
    from backprop.yamlsafe import load_text

    doc = load_text(WALKTHROUGH + tail, "net.yaml")
    schema_ok = jsonschema.Draft202012Validator(network_schema()).is_valid(doc.root)
    try:
        load("net.yaml", text=WALKTHROUGH + tail)
        loader_ok = True
    except SpecError:
        loader_ok = False
    assert schema_ok == loader_ok == valid


@pytest.mark.parametrize("state", ["{m: {w: 1e308}, v: {w: 1e308}}", "{m: {w: 1}, v: {w: 1e308}}"])
def test_an_overflowing_state_is_one_error(state: str, tmp_path) -> None:
    # v̂ = 1e308·0.999/0.001 overflows: no inf or nan reaches a table or the JSON
    path = tmp_path / "net.yaml"
    path.write_text(ONE_WEIGHT + f"optimizer: adam\noptimizer_state: {state}\n", encoding="utf-8")
    result = invoke("step", str(path), "--format", "json")
    assert_one_error(result, str(path), "overflowed in the adam step")


def test_explain_and_the_summary_name_the_optimizer_not_gradient_descent(tmp_path) -> None:
    from backprop.render.summary import _update_line

    net = tmp_path / "adam.yaml"
    net.write_text(WALKTHROUGH + "optimizer: adam\n", encoding="utf-8")
    result = invoke("explain", "-w", "w5", str(net))
    assert result.exit_code == 0, result.stderr
    assert "Update by adam: w5 = 0.55 → 0.650" in result.stdout  # 0.649999989975194, by hand above
    assert "η·∂L/∂w5" not in result.stdout
    line = _update_line(run(net_with(WALKTHROUGH, "adam")), str)
    assert line.startswith("Update: by adam (") and "p ← p − η·∂L/∂p" not in line


def test_a_hand_written_state_is_replaced_in_place(tmp_path) -> None:
    source = tmp_path / "net.yaml"
    source.write_text(WALKTHROUGH + "optimizer: adam\noptimizer_state: {step: 2, m: {w5: 0.1}}"
                      "   # from last week\n# the end\n", encoding="utf-8")
    saved = tmp_path / "out.yaml"
    first = invoke("train", str(source), "--steps", "1", "--save", str(saved), "--format", "json")
    assert first.exit_code == 0, first.stderr
    text = saved.read_text(encoding="utf-8")
    assert text.count("optimizer_state") == 1 and text.endswith("# the end\n")
    net = load("out", text=text)
    assert net.optimizer.state.step == 3  # 2 given, 1 taken
    state = json.loads(first.stdout)["final_optimizer_state"]
    assert all(bits(net.optimizer.state.tables["m"][p]) == bits(v) for p, v in state["m"].items())


def test_the_train_report_names_the_optimizer(tmp_path) -> None:
    net = tmp_path / "m.yaml"
    net.write_text(WALKTHROUGH + "optimizer: {kind: momentum, convention: ema}\n", encoding="utf-8")
    result = invoke("train", str(net), "--steps", "3")
    assert result.exit_code == 0, result.stderr
    assert "Momentum (v ← β·v + (1 − β)·g; p ← p − η·v), η = 0.1: 3 steps." in result.stdout
    assert "Gradient descent" not in result.stdout
