"""Answers → verdicts: tolerance read from the written decimals, error carried forward, and the
catalogue of mistakes, each a model run by the same engine under a changed rule."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from backprop.engine import run
from backprop.errors import BackpropError, UsageError
from backprop.network import Network
from backprop.notation import fmt, given
from backprop.trace import Overrides, Rules, Trace
from backprop.yamlsafe import Document, load_file

VERDICTS = ("correct", "rounding", "carried_forward", "wrong", "unknown")
ACCEPTED = frozenset({"correct", "rounding"})

#: code -> what the mistake is; the README documents this table. Order is plausibility: when
#: several models give the same number, the first is named and the others mentioned.
MISTAKES: Mapping[str, str] = {
    "learning_rate_applied": "η·∂L/∂p given as the gradient, or η applied twice in the update",
    "sign": "a sign flipped: (o − t) for (t − o), or the update added instead of subtracted",
    "factor_of_two": "the factor 2 of the square dropped or doubled (½ vs no ½)",
    "reduction": "mean and sum confused: divided by N when the loss sums, or not when it averages",
    "pre_activation": "f′ taken at the wrong value: σ(z)(1 − σ(z)) written z(1 − z), tanh′ as 1 − z², "
                      "or σ′ evaluated at h",
    "updated_weight": "an updated weight used in the backward pass",
    "missing_path": "a path of a multi-path sum left out",
    "decimal_shift": "off by a power of ten",
}


# ---------------------------------------------------------------- quantities

@dataclass(frozen=True, slots=True)
class Quantity:
    """A number the tables print, by its printed name; reads its value from any trace."""

    kind: str  #: value, loss, loss_new, updated, gradient, grad_node, delta, local, jacobian, edge,
    #: or param_factor
    a: str  #: the quantity's main name (value, node, sum or param)
    b: str = ""  #: a derivative's denominator, where it needs one
    sample: int | None = None  #: 0-based; None for totals and constants

    def value(self, trace: Trace) -> float:
        s = trace.samples[self.sample] if self.sample is not None else None
        if self.kind == "loss":
            return trace.loss
        if self.kind == "loss_new":
            return trace.loss_new
        if self.kind == "updated":
            return trace.updated[self.a]
        if self.kind == "gradient":
            if s is None:
                return trace.gradients[self.a]
            return math.fsum(g for u, g in zip(trace.network.uses, s.use_grads, strict=True)
                             if u.param == self.a)
        if self.kind == "edge":  # ∂z/∂source is the weight on that edge
            node = trace.network.node_by_name[self.a]
            return trace.network.params[next(e.param for e in node.edges if e.source == self.b)]
        assert s is not None
        if self.kind == "value":
            return s.values[self.a]
        if self.kind == "grad_node":
            return s.grad_node[self.a]
        if self.kind == "delta":
            return s.delta[self.a]
        if self.kind == "local":
            return s.local[self.a]
        if self.kind == "jacobian":
            return s.jacobian[(self.a, self.b)]
        if self.kind == "param_factor":
            use = next(u for u in trace.network.uses if u.node == self.a and u.param == self.b)
            return trace.use_value(use, s)
        raise AssertionError(self.kind)

    def override(self, number: float, into: dict[str, dict[object, float]]) -> None:
        """Put the student's number in place of the engine's own at this point."""
        s = self.sample if self.sample is not None else 0
        key: object
        table = {"value": "values", "grad_node": "grad_node", "delta": "delta", "local": "local",
                 "gradient": "gradient", "updated": "updated", "edge": "edge",
                 "param_factor": "param_factor"}.get(self.kind)
        if table is None or (self.kind == "gradient" and self.sample is not None):
            return  # the loss itself, a per-sample share of a gradient, or a softmax cross-term
        if self.kind in ("gradient", "updated"):
            key = self.a
        elif self.kind == "edge":
            key = (self.a, self.b)
        elif self.kind == "param_factor":
            key = (s, self.a, self.b)
        else:
            key = (s, self.a)
        into.setdefault(table, {})[key] = number


_DERIVATIVE = re.compile(r"^[d∂](?P<a>[^/]+)/[d∂](?P<b>[^/]+)$")
_SAMPLE = re.compile(r"^(?P<name>.+)\[(?P<k>[0-9]+)\]$")
_UPDATED = re.compile(r"^(?P<p>.+?)(?:_new|'|\+)$")


@dataclass(frozen=True, slots=True)
class Resolution:
    quantity: Quantity | None
    reason: str = ""  #: why not, for unknown


def resolve(net: Network, key: str) -> Resolution:
    """The quantity an answers-file key names (FORMAT §2), or why it names none."""
    loss = net.loss.name
    k_sample: int | None = None
    name = key.strip()
    m = _SAMPLE.match(name)
    if m:
        name, k_sample = m["name"], int(m["k"])
        if not 1 <= k_sample <= len(net.samples):
            return Resolution(None, f"this network has {len(net.samples)} sample"
                                    f"{'s' if net.multi_sample else ''}: [{k_sample}] is out of range")
    nodes = net.node_by_name
    sums = {n.sum: n for n in net.nodes}

    def per_sample(kind: str, a: str, b: str = "") -> Resolution:
        if k_sample is None:
            if net.multi_sample:
                return Resolution(None, f"'{name}' differs between samples: write {name}[1] … "
                                        f"{name}[{len(net.samples)}]")
            return Resolution(Quantity(kind, a, b, 0))
        return Resolution(Quantity(kind, a, b, k_sample - 1))

    def total(kind: str, a: str, b: str = "") -> Resolution:
        if k_sample is not None:
            return Resolution(None, f"'{name}' is one number for the whole step; drop the [{k_sample}]")
        return Resolution(Quantity(kind, a, b))

    if name == loss:
        return total("loss", loss)
    if name in (f"{loss}_new", f"{loss}'", f"{loss}+"):
        return total("loss_new", loss)
    if name in net.inputs or name in nodes or name in sums:
        return per_sample("value", name)
    if name in net.params:
        return Resolution(None, f"'{name}' is a param, given in the file; its new value is "
                                f"{name}_new and its gradient d{loss}/d{name}")
    m = _UPDATED.match(name)
    if m and m["p"] in net.params:
        return total("updated", m["p"])
    m = _DERIVATIVE.match(name)
    if not m:
        return Resolution(None, "not a name in this network")
    a, b = m["a"], m["b"]
    if a == loss:
        if b in net.params:
            return (Resolution(Quantity("gradient", b, "", k_sample - 1)) if k_sample is not None
                    else Resolution(Quantity("gradient", b)))
        if b in nodes or b in net.inputs:
            return per_sample("grad_node", b)
        if b in sums:
            return per_sample("delta", sums[b].name)
    elif a in nodes:
        node = nodes[a]
        if b == node.sum:
            return per_sample("local", a)
        if b in sums and not node.activation.elementwise and \
                sums[b].activation.group == node.activation.group and \
                not sums[b].activation.elementwise:
            return per_sample("jacobian", a, sums[b].name)
    elif a in sums:
        node = sums[a]
        for edge in node.edges:
            if edge.source == b:
                return total("edge", node.name, edge.source) if k_sample is None else \
                    Resolution(Quantity("edge", node.name, edge.source))
            if edge.param == b:
                return per_sample("param_factor", node.name, b)
        if node.bias == b:
            return per_sample("param_factor", node.name, b)
    return Resolution(None, f"∂{a}/∂{b} is not a factor this network's tables print")


def printed_names(net: Network) -> list[str]:
    """Every key an answers file may use (without sample indices), for did-you-mean."""
    L = net.loss.name
    out = [L, f"{L}_new", *net.inputs]
    for node in net.nodes:
        out += [node.sum, node.name, f"d{L}/d{node.name}", f"d{L}/d{node.sum}",
                f"d{node.name}/d{node.sum}"]
        for e in node.edges:
            out += [f"d{node.sum}/d{e.source}", f"d{node.sum}/d{e.param}"]
        if node.bias:
            out.append(f"d{node.sum}/d{node.bias}")
    for p in net.params:
        out += [f"d{L}/d{p}", f"{p}_new"]
    return out


# ---------------------------------------------------------------- the answers file

@dataclass(frozen=True, slots=True)
class Answer:
    """One line of an answers sheet."""

    key: str  #: as written
    given: float
    text: str  #: the number as written, e.g. "0.470"
    exponent: int  #: the last written digit's place: −3 for 0.470, −2 for −0.71


def _exponent(text: str) -> int:
    try:
        exponent = Decimal(text.strip().replace("_", "")).as_tuple().exponent
    except InvalidOperation:
        return -15
    return exponent if isinstance(exponent, int) else -15


def load_answers(path: str | Path, display_name: str | None = None) -> list[Answer]:
    """Read an answers file (FORMAT §2): a flat mapping quantity → number."""
    doc = load_file(path, display_name)
    return parse_answers(doc)


def parse_answers(doc: Document) -> list[Answer]:
    root = doc.root
    if root is None:
        raise doc.error((), "the answers file is empty; write one 'quantity: number' per line, "
                            "e.g. 'z1: 0.470'")
    if not isinstance(root, dict):
        raise doc.error((), "an answers file is a mapping of quantity: number (e.g. 'dL/dw5: -0.100'), "
                            f"found {'a list' if isinstance(root, list) else 'a single value'}")
    if not root:
        raise doc.error((), "the answers file has no answers")
    answers = []
    for key, value in root.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = f"'{value}'" if isinstance(value, str) else (
                "nothing" if value is None else "a list or mapping" if isinstance(value, list | dict)
                else str(value).lower())
            hint = " (remove the quotes)" if isinstance(value, str) and _numeric(value) else ""
            raise doc.error((key,), f"expected a number, found {shown}{hint}")
        text = doc.raw((key,)) or repr(float(value))
        answers.append(Answer(key=str(key), given=float(value), text=text,
                              exponent=_exponent(text)))
    return answers


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- tolerance

@dataclass(frozen=True, slots=True)
class Tolerance:
    """How close is right: half a unit of the last written digit, unless the teacher sets a rule."""

    absolute: float | None = None
    relative: float | None = None

    @classmethod
    def parse(cls, text: str) -> Tolerance:
        raw = text.strip()
        try:
            if raw.endswith("%"):
                value = float(raw[:-1]) / 100
                if not math.isfinite(value) or value < 0:
                    raise ValueError
                return cls(relative=value)
            value = float(raw)
        except ValueError:
            raise UsageError(f"--tolerance: expected an absolute tolerance such as 0.001 or a "
                                f"relative one such as 1%, found '{text}'") from None
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"--tolerance: must be a finite number ≥ 0, found '{text}'")
        return cls(absolute=value)

    @property
    def written(self) -> bool:
        return self.absolute is None and self.relative is None

    def within(self, answer: Answer, expected: float, units: Decimal) -> bool:
        """|given − expected| ≤ units × 10^exponent, in exact decimal arithmetic (or the teacher's rule)."""
        if not math.isfinite(expected):
            return False
        if abs(answer.given - expected) <= 4 * math.ulp(expected):
            return True  # written with more digits than a float holds, and equal as floats
        if self.absolute is not None:
            return abs(answer.given - expected) <= self.absolute * (1 + 1e-12)
        if self.relative is not None:
            return abs(answer.given - expected) <= self.relative * abs(expected) * (1 + 1e-12) or \
                answer.given == expected
        try:
            given_ = Decimal(answer.text.strip().replace("_", ""))
        except InvalidOperation:
            given_ = Decimal(answer.given)
        return abs(given_ - Decimal(expected)) <= units * Decimal(10) ** answer.exponent

    def match(self, answer: Answer, expected: float) -> bool:
        """Close enough to count as the same number: one unit of the last written digit."""
        return self.within(answer, expected, Decimal(1))


HALF, ONE = Decimal("0.5"), Decimal(1)
TRUE_RULES = Rules()


# ---------------------------------------------------------------- the report

@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """The verdict on one answer."""

    quantity: str  #: as written
    given: float
    text: str  #: as written
    decimals: int  #: digits after the point as written (negative for 1.5e+2)
    expected: float | None  #: the true value (None for unknown)
    verdict: str  #: one of VERDICTS
    mistake: str | None = None  #: a MISTAKES code
    explanation: str = ""
    also: tuple[str, ...] = ()  #: other mistake codes that give the same number


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """One answers file checked against one network."""

    file: str
    network: str
    results: tuple[Result, ...]
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def correct(self) -> int:
        return self.counts.get("correct", 0) + self.counts.get("rounding", 0)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def failed(self) -> bool:
        return bool(self.counts.get("wrong", 0) or self.counts.get("unknown", 0))


# ---------------------------------------------------------------- the checker

@dataclass(frozen=True, slots=True)
class Model:
    """One catalogued mistake as a way to get a number: an engine run under a changed rule, or
    (trace None) the true value scaled."""

    code: str  #: a MISTAKES code
    rules: Rules | None  #: the changed rule the engine runs under
    trace: Trace | None  #: that run on the true numbers
    detail: str = ""  #: which variant, for the explanation
    factor: float = 1.0  #: for a scaled true value
    kinds: frozenset[str] = frozenset()  #: the quantities a scaling applies to (empty: all)


def check(trace: Trace, answers: Sequence[Answer], file: str,
          tolerance: Tolerance = Tolerance()) -> CheckReport:
    """Mark every answer: correct, rounding, carried_forward, wrong (with a named mistake), unknown."""
    net = trace.network
    names = printed_names(net)
    resolved = [(a, resolve(net, a.key)) for a in answers]
    first: dict[str, str] = {}  # key -> correct / rounding / other
    truth: dict[str, float] = {}
    for a, r in resolved:
        if r.quantity is None:
            continue
        expected = r.quantity.value(trace)
        truth[a.key] = expected
        if tolerance.within(a, expected, HALF if tolerance.written else ONE):
            first[a.key] = "correct"
        elif tolerance.written and tolerance.within(a, expected, ONE):
            first[a.key] = "rounding"
        else:
            first[a.key] = "wrong"
    models = _Models(trace)
    results = []
    for a, r in resolved:
        decimals = -a.exponent
        if r.quantity is None:
            near = difflib.get_close_matches(a.key.split("[")[0], names, n=3, cutoff=0.5)
            hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=None, verdict="unknown",
                                  explanation=f"{r.reason}{hint}"))
            continue
        q, expected = r.quantity, truth[a.key]
        verdict = first[a.key]
        shown = _shown(expected, a)
        if verdict == "correct":
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=expected, verdict="correct"))
            continue
        if verdict == "rounding":
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=expected, verdict="rounding",
                                  explanation=f"{fmt(expected, max(4, decimals + 1))} rounds to "
                                              f"{shown}; accepted as a rounding slip"))
            continue
        results.append(_wrong(trace, q, a, expected, resolved, first, tolerance, models))
    counts = {v: sum(1 for r in results if r.verdict == v) for v in VERDICTS}
    return CheckReport(file=file, network=net.source_file or "", results=tuple(results),
                       counts=counts)


