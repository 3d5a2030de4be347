"""The notation the reports share: how numbers are printed (fixed decimals with trailing zeros,
small values kept significant, a file's numbers as given) and how rule templates are filled."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from backprop import arith
from backprop.arith import MAX_DEPTH, Getter

if TYPE_CHECKING:
    from backprop.network import Spelling


LARGE = 1e15  #: from this magnitude on, a number prints in scientific notation: its fixed form
#: would print digits a double does not hold (and up to 309 of them)
TINY = 1e-12  #: below this magnitude, a nonzero value that needs its own digits prints so too


def fmt(value: float, decimals: int = 3) -> str:
    """``0.470`` for 0.47 at 3 decimals; a nonzero value below 1 whose `decimals`-place form would
    keep fewer than two significant digits prints with three significant figures (0.000665,
    −0.00911 for what would be 0.001 and −0.009; 0.500 for 0.5 at 0 decimals, where 1.2 is 1),
    so small gradients keep their digits; ``-0.0`` prints
    as ``0.000``. A value of magnitude LARGE or more, or such a small one below TINY, prints in
    scientific notation with `decimals` significant figures, at least three (``2.00e+20``,
    ``-1.23e-13``)."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    if abs(value) >= LARGE:
        return scientific(value, decimals)
    text = _half_up(value, decimals)
    if abs(value) >= LARGE / 2 and abs(float(text)) >= LARGE:  # 999999999999999.9 at 0 places
        return scientific(value, decimals)
    # |value| ≥ 10^(1 − decimals) keeps two digits however it rounds: no need to count them;
    # and the rule is for values below 1, which lose digits to leading zeros (at 0 decimals
    # 1.2 is "1", a whole number as asked, not "1.20")
    if value != 0.0 and abs(value) < min(1.0, 10.0 ** (1 - decimals)) and _significant(text) < 2:
        if abs(value) < TINY:
            return scientific(value, decimals)
        return _half_up(value, 2 - math.floor(math.log10(abs(value))))
    if value == 0.0 or float(text) == 0.0:
        return text.lstrip("-")
    return text


def scientific(value: float, decimals: int = 3) -> str:
    """A value as ``m.mme±x`` with `decimals` significant figures, at least three, an exact tie
    rounded up as `_half_up` does: the form `fmt` prints past LARGE and below TINY."""
    from decimal import ROUND_HALF_UP, Context, Decimal  # only for such extreme values

    digits = max(3, decimals)
    exact = Context(prec=digits, rounding=ROUND_HALF_UP).plus(Decimal(value))
    return f"{exact:.{digits - 1}e}"


def _significant(text: str) -> int:
    """The significant digits a fixed-point text keeps: "0.009" 1, "0.050" 2, "12" 2."""
    return len(text.lstrip("-").replace(".", "").lstrip("0"))


def _half_up(value: float, decimals: int) -> str:
    """Round as a textbook does: an exact tie (0.0625 to 3 places) goes up, to 0.063, where
    Python's format would round it to even. The float's exact binary value decides ties, so
    2.675 (stored as 2.67499999…) still gives 2.67."""
    # A float is m/2^k exactly, whose decimal form has k places ending in 5: it is a tie at
    # `decimals` places only when k = decimals + 1. Otherwise format's correctly rounded text is
    # the half-up one, at a tenth of Decimal's cost.
    if value.as_integer_ratio()[1] != 1 << (decimals + 1):
        return f"{value:.{decimals}f}"
    # decimal is imported here, at the first tie: most runs never meet one, and its import
    # is ~1 ms of every start-up. The context holds every digit a float can have (up to ~1e308
    # with 15 decimals).
    from decimal import ROUND_HALF_UP, Context, Decimal

    exact = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP,
                                    context=Context(prec=400))
    return f"{exact:f}"


