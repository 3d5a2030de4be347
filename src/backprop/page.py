"""Pages a student typed — Markdown with `$…$` math, LaTeX, or plain text — read into equation
chains `LHS = … = … ≈ number`, each with its line, its text as read and its parsed segments;
a line with `=` that cannot be read is kept with the reason (FORMAT §2.1)."""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from backprop import expr, safe
from backprop.expr import Deriv, ExprError, Name, Prime

Syntax = Literal["markdown", "latex", "plain"]
SUFFIXES: dict[str, Syntax] = {".md": "markdown", ".markdown": "markdown", ".tex": "latex",
                               ".latex": "latex", ".txt": "plain", ".text": "plain"}
#: the longest line (or math span) read, the most chains one page gives, and the most lines
#: listed as not read (the rest are counted)
MAX_LINE, MAX_CHAINS, MAX_NOT_READ = 4000, 5000, 500
#: the text as read, as reports show it
TEXT_SHOWN = 200


@dataclass(frozen=True, slots=True)
class Segment:
    """One side of a chain: the LHS, or what follows one of its `=` / `≈`."""

    relation: str  #: "" for the LHS, "=" or "≈"
    text: str  #: as written
    node: expr.Node
    line: int
    column: int  #: of the relation sign (of the text, for the LHS)


@dataclass(frozen=True, slots=True)
class Chain:
    """`LHS = … = … ≈ number`: one answer."""

    line: int
    column: int
    text: str  #: as read: the chain's text, its whitespace run together
    lhs: Name | Deriv | Prime  #: a Prime (σ′(z3)) is resolved to ∂h/∂z by the network
    segments: tuple[Segment, ...]  #: the right-hand sides, in order
    math: bool = True  #: inside math delimiters (else a plain-text line, where prose may stand)
    #: the left side is all that stands before the first `=` (no words in front of it)
    alone: bool = True

    @property
    def prose(self) -> bool:
        """A plain-text line whose `=` stands in words, not arithmetic (no digit or operator)."""
        return not self.math and not mathy(self.text)


@dataclass(frozen=True, slots=True)
class NotRead:
    """A line with `=` that could not be read, and why."""

    line: int
    text: str
    reason: str
    #: a definition with no number (`E = Σ ½(target − output)²`): listed, not an answer
    definition: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    file: str
    syntax: Syntax
    chains: tuple[Chain, ...]
    not_read: tuple[NotRead, ...]
    more_not_read: int = 0  #: lines not read past MAX_NOT_READ, counted


def syntax_of(file: str, text: str) -> Syntax | None:
    """A page's syntax by its suffix, else by its content; None for a YAML answers file."""
    name = file.rsplit("/", 1)[-1]  # Path(file).suffix, without making a Path per sheet
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
    if suffix in (".yaml", ".yml"):
        return None
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if re.search(r"\\begin\{|\\\(|\\\[|\\frac|\\documentclass", text):
        return "latex"
    if re.search(r"\$[^$\n]+\$", text):
        return "markdown"
    if _yaml_like(text):
        return None
    return "plain" if re.search(r"[=≈]", text) else None


def _yaml_like(text: str) -> bool:
    """Every line a comment, blank, or `key: value` with no `=` outside quotes."""
    for row in text.splitlines():
        row = row.strip()
        if not row or row.startswith("#") or row == "---":
            continue
        if not re.match(r"^[^\s:#][^:]*:\s", row + " ") or "=" in row.split(":", 1)[0]:
            return False
    return True


# ---------------------------------------------------------------- where the math is

_OPEN = re.compile(r"\$\$|\$|\\\(|\\\[|\\begin\{(?P<env>equation|align|gather|multline|eqnarray|"
                   r"flalign|displaymath|math|alignat)(?P<star>\*?)\}(?:\{\d+\})?")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True, slots=True)
class _Span:
    text: str
    start: int  #: offset in the page
    math: bool  #: inside math delimiters (else a plain-text line)


