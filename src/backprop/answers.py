"""Answers files and their keys: reading a sheet (FORMAT §2) and resolving each key, in any of its
spellings, to the Quantity of the step it names, which reads its value from any Trace."""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from backprop import safe
from backprop.errors import SpecError
from backprop.network import Network, Use
from backprop.trace import Trace
from backprop.yamlsafe import Document, load_file

#: the numbers an answers file may name, as the tables print them
Kind = Literal["value", "loss", "loss_new", "updated", "gradient", "grad_node", "delta", "local",
               "jacobian", "edge", "param_factor", "optimizer", "loss_term"]

# ---------------------------------------------------------------- quantities

@dataclass(frozen=True, slots=True)
class Quantity:
    """A number the tables print, by its printed name; reads its value from any trace."""

    kind: Kind
    a: str  #: the quantity's main name (value, node, sum or param)
    b: str = ""  #: a derivative's denominator, where it needs one; an optimizer quantity's key (m)
    sample: int | None = None  #: 0-based; None for totals and constants

    def value(self, trace: Trace) -> float:
        s = trace.samples[self.sample] if self.sample is not None else None
        if self.kind == "loss":
            return trace.loss
        if self.kind == "loss_new":
            return trace.loss_new
        if self.kind == "updated":
            return trace.updated[self.a]
        if self.kind == "optimizer":  # m_w5: the optimizer's row of w5, after the step
            assert trace.optimizer is not None
            return trace.optimizer.rows[self.a].values[self.b]
        if self.kind == "gradient":
            if s is None:
                return trace.gradients[self.a]
            return trace.share(s, self.a)  # this sample's share of the gradient
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
        if self.kind == "loss_term":  # ℓ(o): the output's element of the loss, before any 1/N
            return s.loss_terms[self.a]
        if self.kind == "jacobian":
            return s.jacobian[(self.a, self.b)]
        if self.kind == "param_factor":
            return trace.param_factor(s, self.a, self.b)
        raise AssertionError(self.kind)

    def override(self, number: float, into: dict[str, dict[object, float]], net: Network) -> None:
        """Put the student's number in place of the engine's own at this point."""
        point = self.point(net)
        if point is not None:
            table, key, uses = point
            into.setdefault(table, {})[key] = number if uses == 1 else number / uses

    def point(self, net: Network) -> tuple[str, object, int] | None:
        """Where the student's number for this quantity is put in: the Overrides table, its
        key, and the count it is divided by (a ∂z/∂p of several uses of p in one sum is put in
        for each use); None where it is put in nowhere."""
        s = self.sample if self.sample is not None else 0
        key: object
        table = {"value": "values", "grad_node": "grad_node", "delta": "delta", "local": "local",
                 "gradient": "gradient", "updated": "updated", "edge": "edge",
                 "param_factor": "param_factor"}.get(self.kind)
        if table is None or (self.kind == "gradient" and self.sample is not None):
            return None  # the loss itself, a per-sample share of a gradient, or a softmax cross-term
        uses = 1
        if self.kind in ("gradient", "updated"):
            key = self.a
        elif self.kind == "edge":
            key = (self.a, self.b)
        elif self.kind == "param_factor":
            key = (s, self.a, self.b)
            # the engine puts this number in for each of the node's uses of p, and sums them
            uses = max(1, len(_uses_in(net, self.a, self.b)))
        else:
            key = (s, self.a)
        return table, key, uses

    def touched_by(self, other: Quantity, net: Network) -> bool:
        """Whether the student's number for `other`, put in, can change this quantity: the
        engine's data flow (forward values → local factors → δ → gradients → updates → L_new),
        one sample's numbers feeding only that sample's, a param's gradient only its update."""
        if other.kind not in FEEDS or (other.kind == "gradient" and other.sample is not None):
            return False  # not an override: the loss, a softmax cross-term, a per-sample share
        if other.kind not in FEEDS[self.kind]:
            return False
        if self.sample is not None and other.sample is not None and other.sample != self.sample:
            return False
        if self.kind == "gradient" and other.kind == "param_factor":
            return other.b == self.a
        if self.kind in ("updated", "optimizer") and other.kind in ("gradient", "param_factor"):
            return (other.a if other.kind == "gradient" else other.b) == self.a
        return True


