"""Every activation and loss in the registries: its derivative against a central finite difference."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy

from backprop.activations import ACTIVATIONS
from backprop.losses import LOSSES

H = 1e-6
POINTS = (-3.0, -0.7, -0.05, 0.05, 0.4, 2.5)  # away from relu's kink at 0

ELEMENTWISE = [a for a in ACTIVATIONS.values() if a.elementwise]


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
@pytest.mark.parametrize("z", POINTS)
def test_activation_derivative_is_the_finite_difference(act, z: float) -> None:
    numeric = (act.f(z + H) - act.f(z - H)) / (2 * H)
    assert act.derivative(z, act.f(z)) == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("slope", [0.0, 0.2, 1.0])
def test_leaky_relu_slope(slope: float) -> None:
    act = ACTIVATIONS["leaky_relu"].with_slope(slope)
    assert act.f(-2.0) == -2.0 * slope
    assert act.derivative(-2.0, act.f(-2.0)) == slope
    assert act.derivative(0.0, 0.0) == slope  # from the left at exactly 0, as PyTorch


def test_relu_at_zero_is_zero_like_pytorch() -> None:
    relu = ACTIVATIONS["relu"]
    assert relu.derivative(0.0, 0.0) == 0.0


@pytest.mark.parametrize("z, expected", [(1000.0, 1.0), (-1000.0, 0.0), (0.0, 0.5)])
def test_sigmoid_never_overflows(z: float, expected: float) -> None:
    assert ACTIVATIONS["sigmoid"].f(z) == expected


def test_softplus_is_exact_far_out() -> None:
    f = ACTIVATIONS["softplus"].f
    assert f(1000.0) == 1000.0
    assert f(-1000.0) == 0.0
    assert f(0.0) == pytest.approx(math.log(2), rel=1e-15)


@pytest.mark.parametrize("loss", LOSSES.values(), ids=lambda x: x.kind)
@pytest.mark.parametrize("o, t", [(0.3, 1.0), (0.8, 0.0), (0.45, 0.6), (0.9, 0.9)])
def test_loss_derivative_is_the_finite_difference(loss, o: float, t: float) -> None:
    numeric = (loss.element(o + H, t) - loss.element(o - H, t)) / (2 * H)
    assert loss.derivative(o, t) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_rule_templates_name_their_slots() -> None:
    for act in ACTIVATIONS.values():
        assert act.rule.format(z="z") and act.derivative_rule.format(z="z", h="h", slope="a", h_j="hj")
    for loss in LOSSES.values():
        assert "{o}" in loss.rule and "{t}" in loss.derivative_rule
    for act in ACTIVATIONS.values():
        slots = {"z": "z", "h": "h", "slope": "a", "h_j": "hj"}
        assert act.latex_rule.format(**slots) and act.latex_derivative_rule.format(**slots)
    for loss in LOSSES.values():
        assert "{o}" in loss.latex_rule.format(t="{t}", o="{o}")
        assert "{t}" in loss.latex_derivative_rule.format(t="{t}", o="{o}")


# ---------------------------------------------------------------- GELU and SiLU, by sympy

Z = sympy.Symbol("z", real=True)
# independent closed forms: GELU's erf form z·Φ(z) (PyTorch's nn.GELU() default) and SiLU z·σ(z)
SYMBOLIC = {
    "gelu": Z * (1 + sympy.erf(Z / sympy.sqrt(2))) / 2,
    "silu": Z / (1 + sympy.exp(-Z)),
}


@pytest.mark.parametrize("name", sorted(SYMBOLIC))
@pytest.mark.parametrize("z", [*POINTS, -30.0, -8.0, 0.0, 8.0, 30.0])
def test_gelu_and_silu_match_sympy(name: str, z: float) -> None:
    # f and f′ against sympy's evaluation of the closed form and of its symbolic derivative, at
    # 400 digits: 1 + erf(−30/√2) cancels ~200 of them
    act = ACTIVATIONS[name]
    form = SYMBOLIC[name]
    f_ref = float(form.subs(Z, sympy.Float(z, 400)).evalf(400))
    d_ref = float(sympy.diff(form, Z).subs(Z, sympy.Float(z, 400)).evalf(400))
    # Φ's far tail has condition number ~z² (900 at z = −30): 1e-12 relative there is float64's best
    assert act.f(z) == pytest.approx(f_ref, rel=1e-12, abs=1e-300)
    assert act.derivative(z, act.f(z)) == pytest.approx(d_ref, rel=1e-12, abs=1e-300)


def test_gelu_published_values() -> None:
    # GELU(1) = Φ(1) = 0.8413447460685429 (the standard normal CDF at 1, from any table) and
    # GELU(−1) = −(1 − Φ(1)) = −0.15865525393145707; GELU′(0) = Φ(0) = ½
    gelu = ACTIVATIONS["gelu"]
    assert gelu.f(1.0) == pytest.approx(0.8413447460685429, rel=1e-15)
    assert gelu.f(-1.0) == pytest.approx(-0.15865525393145707, rel=1e-14)
    assert gelu.derivative(0.0, 0.0) == 0.5


def test_swish_is_silu() -> None:
    from backprop import load, step

    text = ("inputs: {x: 1}\nparams: {w: 0.5}\nnodes:\n  y: {from: {x: w}, activation: swish}\n"
            "targets: {y: 1}\nloss: half_sse\nlearning_rate: 0.1\n")
    # y = 0.5·σ(0.5) = 0.5/(1 + e^-0.5) = 0.31122966560092724 (by hand: σ(0.5) = 0.6224593312)
    assert step(load("s", text=text)).samples[0].values["y"] == pytest.approx(0.31122966560092724,
                                                                           rel=1e-14)


# ---------------------------------------------------------------- what the entries claim


@pytest.mark.parametrize("act", ELEMENTWISE, ids=lambda a: a.name)
def test_values_lie_in_the_declared_range(act) -> None:
    # the range is what spec checks a loss's outputs against (bce needs (0, 1)): it must hold
    lo, hi = act.range
    for z in [x / 8 for x in range(-400, 401)]:
        assert lo <= act.f(z) <= hi, (act.name, z)


@pytest.mark.parametrize("act", [a for a in ELEMENTWISE if a.gap], ids=lambda a: a.name)
@pytest.mark.parametrize("z", [-50.0, -3.0, -0.2, 0.0, 0.3, 4.0, 50.0])
@pytest.mark.parametrize("t", [-1.0, 0.0, 0.5, 1.0])
def test_gap_is_f_minus_t(act, z: float, t: float) -> None:
    # f(z) − t at 60 digits by mpmath (σ = 1/(1 + e⁻ᶻ), tanh), against the entry's uncancelled gap
    mp = {"sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)), "tanh": mpmath.tanh}[act.name]
    with mpmath.workdps(60):
        ref = mp(mpmath.mpf(z)) - t
        got = act.gap(z, t)
        assert abs(got - ref) <= 1e-15 * abs(ref) or abs(got - ref) < 1e-300


def test_only_the_registries_name_activations_and_losses() -> None:
    # no module but activations.py and losses.py holds a registry name as a string literal: the
    # rest asks the entries (elementwise, coupled, fuses, fits, divisor …), never compares names
    import ast
    from pathlib import Path

    import backprop
    from backprop.activations import ALIASES

    names = set(ACTIVATIONS) | set(ALIASES) | set(LOSSES)
    root = Path(backprop.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name in ("activations.py", "losses.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value!r}")
    assert not found, found


def test_gelu_prints_its_rules_and_a_hand_worked_step(tmp_path) -> None:
    # z = 1·1 = 1; h = GELU(1) = Φ(1) = 0.8413447 (normal table); ∂h/∂z = Φ(1) + 1·φ(1)
    # = 0.8413447 + 0.2419707 = 1.0833155 (φ(1) = e^-½/√(2π)); half_sse with t = 0:
    # ∂L/∂w = (h − t)·∂h/∂z·x = 0.8413447·1.0833155 = 0.9114417 → 0.911
    from click.testing import CliRunner

    from backprop.cli import cli

    path = tmp_path / "gelu.yaml"
    path.write_text("inputs: {x: 1}\nparams: {w: 1}\nnodes:\n  y: {sum: z, from: {x: w}, "
                    "activation: gelu}\ntargets: {y: 0}\nloss: half_sse\nlearning_rate: 0.1\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path)])
    assert result.exit_code == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "z·Φ(z)" in rows["y"] and rows["y"].endswith("0.841")
    assert "Φ(z) + z·φ(z)" in rows["∂y/∂z"] and rows["∂y/∂z"].endswith("1.083")
    assert rows["∂L/∂w"].endswith("0.911")


@pytest.mark.parametrize("act", ["gelu", "silu", "tanh", "relu"])
def test_bce_refuses_an_output_whose_values_leave_0_1(act: str, tmp_path) -> None:
    # the loss's outputs_in (0, 1) against each entry's range: GELU dips to ≈ −0.17, SiLU to
    # ≈ −0.28, tanh to −1, and relu grows without bound
    from click.testing import CliRunner

    from backprop.cli import cli

    path = tmp_path / "net.yaml"
    path.write_text(f"inputs: {{x: 1}}\nparams: {{w: 1}}\nnodes:\n  y: {{from: {{x: w}}, "
                    f"activation: {act}}}\ntargets: {{y: 1}}\nloss: bce\nlearning_rate: 0.1\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["step", str(path)])
    assert result.exit_code == 2
    assert f"bce needs outputs between 0 and 1, but output 'y' has activation {act}" in result.stderr
    assert result.stderr.count("\n") == 1
