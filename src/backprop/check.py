"""Answers → verdicts: the precision compared (the finer of the written decimals and the one
required) or a teacher's tolerance, error carried forward, and the catalogue's models
(backprop.mistakes) run by the same engine to name a wrong answer's mistake.

Reading sheets and resolving their keys is backprop.answers; this module re-exports its public
names so that `backprop.check` stays the one import for marking."""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import TYPE_CHECKING, Literal

from backprop.answers import (
    FEEDS,
    HINTS,
    PER_SAMPLE,
    Answer,
    Kind,
    Names,
    Quantity,
    Resolution,
    load_answers,
    parse_answers,
    printed_names,
    resolve,
    short,
)
from backprop.engine import Forwards, Plans, run
from backprop.errors import BackpropError, BadSetting, SpecError
from backprop.losses import LOSSES
from backprop.mistakes import BACKWARD, MISTAKES, Model, explain, models
from backprop.network import Network
from backprop.notation import LARGE, fmt, given, paren
from backprop.trace import Overrides, Rules, Trace

if TYPE_CHECKING:
    from backprop.page import NotRead

Verdict = Literal["correct", "rounding", "carried_forward", "imprecise", "wrong", "unknown"]
VERDICTS: tuple[Verdict, ...] = ("correct", "rounding", "carried_forward", "imprecise", "wrong",
                                 "unknown")
ACCEPTED: frozenset[Verdict] = frozenset({"correct", "rounding"})

# ---------------------------------------------------------------- precision and tolerance

#: the most decimals or significant figures a precision may ask for: a float holds 15 to 17
#: significant digits, so more would ask for digits no computed value has
MAX_PRECISION = 15
PrecisionKind = Literal["written", "decimals", "significant"]
_DECIMALS = re.compile(r"^[+-]?[0-9]+$")
_FIGURES = re.compile(r"^(?P<n>[+-]?[0-9]+)\s*sf$")


@dataclass(frozen=True, slots=True)
class Precision:
    """The precision an answer is compared at, at least: N decimals, N significant figures of the
    true value, or (written) only the decimals the student wrote. An answer is compared at the
    finer of its written decimals and this one."""

    kind: PrecisionKind = "decimals"
    digits: int = 3  #: N (0 for written)

    @classmethod
    def parse(cls, text: str) -> Precision:
        """`written`, `N` (decimals) or `Nsf` (significant figures), N from 1 to MAX_PRECISION."""
        raw = text.strip().lower()
        if raw == "written":
            return cls("written", 0)
        decimals, figures = _DECIMALS.match(raw), _FIGURES.match(raw)
        if decimals is None and figures is None:
            raise BadSetting(f"expected 'written', a number of decimals (1 to {MAX_PRECISION}, "
                             f"e.g. 3) or of significant figures (1sf to {MAX_PRECISION}sf, "
                             f"e.g. 4sf); found '{short(text, 20)}'", setting="precision")
        kind: PrecisionKind = "decimals" if decimals is not None else "significant"
        count = (raw if figures is None else figures["n"]).lstrip("+")
        # past six digits it is far above MAX_PRECISION (and int() of 5,000 digits refuses)
        n = int(count) if len(count.lstrip("-").lstrip("0")) <= 6 else \
            -1 if count.startswith("-") else MAX_PRECISION + 1
        unit = "" if kind == "decimals" else "sf"
        if n < 1:
            why = ("0 decimals compares whole numbers only, and most of a step's numbers are "
                   "below 1" if n == 0 and kind == "decimals" else
                   "0 significant figures compares no digit at all" if n == 0 else
                   "a precision is a count of digits, at least 1")
            raise BadSetting(f"{why}; give 1{unit} to {MAX_PRECISION}{unit}, e.g. 3{unit}",
                             setting="precision", value=short(text.strip(), 20))
        if n > MAX_PRECISION:
            raise BadSetting(f"a float holds about {MAX_PRECISION} significant digits, so more "
                             f"asks for digits no computed value has; give 1{unit} to "
                             f"{MAX_PRECISION}{unit}", setting="precision",
                             value=short(text.strip(), 20))
        return cls(kind, n)

    def required(self, expected: float) -> int | None:
        """The place (a power of ten) of the last digit asked for; None when none is (written,
        or significant figures of a true value that is 0 or not finite)."""
        if self.kind == "decimals":
            return -self.digits
        if self.kind == "significant" and expected != 0.0 and math.isfinite(expected):
            # the place of the true value's first significant digit, exactly
            return Decimal(expected).adjusted() - (self.digits - 1)
        return None

    def place(self, written: int, expected: float) -> int:
        """The place of the last digit compared: the finer of the written one and the required one."""
        required = self.required(expected)
        return written if required is None else min(written, required)

    @property
    def words(self) -> str:
        """What is asked for, as an explanation says it: "3 decimals", "4 significant figures"."""
        if self.kind == "decimals":
            return _decimals_words(-self.digits)
        return f"{self.digits} significant figure{'s' if self.digits > 1 else ''}"


def _decimals_words(place: int) -> str:
    """A place as a precision: −1 "1 decimal", −3 "3 decimals", 0 "a whole number", 2 "the
    nearest 100"."""
    if place < 0:
        return f"{-place} decimal{'s' if place < -1 else ''}"
    return "a whole number" if place == 0 else f"the nearest {given(10.0 ** place)}"


