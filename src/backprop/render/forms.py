"""The matrix and summation forms (forms.py) written out: as a text document (vectors and
matrices as small aligned blocks), as JSON, and as Markdown, LaTeX and HTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from backprop import safe
from backprop.explain import MAX_PATHS, Block, DeltaRow, Explanation
from backprop.forms import Layer, LayerValues, MatrixForm, Position, SumForm, SumUse
from backprop.notation import fmt, fmt_step, paren
from backprop.render.common import WIDE_SUM
from backprop.render.layout import Group, RenderableType, Text

Fmt = Callable[[float], str]
Lines = list[str]  #: a block of text lines, as wide as its widest
WIDTH = 78  #: an equation wider than this is written one piece under the other
MAX_NODES = 16  #: layers wider than this are not written out as matrices (JSON holds them)

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sup(i: int) -> str:
    """⁽²⁾: a layer's superscript."""
    return f"⁽{str(i).translate(_SUP)}⁾"


def sub(i: int | str) -> str:
    return str(i).translate(_SUB)


# ---------------------------------------------------------------- blocks of text

def column(values: Sequence[float | None], f: Fmt) -> Lines:
    """A column vector: one bracketed row per entry, right-aligned."""
    return matrix([[v] for v in values], f)


def matrix(rows: Sequence[Sequence[float | str | None]], f: Fmt) -> Lines:
    """A matrix as bracketed rows, each column right-aligned; None is "—" (no param there)."""
    cells = [[c if isinstance(c, str) else "—" if c is None else f(c) for c in row] for row in rows]
    if not cells:
        return ["[ ]"]
    widths = [max(len(r[k]) for r in cells) for k in range(len(cells[0]))]
    return ["[ " + "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " ]"
            for r in cells]


def beside(*pieces: str | Lines) -> str:
    """Pieces side by side, each block's middle row on one line (a string sits there); when
    wider than WIDTH, one piece under the other."""
    blocks = [[p] if isinstance(p, str) else p for p in pieces]
    height = max(map(len, blocks))
    width = sum(max(map(len, b)) for b in blocks) + len(blocks) - 1
    if width > WIDTH:
        return "\n".join(line for b in blocks for line in b)
    out = [""] * height
    for b in blocks:
        w = max(map(len, b))
        top = (height - len(b)) // 2
        for r in range(height):
            k = r - top
            out[r] += (b[k] if 0 <= k < len(b) else "").ljust(w) + " "
    return "\n".join(line.rstrip() for line in out)


def _check_size(layers: Sequence[Layer], shown: Sequence[int]) -> None:
    from backprop.errors import UsageError

    for i in shown:
        layer = layers[i - 1]
        wide = max(len(layer.nodes), len(layer.sources))
        if wide > MAX_NODES:
            raise UsageError(f"the matrix form writes out layers of up to {MAX_NODES} nodes, but "
                             f"layer {i} has {len(layer.nodes)} nodes from {len(layer.sources)}; "
                             f"the JSON format holds every number")


# ---------------------------------------------------------------- matrix form, text

def _names(values: Sequence[str | None]) -> str:
    return "(" + ", ".join("0" if v is None else v for v in values) + ")"


def _entry(p: Position) -> str:
    return f"({p.row}, {p.column})" if p.column is not None else f"{p.row}"


def _where(form: MatrixForm) -> str:
    """"entry (1, 1) of W⁽¹⁾", or each place of a shared param."""
    parts = [f"entry {_entry(p)} of {'W' if p.column is not None else 'b'}{sup(p.layer)}"
             for p in form.positions]
    return " and ".join(parts) if parts else "used nowhere"


def _pick(form: MatrixForm, p: Position) -> str:
    """(∂L/∂W⁽¹⁾)₁₁: a picked entry's name."""
    L = form.loss_name
    if p.column is None:
        return f"(∂{L}/∂b{sup(p.layer)}){sub(p.row)}"
    return f"(∂{L}/∂W{sup(p.layer)}){sub(p.row)},{sub(p.column)}"


def _rules(form: MatrixForm, layer: Layer) -> str:
    kinds = "; ".join(f"{name}: {rule}" for name, rule in layer.derivatives)
    return f"F′{sub(layer.index)} per node ({kinds})"