_FORWARD: frozenset[Kind] = frozenset({"value"})
_BACK: frozenset[Kind] = frozenset({"value", "local", "grad_node", "delta", "edge"})
#: quantity kind -> the kinds of override that can change it
FEEDS: Mapping[Kind, frozenset[Kind]] = {
    "value": _FORWARD, "loss": _FORWARD, "loss_term": _FORWARD, "local": _FORWARD, "param_factor": _FORWARD,
    "jacobian": _FORWARD, "edge": frozenset(), "grad_node": _BACK, "delta": _BACK,
    "gradient": _BACK | {"param_factor"}, "updated": _BACK | {"param_factor", "gradient"},
    "loss_new": _BACK | {"param_factor", "gradient", "updated"},
    # an optimizer's quantity (m_w5) is marked plainly: it is not put in for what follows it
    "optimizer": _BACK | {"param_factor", "gradient"},
}
#: the kinds that are one sample's numbers (the rest are totals over the step)
PER_SAMPLE: frozenset[Kind] = frozenset({"value", "local", "param_factor", "jacobian", "grad_node", "delta",
                                         "loss_term"})


def _uses_in(net: Network, node: str, param: str) -> list[Use]:
    return [u for u in net.uses if u.node == node and u.param == param]


_DERIVATIVE = re.compile(r"^[d∂](?P<a>[^/]+)/[d∂](?P<b>[^/]+)$")
_SAMPLE = re.compile(r"^(?P<name>.+)\[(?P<k>[0-9]+)\]$")
_UPDATED = re.compile(r"^(?P<p>.+?)(?:_new|'|\+)$")
#: an output's term of the loss, as the loss table prints it: ℓ(o) (or l(o))
_TERM = re.compile(r"^[ℓl]\((?P<o>.+)\)$")
#: the longest key a did-you-mean is looked up for (a longer one is no slip of a printed name),
#: how many unknown keys of one sheet get one, and up to how many printed names all are compared
_HINT_LIMIT, HINTS, _SMALL = 200, 200, 2000


def short(text: str, limit: int = 60) -> str:
    """User text in a message: escaped, and cut short."""
    return safe.line(text, limit)


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class Resolution:
    quantity: Quantity | None
    reason: str = ""  #: why not, for unknown


#: the keys a Names keeps resolved (a class's sheets write the same few again and again)
RESOLVED = 4096


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
        self._resolved: dict[str, Resolution] = {}

    def reset(self) -> None:
        """A new sheet: its own HINTS did-you-means (the names and their index are kept)."""
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
        """The quantity an answers-file key names (FORMAT §2), or why it names none. The same
        key names the same quantity on every sheet: kept (RESOLVED keys at most), as a class
        writes the same keys a thousand times."""
        found = self._resolved.get(key)
        if found is None:
            found = self._resolve(key)
            if len(self._resolved) < RESOLVED and len(key) <= _HINT_LIMIT:
                self._resolved[key] = found
        return found

    def _resolve(self, key: str) -> Resolution:
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
                                        f"[{short(digits, 12)}] is out of range")
            k_sample = int(digits)
        shown = short(name)

        def per_sample(kind: Kind, a: str, b: str = "") -> Resolution:
            if k_sample is None:
                if net.multi_sample:
                    return Resolution(None, f"'{shown}' differs between samples: write {shown}[1] "
                                            f"… {shown}[{len(net.samples)}]")
                return Resolution(Quantity(kind, a, b, 0))
            return Resolution(Quantity(kind, a, b, k_sample - 1))

        def total(kind: Kind, a: str, b: str = "") -> Resolution:
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
        output = self._term(name)
        if output is not None:
            return per_sample("loss_term", output)
        found = self._optimizer(name)
        if found is not None:
            stem, stepped = found
            if stepped in net.frozen or not any(u.param == stepped for u in net.uses):
                why = "is frozen" if stepped in net.frozen else "is used by no sum"
                return Resolution(None, f"'{shown}': {short(stepped)} {why}, so the optimizer "
                                        f"does not step it")
            return total("optimizer", stepped, stem)
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
        return Resolution(None, f"∂{short(a)}/∂{short(b)} is not a factor this network's tables print")


    def _term(self, name: str) -> str | None:
        """The output whose loss term `ℓ(o)` (or `<loss>_<o>`: E_o1) names, if any."""
        m = _TERM.match(name)
        if m is not None:
            written = m["o"]
        elif name.startswith(self.loss + "_"):
            written = name[len(self.loss) + 1:]
        else:
            return None
        node = self.nodes.get(written)
        return node.name if node is not None and node.name in self.net.outputs else None

    def _optimizer(self, name: str) -> tuple[str, str] | None:
        """(key, param) for an optimizer quantity `<key>_<param>` (m_w5, v_hat_w5), longest key
        first, when the network's optimizer has that quantity."""
        keys = sorted((q.key for q in self.net.optimizer.convention.quantities), key=len,
                      reverse=True)
        for key in keys:
            if name.startswith(key + "_") and name[len(key) + 1:] in self.params:
                return key, self.params[name[len(key) + 1:]]
        return None


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
    stems = [q.key for q in net.optimizer.convention.quantities]
    for p in net.params:
        out += [f"d{L}/d{p}", f"{p}_new", *(f"{k}_{p}" for k in stems)]
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