def _shown(expected: float, a: Answer, tolerance: Tolerance | None = None) -> str:
    """The true value to the places the student wrote (in full under a teacher's tolerance)."""
    if not math.isfinite(expected):
        return fmt(expected)
    if tolerance is not None and not tolerance.written:
        return repr(expected) if abs(expected) < 1e-4 else fmt(expected, 6).rstrip("0").rstrip(".")
    places = max(0, -a.exponent)
    return fmt(expected, places) if places else given(round(expected))


def _overrides(resolved: Sequence[tuple[Answer, Resolution]], skip: str,
               keep: Callable[[str], bool]) -> Overrides:
    into: dict[str, dict[object, float]] = {}
    for a, r in resolved:
        if r.quantity is not None and a.key != skip and keep(a.key):
            r.quantity.override(a.given, into)
    return Overrides(**into)  # type: ignore[arg-type]  # keys match each table's own


def _rerun(trace: Trace, overrides: Overrides, rules: Rules = TRUE_RULES) -> Trace | None:
    if not overrides:
        return None
    try:
        return run(trace.network, replace(rules, overrides=overrides))
    except BackpropError:
        return None  # the student's numbers make the step undefined (log 0, overflow): no ECF


def _wrong(trace: Trace, q: Quantity, a: Answer, expected: float,
           resolved: Sequence[tuple[Answer, Resolution]], first: Mapping[str, str],
           tolerance: Tolerance, models: _Models) -> Result:
    base = partial(Result, quantity=a.key, given=a.given, text=a.text, decimals=-a.exponent,
                   expected=expected)
    shown = _shown(expected, a, tolerance)
    # error carried forward: the same step with every other number of the student's put in
    # (their correct ones too: a later answer must follow from what they actually wrote)
    own_all = _rerun(trace, _overrides(resolved, a.key, lambda k: True))
    if own_all is not None and tolerance.match(a, _value(q, own_all) or math.inf):
        accepted_only = _rerun(trace, _overrides(resolved, a.key, lambda k: first.get(k) != "wrong"))
        if accepted_only is not None and tolerance.match(a, _value(q, accepted_only) or math.inf):
            return base(verdict="rounding",
                        explanation=f"{a.text} is what your own rounded earlier values give "
                                    f"(the true value is {fmt(expected, max(4, -a.exponent + 1))}); "
                                    "accepted")
        sources = _sources(trace, q, a, resolved, first)
        return base(verdict="carried_forward",
                    explanation=f"{a.text} follows from your {sources}"
                                f"{_formula(trace, q, own_all)}; the true value is {shown}")
    own = _overrides(resolved, a.key, lambda k: first.get(k) in ACCEPTED)
    fits = [(m, v) for m, v in models.values(q, expected, own) if tolerance.match(a, v)]
    if fits:
        model, value = fits[0]
        others = tuple(dict.fromkeys(m.code for m, _ in fits[1:] if m.code != model.code))
        text = _describe(model, q, value, expected, a, trace.network)
        if others:
            text += " (the same number also fits: " + ", ".join(others) + ")"
        return base(verdict="wrong", mistake=model.code, explanation=text, also=others)
    return base(verdict="wrong",
                explanation=f"the true value is {shown}; no catalogued mistake gives {a.text}")