def matrix_report(form: MatrixForm, decimals: int = 3, notes: Sequence[str] = ()) -> RenderableType:
    """The matrix form as a document: the file's names in each matrix, then per sample each
    layer's δ, loss end first, and the gradient matrices with the asked entry picked out."""
    _check_size(form.layers, form.shown)
    f = partial(fmt, decimals=decimals)
    L = form.loss_name
    n = len(form.layers)
    sign = "+" if form.bias_sign > 0 else "−"
    parts: list[RenderableType] = []
    if form.param is not None:
        parts.append(Text(f"∂{L}/∂{form.param} in matrix form: {form.param} is {_where(form)}",
                          style="bold"))
    else:
        parts.append(Text("The step in matrix form", style="bold"))
    bias_rule = f"∂{L}/∂b⁽ⁱ⁾ = {'' if form.bias_sign > 0 else '−'}δ⁽ⁱ⁾"
    top = (f"δ⁽ⁿ⁾ = Jₙᵀ·∂{L}/∂O⁽ⁿ⁾ (Jₙ the softmax Jacobian)" if form.layers[-1].coupled else
           f"δ⁽ⁿ⁾ = ∂{L}/∂O⁽ⁿ⁾ ⊙ F′ₙ")
    parts.append(Text(f"O⁽ⁱ⁾ = Fᵢ(W⁽ⁱ⁾·O⁽ⁱ⁻¹⁾ {sign} b⁽ⁱ⁾) for i = 1…{n}; {top}\n"
                      f"δ⁽ⁱ⁾ = diag(F′ᵢ)·W⁽ⁱ⁺¹⁾ᵀ·δ⁽ⁱ⁺¹⁾; ∂{L}/∂W⁽ⁱ⁾ = δ⁽ⁱ⁾·O⁽ⁱ⁻¹⁾ᵀ; {bias_rule}"))
    parts.append(Text(""))
    lowest = form.shown[-1]
    for i in range(lowest - 1, n + 1):
        layer = form.layers[i - 1] if i else None
        names = form.layers[0].sources if layer is None else layer.nodes
        parts.append(Text(f"O{sup(i)} = {_names(names)}" + (
            f", Z{sup(i)} = {_names(layer.sums)}" if layer is not None else "")))
    for i in reversed(form.shown):
        layer = form.layers[i - 1]
        parts.append(Text(beside(f"W{sup(i)} =", matrix(_w_names(layer), f), "=",
                                 matrix(layer.weight_values, f))))
        if layer.has_bias:
            parts.append(Text(beside(f"b{sup(i)} =", matrix([[_or0(b)] for b in layer.biases], f),
                                     "=", column(layer.bias_values, f))))
    for i in form.shown:
        parts.append(Text(_rules(form, form.layers[i - 1])))
    parts.append(Text(f"∂{L}/∂O{sup(n)} per output: {form.loss_rule}"))
    for sample in form.samples:
        parts.append(Text(""))
        if form.sample_count > 1:
            parts.append(Text(f"Sample {sample.index}", style="bold"))
        for i, values in zip(form.shown, sample.layers, strict=True):
            parts += _layer_lines(form, form.layers[i - 1], values, sample.layers, f)
    parts += _totals(form, f)
    parts.extend(Text(f"note: {x}", style="dim") for x in notes)
    return Group(*parts)


def _or0(name: str | None) -> str:
    return "0" if name is None else name


def _w_names(layer: Layer) -> list[list[str]]:
    return [[_or0(w) for w in row] for row in layer.weights]


def _wanted(form: MatrixForm, layer: int) -> tuple[bool, bool]:
    """Whether the gradient of W⁽ˡᵃʸᵉʳ⁾ and of b⁽ˡᵃʸᵉʳ⁾ is shown: all of a step's, the asked param's."""
    if form.param is None:
        return True, form.layers[layer - 1].has_bias
    return (any(p.layer == layer and p.column is not None for p in form.positions),
            any(p.layer == layer and p.column is None for p in form.positions))


