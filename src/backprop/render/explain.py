"""`backprop explain` as rich output: the chain, its factors, every path and their sum, the update."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial

from backprop.activations import ACTIVATIONS
from backprop.explain import MAX_BLOCKS, MAX_PATHS, Block, DeltaRow, Explanation
from backprop.notation import Places, fitted, fmt_step, given, paren, places_for_sum
from backprop.render import Asking, common
from backprop.render.common import WIDE_SUM
from backprop.render.layout import Group, Partial, RenderableType, Table, Text
from backprop.render.tables import delta_texts

_COUPLED = " or ".join(a.name for a in ACTIVATIONS.values() if not a.elementwise)


def explain_report(ex: Explanation, decimals: int = 3, notes: Sequence[str] = (),
                   ask: Asking | None = None) -> RenderableType:
    """The whole explanation of one param's gradient (`ask`: how the reader asks for more)."""
    f = Places(decimals)
    inputs = ex.inputs
    L = ex.loss_name
    parts: list[RenderableType] = [Text(_symbolic(ex), style="bold"), Text("")]
    if not ex.blocks:
        parts.append(Text(f"{ex.param} is used nowhere, so ∂{L}/∂{ex.param} = 0"))
    gradient = f(ex.gradient)
    # each block's value printed finely enough that the blocks add to the printed gradient
    per_block = places_for_sum(gradient, [b.value for b in ex.blocks], f) if (
        len(ex.blocks) > 1 and not ex.summarised) else f
    for block in ex.blocks:
        parts += [*_block(ex, block, per_block, inputs), Text("")]
    if ex.summarised:
        parts += [Text(_not_shown(ex, ask), style="italic"), Text("")]
        parts.append(Text(f"∂{L}/∂{ex.param} = Σ over {_terms(ex)} = {gradient}",
                          style="bold"))
    elif len(ex.blocks) > 1:
        per = "sample" if ex.multi_sample else "use"
        parts.append(Text(f"∂{L}/∂{ex.param} = Σ over every {per}"
                          + (" and use" if ex.multi_sample and _shared(ex) else "") + " = "
                          + " + ".join(paren(per_block(b.value)) for b in ex.blocks)
                          + f" = {gradient}", style="bold"))
    if ex.frozen:
        parts.append(Text(f"{ex.param} is frozen: it stays {given(ex.old)} (its gradient is "
                          f"shown all the same)"))
    elif ex.optimizer is not None:  # momentum, Adam: the worked rows are step's
        parts.append(Text(f"Update by {ex.optimizer}: {ex.param} = {given(ex.old)} → "
                          f"{fmt_step(ex.new, ex.old, f)} (the optimizer's worked rows are in the step "
                          f"report)"))
    else:
        new = fmt_step(ex.new, ex.old, f)
        eta = given(ex.learning_rate)
        numbers = fitted(new, lambda p: f"{given(ex.old)} − {eta}·{paren(p(ex.gradient))}", f)
        parts.append(Text(f"Update: {ex.param} ← {ex.param} − η·∂{L}/∂{ex.param} = "
                          f"{numbers} = {new}"))
    parts.extend(Text(f"note: {n}", style="dim") for n in notes)
    return Group(*parts)


def _shared(ex: Explanation) -> bool:
    return ex.use_count > 1


def _terms(ex: Explanation) -> str:
    """"the 400,000 terms (10,000 uses × 40 samples)", or the uses or samples alone."""
    n = ex.sample_count
    if ex.use_count > 1 and n > 1:
        return f"the {ex.block_count:,} terms ({ex.use_count:,} uses × {n:,} samples)"
    return f"the {ex.use_count:,} uses" if ex.use_count > 1 else f"the {n:,} samples"


def _not_shown(ex: Explanation, ask: Asking | None) -> str:
    shown = len(ex.blocks)
    head = (f"Shown: {shown:,} of {_terms(ex)}, each ∂{ex.loss_name}/∂z · ∂z/∂{ex.param} "
            f"(more than {MAX_BLOCKS} are summarised)")
    if ex.chosen:
        head = f"Shown: {shown:,} of {_terms(ex)}, from the chosen samples"
        if ask is not None:
            head = (f"Shown: {shown:,} of {_terms(ex)}, from {ask.sample} "
                    + f" {ask.sample} ".join(map(str, ex.chosen)))
    text = f"{head}; the sum below is over every one."
    if ask is None:
        return text
    from shlex import quote

    where = quote(ex.source_file) if ex.source_file else "NET"
    return (f"{text} Chosen samples: {ask.sample} K (repeatable); every use and sample: "
            f"{ask.step} {where} {ask.numbers}.")


def _symbolic(ex: Explanation) -> str:
    """∂L/∂p as the sum of its chains, in the file's names; one term per use, Σ over samples."""
    L = ex.loss_name
    head = f"∂{L}/∂{ex.param} = "
    if not ex.blocks:
        return head + "0"

    def chains(block: Block) -> str:
        if block.paths:
            return " + ".join(common.chain(p.factors) for p in block.paths)
        return f"∂{L}/∂{block.param_factor.numerator} · {block.param_factor.label}"

    first_sample = [b for b in ex.blocks if b.sample == ex.blocks[0].sample]
    if len(first_sample) < ex.use_count:  # too many uses to write each: their general term
        body = (f"Σ over its {ex.use_count:,} uses of ∂{L}/∂z · ∂z/∂{ex.param}, z the sum each "
                f"use feeds")
        terms = [body, body]
    else:
        terms = [chains(b) for b in first_sample]
        body = " + ".join(terms)
    if ex.multi_sample:
        n = ex.sample_count
        body = f"Σ over the {n:,} samples of " + (f"({body})" if len(terms) > 1 or "+" in body else body)
    return head + body


