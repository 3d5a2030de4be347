"""What the step, summary and explain renderers share: the number format's type, a table in the
reports' one style, its rows, a sample's tag and a chain of factors written out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backprop.notation import fill, given, paren
from backprop.render.layout import Derivation, Partial, Table, Text, box
from backprop.trace import Factor, SampleTrace, Trace

GIVEN_SLOTS = frozenset({"t", "D", "slope"})  #: slots holding numbers the file gave, printed as given
WIDE_SUM = 6  #: a sum with more terms than this is written Σ, not term by term
Fmt = Callable[[float], str]  #: a number as printed, at the report's decimals


def table(title: str | None, *columns: str, right: Sequence[str] = ("value",)) -> Table:
    """A report table: bold title, a rule under the header, the `right` columns right-aligned."""
    made = Table(title=Text(title, style="bold") if title else None, title_justify="left",
                 box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in columns:
        made.add_column(Text(name), justify="right" if name in right else "left",
                        overflow="fold", no_wrap=name in right)
    return made


def row(into: Table, *cells: str | Text) -> None:
    into.add_row(*(c if isinstance(c, Text) else Text(c) for c in cells))


def tag(trace: Trace, sample: SampleTrace) -> str:
    """``[2]`` after a name for sample 2 of a network with several samples, else nothing."""
    return f"[{sample.index}]" if trace.network.multi_sample else ""


def chain(factors: Sequence[Factor]) -> str:
    """∂L/∂y_hat · ∂y_hat/∂z3 · …"""
    return " · ".join(f.label for f in factors)


def numbers(factors: Sequence[Factor], f: Fmt) -> str:
    """The chain's values: (-0.709) · 0.229 · …"""
    return " · ".join(paren(f(x.value)) for x in factors)


def derivation(factors: Sequence[Factor], f: Fmt, *, text: str | None = None,
               lhs: Partial | str | None = None, value: str | None = None) -> Derivation:
    """The chain with its numbers, "∂L/∂y_hat · … \n= (-0.709) · …" unless `text` words it
    otherwise, its parts kept for a layout that typesets them."""
    return Derivation(text if text is not None else f"{chain(factors)}\n= {numbers(factors, f)}",
                      chain=tuple(Partial(x.numerator, x.denominator) for x in factors),
                      numbers=tuple(f(x.value) for x in factors), lhs=lhs, value=value)


def substituted(factor: Factor, f: Fmt) -> str:
    """The factor's rule with numbers: "0.646(1 − 0.646)", each computed value printed by `f`
    and a number the file gave as given; negative numbers are parenthesised."""
    return fill(factor.template, {slot: given(value) if slot in GIVEN_SLOTS else f(value)
                                  for slot, _, value in factor.args})