def _layer_lines(form: MatrixForm, layer: Layer, v: LayerValues, sample: Sequence[LayerValues],
                 f: Fmt) -> list[RenderableType]:
    L, i = form.loss_name, layer.index
    n = len(form.layers)
    out: list[RenderableType] = []
    diag = [[v.jacobian[a][b] if a == b else 0.0 for b in range(len(v.delta))]
            for a in range(len(v.delta))]
    if i == n:
        up = f"∂{L}/∂O{sup(i)}"
        if layer.coupled:  # δ = Jᵀ·∂L/∂O, J the group's Jacobian
            jt = [[v.jacobian[a][b] for a in range(len(v.delta))] for b in range(len(v.delta))]
            out.append(Text(f"δ{sup(i)} = J{sub(i)}ᵀ·{up}, J{sub(i)} = ∂O{sup(i)}/∂Z{sup(i)} (the "
                            f"softmax Jacobian, o_k(1[k=j] − o_j))"))
            out.append(Text(beside(" ", "=", matrix(jt, f), "·", column(v.upstream, f), "=",
                                   column(v.delta, f))))
        else:
            out.append(Text(f"δ{sup(i)} = {up} ⊙ F′{sub(i)} = diag(F′{sub(i)})·{up}"))
            out.append(Text(beside(" ", "=", column(v.upstream, f), "⊙",
                                   column([diag[a][a] for a in range(len(diag))], f), "=",
                                   column(v.delta, f))))
    else:
        above = form.layers[i]
        wt = [list(r) for r in zip(*above.weight_values, strict=True)]
        j_name = f"J{sub(i)}ᵀ" if layer.coupled else f"diag(F′{sub(i)})"
        out.append(Text(f"δ{sup(i)} = {j_name}·W{sup(i + 1)}ᵀ·δ{sup(i + 1)}"))
        d_above = sample[form.shown.index(i + 1)].delta
        jmat = ([[v.jacobian[a][b] for a in range(len(v.delta))] for b in range(len(v.delta))]
                if layer.coupled else diag)
        out.append(Text(beside(" ", "=", matrix(jmat, f), "·", matrix(wt, f), "·",
                               column(d_above, f))))
        out.append(Text(beside(" ", "=", matrix(jmat, f), "·", column(v.upstream, f), "=",
                               column(v.delta, f))))
    show_w, show_b = _wanted(form, i)
    if show_w:
        out.append(Text(beside(f"∂{L}/∂W{sup(i)} = δ{sup(i)}·O{sup(i - 1)}ᵀ =",
                               column(v.delta, f), "·", matrix([v.previous], f), "=",
                               matrix(v.gradient, f))))
    if show_b:
        out.append(Text(beside(f"∂{L}/∂b{sup(i)} = {'' if form.bias_sign > 0 else '−'}δ{sup(i)} =",
                               column(v.bias_gradient, f))))
    if form.param is not None and form.sample_count == 1:
        for p in form.positions:
            if p.layer == i:
                out.append(Text(f"∂{L}/∂{form.param} = {_pick(form, p)} = {f(_entry_of(v, p))}"))
    return out


def _entry_of(v: LayerValues | Any, p: Position) -> float:
    value = v.gradient[p.row - 1][p.column - 1] if p.column is not None else \
        v.bias_gradient[p.row - 1]
    assert value is not None
    return float(value)


def _totals(form: MatrixForm, f: Fmt) -> list[RenderableType]:
    L = form.loss_name
    out: list[RenderableType] = []
    many = form.sample_count > 1
    if many:
        out.append(Text(""))
        if len(form.samples) < form.sample_count:
            out.append(Text(f"Shown: {len(form.samples)} of the {form.sample_count:,} samples; "
                            f"the sums below are over every one.", style="italic"))
        for k, i in enumerate(form.shown):
            show_w, show_b = _wanted(form, i)
            total = form.totals[k]
            if show_w:
                out.append(Text(beside(f"∂{L}/∂W{sup(i)} = Σ over the {form.sample_count:,} "
                                       f"samples =", matrix(total.gradient, f))))
            if show_b:
                out.append(Text(beside(f"∂{L}/∂b{sup(i)} = Σ over the {form.sample_count:,} "
                                       f"samples =", column(total.bias_gradient, f))))
    if form.param is None or form.gradient is None or form.old is None or form.new is None:
        return out
    if many or len(form.positions) > 1:
        terms = [_entry_of(form.totals[form.shown.index(p.layer)], p) for p in form.positions]
        names = " + ".join(_pick(form, p) for p in form.positions)
        numbers = " + ".join(paren(f(t)) for t in terms)
        written = f"{names} = {numbers} = " if len(terms) > 1 else f"{names} = "
        out.append(Text(f"∂{L}/∂{form.param} = {written}{f(form.gradient)}", style="bold"))
    out.append(_update(L, form.param, form.old, form.new, form.gradient, form.learning_rate,
                       form.frozen, form.optimizer, f))
    return out