#: a teacher's tolerance at or past these is refused as absurd: an absolute one of 1 passes almost
#: any answer to a step whose numbers are mostly below 1; a relative one of 50% passes half the
#: true value, so a factor-of-two mistake (the ½ of half_sse dropped or doubled) passes as right
ABSURD_ABSOLUTE, ABSURD_RELATIVE = 1.0, 0.5
_NO_TOLERANCE = ("a tolerance of 0 accepts only the true value to every digit a float holds, "
                 "which no answer worked by hand has; give one such as 0.0005 (half a unit of "
                 "the third decimal) or a relative one such as 1%")


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How close is right: half a unit of the last digit compared (the finer of the written one
    and the required precision's), unless the teacher sets an absolute or relative tolerance,
    which then decides alone (no precision, no rounding slips)."""

    absolute: float | None = None
    relative: float | None = None
    precision: Precision = Precision()  #: under the precision rule, what is required

    @classmethod
    def parse(cls, text: str) -> Tolerance:
        raw = text.strip()
        try:
            if not raw.isascii() or "_" in raw:  # float() also reads ０.1 and 1_0
                raise ValueError
            if raw.endswith("%"):
                value = float(raw[:-1]) / 100
                if not math.isfinite(value) or value < 0:
                    raise ValueError
                if value >= ABSURD_RELATIVE:
                    raise BadSetting(f"a relative tolerance of "
                                     f"{ABSURD_RELATIVE:.0%} or more accepts half the true "
                                     f"value, so a factor-of-two mistake would pass; give "
                                     f"one below {ABSURD_RELATIVE:.0%}, e.g. 1%",
                                     setting="tolerance", value=short(raw, 20))
                if value == 0:
                    raise BadSetting(_NO_TOLERANCE, setting="tolerance", value=short(raw, 20))
                return cls(relative=value)
            value = float(raw)
        except ValueError:
            raise BadSetting(f"expected an absolute tolerance such as 0.001 or a relative one "
                             f"such as 1%, found '{text}'", setting="tolerance") from None
        if not math.isfinite(value) or value < 0:
            raise BadSetting(f"must be a finite number ≥ 0, found '{text}'", setting="tolerance")
        if value >= ABSURD_ABSOLUTE:
            raise BadSetting(f"an absolute tolerance of "
                             f"{ABSURD_ABSOLUTE} or more is larger than most of a step's numbers "
                             f"(values, factors, gradients and steps are mostly below 1), so "
                             f"almost any answer would pass; give one below {ABSURD_ABSOLUTE}, "
                             f"e.g. 0.001, or a relative one such as 1%",
                             setting="tolerance", value=short(raw, 20))
        if value == 0:
            raise BadSetting(_NO_TOLERANCE, setting="tolerance", value=short(raw, 20))
        return cls(absolute=value)

    def fits(self, trace: Trace) -> None:
        """An absolute tolerance at least the typical size of the step's numbers (the median
        magnitude of its values, loss, gradients and updated params) would pass most wrong
        answers to this network, whatever the fixed bound allows: refused."""
        if self.absolute is None:
            return
        sizes = sorted(abs(v) for v in (*(v for s in trace.samples for v in s.values.values()),
                                         trace.loss, *trace.gradients.values(),
                                         *trace.updated.values()) if v != 0 and math.isfinite(v))
        if sizes and self.absolute >= sizes[len(sizes) // 2]:
            typical = sizes[len(sizes) // 2]
            raise BadSetting(f"an absolute tolerance of {self.absolute:g} is as large as the "
                             f"step's numbers themselves (half of them are below {typical:.3g}), "
                             f"so most wrong answers would pass; give one well below, e.g. "
                             f"0.001, or a relative one such as 1%",
                             setting="tolerance", value=short(f"{self.absolute:g}", 20))

    @property
    def written(self) -> bool:
        """No teacher's tolerance: the written decimals and the required precision decide."""
        return self.absolute is None and self.relative is None

    def place(self, answer: Answer, expected: float) -> int:
        """The place of the last digit an answer is compared at, for the true value `expected`."""
        return self.precision.place(answer.exponent, expected)

    def within(self, answer: Answer, expected: float, units: Decimal, place: int) -> bool:
        """|given − expected| ≤ units × 10^place, in exact decimal arithmetic (or the teacher's
        rule): `place` is the answer's (Tolerance.place, from its true value)."""
        if not math.isfinite(expected):
            return False
        if abs(answer.given - expected) <= 4 * math.ulp(expected):
            return True  # written with more digits than a float holds, and equal as floats
        if self.absolute is not None:
            return abs(answer.given - expected) <= self.absolute * (1 + 1e-12)
        if self.relative is not None:
            return abs(answer.given - expected) <= self.relative * abs(expected) * (1 + 1e-12) or \
                answer.given == expected
        if -300 <= place <= 300:
            # decided in floats when clearly in or out: |float gap − exact gap| ≤ slack, with
            # half an ulp for the written number as a float and one for the subtraction;
            # 10.0**e is within an ulp or two of 10^e (1e-12 covers it)
            gap = abs(answer.given - expected)
            slack = 2 * math.ulp(max(abs(answer.given), abs(expected)))
            bound = float(units) * 10.0 ** place
            if gap > bound * (1 + 1e-12) + slack:
                return False
            if gap < bound * (1 - 1e-12) - slack:
                return True
        try:
            given_ = Decimal(answer.text.strip().replace("_", ""))
        except InvalidOperation:
            given_ = Decimal(answer.given)
        return abs(given_ - Decimal(expected)) <= units * Decimal(10) ** place

    def match(self, answer: Answer, expected: float, place: int) -> bool:
        """Close enough to count as the same number: one unit of the last digit compared."""
        return self.within(answer, expected, Decimal(1), place)


HALF, ONE = Decimal("0.5"), Decimal(1)
TRUE_RULES = Rules()


# ---------------------------------------------------------------- the report

@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """The verdict on one answer."""

    quantity: str  #: as written
    given: float | str  #: the number; a formula answer's text
    text: str  #: as written
    decimals: int | None  #: digits after the point as written (negative for 1.5e+2); None: a formula
    expected: float | None  #: the true value (None for unknown)
    verdict: Verdict
    mistake: str | None = None  #: a MISTAKES code (or a page's: backprop.pagecheck.PAGE_MISTAKES)
    explanation: str = ""
    also: tuple[str, ...] = ()  #: other mistake codes that give the same number
    line: int | None = None  #: the line of the page (or answers file) it stands on
    source: str | None = None  #: a page's line as read
    broke_at: int | None = None  #: a page line's column where its working went wrong


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """One answers file checked against one network."""

    file: str
    network: str
    results: tuple[Result, ...]
    counts: Mapping[Verdict, int] = field(default_factory=dict)
    rule: Tolerance = Tolerance()  #: how the answers were compared (precision or tolerance)
    not_read: tuple[NotRead, ...] = ()  #: a page's lines with '=' that could not be read
    more_not_read: int = 0  #: past those listed, counted
    page: bool = False  #: a page's report (its results carry their lines as read)
    #: the quantities asked (an exercise key's names, backprop.classroom.scored), or None: then
    #: each answer the sheet gives is one asked quantity
    asked: tuple[str, ...] | None = None
    missing: tuple[str, ...] = ()  #: the asked quantities the sheet does not answer (not done)
    scored: int | None = None  #: accepted answers to asked quantities (None: every accepted one)
    unasked: tuple[int, ...] = ()  #: positions in results of answers to quantities not asked

    @property
    def correct(self) -> int:
        """Accepted answers (correct or rounding) to the quantities asked."""
        if self.scored is not None:
            return self.scored
        return self.counts.get("correct", 0) + self.counts.get("rounding", 0)

    @property
    def total(self) -> int:
        """The quantities asked: the key's, or else the answers given."""
        return len(self.asked) if self.asked is not None else len(self.results)

    @property
    def failed(self) -> bool:
        # a page's line not read is listed, not failed: a left side shaped like a quantity that
        # names none here is an unknown answer (which fails)
        return bool(self.counts.get("wrong", 0) or self.counts.get("unknown", 0))


# ---------------------------------------------------------------- the checker

#: earlier wrong answers tried one at a time for error carried forward (the latest first), and
#: how many such runs one sheet may make in all (then every earlier answer is tried at once)
SINGLES, SINGLES_PER_SHEET = 8, 256
#: the engine runs error carried forward may make for one sheet, and how many of the nearest
#: earlier answers of each kind it looks through for the ones that feed a line
ECF_RUNS, FEED_WINDOW = 4096, 2048


class Grader:
    """Marks any number of sheets against one network. What does not depend on a sheet is made
    once for them all: the true step, the catalogue's models, the compiled plans, and every
    engine run (a run's numbers depend only on its rule and the student numbers put in, which
    its key holds, so two sheets that ask for the same run share it). A sheet's verdicts are the
    same whether it is marked alone or with a class."""

    def __init__(self, trace: Trace, tolerance: Tolerance = Tolerance()) -> None:
        self.trace = trace
        self.tolerance = tolerance
        self.names = Names(trace.network)
        self.runs = _Runs(trace)
        self.catalogue = models(trace)

    @classmethod
    def of(cls, net: Network, tolerance: Tolerance = Tolerance()) -> Grader:
        """A Grader for a network: its true step run once."""
        return cls(run(net), tolerance)

    def check(self, answers: Sequence[Answer], file: str, *, lines: bool = False,
              hints: Hints | None = None) -> CheckReport:
        """Mark every answer: correct, rounding, carried_forward, imprecise, wrong (with a named
        mistake), unknown.

        A second key naming a quantity already answered is refused (SpecError): one quantity is
        one answer, whatever its spelling. `lines`: each result carries its answer's line.
        `hints`: an unknown key's did-you-mean rewritten (a page's, in the page's spelling)."""
        self.names.reset()
        return _mark(self, answers, file, lines, hints)


