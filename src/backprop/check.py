"""Answers → verdicts: tolerance read from the written decimals, error carried forward, and the
catalogue of mistakes, each a model run by the same engine under a changed rule."""

from __future__ import annotations

import bisect
import difflib
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from backprop import safe
from backprop.engine import run
from backprop.errors import BackpropError, SpecError, UsageError
from backprop.network import Network, Use
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
            # ∂z/∂p sums the node's every use of p: z1 = x1·w1 + x2·w1 gives x1 + x2
            return math.fsum(trace.use_value(u, s) for u in _uses_in(trace.network, self.a, self.b))
        raise AssertionError(self.kind)

    def override(self, number: float, into: dict[str, dict[object, float]], net: Network) -> None:
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
            # the engine puts this number in for each of the node's uses of p, and sums them
            number /= max(1, len(_uses_in(net, self.a, self.b)))
        else:
            key = (s, self.a)
        into.setdefault(table, {})[key] = number

    def touched_by(self, other: Quantity, net: Network) -> bool:
        """Whether the student's number for `other`, put in, can change this quantity: the
        engine's data flow (forward values → local factors → δ → gradients → updates → L_new),
        one sample's numbers feeding only that sample's, a param's gradient only its update."""
        if other.kind not in _FEEDS or (other.kind == "gradient" and other.sample is not None):
            return False  # not an override: the loss, a softmax cross-term, a per-sample share
        if other.kind not in _FEEDS[self.kind]:
            return False
        if self.sample is not None and other.sample is not None and other.sample != self.sample:
            return False
        if self.kind == "gradient" and other.kind == "param_factor":
            return other.b == self.a
        if self.kind == "updated" and other.kind in ("gradient", "param_factor"):
            return (other.a if other.kind == "gradient" else other.b) == self.a
        return True


_FORWARD = frozenset({"value"})
_BACK = frozenset({"value", "local", "grad_node", "delta", "edge"})
#: quantity kind -> the kinds of override that can change it
_FEEDS: Mapping[str, frozenset[str]] = {
    "value": _FORWARD, "loss": _FORWARD, "local": _FORWARD, "param_factor": _FORWARD,
    "jacobian": _FORWARD, "edge": frozenset(), "grad_node": _BACK, "delta": _BACK,
    "gradient": _BACK | {"param_factor"}, "updated": _BACK | {"param_factor", "gradient"},
    "loss_new": _BACK | {"param_factor", "gradient", "updated"},
}
#: the kinds that are one sample's numbers (the rest are totals over the step)
PER_SAMPLE = frozenset({"value", "local", "param_factor", "jacobian", "grad_node", "delta"})


def _uses_in(net: Network, node: str, param: str) -> list[Use]:
    return [u for u in net.uses if u.node == node and u.param == param]


_DERIVATIVE = re.compile(r"^[d∂](?P<a>[^/]+)/[d∂](?P<b>[^/]+)$")
_SAMPLE = re.compile(r"^(?P<name>.+)\[(?P<k>[0-9]+)\]$")
_UPDATED = re.compile(r"^(?P<p>.+?)(?:_new|'|\+)$")
#: the longest key a did-you-mean is looked up for (a longer one is no slip of a printed name),
#: how many unknown keys of one sheet get one, and up to how many printed names all are compared
_HINT_LIMIT, HINTS, _SMALL = 200, 200, 2000


def _short(text: str, limit: int = 60) -> str:
    """User text in a message: escaped, and cut short."""
    return safe.line(text, limit)


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class Resolution:
    quantity: Quantity | None
    reason: str = ""  #: why not, for unknown


