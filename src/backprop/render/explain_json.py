"""`backprop explain --format json`: one param's gradient as its paths, their factors and
products, the sum and the update, every float at full precision (schema: schema.explain_schema)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, TypedDict

from backprop import safe
from backprop.render import StepView

if TYPE_CHECKING:
    from backprop.explain import Block, DeltaRow, Explanation
    from backprop.trace import Factor, Trace


class FactorJSON(TypedDict):
    """One link of a chain: ∂numerator/∂denominator, its rule in the file's names, its value."""

    numerator: str
    denominator: str
    rule: str
    value: float | None  #: null where it is not finite (a saturated factor)


class PathJSON(TypedDict):
    """One chain from the loss down to the param: its factors, loss end first, and their product."""

    factors: list[FactorJSON]
    product: float | None


class TermJSON(TypedDict):
    """One term w·δ_c of a δ row: the consumer's sum, the weight's name and value, δ_c."""

    sum: str
    weight: str
    w: float
    delta: float | None


class DeltaJSON(TypedDict):
    """δ = ∂L/∂z of one node, when the paths are too many to list (the δ recursion)."""

    node: str
    sum: str
    local: FactorJSON  #: ∂h/∂z
    terms: list[TermJSON]
    loss: FactorJSON | None  #: ∂L/∂h from the loss, for an output
    value: float | None


class BlockJSON(TypedDict):
    """One use of the param at one sample: ∂L/∂z · ∂z/∂p, with the paths that make ∂L/∂z."""

    node: str  #: the node whose sum uses the param
    source: str | None  #: the edge's source; null for a bias
    sample: int  #: 1-based
    param_factor: FactorJSON  #: ∂z/∂p
    path_count: int  #: every path, listed or not
    paths: list[PathJSON]  #: every path, or [] when they are too many (then `deltas`)
    deltas: list[DeltaJSON]
    delta: float | None  #: ∂L/∂z of the node
    value: float | None  #: this use's and sample's term of ∂L/∂p


class ExplainJSON(TypedDict):
    """The whole explanation; `blocks` are those shown, `terms` counts them all."""

    param: str
    loss: str  #: the loss's name
    blocks: list[BlockJSON]
    terms: int  #: uses × samples: the terms ∂L/∂p sums, shown or not
    uses: int
    samples: int
    gradient: float | None  #: ∂L/∂p, the sum over every term
    learning_rate: float
    old: float
    new: float | None  #: after the update (the old value when frozen)
    frozen: bool
    optimizer: str | None  #: the optimizer's kind when it is not sgd
    notes: list[str]


def _number(value: float) -> float | None:
    """JSON has no infinity or NaN: a value that is not finite is null."""
    return value if math.isfinite(value) else None


def _factor(f: Factor) -> FactorJSON:
    return {"numerator": f.numerator, "denominator": f.denominator, "rule": f.rule,
            "value": _number(f.value)}


def _delta(row: DeltaRow) -> DeltaJSON:
    return {"node": row.node, "sum": row.sum, "local": _factor(row.local),
            "terms": [{"sum": c, "weight": w, "w": wv, "delta": _number(d)}
                      for c, w, wv, d in row.terms],
            "loss": _factor(row.loss) if row.loss is not None else None,
            "value": _number(row.value)}


def _block(b: Block) -> BlockJSON:
    return {"node": b.use.node, "source": b.use.source, "sample": b.sample,
            "param_factor": _factor(b.param_factor), "path_count": b.path_count,
            "paths": [{"factors": [_factor(f) for f in p.factors], "product": _number(p.product)}
                      for p in b.paths],
            "deltas": [_delta(r) for r in b.deltas], "delta": _number(b.delta),
            "value": _number(b.value)}


def explain_dict(ex: Explanation, notes: tuple[str, ...] = ()) -> ExplainJSON:
    return {"param": ex.param, "loss": ex.loss_name, "blocks": [_block(b) for b in ex.blocks],
            "terms": ex.block_count, "uses": ex.use_count, "samples": ex.sample_count,
            "gradient": _number(ex.gradient), "learning_rate": ex.learning_rate, "old": ex.old,
            "new": _number(ex.new), "frozen": ex.frozen, "optimizer": ex.optimizer,
            "notes": list(notes)}


def render(trace: Trace, ex: Explanation, view: StepView) -> str:
    """The `json` format of `backprop explain` (render.EXPLAIN_FORMATS)."""
    return safe.json_text(explain_dict(ex, trace.notes))