def check(trace: Trace, answers: Sequence[Answer], file: str,
          tolerance: Tolerance = Tolerance()) -> CheckReport:
    """Mark one sheet (Grader marks a class): correct, rounding, carried_forward, imprecise, wrong
    (with a named mistake), unknown. A quantity answered twice is refused (SpecError)."""
    return Grader(trace, tolerance).check(answers, file)


#: an unknown key and its did-you-mean (the answers file's names) -> the did-you-mean shown
Hints = Callable[[str, list[str]], list[str]]


def _mark(grader: Grader, answers: Sequence[Answer], file: str, lines: bool = False,
          hints: Hints | None = None) -> CheckReport:
    trace, names = grader.trace, grader.names
    net = trace.network
    resolved = [(a, names.resolve(a.key)) for a in answers]
    _refuse_second_spellings(resolved, file)
    marker = _Marker(grader, resolved, lines)
    results: list[Result | None] = []
    for i, (a, r) in enumerate(resolved):
        decimals = -a.exponent
        line = a.line if lines else None
        if r.quantity is None:
            near = _suggestions(names, a.key, net.loss.name)
            if hints is not None:
                near = hints(a.key, near)
            hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=None, verdict="unknown",
                                  explanation=f"{r.reason}{hint}", line=line))
            continue
        expected, verdict, place = marker.truth[i], marker.first[i], marker.place[i]
        if verdict == "correct":
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=expected, verdict="correct", line=line))
        elif verdict == "rounding":
            results.append(Result(quantity=a.key, given=a.given, text=a.text, decimals=decimals,
                                  expected=expected, verdict="rounding", line=line,
                                  explanation=f"{fmt(expected, max(4, _places(1 - place)))} rounds to "
                                              f"{_shown(expected, place)}; accepted as a rounding slip"))
        else:
            # None: wrong, its mistake named below
            results.append(marker.carried(i) or marker.imprecise(i))
    for i, result in marker.mistakes([i for i, r in enumerate(results) if r is None]).items():
        results[i] = result
    done = tuple(r for r in results if r is not None)
    counts = {v: sum(1 for r in done if r.verdict == v) for v in VERDICTS}
    return CheckReport(file=file, network=net.source_file or "", results=done, counts=counts,
                       rule=grader.tolerance)


#: words a student may write for a loss whatever the file names it (compared without case):
#: the common names, and the loss kinds themselves
LOSS_WORDS = frozenset({"l", "loss", "e", "error", "e_total", "etotal", "j", "cost", "c", "ssr",
                        "risk", *LOSSES})
_NEW = ("_new", "'", "+")  #: the marks of an updated quantity (FORMAT §2)


def _suggestions(names: Names, key: str, loss: str) -> list[str]:
    """The did-you-mean for an unknown key: the loss by its own name first when the key reads
    as a loss (`E_new` for a loss named E_total gives `E_total_new`, not `w8_new`), then the
    nearest printed names; never the key itself (a sample index out of range, or a number that
    differs between samples, is no misspelling)."""
    near = names.near(key)
    word = unicodedata.normalize("NFC", key.strip()).split("[")[0]
    stem = next((word[: -len(m)] for m in _NEW if word.endswith(m) and len(word) > len(m)), word)
    if reads_as_loss(stem, loss):
        near = [loss if stem == word else f"{loss}_new", *near]
    return list(dict.fromkeys(n for n in near if _plain(n) != _plain(word)))[:3]


def _plain(name: str) -> str:
    return name.replace("∂", "d")


def reads_as_loss(stem: str, loss: str) -> bool:
    """A name that means the loss: a common loss word, or the loss's name with a part added
    or dropped at an underscore (E_total for E, E for E_total)."""
    s, name = stem.casefold(), loss.casefold()
    if s == name or s in LOSS_WORDS:
        return True
    return any(a.startswith(b) and a[len(b)] == "_" for a, b in ((s, name), (name, s))
               if len(a) > len(b) and b)


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
            raise SpecError(f"'{short(a.key)}' names the same quantity as '{short(first.key)}' "
                            f"({at}); one quantity is one answer: keep one of them",
                            file=file, line=a.line, column=a.column)


def _said(a: Answer) -> str:
    """The number as the student wrote it, for an explanation: cut short past 24 characters."""
    return a.text if len(a.text) <= 24 else a.text[:23] + "…"


def _places(decimals: int) -> int:
    """Decimals to print a true value with: as many as the student wrote, within what a float
    holds (a hundred written decimals print fifteen)."""
    return max(0, min(decimals, 15))


def _shown(expected: float, place: int, tolerance: Tolerance | None = None) -> str:
    """The true value to the place compared (in full under a teacher's tolerance)."""
    if not math.isfinite(expected):
        return fmt(expected)
    if tolerance is not None and not tolerance.written:
        if abs(expected) < 1e-4 or abs(expected) >= LARGE:
            return repr(expected) if abs(expected) < 1e-4 else given(expected)
        return fmt(expected, 6).rstrip("0").rstrip(".")
    places = _places(-place)
    if "e" in fmt(expected):  # past 1e15 or below 1e-12: a place is no digit count there
        return fmt(expected)
    return fmt(expected, places) if places else given(round(expected))


def _to_place(expected: float, place: int) -> str:
    """The true value rounded to a place, as an answer would be written: 0.330, 0.0998, 12300."""
    if place >= 0:
        return given(round(expected, -place))
    if -place <= 15:
        return fmt(expected, -place)
    return f"{expected:.{max(0, Decimal(expected).adjusted() - place)}e}"


def _closer(expected: float, place: int) -> str:
    """The true value to two places past `place`, its trailing zeros dropped: 0.33, 0.70106."""
    text = _to_place(expected, place - 2)
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


def _value(q: Quantity, trace: Trace) -> float | None:
    try:
        return q.value(trace)
    except (KeyError, StopIteration):
        return None


def _differs(value: float, expected: float) -> bool:
    """A mistake's number worth comparing: finite, and not the true value itself."""
    return math.isfinite(value) and value != expected


#: the engine runs a Grader keeps: at most RUN_CACHE of them, and fewer for a large network, so
#: that the kept traces hold at most about RUN_NUMBERS numbers
RUN_CACHE, RUN_NUMBERS = 4096, 200_000
#: the values a Grader remembers, each under the student numbers that can reach it
VALUE_CACHE = 65_536