def _sources(trace: Trace, q: Quantity, a: Answer, resolved: Sequence[tuple[Answer, Resolution]],
             first: Mapping[str, str]) -> str:
    """The student's wrong answers that this one depends on, as 'dL/dw5 = -0.01'."""
    names = []
    for other, r in resolved:
        if other.key == a.key or first.get(other.key) != "wrong" or r.quantity is None:
            continue
        alone = _rerun(trace, _overrides(resolved, a.key, other.key.__eq__))
        if alone is not None and _value(q, alone) != _value(q, trace):
            names.append(f"{other.key} = {other.text}")
    return ", ".join(names) if names else "earlier answers"


def _formula(trace: Trace, q: Quantity, cf: Trace) -> str:
    if q.kind == "updated":
        net = trace.network
        return (f": {given(net.params[q.a])} − {given(net.learning_rate)}·"
                f"({given(cf.gradients[q.a])}) = {fmt(cf.updated[q.a], 4)}")
    return f" ({fmt(q.value(cf), 4)})"


class _Models:
    """The catalogue's engine runs, made once per check and only when a wrong answer needs them."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._cache: list[Model] | None = None

    def _build(self) -> list[Model]:
        t = self.trace
        net = t.network
        eta = net.learning_rate
        models: list[Model] = []

        def runs(code: str, rules: Rules, detail: str = "") -> None:
            try:
                models.append(Model(code, rules, run(net, rules), detail=detail))
            except BackpropError:
                pass  # the changed rule makes the step undefined: that model gives no number

        def scales(code: str, factor: float, kinds: frozenset[str] = frozenset(), detail: str = ""
                   ) -> None:
            models.append(Model(code, None, None, detail=detail, factor=factor, kinds=kinds))

        runs("learning_rate_applied", Rules(gradient_factor=eta))
        scales("learning_rate_applied", eta, GRADIENTS)
        runs("sign", Rules(loss_factor=-1.0))
        scales("sign", -1.0)
        runs("factor_of_two", Rules(loss_factor=2.0), "doubled")
        runs("factor_of_two", Rules(loss_factor=0.5), "halved")
        scales("factor_of_two", 2.0, LOSS_SIDE, "twice")
        scales("factor_of_two", 0.5, LOSS_SIDE, "half")
        n = len(net.samples) * len(net.outputs)
        # a mean forgets its 1/D (× D); a sum divides by N anyway (÷ N)
        factor = t.divisor if net.loss.reduction == "mean" else 1.0 / n
        if factor not in (1.0, 2.0, 0.5):
            runs("reduction", Rules(loss_factor=factor), given(t.divisor if factor > 1 else n))
            scales("reduction", factor, LOSS_SIDE, given(t.divisor if factor > 1 else n))
        for nodes in _derivative_scopes(net):
            for how in ("z_for_h", "h_for_z"):
                runs("pre_activation", Rules(derivative_at=how, derivative_nodes=nodes), how)
        runs("updated_weight", Rules(backward_params=t.updated))
        consumers: dict[str, list[str]] = {}
        by_name = net.node_by_name
        for node in net.nodes:
            for edge in node.edges:
                if edge.source in by_name:
                    consumers.setdefault(edge.source, []).append(node.name)
        for src, cs in consumers.items():
            if len(cs) > 1:  # a multi-path sum at src: leave out one of its terms
                for c in cs[:8]:
                    runs("missing_path", Rules(dropped_edges=frozenset({(c, src)})),
                         f"∂{by_name[c].sum}/∂{src}")
        for k in (-1, 1, -2, 2, -3, 3):
            scales("decimal_shift", 10.0 ** k)
        return models

    def values(self, q: Quantity, expected: float, own: Overrides) -> Iterator[tuple[Model, float]]:
        """Each model's number for q: on the true numbers, then on the student's accepted ones
        (a slip made on their own rounded values)."""
        if self._cache is None:
            self._cache = self._build()
        for model in self._cache:
            if model.trace is None:
                if not model.kinds or q.kind in model.kinds:
                    yield from _finite(model, model.factor * expected, expected)
                continue
            yield from _finite(model, _value(q, model.trace), expected)
        if own:
            for model in self._cache:
                if model.rules is not None:
                    rerun = _rerun(self.trace, own, model.rules)
                    if rerun is not None:
                        yield from _finite(model, _value(q, rerun), expected)


GRADIENTS = frozenset({"gradient"})
#: the numbers on the loss's side of the chain, where a ½ or a 2 of the square shows
LOSS_SIDE = frozenset({"loss", "gradient", "grad_node", "delta"})


def _finite(model: Model, value: float | None, expected: float) -> Iterator[tuple[Model, float]]:
    if value is not None and math.isfinite(value) and value != expected:
        yield model, value


def _value(q: Quantity, trace: Trace) -> float | None:
    try:
        return q.value(trace)
    except (KeyError, StopIteration):
        return None


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


def _describe(model: Model, q: Quantity, value: float, expected: float, a: Answer,
              net: Network) -> str:
    """One sentence with the numbers: what the mistake is and what it gives."""
    L, eta = net.loss.name, given(net.learning_rate)
    label, got, true = _label(q, L), fmt(value, 4), fmt(expected, 4)
    scaled = model.trace is None
    if model.code == "learning_rate_applied":
        if q.kind == "gradient":
            return (f"{a.text} is η·{label} = {eta} × ({true}): the learning rate was applied "
                    f"before the update")
        if q.kind == "updated":
            return (f"{a.text} applies η twice: {given(net.params[q.a])} − {eta}·({eta}·"
                    f"∂{L}/∂{q.a}) = {got}; the true value is {true}")
        return f"{a.text} is η × {true} = {got}: the learning rate was applied where it has no place"
    if model.code == "sign":
        if scaled:
            return f"{a.text} has the wrong sign: the true value is {true}"
        how = "or the update added" if q.kind == "updated" else "the target and output swapped"
        return (f"{a.text} follows from ∂{L}/∂o with its sign flipped ((o − t) for (t − o), {how}): "
                f"{got}; the true value is {true}")
    if model.code == "factor_of_two":
        if scaled:
            return (f"{a.text} is {model.detail} the true {true} (a ½ "
                    f"{'dropped' if model.factor == 2 else 'added'}, or the 2 of the square "
                    f"{'counted twice' if model.factor == 2 else 'dropped'})")
        return (f"{a.text} follows from ∂{L}/∂o {model.detail} (the 2 of the square "
                f"{'counted twice' if model.detail == 'doubled' else 'dropped, or a ½ added'}): "
                f"{got}; the true value is {true}")
    if model.code == "reduction":
        return (f"{a.text} confuses mean and sum (a factor of N = {model.detail}): {got}; the loss "
                f"is a {net.loss.reduction} and the true value is {true}")
    if model.code == "pre_activation":
        how = ("f′ written with z where h belongs (σ′ as z(1 − z), tanh′ as 1 − z²)"
               if model.detail == "z_for_h" else "f′ evaluated at h = f(z) instead of at z")
        return f"{a.text} takes {how}: {got}; the true value is {true}"
    if model.code == "updated_weight":
        return (f"{a.text} uses the updated weights in the backward pass ({got}); the backward pass "
                f"uses the weights of the forward pass: {true}")
    if model.code == "missing_path":
        return (f"{a.text} leaves out the path through {model.detail}: the gradient sums every path "
                f"({true}), and without that one it is {got}")
    return f"{a.text} is the true value {true} shifted by a power of ten ({got})"


def _label(q: Quantity, L: str) -> str:
    if q.kind == "gradient":
        return f"∂{L}/∂{q.a}"
    if q.kind == "updated":
        return f"{q.a}_new"
    return q.a


def check_files(net: Network, files: Sequence[tuple[str, list[Answer]]],
                tolerance: Tolerance = Tolerance()) -> list[CheckReport]:
    trace = run(net)
    return [check(trace, answers, name, tolerance) for name, answers in files]


__all__ = ["MISTAKES", "VERDICTS", "Answer", "CheckReport", "Result", "Tolerance",
           "check", "check_files", "load_answers", "resolve"]
