"""The arithmetic both readers of written numbers work with (expr.py a student's page,
notation.py a report's printed row): each operation a closure over its operands' getters, built
once from what was read and run as often as wanted, at any numbers; no `eval`. A run of
left-associative operations (a·b·c, a − b + c) is one loop, so getters nest only as deep as the
text's brackets, signs, powers and functions, which each reader holds to MAX_DEPTH."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

#: the deepest nesting of parentheses, fractions, powers, signs and functions a reader takes
MAX_DEPTH = 40

Values = Sequence[float]  #: what a getter is run at: a row's numbers in the order written
Getter = Callable[[Values], float]
Operation = Callable[[float, float], float]

#: the two-place operations by their sign; a comparison is 1.0 (true) or 0.0, as in a rule's
#: "1 if z > 0 else 0", and max keeps the first of equals, as Python's max does
OPERATIONS: dict[str, Operation] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "<": lambda a, b: float(a < b), ">": lambda a, b: float(a > b), "max": max}


def real_power(a: float, b: float) -> float:
    """a^b; ValueError where it has no real value (a negative number to a fractional power)."""
    result = a ** b
    if isinstance(result, complex):
        raise ValueError("no real value")
    return float(result)


# Each getter is made by a function of its own, so that its closure holds only what it runs.
# Undefined arithmetic raises as Python's does (ZeroDivisionError, OverflowError, ValueError),
# for the reader to word; operands are worked left to right, as written.

def number(value: float) -> Getter:
    return lambda _: value


def slot(index: int) -> Getter:
    """The `index`-th of the values a getter is run at."""
    getter: Getter = operator.itemgetter(index)
    return getter


def chain(first: Getter, rest: Sequence[tuple[Operation, Getter]]) -> Getter:
    """first, then each (operation, operand) of `rest` in turn: a − b + c, a·b/c, in one loop."""
    if not rest:
        return first
    if len(rest) == 1:
        (op, second), = rest
        return lambda values: op(first(values), second(values))
    steps = tuple(rest)

    def run(values: Values) -> float:
        x = first(values)
        for op, operand in steps:
            x = op(x, operand(values))
        return x

    return run


def power(base: Getter, exponent: Getter,
          rule: Callable[[float, float], float] = real_power) -> Getter:
    return lambda values: rule(base(values), exponent(values))


def negative(arg: Getter) -> Getter:
    return lambda values: -arg(values)


def applied(f: Callable[[float], float], arg: Getter) -> Getter:
    return lambda values: f(arg(values))


def choice(test: Getter, then: Getter, other: Getter) -> Getter:
    """`then if test else other`: only the case taken is worked (test true: nonzero or nan)."""
    return lambda values: then(values) if test(values) else other(values)
