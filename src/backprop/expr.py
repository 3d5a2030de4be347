"""A small, safe expression reader for what students type (LaTeX, Unicode or ASCII arithmetic):
numbers, names, derivatives, + − · × / ^ ², unary minus, parentheses, implicit products and
a few functions, parsed into frozen nodes and evaluated against any lookup. Never `eval`; the
text's length and nesting are bounded, and every error names its column."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from backprop import arith
from backprop.activations import ACTIVATIONS, ALIASES, Activation
from backprop.arith import MAX_DEPTH
from backprop.errors import BackpropError

#: the longest expression read, in characters (the deepest nesting of its parentheses,
#: fractions, powers and functions is arith's MAX_DEPTH, shared with the notation's reader)
MAX_LENGTH = 2000


class ExprError(BackpropError):
    """Text that is no expression this reader knows; `column` is 1-based within the text."""

    def __init__(self, message: str, column: int, unknown: bool = False) -> None:
        super().__init__(message)
        self.reason = message
        self.at = column
        self.unknown = unknown  #: a symbol or command the reader has no meaning for (Σ, \sum)


# ---------------------------------------------------------------- nodes

@dataclass(frozen=True, slots=True)
class Num:
    value: float
    text: str  #: as written, normalised (−0.71 → "-0.71" once a sign is folded in)


@dataclass(frozen=True, slots=True)
class Name:
    """A name as written: base letters, subscript, a hat, an update mark, a sample."""

    base: str  #: "z", "ŷ", "net", "E"
    sub: str = ""  #: "1", "h1", "total", "1,11"
    hat: bool = False
    updated: bool = False  #: w5', w_5^{+}, w_5^{new}, new w5
    sample: int | None = None  #: z1[2], z_1^{(2)}: 1-based
    column: int = 0

    @property
    def spelled(self) -> str:
        """The name in the project's plain spelling: z_1, y_hat, net_h1, E_total."""
        base = self.base + ("_hat" if self.hat else "")
        return f"{base}_{self.sub}" if self.sub else base


#: a sample's mark after a derivative's fraction: ^{(2)}, ^(2), ^{ (2) }
_SAMPLE_AFTER = re.compile(r"\s*\^\s*(?:\{\s*\(\s*(?P<k>\d{1,6})\s*\)\s*\}|\((?P<k2>\d{1,6})\))")


@dataclass(frozen=True, slots=True)
class Deriv:
    """∂num/∂den."""

    num: Name
    den: Name
    column: int = 0


@dataclass(frozen=True, slots=True)
class Neg:
    arg: Node


@dataclass(frozen=True, slots=True)
class Bin:
    op: str  #: + - * / ^
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    fn: str  #: a key of FUNCTIONS, or `f'`: a general f′ (f'(z_1)), which a page's network binds
    arg: Node


@dataclass(frozen=True, slots=True)
class Sum:
    """Σ of a term over the network's outputs (and samples): `\\sum \\frac{1}{2}(target −
    output)^2`; a page's reader binds its general words to each output in turn."""

    arg: Node
    column: int = 0


Node = Num | Name | Deriv | Neg | Bin | Call | Sum


@dataclass(frozen=True, slots=True)
class Prime:
    """f′(z) as a left side (`\\sigma'(z_3)`, `tanh'(z1)`, `f'(net_{h1})`): the local
    derivative ∂h/∂z at the node whose sum (or value) the argument names. Read only as a left
    side; inside a formula σ′(z3) is σ′ applied to z3's value."""

    fn: str  #: the function written, a key of FUNCTIONS without its prime; "" for f, g, h, φ
    arg: Name
    column: int = 0


def _derivative(act: Activation) -> Callable[[float], float]:
    """f′(z) from z alone: the registry's derivative at (z, f(z))."""
    return lambda z: act.derivative(z, act.f(z))


def _functions() -> dict[str, Callable[[float], float]]:
    """exp, ln, log, sqrt, and each elementwise activation of the registry by its name, its
    aliases and the symbol of its rule (σ for `σ({z})`), with its derivative under a prime
    (σ'(z) = σ(z)(1 − σ(z)))."""
    out: dict[str, Callable[[float], float]] = {"exp": math.exp, "ln": math.log,
                                                "log": math.log, "sqrt": math.sqrt}
    entries = {**ACTIVATIONS, **{alias: ACTIVATIONS[name] for alias, name in ALIASES.items()}}
    for word, act in entries.items():
        if not act.elementwise or act.identity:
            continue
        m = re.fullmatch(r"(\w+)\(\{z\}\)", act.rule)
        for key in {word, *([m[1]] if m else [])}:
            if key in out:
                continue
            out[key] = act.f
            out[key + "'"] = _derivative(act)
    return out


