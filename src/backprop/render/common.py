"""What the step, summary and explain renderers share: the number format's type, a table in the
reports' one style, its rows, a sample's tag and a chain of factors written out."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from backprop.notation import Places, fill, fitted, given, paren
from backprop.render.layout import Derivation, Partial, Table, Text, box
from backprop.trace import Factor, SampleTrace, Trace

#: slots holding numbers the file gave (a target, a weight, a slope) or a count, printed as given
GIVEN_SLOTS = frozenset({"t", "D", "slope", "w"})
WIDE_SUM = 6  #: a sum with more terms than this is written Σ, not term by term
Fmt = Callable[[float], str]  #: a number as printed, at the report's decimals (a Places)


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


def numbers(factors: Sequence[Factor], f: Fmt, inputs: Collection[str] = ()) -> str:
    """The chain's values: (-0.709) · 0.229 · 0.55 · … (a weight or an input as the file gave it)."""
    return " · ".join(paren(value(x, f, inputs)) for x in factors)


def value(factor: Factor, f: Fmt, inputs: Collection[str] = ()) -> str:
    """A factor's value as printed: by `f`, or as the file gave it when it is the file's number
    (∂z/∂h = a weight, ∂z/∂w = an input)."""
    if factor.template == "{w}" or (factor.template == "{x}" and factor.args[0][1] in inputs):
        return given(factor.value)
    return f(factor.value)


def derivation(factors: Sequence[Factor], f: Places, printed: str, inputs: Collection[str] = (),
               *, wording: str = "{chain}\n= {numbers}", lhs: Partial | str | None = None,
               result: str | None = None) -> Derivation:
    """The chain with its numbers, written by `wording` ("∂L/∂y_hat · …\n= (-0.709) · …"), the
    numbers fitted to the `printed` value they make (notation.fitted), and its parts kept for a
    layout that typesets them: each factor, each number as written, `lhs` and `result`."""
    used: list[Places] = []

    def written(p: Places) -> str:
        used.append(p)
        return numbers(factors, p, inputs)

    text = fitted(printed, written, f)
    return Derivation(wording.replace("{chain}", chain(factors)).replace("{numbers}", text),
                      chain=tuple(Partial(x.numerator, x.denominator) for x in factors),
                      numbers=tuple(value(x, used[-1], inputs) for x in factors), lhs=lhs,
                      value=result)


def substituted(factor: Factor, f: Fmt, inputs: Collection[str] = ()) -> str:
    """The factor's rule with numbers: "0.646(1 − 0.646)", each computed value printed by `f`
    and a number the file gave (a target, a weight, an input) as given; negative numbers are
    parenthesised."""
    return fill(factor.template, {slot: given(v) if slot in GIVEN_SLOTS or name in inputs else f(v)
                                  for slot, name, v in factor.args})


def factor_cells(factor: Factor, f: Places, inputs: Collection[str] = ()) -> tuple[str, str]:
    """A factor's "with numbers" and value cells, the numbers printed finer where the value
    needs it to be redone from them."""
    shown = value(factor, f, inputs)
    if factor.template in ("{w}", "{x}") or not factor.args:  # the number itself, or ±1
        return substituted(factor, f, inputs), shown
    return fitted(shown, lambda p: substituted(factor, p, inputs), f), shown