def given(value: float) -> str:
    """A number as the file gave it: 1, 0.55 (not 1.000): the shortest text that reads back as it,
    in scientific notation from LARGE on as `fmt` prints (1e+20, 1.2345678901234567e+15)."""
    if abs(value) < LARGE:
        return str(int(value)) if value == int(value) else repr(value)
    if not math.isfinite(value):
        return fmt(value)
    text = repr(float(value))
    if "e" in text:
        return text
    from decimal import Decimal  # repr's shortest digits (1e15 to 1e16), moved into the exponent

    return f"{Decimal(text).normalize():e}"


def paren(text: str) -> str:
    """Parenthesise a negative number inside an expression: ``0.1·(-0.100)``."""
    return f"({text})" if text.startswith("-") else text


def fmt_step(new: float, old: float, f: Callable[[float], str] = fmt) -> str:
    """An updated value, with enough decimals that a change too small for `f` still shows:
    0.15 − 0.5·0.000439 prints 0.149781, not 0.150."""
    text = f(new)
    change = abs(new - old)
    if change == 0.0 or not math.isfinite(change) or text != f(old):
        return text
    if "e" in text:  # significant figures: the change's second digit, within a double's 17
        return fmt(new, min(MAX_DECIMALS, 2 + math.floor(math.log10(abs(new)))
                            - math.floor(math.log10(change))))
    return fmt(new, min(15, 2 - math.floor(math.log10(change))))


def fill(template: str, texts: Mapping[str, str]) -> str:
    """Put each slot's text into a rule template. A negative number is parenthesised where an
    operator touches it, and only there: "σ(-0.328)", "max(0, -1.2)", "0.1·(-0.100)",
    "(-0.3)(1 − (-0.3))"."""

    def put(m: re.Match[str]) -> str:
        text = texts[m["slot"]]
        if not text.startswith(("-", "−")):
            return text
        before = template[: m.start()].rstrip()[-1:]
        after = template[m.end():].lstrip()[:1]
        return f"({text})" if before in _BINDS_BEFORE or after in _BINDS_AFTER else text

    return _SLOT.sub(lambda m: put(m) if m["slot"] in texts else m[0], template)


_SLOT = re.compile(r"\{(?P<slot>\w+)\}")
_BINDS_BEFORE = frozenset("·−+-^/*×")  #: a negative number after these needs parentheses
_BINDS_AFTER = frozenset("(·²^")  #: and before these


# ---------------------------------------------------------------- numbers that add up

MAX_DECIMALS = 17  #: the finest a number is printed to make its row add up: a double's digits


class Places:
    """The printer of a report's numbers: `fmt` at `decimals` places. A renderer holds one, and
    asks `finer(d)` for the places a sum's terms or a product's factors need to add up."""

    __slots__ = ("decimals",)

    def __init__(self, decimals: int = 3) -> None:
        self.decimals = decimals

    def __call__(self, value: float) -> str:
        return fmt(value, self.decimals)

    def finer(self, decimals: int) -> Places:
        return self if decimals <= self.decimals else Places(decimals)

    def __repr__(self) -> str:
        return f"Places({self.decimals})"


def unit(text: str) -> float:
    """One unit of a printed number's last place: 0.001 for "0.470", 1e-15 for "1.23e-13"."""
    mantissa, _, exponent = text.partition("e")
    _, _, tail = mantissa.partition(".")
    return 10.0 ** (int(exponent or 0) - len(tail))


def agrees(got: float | None, printed: str) -> bool:
    """Whether a value recomputed from printed numbers lands within one unit of `printed`'s last
    place (what `check` accepts as a rounding slip); True when either cannot be read."""
    want = number(printed)
    if got is None or want is None or not math.isfinite(want):
        return True
    if not math.isfinite(got):  # ln 0 or 1/0 from numbers rounded onto a bound: not redone
        return False
    return abs(got - want) <= unit(printed) * (1 + 1e-9)


def number(text: str) -> float | None:
    """A printed number's value, or None for what is not one ("…", "∞")."""
    try:
        return float(text.replace("−", "-"))
    except ValueError:
        return None