class Names:
    """A network's printed names, looked up after Unicode NFC normalisation on both sides (an é
    typed as e + combining accent is the é of the file)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.loss = _nfc(net.loss.name)
        self.inputs = {_nfc(n): n for n in net.inputs}
        self.nodes = {_nfc(n.name): n for n in net.nodes}
        self.sums = {_nfc(n.sum): n for n in net.nodes}
        self.params = {_nfc(p): p for p in net.params}
        self._printed: list[str] | None = None
        self._deletions: dict[str, list[str]] | None = None
        self._hints = HINTS

    def source(self, name: str) -> str | None:
        """An input's or node's own name for a (normalised) name."""
        node = self.nodes.get(name)
        return node.name if node is not None else self.inputs.get(name)

    def near(self, key: str) -> list[str]:
        """Up to three printed names close to an unknown key, for a did-you-mean; within bounded
        work: HINTS keys a sheet, and a large network's names through an index of their
        one-letter deletions (which finds one typo, a letter missing, extra or swapped)."""
        if len(key) > _HINT_LIMIT or self._hints <= 0:
            return []
        self._hints -= 1
        word = _nfc(key.strip()).split("[")[0]
        if self._printed is None:
            self._printed = printed_names(self.net)
        names = self._printed
        if len(names) > _SMALL:
            index = self._index()
            found: dict[str, None] = {}
            for variant in {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}:
                found.update(dict.fromkeys(index.get(variant, ())))
            names = list(found)
        return difflib.get_close_matches(word, names, n=3, cutoff=0.5)

    def _index(self) -> Mapping[str, list[str]]:
        if self._deletions is None:
            self._deletions = {}
            for name in self._printed or ():
                for variant in {name, *(name[:i] + name[i + 1:] for i in range(len(name)))}:
                    self._deletions.setdefault(variant, []).append(name)
        return self._deletions

    def resolve(self, key: str) -> Resolution:
        """The quantity an answers-file key names (FORMAT §2), or why it names none."""
        net = self.net
        loss = self.loss
        k_sample: int | None = None
        name = _nfc(key.strip())
        m = _SAMPLE.match(name)
        if m:
            digits = m["k"].lstrip("0") or "0"
            name = m["name"]
            n = len(net.samples)
            if len(digits) > 9 or not 1 <= int(digits) <= n:
                return Resolution(None, f"this network has {n} sample{'s' if n > 1 else ''}: "
                                        f"[{_short(digits, 12)}] is out of range")
            k_sample = int(digits)
        shown = _short(name)

        def per_sample(kind: str, a: str, b: str = "") -> Resolution:
            if k_sample is None:
                if net.multi_sample:
                    return Resolution(None, f"'{shown}' differs between samples: write {shown}[1] "
                                            f"… {shown}[{len(net.samples)}]")
                return Resolution(Quantity(kind, a, b, 0))
            return Resolution(Quantity(kind, a, b, k_sample - 1))

        def total(kind: str, a: str, b: str = "") -> Resolution:
            if k_sample is not None:
                return Resolution(None, f"'{shown}' is one number for the whole step; drop the "
                                        f"[{k_sample}]")
            return Resolution(Quantity(kind, a, b))

        if name == loss:
            return total("loss", net.loss.name)
        if name in (f"{loss}_new", f"{loss}'", f"{loss}+"):
            return total("loss_new", net.loss.name)
        if name in self.inputs:
            return per_sample("value", self.inputs[name])
        if name in self.nodes:
            return per_sample("value", self.nodes[name].name)
        if name in self.sums:
            return per_sample("value", self.sums[name].sum)
        if name in self.params:
            return Resolution(None, f"'{shown}' is a param, given in the file; its new value is "
                                    f"{shown}_new and its gradient d{loss}/d{shown}")
        m = _UPDATED.match(name)
        if m and m["p"] in self.params:
            return total("updated", self.params[m["p"]])
        m = _DERIVATIVE.match(name)
        if not m:
            return Resolution(None, "not a name in this network")
        a, b = m["a"], m["b"]
        if a == loss:
            if b in self.params:
                p = self.params[b]
                if k_sample is not None and net.multi_sample:
                    return Resolution(Quantity("gradient", p, "", k_sample - 1))
                return Resolution(Quantity("gradient", p))  # one sample: its share is the total
            src = self.source(b)
            if src is not None:
                return per_sample("grad_node", src)
            if b in self.sums:
                return per_sample("delta", self.sums[b].name)
        elif a in self.nodes:
            node = self.nodes[a]
            other = self.sums.get(b)
            if other is node:
                return per_sample("local", node.name)
            if other is not None and not node.activation.elementwise and \
                    other.activation.group == node.activation.group and \
                    not other.activation.elementwise:
                return per_sample("jacobian", node.name, other.name)
        elif a in self.sums:
            node = self.sums[a]
            origin, param = self.source(b), self.params.get(b)
            for edge in node.edges:
                if edge.source == origin:
                    return total("edge", node.name, edge.source) if k_sample is None else \
                        Resolution(Quantity("edge", node.name, edge.source))
            if param is not None and (node.bias == param or any(e.param == param for e in node.edges)):
                return per_sample("param_factor", node.name, param)
        return Resolution(None, f"∂{_short(a)}/∂{_short(b)} is not a factor this network's tables print")


def resolve(net: Network, key: str) -> Resolution:
    """The quantity an answers-file key names (FORMAT §2), or why it names none."""
    return Names(net).resolve(key)


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

#: the longest number an answer may be written with, in characters
MAX_NUMBER_TEXT = 400
#: the last written digit's place must lie within 10^±MAX_PLACE (floats reach 10^±324)
MAX_PLACE = 400


@dataclass(frozen=True, slots=True)
class Answer:
    """One line of an answers sheet."""

    key: str  #: as written
    given: float
    text: str  #: the number as written, e.g. "0.470"
    exponent: int  #: the last written digit's place: −3 for 0.470, −2 for −0.71
    line: int | None = None  #: where the number stands in the file, for messages
    column: int | None = None


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


def _error(doc: Document, key: str, message: str) -> SpecError:
    """A located message about one answer, its key shown escaped and short."""
    where = doc.locate((key,))
    line, column = where if where is not None else (None, None)
    return SpecError(message, file=doc.filename, line=line, column=column, path=(_short(key),))


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
        key = str(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = f"'{_short(value, 40)}'" if isinstance(value, str) else (
                "nothing" if value is None else "a list or mapping" if isinstance(value, list | dict)
                else str(value).lower())
            hint = " (remove the quotes)" if isinstance(value, str) and _numeric(value) else ""
            raise _error(doc, key, f"expected a number, found {shown}{hint}")
        text = doc.raw((key,)) or repr(float(value))
        if len(text) > MAX_NUMBER_TEXT:
            raise _error(doc, key, f"a number written with {len(text):,} characters; an answer "
                                   f"has at most {MAX_NUMBER_TEXT}")
        exponent = _exponent(text)
        if not -MAX_PLACE <= exponent <= MAX_PLACE:
            raise _error(doc, key, f"'{_short(text, 40)}' puts its last digit at 10^{exponent}; an "
                                   f"answer is marked to its last written digit, which must lie "
                                   f"between 10^-{MAX_PLACE} and 10^{MAX_PLACE}")
        if not math.isfinite(float(value)):
            raise _error(doc, key, f"not a finite number: '{_short(text, 40)}'")
        where = doc.locate((key,))
        answers.append(Answer(key=key, given=float(value), text=text, exponent=exponent,
                              line=where[0] if where else None, column=where[1] if where else None))
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
    """One catalogued mistake as a way to get a number: an engine run under a changed rule, the
    true value scaled (rules None), or a shared param's gradient with one use left out (use)."""

    code: str  #: a MISTAKES code
    rules: Rules | None  #: the changed rule the engine runs under
    detail: str = ""  #: which variant, for the explanation
    factor: float = 1.0  #: for a scaled true value
    kinds: frozenset[str] = frozenset()  #: the quantities it can change (a scaling: empty is all)
    use: int | None = None  #: the index in network.uses of the use left out


