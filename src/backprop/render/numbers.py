"""How numbers are printed: fixed decimals with trailing zeros, small values kept significant."""

from __future__ import annotations

import math
from collections.abc import Callable

from backprop.trace import given as _given


def fmt(value: float, decimals: int = 3) -> str:
    """``0.470`` for 0.47; a nonzero value that would print as 0.000 keeps three significant
    figures (``0.000439``), so small gradients never vanish; ``-0.0`` prints as ``0.000``."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("∞" if value > 0 else "-∞")
    text = f"{value:.{decimals}f}"
    if value != 0.0 and float(text) == 0.0:
        magnitude = math.floor(math.log10(abs(value)))
        if magnitude < -12:
            return f"{value:.2e}"
        return f"{value:.{2 - magnitude}f}"
    if float(text) == 0.0:
        return text.lstrip("-")
    return text


def given(value: float) -> str:
    """A number the file gave (an input, a weight), as short as it reads: ``0.55``, ``-1.43``."""
    return _given(value)


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
