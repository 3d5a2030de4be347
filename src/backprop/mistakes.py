"""The catalogue of mistakes: one record per code, holding what the mistake is, the changed rule
(or the change to the true value) that produces its number, and the sentence that explains it."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from types import MappingProxyType
from typing import get_args

from backprop.answers import Kind, Quantity
from backprop.network import Network
from backprop.notation import fmt, given
from backprop.trace import DerivativeAt, Rules, Trace

#: every kind of quantity
ALL: frozenset[Kind] = frozenset(get_args(Kind))
#: the quantities on the backward side of the step, which a changed backward rule can change
BACKWARD: frozenset[Kind] = frozenset({"grad_node", "delta", "gradient", "updated", "loss_new"})
GRADIENTS: frozenset[Kind] = frozenset({"gradient"})
#: the numbers on the loss's side of the chain, where a ½ or a 2 of the square shows
LOSS_SIDE: frozenset[Kind] = frozenset({"loss", "gradient", "grad_node", "delta"})
#: uses of one shared param tried one at a time for missing_path
MISSING_USES = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Model:
    """One way a mistake gives a number: an engine run under a changed rule, or (rules None) the
    true value scaled, or another number read from the true step (changed)."""

    rules: Rules | None = None  #: the changed rule the engine runs under
    detail: str = ""  #: which variant, for the explanation
    factor: float = 1.0  #: for a scaled true value
    #: the number it gives for a quantity, read from the true step (None where it gives none)
    changed: Callable[[Quantity, Trace], float | None] | None = None
    kinds: frozenset[Kind] = frozenset()  #: the quantities it can change (empty: its mistake's)
    fits_zero: bool = True  #: whether an answer of 0 can be this mistake
    mistake: Mistake | None = None  #: the record it belongs to (models() fills it in)

    @property
    def code(self) -> str:
        assert self.mistake is not None
        return self.mistake.code


def runs(rules: Rules, kinds: frozenset[Kind] = frozenset(), detail: str = "") -> Model:
    """The step run again under a changed rule."""
    return Model(rules=rules, kinds=kinds, detail=detail)


def scales(factor: float, kinds: frozenset[Kind] = frozenset(), detail: str = "",
           fits_zero: bool = True) -> Model:
    """The true value times a factor."""
    return Model(factor=factor, kinds=kinds, detail=detail, fits_zero=fits_zero)


@dataclass(frozen=True, slots=True, kw_only=True)
class Wording:
    """What an explanation may say: the numbers formatted, and where they come from."""

    said: str  #: the number as the student wrote it
    got: str  #: the number the mistake gives, to four decimals
    true: str  #: the true value, to four decimals
    label: str  #: the quantity as printed: ∂L/∂w5, w5_new, z1
    kind: Kind
    name: str  #: the quantity's main name (its param, for a gradient or an update)
    L: str  #: the loss's name
    eta: str  #: the learning rate as the file gives it
    model: Model
    network: Network

    @property
    def scaled(self) -> bool:
        """The number is the true value scaled, not a run under a changed rule."""
        return self.model.rules is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mistake:
    """One catalogued mistake: the README's table row, its models and its explanation."""

    code: str  #: as reports print it
    description: str  #: the README table's text
    kinds: frozenset[Kind]  #: the quantities it can change; a model that names none has these
    models: Callable[[Trace], Iterator[Model]]  #: the ways it gives a number, most plausible first
    explain: Callable[[Wording], str]  #: one sentence with the numbers


# ---------------------------------------------------------------- the models and their sentences

def _learning_rate_models(trace: Trace) -> Iterator[Model]:
    eta = trace.network.learning_rate
    yield runs(Rules(gradient_factor=eta))  # the gradient reported as η·g, then η·(η·g) applied
    yield scales(eta, GRADIENTS)


def _learning_rate(w: Wording) -> str:
    if w.kind == "gradient":
        return (f"{w.said} is η·{w.label} = {w.eta} × ({w.true}): the learning rate was applied "
                f"before the update")
    if w.kind == "updated":
        return (f"{w.said} applies η twice: {given(w.network.params[w.name])} − {w.eta}·({w.eta}·"
                f"∂{w.L}/∂{w.name}) = {w.got}; the true value is {w.true}")
    return f"{w.said} is η × {w.true} = {w.got}: the learning rate was applied where it has no place"


def _sign_models(trace: Trace) -> Iterator[Model]:
    yield runs(Rules(loss_factor=-1.0), BACKWARD)
    yield scales(-1.0)