class _Bounded(dict[tuple[int, ...], tuple[int, ...]]):
    """A dict that forgets its oldest entry past `size`."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def __setitem__(self, key: tuple[int, ...], value: tuple[int, ...]) -> None:
        if len(self) >= self.size:
            del self[next(iter(self))]
        super().__setitem__(key, value)


class _Shape:
    """Facts of a network's structure that marking reads again and again, found once for every
    sheet (each filled when first asked, by _Marker)."""

    def __init__(self) -> None:
        self.consumed: dict[str, list[str]] | None = None  #: source -> the nodes it feeds
        self.down: dict[str, set[str]] = {}  #: name -> itself and every node its value reaches
        #: (kind, name) -> the nodes its chain passes through (None: not followed)
        self.reached: dict[tuple[Kind, str], set[str] | None] = {}
        self.param_nodes: dict[str, list[str]] | None = None  #: param -> the nodes using it
        self.groups: dict[str, list[str]] | None = None  #: coupled node -> its group's members
        #: (kind, a, b, cut) -> every name a forward number reads (_Marker._upstream)
        self.up: dict[tuple[Kind, str, str, frozenset[str]], frozenset[str]] = {}
        #: (name, cut) -> ("value", n, "") for each name n upstream of it: what _Marker._needs
        #: counts for a forward number
        self.value_needs: dict[tuple[str, frozenset[str]], frozenset[tuple[Kind, str, str]]] = {}


class _Runs:
    """The engine runs check makes, each on the whole step or, for one sample's number in a
    multi-sample network, on that sample alone: the same arithmetic, the loss's 1/D kept by
    scaling ∂L/∂o (L = (1/D)·Σe, and every backward number is linear in ∂L/∂o).

    A run asked for under a key (what fixes its rule: the model and the student numbers put in)
    is kept for the next sheet that asks for it, the latest RUN_CACHE (fewer for a large net)."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.net = trace.network
        self.plans = Plans()  #: one structure: the network and its one-sample slices
        self._slices: dict[int, Network] = {}
        #: (key, scope) -> the run kept (None: it failed), and whether it was made with L_new
        self._kept: OrderedDict[tuple[object, ...], tuple[Trace | None, bool]] = OrderedDict()
        self._values: dict[tuple[object, ...], float] = {}
        self._ids: dict[Quantity, int] = {}
        #: (quantity's id, scope) -> where its number is put in (Quantity.point)
        self._points: dict[tuple[int, int | None], tuple[str, object, int] | None] = {}
        self._interned: dict[tuple[object, ...], int] = {}  #: see intern
        self._next_intern = 0
        self.linear: dict[int, bool] = {}  #: model m -> whether it only scales (_linear)
        self.changes: dict[int, dict[int, bool]] = {}  #: model -> quantity -> _changes
        #: (a quantity's number, those of the student numbers put in) -> the positions of the
        #: ones that can reach it (_Marker._bearing)
        self.bearing = _Bounded(VALUE_CACHE)
        self.shape = _Shape()
        #: whether an answer's reach is followed through the backward pass (not for coupled
        #: groups, a worked optimizer or a large network: there every number counts)
        self.followed = not (self.net.groups or self.net.optimizer.optimizer.worked or
                             len(self.net.nodes) > _NEEDS_LIMIT)
        size = len(self.net.params) + len(self.net.nodes) * len(self.net.samples)
        self.capacity = max(4, min(RUN_CACHE, RUN_NUMBERS // max(1, size)))
        #: the forward passes the runs share (engine.Forwards), as many numbers as the runs kept
        self.forwards = Forwards(self.net, RUN_NUMBERS)
        spec = self.net.loss
        _, one = spec.loss.divisor(spec.reduction, 1, len(self.net.outputs))  # D of one sample's step
        self.ratio = one / trace.divisor

    def scope(self, q: Quantity) -> int | None:
        """The sample a run for q may be cut to, or None for the whole step."""
        if q.sample is not None and self.net.multi_sample:  # one sample's number, or share
            return q.sample
        return None

    def local(self, q: Quantity, scope: int | None) -> Quantity:
        return q if scope is None else replace(q, sample=0)

    def overrides(self, items: Sequence[tuple[int, Quantity, float]], scope: int | None
                  ) -> Overrides:
        """The student's numbers put in: each item a quantity's number (id), the quantity and
        the number given."""
        into: dict[str, dict[object, float]] = {}
        for qid, q, number in items:
            if scope is not None and q.sample not in (None, scope):
                continue  # another sample's number: it cannot change this one's
            at = (qid, scope)
            if at not in self._points:
                self._points[at] = \
                    self.local(q, scope if q.sample is not None else None).point(self.net)
            point = self._points[at]
            if point is not None:
                table, key, uses = point
                into.setdefault(table, {})[key] = number if uses == 1 else number / uses
        return Overrides(**into)  # type: ignore[arg-type]  # keys match each table's own

    def id(self, q: Quantity) -> int:
        """A number for each quantity marked (the same for every sheet)."""
        found = self._ids.get(q)
        if found is None:
            found = self._ids[q] = len(self._ids)
        return found

    def intern(self, numbers: tuple[object, ...]) -> int:
        """A number naming these numbers, the same for every sheet while it is kept (a number
        is never given twice: once forgotten, the same numbers get a new one)."""
        found = self._interned.get(numbers)
        if found is None:
            if len(self._interned) >= VALUE_CACHE:
                self._interned.clear()
            found = self._interned[numbers] = self._next_intern
            self._next_intern += 1
        return found

    def value(self, key: tuple[object, ...], scope: int | None) -> float | None:
        """A quantity's value remembered under the numbers that can reach it (None if none)."""
        return self._values.get((key, scope))

    def remember(self, key: tuple[object, ...], scope: int | None, value: float) -> None:
        """A quantity's value in a run that succeeded, under the numbers that can reach it:
        every run that holds those numbers and succeeds gives it that value."""
        if len(self._values) >= VALUE_CACHE:
            del self._values[next(iter(self._values))]
        self._values[(key, scope)] = value

    def kept(self, key: tuple[object, ...], scope: int | None, after: bool = False
             ) -> Trace | Literal[False] | None:
        """The run kept under key, or False when there is none (its rule is not even built) or,
        `after`, when the one kept has no L_new."""
        at = (key, scope)
        try:
            found, made_after = self._kept[at]
        except KeyError:
            return False
        # a run made without L_new serves no L_new answer (a failure before it fails with it
        # too); a run with L_new that failed may have failed only there (the loss after the
        # update overflowed), so it says nothing of a run without it
        if (after and not made_after and found is not None) or \
                (made_after and not after and found is None):
            return False
        self._kept.move_to_end(at)
        return found

    def run(self, rules: Rules, scope: int | None, key: tuple[object, ...] | None = None,
            after: bool = False, looked: bool = False) -> Trace | None:
        """The step under `rules`; None when the changed numbers make it undefined (log 0,
        overflow). `key` names the rule (the same key, the same rule): such a run is kept.
        `after`: with L_new, the forward pass on the updated params (only an L_new answer
        reads it; without it, a run whose update alone overflows still gives its other numbers).
        `looked`: the caller found none kept under key (kept)."""
        if key is not None and not looked:
            found = self.kept(key, scope, after)
            if found is not False:
                return found
        net = self.net
        if scope is not None:
            net = self._slice(scope)
            rules = replace(rules, loss_factor=rules.loss_factor * self.ratio)
        try:
            done: Trace | None = run(net, rules, self.plans, after=after,
                                     forwards=self.forwards)
        except BackpropError:
            done = None
        if key is not None:
            at = (key, scope)
            if at in self._kept:  # made again, with or without L_new: the newer one is kept
                del self._kept[at]
            elif len(self._kept) >= self.capacity:
                self._kept.popitem(last=False)
            self._kept[at] = (done, after)
        return done

    def _slice(self, s: int) -> Network:
        if s not in self._slices:
            self._slices[s] = replace(self.net, samples=(self.net.samples[s],))
        return self._slices[s]


class _Marker:
    """Error carried forward and the catalogue of mistakes, for one sheet against one trace."""

    def __init__(self, grader: Grader, resolved: Sequence[tuple[Answer, Resolution]],
                 lines: bool = False) -> None:
        trace = self.trace = grader.trace
        self.lines = lines  #: each result carries its answer's line
        self.net = trace.network
        self.resolved = resolved
        tolerance = self.tolerance = grader.tolerance
        self.runs = grader.runs
        self.catalogue = grader.catalogue
        self.truth: dict[int, float] = {}
        self.first: dict[int, Verdict] = {}  #: index -> correct / rounding / wrong, on the true values
        #: index -> the place of the last digit compared (Tolerance.place)
        self.place: dict[int, int] = {}
        self.coarse: set[int] = set()  #: the wrong ones right at their own, coarser, precision
        self.by_kind: dict[Kind, list[int]] = {}  #: quantity kind -> indices of answers, in order
        self.singles = SINGLES_PER_SHEET
        self.reruns = ECF_RUNS
        self._own: dict[tuple[Kind, int | None], tuple[int, ...]] = {}
        self.shape = grader.runs.shape  #: the network's structure as the sheets read it
        self.qid: dict[int, int] = {}  #: index -> its quantity's number (_Runs.id)
        self.qs: dict[int, Quantity] = {}  #: index -> its quantity
        #: index -> its quantity's number and the number given, as one number (_Runs.intern)
        self.token: dict[int, int] = {}
        self.bearing = grader.runs.bearing
        for i, (a, r) in enumerate(resolved):
            if r.quantity is None:
                continue
            self.qs[i] = r.quantity
            self.by_kind.setdefault(r.quantity.kind, []).append(i)
            self.qid[i] = grader.runs.id(r.quantity)
            self.token[i] = grader.runs.intern((self.qid[i], a.given))
            expected = r.quantity.value(trace)
            self.truth[i] = expected
            place = self.place[i] = tolerance.place(a, expected)
            if tolerance.within(a, expected, HALF if tolerance.written else ONE, place):
                self.first[i] = "correct"
            elif tolerance.written and tolerance.within(a, expected, ONE, place):
                self.first[i] = "rounding"
            else:
                self.first[i] = "wrong"
                # right at its own, coarser, precision: what `--precision written` accepts as
                # correct, the required precision does not
                if tolerance.written and place < a.exponent and \
                        tolerance.within(a, expected, HALF, a.exponent):
                    self.coarse.add(i)

    def match(self, i: int, value: float) -> bool:
        """Whether answer i is `value`, to one unit of its last digit compared."""
        if self._far(i, value):
            return False
        return self.tolerance.match(self.resolved[i][0], value, self.place[i])

    def fits(self, i: int, value: float) -> bool:
        """Whether a mistake's number is answer i: to one unit of its last digit compared, or,
        for an answer written coarser than that, rounded right to the digits written (a slip
        made, then rounded as the student writes: 25.76 for 25.7614)."""
        return not self._far(i, value) and self._fits_near(i, value)

    def _fits_near(self, i: int, value: float) -> bool:
        """fits, for a number _far has let through."""
        a = self.resolved[i][0]
        return self.tolerance.match(a, value, self.place[i]) or (
            self.place[i] < a.exponent and self.tolerance.within(a, value, HALF, a.exponent))

    def _far(self, i: int, value: float) -> bool:
        """A quick test in floats, before the exact one: a number more than 1.01 units of the
        answer's last written digit away, plus four ulps for the written number as a float and
        the subtraction, is neither the answer nor fits it (both allow at most one unit of that
        digit: the digit compared is it or a finer one), so most of the catalogue's numbers
        for an answer are ruled out without the exact test."""
        a = self.resolved[i][0]
        if not self.tolerance.written or not -300 <= a.exponent <= 300:
            return False
        gap = abs(a.given - value)
        return gap > 1.01 * 10.0 ** a.exponent + 4 * math.ulp(max(abs(a.given), abs(value)))

    def _q(self, i: int) -> Quantity:
        return self.qs[i]

    def _feeding(self, i: int) -> list[int]:
        """The answers above answer i in the sheet whose numbers, put in, can change its
        quantity: in the sheet's order."""
        q = self._q(i)
        out = []
        for kind in FEEDS[q.kind]:
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
                j for kind in FEEDS[q.kind] for j in self.by_kind.get(kind, ())
                if self.first[j] in ACCEPTED and (key[1] is None or self._q(j).sample in (None, key[1]))))
        return self._own[key]

    def _rerun(self, i: int, used: Sequence[int]) -> tuple[Trace, float] | None:
        """Answer i's quantity in the step with the student's numbers `used` put in, when it
        fits the answer (None when not, or once the sheet has used its ECF_RUNS)."""
        if self.reruns <= 0:
            return None
        self.reruns -= 1
        q = self._q(i)
        # q's value depends only on the numbers that can reach it: kept under those, it is
        # known for every sheet whose run with all of its numbers succeeds; one that fits is
        # confirmed by that run (which may fail where another does not)
        scope = self.runs.scope(q)
        known = ("own", self._id(i), *self._items(self._bearing(i, used)))
        value = self.runs.value(known, scope)
        if value is not None and not self.match(i, value):
            return None
        got = self._own_run(q, used)
        if got is None:
            return None
        self.runs.remember(known, scope, got[1])
        return got if self.match(i, got[1]) else None

    def _id(self, i: int) -> int:
        """Answer i's quantity as a number, for the keys of runs and values (cheap to hash)."""
        return self.qid[i]

    def _items(self, used: Sequence[int]) -> list[int]:
        """The student numbers `used` as a key: each one's quantity and value given, as one
        number (cheap to hash; the same for every sheet while the Grader keeps it)."""
        return list(map(self.token.__getitem__, used))

    def _own_run(self, q: Quantity, used: Sequence[int]) -> tuple[Trace, float] | None:
        """q in the true step with the student's numbers `used` put in."""
        scope = self.runs.scope(q)
        key = ("own", *self._items(used))
        after = q.kind == "loss_new"
        done = self.runs.kept(key, scope, after)
        if done is False:
            items = [(self.qid[j], self._q(j), self.resolved[j][0].given) for j in used]
            rules = Rules(overrides=self.runs.overrides(items, scope))
            done = self.runs.run(rules, scope, key, after, looked=True)
        if done is None:
            return None
        value = _value(self.runs.local(q, scope), done)
        return None if value is None else (done, value)

    def _bearing(self, i: int, used: Sequence[int]) -> list[int]:
        """The answers among `used` whose numbers, put in with the others, can change answer
        i's quantity (an over-estimate): a forward number reads only the values upstream of
        it, a backward one what _needs finds. The same for every sheet whose quantities are
        the same (whatever their numbers), so kept by the Grader."""
        at = (self.qid[i], *map(self.qid.__getitem__, used))
        positions = self.bearing.get(at)
        if positions is None:
            q = self._q(i)
            quantities = [self._q(j) for j in used]
            present = frozenset((r.kind, r.a, r.b, r.sample) for r in quantities)
            upstream = self._upstream(q, self._cut(present)) if q.kind in _FORWARD_KINDS else None
            if upstream is not None:
                # a forward number reads the values upstream of it and, for ∂h/∂z, the
                # student's number there; what the backward pass reads alone cannot change it
                positions = tuple(k for k, r in enumerate(quantities)
                                  if r.kind not in _BACKWARD_ONLY and r.a in upstream)
            else:
                needs = self._needs(q, present)
                positions = tuple(range(len(used))) if needs is None else \
                    tuple(k for k, r in enumerate(quantities) if (r.kind, r.a, r.b) in needs)
            self.bearing[at] = positions
        return [used[k] for k in positions]

    def _needs(self, q: Quantity, present: frozenset[tuple[Kind, str, str, int | None]]
               ) -> set[tuple[Kind, str, str]] | None:
        """The student numbers (kind, name, denominator) that, put in with the `present` ones,
        can change a backward quantity q, read from the engine's backward pass: δ at a node
        from its f′ and the δ of the nodes it feeds (or from the student's δ, ∂h/∂z or ∂L/∂h
        there, which stand in for what they replace); ∂L/∂p from the δ of the nodes using p
        and their sources; p_new from ∂L/∂p (the student's, when given); L_new from every
        update. A number of one sample stands in for nothing when there are several (the
        others' are still computed). None where this is not followed (coupled groups, a worked
        optimizer, a large network): every number counts. What is needed is named without its
        sample: every sample's number of that name counts."""
        net = self.net
        if q.kind not in BACKWARD or self.runs.followed is False:
            return None
        consumers, outputs = self._consumers(), set(net.outputs)
        need: set[tuple[Kind, str, str]] = set()
        done: set[str] = set()

        one = not net.multi_sample

        def given(kind: Kind, a: str, b: str = "") -> bool:
            """Counts the student's number here; True when one stands in for the chain's."""
            need.add((kind, a, b))
            if kind in ("gradient", "updated"):  # totals (a share stands in for nothing)
                return (kind, a, b, None) in present
            return one and (kind, a, b, 0) in present

        cut = self._cut(present)
        shape = self.shape

        def values(name: str) -> None:  # a forward number: the values upstream of it
            found = shape.value_needs.get((name, cut))
            if found is None:
                up = self._upstream(Quantity("value", name), cut)
                assert up is not None
                if len(shape.value_needs) >= _UPSTREAM_KEPT:
                    shape.value_needs.clear()
                found = shape.value_needs[(name, cut)] = frozenset(("value", n, "") for n in up)
            need.update(found)

        def value(name: str) -> None:
            """A value read alone, not its sum (a source's h as ∂z/∂w, an output's o in
            ∂L/∂o): the student's own, when given, stands in for everything upstream of it."""
            node = net.node_by_name.get(name)
            if (node is None or node.activation.elementwise) and given("value", name):
                return
            values(name)

        todo: list[str] = []  #: the nodes whose δ counts (a worklist: no closure calls itself)

        def gathered(name: str) -> None:  # Σ over the nodes name feeds of w·δ
            for c in consumers.get(name, ()):
                need.add(("edge", c, name))
                todo.append(c)

        def gradient(p: str) -> None:
            for u in net.uses:
                if u.param == p:
                    todo.append(u.node)
                    # the student's ∂z/∂p stands in for the source's value
                    if not given("param_factor", u.node, p) and u.source is not None:
                        value(u.source)

        def updated(p: str) -> None:
            if p not in net.frozen and not given("gradient", p):
                gradient(p)

        if q.kind in ("grad_node", "delta"):
            if q.kind == "delta":
                todo.append(q.a)
            else:
                if q.a in outputs:
                    value(q.a)
                gathered(q.a)
        elif q.kind == "gradient":
            gradient(q.a)
        elif q.kind == "updated":
            updated(q.a)
        else:  # loss_new: the forward pass on the updated params
            for p in net.params:
                if not given("updated", p):
                    updated(p)
        while todo:  # δ at a node: its f′ and the δ of the nodes it feeds, or the student's
            name = todo.pop()
            if name in done or given("delta", name):
                done.add(name)
                continue
            done.add(name)
            # at an output, the student's ∂h/∂z or ∂L/∂h there unfuses δ whatever else is put
            # in; without them, its value (which would too) is among the values counted
            if not given("local", name):
                values(name)
            if not given("grad_node", name):  # the student's ∂L/∂h replaces the chain's
                if name in outputs:
                    value(name)
                gathered(name)
        return need

    def _cut(self, present: Set[tuple[Kind, str, str, int | None]]) -> frozenset[str]:
        """The nodes whose sum and value are both the student's numbers (`present`): nothing
        upstream of them reaches past them (the forward pass puts both in, whatever it
        computed). Only an elementwise node of a one-sample step: a coupled group's rule reads
        every member's sum, and one sample's numbers stand in for nothing when there are
        several."""
        if self.net.multi_sample:
            return frozenset()
        return frozenset(n.name for n in self.net.nodes if n.activation.elementwise and
                         ("value", n.name, "", 0) in present and ("value", n.sum, "", 0) in present)

    def _upstream(self, q: Quantity, cut: frozenset[str] = frozenset()) -> frozenset[str] | None:
        """Every input, sum and node name a forward number of q's reads (a coupled group
        brings its members), not looking past the nodes in `cut` (_cut); None for a backward
        quantity."""
        if q.kind not in _FORWARD_KINDS or len(self.net.nodes) > _REACH_LIMIT:
            return None
        if q.kind == "param_factor":  # it reads its node's sources, not the node's own numbers
            cut = frozenset()
        key = (q.kind, q.a, q.b, cut)
        if key not in self.shape.up:
            net = self.net
            by_sum = {n.sum: n for n in net.nodes}
            names = tuple(net.outputs) if q.kind == "loss" else \
                (q.a, q.b) if q.kind == "jacobian" else (q.a,)
            if self.shape.groups is None:
                self._downstream(q.a)  # fills the coupled groups
            assert self.shape.groups is not None
            seen: set[str] = set(names)  # an input is its own upstream
            todo = [n for n in (net.node_by_name.get(n) or by_sum.get(n) for n in names)
                    if n is not None]
            while todo:
                node = todo.pop()
                if node.name in seen and node.sum in seen:
                    continue
                seen |= {node.name, node.sum}
                if node.name in cut:  # both its numbers are the student's
                    continue
                for source in (*(e.source for e in node.edges), *self.shape.groups.get(node.name, ())):
                    if source in net.node_by_name:
                        todo.append(net.node_by_name[source])
                    else:
                        seen.add(source)
            if len(self.shape.up) >= _UPSTREAM_KEPT:  # the cuts differ from sheet to sheet
                self.shape.up.clear()
            found = self.shape.up[key] = frozenset(seen)
            return found
        return self.shape.up[key]

    def carried(self, i: int) -> Result | None:
        """Answer i (wrong on the true values) against what the student's own earlier answers
        give: rounding when it follows from accepted ones alone, carried_forward when from wrong
        ones, None when from none. Tried: every earlier accepted answer; the accepted ones with
        each earlier wrong one alone (the latest SINGLES), then with every earlier wrong one."""
        a = self.resolved[i][0]
        q = self._q(i)
        expected = self.truth[i]
        base = partial(Result, quantity=a.key, given=a.given, text=a.text, decimals=-a.exponent,
                       expected=expected, line=a.line if self.lines else None)
        feeding = self._feeding(i)
        accepted = [j for j in feeding if self.first[j] in ACCEPTED]
        wrong = [j for j in feeding if self.first[j] == "wrong"]
        if accepted:
            got = self._rerun(i, accepted)
            if got is not None:
                true = fmt(expected, max(4, _places(1 - self.place[i])))
                self.first[i] = "rounding"  # accepted: the lines below may use it as such
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
            if got is not None:
                sources = ", ".join(f"{self.resolved[j][0].key} = {_said(self.resolved[j][0])}"
                                    for j in self._cited(i, accepted, used))
                return base(verdict="carried_forward",
                            explanation=f"{_said(a)} follows from your {sources}"
                                        f"{_formula(self.trace, q, got[0], got[1])}; the true "
                                        f"value is {_shown(expected, self.place[i], self.tolerance)}")
        return None

    def _cited(self, i: int, accepted: Sequence[int], used: Sequence[int]) -> list[int]:
        """The wrong answers among `used` that the run which fits answer i depends on: of
        several, each one without which a run no longer fits (the first that can go, goes;
        within the sheet's ECF_RUNS). One whose number cannot reach answer i's quantity with
        the others still put in (_bearing) goes without a run. Which can reach it is asked of
        the numbers still in at each step, not of all of `used`: a number that another stands
        in for (∂h/∂z beside δ) counts again once that other has gone."""
        cited = list(used)
        for j in list(cited):
            if len(cited) == 1:
                break
            rest = [k for k in cited if k != j]
            if j not in self._bearing(i, sorted([*accepted, *cited])) or \
                    self._rerun(i, sorted([*accepted, *rest])) is not None:
                cited = rest
        return cited

    def imprecise(self, i: int) -> Result | None:
        """Answer i when it is right only at its own, coarser, precision: what it rounds, and
        the precision asked for ("0.3 is 0.33 to 1 decimal; give 3 decimals (0.330)")."""
        if i not in self.coarse:
            return None
        a, expected = self.resolved[i][0], self.truth[i]
        precision = self.tolerance.precision
        required = precision.required(expected)
        assert required is not None  # coarse: the required place is finer than the written one
        return Result(quantity=a.key, given=a.given, text=a.text, decimals=-a.exponent,
                      expected=expected, verdict="imprecise", line=a.line if self.lines else None,
                      explanation=f"{_said(a)} is {_closer(expected, required)} to "
                                  f"{_decimals_words(a.exponent)}; give {precision.words} "
                                  f"({_to_place(expected, required)})")

    def mistakes(self, pending: Sequence[int]) -> dict[int, Result]:
        """The wrong answers' results, each naming the first catalogued mistake whose number fits.

        Each engine model runs once for all the answers it can change (per sample for one
        sample's numbers), first on the true numbers, then on the student's accepted ones (a
        slip made on their own rounded values); no model runs for an answer it cannot change."""
        if not pending:  # every answer accepted, or carried forward: no mistake to name
            return {}
        fits: dict[int, list[tuple[int, Model, float]]] = {i: [] for i in pending}
        catalogue = self._models()
        late = len(catalogue)
        # the models that run nothing: the true value scaled, or a number read from the true step
        # each answer with the gap past which a number is far from it (_far), or None
        written = self.tolerance.written
        answers = [(i, self._q(i), self.resolved[i][0], self.truth[i],
                    1.01 * 10.0 ** a.exponent if written and -300 <= a.exponent <= 300 else None)
                   for i in pending for a in (self.resolved[i][0],)]
        fits_, ulp = self._fits_near, math.ulp
        gaps = {i: (a.given, far) for i, _, a, _, far in answers}

        def fit(i: int, value: float) -> bool:
            """self.fits, with _far inline (the same test on the same numbers)."""
            given, far = gaps[i]
            if far is not None and \
                    abs(given - value) > far + 4 * ulp(max(abs(given), abs(value))):
                return False
            return fits_(i, value)
        for m, model in enumerate(catalogue):
            if model.rules is not None:
                continue
            changed, kinds, factor = model.changed, model.kinds, model.factor
            for i, q, a, expected, far in answers:
                if changed is not None:
                    value = changed(q, self.trace)
                elif q.kind not in kinds:
                    continue
                elif a.given == 0.0 and not model.fits_zero:
                    continue
                else:
                    value = factor * expected
                if value is None or not math.isfinite(value) or value == expected:
                    continue
                if far is not None and \
                        abs(a.given - value) > far + 4 * ulp(max(abs(a.given), abs(value))):
                    continue  # _far, inline: the number is far from the answer
                if fits_(i, value):
                    fits[i].append((m, model, value))
        # the engine models: once per scope on the true numbers, once per (scope, own numbers)
        groups: dict[tuple[int | None, tuple[int, ...]], list[int]] = {}
        plain: dict[int | None, list[int]] = {}
        joined: dict[int | None, list[int]] = {}
        for i in pending:
            q = self._q(i)
            if q.kind not in BACKWARD and q.kind != "local":
                continue
            scope = self.runs.scope(q)
            plain.setdefault(scope, []).append(i)
            if self.own(q):
                joined.setdefault(scope, []).append(i)
        # one run per (model, scope) with every accepted number any of its answers may use put
        # in: a number of a kind that cannot change an answer (an update, for a δ; another
        # param's gradient or update, for ∂L/∂p) is read after that answer is made, so each
        # answer is what the run with its own numbers alone gives
        for scope, members in joined.items():
            own = tuple(sorted(set().union(*(self.own(self._q(i)) for i in members))))
            groups[(scope, own)] = members
        batches = [(m, scope, (), members) for scope, members in plain.items()
                   for m in range(late)] + \
                  [(late + m, scope, own, members) for (scope, own), members in groups.items()
                   for m in range(late)]
        truths: dict[int | None, Trace | None] = {}
        ready: dict[tuple[int, tuple[int, ...]], tuple[Quantity, float | None, int | None]] = {}
        for order, scope, own, members in batches:
            model = catalogue[order % late]
            if model.rules is None:
                continue
            members = self._changed_by(order % late, model, members)
            if not own and self._linear(order % late, model.rules):
                # ∂L/∂o or ∂L/∂p scaled: every backward number scales with it, so the run's
                # number is the true one scaled (exactly so for −1, 2 and ½)
                for i in members:
                    q, a = self._q(i), self.resolved[i][0]
                    if q.kind != "loss_new":
                        value = self._scaled(model.rules, q, self.truth[i])
                        if value is not None and _differs(value, self.truth[i]) and \
                                fit(i, value):
                            fits[i].append((order, model, value))
                members = [i for i in members if self._q(i).kind == "loss_new"]
            if not members:
                continue
            if scope is not None and scope not in truths:
                truths[scope] = self.runs.run(TRUE_RULES, scope, key=("true",))
            # an answer's value kept under the numbers that can reach it (so that other sheets
            # share it); a number that fits is confirmed by the run with them all
            full: list[Trace | None] = []
            after = any(self._q(i).kind == "loss_new" for i in members)  # L_new is read
            kinds, m = model.kinds, order % late
            for i in members:
                if self.qs[i].kind not in kinds:
                    continue
                # the same for every model: the quantity as this scope's run holds it, its true
                # value as that run's arithmetic gives it (a model that changes nothing here
                # gives exactly that), and the numbers that can reach it as one number (hashed
                # once per answer, not once per model)
                at = (i, own)
                prepared = ready.get(at)
                if prepared is None:
                    local = self.runs.local(self.qs[i], scope)
                    truth = truths.get(scope)
                    base = self.truth[i] if scope is None else \
                        _value(local, truth) if truth is not None else None
                    prepared = ready[at] = (local, base, None if base is None else self.runs.intern(
                        (self._id(i), *self._items(self._bearing(i, own)))))
                local, base, reached = prepared
                if base is None:
                    continue
                known = ("model", m, reached)
                value = self.runs.value(known, scope)
                if value is not None and not (_differs(value, base) and fit(i, value)):
                    continue
                if not full:
                    full.append(self._model_run(model, m, own, scope, after))
                done = full[0]
                value = None if done is None else _value(local, done)
                if value is None:
                    continue
                self.runs.remember(known, scope, value)
                if _differs(value, base) and fit(i, value):
                    fits[i].append((order, model, value))
        out = {}
        for i in pending:
            a, q, expected = self.resolved[i][0], self._q(i), self.truth[i]
            result = partial(Result, quantity=a.key, given=a.given, text=a.text,
                             decimals=-a.exponent, expected=expected,
                             line=a.line if self.lines else None)
            found = sorted(fits[i], key=lambda f: f[0])
            if not found:
                true = _shown(expected, self.place[i], self.tolerance)
                out[i] = result(verdict="wrong", explanation=self._frozen(i) or
                                f"the true value is {true}; no catalogued mistake gives {_said(a)}")
                continue
            _, model, value = found[0]
            others = tuple(dict.fromkeys(m.code for _, m, _ in found[1:] if m.code != model.code))
            text = explain(model, q.kind, q.a, value, expected, _said(a), self.net)
            if others:
                text += " (the same number also fits: " + ", ".join(others) + ")"
            out[i] = result(verdict="wrong", mistake=model.code, explanation=text, also=others)
        return out

    def _frozen(self, i: int) -> str | None:
        """For an update of a frozen param: that it is frozen and keeps its value, and, when
        the answer is the update it would have had (p − η·∂L/∂p, with the true gradient or the
        student's own above it), that it is that."""
        q, a, net = self._q(i), self.resolved[i][0], self.net
        if q.kind != "updated" or q.a not in net.frozen:
            return None
        p, L, eta = q.a, net.loss.name, net.learning_rate
        text = f"{p} is frozen: it is not updated and keeps its value {given(net.params[p])}"
        if net.optimizer.optimizer.worked:  # its step is not p − η·g
            return f"{text}; no catalogued mistake gives {_said(a)}"
        gradients = [(self.trace.gradients[p], "")]
        gradients += [(self.resolved[j][0].given, f" (your ∂{L}/∂{p})")
                      for j in reversed(self.by_kind.get("gradient", [])) if j < i
                      and self._q(j).a == p and self._q(j).sample is None][:1]
        for g, whose in gradients:
            step = net.params[p] - eta * g
            if math.isfinite(step) and self.fits(i, step):
                return (f"{text}; {_said(a)} is the update it would have had if it were not: "
                        f"{p} − η·∂{L}/∂{p} = {given(net.params[p])} − {given(eta)}·"
                        f"{paren(fmt(g, 4))}{whose} = {fmt(step, 4)}")
        return f"{text}; no catalogued mistake gives {_said(a)}"

    def _linear(self, m: int, rules: Rules) -> bool:
        if m not in self.runs.linear:
            self.runs.linear[m] = _linear(rules)
        return self.runs.linear[m]

    def _model_run(self, model: Model, m: int, own: Sequence[int], scope: int | None,
                   after: bool) -> Trace | None:
        """The catalogue's model m run with the student's numbers `own` put in (`after`: with
        L_new)."""
        key = ("model", m, *self._items(own))
        done = self.runs.kept(key, scope, after)
        if done is False:
            assert model.rules is not None
            rules = model.rules
            if own:
                items = [(self.qid[j], self._q(j), self.resolved[j][0].given) for j in own]
                rules = replace(rules, overrides=self.runs.overrides(items, scope))
            done = self.runs.run(rules, scope, key, after, looked=True)
        return done

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
            if q.a in net.frozen or net.optimizer.optimizer.worked:  # not p − η·g
                return None
            return net.params[q.a] - net.learning_rate * (c_grad * (c_loss * self.trace.gradients[q.a]))
        return None

    def _changed_by(self, m: int, model: Model, members: Sequence[int]) -> list[int]:
        """The answers among `members` that the catalogue's model m may change (_changes), kept
        by the Grader for each quantity."""
        flags = self.runs.changes.get(m)
        if flags is None:
            flags = self.runs.changes[m] = {}
        qid, out = self.qid, []
        for i in members:
            found = flags.get(qid[i])
            if found is None:
                found = flags[qid[i]] = self._changes(model, self.qs[i])
            if found:
                out.append(i)
        return out

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
        if key not in self.shape.reached:
            if q.kind in ("grad_node", "delta"):
                roots = [q.a]
            elif q.kind in ("gradient", "updated"):
                if self.shape.param_nodes is None:
                    self.shape.param_nodes = {}
                    for u in self.net.uses:
                        self.shape.param_nodes.setdefault(u.param, []).append(u.node)
                roots = self.shape.param_nodes.get(q.a, [])
            else:
                self.shape.reached[key] = None
                return None
            reach: set[str] = set()
            for root in dict.fromkeys(roots):
                reach |= self._downstream(root)
            self.shape.reached[key] = reach
        return self.shape.reached[key]

    def _consumers(self) -> Mapping[str, list[str]]:
        if self.shape.consumed is None:
            self.shape.consumed = {}
            for node in self.net.nodes:
                for edge in node.edges:
                    self.shape.consumed.setdefault(edge.source, []).append(node.name)
        return self.shape.consumed

    def _downstream(self, name: str) -> set[str]:
        """The node or input itself and every node its value flows into; a softmax member
        brings its whole group (δ_j = h_j(g_j − Σ_k g_k h_k) reads every member's ∂L/∂h)."""
        if name not in self.shape.down:
            consumers = self._consumers()
            if self.shape.groups is None:
                members: dict[str | None, list[str]] = {}
                for node in self.net.nodes:
                    if not node.activation.elementwise:
                        members.setdefault(node.activation.group, []).append(node.name)
                self.shape.groups = {n: ms for ms in members.values() for n in ms}
            seen, todo = {name}, [name]
            while todo:
                here = todo.pop()
                for c in (*consumers.get(here, ()), *self.shape.groups.get(here, ())):
                    if c not in seen:
                        seen.add(c)
                        todo.append(c)
            self.shape.down[name] = seen
        return self.shape.down[name]

    def _models(self) -> list[Model]:
        """The catalogue as models, in its order of plausibility; nothing runs here."""
        return self.catalogue


