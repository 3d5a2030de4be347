"""The matrix and summation forms (forms.py) written out: one small document of headings,
paragraphs and equations (each piece a symbol in text and LaTeX, or a matrix), and its writers:
the report's text document (vectors and matrices as aligned blocks), Markdown, LaTeX, HTML; and
the forms as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from backprop import safe
from backprop.errors import UsageError
from backprop.explain import MAX_PATHS, Block, DeltaRow, Explanation
from backprop.forms import Layer, LayerValues, MatrixForm, Position, SumForm, SumUse, Totals
from backprop.network import Spelling
from backprop.notation import fmt, fmt_step, given, latex_name, latex_text, paren
from backprop.render import latex, markdown
from backprop.render.common import WIDE_SUM, value
from backprop.render.html import escape, page
from backprop.render.layout import Group, RenderableType, Text

Fmt = Callable[[float], str]
WIDTH = 78  #: a text equation wider than this is written one piece under the other
MAX_NODES = 16  #: layers wider than this are not written out as matrices (JSON holds them)
TEX_LINE = 60  #: a LaTeX sum of numbers breaks its line before it is this many characters long

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sup(i: int) -> str:
    """⁽²⁾: a layer's superscript."""
    return f"⁽{str(i).translate(_SUP)}⁾"


def sub(i: int | str) -> str:
    return str(i).translate(_SUB)


# ---------------------------------------------------------------- the document

@dataclass(frozen=True, slots=True)
class S:
    """A symbol or a run of math, as text and as LaTeX (math mode)."""

    text: str
    tex: str

    def __add__(self, other: S | str) -> S:
        if isinstance(other, str):
            return S(self.text + other, self.tex + other)
        return S(self.text + other.text, self.tex + other.tex)


@dataclass(frozen=True, slots=True)
class Mat:
    """A matrix (a column vector: one entry per row), each entry a symbol."""

    rows: tuple[tuple[S, ...], ...]


Piece = S | Mat