#: the quantities on the backward side of the step, which a changed backward rule can change
BACKWARD = frozenset({"grad_node", "delta", "gradient", "updated", "loss_new"})
GRADIENTS = frozenset({"gradient"})
#: the numbers on the loss's side of the chain, where a ½ or a 2 of the square shows
LOSS_SIDE = frozenset({"loss", "gradient", "grad_node", "delta"})
#: earlier wrong answers tried one at a time for error carried forward (the latest first), and
#: how many such runs one sheet may make in all (then every earlier answer is tried at once)
SINGLES, SINGLES_PER_SHEET = 8, 256
#: the engine runs error carried forward may make for one sheet, and how many of the nearest
#: earlier answers of each kind it looks through for the ones that feed a line
ECF_RUNS, FEED_WINDOW = 4096, 2048
#: uses of one shared param tried one at a time for missing_path
MISSING_USES = 8


def check(trace: Trace, answers: Sequence[Answer], file: str,
          tolerance: Tolerance = Tolerance()) -> CheckReport:
    """Mark every answer: correct, rounding, carried_forward, wrong (with a named mistake), unknown.

    A second key naming a quantity already answered is refused (SpecError): one quantity is one
    answer, whatever its spelling."""
    net = trace.network
    names = Names(net)
    resolved = [(a, names.resolve(a.key)) for a in answers]
    _refuse_second_spellings(resolved, file)
    marker = _Marker(trace, resolved, tolerance)
    results: list[Result | None] = []
    for i, (a, r) in enumerate(resolved):
        decimals = -a.exponent
        if r.quantity is None:
            near = names.near(a.key)
            hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=None, verdict="unknown",
                                  explanation=f"{r.reason}{hint}"))
            continue
        expected, verdict = marker.truth[i], marker.first[i]
        if verdict == "correct":
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=expected, verdict="correct"))
        elif verdict == "rounding":
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=expected, verdict="rounding",
                                  explanation=f"{fmt(expected, max(4, _places(decimals + 1)))} rounds to "
                                              f"{_shown(expected, a)}; accepted as a rounding slip"))
        else:
            results.append(marker.carried(i))  # None: wrong, its mistake named below
    for i, result in marker.mistakes([i for i, r in enumerate(results) if r is None]).items():
        results[i] = result
    done = tuple(r for r in results if r is not None)
    counts = {v: sum(1 for r in done if r.verdict == v) for v in VERDICTS}
    return CheckReport(file=file, network=net.source_file or "", results=done, counts=counts)


def _refuse_second_spellings(resolved: Sequence[tuple[Answer, Resolution]], file: str) -> None:
    """One quantity is one answer: `dL/dw5` and `∂L/∂w5`, `w5_new` and `w5'`, `z1` and ` z1 `
    or `z1[01]` name one number, and a sheet that answers it twice is refused, never credited."""
    seen: dict[Quantity, Answer] = {}
    for a, r in resolved:
        if r.quantity is None:
            continue
        first = seen.setdefault(r.quantity, a)
        if first is not a:
            at = f"line {first.line}" if first.line is not None else "an earlier line"
            raise SpecError(f"'{_short(a.key)}' names the same quantity as '{_short(first.key)}' "
                            f"({at}); one quantity is one answer: keep one of them",
                            file=file, line=a.line, column=a.column)