def _update(L: str, param: str, old: float, new: float, gradient: float, eta: float,
            frozen: bool, optimizer: str | None, f: Fmt) -> Text:
    if frozen:
        return Text(f"{param} is frozen: it stays {f(old)} (its gradient is shown all the same)")
    if optimizer is not None:
        return Text(f"Update by {optimizer}: {param} = {f(old)} → {fmt_step(new, old, f)} (the "
                    f"optimizer's worked rows are in the step report)")
    return Text(f"Update: {param} ← {param} − η·∂{L}/∂{param} = {f(old)} − {f(eta)}·"
                f"{paren(f(gradient))} = {fmt_step(new, old, f)}")


# ---------------------------------------------------------------- matrix form, JSON

def matrix_dict(form: MatrixForm) -> dict[str, Any]:
    """Every vector and matrix as lists, full precision; null where W or b has no param."""
    by_index = {layer.index: layer for layer in form.layers}
    return {
        "form": "matrix",
        "loss": {"name": form.loss_name, "derivative": form.loss_rule},
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
    }


def matrix_json(form: MatrixForm) -> str:
    return safe.json_text(matrix_dict(form))


# ---------------------------------------------------------------- summation form, text

def _legend(form: SumForm) -> str:
    parts = [f"o⁽⁰⁾ = {_names(form.layers[0].sources)}"]
    for layer in form.layers:
        parts.append(f"o{sup(layer.index)} = {_names(layer.nodes)}, z{sup(layer.index)} = "
                     f"{_names(layer.sums)}")
    rules = "; ".join(f"f′{sub(layer.index)}: " + ", ".join(f"{k} {r}" for k, r in layer.derivatives)
                      for layer in form.layers)
    return ("where " + "; ".join(parts) + f"; w⁽ˡ⁾[j,k] is entry (j, k) of W⁽ˡ⁾ (into node j "
            f"from node k of the layer before); {rules}")


Index = int | str  #: a fixed position (1-based), or an index's name "k₂", "k′₂"


def formula(form: SumForm, use: SumUse) -> list[tuple[str, ...]]:
    """The general term of ∂L/∂p for one use, loss end first, as tokens for a writer:
    ("sum", index, count), ("loss", layer, index), ("fprime", layer, index),
    ("jac", layer, out_index, in_index), ("w", layer, row, column), ("o", layer, index),
    ("sign",) for a bias's ±1. Indices are "1" (fixed) or names such as "k2", "k2'"."""
    p = use.position
    n = len(form.layers)
    tokens: list[tuple[str, ...]] = []
    below: str | None = None  # the index the next weight's row takes
    for level in range(n, p.layer - 1, -1):
        layer = form.layers[level - 1]
        m = str(len(layer.nodes))
        fixed = level == p.layer
        out = str(p.row) if fixed else f"k{level}"
        if not fixed:
            tokens.append(("sum", out, m))
        if level == n:
            tokens.append(("loss", str(level), out))
        else:
            assert below is not None
            tokens.append(("w", str(level + 1), below, out))
        if layer.coupled:  # Σ_{k′} ∂o_k/∂z_{k′}: the group couples its members
            inner = str(p.row) if fixed else f"k{level}'"
            if fixed:
                tokens[-1:] = []  # the row j is where the chain enters; the outputs k vary
                out = f"k{level}"
                tokens.append(("sum", out, m))
                tokens.append(("loss", str(level), out) if level == n else
                              ("w", str(level + 1), str(below), out))
            else:
                tokens.append(("sum", inner, m))
            tokens.append(("jac", str(level), out, inner))
            below = inner
        else:
            tokens.append(("fprime", str(level), out))
            below = out
    tokens.append(("o", str(p.layer - 1), str(p.column)) if p.column is not None else ("sign",))
    return tokens


def _idx(i: str) -> str:
    """An index as printed: "1", "k₂", "k′₂"."""
    if i.startswith("k"):
        return "k" + ("′" if i.endswith("'") else "") + sub(i.strip("k'"))
    return i


