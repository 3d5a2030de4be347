"""Arithmetic read from text, as a tree, and its value: the nodes both readers build (expr.py
from a student's page, notation.py from a report's printed row) and the one evaluator they
share. No `eval`: the value is worked node by node on an explicit stack, so neither a long sum
nor a deep nesting can exhaust Python's recursion."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping

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


def value(node: Node, lookup: Callable[[Leaf], float],
          functions: Mapping[str, Callable[[float], float]],
          nums: Mapping[int, float] | None = None,
          power: Callable[[float, float], float] = real_power) -> float:
    """The tree's value: a leaf's through `lookup`, a number replaced by `nums[id(node)]` where
    given, a call through `functions`, a power through `power`. Operands are worked left to
    right, as written; undefined arithmetic raises as Python's does (ZeroDivisionError,
    OverflowError, ValueError), for the reader to word."""
    todo: list[tuple[bool, Node]] = [(False, node)]  # (operands worked?, node)
    done: list[float] = []
    while todo:
        applying, n = todo.pop()
        if applying:  # its operands are the last values on `done`
            if isinstance(n, Bin):
                b = done.pop()
                a = done.pop()
                done.append(power(a, b) if n.op == "^" else _BINARY[n.op](a, b))
            elif isinstance(n, Neg):
                done.append(-done.pop())
            elif isinstance(n, Call):
                done.append(functions[n.fn](done.pop()))
            elif isinstance(n, If):
                todo.append((False, n.then if done.pop() else n.other))
        elif isinstance(n, Num):
            done.append(nums.get(id(n), n.value) if nums else n.value)
        elif isinstance(n, Bin):
            todo += [(True, n), (False, n.right), (False, n.left)]
        elif isinstance(n, Neg | Call):
            todo += [(True, n), (False, n.arg)]
        elif isinstance(n, If):
            todo += [(True, n), (False, n.test)]
        else:
            done.append(lookup(n))
    return done[0]


_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "<": lambda a, b: float(a < b), ">": lambda a, b: float(a > b), "max": max}
