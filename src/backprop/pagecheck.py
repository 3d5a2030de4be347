"""Pages and formula answers marked: a page's names matched to the network's, every segment of
a chain checked (arithmetic between numbers, formulas at the network's values and near them),
and the final numbers marked by the Grader, in the page's order."""

from __future__ import annotations

import difflib
import math
import random
import re
import unicodedata
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from backprop import expr
from backprop.answers import MAX_PLACE, Answer, Quantity, printed_names, short
from backprop.check import VERDICTS, CheckReport, Grader, Result, reads_as_loss
from backprop.engine import run
from backprop.errors import BackpropError, SpecError
from backprop.expr import Deriv, Name, Node
from backprop.factors import activation_factor, loss_factor, target_name
from backprop.network import Network, Sample
from backprop.notation import fill, fmt, given
from backprop.page import Chain, NotRead, Page, Segment
from backprop.trace import Trace

#: the page's own mistake codes (the catalogue's are backprop.mistakes): code -> what it is
PAGE_MISTAKES = {
    "arithmetic": "a slip of arithmetic inside a line: a step of numbers that does not give the "
                  "next one",
    "formula": "a formula that is not the quantity's rule (wrong at the network's values or "
               "near them)",
}
#: points near the network's values a formula is also checked at, and how far params and
#: inputs move (a fraction of 0.1 + |value|)
POINTS, SPREAD = 3, 0.2
#: two evaluations of a formula agree within this relative (and absolute) gap
CLOSE = 1e-7
#: numbers of one segment whose rounding is followed (beyond, each counts a relative 1e-3)
ROUNDED = 60
#: the most names a page's did-you-mean compares with in the page's spelling (beyond, the
#: answers file's own suggestions are respelled)
HINT_POOL = 2000


# ---------------------------------------------------------------- what names mean

@dataclass(frozen=True, slots=True)
class Ref:
    """What a name on a page stands for."""

    kind: Literal["quantity", "param", "target", "rate", "euler", "divisor"]
    key: str = ""  #: the answers-file key (quantity) or the network's name (param, target)
    quantity: Quantity | None = None
    sample: int | None = None  #: 0-based, for a target


