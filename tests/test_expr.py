"""The page expression reader (backprop.expr): every value below is worked by hand or with
math in this file, never read back from the reader itself."""

from __future__ import annotations

import math

import pytest

from backprop.expr import MAX_DEPTH, MAX_LENGTH, Deriv, ExprError, Name, evaluate, is_number, parse, show


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def value(text: str, names: dict[str, float] | None = None) -> float:
    names = names or {}

    def look(s: Name | Deriv) -> float:
        key = s.spelled if isinstance(s, Name) else f"d{s.num.spelled}/d{s.den.spelled}"
        return names[key]

    return evaluate(parse(text), look)


@pytest.mark.parametrize(("text", "expected"), [
    (r"0.5 \cdot 0.7 + 0.3 \cdot 0.4", 0.5 * 0.7 + 0.3 * 0.4),  # the walkthrough's z1
    ("-2(1 - 0.645)", -2 * (1 - 0.645)),  # implicit product after a number
    ("−2(1 − 0.645)", -2 * (1 - 0.645)),  # Unicode minus
    ("σ(0.47)", sigma(0.47)),
    (r"\sigma(0.47)", sigma(0.47)),
    ("sigma(0.47)", sigma(0.47)),
    (r"\frac{1}{1+e^{-0.47}}", sigma(0.47)),
    ("1/(1+exp(-0.47))", sigma(0.47)),
    ("(1 - 0.645)²", (1 - 0.645) ** 2),
    ("(1 - 0.645)^2", (1 - 0.645) ** 2),
    ("(1 - 0.645)**2", (1 - 0.645) ** 2),
    (r"\left(1 - 0.645\right)^{2}", (1 - 0.645) ** 2),
    ("-0.71 · 0.229 · 0.615", -0.71 * 0.229 * 0.615),
    ("0.55 - 0.1 × (-0.01)", 0.55 - 0.1 * -0.01),
    ("2^3^2", 2 ** 9),  # a power is right-associative
    ("-2^2", -4.0),  # unary minus binds looser than ^
    ("8/4/2", 1.0),  # division left to right
    ("ln(e^{1})", 1.0),
    ("tanh(0)", 0.0),
    (r"0{,}47", 0.47),  # a decimal comma, as European LaTeX writes it
    ("1.5e-3", 0.0015),
    (r"1.5 \times 10^{-3}", 0.0015),
    ("σ'(0)", 0.25),  # σ′(0) = σ(0)(1 − σ(0)) = ¼
])
def test_numbers_evaluate_as_worked_by_hand(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("text", "names", "expected"), [
    (r"x_{1}w_{1} + x_{2}w_{3}", {"x_1": 0.5, "w_1": 0.7, "x_2": 0.3, "w_3": 0.4}, 0.47),
    ("x1*w1 + x2*w3", {"x1": 0.5, "w1": 0.7, "x2": 0.3, "w3": 0.4}, 0.47),
    ("ŷ(1 − ŷ)", {"y_hat": 0.645}, 0.645 * 0.355),
    (r"\hat{y}(1 - \hat{y})", {"y_hat": 0.645}, 0.645 * 0.355),
    ("y_hat*(1 - y_hat)", {"y_hat": 0.645}, 0.645 * 0.355),
    (r"\mathit{net}_{h1} + E_{\text{total}}", {"net_h1": 1.0, "E_total": 2.0}, 3.0),
    (r"\frac{\partial L}{\partial \hat{y}} \cdot \frac{\partial \hat{y}}{\partial z_{3}}",
     {"dL/dy_hat": -0.71, "dy_hat/dz_3": 0.229}, -0.71 * 0.229),
    ("∂L/∂ŷ · ∂ŷ/∂z3", {"dL/dy_hat": -0.71, "dy_hat/dz3": 0.229}, -0.71 * 0.229),
    ("dL/dy_hat * dy_hat/dz3", {"dL/dy_hat": -0.71, "dy_hat/dz3": 0.229}, -0.71 * 0.229),
    (r"\partial L / \partial w_5", {"dL/dw_5": 0.25}, 0.25),
    (r"\frac{dL}{dw_5}", {"dL/dw_5": 0.25}, 0.25),
])
def test_names_and_derivatives_read_as_written(text: str, names: dict[str, float],
                                               expected: float) -> None:
    assert value(text, names) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("text", "spelled", "updated"), [
    ("z_{1}", "z_1", False), ("z_1", "z_1", False), ("z1", "z1", False),
    (r"\hat{y}", "y_hat", False), ("ŷ", "y_hat", False), ("yhat", "y_hat", False),
    ("net_{h1}", "net_h1", False), ("E_{total}", "E_total", False),
    ("w_5^{+}", "w_5", True), ("w5'", "w5", True), ("new w5", "w5", True),
    ("w_5^{new}", "w_5", True), ("w5_new", "w5", True), (r"w_{5}^{\prime}", "w_5", True),
])
def test_a_name_and_its_update_mark(text: str, spelled: str, updated: bool) -> None:
    node = parse(text)
    assert isinstance(node, Name)
    assert (node.spelled, node.updated) == (spelled, updated)