def _sign(w: Wording) -> str:
    if w.scaled:
        return f"{w.said} has the wrong sign: the true value is {w.true}"
    if w.kind == "updated":
        # the step added: the number a flipped ∂L/∂o gives too, but the answer is an update and
        # its own step is where the sign shows (with the sheet's gradient right, only there)
        p = w.name
        if w.network.optimizer.optimizer.worked:  # the step is the optimizer's, not η·g
            return (f"{w.said} adds the step to {p} instead of subtracting it: {w.got}; the "
                    f"true value is {w.true}")
        return (f"{w.said} adds the step instead of subtracting it: {p} + η·∂{w.L}/∂{p} = "
                f"{given(w.network.params[p])} + {w.eta}·∂{w.L}/∂{p} = {w.got}; the update is "
                f"{p} − η·∂{w.L}/∂{p} = {w.true}")
    if w.kind == "loss_new":  # the loss after the params moved the wrong way
        return (f"{w.said} is {w.L} after updates that add the step instead of subtracting it: "
                f"{w.got}; the true value is {w.true}")
    return (f"{w.said} follows from ∂{w.L}/∂o with its sign flipped ((o − t) for (t − o), the "
            f"target and output swapped): {w.got}; the true value is {w.true}")


def _factor_of_two_models(trace: Trace) -> Iterator[Model]:
    yield runs(Rules(loss_factor=2.0), BACKWARD, "doubled")
    yield runs(Rules(loss_factor=0.5), BACKWARD, "halved")
    yield scales(2.0, LOSS_SIDE, "twice")
    yield scales(0.5, LOSS_SIDE, "half")


def _factor_of_two(w: Wording) -> str:
    if w.scaled:
        return (f"{w.said} is {w.model.detail} the true {w.true} "
                f"({_two(w, w.model.factor == 2)})")
    return (f"{w.said} follows from ∂{w.L}/∂o {w.model.detail} "
            f"({_two(w, w.model.detail == 'doubled')}): {w.got}; the true value is {w.true}")


def _two(w: Wording, doubled: bool) -> str:
    """Which slip gives the 2 or the ½, read from the loss's element e = c·(o − t)²: a ½ that
    is there (c = ½) can be dropped, a 2 of the square (c = 1) counted twice or dropped."""
    e = w.network.loss.loss.gap_element
    c = e(1.0) if e is not None and e(2.0) == 4 * e(1.0) else None
    if c == 0.5:
        return "the ½ of ½(t − o)² dropped" if doubled else "a second ½ applied"
    if c == 1.0 and w.kind != "loss":
        return "the 2 of the square counted twice" if doubled else "the 2 of the square dropped"
    if c == 1.0 and not doubled:
        return "a ½ added, as if the loss were ½(t − o)²"
    return "a factor of 2 added" if doubled else "a factor of ½ added"


def _reduction_models(trace: Trace) -> Iterator[Model]:
    net = trace.network
    n = len(net.samples) * len(net.outputs)
    # a mean forgets its 1/D (× D); a sum divides by N anyway (÷ N)
    factor = trace.divisor if net.loss.reduction == "mean" else 1.0 / n
    if factor not in (1.0, 2.0, 0.5):  # ×2 and ×½ are factor_of_two's
        detail = given(trace.divisor if factor > 1 else n)
        yield runs(Rules(loss_factor=factor), BACKWARD, detail)
        yield scales(factor, LOSS_SIDE, detail)


def _reduction(w: Wording) -> str:
    return (f"{w.said} confuses mean and sum (a factor of N = {w.model.detail}): {w.got}; the loss "
            f"is a {w.network.loss.reduction} and the true value is {w.true}")


def _derivative_scopes(net: Network) -> list[frozenset[str]]:
    """Where a student may take f′ at the wrong value: everywhere, one layer, or one node."""
    nodes = [n for n in net.nodes if n.activation.elementwise and not n.activation.identity]
    scopes: list[frozenset[str]] = [frozenset()]
    layers: dict[int | None, list[str]] = {}
    for node in nodes:
        layers.setdefault(node.layer, []).append(node.name)
    if None not in layers:  # the layered form: one layer at a time
        scopes += [frozenset(names) for names in layers.values()]
    hidden = frozenset(n.name for n in nodes if n.name not in net.outputs)
    if hidden and len(hidden) < len(nodes):
        scopes += [hidden, frozenset(n.name for n in nodes if n.name in net.outputs)]
    if len(nodes) <= 24:
        scopes += [frozenset({n.name}) for n in nodes]
    return list(dict.fromkeys(scopes))


def _pre_activation_models(trace: Trace) -> Iterator[Model]:
    hows: tuple[DerivativeAt, ...] = ("z_for_h", "h_for_z")
    for nodes in _derivative_scopes(trace.network):
        for how in hows:
            yield runs(Rules(derivative_at=how, derivative_nodes=nodes), detail=how)


def _pre_activation(w: Wording) -> str:
    how = ("f′ written with z where h belongs (σ′ as z(1 − z), tanh′ as 1 − z²)"
           if w.model.detail == "z_for_h" else "f′ evaluated at h = f(z) instead of at z")
    return f"{w.said} takes {how}: {w.got}; the true value is {w.true}"


def _updated_weight_models(trace: Trace) -> Iterator[Model]:
    yield runs(Rules(backward_params=trace.updated))


def _updated_weight(w: Wording) -> str:
    return (f"{w.said} uses the updated weights in the backward pass ({w.got}); the backward pass "
            f"uses the weights of the forward pass: {w.true}")