def fitted(printed: str, numbers: Callable[[Places], str], f: Places,
           redo: Callable[[Places], float] | None = None) -> str:
    """A row's "with numbers" text, written by `numbers` at f's places, or at finer ones until
    the text, evaluated (or `redo` from the numbers as printed, where the text leaves out a
    constant such as leaky_relu's slope), lands within one unit of the row's `printed` value:
    so that a reader who redoes the row from its printed numbers gets the printed value."""
    p = f
    while True:
        text = numbers(p)
        if p.decimals >= MAX_DECIMALS or agrees(redo(p) if redo else evaluate(text), printed):
            return text
        p = Places(max(p.decimals, f.decimals) + 1)


def places_for_sum(total: str, terms: Sequence[float], f: Places, divisor: float = 1.0) -> Places:
    """The places at which `terms`, each printed, add (then divide by `divisor`) to the printed
    `total` within one unit of its last place: f's, or finer where f's would not."""
    want = number(total)
    if want is None:
        return f
    for d in range(f.decimals, MAX_DECIMALS + 1):
        p = f.finer(d)
        got = math.fsum(number(p(t)) or 0.0 for t in terms) / divisor
        if agrees(got, total):
            return p
    return Places(MAX_DECIMALS)


# The "with numbers" texts are arithmetic in the reports' notation: · × for products, − for minus,
# ² for a square, juxtaposition "0.751(1 − 0.751)", σ( ), ln, e^, √, Φ, φ, max(0, x), "1 if z > 0
# else s", [ ] as brackets. `evaluate` reads such a text back. Each shape (the text with its
# numbers taken out) is read once, with Python's precedence (a power binds tighter than a sign:
# −0.3² is −0.09), into arith's getters of its numbers; each text is then worked at its own
# numbers. A token outside the notation makes the text unreadable (None), never an error.

_NUMBER = re.compile(r"(?<![0-9A-Za-z_.])(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]+)?"
                     r"(?![0-9A-Za-z_.])")
_TOKEN = re.compile(r"\s*(?:(?P<slot>#)|(?P<op>[-+*/(),<>^²])|(?P<name>e\^|½|√|[^\W\d]\w*)"
                    r"|(?P<bad>\S))")
MAX_SLOTS = 200  #: a text with more numbers (a deep chain written out) is not read back
MAX_SHAPE = 20 * MAX_SLOTS  #: nor a longer shape (a row writes ≤ 10 characters per number)
_SHAPES: dict[str, tuple[Getter, int] | None] = {}  #: shape → its getter and count of numbers


def evaluate(text: str) -> float | None:
    """The value of a "with numbers" text ("0.741 · 0.187 · 0.400", "σ(0.378)", "0.15 −
    0.5·0.000439"); nan where it is undefined at its numbers (ln 0); None when it is not plain
    arithmetic in the notation ("Σ …", a name)."""
    texts: list[str] = []

    def slot(m: re.Match[str]) -> str:  # one pass: the shape and its numbers
        texts.append(m[0])
        return "#"

    shape = _NUMBER.sub(slot, text)
    if len(texts) > MAX_SLOTS or len(shape) > MAX_SHAPE:
        return None
    if shape not in _SHAPES:
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        _SHAPES[shape] = _read(shape)
    read = _SHAPES[shape]
    if read is None or read[1] != len(texts):  # a "#" of the text's own
        return None
    try:
        return read[0](list(map(float, texts)))
    except (ArithmeticError, ValueError):  # readable, but undefined at these numbers: ln 0
        return math.nan


_FUNCTIONS: dict[str, Callable[[float], float]] = {}
_KEYWORDS = frozenset({"if", "else", "ln", "max", "Φ", "φ", "√"})