class _Reader:
    def __init__(self, text: str, file: str, syntax: Syntax) -> None:
        self.text = unicodedata.normalize("NFC", text)
        self.file = file
        self.syntax = syntax
        self.newlines = [m.start() for m in re.finditer("\n", self.text)]
        self.chains: list[Chain] = []
        self.not_read: list[NotRead] = []
        self.more = 0

    def where(self, offset: int) -> tuple[int, int]:
        """1-based line and column of an offset."""
        k = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[k - 1] + 1 if k else 0
        return k + 1, offset - start + 1

    def refuse(self, offset: int, text: str, reason: str, definition: bool = False) -> None:
        if len(self.not_read) >= MAX_NOT_READ:
            self.more += 1
            return
        self.not_read.append(NotRead(line=self.where(offset)[0], text=_as_read(text),
                                     reason=reason, definition=definition))

    # -------------------------------------------------------- spans

    def spans(self) -> Iterator[_Span]:
        if self.syntax == "plain":
            yield from self._lines(0, len(self.text))
            return
        text = self.text
        if self.syntax == "latex":
            text = re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m[0]), text)  # comments
        pos, n = 0, len(text)
        fenced = False
        while pos < n:
            if self.syntax == "markdown":
                line_end = text.find("\n", pos)
                line_end = n if line_end < 0 else line_end
                if _FENCE.match(text, pos) and (pos == 0 or text[pos - 1] == "\n"):
                    fenced = not fenced
                    pos = line_end + 1
                    continue
                if fenced:  # a code block: its lines read as plain text
                    yield from self._lines(pos, line_end)
                    pos = line_end + 1
                    continue
            m = self._open(text, pos)
            if m is None:
                if self.syntax == "markdown":
                    yield from self._lines(pos, n, fences=True)
                return
            if self.syntax == "markdown" and m.start() > pos:
                # the text before the math, up to the start of its line, is prose or plain math
                yield from self._prose(text, pos, m.start())
            close = self._close(m)
            end = text.find(close, m.end())
            if m[0] == "$":  # inline: within its paragraph
                blank = text.find("\n\n", m.end())
                if blank >= 0 and (end < 0 or blank < end):
                    end = -1
            if end < 0:
                self.refuse(m.start(), text[m.start(): m.start() + 80],
                            f"the math opened with '{safe.line(m[0], 30)}' is never closed")
                pos = m.end()
                continue
            yield _Span(text[m.end(): end], m.end(), True)
            pos = end + len(close)

    def _open(self, text: str, pos: int) -> re.Match[str] | None:
        while True:
            m = _OPEN.search(text, pos)
            if m is None:
                return None
            if m.start() > 0 and text[m.start() - 1] == "\\" and m[0].startswith("$"):
                pos = m.end()  # \$ is a dollar sign
                continue
            if self.syntax == "markdown" and self._in_fence(text, m.start()):
                return None
            return m

    def _in_fence(self, text: str, offset: int) -> bool:
        start = text.rfind("\n", 0, offset) + 1
        return bool(_FENCE.match(text, start))

    @staticmethod
    def _close(m: re.Match[str]) -> str:
        if m["env"]:
            return f"\\end{{{m['env']}{m['star']}}}"
        return {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}[m[0]]

    def _prose(self, text: str, start: int, end: int) -> Iterator[_Span]:
        """Markdown outside math, read line by line as plain text (stopping at a fence)."""
        pos = start
        while pos < end:
            line_end = text.find("\n", pos, end)
            line_end = end if line_end < 0 else line_end
            if _FENCE.match(text, pos) and (pos == 0 or text[pos - 1] == "\n"):
                return
            # a line cut by math: only the part before the math is prose here
            yield _Span(text[pos:line_end], pos, False)
            pos = line_end + 1

    def _lines(self, start: int, end: int, fences: bool = False) -> Iterator[_Span]:
        pos = start
        fenced = False
        while pos < end:
            line_end = self.text.find("\n", pos, end)
            line_end = end if line_end < 0 else line_end
            if fences and _FENCE.match(self.text, pos):
                fenced = not fenced
            else:
                yield _Span(self.text[pos:line_end], pos, False)
            pos = line_end + 1

    # -------------------------------------------------------- chains

    def read(self) -> Page:
        last: tuple[list[tuple[str, str, int]], bool] | None = None  # an open chain: continuable
        pending: list[tuple[list[tuple[str, str, int]], bool]] = []
        last_end, last_span = 0, -1  #: where the open chain's text ends, and in which span
        lone: tuple[str, int] | None = None  #: a line that is only a name (`z_2`, then `= 0.33`)
        for number, span in enumerate(self.spans()):
            rows = _rows(span) if span.math else [(span.text, span.start)]
            for row, at in rows:
                if len(row) > MAX_LINE:  # a row of an align, or a line
                    if _RELATION.search(row[:MAX_LINE]):
                        self.refuse(at, row[:80], f"a line of {len(row):,} characters; at most "
                                                  f"{MAX_LINE:,} are read")
                    continue
                if not _RELATION.search(row):
                    if row.strip():
                        lone = (row, at)
                    continue
                for piece, piece_at in _pieces(row, at, span.math):
                    segments = _split(piece, piece_at)
                    if segments is None:
                        if span.math and "=" in piece:
                            self.refuse(piece_at, piece, "an inequality or a relation that "
                                                         "is not '=' or '≈'")
                        continue
                    if len(segments) < 2:
                        continue
                    if not segments[0][1].strip() and last is not None and (
                            number == last_span or self._next_line(last_end, piece_at)):
                        last[0].extend(segments[1:])  # `&= …` / `= …`: the chain goes on
                        last_end, last_span = piece_at + len(piece), number
                        lone = None
                        continue
                    if not segments[0][1].strip() and lone is not None and \
                            self._next_line(lone[1] + len(lone[0]), piece_at) and \
                            _lone_name(lone[0]):
                        segments = [("", *lone), *segments[1:]]  # `z_2` / `= 0.33`
                    lone = None
                    if not segments[0][1].strip():
                        self.refuse(piece_at, piece, "a line that starts with '=' and follows no "
                                                     "equation")
                        continue
                    last = (segments, span.math)
                    last_end, last_span = piece_at + len(piece), number
                    pending.append(last)
        for segments, math in pending:
            if len(self.chains) >= MAX_CHAINS:
                self.refuse(segments[0][2], segments[0][1], f"more than {MAX_CHAINS:,} equations on "
                                                            f"one page; the rest are not read")
                break
            self._chain(segments, math)
        return Page(file=self.file, syntax=self.syntax, chains=tuple(self.chains),
                    not_read=tuple(self.not_read), more_not_read=self.more)

    def _next_line(self, end: int, start: int) -> bool:
        """Between two spans, nothing but math delimiters and one line break: a line that
        starts with `=` after a blank line, a line of prose or another equation begins nothing."""
        gap = self.text[end:start]
        if self.syntax == "latex":
            gap = re.sub(r"(?<!\\)%[^\n]*", "", gap)  # comments
        gap = re.sub(r"\$|\\[()\[\]]|\\\\|&|\\(?:begin|end)\{[a-z]+\*?\}", "", gap)
        return not gap.strip() and gap.count("\n") <= 1

    def _chain(self, segments: list[tuple[str, str, int]], math: bool) -> None:
        start = segments[0][2]
        end = segments[-1][2] + len(segments[-1][1])
        raw = self.text[start:end] if end > start else segments[0][1]
        lhs_text, lhs_at = segments[0][1], segments[0][2]
        try:
            lhs, at = _left_side(lhs_text, lhs_at, prose=not math)
            alone = not _unlabel(self.text[lhs_at:at]).strip()
            lhs_at = at
        except ExprError as err:
            if not math and not mathy(raw):
                return  # prose with an '=' in it
            lead = len(lhs_text) - len(lhs_text.lstrip())
            self.refuse(start + lead, raw, f"the left side names no quantity: {err.reason}")
            return
        raw = self.text[lhs_at:end] if end > lhs_at else raw
        out: list[Segment] = []
        for k, (relation, text, at) in enumerate(segments[1:], start=1):
            last = k == len(segments) - 1
            try:
                node, used = _right_side(text, prose=not math and last)
            except ExprError as err:
                lead = len(text) - len(text.lstrip())
                _, column = self.where(at + lead + err.at - 1)
                # a symbol the reader has no meaning for (Σ) and no decimal on any side: a
                # definition in general symbols, not a line of working
                general = err.unknown and not any(_DECIMAL.search(t) for _, t, _ in segments[1:])
                self.refuse(lhs_at, raw, f"column {column}: {err.reason}", definition=general)
                return
            if last:
                raw = self.text[lhs_at:at + len(text) - len(text.lstrip()) + len(used)]
            line, column = self.where(self._sign(at))
            out.append(Segment(relation=relation, text=used, node=node, line=line, column=column))
        line, column = self.where(lhs_at)
        self.chains.append(Chain(line=line, column=column, text=_as_read(raw), lhs=lhs,
                                 segments=tuple(out), math=math, alone=alone))


    def _sign(self, at: int) -> int:
        """The offset of the relation sign just before a right-hand side's offset."""
        k = at - 1
        while k > 0 and self.text[k].isspace():
            k -= 1
        m = re.compile(r"\\approx|\\simeq|\\doteq|\\equiv").search(self.text, max(0, k - 7), k + 1)
        return m.start() if m is not None and m.end() == k + 1 else k