def _said(a: Answer) -> str:
    """The number as the student wrote it, for an explanation: cut short past 24 characters."""
    return a.text if len(a.text) <= 24 else a.text[:23] + "…"


def _places(decimals: int) -> int:
    """Decimals to print a true value with: as many as the student wrote, within what a float
    holds (a hundred written decimals print fifteen)."""
    return max(0, min(decimals, 15))


def _shown(expected: float, a: Answer, tolerance: Tolerance | None = None) -> str:
    """The true value to the places the student wrote (in full under a teacher's tolerance)."""
    if not math.isfinite(expected):
        return fmt(expected)
    if tolerance is not None and not tolerance.written:
        return repr(expected) if abs(expected) < 1e-4 else fmt(expected, 6).rstrip("0").rstrip(".")
    places = _places(-a.exponent)
    return fmt(expected, places) if places else given(round(expected))


def _value(q: Quantity, trace: Trace) -> float | None:
    try:
        return q.value(trace)
    except (KeyError, StopIteration):
        return None


def _finite(model: Model, value: float | None, expected: float) -> Iterator[tuple[Model, float]]:
    if value is not None and math.isfinite(value) and value != expected:
        yield model, value


class _Runs:
    """The engine runs check makes, each on the whole step or, for one sample's number in a
    multi-sample network, on that sample alone: the same arithmetic, the loss's 1/D kept by
    scaling ∂L/∂o (L = (1/D)·Σe, and every backward number is linear in ∂L/∂o)."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.net = trace.network
        self._slices: dict[int, Network] = {}
        self._recent: dict[tuple[object, ...], Trace | None] = {}
        net = self.net
        one = 1.0 if net.loss.reduction == "sum" or net.loss.loss.per_sample_mean \
            else float(len(net.outputs))  # D of a one-sample step (engine._divisor)
        self.ratio = one / trace.divisor

    def scope(self, q: Quantity) -> int | None:
        """The sample a run for q may be cut to, or None for the whole step."""
        if q.sample is not None and self.net.multi_sample:  # one sample's number, or share
            return q.sample
        return None

    def local(self, q: Quantity, scope: int | None) -> Quantity:
        return q if scope is None else replace(q, sample=0)

    def overrides(self, items: Sequence[tuple[Quantity, float]], scope: int | None) -> Overrides:
        into: dict[str, dict[object, float]] = {}
        for q, number in items:
            if scope is not None and q.sample not in (None, scope):
                continue  # another sample's number: it cannot change this one's
            self.local(q, scope if q.sample is not None else None).override(number, into, self.net)
        return Overrides(**into)  # type: ignore[arg-type]  # keys match each table's own

    def run(self, rules: Rules, scope: int | None, key: tuple[object, ...] | None = None
            ) -> Trace | None:
        """The step under `rules`; None when the changed numbers make it undefined (log 0,
        overflow). The few latest runs asked for under a key are kept."""
        if key is not None and (key, scope) in self._recent:
            return self._recent[(key, scope)]
        net = self.net
        if scope is not None:
            net = self._slice(scope)
            rules = replace(rules, loss_factor=rules.loss_factor * self.ratio)
        try:
            done: Trace | None = run(net, rules)
        except BackpropError:
            done = None
        if key is not None:
            if len(self._recent) >= 4:
                del self._recent[next(iter(self._recent))]
            self._recent[(key, scope)] = done
        return done

    def _slice(self, s: int) -> Network:
        if s not in self._slices:
            self._slices[s] = replace(self.net, samples=(self.net.samples[s],))
        return self._slices[s]


class _Marker:
    """Error carried forward and the catalogue of mistakes, for one sheet against one trace."""

    def __init__(self, trace: Trace, resolved: Sequence[tuple[Answer, Resolution]],
                 tolerance: Tolerance) -> None:
        self.trace = trace
        self.net = trace.network
        self.resolved = resolved
        self.tolerance = tolerance
        self.runs = _Runs(trace)
        self.truth: dict[int, float] = {}
        self.first: dict[int, str] = {}  #: index -> correct / rounding / wrong, on the true values
        self.by_kind: dict[str, list[int]] = {}  #: quantity kind -> indices of answers, in order
        self.singles = SINGLES_PER_SHEET
        self.reruns = ECF_RUNS
        self._own: dict[tuple[str, int | None], tuple[int, ...]] = {}
        self._consumed: dict[str, list[str]] | None = None
        self._down: dict[str, set[str]] = {}
        self._reached: dict[tuple[str, str], set[str] | None] = {}
        self._param_nodes: dict[str, list[str]] | None = None
        self._groups: dict[str, list[str]] | None = None
        for i, (a, r) in enumerate(resolved):
            if r.quantity is None:
                continue
            self.by_kind.setdefault(r.quantity.kind, []).append(i)
            expected = r.quantity.value(trace)
            self.truth[i] = expected
            if tolerance.within(a, expected, HALF if tolerance.written else ONE):
                self.first[i] = "correct"
            elif tolerance.written and tolerance.within(a, expected, ONE):
                self.first[i] = "rounding"
            else:
                self.first[i] = "wrong"

    def _q(self, i: int) -> Quantity:
        q = self.resolved[i][1].quantity
        assert q is not None
        return q

    def _feeding(self, i: int) -> list[int]:
        """The answers above answer i in the sheet whose numbers, put in, can change its
        quantity: in the sheet's order."""
        q = self._q(i)
        out = []
        for kind in _FEEDS[q.kind]:
            above = self.by_kind.get(kind, [])
            end = bisect.bisect_left(above, i)
            for j in above[max(0, end - FEED_WINDOW):end]:  # the nearest ones, in bounded work
                if q.touched_by(self._q(j), self.net):
                    out.append(j)
        return sorted(out)

    def own(self, q: Quantity) -> tuple[int, ...]:
        """The student's accepted answers of the kinds that can change q (of q's sample)."""
        key = (q.kind, q.sample if q.kind in PER_SAMPLE else None)
        if key not in self._own:
            self._own[key] = tuple(sorted(
                j for kind in _FEEDS[q.kind] for j in self.by_kind.get(kind, ())
                if self.first[j] in ACCEPTED and (key[1] is None or self._q(j).sample in (None, key[1]))))
        return self._own[key]

    def _rerun(self, i: int, used: Sequence[int]) -> tuple[Trace, float] | None:
        """Answer i's quantity in the step with the student's numbers `used` put in (None once
        the sheet has used its ECF_RUNS)."""
        if self.reruns <= 0:
            return None
        self.reruns -= 1
        q = self._q(i)
        scope = self.runs.scope(q)
        items = [(self._q(j), self.resolved[j][0].given) for j in used]
        rules = replace(TRUE_RULES, overrides=self.runs.overrides(items, scope))
        done = self.runs.run(rules, scope, key=("own", *used))
        if done is None:
            return None
        value = _value(self.runs.local(q, scope), done)
        return None if value is None else (done, value)

    def carried(self, i: int) -> Result | None:
        """Answer i (wrong on the true values) against what the student's own earlier answers
        give: rounding when it follows from accepted ones alone, carried_forward when from wrong
        ones, None when from none. Tried: every earlier accepted answer; the accepted ones with
        each earlier wrong one alone (the latest SINGLES), then with every earlier wrong one."""
        a = self.resolved[i][0]
        q = self._q(i)
        expected = self.truth[i]
        base = partial(Result, quantity=a.key, given=a.given, text=a.text, decimals=-a.exponent,
                       expected=expected)
        shown = _shown(expected, a, self.tolerance)
        feeding = self._feeding(i)
        accepted = [j for j in feeding if self.first[j] in ACCEPTED]
        wrong = [j for j in feeding if self.first[j] == "wrong"]
        if accepted:
            got = self._rerun(i, accepted)
            if got is not None and self.tolerance.match(a, got[1]):
                true = fmt(expected, max(4, _places(-a.exponent + 1)))
                return base(verdict="rounding",
                            explanation=f"{_said(a)} is what your own rounded earlier values give "
                                        f"(the true value is {true}); accepted")
        # each earlier wrong answer alone first, so that the explanation names the one the line
        # used; then all of them together
        tries = []
        if len(wrong) > 1 and self.singles > 0:
            tries = [[j] for j in reversed(wrong[-SINGLES:])][: self.singles]
            self.singles -= len(tries)
        if wrong:
            tries.append(wrong)
        for used in tries:
            got = self._rerun(i, sorted(accepted + used))
            if got is not None and self.tolerance.match(a, got[1]):
                sources = ", ".join(f"{self.resolved[j][0].key} = {_said(self.resolved[j][0])}"
                                    for j in used)
                return base(verdict="carried_forward",
                            explanation=f"{_said(a)} follows from your {sources}"
                                        f"{_formula(self.trace, q, got[0], got[1])}; the true "
                                        f"value is {shown}")
        return None

    def mistakes(self, pending: Sequence[int]) -> dict[int, Result]:
        """The wrong answers' results, each naming the first catalogued mistake whose number fits.

        Each engine model runs once for all the answers it can change (per sample for one
        sample's numbers), first on the true numbers, then on the student's accepted ones (a
        slip made on their own rounded values); no model runs for an answer it cannot change."""
        fits: dict[int, list[tuple[int, Model, float]]] = {i: [] for i in pending}
        models = self._models()
        late = len(models)
        # the scalings and left-out uses: arithmetic on the true numbers
        for m, model in enumerate(models):
            if model.rules is not None:
                continue
            for i in pending:
                q, a, expected = self._q(i), self.resolved[i][0], self.truth[i]
                if model.use is not None:
                    value = self._without_use(q, model.use)
                elif model.kinds and q.kind not in model.kinds:
                    continue
                elif model.code == "decimal_shift" and a.given == 0.0:
                    continue  # 0 is every power of ten of 0: no diagnosis
                else:
                    value = model.factor * expected
                for fit in _finite(model, value, expected):
                    if self.tolerance.match(a, fit[1]):
                        fits[i].append((m, *fit))
        # the engine models: once per scope on the true numbers, once per (scope, own numbers)
        groups: dict[tuple[int | None, tuple[int, ...]], list[int]] = {}
        plain: dict[int | None, list[int]] = {}
        for i in pending:
            q = self._q(i)
            if q.kind not in BACKWARD and q.kind != "local":
                continue
            scope = self.runs.scope(q)
            plain.setdefault(scope, []).append(i)
            own = self.own(q)
            if own:
                groups.setdefault((scope, own), []).append(i)
        batches = [(m, scope, (), members) for scope, members in plain.items()
                   for m in range(late)] + \
                  [(late + m, scope, own, members) for (scope, own), members in groups.items()
                   for m in range(late)]
        truths: dict[int | None, Trace | None] = {}
        for order, scope, own, members in batches:
            model = models[order % late]
            if model.rules is None:
                continue
            members = [i for i in members if self._changes(model, self._q(i))]
            if not own and _linear(model.rules):
                # ∂L/∂o or ∂L/∂p scaled: every backward number scales with it, so the run's
                # number is the true one scaled (exactly so for −1, 2 and ½)
                for i in members:
                    q, a = self._q(i), self.resolved[i][0]
                    if q.kind != "loss_new":
                        for fit in _finite(model, self._scaled(model.rules, q, self.truth[i]),
                                           self.truth[i]):
                            if self.tolerance.match(a, fit[1]):
                                fits[i].append((order, *fit))
                members = [i for i in members if self._q(i).kind == "loss_new"]
            if not members:
                continue
            rules = model.rules
            if own:
                items = [(self._q(j), self.resolved[j][0].given) for j in own]
                rules = replace(rules, overrides=self.runs.overrides(items, scope))
            done = self.runs.run(rules, scope)
            if done is None:
                continue
            if scope is not None and scope not in truths:
                truths[scope] = self.runs.run(TRUE_RULES, scope)
            for i in members:
                q, a = self._q(i), self.resolved[i][0]
                if q.kind not in model.kinds:
                    continue
                local = self.runs.local(q, scope)
                # the true value as this run's arithmetic gives it: a model that changes
                # nothing here gives exactly that
                truth = truths.get(scope)
                base = self.truth[i] if scope is None else \
                    _value(local, truth) if truth is not None else None
                value = _value(local, done)
                if base is None or value is None:
                    continue
                for fit in _finite(model, value, base):
                    if self.tolerance.match(a, fit[1]):
                        fits[i].append((order, *fit))
        out = {}
        for i in pending:
            a, q, expected = self.resolved[i][0], self._q(i), self.truth[i]
            result = partial(Result, quantity=a.key, given=a.given, text=a.text,
                             decimals=-a.exponent, expected=expected)
            found = sorted(fits[i], key=lambda f: f[0])
            if not found:
                out[i] = result(verdict="wrong",
                              explanation=f"the true value is {_shown(expected, a, self.tolerance)}; "
                                          f"no catalogued mistake gives {_said(a)}")
                continue
            _, model, value = found[0]
            others = tuple(dict.fromkeys(m.code for _, m, _ in found[1:] if m.code != model.code))
            text = _describe(model, q, value, expected, a, self.net)
            if others:
                text += " (the same number also fits: " + ", ".join(others) + ")"
            out[i] = result(verdict="wrong", mistake=model.code, explanation=text, also=others)
        return out

    def _scaled(self, rules: Rules, q: Quantity, expected: float) -> float | None:
        """q under a rule that only scales ∂L/∂o or the reported ∂L/∂p, in the engine's own
        order of operations: ∂L/∂p = factor · Σ shares, p_new = p − η·∂L/∂p."""
        c_loss, c_grad = rules.loss_factor, rules.gradient_factor
        if q.kind in ("grad_node", "delta"):
            return c_loss * expected
        if q.kind == "gradient":
            return c_loss * expected if q.sample is not None else c_grad * (c_loss * expected)
        if q.kind == "updated":
            net = self.net
            if q.a in net.frozen:
                return None
            return net.params[q.a] - net.learning_rate * (c_grad * (c_loss * self.trace.gradients[q.a]))
        return None

    def _changes(self, model: Model, q: Quantity) -> bool:
        """Whether the model's changed rule can change q at all (an over-estimate): f′ changed
        at nodes q's chain passes through, the backward weights of a node it passes through,
        or a dropped term of a sum it passes through."""
        if q.kind not in model.kinds:
            return False
        rules = model.rules
        if rules is None or q.kind == "loss_new" or len(self.net.nodes) > _REACH_LIMIT:
            return True
        if q.kind == "local":
            return not rules.derivative_nodes or q.a in rules.derivative_nodes
        reach = self._reach(q)
        if reach is None:
            return True
        if rules.derivative_at != "true":
            return not rules.derivative_nodes or not rules.derivative_nodes.isdisjoint(reach)
        if rules.dropped_edges:
            return any(src in reach for _, src in rules.dropped_edges)
        if rules.backward_params is not None:
            return any(self._consumers().get(n) for n in reach)
        return True

    def _reach(self, q: Quantity) -> set[str] | None:
        """The nodes (and inputs) q's chain passes through, from the nodes it starts at to the
        loss; None for a quantity whose chain is not followed here (all of them count)."""
        key = (q.kind, q.a)
        if key not in self._reached:
            if q.kind in ("grad_node", "delta"):
                roots = [q.a]
            elif q.kind in ("gradient", "updated"):
                if self._param_nodes is None:
                    self._param_nodes = {}
                    for u in self.net.uses:
                        self._param_nodes.setdefault(u.param, []).append(u.node)
                roots = self._param_nodes.get(q.a, [])
            else:
                self._reached[key] = None
                return None
            reach: set[str] = set()
            for root in dict.fromkeys(roots):
                reach |= self._downstream(root)
            self._reached[key] = reach
        return self._reached[key]

    def _consumers(self) -> Mapping[str, list[str]]:
        if self._consumed is None:
            self._consumed = {}
            for node in self.net.nodes:
                for edge in node.edges:
                    self._consumed.setdefault(edge.source, []).append(node.name)
        return self._consumed

    def _downstream(self, name: str) -> set[str]:
        """The node or input itself and every node its value flows into; a softmax member
        brings its whole group (δ_j = h_j(g_j − Σ_k g_k h_k) reads every member's ∂L/∂h)."""
        if name not in self._down:
            consumers = self._consumers()
            if self._groups is None:
                members: dict[str | None, list[str]] = {}
                for node in self.net.nodes:
                    if not node.activation.elementwise:
                        members.setdefault(node.activation.group, []).append(node.name)
                self._groups = {n: ms for ms in members.values() for n in ms}
            seen, todo = {name}, [name]
            while todo:
                here = todo.pop()
                for c in (*consumers.get(here, ()), *self._groups.get(here, ())):
                    if c not in seen:
                        seen.add(c)
                        todo.append(c)
            self._down[name] = seen
        return self._down[name]

    def _without_use(self, q: Quantity, use: int) -> float | None:
        """A shared param's gradient (or update) with the share of one of its uses left out."""
        net, t = self.net, self.trace
        p = net.uses[use].param
        if q.kind not in ("gradient", "updated") or q.a != p:
            return None
        if q.kind == "gradient" and q.sample is not None:
            s = t.samples[q.sample]
            return math.fsum(g for k, (u, g) in enumerate(zip(net.uses, s.use_grads, strict=True))
                             if u.param == p and k != use)
        g = t.gradients[p] - math.fsum(s.use_grads[use] for s in t.samples)
        if q.kind == "gradient":
            return g
        return None if p in net.frozen else net.params[p] - net.learning_rate * g

    def _models(self) -> list[Model]:
        """The catalogue as models, in the order of MISTAKES' plausibility; nothing runs here."""
        t = self.trace
        net = t.network
        eta = net.learning_rate
        models: list[Model] = []
        # loss_factor and gradient_factor change the backward side only; f′ also ∂h/∂z itself
        lf, gf, fd = BACKWARD, frozenset({"gradient", "updated", "loss_new"}), BACKWARD | {"local"}

        def runs(code: str, rules: Rules, kinds: frozenset[str], detail: str = "") -> None:
            models.append(Model(code, rules, detail=detail, kinds=kinds))

        def scales(code: str, factor: float, kinds: frozenset[str] = frozenset(), detail: str = ""
                   ) -> None:
            models.append(Model(code, None, detail=detail, factor=factor, kinds=kinds))

        runs("learning_rate_applied", Rules(gradient_factor=eta), gf)
        scales("learning_rate_applied", eta, GRADIENTS)
        runs("sign", Rules(loss_factor=-1.0), lf)
        scales("sign", -1.0)
        runs("factor_of_two", Rules(loss_factor=2.0), lf, "doubled")
        runs("factor_of_two", Rules(loss_factor=0.5), lf, "halved")
        scales("factor_of_two", 2.0, LOSS_SIDE, "twice")
        scales("factor_of_two", 0.5, LOSS_SIDE, "half")
        n = len(net.samples) * len(net.outputs)
        # a mean forgets its 1/D (× D); a sum divides by N anyway (÷ N)
        factor = t.divisor if net.loss.reduction == "mean" else 1.0 / n
        if factor not in (1.0, 2.0, 0.5):
            runs("reduction", Rules(loss_factor=factor), lf, given(t.divisor if factor > 1 else n))
            scales("reduction", factor, LOSS_SIDE, given(t.divisor if factor > 1 else n))
        for nodes in _derivative_scopes(net):
            for how in ("z_for_h", "h_for_z"):
                runs("pre_activation", Rules(derivative_at=how, derivative_nodes=nodes), fd, how)
        runs("updated_weight", Rules(backward_params=t.updated), lf)
        consumers: dict[str, list[str]] = {}
        by_name = net.node_by_name
        for node in net.nodes:
            for edge in node.edges:
                if edge.source in by_name:
                    consumers.setdefault(edge.source, []).append(node.name)
        for src, cs in consumers.items():
            if len(cs) > 1:  # a multi-path sum at src: leave out one of its terms
                for c in cs[:8]:
                    runs("missing_path", Rules(dropped_edges=frozenset({(c, src)})), lf,
                         f"∂{by_name[c].sum}/∂{src}")
        uses: dict[str, list[int]] = {}
        for k, u in enumerate(net.uses):
            uses.setdefault(u.param, []).append(k)
        for ks in uses.values():
            if len(ks) > 1:  # a shared param: its gradient sums every use; leave out one
                for k in ks[:MISSING_USES]:
                    u = net.uses[k]
                    models.append(Model("missing_path", None, f"∂{by_name[u.node].sum}/∂{u.param}",
                                        kinds=GRADIENTS | {"updated"}, use=k))
        for k in (-1, 1, -2, 2, -3, 3):
            scales("decimal_shift", 10.0 ** k)
        return models