def _at(name: str, layer: int | str, *indices: str) -> str:
    """w⁽²⁾[k₂,1]: a layer's entry, its indices in brackets."""
    return f"{name}{sup(int(layer))}[" + ",".join(map(_idx, indices)) + "]"


def formula_text(form: SumForm, use: SumUse) -> str:
    L = form.explanation.loss_name
    out: list[str] = []
    for t in formula(form, use):
        kind = t[0]
        if kind == "sum":
            out.append(f"Σ({_idx(t[1])}=1..{t[2]})")
        elif kind == "loss":
            out.append(f"∂{L}/∂{_at('o', t[1], t[2])}")
        elif kind == "fprime":
            out.append(f"f′{sub(t[1])}({_at('z', t[1], t[2])})")
        elif kind == "jac":
            out.append(f"∂{_at('o', t[1], t[2])}/∂{_at('z', t[1], t[3])}")
        elif kind == "w":
            out.append(_at("w", t[1], t[2], t[3]))
        elif kind == "o":
            out.append(_at("o", t[1], t[2]))
        else:
            out.append("1" if form.bias_sign > 0 else "(−1)")
    return " ".join(out)


def _lhs(form: SumForm, use: SumUse) -> str:
    p = use.position
    L = form.explanation.loss_name
    if p.column is None:
        return f"∂{L}/∂{_at('b', p.layer, str(p.row))}"
    return f"∂{L}/∂{_at('w', p.layer, str(p.row), str(p.column))}"


def sum_report(form: SumForm, decimals: int = 3, notes: Sequence[str] = ()) -> RenderableType:
    """The summation form as a document: the formula with the network's index ranges, then per
    use and sample its terms in numbers (the chain form's paths), or past MAX_PATHS paths the
    nested sums evaluated layer by layer."""
    f = partial(fmt, decimals=decimals)
    ex = form.explanation
    L = ex.loss_name
    parts: list[RenderableType] = []
    where = " and ".join(
        (f"{_at('w', u.position.layer, str(u.position.row), str(u.position.column))}, into "
         f"node {u.position.row} of layer {u.position.layer} from node {u.position.column} of "
         f"layer {u.position.layer - 1}") if u.position.column is not None else
        f"{_at('b', u.position.layer, str(u.position.row))}, the bias of node "
        f"{u.position.row} of layer {u.position.layer}" for u in form.uses)
    parts.append(Text(f"∂{L}/∂{ex.param} in summation form: {ex.param} is {where or 'used nowhere'}",
                      style="bold"))
    for use in form.uses:
        parts.append(Text(f"{_lhs(form, use)} = {formula_text(form, use)}"))
    parts.append(Text(_legend(form)))
    by_use = {u.node: u for u in form.uses}
    for block in ex.blocks:
        parts.append(Text(""))
        parts += _sum_block(form, block, by_use[block.use.node], f)
    parts += _sum_total(ex, f)
    parts.extend(Text(f"note: {x}", style="dim") for x in notes)
    return Group(*parts)


def _sum_block(form: SumForm, block: Block, use: SumUse, f: Fmt) -> list[RenderableType]:
    ex = form.explanation
    head = []
    if ex.use_count > 1:
        head.append(f"its use in {use.node}")
    if ex.multi_sample:
        head.append(f"sample {block.sample}")
    label = (", ".join(head).capitalize() + ": ") if head else ""
    count = f"{block.path_count:,} term{'s' if block.path_count != 1 else ''}"
    out: list[RenderableType] = []
    if block.paths:
        out.append(Text(f"{label}the sum written out, {count} (one per path)"))
        terms = " + ".join("·".join(paren(f(x.value)) for x in p.factors) for p in block.paths)
        products = " + ".join(paren(f(p.product)) for p in block.paths)
        out.append(Text(f"{_lhs(form, use)} = {terms}"))
        if len(block.paths) > 1:
            out.append(Text(f"= {products}"))
        out.append(Text(f"= {f(block.value)}", style="bold"))
        return out
    why = (f"more than {MAX_PATHS}" if block.path_count > MAX_PATHS else
           "a saturated factor (∞ · 0) cannot be multiplied out")
    out.append(Text(f"{label}{count}, {why}: the nested sums evaluated layer by layer, "
                    f"innermost (the loss end) first"))
    pos = {}
    for layer in form.layers:
        for j, (node, s) in enumerate(zip(layer.nodes, layer.sums, strict=True), start=1):
            pos[node] = pos[s] = (layer.index, j)
    for row in block.deltas:
        out.append(Text(_delta_line(form, row, pos, f)))
    p = use.position
    last = (_at("o", p.layer - 1, str(p.column)) if p.column is not None else
            ("1" if form.bias_sign > 0 else "(−1)"))
    out.append(Text(f"{_lhs(form, use)} = {_at('δ', p.layer, str(p.row))}·{last} = "
                    f"{paren(f(block.delta))}·{paren(f(block.param_factor.value))} = "
                    f"{f(block.value)}", style="bold"))
    return out