@dataclass(frozen=True, slots=True)
class Eq:
    """lhs = steps[0] = steps[1] = …; `inline`: on one line, else one step per line."""

    lhs: tuple[Piece, ...]
    steps: tuple[tuple[Piece, ...], ...]
    inline: bool = False
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of prose with math in it; `kind`: "head", "bold", "note", "italic" or ""."""

    parts: tuple[str | S, ...]  #: prose (str) and math (S)
    kind: str = ""


Item = Eq | Para
T = S("ᵀ", r"^\top")


def _t(text: str) -> S:
    """Plain math text that reads the same in LaTeX (digits, operators written as LaTeX); a
    saturated value's ∞ (notation.fmt's) and a product's · written as LaTeX's."""
    return S(text, text.replace("∞", r"\infty ").replace("·", r"\cdot "))


EQ_OP = S(" = ", " = ")
DOT = S("·", r"\,")
ODOT = S(" ⊙ ", r" \odot ")
BLANK = Para(())


class Names:
    """The symbols of one report: the file's names typeset by notation.latex_name, layer
    quantities with their superscript, derivatives as fractions."""

    def __init__(self, spellings: Mapping[str, Spelling], loss: str) -> None:
        self.spellings = spellings
        self.loss = self.name(loss)

    def name(self, name: str) -> S:
        return S(name, latex_name(name, self.spellings))

    @staticmethod
    def layer(letter: str, i: int, tex: str | None = None) -> S:
        """O⁽²⁾, δ⁽²⁾ (tex: the letter's LaTeX, e.g. \\delta)."""
        return S(f"{letter}{sup(i)}", f"{{{tex or letter}^{{({i})}}}}")  # braced: W⁽²⁾ᵀ

    def d(self, of: S) -> S:
        """∂L/∂x."""
        return S(f"∂{self.loss.text}/∂{of.text}",
                 rf"\frac{{\partial {self.loss.tex}}}{{\partial {of.tex}}}")


def number(x: float | None, f: Fmt) -> S:
    if x is None:
        return S("—", r"\text{--}")
    return _t(f(x))


def _given(x: float) -> str:
    """A number the file gave (a weight, a bias, an input, η), printed as written."""
    return given(x)


def col(values: Sequence[float | None], f: Fmt) -> Mat:
    return Mat(tuple((number(v, f),) for v in values))


def mat(rows: Sequence[Sequence[float | None]], f: Fmt) -> Mat:
    return Mat(tuple(tuple(number(v, f) for v in row) for row in rows))


def names_mat(rows: Sequence[Sequence[str | None]], names: Names) -> Mat:
    return Mat(tuple(tuple(_t("0") if n is None else names.name(n) for n in row) for row in rows))


# ---------------------------------------------------------------- the matrix form

def _check_size(form: MatrixForm) -> None:
    """Matrices wider than MAX_NODES are not written out (the JSON form holds every number)."""
    for i in sorted(form.shown):
        layer = form.layers[i - 1]
        wide = [(i, len(layer.nodes), "nodes")] if len(layer.nodes) > MAX_NODES else []
        if len(layer.sources) > MAX_NODES:
            wide.insert(0, (i - 1, len(layer.sources), "inputs" if i == 1 else "nodes"))
        if wide:
            at, count, what = wide[0]
            raise UsageError(f"the matrix form writes out layers of up to {MAX_NODES} nodes, but "
                             f"layer {at} has {count:,} {what}; the JSON format holds every "
                             f"number")


def _entry(p: Position) -> str:
    return f"({p.row}, {p.column})" if p.column is not None else f"{p.row}"


def _pick(names: Names, p: Position) -> S:
    """(∂L/∂W⁽¹⁾)₁,₁: a picked entry."""
    of = names.layer("W" if p.column is not None else "b", p.layer)
    where = f"{p.row},{p.column}" if p.column is not None else f"{p.row}"
    text_where = sub(p.row) + (f",{sub(p.column)}" if p.column is not None else "")
    inner = names.d(of)
    return S(f"({inner.text}){text_where}", rf"\left({inner.tex}\right)_{{{where}}}")


def _transpose(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    return [list(r) for r in zip(*rows, strict=True)]


def matrix_items(form: MatrixForm, decimals: int = 3) -> list[Item]:
    """The matrix form as a document: the file's names in each matrix, then per sample each
    layer's δ, loss end first, and the gradient matrices with the asked entry picked out."""
    _check_size(form)
    f = partial(fmt, decimals=decimals)
    names = Names(form.spellings, form.loss_name)
    n = len(form.layers)
    O, W, b, Z = (partial(names.layer, x) for x in "OWbZ")

    def delta(i: int) -> S:
        return names.layer("δ", i, r"\delta")

    items: list[Item] = []
    if form.param is not None:
        head: list[str | S] = [names.d(names.name(form.param)), " in matrix form: ",
                               names.name(form.param), " is "]
        for k, p in enumerate(form.positions):
            head += [" and " if k else "", f"entry {_entry(p)} of ",
                     names.layer("W" if p.column is not None else "b", p.layer)]
        items.append(Para(tuple(head) if form.positions else (*head, "used nowhere"), "head"))
    else:
        items.append(Para(("The step in matrix form",), "head"))
    sign = S(" + ", " + ") if form.bias_sign > 0 else S(" − ", " - ")
    items.append(Para((S("O⁽ⁱ⁾ = Fᵢ(W⁽ⁱ⁾·O⁽ⁱ⁻¹⁾", r"O^{(i)} = F_i(W^{(i)} O^{(i-1)}") + sign
                       + S("b⁽ⁱ⁾)", "b^{(i)})"), f" for i = 1 to {n}; ",
                       _rule_n(form, names))))
    items.append(Para((S("δ⁽ⁱ⁾ = diag(F′ᵢ)·W⁽ⁱ⁺¹⁾ᵀ·δ⁽ⁱ⁺¹⁾",
                         r"\delta^{(i)} = \operatorname{diag}(F'_i)\, W^{(i+1)\top} \delta^{(i+1)}"),
                       "; ", names.d(S("W⁽ⁱ⁾", "W^{(i)}")) + S(" = δ⁽ⁱ⁾·O⁽ⁱ⁻¹⁾ᵀ",
                                                                 r" = \delta^{(i)} O^{(i-1)\top}"),
                       "; ", names.d(S("b⁽ⁱ⁾", "b^{(i)}"))
                       + (S(" = δ⁽ⁱ⁾", r" = \delta^{(i)}") if form.bias_sign > 0 else
                          S(" = −δ⁽ⁱ⁾", r" = -\delta^{(i)}")))))
    lowest = form.shown[-1]
    for i in range(lowest - 1, n + 1):
        layer = form.layers[i - 1] if i else None
        given = form.layers[0].sources if layer is None else layer.nodes
        line: list[str | S] = [O(i) + " = " + _names(names, given) + T]
        if layer is not None:
            line += [", ", Z(i) + " = " + _names(names, layer.sums) + T]
        items.append(Para(tuple(line)))
    for i in reversed(form.shown):
        layer = form.layers[i - 1]
        items.append(Eq((W(i),), ((names_mat(layer.weights, names),),
                                  (mat(layer.weight_values, _given),)), inline=True))
        if layer.has_bias:
            items.append(Eq((b(i),), ((names_mat([[x] for x in layer.biases], names),),
                                      (col(layer.bias_values, _given),)), inline=True))
    for i in form.shown:
        layer = form.layers[i - 1]
        rules = [S(f"{r} ({k})", rf"{t} \quad \text{{({k})}}") for (k, r), (_, t)
                 in zip(layer.derivatives, layer.latex_derivatives, strict=True)]
        parts: list[str | S] = [S(f"F′{sub(i)}", f"F'_{{{i}}}"), " per node: "]
        for k, rule in enumerate(rules):
            parts += ([", "] if k else []) + [rule]
        items.append(Para(tuple(parts)))
    items.append(Para((names.d(O(n)), " per output: ", S(form.loss_rule, form.loss_latex))))
    for sample in form.samples:
        items.append(BLANK)
        if form.sample_count > 1:
            items.append(Para((f"Sample {sample.index}",), "bold"))
        for i, values in zip(form.shown, sample.layers, strict=True):
            items += _layer_items(form, names, form.layers[i - 1], values, sample.layers, f,
                                  sample.index)
    items += _total_items(form, names, f)
    return items


def _rule_n(form: MatrixForm, names: Names) -> S:
    if form.layers[-1].coupled:
        return S("δ⁽ⁿ⁾ = Jₙᵀ·", r"\delta^{(n)} = J_n^\top ") + names.d(S("O⁽ⁿ⁾", "O^{(n)}")) + \
            S(" (Jₙ the softmax Jacobian)", r" \text{ ($J_n$ the softmax Jacobian)}")
    return S("δ⁽ⁿ⁾ = ", r"\delta^{(n)} = ") + names.d(S("O⁽ⁿ⁾", "O^{(n)}")) + \
        S(" ⊙ F′ₙ", r" \odot F'_n")


def _wanted(form: MatrixForm, layer: int) -> tuple[bool, bool]:
    """Whether the gradient of W⁽ˡᵃʸᵉʳ⁾ and of b⁽ˡᵃʸᵉʳ⁾ is shown: all of a step's, the asked param's."""
    if form.param is None:
        return True, form.layers[layer - 1].has_bias
    return (any(p.layer == layer and p.column is not None for p in form.positions),
            any(p.layer == layer and p.column is None for p in form.positions))


def _layer_items(form: MatrixForm, names: Names, layer: Layer, v: LayerValues,
                 sample: Sequence[LayerValues], f: Fmt, index: int = 1) -> list[Item]:
    i, n = layer.index, len(form.layers)
    m = len(v.delta)
    O, W, b = (partial(names.layer, x) for x in "OWb")
    d_i = names.layer("δ", i, r"\delta")
    jt = [[v.jacobian[a][c] for a in range(m)] for c in range(m)]  # Jᵀ
    diag = [[v.jacobian[a][a] if a == c else 0.0 for c in range(m)] for a in range(m)]
    items: list[Item] = []
    if i == n and layer.coupled:  # δ = Jᵀ·∂L/∂O, J the group's Jacobian
        j_t = S(f"J{sub(i)}ᵀ", f"J_{{{i}}}^\\top")
        items.append(Eq((d_i,), ((j_t + DOT + names.d(O(i)),),
                                 (mat(jt, f), DOT, col(v.upstream, f)), (col(v.delta, f),))))
    elif i == n:
        items.append(Eq((d_i,), ((names.d(O(i)) + ODOT + S(f"F′{sub(i)}", f"F'_{{{i}}}"),),
                                 (col(v.upstream, f), S("⊙", r"\odot"),
                                  col([v.jacobian[a][a] for a in range(m)], f)),
                                 (col(v.delta, f),))))
    else:
        above = form.layers[i]
        j_name = (S(f"J{sub(i)}ᵀ", f"J_{{{i}}}^\\top") if layer.coupled else
                  S(f"diag(F′{sub(i)})", rf"\operatorname{{diag}}(F'_{{{i}}})"))
        d_up = names.layer("δ", i + 1, r"\delta")
        jmat = mat(jt, f) if layer.coupled else Mat(tuple(  # diag(F′): its zeros written 0
            tuple(number(x, f) if a == c else _t("0") for c, x in enumerate(row))
            for a, row in enumerate(diag)))
        d_above = sample[form.shown.index(i + 1)].delta
        items.append(Eq((d_i,), (
            (j_name + DOT + W(i + 1) + S("ᵀ", r"^\top") + DOT + d_up,),
            (jmat, DOT, mat(_transpose(above.weight_values), _given), DOT, col(d_above, f)),
            (jmat, DOT, col(v.upstream, f)), (col(v.delta, f),))))
    show_w, show_b = _wanted(form, i)
    if show_w:
        items.append(Eq((names.d(W(i)),), ((d_i + DOT + O(i - 1) + S("ᵀ", r"^\top"),),
                                           (col(v.delta, f), DOT,
                                            mat([v.previous], _given if i == 1 else f)),
                                           (mat(v.gradient, f),)), inline=True))
    if show_b:
        items.append(Eq((names.d(b(i)),), ((d_i if form.bias_sign > 0 else S("−", "-") + d_i,),
                                           (col(v.bias_gradient, f),)), inline=True))
    if form.param is not None:  # the asked entry, picked out (sample s: ∂L/∂p[s])
        tag = f"[{index}]" if form.sample_count > 1 else ""
        for p in form.positions:
            if p.layer == i:
                items.append(Eq((names.d(names.name(form.param)) + tag,),
                                ((_pick(names, p),), (_t(f(_entry_of(v, p))),)), inline=True))
    return items


def _entry_of(v: LayerValues | Totals, p: Position) -> float:
    value = (v.gradient[p.row - 1][p.column - 1] if p.column is not None else
             v.bias_gradient[p.row - 1])
    assert value is not None
    return float(value)


def _total_items(form: MatrixForm, names: Names, f: Fmt) -> list[Item]:
    items: list[Item] = []
    if form.sample_count > 1:
        items.append(BLANK)
        if len(form.samples) < form.sample_count:
            items.append(Para((f"Shown: {len(form.samples)} of the {form.sample_count:,} samples; "
                               f"the sums below are over every one.",), "italic"))
        over = S(f"Σ over the {form.sample_count:,} samples",
                 rf"\sum_{{s=1}}^{{{form.sample_count}}} (\ldots)_s")
        for k, i in enumerate(form.shown):
            show_w, show_b = _wanted(form, i)
            total = form.totals[k]
            if show_w:
                items.append(Eq((names.d(names.layer("W", i)),), ((over,), (mat(total.gradient, f),)),
                                inline=True))
            if show_b:
                items.append(Eq((names.d(names.layer("b", i)),),
                                ((over,), (col(total.bias_gradient, f),)), inline=True))
    if form.param is None:
        return items + _step_update(form, names, f)
    if form.gradient is None or form.old is None or form.new is None:
        return items
    param = names.name(form.param)
    every = len(form.samples) == form.sample_count
    if form.sample_count > 1 and len(form.positions) == 1 and every:  # as the chain form sums
        p = form.positions[0]
        k = form.shown.index(p.layer)
        shares = [_entry_of(sample.layers[k], p) for sample in form.samples]
        items.append(Eq((names.d(param),), (
            (S(f"Σ over the {form.sample_count} samples", r"\sum_s"),),
            (_join([_t(paren(f(x))) for x in shares], " + "),), (_t(f(form.gradient)),)),
            inline=True, bold=True))
    elif form.sample_count > 1 or len(form.positions) > 1:
        terms = [_entry_of(form.totals[form.shown.index(p.layer)], p) for p in form.positions]
        picks = _join([_pick(names, p) for p in form.positions], " + ")
        steps: list[tuple[Piece, ...]] = [(picks,)]
        if len(terms) > 1:
            steps.append((_join([_t(paren(f(t))) for t in terms], " + "),))
        steps.append((_t(f(form.gradient)),))
        items.append(Eq((names.d(param),), tuple(steps), inline=True, bold=True))
    items.append(_update(names, form.param, form.old, form.new, form.gradient,
                         form.learning_rate, form.frozen, form.optimizer, f))
    return items


def _step_update(form: MatrixForm, names: Names, f: Fmt) -> list[Item]:
    """The step's update as matrices: W⁽ⁱ⁾ ← W⁽ⁱ⁾ − η·∂L/∂W⁽ⁱ⁾ (the trace's numbers), then L."""
    items: list[Item] = [BLANK]
    if form.optimizer is None:
        eta = S(f"η = {given(form.learning_rate)}", rf"\eta = {given(form.learning_rate)}")
        frozen = (f" ({', '.join(form.frozen_params)} frozen: unchanged)"
                  if form.frozen_params else "")
        items.append(Para(("The update, ", eta, frozen), "bold"))
    else:
        items.append(Para((f"The update by {form.optimizer} (its worked rows are in the step's "
                           f"tables)",), "bold"))
    for i, new in zip(form.shown, form.updated, strict=True):
        layer = form.layers[i - 1]
        W, b = names.layer("W", i), names.layer("b", i)
        for sym, values, old in ((W, new.weights, layer.weight_values),
                                 (b, [[x] for x in new.biases], [[x] for x in layer.bias_values])):
            if all(x is None for row in values for x in row):
                continue
            # an entry too small a change for the decimals keeps the digits that show it
            cells = Mat(tuple(tuple(number(None, f) if x is None else _t(fmt_step(x, o, f))
                                    for x, o in zip(row, orow, strict=True))
                              for row, orow in zip(values, old, strict=True)))
            rule = (sym + S(" − η·", r" - \eta\,") + names.d(sym) if form.optimizer is None
                    else S(f"by {form.optimizer}", rf"\text{{by {form.optimizer}}}"))
            lhs = S(f"new {sym.text}", sym.tex + r"_{\text{new}}")
            items.append(Eq((lhs,), ((rule,), (cells,)), inline=True))
    L = names.loss
    items.append(Para((L + _t(f" = {f(form.loss)}"), " before the update, ",
                       L + _t(f" = {f(form.loss_new)}"), " after it")))
    return items


def _join(pieces: Sequence[S], op: str) -> S:
    out = pieces[0]
    for p in pieces[1:]:
        out = out + op + p
    return out


def _update(names: Names, param: str, old: float, new: float, gradient: float, eta: float,
            frozen: bool, optimizer: str | None, f: Fmt) -> Item:
    p = names.name(param)
    if frozen:
        return Para((p, f" is frozen: it stays {given(old)} (its gradient is shown all the same)"))
    if optimizer is not None:
        return Para((f"Update by {optimizer}: ", p, f" = {given(old)} → {fmt_step(new, old, f)} (the "
                     f"optimizer's worked rows are in the step report)"))
    return Para(("Update: ", p + S(" ← ", r" \leftarrow ") + p + S(" − η·", r" - \eta\,")
                 + names.d(p) + _t(f" = {given(old)}")
                 + S(f" − {given(eta)}·", f" - {given(eta)} \\cdot ")
                 + _t(f"{paren(f(gradient))} = {fmt_step(new, old, f)}")))


# ---------------------------------------------------------------- the summation form

Index = str  #: "1" (a fixed position), or an index's name "k2", "k2'"


def formula(form: SumForm, use: SumUse) -> list[tuple[str, ...]]:
    """The general term of ∂L/∂p for one use, loss end first, as tokens for a writer:
    ("sum", index, count), ("loss", layer, index), ("fprime", layer, index),
    ("jac", layer, out_index, in_index), ("w", layer, row, column), ("o", layer, index),
    ("sign",) for a bias's ±1. Indices are "1" (fixed) or names such as "k2", "k2'"."""
    p = use.position
    n = len(form.layers)
    tokens: list[tuple[str, ...]] = []
    below = ""  # the index of the sum the next weight's row feeds
    for level in range(n, p.layer - 1, -1):
        layer = form.layers[level - 1]
        m = str(len(layer.nodes))
        fixed = level == p.layer
        # the chain leaves this layer at o[out]; it enters at z[into]
        if layer.coupled:  # Σ_{k′} ∂o_k/∂z_{k′}: the group couples its members
            out = f"k{level}"
            into = str(p.row) if fixed else f"k{level}'"
        else:
            out = into = str(p.row) if fixed else f"k{level}"
        if out != str(p.row) or not fixed:
            tokens.append(("sum", out, m))
        tokens.append(("loss", str(level), out) if level == n else
                      ("w", str(level + 1), below, out))
        if layer.coupled:
            if not fixed:
                tokens.append(("sum", into, m))
            tokens.append(("jac", str(level), out, into))
        else:
            tokens.append(("fprime", str(level), out))
        below = into
    tokens.append(("o", str(p.layer - 1), str(p.column)) if p.column is not None else ("sign",))
    return tokens


def _idx(i: str) -> S:
    """An index: "1", "k₂", "k′₂"."""
    if i.startswith("k"):
        digits = i.strip("k'")
        prime = i.endswith("'")
        return S("k" + ("′" if prime else "") + sub(digits), f"k{chr(39) if prime else ''}_{{{digits}}}")
    return _t(i)


def _at(letter: str, layer: int | str, *indices: str, tex: str | None = None) -> S:
    """w⁽²⁾[k₂,1]: a layer's entry, its indices in brackets (LaTeX: subscripts)."""
    idx = [_idx(i) for i in indices]
    return S(f"{letter}{sup(int(layer))}[" + ",".join(i.text for i in idx) + "]",
             f"{tex or letter}^{{({layer})}}_{{" + ",".join(i.tex for i in idx) + "}")


def formula_symbol(form: SumForm, names: Names, use: SumUse) -> S:
    out: list[S] = []
    for t in formula(form, use):
        kind = t[0]
        if kind == "sum":
            i = _idx(t[1])
            out.append(S(f"Σ({i.text}=1..{t[2]})", rf"\sum_{{{i.tex}=1}}^{{{t[2]}}}"))
        elif kind == "loss":
            out.append(names.d(_at("o", t[1], t[2])))
        elif kind == "fprime":
            z = _at("z", t[1], t[2])
            out.append(S(f"f′{sub(t[1])}({z.text})", f"f'_{{{t[1]}}}({z.tex})"))
        elif kind == "jac":
            o, z = _at("o", t[1], t[2]), _at("z", t[1], t[3])
            out.append(S(f"∂{o.text}/∂{z.text}", rf"\frac{{\partial {o.tex}}}{{\partial {z.tex}}}"))
        elif kind == "w":
            out.append(_at("w", t[1], t[2], t[3]))
        elif kind == "o":
            out.append(_at("o", t[1], t[2]))
        else:
            out.append(S("· 1", r"\cdot 1") if form.bias_sign > 0 else S("· (−1)", r"\cdot (-1)"))
    return _join(out, " ")


def _lhs(form: SumForm, names: Names, use: SumUse) -> S:
    p = use.position
    if p.column is None:
        return names.d(_at("b", p.layer, str(p.row)))
    return names.d(_at("w", p.layer, str(p.row), str(p.column)))


def sum_items(form: SumForm, decimals: int = 3) -> list[Item]:
    """The summation form as a document: the formula with the network's index ranges, then per
    use and sample its terms in numbers (the chain form's paths), or past MAX_PATHS paths the
    nested sums evaluated layer by layer."""
    f = partial(fmt, decimals=decimals)
    ex = form.explanation
    names = Names(form.spellings, ex.loss_name)
    items: list[Item] = []
    head: list[str | S] = [names.d(names.name(ex.param)), " in summation form: ",
                           names.name(ex.param), " is "]
    for k, u in enumerate(form.uses):
        p = u.position
        head += [" and "] if k else []
        if p.column is not None:
            head += [_at("w", p.layer, str(p.row), str(p.column)),
                     f", into node {p.row} of layer {p.layer} from node {p.column} of layer "
                     f"{p.layer - 1}"]
        else:
            head += [_at("b", p.layer, str(p.row)), f", the bias of node {p.row} of layer {p.layer}"]
    if not form.uses:
        head.append("used nowhere")
    items.append(Para(tuple(head), "head"))
    for use in form.uses:
        items.append(Eq((_lhs(form, names, use),), ((formula_symbol(form, names, use),),),
                        inline=True))
    legend: list[str | S] = ["where "]
    legend += [S("o⁽⁰⁾", "o^{(0)}"), " = ", _names(names, form.layers[0].sources)]
    for layer in form.layers:
        i = layer.index
        legend += ["; ", S(f"o{sup(i)}", f"o^{{({i})}}"), " = ", _names(names, layer.nodes), ", ",
                   S(f"z{sup(i)}", f"z^{{({i})}}"), " = ", _names(names, layer.sums)]
    legend += ["; ", S("w⁽ˡ⁾[j,k]", "w^{(l)}_{j,k}"), " is entry (j, k) of ",
               S("W⁽ˡ⁾", "W^{(l)}"), " (into node j from node k of the layer before)"]
    for layer in form.layers:
        for (kind, r), (_, t) in zip(layer.derivatives, layer.latex_derivatives, strict=True):
            legend += ["; ", S(f"f′{sub(layer.index)}", f"f'_{{{layer.index}}}"), f": {kind}, ",
                       S(r, t)]
    items.append(Para(tuple(legend)))
    by_use = {(u.node, u.source): u for u in form.uses}
    for block in ex.blocks:
        items.append(BLANK)
        items += _sum_block(form, names, block, by_use[block.use.node, block.use.source], f)
    items += _sum_total(ex, names, f)
    return items


def _names(names: Names, given: Sequence[str]) -> S:
    return _t("(") + _join([names.name(g) for g in given], ", ") + ")"


def _sum_block(form: SumForm, names: Names, block: Block, use: SumUse, f: Fmt) -> list[Item]:
    ex = form.explanation
    head = []
    if ex.use_count > 1:
        head.append(f"its use in {use.node}" + (f" from {use.source}" if use.source else
                                                " as its bias"))
    if ex.multi_sample:
        head.append(f"sample {block.sample}")
    label = (", ".join(head).capitalize() + ": ") if head else ""
    count = f"{block.path_count:,} term{'s' if block.path_count != 1 else ''}"
    lhs = _lhs(form, names, use)
    if block.paths:
        inputs = set(form.layers[0].sources)  # a weight or an input: as the file gave it
        terms = ["·".join(paren(value(x, f, inputs)) for x in p.factors) for p in block.paths]
        steps: list[tuple[Piece, ...]] = [(_sum_of(terms),)]
        if len(block.paths) > 1:
            steps.append((_sum_of([paren(f(p.product)) for p in block.paths]),))
        steps.append((_t(f(block.value)),))
        return [Para((f"{label}the sum written out, {count} (one per path)",)),
                Eq((lhs,), tuple(steps))]
    why = (f"more than {MAX_PATHS}" if block.path_count > MAX_PATHS else
           "a saturated factor (∞ · 0) cannot be multiplied out")
    items: list[Item] = [Para((f"{label}{count}, {why}: the nested sums evaluated layer by layer, "
                               f"innermost (the loss end) first",))]
    pos: dict[str, tuple[int, int]] = {}
    for layer in form.layers:
        for j, node in enumerate(layer.nodes, start=1):
            pos[node] = (layer.index, j)
    for row in block.deltas:
        items.append(_delta_eq(form, names, row, pos, f))
    p = use.position
    last = (_at("o", p.layer - 1, str(p.column)) if p.column is not None else
            (_t("1") if form.bias_sign > 0 else S("(−1)", "(-1)")))
    items.append(Eq((lhs,), ((_at("δ", p.layer, str(p.row), tex=r"\delta") + DOT + last,),
                             (_t(paren(f(block.delta)) + "·")
                              + paren(value(block.param_factor, f, set(form.layers[0].sources))),),
                             (_t(f(block.value)),)), inline=True, bold=True))
    return items


def _sum_of(terms: Sequence[str]) -> S:
    """Terms joined by +; in LaTeX a new line before a term that would take the line past
    TEX_LINE characters of the text."""
    tex, used = "", 0
    for k, term in enumerate(terms):
        if k and used + len(term) > TEX_LINE:
            tex += r" \\ &\quad + "
            used = 0
        elif k:
            tex += " + "
        tex += term.replace("·", r" \cdot ")
        used += len(term) + 3
    return S(" + ".join(terms), tex)


def _delta_eq(form: SumForm, names: Names, row: DeltaRow, pos: Mapping[str, tuple[int, int]],
              f: Fmt) -> Eq:
    layer, j = pos[row.node]
    lhs = (_at("δ", layer, str(j), tex=r"\delta") + S(" = ", " = ")
           + names.d(names.name(row.sum)))
    if row.group and row.coupled:
        g_j = next(g for name, _, g in row.group if name == row.node)
        h_j = next(h for name, h, _ in row.group if name == row.node)
        rule = row.coupled.delta_text(row.node, names.loss.text, [n for n, _, _ in row.group])
        numbers = row.coupled.delta_numbers(paren(f(h_j)), paren(f(g_j)), [
            (paren(f(h)), paren(f(g))) for _, h, g in row.group])
        return Eq((lhs,), ((S(rule, r"\text{" + latex_text(rule) + "}"),),
                           (S(numbers, r"\text{" + latex_text(numbers) + "}"),),
                           (_t(f(row.value)),)), inline=True)
    z = _at("z", layer, str(j))
    fp = S(f"f′{sub(layer)}({z.text})", f"f'_{{{layer}}}({z.tex})")
    if row.loss is not None:
        sym = fp + DOT + names.d(_at("o", layer, str(j)))
        num = _t(f"{paren(f(row.local.value))}·{paren(f(row.loss.value))}")
    else:
        m = len(form.layers[layer].nodes)
        sym = (fp + DOT + S(f"Σ(k=1..{m}) ", rf"\sum_{{k=1}}^{{{m}}} ")
               + _at("w", layer + 1, "k", str(j)) + DOT + _at("δ", layer + 1, "k", tex=r"\delta"))
        if len(row.terms) > WIDE_SUM:
            num = _t(f"{paren(f(row.local.value))}·Σ … ({len(row.terms)} terms)")
        else:
            num = _t(f"{paren(f(row.local.value))}·(" + " + ".join(
                f"{paren(given(w))}·{paren(f(d))}" for _, _, w, d in row.terms) + ")")
    return Eq((lhs,), ((sym,), (S(num.text, num.tex.replace("·", r" \cdot ")
                                  .replace("Σ …", r"\sum \ldots")),), (_t(f(row.value)),)),
              inline=True)


def _sum_total(ex: Explanation, names: Names, f: Fmt) -> list[Item]:
    items: list[Item] = [BLANK]
    d = names.d(names.name(ex.param))
    if ex.summarised:
        items.append(Para((f"Shown: {len(ex.blocks):,} of the {ex.block_count:,} terms; the sum "
                           f"below is over every one.",), "italic"))
        items.append(Eq((d,), ((S("Σ over every use and sample", r"\sum \ldots"),),
                               (_t(f(ex.gradient)),)), inline=True, bold=True))
    elif len(ex.blocks) > 1:
        every = "sample" if ex.multi_sample else "use"
        items.append(Eq((d,), ((S(f"Σ over every {every}", rf"\sum_{{\text{{every {every}}}}}"),),
                               (_sum_of([paren(f(b.value)) for b in ex.blocks]),),
                               (_t(f(ex.gradient)),)), inline=True, bold=True))
    items.append(_update(names, ex.param, ex.old, ex.new, ex.gradient, ex.learning_rate,
                         ex.frozen, ex.optimizer, f))
    return items


# ---------------------------------------------------------------- writers: text

def _block(piece: Piece) -> list[str]:
    if isinstance(piece, S):
        return [piece.text]
    cells = [[c.text for c in row] for row in piece.rows]
    if not cells or not cells[0]:
        return ["[ ]"]
    widths = [max(len(r[k]) for r in cells) for k in range(len(cells[0]))]
    return ["[ " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " ]"
            for r in cells]


def _width(pieces: Sequence[Piece | str]) -> int:
    return sum(max(map(len, [p] if isinstance(p, str) else _block(p))) for p in pieces) + \
        len(pieces) - 1


def beside(*pieces: Piece | str) -> str:
    """Pieces side by side, each block's middle row on one line (a symbol sits there); when
    wider than WIDTH, one piece under the other."""
    blocks = [[p] if isinstance(p, str) else _block(p) for p in pieces]
    height = max(map(len, blocks))
    width = sum(max(map(len, b)) for b in blocks) + len(blocks) - 1
    if width > WIDTH and height > 1:
        return "\n".join(line for b in blocks for line in b)
    out = [""] * height
    for b in blocks:
        w = max(map(len, b))
        top = (height - len(b)) // 2
        for r in range(height):
            k = r - top
            out[r] += (b[k] if 0 <= k < len(b) else "").ljust(w) + " "
    return "\n".join(line.rstrip() for line in out)


_STYLES = {"head": "bold", "bold": "bold", "italic": "italic", "note": "dim", "": ""}


def to_text(items: Sequence[Item]) -> RenderableType:
    """The report's text document: equations laid out as aligned blocks."""
    parts: list[RenderableType] = []
    for item in items:
        if isinstance(item, Para):
            parts.append(Text("".join(p if isinstance(p, str) else p.text for p in item.parts),
                              style=_STYLES[item.kind]))
            continue
        style = "bold" if item.bold else ""
        flat = all(isinstance(p, S) for step in (item.lhs, *item.steps) for p in step)
        if item.inline and flat:  # one line of text, which the layout wraps
            pieces: list[Piece | str] = [*item.lhs]
            for step in item.steps:
                pieces += ["=", *step]
            parts.append(Text(beside(*pieces), style=style))
            continue
        line: list[Piece | str] = [*item.lhs]
        steps = list(item.steps)
        if not item.inline:  # the symbolic step on the first line, the numbers below
            parts.append(Text(beside(*item.lhs, "=", *steps.pop(0)), style=style))
            line = [" "]
        for step in steps:  # as many steps to a line as fit
            more: list[Piece | str] = ["=", *step]
            if len(line) > 1 and _width([*line, *more]) > WIDTH:
                parts.append(Text(beside(*line), style=style))
                line = [" "]
            line += more
        if len(line) > 1:
            parts.append(Text(beside(*line), style=style))
    return Group(*parts)


def matrix_report(form: MatrixForm, decimals: int = 3, notes: Sequence[str] = ()) -> RenderableType:
    """`explain --form matrix` and `step --form matrix` as the report's text document."""
    return _with_notes(to_text(matrix_items(form, decimals)), notes)


def sum_report(form: SumForm, decimals: int = 3, notes: Sequence[str] = ()) -> RenderableType:
    """`explain --form sum` as the report's text document."""
    return _with_notes(to_text(sum_items(form, decimals)), notes)


def _with_notes(doc: RenderableType, notes: Sequence[str]) -> RenderableType:
    if not notes:
        return doc
    return Group(doc, *(Text(f"note: {n}", style="dim") for n in notes))


# ---------------------------------------------------------------- writers: LaTeX, Markdown

#: the columns amsmath's pmatrix takes (its MaxMatrixCols counter, 10 unless a preamble says more)
PMATRIX_COLUMNS = 10


def _tex_piece(piece: Piece) -> str:
    if isinstance(piece, S):
        return piece.tex
    body = r" \\ ".join(" & ".join(c.tex for c in row) for row in piece.rows)
    width = max((len(row) for row in piece.rows), default=0)
    if width > PMATRIX_COLUMNS:  # amsmath's pmatrix stops at MaxMatrixCols; array has no limit
        return rf"\left(\begin{{array}}{{{'c' * width}}} " + body + r" \end{array}\right)"
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def _tex_eq(eq: Eq) -> str:
    """One align* row (or several): lhs &= step = step …"""
    lhs = " ".join(map(_tex_piece, eq.lhs))
    steps = [" ".join(map(_tex_piece, step)) for step in eq.steps]
    if eq.inline:
        return f"{lhs} &= " + " = ".join(steps)
    return f"{lhs} &= " + " \\\\\n&= ".join(steps)


def _tex_para(para: Para) -> str:
    text = "".join(latex_text(p) if isinstance(p, str) else f"${p.tex}$" for p in para.parts)
    if para.kind == "head":
        return r"\section*{" + text + "}"
    if para.kind == "bold":
        return r"\subsection*{" + text + "}"
    if para.kind == "italic":
        return r"\emph{" + text + "}\n"
    return text + "\n"


def _blocks(items: Sequence[Item], display: Callable[[str], str],
            para: Callable[[Para], str]) -> list[str]:
    """Paragraphs and, for each run of equations, one display of their rows (_tex_eq) joined
    by \\\\: the shape Markdown and LaTeX share."""
    out: list[str] = []
    run: list[str] = []
    for item in items:
        if isinstance(item, Eq):
            run.append(_tex_eq(item))
            continue
        if run:
            out.append(display(" \\\\\n".join(run)))
            run.clear()
        if item.parts:
            out.append(para(item))
    if run:
        out.append(display(" \\\\\n".join(run)))
    return out


def to_latex(items: Sequence[Item], *, fragment: bool = False) -> str:
    """A LaTeX document (render.latex.document): paragraphs as text, runs of equations as align*
    blocks with pmatrix; `fragment`: the body alone, for pasting."""
    body = "\n".join(_blocks(items, lambda rows: "\\begin{align*}\n" + rows + "\n\\end{align*}",
                              _tex_para)) + "\n"
    return latex.document(body, fragment)


def to_markdown(items: Sequence[Item]) -> str:
    """Markdown with the math in $…$ and $$…$$ (GitHub's math): prose as paragraphs, each run of
    equations one aligned display."""
    return "\n".join(_blocks(
        items, lambda rows: "$$\n\\begin{aligned}\n" + rows + "\n\\end{aligned}\n$$\n", _md_para))


def _md_para(para: Para) -> str:
    text = "".join(markdown.escape(p, line_start=k == 0 and para.kind in ("", "note"))
                   if isinstance(p, str) else f"${p.tex}$" for k, p in enumerate(para.parts))
    prefix = {"head": "### ", "bold": "#### ", "italic": "", "note": "", "": ""}[para.kind]
    return prefix + (f"*{text}*" if para.kind == "italic" else text) + "\n"


# ---------------------------------------------------------------- writers: HTML

#: the forms' own rules, by class: an equation as a row of pieces, a matrix as a table between
#: two rules (its brackets). A page states them once in its CSS, after render.html.CSS; a
#: fragment, which has no <head> for a <style> and cannot count on the host's stylesheet, carries
#: them on each element as a style attribute (a class is kept, for the host to restyle).
_RULES: Mapping[str, str] = {
    "eq": ("display: flex; flex-wrap: wrap; align-items: center; gap: 0.4em; margin: 0.5em 0; "
           "font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 0.95em"),
    "bold": "font-weight: bold",
    "m": ("border-collapse: collapse; border-left: 1px solid; border-right: 1px solid; "
          "display: inline-table; margin: 0"),
    "m td": "padding: 0 0.45em; text-align: right; font-size: 1em",
}
_CSS = (f".eq {{ {_RULES['eq']}; }}\ntable.m {{ {_RULES['m']}; }}\n"
        f"table.m td {{ {_RULES['m td']}; }}\nh2, h3 {{ font-size: 1.15em; }}\n")


def _attrs(classes: str, rules: str, inline: bool) -> str:
    """The class attribute, and with `inline` (a fragment) the same rules as a style attribute."""
    out = f' class="{classes}"' if classes else ""
    return out + (f' style="{escape(rules)}"' if inline else "")


def _html_piece(piece: Piece, inline: bool) -> str:
    if isinstance(piece, S):
        return f"<span>{escape(piece.text)}</span>"
    td = "<td" + _attrs("", _RULES["m td"], inline) + ">"
    rows = "".join("<tr>" + "".join(f"{td}{escape(c.text)}</td>" for c in row) + "</tr>"
                   for row in piece.rows)
    return f"<table{_attrs('m', _RULES['m'], inline)}>{rows}</table>"


def to_html(items: Sequence[Item], title: str = "backprop", *, fragment: bool = False) -> str:
    """One self-contained page (render.html.page): no scripts, fonts or links; matrices as
    bracketed tables. With `fragment`, the body alone, each equation and matrix styled by its
    own style attribute (_RULES), so that it lays out the same pasted into any page."""
    out: list[str] = []
    for item in items:
        if isinstance(item, Para):
            text = escape("".join(p if isinstance(p, str) else p.text for p in item.parts))
            tag = {"head": "h2", "bold": "h3"}.get(item.kind, "p")
            if item.kind == "italic":
                text = f"<em>{text}</em>"
            out.append(f"<{tag}>{text}</{tag}>" if item.parts else "")
            continue
        lines = ([[*item.lhs, *[x for step in item.steps for x in (S("=", "="), *step)]]]
                 if item.inline else
                 [[*item.lhs, S("=", "="), *item.steps[0]],
                  *[[S("=", "="), *step] for step in item.steps[1:]]])
        cls, rules = ("eq bold", f"{_RULES['eq']}; {_RULES['bold']}") if item.bold else \
            ("eq", _RULES["eq"])
        div = "<div" + _attrs(cls, rules, fragment) + ">"
        out += [div + "".join(_html_piece(p, fragment) for p in line) + "</div>" for line in lines]
    return page(title, "".join(x + "\n" for x in out if x), fragment, css=_CSS)


# ---------------------------------------------------------------- JSON

def matrix_dict(form: MatrixForm) -> dict[str, Any]:
    """Every vector and matrix as lists, full precision; null where W or b has no param."""
    by_index = {layer.index: layer for layer in form.layers}
    return {
        "form": "matrix",
        "loss": {"name": form.loss_name, "derivative": form.loss_rule, "value": form.loss,
                 "value_after_update": form.loss_new},
        "bias_sign": form.bias_sign,
        "layers": [{"layer": layer.index, "sources": list(layer.sources), "nodes": list(layer.nodes),
                    "sums": list(layer.sums), "weights": [list(r) for r in layer.weights],
                    "weight_values": [list(r) for r in layer.weight_values],
                    "biases": list(layer.biases), "bias_values": list(layer.bias_values),
                    "coupled": layer.coupled} for layer in form.layers],
        "shown_layers": list(form.shown),
        "samples": [{"index": s.index, "layers": [
            {"layer": i, "previous": list(v.previous), "sums": list(v.sums),
             "values": list(v.values), "jacobian": [list(r) for r in v.jacobian],
             "derivative": [v.jacobian[a][a] for a in range(len(v.values))],
             "upstream": list(v.upstream), "delta": list(v.delta),
             "delta_by_sum": dict(zip(by_index[i].sums, v.delta, strict=True)),
             "gradient": [list(r) for r in v.gradient], "bias_gradient": list(v.bias_gradient)}
            for i, v in zip(form.shown, s.layers, strict=True)]} for s in form.samples],
        "sample_count": form.sample_count,
        "totals": [{"layer": i, "gradient": [list(r) for r in t.gradient],
                    "bias_gradient": list(t.bias_gradient)}
                   for i, t in zip(form.shown, form.totals, strict=True)],
        "param": form.param,
        "positions": [{"layer": p.layer, "row": p.row, "column": p.column} for p in form.positions],
        "gradient": form.gradient,
        "learning_rate": form.learning_rate,
        "updated": form.new,
        "updated_layers": [{"layer": i, "weights": [list(r) for r in u.weights],
                            "biases": list(u.biases)}
                           for i, u in zip(form.shown, form.updated, strict=True)],
    }


def matrix_json(form: MatrixForm) -> str:
    return safe.json_text(matrix_dict(form))


def sum_dict(form: SumForm) -> dict[str, Any]:
    """The summation form for scripts: the index ranges, each block's terms, the total."""
    ex = form.explanation
    names = Names(form.spellings, ex.loss_name)
    return {
        "form": "sum",
        "param": ex.param,
        "layer_sizes": [len(form.layers[0].sources)] + [len(layer.nodes) for layer in form.layers],
        "uses": [{"node": u.node, "layer": u.position.layer, "row": u.position.row,
                  "column": u.position.column,
                  "formula": formula_symbol(form, names, u).text} for u in form.uses],
        "blocks": [{"node": b.use.node, "sample": b.sample, "path_count": b.path_count,
                    "terms": [{"factors": [x.value for x in p.factors], "product": p.product}
                              for p in b.paths],
                    "deltas": {row.sum: row.value for row in b.deltas},
                    "delta": b.delta, "value": b.value} for b in ex.blocks],
        "gradient": ex.gradient,
        "learning_rate": ex.learning_rate,
        "updated": ex.new,
    }


def sum_json(form: SumForm) -> str:
    return safe.json_text(sum_dict(form))


# ---------------------------------------------------------------- one call per format

def matrix_markdown(form: MatrixForm, decimals: int = 3) -> str:
    return to_markdown(matrix_items(form, decimals))


def matrix_latex(form: MatrixForm, decimals: int = 3, *, fragment: bool = False) -> str:
    return to_latex(matrix_items(form, decimals), fragment=fragment)


def matrix_html(form: MatrixForm, decimals: int = 3, notes: Sequence[str] = (), *,
                fragment: bool = False) -> str:
    return to_html(_noted(matrix_items(form, decimals), notes),
                   f"∂{form.loss_name}/∂{form.param or 'W'}", fragment=fragment)


def sum_markdown(form: SumForm, decimals: int = 3) -> str:
    return to_markdown(sum_items(form, decimals))


def sum_latex(form: SumForm, decimals: int = 3, *, fragment: bool = False) -> str:
    return to_latex(sum_items(form, decimals), fragment=fragment)


def sum_html(form: SumForm, decimals: int = 3, notes: Sequence[str] = (), *,
             fragment: bool = False) -> str:
    ex = form.explanation
    return to_html(_noted(sum_items(form, decimals), notes), f"∂{ex.loss_name}/∂{ex.param}",
                   fragment=fragment)


#: writer(form, decimals, notes, fragment): fragment asks LaTeX and HTML for the body alone
Writer = Callable[[Any, int, Sequence[str], bool], "RenderableType | str"]


def _noted(items: Sequence[Item], notes: Sequence[str]) -> list[Item]:
    """The items, then the trace's notes as paragraphs."""
    return [*items, *(Para((f"note: {n}",), "note") for n in notes)]


def _latex_doc(items: Sequence[Item], notes: Sequence[str], fragment: bool = False) -> str:
    return to_latex(_noted(items, notes), fragment=fragment)


def _markdown_doc(items: Sequence[Item], notes: Sequence[str]) -> str:
    return to_markdown(_noted(items, notes))


#: output format -> (the matrix form's writer, the sum form's), each called as
#: writer(form, decimals, notes); `--format` of step and explain picks one
FORM_WRITERS: Mapping[str, tuple[Writer, Writer]] = {
    "table": (lambda form, decimals, notes, fragment: matrix_report(form, decimals, notes),
              lambda form, decimals, notes, fragment: sum_report(form, decimals, notes)),
    "json": (lambda form, decimals, notes, fragment: matrix_json(form),
             lambda form, decimals, notes, fragment: sum_json(form)),
    "markdown": (lambda form, decimals, notes, fragment:
                 _markdown_doc(matrix_items(form, decimals), notes),
                 lambda form, decimals, notes, fragment:
                 _markdown_doc(sum_items(form, decimals), notes)),
    "latex": (lambda form, decimals, notes, fragment:
              _latex_doc(matrix_items(form, decimals), notes, fragment),
              lambda form, decimals, notes, fragment:
              _latex_doc(sum_items(form, decimals), notes, fragment)),
    "html": (lambda form, decimals, notes, fragment:
             matrix_html(form, decimals, notes, fragment=fragment),
             lambda form, decimals, notes, fragment:
             sum_html(form, decimals, notes, fragment=fragment)),
}


def write(form: MatrixForm | SumForm, fmt_name: str, decimals: int = 3,
          notes: Sequence[str] = (), *, fragment: bool = False) -> RenderableType | str:
    """A form in one output format (FORM_WRITERS): a document to lay out, or finished text."""
    if fmt_name not in FORM_WRITERS:
        raise UsageError(f"the matrix and sum forms are written as "
                         f"{', '.join(FORM_WRITERS)}, not {fmt_name}")
    matrix_writer, sum_writer = FORM_WRITERS[fmt_name]
    writer = matrix_writer if isinstance(form, MatrixForm) else sum_writer
    return writer(form, decimals, notes, fragment)
