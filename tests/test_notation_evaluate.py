"""notation.evaluate, the reader of a report's "with numbers" rows, against values worked
independently: exact rational arithmetic (fractions.Fraction) for the rows of + − · / and
powers, and mpmath at 30 digits for σ, tanh, e^, ln, √, Φ and φ; the notation's precedence and
cases as Python's grammar reads the same expression. Hostile texts are bounded: None or nan,
never an exception."""

from __future__ import annotations

import math
import sys
from fractions import Fraction as F

import mpmath
import pytest

from backprop.arith import MAX_DEPTH
from backprop.notation import MAX_SHAPE, MAX_SLOTS, evaluate

mpmath.mp.dps = 30


def sigma(z: str) -> float:
    return float(1 / (1 + mpmath.exp(-mpmath.mpf(z))))


def mp(x: mpmath.mpf) -> float:
    return float(x)


M = mpmath.mpf

#: (row as the reports print it, its value worked here): one or more rows per construct
WORKED = [
    # products, written · and by juxtaposition; − as minus; a negative number in brackets
    ("0.741 · 0.187 · 0.400", float(F("0.741") * F("0.187") * F("0.400"))),
    ("(-0.709) · 0.229 · 0.55", float(F("-0.709") * F("0.229") * F("0.55"))),
    ("0.646(1 − 0.646)", float(F("0.646") * (1 - F("0.646")))),
    ("−2(1 − 0.646)/1", float(-2 * (1 - F("0.646")))),
    ("0.5·0.7 + 0.3·0.4", float(F("0.5") * F("0.7") + F("0.3") * F("0.4"))),
    ("0.15 − 0.5·0.000439", float(F("0.15") - F("0.5") * F("0.000439"))),
    ("0.7 − 0.1·(-0.011)", float(F("0.7") + F("0.1") * F("0.011"))),
    ("−[0.2 + 0.3]·2", -1.0),
    ("0.5 × 0.3", float(F("0.5") * F("0.3"))),
    # ² and ½: ½(t − o)², the square binding tighter than the sign before it
    ("½(0.01 − 0.7514)²", float(F(1, 2) * (F("0.01") - F("0.7514")) ** 2)),
    ("(1 − 0.646)²", float((1 - F("0.646")) ** 2)),
    ("1 − 0.3²", float(1 - F("0.3") ** 2)),
    ("−0.3²", -0.09),
    ("(-0.3)²", 0.09),
    # ^: right to left, a signed exponent; Adam's bias correction and its √
    ("2^3^2", 512.0),
    ("2^-1", 0.5),
    ("0.001 / (1 − 0.9^3)", float(F("0.001") / (1 - F("0.9") ** 3))),
    ("0.1·0.2 / (√0.3 + 1e-8)", mp(M("0.1") * M("0.2") / (mpmath.sqrt(M("0.3")) + M("1e-8")))),
    ("0.9·0.5 + (1 − 0.9)·0.2²", float(F("0.9") * F("0.5") + (1 - F("0.9")) * F("0.2") ** 2)),
    # σ and tanh, alone and in a derivative's rule
    ("σ(0.378)", sigma("0.378")),
    ("σ(-0.328)", sigma("-0.328")),
    ("tanh(0.5)", mp(mpmath.tanh(M("0.5")))),
    ("σ(0.3)(1 + 0.3(1 − σ(0.3)))", mp(1 / (1 + mpmath.exp(-M("0.3"))) * (
        1 + M("0.3") * (1 - 1 / (1 + mpmath.exp(-M("0.3"))))))),
    ("0.3·σ(0.3)", mp(M("0.3") / (1 + mpmath.exp(-M("0.3"))))),
    # e^ of a number or a bracket; ln of a number or a bracket; √
    ("e^0.3", mp(mpmath.exp(M("0.3")))),
    ("e^(-0.3)", mp(mpmath.exp(M("-0.3")))),
    ("ln(1 + e^(-0.3))", mp(mpmath.log(1 + mpmath.exp(M("-0.3"))))),
    ("e^0.1 / (e^0.1 + e^0.2 + e^(-0.3))",
     mp(mpmath.exp(M("0.1")) / (mpmath.exp(M("0.1")) + mpmath.exp(M("0.2")) + mpmath.exp(M("-0.3"))))),
    ("ln 0.2", mp(mpmath.log(M("0.2")))),
    ("−0.4·ln 0.2", mp(-M("0.4") * mpmath.log(M("0.2")))),
    ("−[1·ln 0.2 + (1 − 1)·ln(1 − 0.2)]", mp(-mpmath.log(M("0.2")))),
    ("√0.5", mp(mpmath.sqrt(M("0.5")))),
    ("√(0.25)", 0.5),
    # Φ and φ (the normal CDF and density: GELU and its derivative)
    ("Φ(0.2)", mp(mpmath.ncdf(M("0.2")))),
    ("0.3·Φ(0.3)", mp(M("0.3") * mpmath.ncdf(M("0.3")))),
    ("Φ(0.2) + 0.2·φ(0.2)", mp(mpmath.ncdf(M("0.2")) + M("0.2") * mpmath.npdf(M("0.2")))),
    # max(0, z) and a rule's two cases, the conditional lowest of all
    ("max(0, 0.3)", 0.3),
    ("max(0, -0.3)", 0.0),
    ("1 if 0.3 > 0 else 0", 1.0),
    ("1 if -0.3 > 0 else 0.01", 0.01),
    ("1 if 0.0 > 0 else 0", 0.0),
    ("1 + 2 if 0 > 1 else 3", 3.0),
    ("(1 if 0.3 > 0 else 2) + 1", 2.0),
    # numbers as printed: small values, exponents, a file's own integers
    ("1.23e-13 · 2", float(F("1.23e-13") * 2)),
    ("0.000665 · 1", 0.000665),
]