def _delta_line(form: SumForm, row: DeltaRow, pos: dict[str, tuple[int, int]], f: Fmt) -> str:
    L = form.explanation.loss_name
    layer, j = pos[row.node]
    head = f"{_at('δ', layer, str(j))} = ∂{L}/∂{row.sum}"
    if row.group and row.coupled:
        g_j = next(g for name, _, g in row.group if name == row.node)
        h_j = next(h for name, h, _ in row.group if name == row.node)
        sym = row.coupled.delta_text(row.node, L, [name for name, _, _ in row.group])
        num = row.coupled.delta_numbers(paren(f(h_j)), paren(f(g_j)), [
            (paren(f(h)), paren(f(g))) for _, h, g in row.group])
        return f"{head} = {sym} = {num} = {f(row.value)}"
    fp = f"f′{sub(layer)}({_at('z', layer, str(j))})"
    if row.loss is not None:
        return (f"{head} = {fp}·∂{L}/∂{_at('o', layer, str(j))} = {paren(f(row.local.value))}·"
                f"{paren(f(row.loss.value))} = {f(row.value)}")
    m = len(form.layers[layer].nodes)
    sym = f"{fp}·Σ(k=1..{m}) {_at('w', layer + 1, 'k', str(j))}·{_at('δ', layer + 1, 'k')}"
    if len(row.terms) > WIDE_SUM:
        num = f"{paren(f(row.local.value))}·Σ … ({len(row.terms)} terms)"
    else:
        num = (f"{paren(f(row.local.value))}·(" +
               " + ".join(f"{paren(f(w))}·{paren(f(d))}" for _, _, w, d in row.terms) + ")")
    return f"{head} = {sym} = {num} = {f(row.value)}"


def _sum_total(ex: Explanation, f: Fmt) -> list[RenderableType]:
    L = ex.loss_name
    out: list[RenderableType] = [Text("")]
    if ex.summarised:
        out.append(Text(f"Shown: {len(ex.blocks):,} of the {ex.block_count:,} terms; the sum "
                        f"below is over every one.", style="italic"))
        out.append(Text(f"∂{L}/∂{ex.param} = Σ over every use and sample = {f(ex.gradient)}",
                        style="bold"))
    elif len(ex.blocks) > 1:
        out.append(Text(f"∂{L}/∂{ex.param} = Σ over every {'sample' if ex.multi_sample else 'use'}"
                        f" = " + " + ".join(paren(f(b.value)) for b in ex.blocks)
                        + f" = {f(ex.gradient)}", style="bold"))
    out.append(_update(L, ex.param, ex.old, ex.new, ex.gradient, ex.learning_rate, ex.frozen,
                       ex.optimizer, f))
    return out


def sum_dict(form: SumForm) -> dict[str, Any]:
    """The summation form for scripts: the index ranges, each block's terms, the total."""
    ex = form.explanation
    return {
        "form": "sum",
        "param": ex.param,
        "layer_sizes": [len(form.layers[0].sources)] + [len(layer.nodes) for layer in form.layers],
        "uses": [{"node": u.node, "layer": u.position.layer, "row": u.position.row,
                  "column": u.position.column, "formula": formula_text(form, u)}
                 for u in form.uses],
        "blocks": [{"node": b.use.node, "sample": b.sample, "path_count": b.path_count,
                    "terms": [{"factors": [x.value for x in p.factors], "product": p.product}
                              for p in b.paths],
                    "delta": b.delta, "value": b.value} for b in ex.blocks],
        "gradient": ex.gradient,
        "learning_rate": ex.learning_rate,
        "updated": ex.new,
    }


def sum_json(form: SumForm) -> str:
    return safe.json_text(sum_dict(form))

