"""Arithmetic read from text, as a tree, and its value: the nodes both readers build (expr.py
from a student's page, notation.py from a report's printed row) and the one evaluator they
share, which turns a tree into a function of its numbers made of closures: no `eval`, and no
recursion deeper than the text's nesting, however long the text."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence

from backprop.record import record

#: the deepest nesting of parentheses, powers, signs and functions either reader takes
MAX_DEPTH = 40


class Leaf:
    """A node whose value its reader's lookup gives: a page's name or derivative (expr.py)."""

    __slots__ = ()


@record
class Num:
    value: float
    text: str  #: as written, normalised (−0.71 → "-0.71" once a sign is folded in)


@record
class Neg:
    arg: Node


@record
class Bin:
    #: + - * / ^; a row's test 1 if z > 0 else 0 compares with < > (1.0 true, 0.0 false);
    #: max(0, z) is "max" (the first of equals, as Python's max)
    op: str
    left: Node
    right: Node


@record
class Call:
    fn: str  #: a key of the reader's table of functions
    arg: Node


@record
class If:
    """`then if test else other`, as a row of the notation writes a rule's two cases; only the
    case taken is worked (test true: nonzero or nan)."""

    test: Node
    then: Node
    other: Node


Node = Num | Neg | Bin | Call | If | Leaf


def real_power(a: float, b: float) -> float:
    """a^b; ValueError where it has no real value (a negative number to a fractional power)."""
    result = a ** b
    if isinstance(result, complex):
        raise ValueError("no real value")
    return float(result)


#: what an evaluator takes: the values its getters read (a row's numbers, in the order written)
Values = Sequence[float]
Getter = Callable[[Values], float]


def evaluator(node: Node, leaf: Callable[[Num | Leaf], Getter],
              functions: Mapping[str, Callable[[float], float]],
              power: Callable[[float, float], float] = real_power) -> Getter:
    """The tree as a function of its reader's values, made of closures (built once, run as
    often as wanted; no `eval`): each number's and leaf's value read by the getter `leaf` gives
    for it, a call through `functions`, a power through `power`. Operands are worked left to
    right, as written; undefined arithmetic raises as Python's does (ZeroDivisionError,
    OverflowError, ValueError), for the reader to word.

    A run of left-associative operations (a·b·c, a − b + c: a tree as deep as it is long) is
    one loop, so the closures nest only as deep as the text's brackets, signs and powers, which
    each reader holds to MAX_DEPTH."""
    if isinstance(node, Bin) and node.op != "^":
        rest: list[tuple[Callable[[float, float], float], Getter]] = []
        while isinstance(node, Bin) and node.op != "^":  # down the left spine, no recursion
            rest.append((_BINARY[node.op], evaluator(node.right, leaf, functions, power)))
            node = node.left
        return _chain(evaluator(node, leaf, functions, power), tuple(reversed(rest)))
    if isinstance(node, Bin):
        return _power(evaluator(node.left, leaf, functions, power),
                      evaluator(node.right, leaf, functions, power), power)
    if isinstance(node, Neg):
        return _negative(evaluator(node.arg, leaf, functions, power))
    if isinstance(node, Call):
        return _applied(functions[node.fn], evaluator(node.arg, leaf, functions, power))
    if isinstance(node, If):
        return _choice(*(evaluator(n, leaf, functions, power)
                         for n in (node.test, node.then, node.other)))
    return leaf(node)


# Each closure is made by a function of its own, so that it holds only what it runs.

def _chain(first: Getter, rest: tuple[tuple[Callable[[float, float], float], Getter], ...]) -> Getter:
    def run(values: Values) -> float:
        x = first(values)
        for op, operand in rest:
            x = op(x, operand(values))
        return x

    return run


def _power(base: Getter, exponent: Getter, power: Callable[[float, float], float]) -> Getter:
    return lambda values: power(base(values), exponent(values))


def _negative(arg: Getter) -> Getter:
    return lambda values: -arg(values)


def _applied(f: Callable[[float], float], arg: Getter) -> Getter:
    return lambda values: f(arg(values))


def _choice(test: Getter, then: Getter, other: Getter) -> Getter:
    return lambda values: then(values) if test(values) else other(values)


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "<": lambda a, b: float(a < b), ">": lambda a, b: float(a > b), "max": max}