def _linear(rules: Rules) -> bool:
    """A rule that only scales ∂L/∂o or the reported ∂L/∂p."""
    return replace(rules, loss_factor=1.0, gradient_factor=1.0) == TRUE_RULES


#: networks with more nodes than this put every number in for a backward answer's runs
_NEEDS_LIMIT = 200
#: the kinds of number put in that only the backward pass and the update read (Overrides:
#: ∂L/∂h, δ, ∂z/∂source, ∂z/∂p, ∂L/∂p, p_new): none can change a forward number
_BACKWARD_ONLY: frozenset[Kind] = frozenset({"grad_node", "delta", "edge", "param_factor",
                                             "gradient", "updated"})
#: the kinds of quantity the forward pass alone computes
_FORWARD_KINDS: frozenset[Kind] = frozenset({"value", "loss", "loss_term", "local", "param_factor",
                                             "jacobian"})

#: the upstream sets a Grader keeps (each at most every name of the network), forgotten all at
#: once past this
_UPSTREAM_KEPT = 4096

#: networks with more nodes than this run every model for every backward answer (finding the
#: nodes an answer's chain passes through would cost more than the runs it saves)
_REACH_LIMIT = 2000


def _formula(trace: Trace, q: Quantity, cf: Trace, value: float) -> str:
    if q.kind == "updated":
        net = trace.network
        return (f": {given(net.params[q.a])} − {given(net.learning_rate)}·"
                f"({given(cf.gradients[q.a])}) = {fmt(cf.updated[q.a], 4)}")
    return f" ({fmt(value, 4)})"


def check_files(net: Network, files: Sequence[tuple[str, list[Answer]]],
                tolerance: Tolerance = Tolerance()) -> list[CheckReport]:
    grader = Grader.of(net, tolerance)
    return [grader.check(answers, name) for name, answers in files]


__all__ = ["HINTS", "MISTAKES", "VERDICTS", "Answer", "CheckReport", "Grader", "Names", "Quantity",
           "Resolution", "Result", "Tolerance", "Verdict", "check", "check_files", "load_answers",
           "parse_answers", "printed_names", "resolve"]