def _missing_path_models(trace: Trace) -> Iterator[Model]:
    net = trace.network
    by_name = net.node_by_name
    consumers: dict[str, list[str]] = {}
    for node in net.nodes:
        for edge in node.edges:
            if edge.source in by_name:
                consumers.setdefault(edge.source, []).append(node.name)
    for src, cs in consumers.items():
        if len(cs) > 1:  # a multi-path sum at src: leave out one of its terms
            for c in cs[:8]:
                yield runs(Rules(dropped_edges=frozenset({(c, src)})), detail=f"∂{by_name[c].sum}/∂{src}")
    uses: dict[str, list[int]] = {}
    for k, u in enumerate(net.uses):
        uses.setdefault(u.param, []).append(k)
    for ks in uses.values():
        if len(ks) > 1:  # a shared param: its gradient sums every use; leave out one
            for k in ks[:MISSING_USES]:
                u = net.uses[k]
                yield Model(detail=f"∂{by_name[u.node].sum}/∂{u.param}", kinds=GRADIENTS | {"updated"},
                            changed=partial(_without_use, k))


def _without_use(use: int, q: Quantity, t: Trace) -> float | None:
    """A shared param's gradient (or update) with the share of one of its uses left out."""
    net = t.network
    p = net.uses[use].param
    if q.kind not in ("gradient", "updated") or q.a != p:
        return None
    if q.kind == "gradient" and q.sample is not None:
        return t.share(t.samples[q.sample], p, without=use)
    g = t.gradients[p] - math.fsum(s.use_grads[use] for s in t.samples)
    if q.kind == "gradient":
        return g
    return None if p in net.frozen else net.params[p] - net.learning_rate * g


def _missing_path(w: Wording) -> str:
    return (f"{w.said} leaves out the path through {w.model.detail}: the gradient sums every path "
            f"({w.true}), and without that one it is {w.got}")


def _decimal_shift_models(trace: Trace) -> Iterator[Model]:
    for k in (-1, 1, -2, 2, -3, 3):
        yield scales(10.0 ** k, fits_zero=False)  # 0 is every power of ten of 0: no diagnosis


def _decimal_shift(w: Wording) -> str:
    return f"{w.said} is the true value {w.true} shifted by a power of ten ({w.got})"


# ---------------------------------------------------------------- the catalogue

#: in order of plausibility: when several models give the same number, the first is named and
#: the others mentioned. The README's table lists these codes and descriptions.
CATALOGUE: Sequence[Mistake] = (
    Mistake(code="learning_rate_applied",
            description="η·∂L/∂p given as the gradient, or η applied twice in the update",
            kinds=frozenset({"gradient", "updated", "loss_new"}),
            models=_learning_rate_models, explain=_learning_rate),
    Mistake(code="sign",
            description="a sign flipped: (o − t) for (t − o), or the update added instead of "
                        "subtracted",
            kinds=ALL, models=_sign_models, explain=_sign),
    Mistake(code="factor_of_two",
            description="the factor 2 of the square dropped or doubled (½ vs no ½)",
            kinds=BACKWARD | LOSS_SIDE, models=_factor_of_two_models, explain=_factor_of_two),
    Mistake(code="reduction",
            description="mean and sum confused: divided by N when the loss sums, or not when it "
                        "averages",
            kinds=BACKWARD | LOSS_SIDE, models=_reduction_models, explain=_reduction),
    Mistake(code="pre_activation",
            description="f′ at the wrong value: σ(z)(1 − σ(z)) written z(1 − z), tanh′ as 1 − z², "
                        "or σ′ taken at h",
            kinds=BACKWARD | {"local"}, models=_pre_activation_models, explain=_pre_activation),
    Mistake(code="updated_weight",
            description="an updated weight used in the backward pass",
            kinds=BACKWARD, models=_updated_weight_models, explain=_updated_weight),
    Mistake(code="missing_path",
            description="one path of a multi-path sum left out",
            kinds=BACKWARD, models=_missing_path_models, explain=_missing_path),
    Mistake(code="decimal_shift",
            description="off by a power of ten",
            kinds=ALL, models=_decimal_shift_models, explain=_decimal_shift),
)

#: code -> what the mistake is
MISTAKES: Mapping[str, str] = MappingProxyType({m.code: m.description for m in CATALOGUE})


def models(trace: Trace) -> list[Model]:
    """The catalogue as models, in its order; nothing runs here."""
    return [replace(model, mistake=mistake, kinds=model.kinds or mistake.kinds)
            for mistake in CATALOGUE for model in mistake.models(trace)]


def label(kind: Kind, name: str, L: str) -> str:
    """A quantity as the explanations name it."""
    if kind == "gradient":
        return f"∂{L}/∂{name}"
    if kind == "updated":
        return f"{name}_new"
    return name


def explain(model: Model, kind: Kind, name: str, value: float, expected: float, said: str,
            net: Network) -> str:
    """One sentence with the numbers: what the mistake is and what it gives."""
    assert model.mistake is not None
    L = net.loss.name
    return model.mistake.explain(Wording(
        said=said, got=fmt(value, 4), true=fmt(expected, 4), label=label(kind, name, L), kind=kind,
        name=name, L=L, eta=given(net.learning_rate), model=model, network=net))
