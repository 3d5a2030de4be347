"""The notation the reports share: how numbers are printed (fixed decimals with trailing zeros,
small values kept significant, a file's numbers as given) and how rule templates are filled."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backprop.network import Spelling


def fmt(value: float, decimals: int = 3) -> str:
    """``0.470`` for 0.47; a nonzero value that would print as 0.000 keeps three significant
    figures (``0.000439``), so small gradients never vanish; ``-0.0`` prints as ``0.000``."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    text = _half_up(value, decimals)
    if value != 0.0 and float(text) == 0.0:
        magnitude = math.floor(math.log10(abs(value)))
        if magnitude < -12:
            return f"{value:.2e}"
        return _half_up(value, 2 - magnitude)
    if float(text) == 0.0:
        return text.lstrip("-")
    return text


def _half_up(value: float, decimals: int) -> str:
    """Round as a textbook does: an exact tie (0.0625 to 3 places) goes up, to 0.063, where
    Python's format would round it to even. The float's exact binary value decides ties, so
    2.675 (stored as 2.67499999…) still gives 2.67."""
    # the context holds every digit a float can have (up to ~1e308 with 15 decimals)
    exact = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP,
                                    context=_WIDE)
    return f"{exact:f}"


_WIDE = Context(prec=400)


def given(value: float) -> str:
    """A number as the file gave it: 1, 0.55 (not 1.000): the shortest text that reads back as it."""
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


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


# ---------------------------------------------------------------- names in LaTeX

_GREEK = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi "
                   "rho sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
                   "Upsilon Phi Psi Omega".split())
_HEAD = re.compile(r"([A-Za-z]+)([0-9]*)")
_PART = re.compile(r"[A-Za-z0-9]+")


def latex_name(name: str, spellings: Mapping[str, Spelling] | None = None) -> str:
    """A name typeset as a textbook does, for math mode: the file's own LaTeX spelling when its
    `spellings` key gives one; else z1 → ``z_{1}``, y_hat → ``\\hat{y}``, net_h1 →
    ``\\mathit{net}_{h1}``, E_total → ``E_{total}``, w1_11 → ``w_{1,11}``, eta → ``\\eta``. A
    name it cannot read that way is set as text, escaped, so any name compiles."""
    spelling = spellings.get(name) if spellings else None
    if spelling is not None and spelling.latex is not None:
        return spelling.latex
    if name.endswith("_hat") and len(name) > 4:
        return r"\hat{" + latex_name(name[:-4]) + "}"
    head, *rest = name.split("_")
    match = _HEAD.fullmatch(head)
    if match is None or not all(_PART.fullmatch(part) for part in rest):
        return r"\text{" + latex_text(name) + "}"
    letters, digits = match.groups()
    base = ("\\" + letters if letters in _GREEK
            else letters if len(letters) == 1 else r"\mathit{" + letters + "}")
    sub = ",".join(p for p in (digits, *rest) if p)
    return base if not sub else f"{base}_{{{sub}}}"


_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                  "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}


def latex_text(text: str) -> str:
    """Text made safe for LaTeX's text mode: its special characters escaped, and any character
    outside printable ASCII written as its code point (a stock pdflatex has no glyph for most)."""
    out = []
    for char in text:
        if char in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[char])
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(f"[U+{ord(char):04X}]")
    return "".join(out)