class Unread(Exception):
    """A name or formula a page uses that this network does not give a meaning (reason)."""

    def __init__(self, reason: str, ambiguous: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ambiguous = ambiguous  #: the name could mean two things: never guessed


_RATE = frozenset({"η", "eta", "α", "alpha", "lr", "learning_rate"})
#: a one-output network's target, as pages write it (StatQuest's `observed`)
_TARGET_WORDS = frozenset({"t", "target", "y", "observed", "actual"})


def _squash(text: str) -> str:
    return re.sub(r"[_{},\s]", "", text)


class Symbols:
    """A network's names as a page may write them: exactly, in the tables' plain spelling
    (z_1 for z1, y_hat for ŷ), with the file's own spellings, or with the underscores left out
    when that names one name only."""

    def __init__(self, grader: Grader) -> None:
        self.grader = grader
        net = self.net = grader.trace.network
        names = [net.loss.name, *net.inputs, *(n for node in net.nodes for n in (node.name, node.sum)),
                 *net.params]
        self.exact: dict[str, str] = {}
        self.spelled: dict[str, set[str]] = {}
        self.squashed: dict[str, set[str]] = {}
        for name in dict.fromkeys(names):
            self.exact[name] = name
            self._add({name, name.replace("ŷ", "y_hat"), _typeset(name)}, name)
        for name, spelling in net.spellings.items():  # the file's own: read as a page writes them
            for text in (spelling.latex, *spelling.also):
                if text:
                    self.exact.setdefault(text, name)
                    try:
                        node = expr.parse(text)
                    except expr.ExprError:
                        continue
                    if isinstance(node, Name) and not node.updated and node.sample is None:
                        self._add({node.spelled}, name)
        self.outputs = tuple(net.outputs)
        self._page_names: dict[str, str] | None = None  #: printed names as a page spells them

    def page_name(self, name: str) -> str:
        """A network name as a page of this network writes it: the file's first plain spelling
        (`w5` for w2_11, `E_total` for E), else its LaTeX one read plainly (`w_5`), else itself."""
        spelling = self.net.spellings.get(name)
        if spelling is None:
            return name
        for text in spelling.also:
            if re.fullmatch(r"[^\W\d]\w*", text):
                return text
        if spelling.latex:
            try:
                node = expr.parse(spelling.latex)
            except expr.ExprError:
                return name
            if isinstance(node, Name) and not node.updated and node.sample is None:
                return node.spelled
        return name

    def page_key(self, key: str) -> str:
        """An answers-file key in the page's spelling (dE/dw2_11 → dE_total/dw5, w2_11_new →
        w5_new); the parts that are no name of the network kept as they are."""
        m = re.fullmatch(r"(?P<body>.*?)(?P<k>\[\d+\])?", key)
        body, k = (m["body"], m["k"] or "") if m else (key, "")
        d = re.fullmatch(r"d(?P<a>[^/]+)/d(?P<b>.+)", body)
        if d is not None and (d["a"] in self.exact or d["b"] in self.exact):
            return f"d{self._page_part(d['a'])}/d{self._page_part(d['b'])}{k}"
        t = re.fullmatch(r"ℓ\((?P<o>.+)\)", body)
        if t is not None:
            return f"ℓ({self._page_part(t['o'])}){k}"
        return self._page_part(body) + k

    def _page_part(self, part: str) -> str:
        if part in self.exact and self.exact[part] == part:
            return self.page_name(part)
        for cut in [m.start() for m in re.finditer("_", part)]:
            head, tail = part[:cut], part[cut + 1:]  # w2_11_new, m_w2_11: a name and a mark
            if head in self.exact and self.exact[head] == head:
                return f"{self.page_name(head)}_{tail}"
            if tail in self.exact and self.exact[tail] == tail:
                return f"{head}_{self.page_name(tail)}"
        return part

    def hints(self, key: str, near: list[str]) -> list[str]:
        """An unknown key's did-you-mean in the page's spelling, when the network file gives
        its names spellings: the nearest of its printed names as the page writes them (the
        loss's own name, where the answers file's hint leads with it, first); the key's own
        spelling never suggested."""
        if not self.net.spellings or not near:
            return near
        if self._page_names is None:
            self._page_names = {}
            for printed in printed_names(self.net):
                self._page_names.setdefault(self.page_key(printed), printed)
        written = self.page_key(key)
        loss = self.net.loss.name
        word = written.split("[")[0]
        stem = re.sub(r"(?:_new|'|\+)$", "", word) or word
        lead = [self.page_key(n) for n in near[:1] if n in (loss, f"{loss}_new")] if \
            reads_as_loss(stem, loss) or reads_as_loss(stem, self.page_name(loss)) else []
        pool = list(self._page_names) if len(self._page_names) <= HINT_POOL else \
            [self.page_key(n) for n in near]
        found = difflib.get_close_matches(word, pool, n=3, cutoff=0.5)
        return [n for n in dict.fromkeys((*lead, *found)) if n != written][:3]

    def _add(self, forms: set[str], name: str) -> None:
        for form in forms:
            self.spelled.setdefault(form, set()).add(name)
            self.squashed.setdefault(_squash(form), set()).add(name)

    def shares_letters(self, n: Name) -> bool:
        """Whether a written name's leading letters begin one of the network's names (z and z1
        do; n, in a walkthrough with x, w, z, h, y_hat and L, does not)."""
        head = re.match(r"[^\W\d_]+", n.spelled)
        return head is not None and any(name.startswith(head[0]) for name in self.exact)

    def name(self, n: Name) -> str:
        """The network's name a written name stands for (Unread when none, or ambiguous)."""
        plain = n.spelled
        if plain in self.exact:  # the file's own name, exactly as written
            return self.exact[plain]
        for table, key in ((self.spelled, plain), (self.squashed, _squash(plain))):
            found = table.get(key)
            if found and len(found) == 1:
                return next(iter(found))
            if found:
                raise Unread(f"'{short(expr.plain(n))}' is ambiguous: it could be "
                             f"{' or '.join(sorted(short(f) for f in found))}", ambiguous=True)
        raise Unread(f"'{short(expr.plain(n))}' is not a name in this network")

    def ref(self, node: Name | Deriv, sample: int | None) -> Ref:
        """What a name or derivative inside a formula stands for (a name's own [k] first)."""
        if isinstance(node, Deriv):
            key = self.key(node)
            if sample is not None and self.net.multi_sample and "[" not in key and \
                    self.grader.names.resolve(key).quantity is None:
                key += f"[{sample + 1}]"  # inside a line about sample k: that sample's factor
            return self._quantity(key, node)
        k = node.sample - 1 if node.sample is not None else sample
        try:
            name = self.name(replace(node, updated=False, sample=None))
        except Unread:
            special = self._special(node, k)
            if special is not None:
                return special
            alias = None if node.updated else self.alias(node)
            if alias is None:
                raise
            suffix = f"[{k + 1}]" if k is not None and self.net.multi_sample else ""
            return self._quantity(alias + suffix, node)
        if node.updated:
            return self._quantity(self.key(node), node)
        if name in self.net.params:
            return Ref("param", name)
        suffix = f"[{k + 1}]" if k is not None and self.net.multi_sample else ""
        return self._quantity(name + suffix, node)

    def _special(self, n: Name, k: int | None) -> Ref | None:
        plain = n.spelled
        if plain in _RATE and not n.updated:
            return Ref("rate")
        if plain == "e" and not n.updated:
            return Ref("euler")
        if plain == "N" and not n.updated:  # the loss's divisor: L = (1/N)·Σ(t − o)²
            return Ref("divisor")
        sample = 0 if k is None else k
        if plain in _TARGET_WORDS and len(self.outputs) == 1:
            if plain == "y" and not _hatted(self.outputs[0]):
                return None
            return Ref("target", self.outputs[0], sample=sample)
        m = re.fullmatch(r"(?:t|target)_(.+)", plain)
        if m is not None:
            try:
                out: str | None = self.name(Name(m[1]))
            except Unread:
                out = None
            if out is None and m[1].isdigit() and 1 <= int(m[1]) <= len(self.outputs):
                out = self.outputs[int(m[1]) - 1]
            if out is None:  # target_{o1} for the output spelled out_{o1}: by its subscript
                found = {o for o in self.outputs for form, names in self.spelled.items()
                         if o in names and form.rsplit("_", 1)[-1] == m[1]}
                out = found.pop() if len(found) == 1 else None
            if out in self.outputs:
                return Ref("target", out, sample=sample)
        return None

    def alias(self, n: Name) -> str | None:
        """The answers key of a name that is no name of the network but a quantity's usual
        spelling: an output's loss term (E_o1, ℓ_{o1}, L_{y_hat}: the loss's name and an
        output's) or δ of a sum (δ_o1, \\delta_{h1}: ∂L/∂ of that node's sum), when it names
        one quantity only."""
        if n.hat or n.updated or not n.sub:
            return None
        base = n.base
        sub = _unhat(n.sub)
        if base in ("δ", "delta"):
            sums = {self._sum_of(name) for name in self._ending(sub)} - {None}
            return f"d{self.net.loss.name}/d{sums.pop()}" if len(sums) == 1 else None
        loss = self.net.loss.name
        spelled = f"{base}_{sub}"
        for stem in dict.fromkeys((loss, *self._loss_forms(), "ℓ")):
            if not spelled.startswith(stem + "_"):
                continue
            rest = spelled[len(stem) + 1:]
            outs = {name for name in self._ending(rest) if name in self.outputs}
            if not outs and rest.isdigit() and 1 <= int(rest) <= len(self.outputs):
                outs = {self.outputs[int(rest) - 1]}
            if len(outs) == 1:
                return f"ℓ({outs.pop()})"
        return None

    def _loss_forms(self) -> list[str]:
        return [form for form, names in self.spelled.items() if self.net.loss.name in names]

    def _ending(self, sub: str) -> set[str]:
        """The network's names written `sub` or `…_sub` (o1 for out_o1, 1 for z_1)."""
        found: set[str] = set()
        for form, names in self.spelled.items():
            if form == sub or form.endswith("_" + sub):
                found |= names
        return found

    def _sum_of(self, name: str) -> str | None:
        node = self.net.node_by_name.get(name)
        if node is not None:
            return node.sum
        return name if any(n.sum == name for n in self.net.nodes) else None

    def key(self, node: Name | Deriv) -> str:
        """The answers-file key a page's left side (or a name in a formula) stands for."""
        if isinstance(node, Deriv):
            a, b = self.name(_bare(node.num)), self.name(_bare(node.den))
            k = node.num.sample or node.den.sample
            index = f"[{k}]" if k is not None else ""
            key = f"d{a}/d{b}{index}"
            out = self.net.node_by_name.get(a)
            if out is not None and out.activation.identity and \
                    self.grader.names.resolve(key).quantity is None:
                # an identity node is its sum: ∂predicted/∂b3 is ∂z_predicted/∂b3
                same = f"d{out.sum}/d{b}{index}"
                if self.grader.names.resolve(same).quantity is not None:
                    return same
            return key
        try:
            name = self.name(_bare(node))
        except Unread:
            alias = None if node.updated else self.alias(_bare(node))
            if alias is None:
                raise
            name = alias
        suffix = f"[{node.sample}]" if node.sample is not None else ""
        if node.updated:
            return f"{name}_new{suffix}"
        return name + suffix

    def prime(self, p: expr.Prime) -> Deriv:
        """∂h/∂z that a left side f′(z) writes: the node whose sum (or value) its argument
        names; Unread when it names none, or when the function written is not that node's
        activation (σ′ at a tanh node is said, never guessed)."""
        shown = f"{p.fn or 'f'}′({short(expr.plain(p.arg), 30)})"
        name = self.name(_bare(p.arg))
        node = self.net.node_by_name.get(name) or next(
            (n for n in self.net.nodes if n.sum == name), None)
        if node is None:
            raise Unread(f"the left side {shown}: {short(name)} is no node's sum, so {shown} is "
                         f"no local derivative ∂h/∂z of this network")
        act = node.activation
        written = expr.ACTIVATION_OF.get(p.fn)
        if p.fn and written != act.name:
            rule = act.rule.format(z=short(node.sum)) if "{z}" in act.rule else act.name
            raise Unread(f"the left side {shown} is the derivative of {written or p.fn}, but "
                         f"{short(node.name)} = {rule} ({act.name}): its local derivative is "
                         f"∂{short(node.name)}/∂{short(node.sum)}")
        k = p.arg.sample
        return Deriv(Name(node.name, sample=k), Name(node.sum, sample=k), p.column)

    def _quantity(self, key: str, node: Name | Deriv) -> Ref:
        found = self.grader.names.resolve(key)
        if found.quantity is None:
            raise Unread(found.reason)
        return Ref("quantity", key, found.quantity)


_TYPESET = re.compile(r"(?P<letters>[^\W\d_]+)(?P<digits>\d*)(?P<rest>(?:_[^\W_]+)*)")


def _typeset(name: str) -> str:
    """The plain spelling of the name as notation.latex_name sets it: w1_11 → w_{1,11} is
    read back as w_1_11, z1 → z_{1} as z_1 (so a page's subscripts name it exactly)."""
    hat = name.endswith("_hat") and len(name) > 4
    stem = name[:-4] if hat else name
    m = _TYPESET.fullmatch(stem)
    if m is None:
        return name
    parts = [p for p in (m["digits"], *m["rest"].split("_")) if p]
    return m["letters"] + ("_hat" if hat else "") + ("_" + "_".join(parts) if parts else "")


#: per Grader, its Symbols and Points: made once for every page of a class
_KEPT: weakref.WeakKeyDictionary[Grader, tuple[Symbols, Points]] = weakref.WeakKeyDictionary()


def _kept(grader: Grader) -> tuple[Symbols, Points]:
    found = _KEPT.get(grader)
    if found is None:
        found = _KEPT[grader] = (Symbols(grader), Points(grader.trace))
    return found


def symbols_of(grader: Grader) -> Symbols:
    """The network's names as pages write them (made once per Grader)."""
    return _kept(grader)[0]


#: the general words a Σ's term writes for an output and for its target (any subscript: y_i)
_OUTPUT_WORDS = frozenset({"output", "out", "o", "prediction", "predicted", "pred", "yhat",
                           "y_hat", "ŷ"})
_TARGET_GENERAL = frozenset({"target", "t", "y", "observed", "actual"})
#: the most terms a Σ is written out into (outputs × samples), and the largest formula that is
SUM_TERMS, SUM_NODES = 256, 400


def expand_sums(node: Node, symbols: Symbols) -> Node:
    """A formula with each Σ written out over the network's outputs (and samples), and each
    general f′ (f'(z_1)) as the node's ∂h/∂z: a Σ's general
    words (`target`, `output`, `y_i`, `\\hat{y}_i`) bound to each output and its target in turn;
    a name of the network stays itself. A Σ in a Σ runs over the samples and, inside, the
    outputs (Unread where that is not clear); a Σ too large is Unread."""
    if any(isinstance(n, expr.Call) and n.fn not in expr.FUNCTIONS for n in expr.walk(node)):
        if sum(1 for _ in expr.walk(node)) > SUM_NODES:
            raise Unread(f"a formula with a general f′ and more than {SUM_NODES} terms is not "
                         f"read")
        node = _general_primes(node, symbols)
    if not any(isinstance(n, expr.Sum) for n in expr.walk(node)):
        return node
    net = symbols.net
    count = len(net.outputs) * len(net.samples)
    if count > SUM_TERMS:
        raise Unread(f"a Σ over {count:,} outputs and samples; at most {SUM_TERMS} are written out")
    if sum(1 for _ in expr.walk(node)) > SUM_NODES:
        raise Unread(f"a formula with a Σ and more than {SUM_NODES} terms is not written out")

    def bind(n: Node, out: str, k: int | None) -> Node:
        if isinstance(n, Name):
            try:
                symbols.name(_bare(n))
                return n
            except Unread:
                pass
            word = n.base.casefold()
            sample = None if k is None else k + 1
            if (n.hat and word == "y") or word in _OUTPUT_WORDS:
                return Name(out, sample=sample, column=n.column)
            if not n.hat and word in _TARGET_GENERAL:
                return Name("t", sub=out, sample=sample, column=n.column)
            return n
        if isinstance(n, expr.Neg):
            return expr.Neg(bind(n.arg, out, k))
        if isinstance(n, expr.Call):
            return expr.Call(n.fn, bind(n.arg, out, k))
        if isinstance(n, expr.Bin):
            return expr.Bin(n.op, bind(n.left, out, k), bind(n.right, out, k))
        return n  # a number, a derivative, a Σ in the Σ

    def added(terms: list[Node]) -> Node:
        while len(terms) > 1:  # added pairwise: the tree log₂(terms) deep, not terms deep
            terms = [expr.Bin("+", terms[j], terms[j + 1]) if j + 1 < len(terms) else terms[j]
                     for j in range(0, len(terms), 2)]
        return terms[0]

    def inner(n: Node, k: int | None) -> Node:
        """The outer Σ's term for sample k: each Σ in it written out over the outputs."""
        if isinstance(n, expr.Sum):
            return added([bind(n.arg, out, k) for out in net.outputs])
        if isinstance(n, expr.Neg):
            return expr.Neg(inner(n.arg, k))
        if isinstance(n, expr.Call):
            return expr.Call(n.fn, inner(n.arg, k))
        if isinstance(n, expr.Bin):
            return expr.Bin(n.op, inner(n.left, k), inner(n.right, k))
        return n

    def double(n: expr.Sum) -> Node:
        """Σ Σ: the outer over the samples, the inner over the outputs (the sum over every pair
        is the same in either order), when the outer's term writes no output or target of its
        own outside the inner Σ; else which Σ runs over what is not clear, and it is Unread."""
        sums = [m for m in expr.walk(n.arg) if isinstance(m, expr.Sum)]
        if any(isinstance(m, expr.Sum) for s in sums for m in expr.walk(s.arg)):
            raise Unread("a Σ in a Σ in a Σ: at most two (over the samples and over the "
                         "outputs) are written out")
        todo: list[Node] = [n.arg]
        while todo:  # the outer term, outside its Σs
            m = todo.pop()
            if isinstance(m, Name) and bind(m, net.outputs[0], None) != m:
                raise Unread(f"a Σ in a Σ whose outer term writes '{short(expr.plain(m))}' "
                             f"outside the inner Σ: which Σ runs over the outputs and which "
                             f"over the samples is not clear")
            if isinstance(m, expr.Neg | expr.Call):
                todo.append(m.arg)
            elif isinstance(m, expr.Bin):
                todo += [m.left, m.right]
        return added([inner(n.arg, k if net.multi_sample else None)
                      for k in range(len(net.samples))])

    def walk(n: Node) -> Node:
        if isinstance(n, expr.Sum):
            if any(isinstance(m, expr.Sum) for m in expr.walk(n.arg)):
                return double(n)
            return added([bind(n.arg, out, k if net.multi_sample else None)
                          for k in range(len(net.samples)) for out in net.outputs])
        if isinstance(n, expr.Neg):
            return expr.Neg(walk(n.arg))
        if isinstance(n, expr.Call):
            return expr.Call(n.fn, walk(n.arg))
        if isinstance(n, expr.Bin):
            return expr.Bin(n.op, walk(n.left), walk(n.right))
        return n

    return walk(node)


def _general_primes(node: Node, symbols: Symbols) -> Node:
    """A general f′ at a name (`∂L/∂h_1 · f'(z_1)`) as ∂h/∂z of the node the name is the sum
    (or value) of; Unread when it names no node's sum."""
    if isinstance(node, expr.Call):
        if node.fn in expr.FUNCTIONS:
            return expr.Call(node.fn, _general_primes(node.arg, symbols))
        if not isinstance(node.arg, Name):
            raise Unread(f"f′ of '{short(expr.show(node.arg), 30)}': a general f′ is "
                         f"read at a node's sum or value only")
        return symbols.prime(expr.Prime("", node.arg, node.arg.column))
    if isinstance(node, expr.Neg | expr.Sum):
        arg = _general_primes(node.arg, symbols)
        return expr.Neg(arg) if isinstance(node, expr.Neg) else expr.Sum(arg, node.column)
    if isinstance(node, expr.Bin):
        return expr.Bin(node.op, _general_primes(node.left, symbols),
                        _general_primes(node.right, symbols))
    return node


def _unhat(sub: str) -> str:
    """A subscript's hats in the tables' plain spelling: `\\hat{y}` (read as \\haty), ŷ → y_hat."""
    sub = re.sub(r"\\hat\{?([^\W_])\}?", r"\1_hat", sub)
    return unicodedata.normalize("NFD", sub).replace("\u0302", "_hat") if not sub.isascii() else sub


def _hatted(name: str) -> bool:
    return name in ("y_hat", "ŷ", "yhat")


def _bare(n: Name) -> Name:
    return replace(n, updated=False, sample=None)


# ---------------------------------------------------------------- the points a formula is tried at

class Points:
    """The true step and POINTS steps near it (params and inputs moved; the targets kept)."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._near: list[Trace] | None = None

    def near(self) -> list[Trace]:
        if self._near is None:
            self._near = []
            net = self.trace.network
            for j in range(POINTS):
                rng = random.Random(7919 * (j + 1))

                def move(v: float, rng: random.Random = rng) -> float:
                    return v + SPREAD * (0.1 + abs(v)) * rng.uniform(-1, 1)

                moved = replace(net, params={p: move(v) for p, v in net.params.items()},
                                samples=tuple(Sample(inputs={x: move(v) for x, v in s.inputs.items()},
                                                     targets=dict(s.targets)) for s in net.samples))
                try:
                    self._near.append(run(moved))
                except BackpropError:
                    continue
        return self._near


def _value(ref: Ref, trace: Trace) -> float:
    if ref.kind == "quantity":
        assert ref.quantity is not None
        try:
            return ref.quantity.value(trace)
        except (KeyError, StopIteration, AssertionError):
            return math.nan
    if ref.kind == "param":
        return trace.network.params[ref.key]
    if ref.kind == "target":
        return trace.network.samples[ref.sample or 0].targets[ref.key]
    if ref.kind == "rate":
        return trace.network.learning_rate
    if ref.kind == "divisor":
        return trace.divisor
    return math.e


# ---------------------------------------------------------------- a chain's segments

@dataclass(frozen=True, slots=True)
class _Step:
    """One segment, evaluated."""

    segment: Segment
    kind: Literal["number", "formula", "mixed"]
    value: float  #: with the student's numbers (numbers), or at the true values (formulas)
    bound: float  #: how far its written numbers' rounding can move it
    true: bool  #: agrees with the quantity's true value (a formula: near the point too)
    #: why it has no finite value ("a division by zero", "too large to compute"), else None
    why: str | None = None

    def said(self) -> str:
        """`0.5·0.7 = 0.35`, or `1/0 is a division by zero`."""
        shown = expr.show(self.segment.node)
        return f"{shown} is {self.why}" if self.why is not None else f"{shown} = {_num(self.value)}"


def _half_unit(text: str) -> float:
    """Half a unit of a written number's last digit; 0 for an integer (an exact constant)."""
    t = text.lower().lstrip("-")
    if "." not in t and "e" not in t:
        return 0.0
    mantissa, _, exp = t.partition("e")
    places = len(mantissa.split(".")[1]) if "." in mantissa else 0
    try:
        shift = int(exp) if exp else 0
    except ValueError:
        shift = 0
    if abs(shift) > MAX_PLACE:
        return 0.0
    return 0.5 * 10.0 ** (shift - places)


def _bound(node: Node, lookup: object, value: float, exact: frozenset[float]) -> float:
    """How far the rounding of its written numbers can move an expression (to first order); a
    number that is one of the network's givens (0.5 for x1 = 0.5) is exact."""
    nums = expr.numbers(node)
    if len(nums) > ROUNDED:
        return 1e-3 * len(nums) * abs(value)
    total = 0.0
    for n in nums:
        u = 0.0 if n.value in exact else _half_unit(n.text)
        if u == 0.0:
            continue
        moved = expr.evaluate(node, lookup, {id(n): n.value + u})  # type: ignore[arg-type]
        total += abs(moved - value) if math.isfinite(moved) else math.inf
    return total * 1.01


def _close(a: float, b: float, slack: float = 0.0) -> bool:
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= slack + CLOSE * max(1.0, abs(a), abs(b))


class _Lines:
    """Evaluates the segments of chains against one network."""

    def __init__(self, grader: Grader) -> None:
        self.grader = grader
        self.trace = grader.trace
        self.symbols, self.points = _kept(grader)
        net = grader.trace.network
        #: the network's given numbers: written on a page, they are exact, not rounded
        self.exact = frozenset(abs(v) for v in (
            *net.params.values(), net.learning_rate,
            *(v for s in net.samples for v in (*s.inputs.values(), *s.targets.values()))))

    def refs(self, node: Node, sample: int | None) -> dict[int, Ref]:
        out: dict[int, Ref] = {}
        for s in expr.symbols(node):
            out[id(s)] = self.symbols.ref(s, sample)
        return out

    def step(self, segment: Segment, q: Quantity, sample: int | None) -> _Step:
        node = segment.node
        refs = self.refs(node, sample)
        truth = _value(Ref("quantity", "", q), self.trace)

        def at(trace: Trace) -> float:
            return expr.evaluate(node, lambda s: _value(refs[id(s)], trace))

        lookup = lambda s: _value(refs[id(s)], self.trace)  # noqa: E731
        value = at(self.trace)
        if not math.isfinite(value):
            why = expr.undefined(node, lookup)
            kind: Literal["number", "formula", "mixed"] = "number" if not refs else "mixed"
            return _Step(segment, kind, value, 0.0, False, why)
        bound = _bound(node, lookup, value, self.exact)
        if not refs:
            return _Step(segment, "number", value, bound, _close(value, truth, bound))
        if all(_half_unit(n.text) == 0.0 for n in expr.numbers(node)):
            # names and whole numbers: a formula, right at the point and near it
            ok = _close(value, truth) and all(
                _close(at(t), _value(Ref("quantity", "", q), t)) for t in self.points.near())
            return _Step(segment, "formula", value, 0.0, ok)
        # names and decimals (0.55 − 0.1·∂L/∂w5): a substitution, right at the point within
        # the rounding of its numbers (none for the network's givens)
        return _Step(segment, "mixed", value, bound, _close(value, truth, bound))


def true_rule(q: Quantity, trace: Trace) -> str | None:
    """The quantity's rule in the file's names, as the tables write it (None where it is a
    chain of several factors)."""
    net = trace.network
    s = trace.samples[q.sample or 0] if trace.samples else None
    L = net.loss.name
    if q.kind == "value":
        node = net.node_by_name.get(q.a)
        if node is not None:
            return node.activation.rule.format(z=node.sum) if "{z}" in node.activation.rule \
                else None
        for node in net.nodes:
            if node.sum == q.a:
                terms = [f"{e.source}·{e.param}" for e in node.edges]
                if node.bias:
                    terms.append(("− " if net.bias_sign < 0 else "") + node.bias)
                return " + ".join(terms).replace("+ − ", "− ")
        return None
    if q.kind == "local" and s is not None:
        f = activation_factor(trace, s, net.node_by_name[q.a])
        return fill(f.template, {slot: name for slot, name, _ in f.args})
    if q.kind == "param_factor":
        node = net.node_by_name[q.a]
        sources = [e.source for e in node.edges if e.param == q.b]
        return " + ".join(sources) if sources else ("1" if net.bias_sign > 0 else "−1")
    if q.kind == "edge":
        node = net.node_by_name[q.a]
        return next((e.param for e in node.edges if e.source == q.b), None)
    if q.kind == "grad_node" and s is not None and q.a in net.outputs:
        f = loss_factor(trace, s, q.a)  # the divisor N as its number: a page writes 1/4, not N
        return fill(f.template, {slot: given(v) if slot == "D" else name for slot, name, v in f.args})
    if q.kind == "gradient" and not q.sample:
        uses = [u for u in net.uses if u.param == q.a]
        if len(uses) == 1:
            u = uses[0]
            z = net.node_by_name[u.node].sum
            if u.source:
                return f"∂{L}/∂{z}·{u.source}"
            return f"∂{L}/∂{z}" if net.bias_sign > 0 else f"−∂{L}/∂{z}"  # z = Σwx − b
        return None
    if q.kind == "updated":
        if q.a in net.frozen:
            return q.a  # a frozen param is not stepped
        return None if net.optimizer.optimizer.worked else f"{q.a} − η·∂{L}/∂{q.a}"
    if q.kind == "loss" and len(net.outputs) == 1 and len(net.samples) == 1 and s is not None:
        rule = net.loss.loss.rule
        text = rule.format(t=target_name(trace, net.outputs[0]), o=net.outputs[0])
        return text
    return None


# ---------------------------------------------------------------- entries and marking

@dataclass(frozen=True, slots=True)
class Entry:
    """One answer of a sheet or page: its final number (None for a formula alone), the chain it
    ends (a page) or its formula (a YAML sheet), and where it stands."""

    key: str  #: the quantity, as the tables print it
    answer: Answer | None
    steps: tuple[Segment, ...] = ()  #: a page chain's right-hand sides; a formula's one segment
    line: int | None = None
    text: str | None = None  #: as read (a page), or None (a YAML sheet)


@dataclass(frozen=True, slots=True)
class Sheet:
    """What a page or an answers file gives to mark."""

    entries: tuple[Entry, ...]
    not_read: tuple[NotRead, ...] = ()
    more_not_read: int = 0
    page: bool = False


def entries_of_page(page: Page, grader: Grader) -> Sheet:
    """The page's chains as entries (names matched to this network), and what was not read."""
    symbols = _kept(grader)[0]
    net = grader.trace.network
    entries: list[Entry] = []
    not_read = list(page.not_read)
    seen: dict[Quantity, int] = {}  #: quantity -> its entry's index
    for chain in page.chains:
        try:
            entry = _entry(chain, symbols, net)
        except Unread as err:
            if chain.prose:  # words on both sides of an '=' are prose, not an answer
                continue
            entry = _unknown(chain, symbols)
            if entry is None:  # no decimal anywhere: a definition in general symbols
                not_read.append(NotRead(chain.line, chain.text, err.reason,
                                        definition=_symbolic(chain.segments)))
                continue
            # shaped like a quantity (∂A/∂B, w9', a name and its number) that this network has
            # not: an unknown answer, with a did-you-mean, as in an answers file
        if entry is None:
            continue  # a given restated (x1 = 0.5, η = 0.1)
        if entry.answer is None:
            unread = _unread(entry.steps, symbols)
            if unread is not None:  # symbols only, some not this network's: a definition
                not_read.append(NotRead(chain.line, chain.text, unread,
                                        definition=_symbolic(entry.steps)))
                continue
        q = grader.names.resolve(entry.key).quantity
        if q is not None:
            if q in seen:
                first = entries[seen[q]]
                if first.answer is None or entry.answer is None:
                    # a formula, then its numbers on a later line (net_h1 = w1·i1 + …, then
                    # net_h1 = 0.15·0.05 + … = 0.3775), or the formula after the number: one
                    # answer, worked over two lines, its formula first
                    formula, numbers = (first, entry) if first.answer is None else (entry, first)
                    entries[seen[q]] = replace(first, answer=numbers.answer,
                                               steps=formula.steps + numbers.steps,
                                               text=f"{first.text} … {entry.text}")
                    continue
                not_read.append(NotRead(chain.line, chain.text,
                                        f"answers {short(entry.key)} again (line {first.line}); "
                                        f"one quantity is one answer: the first is marked"))
                continue
            seen[q] = len(entries)
        entries.append(entry)
    not_read.sort(key=lambda n: n.line)
    if not entries and not not_read:
        raise SpecError("no answer on this page: write each one as an equation, e.g. "
                        "'z1 = 0.47' or '$z_1 = x_1 w_1 + x_2 w_3 = 0.47$'", file=page.file)
    return Sheet(entries=tuple(entries), not_read=tuple(not_read),
                 more_not_read=page.more_not_read, page=True)


def _symbolic(steps: Sequence[Segment]) -> bool:
    """No decimal on any side and no number at the end: a statement in symbols (a
    definition), not working."""
    return expr.is_number(steps[-1].node) is None and \
        not any(re.search(r"\d*\.\d", seg.text) for seg in steps)


def _unread(steps: Sequence[Segment], symbols: Symbols) -> str | None:
    """Why a chain's formula cannot be evaluated here (a name the network has not), or None."""
    for seg in steps:
        try:
            for s in expr.symbols(seg.node):
                symbols.ref(s, None)
        except Unread as err:
            return err.reason
    return None


def _resolves(node: Node, symbols: Symbols) -> bool:
    try:
        for s in expr.symbols(expand_sums(node, symbols)):
            symbols.ref(s, None)
    except Unread:
        return False
    return True


def _trimmed(chain: Chain, symbols: Symbols) -> tuple[Segment, ...]:
    """A plain-text line's last side without the words after its answer: `≈ 0.615 (rounded)`
    reads as 0.615·rounded, and `rounded` names nothing; the longest head that names only
    what the network has is the answer (the line as written when none does)."""
    last = chain.segments[-1]
    if chain.math or any(isinstance(n, expr.Sum) for n in expr.walk(last.node)) or \
            _resolves(last.node, symbols):
        return chain.segments  # (a Σ's words are its own, not words after an answer)
    cuts = [m.start() for m in re.finditer(r"\s+|(?=\()", last.text)]
    for cut in reversed(cuts):
        head = last.text[:cut].rstrip(" ,;:.")
        if not head:
            continue
        try:
            node = expr.parse(head)
        except expr.ExprError:
            continue
        if _resolves(node, symbols):
            return (*chain.segments[:-1], replace(last, text=head, node=node))
    return chain.segments


def _entry(chain: Chain, symbols: Symbols, net: Network) -> Entry | None:
    # σ′(z3) = …: ∂ŷ/∂z3, the node's by the network (Unread, with its reason, when none)
    lhs = symbols.prime(chain.lhs) if isinstance(chain.lhs, expr.Prime) else chain.lhs
    segments = tuple(replace(seg, node=expand_sums(seg.node, symbols))
                     for seg in _trimmed(chain, symbols))
    if isinstance(lhs, Name) and not lhs.updated:
        try:
            name = symbols.name(_bare(lhs))
        except Unread:
            name = None
        special = symbols._special(lhs, None) if name is None else None
        if name is None and special is None and symbols.alias(_bare(lhs)) is None:
            raise Unread(f"the left side: '{short(expr.plain(lhs))}' is not a name in this "
                         f"network")
        if name in net.params or special is not None:
            stated = net.params[name] if name is not None else _value(special, symbols.grader.trace)  # type: ignore[arg-type]
            if _restates(segments, stated):
                return None
            refs = {s for seg in segments for s in expr.symbols(seg.node)
                    if isinstance(s, Name) and not s.updated}
            if name is not None and any(_is(symbols, s, name) or s.spelled in _RATE for s in refs):
                lhs = replace(lhs, updated=True)  # w5 = w5 − η·∂L/∂w5: the update
            else:
                what = f"a param, given as {fmt(stated, 4)}" if name is not None else \
                    f"given as {fmt(stated, 4)}"
                hint = f"; write {short(name)}' or new {short(name)} for its updated value" \
                    if name is not None else ""
                raise Unread(f"'{short(expr.plain(lhs))}' is {what}{hint}")
        elif name in net.inputs and lhs.sample is None and any(
                _restates(segments, sample.inputs[name]) for sample in net.samples):
            return None  # an input as given (of one of the samples)
        elif name in net.inputs and lhs.sample is not None and \
                1 <= lhs.sample <= len(net.samples) and \
                _restates(segments, net.samples[lhs.sample - 1].inputs[name]):
            return None
    key = symbols.key(lhs)
    last = segments[-1]
    number = expr.is_number(last.node)
    answer = None
    if number is not None:
        text = number.text
        exponent = _exponent(text)
        answer = Answer(key=key, given=number.value, text=text, exponent=exponent,
                        line=last.line, column=last.column)
    return Entry(key=key, answer=answer, steps=segments, line=chain.line, text=chain.text)


def _unknown(chain: Chain, symbols: Symbols) -> Entry | None:
    """A chain whose left side has a quantity's shape but names none of this network's: a
    derivative, an updated name (w9', w_9^{+}) or a plain name, its number last; None for a
    name the network has (a param restated with another value is not read, with its reason)."""
    lhs = chain.lhs
    if isinstance(lhs, expr.Prime):
        return None  # f′(z) that is no node's ∂h/∂z: listed with its reason, never guessed
    last = chain.segments[-1]
    number = expr.is_number(last.node)
    if number is None or (not chain.alone and isinstance(lhs, Name) and not lhs.updated):
        return None  # a formula, or words in front of a plain name (`Step Size = …`)
    if isinstance(lhs, Name) and not lhs.updated and _count(number.text) and \
            len(_bare(lhs).spelled) == 1 and not symbols.shares_letters(_bare(lhs)):
        return None  # `$n = 3$ samples`: a count in the prose (one letter, a whole number)
    for n in (lhs,) if isinstance(lhs, Name) else (lhs.num, lhs.den):
        try:
            symbols.name(_bare(n))
        except Unread as err:
            if err.ambiguous:
                return None
        else:
            if isinstance(lhs, Name):
                return None
    if isinstance(lhs, Name):
        key = _written(symbols, lhs) + ("_new" if lhs.updated else "") + \
            (f"[{lhs.sample}]" if lhs.sample is not None else "")
    else:
        k = lhs.num.sample or lhs.den.sample
        key = f"d{_written(symbols, lhs.num)}/d{_written(symbols, lhs.den)}" + \
            (f"[{k}]" if k is not None else "")
    answer = Answer(key=key, given=number.value, text=number.text,
                    exponent=_exponent(number.text), line=last.line, column=last.column)
    return Entry(key=key, answer=answer, steps=(), line=chain.line, text=chain.text)


def _count(text: str) -> bool:
    """A whole number as written (3, not 3.0 or 3e0): how a page states a count."""
    return text.lstrip("+-").isdigit()


def _written(symbols: Symbols, n: Name) -> str:
    """A name as the network calls it, or as written when it has no such name."""
    try:
        return symbols.name(_bare(n))
    except Unread:
        # as the tables would print it: w_9 → w9 (a subscript of digits joined on)
        return symbols.alias(_bare(n)) or re.sub(r"^([^\W\d_]+)_(\d+)$", r"\1\2", _bare(n).spelled)


def _is(symbols: Symbols, n: Name, name: str) -> bool:
    try:
        return symbols.name(_bare(n)) == name
    except Unread:
        return False


def _restates(segments: Sequence[Segment], stated: float) -> bool:
    """Every side a plain number that is the given value as written."""
    for seg in segments:
        number = expr.is_number(seg.node)
        if number is None:
            return False
        if abs(number.value - stated) > max(_half_unit(number.text), 1e-12 * abs(stated)):
            return False
    return True


def _exponent(text: str) -> int:
    from decimal import Decimal, InvalidOperation

    try:
        e = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return -15
    return max(-MAX_PLACE, min(MAX_PLACE, e)) if isinstance(e, int) else -15


def mark(grader: Grader, sheet: Sheet, file: str) -> CheckReport:
    """Mark a sheet's entries in order: the final numbers by the Grader, each chain's segments
    here; formula answers alone get correct or wrong (`formula`)."""
    numeric = [e.answer for e in sheet.entries if e.answer is not None]
    report = grader.check(numeric, file, hints=_kept(grader)[0].hints if sheet.page else None)
    by_number = iter(report.results)
    lines = _Lines(grader)
    results: list[Result] = []
    for e in sheet.entries:
        result = next(by_number) if e.answer is not None else None
        results.append(_with_steps(lines, e, result))
    counts = {v: sum(1 for r in results if r.verdict == v) for v in VERDICTS}
    return replace(report, results=tuple(results), counts=counts, not_read=sheet.not_read,
                   more_not_read=sheet.more_not_read, page=sheet.page)


def _with_steps(lines: _Lines, e: Entry, result: Result | None) -> Result:
    """The entry's result with its line, its text as read and what its segments show."""
    grader = lines.grader
    q = grader.names.resolve(e.key).quantity
    base = result if result is not None else Result(
        quantity=e.key, given=e.steps[-1].text if e.steps else "", text=e.steps[-1].text if e.steps else "",
        decimals=None, expected=None, verdict="unknown", explanation="")
    base = replace(base, line=e.line, source=e.text)
    if q is None or not e.steps:
        if result is None and q is None:
            return replace(base, explanation=grader.names.resolve(e.key).reason)
        return base
    formula_only = e.answer is None
    sample = q.sample if q.sample is not None else None
    steps: list[_Step] = []
    at: dict[int, _Step] = {}  #: position in the chain -> its step
    unread: list[str] = []
    for p, seg in enumerate(e.steps):
        if expr.is_number(seg.node) is not None and p == len(e.steps) - 1 and not formula_only:
            break
        try:
            steps.append(lines.step(seg, q, sample))
        except Unread as err:
            if p == len(e.steps) - 1:  # a formula answer that names nothing here
                return replace(base, verdict="unknown", mistake=None,
                               explanation=f"{_sign(seg)} {err.reason}")
            # a step with a name this network has not (E_o1 on a page whose network has only
            # E): not checked, and the rest of the line still is
            unread.append(f"the step after {_sign(seg)} is not checked: {err.reason}")
            continue
        at[p] = steps[-1]
    truth = _value(Ref("quantity", "", q), lines.trace)
    rule = true_rule(q, lines.trace)
    label = _label(e.key)
    wrong_formula = next((s for s in steps if s.kind == "formula" and not s.true), None)
    if formula_only:
        last = steps[-1]
        if last.true and wrong_formula is None:
            return replace(base, expected=truth, verdict="correct", given=last.segment.text,
                           text=last.segment.text, decimals=None)
        if wrong_formula is None and last.kind != "formula":  # numbers left unworked
            return replace(base, expected=truth, verdict="wrong", given=last.segment.text,
                           text=last.segment.text, decimals=None, broke_at=_column(last.segment),
                           explanation=f"{last.said()}; "
                                       f"the true value is {fmt(truth, 4)}")
        bad = wrong_formula or last
        return replace(base, expected=truth, verdict="wrong", mistake="formula",
                       given=last.segment.text, text=last.segment.text, decimals=None,
                       explanation=_formula_wrong(bad, label, rule, truth),
                       broke_at=_column(bad.segment))
    assert result is not None and e.answer is not None
    # the break: where the line first leaves the truth, and any step of numbers that does not
    # give the next
    given_unit = 2 * _half_unit(e.answer.text) if "." in e.answer.text or "e" in e.answer.text.lower() \
        else 1.0
    slip: tuple[_Step, float, str, int] | None = None
    nxt_text = ""
    final = len(e.steps) - 1
    for p, s in sorted(at.items()):
        if s.kind != "number":
            continue
        if p + 1 == final:
            nxt_value, nxt_bound = e.answer.given, given_unit
        elif p + 1 in at and at[p + 1].kind == "number":
            nxt_value, nxt_bound = at[p + 1].value, at[p + 1].bound
        else:
            continue  # a formula or a step not read follows: nothing to compare with
        if not _close(s.value, nxt_value, s.bound + nxt_bound):
            slip = (s, s.value, _sign(e.steps[p + 1]), _column(e.steps[p + 1]))
            nxt_text = expr.show(e.steps[p + 1].node)
            break
    final_true = result.verdict in ("correct", "rounding")
    notes: list[str] = []
    verdict, mistake, explanation = result.verdict, result.mistake, result.explanation
    if _underflows(e.answer) and not final_true and result.mistake is None:
        explanation = (f"{short(e.answer.text, 40)} is too small for a float (read as 0); the "
                       f"true value is {fmt(truth, 4)}")
    broke: int | None = None
    if wrong_formula is not None:
        # the catalogued mistake names the number; the formula says where the line went wrong
        verdict, mistake = "wrong", result.mistake or "formula"
        said = _formula_wrong(wrong_formula, label, rule, truth)
        explanation = f"{explanation}; {said}" if explanation and result.mistake else said
        broke = _column(wrong_formula.segment)
    elif slip is not None:
        s, _, where, column = slip
        said = s.said()
        if not final_true and result.verdict == "wrong" and result.mistake is None:
            mistake = "arithmetic"
            explanation = (f"the line breaks at {where}: {said}, not "
                           f"{e.answer.text} (an arithmetic slip); the true value is "
                           f"{fmt(truth, _places(e.answer))}")
        else:
            notes.append(f"the line breaks at {where}: {said}, not {short(nxt_text, 40)}")
        broke = column
    elif not final_true and result.verdict == "wrong" and len(e.steps) > 1:
        first = next((s for s in steps if not s.true), None)
        left = first.segment if first is not None else e.steps[-1]
        notes.append(f"the line breaks at {_sign(left)}")
        broke = _column(left)
    notes += unread
    if notes:
        explanation = (explanation + "; " if explanation else "") + "; ".join(notes)
    return replace(base, verdict=verdict, mistake=mistake, explanation=explanation,
                   broke_at=broke)


def _places(answer: Answer) -> int:
    """The decimals to show the true value with beside an answer: its own (at least 3), or 4
    for one written past what a float holds (`1e-400`)."""
    return 4 if -answer.exponent > 15 or _underflows(answer) else max(3, -answer.exponent)


def _underflows(answer: Answer) -> bool:
    """A written number too small for a float, read as 0 (`1e-400`)."""
    return answer.given == 0.0 and bool(re.search(r"[1-9]", answer.text.lower().partition("e")[0]))


def _num(value: float) -> str:
    """A step's value: four significant figures (−0.09999), never rounded into the next."""
    return f"{value:.4g}"


def _sign(seg: Segment) -> str:
    sign = seg.relation or "="
    return f"the {sign} at line {seg.line}, column {seg.column}"


def _column(seg: Segment) -> int:
    return seg.column


def _label(key: str) -> str:
    m = re.fullmatch(r"d(.+)/d(.+)", key)
    return f"∂{m[1]}/∂{m[2]}" if m else key


def _formula_wrong(s: _Step, label: str, rule: str | None, truth: float) -> str:
    where = "at the network's values" if not _close(s.value, truth) else \
        "near the network's values (it is right at this point only)"
    text = f"{short(s.segment.text, 60)} is not {label} {where}"
    if rule is not None:
        text += f": {label} = {rule} = {fmt(truth, 4)}"
    else:
        text += f"; the true value is {fmt(truth, 4)}"
    return text


def formula_entry(key: str, text: str, line: int | None, symbols: Symbols) -> Entry:
    """A YAML answer given as a formula in quotes (`dL/dy_hat: "-2*(t - y_hat)"`); ExprError
    when the text reads as no formula, Unread when it uses a name the network does not have."""
    node = expand_sums(expr.parse(text), symbols)
    for s in expr.symbols(node):
        symbols.ref(s, None)
    seg = Segment(relation="=", text=text, node=node, line=line or 0, column=1)
    return Entry(key=key, answer=None, steps=(seg,), line=line, text=None)


__all__ = ["PAGE_MISTAKES", "Entry", "Sheet", "Symbols", "entries_of_page", "formula_entry", "mark",
           "symbols_of", "true_rule"]