#: a number written plainly (0.470, -12, +.5, 3.): its last digit's place read off its fraction
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.([0-9]*))?|\.([0-9]+))")


def _exponent(text: str) -> int:
    plain = _PLAIN_NUMBER.fullmatch(text)
    if plain is not None:  # as Decimal reads it: minus the count of digits after the point
        return -len(plain[1] or plain[2] or "")
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
    return SpecError(message, file=doc.filename, line=line, column=column, path=(short(key),))


def parse_answers(doc: Document, reserved: tuple[str, ...] = (),
                  formulas: list[tuple[int, str, str, int | None]] | None = None) -> list[Answer]:
    """The answers of a sheet; a `reserved` top-level key (a class's `variant:`) is no answer.
    With `formulas`, a value in quotes that is no number is a formula answer: appended there as
    (its place among the answers, key, text, line) rather than refused."""
    root = doc.root
    if root is None:
        raise doc.error((), "the answers file is empty; write one 'quantity: number' per line, "
                            "e.g. 'z1: 0.470'")
    if not isinstance(root, dict):
        raise doc.error((), "an answers file is a mapping of quantity: number (e.g. 'dL/dw5: -0.100'), "
                            f"found {'a list' if isinstance(root, list) else 'a single value'}")
    if not root:
        raise doc.error((), "the answers file has no answers")
    answers: list[Answer] = []
    for key, value in root.items():
        if key in reserved:
            continue
        key = str(key)
        if formulas is not None and isinstance(value, str) and not _numeric(value):
            where = doc.locate((key,))
            formulas.append((len(answers) + len(formulas), key, value, where[0] if where else None))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = f"'{short(value, 40)}'" if isinstance(value, str) else (
                "nothing" if value is None else "a list or mapping" if isinstance(value, list | dict)
                else str(value).lower())
            hint = ""
            if isinstance(value, str) and _numeric(value):  # a string float() reads: say why not
                hint = (" (numbers must be finite)" if not math.isfinite(float(value)) else
                        " (remove the quotes)" if doc.raw((key,)) is None else
                        " (write it in plain ASCII digits, e.g. 0.47)")
            raise _error(doc, key, f"expected a number, found {shown}{hint}")
        text = doc.raw((key,)) or repr(float(value))
        if len(text) > MAX_NUMBER_TEXT:
            raise _error(doc, key, f"a number written with {len(text):,} characters; an answer "
                                   f"has at most {MAX_NUMBER_TEXT}")
        exponent = _exponent(text)
        if not -MAX_PLACE <= exponent <= MAX_PLACE:
            raise _error(doc, key, f"'{short(text, 40)}' puts its last digit at 10^{exponent}; an "
                                   f"answer is marked to its last written digit, which must lie "
                                   f"between 10^-{MAX_PLACE} and 10^{MAX_PLACE}")
        if not math.isfinite(float(value)):
            raise _error(doc, key, f"not a finite number: '{short(text, 40)}'")
        where = doc.locate((key,))
        answers.append(Answer(key=key, given=float(value), text=text, exponent=exponent,
                              line=where[0] if where else None, column=where[1] if where else None))
    if not answers and not formulas:
        raise doc.error((), "the answers file has no answers")
    return answers


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


