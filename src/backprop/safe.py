"""User text made safe to print: one table of the characters a terminal, a spreadsheet or a JSON
reader would act on, and one function per destination (a line of text, a CSV cell, JSON)."""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls (newline, ESC and CSI U+009B among them), DEL, the Unicode line and
# paragraph separators, the zero-width and directional marks, the bidirectional embeddings,
# overrides and isolates, and the byte-order mark: none of them may reach an output raw.
_UNSAFE = (*range(0x20), *range(0x7F, 0xA0), 0x061C, *range(0x200B, 0x2010), *range(0x2028, 0x202F),
           *range(0x2060, 0x2070), 0xFEFF)

#: str.translate table: each unsafe character to a visible escape, \x1b or \u202e
CONTROLS: dict[int, str] = {i: f"\\x{i:02x}" if i < 0x100 else f"\\u{i:04x}" for i in _UNSAFE}

_UNSAFE_RE = re.compile("[" + "".join(re.escape(chr(i)) for i in _UNSAFE) + "]")


def line(text: str, limit: int | None = None) -> str:
    """User text for one line of a terminal or a text report: every unsafe character shown as
    its escape, and (with a limit) cut short with an ellipsis."""
    out = text.translate(CONTROLS)
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out


def has_unsafe(text: str) -> bool:
    return _UNSAFE_RE.search(text) is not None


_FORMULA_START = ("=", "+", "-", "@")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: escapes as `line`, and a cell that would start a
    formula (= + - @ not followed by a plain number) is prefixed with an apostrophe, as OWASP
    advises."""
    out = line(text)
    if out.startswith(_FORMULA_START) and not _NUMBER.fullmatch(out):
        out = "'" + out
    return out


def _escape_json(m: re.Match[str]) -> str:
    return f"\\u{ord(m[0]):04x}"


def json_text(obj: Any) -> str:
    """JSON with non-ASCII letters kept (ensure_ascii=False) but every unsafe character written
    as a \\u escape: the data is unchanged for a JSON reader, and nothing acts on a terminal."""
    import json  # not at start-up: only the JSON reports need it

    # the unsafe characters can only occur inside JSON strings, where \\uXXXX means the same
    return _UNSAFE_RE.sub(_escape_json, json.dumps(obj, ensure_ascii=False, allow_nan=False))