#: the functions a page may apply, by the word it writes (canonical keys of Call.fn)
FUNCTIONS: dict[str, Callable[[float], float]] = _functions()


def _activation_words() -> dict[str, str]:
    """The registry name of each activation a function word names (σ and logistic → sigmoid)."""
    out: dict[str, str] = {}
    for word, act in ACTIVATIONS.items():
        m = re.fullmatch(r"(\w+)\(\{z\}\)", act.rule)
        for key in (word, *([m[1]] if m else [])):
            out.setdefault(key, act.name)
    for alias, name in ALIASES.items():
        out.setdefault(alias, name)
    return out


#: a function word's activation, by its registry name (the keys of FUNCTIONS without a prime)
ACTIVATION_OF: dict[str, str] = _activation_words()
#: the spellings of a function word: its key, and a Greek symbol's ASCII or LaTeX name
_FUNCTION_WORDS = {**{k: k for k in FUNCTIONS if not k.endswith("'")},
                   **({"sigma": "σ"} if "σ" in FUNCTIONS else {})}


# ---------------------------------------------------------------- walking a tree

def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree (an explicit stack: no recursion on deep input)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, Neg | Call | Sum):
            todo.append(n.arg)
        elif isinstance(n, Bin):
            todo += [n.right, n.left]


def symbols(node: Node) -> list[Name | Deriv]:
    """The names and derivatives the expression reads, in order."""
    return [n for n in walk(node) if isinstance(n, Name | Deriv)]


def numbers(node: Node) -> list[Num]:
    return [n for n in walk(node) if isinstance(n, Num)]


def evaluate(node: Node, lookup: Callable[[Name | Deriv], float],
             nums: dict[int, float] | None = None) -> float:
    """The expression's value; names and derivatives read through `lookup`, a number replaced
    by `nums[id(node)]` where given. Undefined arithmetic (÷0, log of a negative, overflow)
    gives nan."""
    try:
        return _getter(node, lookup, nums or {})(())
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.nan


def undefined(node: Node, lookup: Callable[[Name | Deriv], float],
              nums: dict[int, float] | None = None) -> str | None:
    """Why the expression has no finite value, in words ("a division by zero", "too large to
    compute"); None when it has one."""
    try:
        value = _getter(node, lookup, nums or {})(())
    except ZeroDivisionError:
        return "a division by zero"
    except OverflowError:
        return "too large to compute"
    except ValueError:
        return "undefined (no real value)"
    if math.isinf(value):
        return "too large to compute"
    return "undefined (no real value)" if math.isnan(value) else None


def _getter(node: Node, lookup: Callable[[Name | Deriv], float],
            nums: dict[int, float]) -> arith.Getter:
    """The expression as arith's getters; a name's value looked up when it is worked."""
    if isinstance(node, Bin) and node.op != "^":  # a + b + … + z: one loop, however long
        rest: list[tuple[arith.Operation, arith.Getter]] = []
        while isinstance(node, Bin) and node.op != "^":
            rest.append((arith.OPERATIONS[node.op], _getter(node.right, lookup, nums)))
            node = node.left
        return arith.chain(_getter(node, lookup, nums), rest[::-1])
    if isinstance(node, Bin):
        return arith.power(_getter(node.left, lookup, nums), _getter(node.right, lookup, nums),
                           _power)
    if isinstance(node, Num):
        return arith.number(nums.get(id(node), node.value))
    if isinstance(node, Name | Deriv):
        leaf = node
        return lambda _: lookup(leaf)
    if isinstance(node, Neg):
        return arith.negative(_getter(node.arg, lookup, nums))
    if isinstance(node, Call):
        if node.fn not in FUNCTIONS:
            return _no_function  # a general f′ that no node is bound to
        return arith.applied(FUNCTIONS[node.fn], _getter(node.arg, lookup, nums))
    return _no_value  # Σ with no outputs bound to it


def _no_value(_: arith.Values) -> float:
    raise ValueError("a Σ with no outputs bound to it")


def _no_function(_: arith.Values) -> float:
    raise ValueError("a general f′ with no node bound to it")


def _power(a: float, b: float) -> float:
    if abs(b) > 1e4 and abs(a) not in (0.0, 1.0):  # a power that no page means
        raise OverflowError
    return arith.real_power(a, b)


def show(node: Node) -> str:
    """The expression in the tables' notation: x1·w1 + x2·w3, ∂L/∂w5, σ(z1)."""
    return _show(node, 0)


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}