def _linear(rules: Rules) -> bool:
    """A rule that only scales ∂L/∂o or the reported ∂L/∂p."""
    return replace(rules, loss_factor=1.0, gradient_factor=1.0) == TRUE_RULES


#: networks with more nodes than this run every model for every backward answer (finding the
#: nodes an answer's chain passes through would cost more than the runs it saves)
_REACH_LIMIT = 2000


def _formula(trace: Trace, q: Quantity, cf: Trace, value: float) -> str:
    if q.kind == "updated":
        net = trace.network
        return (f": {given(net.params[q.a])} − {given(net.learning_rate)}·"
                f"({given(cf.gradients[q.a])}) = {fmt(cf.updated[q.a], 4)}")
    return f" ({fmt(value, 4)})"


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
    scaled = model.rules is None
    if model.code == "learning_rate_applied":
        if q.kind == "gradient":
            return (f"{_said(a)} is η·{label} = {eta} × ({true}): the learning rate was applied "
                    f"before the update")
        if q.kind == "updated":
            return (f"{_said(a)} applies η twice: {given(net.params[q.a])} − {eta}·({eta}·"
                    f"∂{L}/∂{q.a}) = {got}; the true value is {true}")
        return f"{_said(a)} is η × {true} = {got}: the learning rate was applied where it has no place"
    if model.code == "sign":
        if scaled:
            return f"{_said(a)} has the wrong sign: the true value is {true}"
        how = "or the update added" if q.kind == "updated" else "the target and output swapped"
        return (f"{_said(a)} follows from ∂{L}/∂o with its sign flipped ((o − t) for (t − o), {how}): "
                f"{got}; the true value is {true}")
    if model.code == "factor_of_two":
        if scaled:
            return (f"{_said(a)} is {model.detail} the true {true} (a ½ "
                    f"{'dropped' if model.factor == 2 else 'added'}, or the 2 of the square "
                    f"{'counted twice' if model.factor == 2 else 'dropped'})")
        return (f"{_said(a)} follows from ∂{L}/∂o {model.detail} (the 2 of the square "
                f"{'counted twice' if model.detail == 'doubled' else 'dropped, or a ½ added'}): "
                f"{got}; the true value is {true}")
    if model.code == "reduction":
        return (f"{_said(a)} confuses mean and sum (a factor of N = {model.detail}): {got}; the loss "
                f"is a {net.loss.reduction} and the true value is {true}")
    if model.code == "pre_activation":
        how = ("f′ written with z where h belongs (σ′ as z(1 − z), tanh′ as 1 − z²)"
               if model.detail == "z_for_h" else "f′ evaluated at h = f(z) instead of at z")
        return f"{_said(a)} takes {how}: {got}; the true value is {true}"
    if model.code == "updated_weight":
        return (f"{_said(a)} uses the updated weights in the backward pass ({got}); the backward pass "
                f"uses the weights of the forward pass: {true}")
    if model.code == "missing_path":
        return (f"{_said(a)} leaves out the path through {model.detail}: the gradient sums every path "
                f"({true}), and without that one it is {got}")
    return f"{_said(a)} is the true value {true} shifted by a power of ten ({got})"


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