def _functions() -> dict[str, Callable[[float], float]]:
    """The notation's functions: ln (also "ln x"), √, e^, Φ and φ (the normal CDF and density),
    and each activation whose rule is one function of z alone, "σ({z})", under the name its rule
    prints (not one with a slope the text leaves out). max is arith's "max"."""
    if not _FUNCTIONS:
        from backprop.activations import ACTIVATIONS

        _FUNCTIONS.update({
            "ln": math.log, "√": math.sqrt, "e^": math.exp,
            "Φ": lambda z: 0.5 * math.erfc(-z / math.sqrt(2.0)),
            "φ": lambda z: math.exp(-z * z / 2.0) / math.sqrt(2.0 * math.pi)})
        for act in ACTIVATIONS.values():
            m = re.fullmatch(r"([^\W\d]\w*)\(\{z\}\)", act.rule)
            if m and m[1] not in _KEYWORDS and act.slope is None:
                _FUNCTIONS[m[1]] = act.f
    return _FUNCTIONS


class _Unread(Exception):
    """The shape is no arithmetic in the notation."""


def _read(shape: str) -> tuple[Getter, int] | None:
    """The shape's getter, a function of the text's numbers in the order written, and how many
    it takes; None when the shape is not the notation (or nests deeper than MAX_DEPTH)."""
    try:
        tokens = _tokens(shape)
        reader = _Reader(tokens)
        getter = reader.expression()
        if reader.k != len(tokens):
            raise _Unread
    except _Unread:
        return None
    return getter, reader.slots


def _tokens(shape: str) -> list[str]:
    """The shape as the reader's tokens: "#" a number, "0.5" and "2" the numbers ½ and ²
    stand for, an operator ("^" a power), "(" ")" ",", "if" "else", or a function's name; a
    product written by juxtaposition ("0.751(1 − 0.751)", "2σ(z)") made a "*"."""
    s = shape.translate(_SPELLINGS).rstrip()
    functions = _functions()
    out: list[str] = []
    after_value = False  # the last token ends a value: what makes juxtaposition a product
    pos = 0
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None or m["bad"] is not None:
            raise _Unread
        pos = m.end()
        word = m["name"]
        glue = ["*"] if after_value else []
        if m["slot"]:
            out += [*glue, "#"]
            after_value = True
        elif m["op"]:
            op = m["op"]
            if op == "²":  # x² is x^2; "(x)²(y)" is not the notation
                out += ["^", "2"]
                after_value = False
            else:
                out += [*glue, op] if op == "(" else [op]
                after_value = op == ")"
        elif word == "½":  # ½(t − o)²: a half times what follows
            out += [*glue, "0.5", "*"]
            after_value = False
        elif word in ("e^", "ln", "√"):  # e^x, ln x, √x: the argument is the next number or bracket
            out += [*glue, word]
            after_value = False
            if s[pos:].lstrip().startswith("#"):
                out += ["(", "#", ")"]
                pos = s.index("#", pos) + 1
                after_value = True
        elif word in ("if", "else"):
            out.append(word)
            after_value = False
        elif word in functions or word in _KEYWORDS:
            out += [*glue, word]
            after_value = False
        else:
            raise _Unread
    return out


_SPELLINGS = str.maketrans({"·": "*", "×": "*", "−": "-", "[": "(", "]": ")"})