@pytest.mark.parametrize(("text", "expected"), WORKED)
def test_each_construct_reads_as_worked_independently(text: str, expected: float) -> None:
    got = evaluate(text)
    assert got is not None, text
    # float arithmetic in the row's order: within a few units of the last place of the exact value
    assert math.isclose(got, expected, rel_tol=4e-16, abs_tol=1e-300), (text, got, expected)


@pytest.mark.parametrize("text", [
    "ln 0", "−1·ln 0", "ln(0)", "√(-0.5)", "1/0", "0/0", "0^-1", "e^1000", "2^99999", "10^400",
    "(-8)^0.5",  # no real value
])
def test_undefined_at_its_numbers_is_nan(text: str) -> None:
    got = evaluate(text)
    assert got is not None and math.isnan(got), (text, got)


@pytest.mark.parametrize("text", [
    "Σ …", "…", "0.250 · (Σ …)", "e^(-0.015) / Σ e^z", "∞", "0.3 · ∞", "x1", "z1 + 0.3",
    "# · 3",  # a "#" of the text's own is no number
    "leaky_relu(-0.3)",  # its slope is not printed
    "relu(0.3)", "sigmoid(0.3)", "σ 0.3", "ln σ(0.3)", "e^σ(0.3)", "max(0.3)", "max()", "σ(1, 2)",
    "1, 2", "(1, 2)", "()", "", "0.3 −", "(0.3", "0.3)", "1 if 0.3 > 0", "if 0.3 else 1",
    "0.3 <= 0.2", "0.3 < 0.2 < 0.1", "0.3 // 0.2", "e ^ 0.3",
])
def test_what_is_not_plain_arithmetic_in_the_notation_is_none(text: str) -> None:
    assert evaluate(text) is None


def test_a_row_is_read_at_its_own_numbers_each_time() -> None:
    # one shape, two texts: the cached shape is worked at each text's numbers
    assert evaluate("0.5·0.7 + 0.3·0.4") == float(F("0.35") + F("0.12"))
    assert evaluate("0.1·0.2 + 0.3·0.4") == float(F("0.02") + F("0.12"))


# ---------------------------------------------------------------- hostile texts, bounded


def test_deep_nesting_is_none_not_a_recursion_error() -> None:
    for depth in (MAX_DEPTH + 1, 150, 1_000, 100_000):
        assert evaluate("(" * depth + "0.5" + ")" * depth) is None
        assert evaluate("σ(" * depth + "0.5" + ")" * depth) is None
        assert evaluate("−" * depth + "0.5") is None
        assert evaluate("0.5" + "²" * depth) is None
    # within the bound, the same texts read
    assert evaluate("(" * 10 + "0.5" + ")" * 10) == 0.5
    assert evaluate("−" * 10 + "0.5") == 0.5


def test_a_long_text_is_none_or_worked_in_a_loop() -> None:
    tokens = " · ".join(["0.5"] * 100_000)  # 10^5 numbers: past MAX_SLOTS
    assert evaluate(tokens) is None
    assert evaluate("1 + " * 100_000 + "1") is None
    assert evaluate("(" * 60_000) is None
    assert evaluate("½" * (MAX_SHAPE + 1) + "1") is None
    # as long as may be read: one loop, not a tree as deep as the text
    most = " + ".join(["0.5"] * MAX_SLOTS)
    assert evaluate(most) == float(F(1, 2) * MAX_SLOTS)
    halves = "½" * (MAX_SHAPE - 10) + "(2)"
    assert evaluate(halves) == float(F(1, 2) ** (MAX_SHAPE - 10) * 2)  # 0.0: below the floats


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def test_reading_needs_a_stack_as_deep_as_the_nesting_not_the_length() -> None:
    # a row of MAX_SLOTS terms is one loop: a few frames; MAX_DEPTH brackets, a few a bracket
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(_stack_depth() + 50)
        assert evaluate(" − ".join(["0.5"] * MAX_SLOTS)) == float(F(1, 2) * (2 - MAX_SLOTS))
        sys.setrecursionlimit(_stack_depth() + 8 * MAX_DEPTH)
        deep = "(" * (MAX_DEPTH - 1) + "0.5" + ")" * (MAX_DEPTH - 1)
        assert evaluate(deep + " · 0.25") == 0.125
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize("text", ["2^99999999", "0.5^99999999", "1e308 · 10", "1e999", "e^1e999",
                                  "10^10^10", "(-2)^1e300", "2^-99999999", "e^(1e308·10)"])
def test_huge_exponents_give_a_number_inf_or_nan(text: str) -> None:
    got = evaluate(text)
    assert isinstance(got, float), (text, got)


def test_huge_exponents_as_float_arithmetic_gives_them() -> None:
    assert evaluate("0.5^99999999") == 0.0  # (1/2)^(10^8): below the smallest float
    assert evaluate("2^-99999999") == 0.0
    assert evaluate("1e308 · 10") == math.inf  # a product overflows to ∞, as IEEE 754 does
    got = evaluate("2^99999999")  # a power past the floats: undefined here
    assert got is not None and math.isnan(got)