def _show(node: Node, outer: int) -> str:
    if isinstance(node, Num):
        return node.text
    if isinstance(node, Name):
        return plain(node)
    if isinstance(node, Deriv):
        return f"∂{plain(node.num)}/∂{plain(node.den)}"
    if isinstance(node, Neg):
        text = "−" + _show(node.arg, 3)
        return f"({text})" if outer >= 2 else text
    if isinstance(node, Call):
        return f"{node.fn}({_show(node.arg, 0)})"
    if isinstance(node, Sum):
        text = f"Σ {_show(node.arg, 2)}"
        return f"({text})" if outer >= 2 else text
    spine = [node]  # a + b + … + z is a tree as deep as it is long: its left side in a loop
    while isinstance(inner := spine[-1].left, Bin) and inner.op != "^" and spine[-1].op != "^":
        spine.append(inner)
    text = ""
    for k, n in enumerate(reversed(spine)):
        p = _PREC[n.op]
        if k > 0:  # the left operand is the spine's node below, shown above
            below = _PREC[spine[len(spine) - k].op]
            left = f"({text})" if below < p else text
        elif isinstance(n.left, Neg) and n.op in "*/":  # −0.71·0.229: the sign leads
            left = "−" + _show(n.left.arg, 3)
        else:
            left = _show(n.left, p if n.op != "^" else 5)
        sign = {"*": "·", "-": " − ", "+": " + ", "/": "/", "^": "^"}[n.op]
        text = left + sign + _show(n.right, p + 1 if n.op in "-/^" else p)
    return f"({text})" if _PREC[node.op] < outer else text


def plain(name: Name) -> str:
    text = name.spelled
    if name.updated:
        text += "_new"
    return f"{text}[{name.sample}]" if name.sample is not None else text


# ---------------------------------------------------------------- tokens

@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  #: num name deriv op ( ) fn partial new
    text: str
    column: int  #: 1-based
    node: Name | Deriv | None = None


_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
          "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "rho": "ρ", "tau": "τ", "phi": "φ",
          "omega": "ω", "Delta": "Δ", "xi": "ξ", "zeta": "ζ", "kappa": "κ", "psi": "ψ", "ell": "ℓ",
          "chi": "χ", "pi": "π", "Sigma": "Σ", "varphi": "φ"}
#: a general function's letter, primed (f'(z_1), g'(net_{h1}), φ′(z)): the node's own
#: activation, whichever it is (read as the Call `f'`, which the page's network binds)
GENERAL_FUNCTIONS = frozenset({"f", "g", "h", "φ", "ϕ"})
#: a prime, then the argument's opening bracket: a function's derivative applied (not w5′·z)
_PRIME_APPLIED = re.compile(r"(?:'|′|\\prime\s*\}?)\s*(?:\\left|\\bigl?|\\Bigl?)?\s*\(")


#: Greek letters a function may be named by, as LaTeX and ASCII write them (\sigma, sigma)
_GREEK_WORDS = frozenset({"sigma"})
_PRIMED = re.compile(r"(?P<word>[^\W\d_]+)(?:'|′)(?=\s*\()")
_SPACES = ("\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "~", "\\displaystyle",
           "\\left", "\\right", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr", "\\biggl", "\\biggr",
           "\\big", "\\Big", "\\bigg", "\\Bigg", "&", "\\limits", "\\nonumber", "\\notag")
_OPS = {"+": "+", "-": "-", "−": "-", "–": "-", "*": "*", "·": "*", "⋅": "*", "∙": "*",
        "×": "*", "/": "/", "÷": "/", "^": "^"}
_COMMAND_OPS = {"cdot": "*", "times": "*", "div": "/", "ast": "*"}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_NUMBER = re.compile(r"(?:\d+(?:\{,\}\d+|\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\W\d_](?:[^\W_]|')*|[^\W\d_]")
_LETTERS = re.compile(r"[^\W\d_₀-₉⁰-⁹][^\W\d_₀-₉⁰-⁹]*")  #: not z₁'s subscript, nor a power
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_DNAME = r"[^\W\d_](?:[^\W_]|_(?!\{))*(?:_\{[^{}]*\})?(?:\[\d+\])?"
_ASCII_DERIV = re.compile(rf"d(?P<a>{_DNAME})\s*/\s*d(?P<b>{_DNAME})")