class _Reader:
    """Tokens → arith's getters, by Python's grammar for the same expression: `a if test else
    b` below a comparison (< >, one), below + −, below · /, below a sign, below ^ (right to
    left; its exponent may carry a sign), below a function applied to its bracket."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.k = 0
        self.depth = 0
        self.slots = 0  #: the numbers read so far

    def peek(self) -> str:
        return self.tokens[self.k] if self.k < len(self.tokens) else ""

    def take(self, token: str) -> bool:
        if self.peek() != token:
            return False
        self.k += 1
        return True

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unread

    def expression(self) -> Getter:
        self.enter()
        value = self.comparison()
        if self.take("if"):
            test = self.comparison()
            if not self.take("else"):
                raise _Unread
            value = arith.choice(test, value, self.expression())
        self.depth -= 1
        return value

    def comparison(self) -> Getter:
        value = self.sum()
        if (op := self.peek()) in ("<", ">"):
            self.k += 1
            value = arith.chain(value, [(arith.OPERATIONS[op], self.sum())])
            if self.peek() in ("<", ">"):  # a chain a < b < c: not the notation
                raise _Unread
        return value

    def sum(self) -> Getter:
        first = self.product()
        rest = []
        while (op := self.peek()) in ("+", "-"):
            self.k += 1
            rest.append((arith.OPERATIONS[op], self.product()))
        return arith.chain(first, rest)

    def product(self) -> Getter:
        first = self.signed()
        rest = []
        while (op := self.peek()) in ("*", "/"):
            self.k += 1
            rest.append((arith.OPERATIONS[op], self.signed()))
        return arith.chain(first, rest)

    def signed(self) -> Getter:
        if (op := self.peek()) in ("+", "-"):
            self.k += 1
            self.enter()
            arg = self.signed()
            self.depth -= 1
            return arith.negative(arg) if op == "-" else arg
        return self.power()

    def power(self) -> Getter:
        base = self.atom()
        if self.take("^"):
            self.enter()
            exponent = self.signed()
            self.depth -= 1
            return arith.power(base, exponent)
        return base

    def atom(self) -> Getter:
        token = self.peek()
        self.k += 1
        if token == "#":
            self.slots += 1
            return arith.slot(self.slots - 1)
        if token in ("0.5", "2"):  # what ½ and ² stand for
            return arith.number(float(token))
        if token == "(":
            inner = self.expression()
            if not self.take(")"):
                raise _Unread
            return inner
        if token in _functions() or token == "max":
            if not self.take("("):
                raise _Unread
            args = [self.expression()]
            while self.take(","):
                args.append(self.expression())
            if not self.take(")"):
                raise _Unread
            if token == "max" and len(args) >= 2:  # max(a, b, c) = max(max(a, b), c)
                return arith.chain(args[0], [(arith.OPERATIONS["max"], a) for a in args[1:]])
            if token != "max" and len(args) == 1:
                return arith.applied(_functions()[token], args[0])
        raise _Unread


# ---------------------------------------------------------------- names in LaTeX

_GREEK = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi "
                   "rho sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
                   "Upsilon Phi Psi Omega".split())
_HEAD = re.compile(r"([^\W\d_]+)([0-9]*)")
_PART = re.compile(r"[^\W_]+")
_ACCENTS = {"CIRCUMFLEX": "hat", "MACRON": "bar", "TILDE": "tilde", "DOT ABOVE": "dot",
            "DIAERESIS": "ddot", "ACUTE": "acute", "GRAVE": "grave", "BREVE": "breve",
            "CARON": "check"}
_SYMBOLS = {"ℓ": r"\ell", "∂": r"\partial", "∇": r"\nabla"}


def latex_name(name: str, spellings: Mapping[str, Spelling] | None = None) -> str:
    """A name typeset as a textbook does, for math mode: the file's own LaTeX spelling when its
    `spellings` key gives one; else z1 → ``z_{1}``, y_hat → ``\\hat{y}``, net_h1 →
    ``\\mathit{net}_{h1}``, E_total → ``E_{total}``, w1_11 → ``w_{1,11}``, eta and η → ``\\eta``,
    ŷ → ``\\hat{y}``, Ω1 → ``\\Omega_{1}``. A name it cannot read that way is set as text,
    escaped, so any name compiles."""
    spelling = spellings.get(name) if spellings else None
    if spelling is not None and spelling.latex is not None:
        return spelling.latex
    if name.endswith("_hat") and len(name) > 4:
        return r"\hat{" + latex_name(name[:-4]) + "}"
    head, *rest = name.split("_")
    match = _HEAD.fullmatch(head)
    letters = [_letter(c) for c in match[1]] if match is not None else []
    subs = [_word(part) for part in rest]
    if match is None or None in letters or None in subs or not all(
            _PART.fullmatch(part) for part in rest):
        return r"\text{" + latex_text(name) + "}"
    word, digits = match.groups()
    base = ("\\" + word if word in _GREEK
            else str(letters[0]) if len(letters) == 1 else r"\mathit{" + "".join(map(str, letters)) + "}")
    sub = ",".join(str(p) for p in (digits, *subs) if p)
    return base if not sub else f"{base}_{{{sub}}}"


def _letter(char: str) -> str | None:
    """One letter of a name in math mode: a-z as itself, a Greek letter or ℓ as its command, a
    Latin letter with an accent as the accent over the letter (ŷ → \\hat{y}); None otherwise."""
    if char.isascii():
        return char if char.isalpha() else None
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    import unicodedata  # only for a name outside ASCII, which few files have

    described = unicodedata.name(char, "")
    greek = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", described)
    if greek is not None:
        word = greek[2].lower() if greek[1] == "SMALL" else greek[2].capitalize()
        word = {"lamda": "lambda", "Lamda": "Lambda"}.get(word, word)
        if word in _GREEK:
            return "\\" + word + " "
        return None
    latin = re.fullmatch(r"LATIN (SMALL|CAPITAL) LETTER ([A-Z]) WITH ([A-Z ]+)", described)
    if latin is not None and latin[3] in _ACCENTS:
        base = latin[2].lower() if latin[1] == "SMALL" else latin[2]
        return "\\" + _ACCENTS[latin[3]] + "{" + base + "}"
    return None


def _word(part: str) -> str | None:
    """A subscript part: its letters as `_letter` sets them, digits as they are."""
    letters = [c if c.isdigit() and c.isascii() else _letter(c) for c in part]
    return None if None in letters else "".join(map(str, letters))


# < > | " are characters of their own in the stock (OT1) font encoding: ¡ ¿ — and ”
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                  "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
                  '"': r"\texttt{\char34}"}


def latex_text(text: str) -> str:
    """Text made safe for LaTeX's text mode: its special characters escaped, a Latin-1 letter as
    the kernel's accent command (é → \\'{e}, ß → \\ss{}, which the stock OT1 font sets without
    a package), and any other character outside printable ASCII written as its code point (a
    stock pdflatex has no glyph for most)."""
    out = []
    for char in text:
        if char in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[char])
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(_latin1_letter(char) or f"[U+{ord(char):04X}]")
    return "".join(out)


#: Latin-1's letters that are no accented ASCII letter, and the OT1 font's commands for them
#: (Ð ð Þ þ have none outside T1: they stay code points)
_LATIN1_LETTERS = {"Æ": r"\AE{}", "æ": r"\ae{}", "Ø": r"\O{}", "ø": r"\o{}", "ß": r"\ss{}"}
#: the accents Latin-1's letters carry, as the kernel's text accent commands
_TEXT_ACCENTS = {"GRAVE": "`", "ACUTE": "'", "CIRCUMFLEX": "^", "TILDE": "~", "DIAERESIS": '"',
                 "RING ABOVE": "r", "CEDILLA": "c"}
_LATIN1_ACCENTED = re.compile(r"LATIN (SMALL|CAPITAL) LETTER ([A-Z]) WITH (" +
                              "|".join(_TEXT_ACCENTS) + ")")


def _latin1_letter(char: str) -> str | None:
    """A letter of Latin-1 (U+00C0 to U+00FF) as LaTeX text: é → \\'{e}, ï → \\"{\\i}; None
    for any other character."""
    if not "\xc0" <= char <= "\xff":
        return None
    if char in _LATIN1_LETTERS:
        return _LATIN1_LETTERS[char]
    import unicodedata  # only for text outside ASCII, which few files have

    m = _LATIN1_ACCENTED.fullmatch(unicodedata.name(char, ""))
    if m is None:
        return None
    base = m[2].lower() if m[1] == "SMALL" else m[2]
    return "\\" + _TEXT_ACCENTS[m[3]] + "{" + ("\\i" if base == "i" else base) + "}"