def _block(ex: Explanation, block: Block, f: Places, inputs: Collection[str]
           ) -> list[RenderableType]:
    """One use at one sample: its factors, then its paths and their Σ (or the δ recursion);
    `f` prints the block's value, its terms and factors finer where they must add up to it."""
    L = ex.loss_name
    pf = block.param_factor
    where = []
    if len(ex.blocks) > 1 and _shared(ex):
        where.append(f"its use in {pf.numerator}")
    if ex.multi_sample:
        where.append(f"sample {block.sample}")
    count = f"{block.path_count:,} path{'s' if block.path_count != 1 else ''} from {L} to {ex.param}"
    heading = (", ".join(where).capitalize() + ": " if where else "") + count
    parts: list[RenderableType] = []
    value = f(block.value)
    if not block.paths:
        why = (f"too many to list (more than {MAX_PATHS})" if block.path_count > MAX_PATHS else
               "a saturated factor (∞ · 0) cannot be multiplied out")
        parts.append(Text(f"{heading}: {why}. The same sum, "
                          f"factored as the δ recursion δ_n = f′(z_n) · Σ_c w·δ_c (a {_COUPLED} "
                          f"node: over its group), loss end first:"))
        parts.append(_delta_table(block.deltas, L, f))
        numbers = fitted(value, lambda p: f"{paren(p(block.delta))} · "
                                          f"{paren(common.value(pf, p, inputs))}", f)
        parts.append(Text(f"∂{L}/∂{ex.param} = ∂{L}/∂{pf.numerator} · {pf.label} = "
                          f"{numbers} = {value}"))
        return parts
    factors = common.table(heading, "factor", "rule", "with numbers", "value")
    seen: set[str] = set()
    ends = list(block.ends)
    for path in block.paths:
        for factor in path.factors:
            if factor.label not in seen:
                seen.add(factor.label)
                common.row(factors, factor.label, factor.rule,
                           *common.factor_cells(factor, f, inputs))
            # an output's δ, once its factors are all listed: a row of its own
            for end in [e for e in ends if all(a.label in seen and b.label in seen
                                                for a, b in e.terms)]:
                ends.remove(end)
                sym, written = delta_texts(end.terms)
                value_text = f(end.value)
                common.row(factors, f"∂{L}/∂{end.sum}", sym, fitted(value_text, written, f),
                           value_text)
    parts.append(factors)
    if len(block.paths) == 1:
        path = block.paths[0]
        tag = _where(ex, block)
        parts.append(common.derivation(path.factors, f, value, inputs,
                                       wording=f"∂{L}/∂{ex.param}{tag} = {{numbers}} = {value}",
                                       lhs=Partial(L, ex.param, tag), result=value))
        return parts
    chains = common.table(None, "path", "chain of factors", "product", right=("product",))
    # the products printed finely enough to add to the printed Σ
    p = places_for_sum(value, [path.product for path in block.paths], f)
    for i, path in enumerate(block.paths, start=1):
        product = p(path.product)
        chains.add_row(Text(str(i)), common.derivation(path.factors, p, product, inputs,
                                                       lhs=f"path {i}"), Text(product))
    chains.add_row(Text("Σ"), Text(f"the sum of the {len(block.paths)} paths"), Text(value),
                   style="bold")
    parts += [Text(""), chains]
    return parts


def _where(ex: Explanation, block: Block) -> str:
    return f"[{block.sample}]" if ex.multi_sample else ""


def _delta_table(rows: Sequence[DeltaRow], L: str, f: Places) -> Table:
    table = common.table(None, "δ", "rule", "with numbers", "value")
    for row in rows:
        if row.group and row.coupled:  # a coupled group: δ_j as its group rule words it
            sym = row.coupled.delta_text(row.node, L, [name for name, _, _ in row.group])
        elif len(row.terms) > WIDE_SUM:
            sym = f"{row.local.label} · Σ_c w·∂{L}/∂z_c ({len(row.terms)} terms)"
        else:
            terms = [f"{w}·∂{L}/∂{c}" for c, w, _, _ in row.terms]
            if row.loss is not None:
                terms.append(row.loss.label)
            sym = f"{row.local.label} · (" + (" + ".join(terms) or "0") + ")"
        value = f(row.value)
        table.add_row(Text(f"∂{L}/∂{row.sum}"), Text(sym),
                      Text(fitted(value, partial(_delta_numbers, row), f)),
                      Text(value))
    return table


def _delta_numbers(row: DeltaRow, f: Places) -> str:
    """A δ row's numbers: f′(z)·(Σ w·δ_c + ∂L/∂h), or its group rule's, or "Σ …" for a wide one."""
    if row.group and row.coupled:
        g_j = next(g for name, _, g in row.group if name == row.node)
        h_j = next(h for name, h, _ in row.group if name == row.node)
        return row.coupled.delta_numbers(paren(f(h_j)), paren(f(g_j)), [
            (paren(f(h)), paren(f(g))) for _, h, g in row.group])
    if len(row.terms) > WIDE_SUM:
        return f"{paren(f(row.local.value))} · Σ …"
    numbers = [f"{paren(given(wv))}·{paren(f(d))}" for _, _, wv, d in row.terms]
    if row.loss is not None:
        numbers.append(paren(f(row.loss.value)))
    return f"{paren(f(row.local.value))} · (" + (" + ".join(numbers) or "0") + ")"