class _Lexer:
    """Text → tokens; a LaTeX group `{…}` is read as parentheses."""

    def __init__(self, text: str, depth: int = 0) -> None:
        if len(text) > MAX_LENGTH:
            raise ExprError(f"an expression of {len(text):,} characters; at most {MAX_LENGTH:,} "
                            f"are read", 1)
        if depth > MAX_DEPTH:  # a group read by a lexer of its own: \frac{…}, \hat{…}
            raise ExprError(f"nested more than {MAX_DEPTH} deep", 1)
        self.depth = depth
        self.text = text
        self.i = 0
        self.out: list[Tok] = []

    def error(self, message: str, at: int | None = None, unknown: bool = False) -> ExprError:
        return ExprError(message, (self.i if at is None else at) + 1, unknown)

    def peek(self, s: str) -> bool:
        return self.text.startswith(s, self.i)

    def skip_space(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def group(self) -> tuple[str, int]:
        """A `{…}` group's text (braces balanced) or the next single character."""
        self.skip_space()
        start = self.i
        if self.peek("{"):
            depth = 0
            for j in range(self.i, len(self.text)):
                c = self.text[j]
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        self.i = j + 1
                        return self.text[start + 1: j], start + 1
            raise self.error("a '{' is never closed", start)
        if self.peek("\\"):
            m = re.compile(r"\\[A-Za-z]+").match(self.text, self.i)
            if m:
                self.i = m.end()
                return m[0], start
        if self.i >= len(self.text):
            raise self.error("the expression ends too early")
        self.i += 1
        return self.text[start], start

    def _subscript_text(self) -> tuple[str, int]:
        """After `_`: a `{…}` group, a run of digits (x_1w_1), or a word with its digits as
        ASCII writes it (y_hat, net_h1, E_total, w5_new)."""
        m = re.compile(r"\d+|[A-Za-z]+\d*").match(self.text, self.i)
        if m is None or self.peek("{"):
            return self.group()
        self.i = m.end()
        return m[0], m.start()

    def tokens(self) -> list[Tok]:
        text = self.text
        while True:
            self.skip_space()
            if self.i >= len(text):
                return self.out
            at = self.i
            c = text[at]
            if c == "\\":
                self.command()
                continue
            m = _ASCII_DERIV.match(text, at)
            if m and (at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")):
                self.i = m.end()
                a, b = _plain_name(m["a"], at + 2), _plain_name(m["b"], m.start("b"))
                self.out.append(Tok("deriv", m[0], at + 1, Deriv(a, b, at + 1)))
                continue
            m = _NUMBER.match(text, at)
            if m:
                self.i = m.end()
                self.out.append(Tok("num", m[0].replace("{,}", "."), at + 1))
                continue
            if c in "∂":
                self.i += 1
                self.out.append(Tok("partial", c, at + 1))
                continue
            if c == "½":  # ½(t − o)²
                self.i += 1
                self.out += [Tok("(", "(", at + 1), Tok("num", "1", at + 1),
                             Tok("op", "/", at + 1), Tok("num", "2", at + 1), Tok(")", ")", at + 1)]
                continue
            if c in "Σ∑" and not text[at + 1: at + 2].isalnum():
                self.i += 1
                self.sum(at)
                continue
            if c in _OPS:
                if text.startswith("**", at):
                    self.i += 2
                    self.out.append(Tok("op", "^", at + 1))
                    continue
                self.i += 1
                self.out.append(Tok("op", _OPS[c], at + 1))
                continue
            if c in "([{":
                self.i += 1
                self.out.append(Tok("(", c, at + 1))
                continue
            if c in ")]}":
                self.i += 1
                self.out.append(Tok(")", c, at + 1))
                continue
            if c in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻":
                j = at
                while j < len(text) and text[j] in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻":
                    j += 1
                digits = text[at:j].translate(_SUPERSCRIPTS)
                self.i = j
                self.out += [Tok("op", "^", at + 1), Tok("(", "(", at + 1),
                             *([Tok("op", "-", at + 1)] if digits.startswith("-") else []),
                             Tok("num", digits.lstrip("-") or "1", at + 1), Tok(")", ")", at + 1)]
                continue
            if c.isalpha():
                self.word()
                continue
            raise self.error(f"'{_shown(c)}' is not read in an expression", unknown=True)

    def command(self) -> None:
        text, at = self.text, self.i
        for space in sorted(_SPACES, key=len, reverse=True):
            if text.startswith(space, at) and (len(space) < 2 or not space[1].isalpha() or
                                               not text[at + len(space): at + len(space) + 1].isalpha()):
                self.i += len(space)
                return
        m = re.compile(r"\\([A-Za-z]+|.)").match(text, at)
        if m is None:
            raise self.error("a '\\' ends the expression")
        word = m[1]
        self.i = m.end()
        if word in ("{", "}"):
            self.out.append(Tok("(" if word == "{" else ")", word, at + 1))
        elif word in _COMMAND_OPS:
            self.out.append(Tok("op", _COMMAND_OPS[word], at + 1))
        elif word in ("frac", "dfrac", "tfrac"):
            self.fraction(at)
        elif word == "partial":
            self.out.append(Tok("partial", "∂", at + 1))
        elif word == "sum":
            self.sum(at)
        elif word in _FUNCTION_WORDS and (word not in _GREEK_WORDS or self._called()):
            fn = _FUNCTION_WORDS[word]  # \exp, \ln, \tanh; \sigma applied to something
            if fn + "'" in FUNCTIONS and self.prime():
                fn += "'"
            self.out.append(Tok("fn", fn, at + 1))
        elif word in ("hat", "widehat", "text", "mathrm", "mathit", "operatorname", "textrm",
                      "mathbf", "boldsymbol", "mathsf", "textit") or word in _GREEK or \
                word in _GREEK_WORDS:
            self.i = at
            self.word()
        else:
            raise self.error(f"'\\{_shown(word, 20)}' is not read in an expression", at,
                             unknown=True)

    def sum(self, at: int) -> None:
        """Σ, its limits (`_{i}`, `_{k=1}^{n}`) passed over: a sum over every output."""
        self.out.append(Tok("sum", "Σ", at + 1))
        for mark in ("_", "^"):
            self.skip_space()
            if self.peek(mark):
                self.i += 1
                self.group()

    def _called(self) -> bool:
        """Whether a function name is applied here: followed by '(' (or a prime then '(')."""
        rest = self.text[self.i:].lstrip()
        for opener in ("\\left", "\\big", "\\Big"):
            if rest.startswith(opener):
                rest = rest[len(opener):].lstrip()
        return rest[:1] in ("(", "'", "′", "[") or rest.startswith(("^{\\prime}", "^\\prime", "^{'}"))

    def prime(self) -> bool:
        """Consume a prime (', ′, ^{\\prime}) if one stands here."""
        for mark in ("'", "′", "^{\\prime}", "^\\prime", "^{'}"):
            if self.peek(mark):
                self.i += len(mark)
                return True
        return False

    def fraction(self, at: int) -> None:
        num, num_at = self.group()
        den, den_at = self.group()
        deriv = _fraction_deriv(num, num_at, den, den_at, self.depth + 1)
        if deriv is not None:
            # sample k's factor written after the fraction, \frac{∂L}{∂h_1}^{(k)}: as ∂L/∂h₁⁽ᵏ⁾
            m = _SAMPLE_AFTER.match(self.text, self.i)
            if m is not None and deriv.num.sample is None and deriv.den.sample is None:
                deriv = replace(deriv, den=replace(deriv.den, sample=int(m["k"] or m["k2"])))
                self.i = m.end()
            self.out.append(Tok("deriv", f"\\frac{{{num}}}{{{den}}}", at + 1, deriv))
            return
        inner_num = _Lexer(num, self.depth + 1).tokens()
        inner_den = _Lexer(den, self.depth + 1).tokens()
        self.out += [Tok("(", "(", at + 1), Tok("(", "(", at + 1),
                     *(_moved(t, num_at) for t in inner_num), Tok(")", ")", at + 1),
                     Tok("op", "/", at + 1), Tok("(", "(", at + 1),
                     *(_moved(t, den_at) for t in inner_den), Tok(")", ")", at + 1),
                     Tok(")", ")", at + 1)]

    def word(self) -> None:
        """A name with its marks, a function or the word `new`."""
        at = self.i
        m = _PRIMED.match(self.text, at)
        if m is not None and m["word"] in _FUNCTION_WORDS and \
                _FUNCTION_WORDS[m["word"]] + "'" in FUNCTIONS:  # σ'(z): the derivative
            self.i = m.end()
            self.out.append(Tok("fn", _FUNCTION_WORDS[m["word"]] + "'", at + 1))
            return
        name = self._name()
        if name is None:
            return
        base = name.base
        if not name.sub and not name.hat and not name.updated and name.sample is None:
            fn = _FUNCTION_WORDS.get(base)
            if fn is not None and self._called():
                self.out.append(Tok("fn", fn, at + 1))
                return
            if base in ("new", "New", "NEW"):
                self.out.append(Tok("new", base, at + 1))
                return
        if name.updated and name.base in GENERAL_FUNCTIONS and not name.sub and not name.hat \
                and name.sample is None and self.text[self.i:].lstrip()[:1] == "(":
            self.out.append(Tok("fn", "f'", at + 1))  # f'(z_1), φ′(z): the node's own f′
            return
        self.out.append(Tok("name", self.text[at: self.i], at + 1, name))

    def _name(self) -> Name | None:
        text, at = self.text, self.i
        hat = False
        if self.peek("\\hat") or self.peek("\\widehat"):
            self.i += 4 if self.peek("\\hat") else 8
            inner, inner_at = self.group()
            sub_name = _Lexer(inner, self.depth + 1)._name()
            if sub_name is None:
                raise self.error("\\hat{…} holds no name", inner_at)
            base, hat = sub_name.base, True
        elif text.startswith(("\\text", "\\mathrm", "\\mathit", "\\operatorname", "\\textrm",
                              "\\mathbf", "\\boldsymbol", "\\mathsf", "\\textit"), at):
            m = re.compile(r"\\[A-Za-z]+").match(text, at)
            assert m is not None
            self.i = m.end()
            inner, inner_at = self.group()
            base = re.sub(r"\s+", "", inner)
            if not re.fullmatch(r"[^\W\d]\w*", base):
                raise self.error(f"'{_shown(inner, 20)}' is no name", inner_at)
        elif self.peek("\\"):
            m = re.compile(r"\\([A-Za-z]+)").match(text, at)
            assert m is not None
            self.i = m.end()
            base = _GREEK.get(m[1], m[1])
        else:
            m = _LETTERS.match(text, at)
            if m is None:
                raise self.error("expected a name")
            self.i = m.end()
            base = m[0]
            if base.lower() == "yhat":
                base, hat = "y", True
            m2 = re.compile(r"\d+|[₀-₉]+").match(text, self.i)  # z1, w5, z₁ (digits end it)
            if m2:
                self.i = m2.end()
                base += m2[0].translate(_SUBSCRIPTS)
        if base == "ŷ" or unicodedata_hat(base):
            base, hat = base[0] if base != "ŷ" else "y", True
        sub, updated, sample = "", False, None
        while self.i < len(text):
            if self.peek("_"):
                self.i += 1
                part, part_at = self._subscript_text()
                part = _subscript(part)
                if part in ("new", "+"):
                    updated = True
                elif part == "hat":
                    hat = True
                elif part:
                    sub = f"{sub}_{part}" if sub else part
                else:
                    raise self.error("an empty subscript", part_at)
            elif self.peek("'") or self.peek("′") or self.peek("⁺") or self.peek("^{\\prime}") or \
                    self.peek("^\\prime"):
                self.i += 1 if not self.peek("^") else (9 if self.peek("^{") else 7)
                updated = True
            elif self.peek("^"):
                save = self.i
                self.i += 1
                part, _ = self.group()
                mark = _subscript(part)
                m3 = re.fullmatch(r"\((\d{1,6})\)", mark)
                if mark in ("+", "new", "(new)", "*", "'"):
                    updated = True
                elif m3:
                    sample = int(m3[1])
                else:
                    self.i = save
                    break
            elif self.peek("[") and (m4 := re.compile(r"\[(\d{1,6})\]").match(text, self.i)):
                sample = int(m4[1])
                self.i = m4.end()
            else:
                break
        return Name(base=base, sub=sub, hat=hat, updated=updated, sample=sample, column=at + 1)


def unicodedata_hat(base: str) -> bool:
    """A letter with a combining circumflex, as some keyboards type ŷ (y + U+0302)."""
    return len(base) == 2 and base[1] == "\u0302"


def _subscript(text: str) -> str:
    """A subscript's plain text: `{h1}` → h1, `\\text{total}` → total, `1,11` → 1_11."""
    text = re.sub(r"\\(?:text|mathrm|mathit|textrm|operatorname)\s*", "", text)
    text = re.sub(r"[{}\s]", "", text)
    return text.replace(",", "_")


def _plain_name(text: str, at: int, depth: int = 0) -> Name:
    lexer = _Lexer(text, depth)
    name = lexer._name()
    if name is None or lexer.i != len(text):
        raise ExprError(f"'{_shown(text, 30)}' is no name", at + 1)
    return Name(name.base, name.sub, name.hat, name.updated, name.sample, at + 1)


def _fraction_deriv(num: str, num_at: int, den: str, den_at: int, depth: int) -> Deriv | None:
    """\\frac{\\partial L}{\\partial w_5} or \\frac{dL}{dw_5}: the names, or None."""
    a = _strip_d(num)
    b = _strip_d(den)
    if a is None or b is None:
        return None
    return Deriv(_plain_name(a, num_at, depth), _plain_name(b, den_at, depth), num_at)


def _strip_d(text: str) -> str | None:
    text = text.strip()
    for mark in ("\\partial", "∂", "\\mathrm{d}", "d"):
        if text.startswith(mark):
            rest = text[len(mark):].strip()
            if rest and (rest[0].isalpha() or rest[0] == "\\") and (mark != "d" or text[1:2] != ""):
                return rest
    return None


def _moved(tok: Tok, offset: int) -> Tok:
    return Tok(tok.kind, tok.text, tok.column + offset, tok.node)


def _shown(text: str, limit: int = 1) -> str:
    """A character or word of user text in a message: control and format characters escaped."""
    out = []
    for c in text[:limit]:
        out.append(c if c.isprintable() and not _bidi(c) else f"\\u{ord(c):04x}")
    return "".join(out)


def _bidi(c: str) -> bool:
    return "\u202a" <= c <= "\u202e" or "\u2066" <= c <= "\u2069" or c in "\u200e\u200f\u061c"


# ---------------------------------------------------------------- the parser

_STARTS = frozenset({"num", "name", "deriv", "(", "fn", "partial", "new", "sum"})


class _Parser:
    def __init__(self, tokens: list[Tok], length: int) -> None:
        self.toks = tokens
        self.k = 0
        self.depth = 0
        self.length = length

    def error(self, message: str) -> ExprError:
        column = self.toks[self.k].column if self.k < len(self.toks) else self.length + 1
        return ExprError(message, column)

    def next(self) -> Tok | None:
        return self.toks[self.k] if self.k < len(self.toks) else None

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} deep")

    def expr(self) -> Node:
        self.enter()
        node = self.term()
        while (t := self.next()) is not None and t.kind == "op" and t.text in "+-":
            self.k += 1
            node = Bin(t.text, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while (t := self.next()) is not None:
            if t.kind == "op" and t.text in "*/":
                self.k += 1
                node = Bin(t.text, node, self.unary())
            elif t.kind in _STARTS:
                node = Bin("*", node, self.power())  # implicit: 2(1 − ŷ), x_1 w_1
            else:
                break
        return node

    def unary(self) -> Node:
        t = self.next()
        if t is not None and t.kind == "op" and t.text in "+-":
            self.k += 1
            self.enter()
            arg = self.unary()
            self.depth -= 1
            return Neg(arg) if t.text == "-" else arg
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        t = self.next()
        if t is not None and t.kind == "op" and t.text == "^":
            self.k += 1
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            return Bin("^", base, exponent)
        return base

    def atom(self) -> Node:
        t = self.next()
        if t is None:
            raise self.error("the expression ends too early")
        self.k += 1
        if t.kind == "num":
            try:
                value = float(Decimal(t.text))
            except (InvalidOperation, OverflowError):
                raise ExprError(f"'{_shown(t.text, 30)}' is no number", t.column) from None
            if not math.isfinite(value):
                raise ExprError("a number too large to read", t.column)
            return Num(value, t.text)
        if t.kind in ("name", "deriv"):
            assert t.node is not None
            if isinstance(t.node, Name) and t.node.base == "e" and not t.node.sub and \
                    (n := self.next()) is not None and n.kind == "op" and n.text == "^":
                self.k += 1  # e^{x} is exp(x)
                self.enter()
                arg = self.unary()
                self.depth -= 1
                return Call("exp", arg)
            return t.node
        if t.kind == "new":
            n = self.next()
            if n is None or n.kind != "name" or not isinstance(n.node, Name):
                raise ExprError("'new' is not followed by a name", t.column)
            self.k += 1
            m = n.node
            return Name(m.base, m.sub, m.hat, True, m.sample, t.column)
        if t.kind == "partial":
            return self.partial(t)
        if t.kind == "(":
            self.enter()
            inner = self.expr()
            close = self.next()
            if close is None or close.kind != ")":
                raise ExprError(f"the '{t.text}' here is never closed", t.column)
            self.k += 1
            self.depth -= 1
            return inner
        if t.kind == "sum":
            if self.next() is None:
                raise self.error("Σ has nothing to sum")
            self.enter()
            term = self.term()  # Σ ½(t − o)²: the product that follows
            self.depth -= 1
            return Sum(term, t.column)
        if t.kind == "fn":
            if self.next() is None:
                raise self.error(f"{t.text} has no argument")
            self.enter()
            exponent = None
            if (n := self.next()) is not None and n.kind == "op" and n.text == "^":
                self.k += 1  # \tanh^2(z): the power of the function's value, (tanh z)²
                exponent = self.atom()
                if self.next() is None:
                    raise self.error(f"{t.text} has no argument")
            arg = self.power()
            self.depth -= 1
            return Call(t.text, arg) if exponent is None else Bin("^", Call(t.text, arg), exponent)
        raise ExprError(f"'{_shown(t.text, 20)}' cannot stand here", t.column)

    def partial(self, t: Tok) -> Node:
        """∂L/∂w5, \\partial L / \\partial w_5."""
        num = self.next()
        if num is None or num.kind != "name" or not isinstance(num.node, Name):
            raise ExprError("'∂' is not followed by a name", t.column)
        self.k += 1
        slash = self.next()
        if slash is None or slash.kind != "op" or slash.text != "/":
            raise ExprError("'∂' outside a derivative ∂A/∂B", t.column)
        self.k += 1
        second = self.next()
        if second is None or second.kind != "partial":
            raise ExprError("a derivative ∂A/∂B: the '∂' of its denominator is missing",
                            slash.column)
        self.k += 1
        den = self.next()
        if den is None or den.kind != "name" or not isinstance(den.node, Name):
            raise ExprError("'∂' is not followed by a name", second.column)
        self.k += 1
        return Deriv(num.node, den.node, t.column)


#: an upright d (`\mathrm{d}L/\mathrm{d}w_5`), and `x` standing between two numbers as a
#: times sign (`0.5 x 0.7`)
_UPRIGHT_D = re.compile(r"\\(?:mathrm|operatorname|textrm|text)\s*\{\s*d\s*\}"
                        r"|\\(?:mathrm|rm)\s+d(?![A-Za-z])")
_TIMES_X = re.compile(r"(?<=[\d)\]}])(\s+)x(?=\s+[\d.(\[{\-−])")


def _spelled(text: str) -> str:
    """The text with those two spellings replaced, each by as many characters (so an error's
    column stays the column written)."""
    text = _UPRIGHT_D.sub(lambda m: " " * (len(m[0]) - 1) + "d", text)
    return _TIMES_X.sub(lambda m: m[1] + "×", text)


def _unbraced(tokens: list[Tok]) -> list[Tok]:
    """`{\\partial L}/{\\partial w_5}`: the braces around each `∂ name` dropped; `w5 new` read
    as `new w5`."""
    out: list[Tok] = []
    k = 0
    while k < len(tokens):
        group = tokens[k:k + 4]
        if len(group) == 4 and group[0].kind == "(" and group[1].kind == "partial" and \
                group[2].kind == "name" and group[3].kind == ")":
            out += group[1:3]
            k += 4
            continue
        if tokens[k].kind == "name" and k + 1 < len(tokens) and tokens[k + 1].kind == "new" and (
                k + 2 == len(tokens) or tokens[k + 2].kind != "name"):
            out += [tokens[k + 1], tokens[k]]  # `w5 new`: as `new w5`
            k += 2
            continue
        out.append(tokens[k])
        k += 1
    return out


def parse(text: str) -> Node:
    """The expression the text writes, or ExprError (located) when it writes none."""
    tokens = _unbraced(_Lexer(_spelled(text)).tokens())
    if not tokens:
        raise ExprError("nothing to read", 1)
    parser = _Parser(tokens, len(text))
    node = parser.expr()
    if parser.k != len(tokens):
        raise parser.error(f"'{_shown(tokens[parser.k].text, 20)}' cannot follow here")
    return node


def is_number(node: Node) -> Num | None:
    """A number standing alone (with its sign folded in), as a final answer is written; also
    in scientific notation, 1.5 × 10^{-3} (its text then 1.5e-3, its last digit at 10^-4)."""
    if isinstance(node, Neg):
        inner = is_number(node.arg)
        return None if inner is None else Num(-inner.value, "-" + inner.text)
    if isinstance(node, Num):
        return node
    if isinstance(node, Bin) and isinstance(node.left, Neg):  # −9.98 × 10^{-2}
        inner = is_number(Bin(node.op, node.left.arg, node.right))
        return None if inner is None else Num(-inner.value, "-" + inner.text)
    if isinstance(node, Bin) and node.op == "*" and isinstance(node.left, Num) and \
            "e" not in node.left.text.lower() and isinstance(node.right, Bin) and \
            node.right.op == "^" and isinstance(node.right.left, Num) and \
            node.right.left.text == "10":
        power = node.right.right
        sign = -1 if isinstance(power, Neg) else 1
        power = power.arg if isinstance(power, Neg) else power
        if isinstance(power, Num) and power.text.isdigit() and len(power.text) <= 3:
            text = f"{node.left.text}e{sign * int(power.text)}"
            return Num(float(text), text)
    return None


def prime_of(node: Node, text: str) -> Prime | None:
    """The derivative a left side writes, f′(z) with a name for z; None for anything else."""
    if isinstance(node, Call) and node.fn.endswith("'") and isinstance(node.arg, Name):
        fn = node.fn[:-1]
        return Prime("" if fn in GENERAL_FUNCTIONS else fn, node.arg, node.arg.column)
    if isinstance(node, Bin) and node.op == "*" and isinstance(node.left, Name) and \
            isinstance(node.right, Name) and _PRIME_APPLIED.search(text):
        f = node.left  # ReLU'(z_1), as some write it: read as ReLU_new·z_1
        if not f.updated or f.sub or f.hat or f.sample is not None:
            return None
        word = _FUNCTION_WORDS.get(f.base.lower())
        if word is not None and word + "'" in FUNCTIONS:
            return Prime(word, node.right, f.column)
    return None


__all__ = ["ACTIVATION_OF", "FUNCTIONS", "GENERAL_FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Bin",
           "Call", "Deriv", "ExprError", "Name", "Neg", "Node", "Num", "Prime", "Sum", "evaluate",
           "is_number", "numbers", "parse", "plain", "prime_of", "show", "symbols", "walk"]