def test_a_sample_index() -> None:
    node = parse("z1[2]")
    assert isinstance(node, Name) and node.sample == 2
    node = parse("z_{1}^{(3)}")
    assert isinstance(node, Name) and node.sample == 3


def test_a_final_number_keeps_its_written_text() -> None:
    number = is_number(parse("−0.010"))
    assert number is not None and number.text == "-0.010" and number.value == -0.01
    assert is_number(parse("-0.71 * 2")) is None


@pytest.mark.parametrize(("text", "column"), [
    ("(1 - ", 6), ("1 + * 2", 5), ("0.5 ) 2", 5), ("σ(", 3), ("∂L", 1), ("2 @ 3", 3),
    (r"\foo{1}", 1), ("__import__('os')", 1),
])
def test_errors_name_their_column(text: str, column: int) -> None:
    with pytest.raises(ExprError) as err:
        parse(text)
    assert err.value.at == column


def test_undefined_arithmetic_is_nan_not_an_exception() -> None:
    for text in ("1/0", "ln(-1)", "exp(1000)", "(-8)^(0.5)", "10^(10^10)"):
        assert math.isnan(value(text))


def test_bounded_length_and_depth() -> None:
    with pytest.raises(ExprError, match="at most"):
        parse("1+" * MAX_LENGTH + "1")
    deep = "(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(ExprError, match="nested"):
        parse(deep)
    with pytest.raises(ExprError, match="nested"):
        parse("-" * (MAX_DEPTH + 5) + "1")
    with pytest.raises(ExprError, match="nested"):
        parse("2^" * (MAX_DEPTH + 5) + "1")
    fracs = r"\frac{1}{" * 30 + "1" + "}" * 30  # within MAX_LENGTH, nested past MAX_DEPTH
    with pytest.raises(ExprError):
        parse(fracs)
    hats = r"\hat{" * 333 + "y" + "}" * 333  # 1,999 characters of groups read one inside another
    with pytest.raises(ExprError, match="nested"):
        parse(hats)


def test_the_longest_sum_a_page_may_write_is_worked_without_deep_recursion() -> None:
    # 1 + 1 + … + 1, 1,000 terms in 1,999 characters: a tree 999 deep, worked as one loop
    # (it once exhausted Python's recursion); counted by hand: 1,000
    terms = (MAX_LENGTH + 1) // 2
    assert value("+".join(["1"] * terms)) == terms
    assert value("·".join(["1"] * terms)) == 1.0
    assert value("-".join(["1"] * terms)) == 2 - terms
    # and shown in the tables' notation the same way: one line, no brackets
    assert show(parse("+".join(["1"] * terms))) == " + ".join(["1"] * terms)
    assert show(parse("(1-2)/3·" + "·".join(["4"] * (terms - 4)))) == \
        "(1 − 2)/3·" + "·".join(["4"] * (terms - 4))


def test_control_and_bidi_characters_are_escaped_in_messages() -> None:
    for bad in ("z\u202e1 = 2", "z\x1b[31m1"):
        with pytest.raises(ExprError) as err:
            parse(bad)
        assert "\x1b" not in err.value.reason and "\u202e" not in err.value.reason