#: a decimal number (working with numbers, not a definition in symbols)
_DECIMAL = re.compile(r"\d*\.\d")


def _as_read(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= TEXT_SHOWN:
        return text
    tail = TEXT_SHOWN // 3  # cut in the middle: the left side and the answer both kept
    return text[: TEXT_SHOWN - tail - 3].rstrip() + " … " + text[-tail:].lstrip()


def mathy(text: str) -> bool:
    """A line whose `=` stands in arithmetic (digits, operators, ∂), not prose."""
    return bool(re.search(r"[0-9∂σ·×^*/+\-−²]|\\", text))


# ---------------------------------------------------------------- splitting

_RELATION = re.compile(r"&?\s*(?::=|=|≈|≃|\\approx|\\simeq|\\doteq|\\equiv)")
_NOT_CHAIN = re.compile(r"<|>|≤|≥|≠|!=|\\neq|\\leq?|\\geq?|\\ne\b|\\lt|\\gt")
#: what stands between two equations of one line (longest first): `z_1 = 0.47 \quad h_1 = …`,
#: `z1 = 0.47 ⇒ h1 = σ(0.47) = 0.615`
_BETWEEN = ("\\qquad", "\\quad", "\\Longrightarrow", "\\Rightarrow", "\\implies",
            "\\rightarrow", "\\to", "=>", "⟹", "⇒", "→")
_STRIP = re.compile(r"\\(?:label|tag|eqref|ref)\{[^{}]*\}|\\(?:nonumber|notag|displaystyle|"
                    r"textstyle|begin\{(?:aligned|split|gathered)\}|end\{(?:aligned|split|gathered)\})")


#: words in `\text{…}` that are prose inside math (`\text{so } z_1 = …`), never a name
_PROSE_WORDS = frozenset({"so", "and", "then", "thus", "hence", "where", "with", "we", "get",
                          "have", "gives", "is", "or", "since", "therefore", "i.e.", "e.g.",
                          "i.e", "e.g", "for", "by", "using", "now", "finally", "giving"})
_TEXT = re.compile(r"\\(?:text|mbox|textrm|textit|textbf|mathrm)\{(?P<body>[^{}]*)\}(?![_^])")


def _prose_text(m: re.Match[str]) -> str:
    body = m["body"]
    if m.start() > 0 and m.string[m.start() - 1] in "_^{":
        return m[0]  # part of a name: E_{\text{total}}
    prose = bool(re.search(r"[\s,.:;!?()]", body)) or body.strip().lower() in _PROSE_WORDS
    return " " * len(m[0]) if prose else m[0]


def _rows(span: _Span) -> list[tuple[str, int]]:
    """A math span's rows (split at `\\\\`), each with its offset; labels, tags and words in
    `\\text{…}` blanked."""
    text = _STRIP.sub(lambda m: " " * len(m[0]), span.text)
    text = _TEXT.sub(_prose_text, text)
    out, start, depth, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif text.startswith("\\\\", i) and depth == 0:
            out.append((text[start:i], span.start + start))
            i += 2
            m = re.compile(r"\[[^\]]*\]").match(text, i)  # \\[4pt]
            if m:
                i = m.end()
            start = i
            continue
        elif c == "\\":
            i += 2
            continue
        i += 1
    out.append((text[start:], span.start + start))
    return out


def _pieces(row: str, at: int, math: bool) -> list[tuple[str, int]]:
    """A row's equations: split at `;`, `\\quad`, `\\qquad` (and `,` followed by another
    equation), outside brackets; a piece with no relation is prose and dropped."""
    if not math:
        row = re.sub(r"`", " ", row)
    cuts, depth, i = [0], 0, 0
    while i < len(row):
        c = row[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and ((c == ";" and row[i - 1: i] != "\\") or row.startswith(_BETWEEN, i) or
                             (math and c == "&" and not _RELATION.match(row, i) and
                              not row[:i].rstrip().endswith(("=", "≈", "\\approx"))) or
                             (c == "," and _RELATION.search(row, i + 1) and
                              _names_after(row, i + 1))):
            cuts.append(i)
        if c == "\\":
            i += 2
            continue
        i += 1
    cuts.append(len(row))
    out: list[tuple[str, int]] = []
    for a, b in itertools.pairwise(cuts):
        piece = row[a:b]
        skip = len(piece) - len(piece.lstrip(";,&"))
        for word in _BETWEEN:
            if piece.startswith(word, skip):
                skip += len(word)
                break
        piece = piece[skip:]
        if _RELATION.search(piece) or (out and not piece.strip()):
            out.append((piece, at + a + skip))
    return out


def _names_after(row: str, i: int) -> bool:
    """After a `,`: another equation (its left side, then a relation) before any further comma."""
    rest = row[i:]
    m = _RELATION.search(rest)
    return m is not None and "," not in rest[: m.start()] and bool(rest[: m.start()].strip())


def _split(piece: str, at: int) -> list[tuple[str, str, int]] | None:
    """(relation, text, offset) for the LHS and each right-hand side, at top-level relations;
    None when the piece holds an inequality."""
    out: list[tuple[str, str, int]] = []
    depth, start, relation, i = 0, 0, "", 0
    while i < len(piece):
        c = piece[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and _NOT_CHAIN.match(piece, i) and not piece.startswith("\\left", i):
            return None
        elif depth == 0 and (m := _RELATION.match(piece, i)) and not (
                c == "&" and not m[0].strip("& ")):
            if piece.startswith("==", m.end() - 1) or piece[m.end():m.end() + 1] == "=":
                return None
            out.append((relation, piece[start:i], at + start))
            relation = "=" if m[0].strip("& ") in ("=", ":=", "\\equiv") else "≈"
            i = start = m.end()
            continue
        if c == "\\":
            i += 2
            continue
        i += 1
    out.append((relation, piece[start:], at + start))
    return [(r, t.replace("&", " "), a) for r, t, a in out]


# ---------------------------------------------------------------- the two ends of a chain

def _quantity(text: str) -> Name | Deriv | Prime | None:
    """The quantity a left side's text names: a name, a derivative, or an activation's
    derivative at a name (σ′(z_3)); None for any other expression."""
    node = expr.parse(text)
    if isinstance(node, Name | Deriv):
        return node
    return expr.prime_of(node, text)


def _left_side(text: str, at: int, prose: bool) -> tuple[Name | Deriv | Prime, int]:
    """The quantity the LHS names; in plain text, the last words before the `=` (prose in
    front of it ignored): the longest such tail that is one name."""
    if not prose:
        lead = len(text) - len(text.lstrip())
        lhs = _quantity(_unlabel(text))
        if lhs is not None:
            return lhs, at + lead
        raise ExprError(f"'{safe.line(text.strip(), 40)}' is not one name", 1)
    words = list(re.finditer(r"\S+", text))
    found: tuple[Name | Deriv | Prime, int] | None = None
    error: ExprError | None = None
    for k in range(len(words) - 1, max(-1, len(words) - 6), -1):
        tail = text[words[k].start():]
        tail = _unlabel(tail)
        try:
            lhs = _quantity(tail)
        except ExprError as err:
            error = error or err
            continue
        if lhs is not None:
            found = (lhs, at + words[k].start())
    if found is None:
        raise error or ExprError(f"'{safe.line(text.strip(), 40)}' is not one name", 1)
    return found


def _lone_name(text: str) -> bool:
    """A line that is one name and nothing else (the left side of the `= …` line under it)."""
    try:
        return _quantity(_unlabel(text)) is not None
    except ExprError:
        return False


def _unlabel(text: str) -> str:
    """A list marker or heading mark in front of an equation: `- `, `1. `, `(a) `, `# `, `> `."""
    return re.sub(r"^\s*(?:[-*+>#]+|\d+[.)]|\([a-z0-9]{1,3}\)|[a-z][.)])\s+", "", text)


def _right_side(text: str, prose: bool) -> tuple[expr.Node, str]:
    """A right-hand side and the text of it read: all of it, or in plain text the longest head
    that reads (`= 0.47, so h1 = …` ends at 0.47)."""
    stripped = re.sub(r"(?:\\[,;:! ]|\\q?quad\b|\s)+$", "", text).strip()  # `\;` spacing
    body = stripped.rstrip(".,;: ")  # the sentence's own punctuation after the last number
    try:
        return expr.parse(body), body
    except ExprError as err:
        if not prose:
            raise
        first = err
    cuts = [m.start() for m in re.finditer(r"[,;:]\s|\.\s|\s+(?=[^\W\d_]{3,})", stripped)]
    for cut in reversed(cuts):
        head = stripped[:cut].rstrip(".,;: ")
        if not head.strip():
            continue
        try:
            return expr.parse(head), head.strip()
        except ExprError:
            continue
    raise first


def read_page(text: str, file: str, syntax: Syntax | None = None) -> Page:
    """The chains of a page (syntax by suffix and content unless given)."""
    chosen = syntax or syntax_of(file, text) or "plain"
    return _Reader(text, file, chosen).read()


__all__ = ["MAX_CHAINS", "MAX_LINE", "SUFFIXES", "Chain", "NotRead", "Page", "Segment", "Syntax",
           "read_page", "syntax_of"]
