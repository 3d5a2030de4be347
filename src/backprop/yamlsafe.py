"""Strict, safe loading of the user's YAML network and answers files into plain data with positions."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import field
from typing import Any, Protocol

import yaml
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from backprop.errors import BackpropError, FileFormatError, SpecError
from backprop.record import record

__all__ = ["MAX_BYTES", "MAX_DEPTH", "Document", "load_file", "load_text", "read_text"]

# A 784-128-10 network written as flow lists of 17-digit floats is ~2.2-2.5 MB; 16 MiB leaves
# ample room while keeping a hostile file's memory and time bounded.
MAX_BYTES = 16 * 1024 * 1024
_FIRST_READ = 1 << 16  #: a file's first read: a whole answers sheet or page
# Real network and answers files nest about 5 deep; 32 is generous yet far from anything
# that could exhaust a stack.
MAX_DEPTH = 32
MAX_SCALARS = 1_000_000  #: values in one file; beyond this the read alone takes seconds

PathPart = str | int


# --------------------------------------------------------------------------- positions

# Positions live in a "shadow" tree parallel to the data, built during the one parse. Measured
# on a 784-128-10 file (0.3 s load), keeping them costs ~15 ms, while re-parsing on the first
# locate()/raw() would cost ~0.15 s each time a Document is asked; so they are kept eagerly.
# A scalar's shadow is a tuple (line, column, raw-text-or-None), a collection's a _Shadow.


class _Shadow:
    __slots__ = ("children", "column", "line")

    def __init__(self, line: int, column: int, children: list[object] | dict[str, object]) -> None:
        self.line = line
        self.column = column
        self.children = children

    def kids(self) -> list[object] | dict[str, object]:
        return self.children


class _RowShadow(_Shadow):
    """A number row read in one piece (see _NumberRows): its numbers' positions are worked out
    from the row's text only when one is asked for, as an error message or raw() needs."""

    __slots__ = ("source",)

    def __init__(self, line: int, column: int, source: str) -> None:
        super().__init__(line, column, [])
        self.source = source  #: the row as written, from '[' to ']', on one line

    def kids(self) -> list[object] | dict[str, object]:
        if not self.children:
            line, column = self.line, self.column
            self.children = [(line, column + m.start(), m.group())
                             for m in _NUMBER_TOKEN_RE.finditer(self.source)]
        return self.children


def _child(node: object, part: PathPart) -> object | None:
    """The shadow of `node`'s child `part`, or None if there is no such child."""
    if not isinstance(node, _Shadow):
        return None
    children = node.kids()
    if isinstance(children, dict):
        return children.get(part) if isinstance(part, str) else None
    # bool is an int subclass but never a meaningful list index here.
    if isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(children):
        return children[part]
    return None


def _where(node: object) -> tuple[int, int]:
    if isinstance(node, _Shadow):
        return node.line, node.column
    assert isinstance(node, tuple)
    return node[0], node[1]


@record
class Document:
    """A loaded YAML file: its plain-data `root` plus where each node came from."""

    filename: str
    root: object
    _positions: object = field(default=None, repr=False, compare=False)

    def locate(self, path: Sequence[PathPart]) -> tuple[int, int] | None:
        """1-based (line, column) of the node at `path` in the file, or None if unknown.

        For a mapping key path this is the VALUE's position; for a missing key (or index), the
        position of the nearest enclosing node that exists.
        """
        node = self._positions
        if node is None:
            return None
        for part in path:
            child = _child(node, part)
            if child is None:
                # Pointing at the nearest enclosing node is what a "missing field" message needs.
                break
            node = child
        return _where(node)

    def raw(self, path: Sequence[PathPart]) -> str | None:
        """The scalar's source text as written (e.g. '0.470', '-0.71', '1e-3'), or None if not a plain scalar.

        A plain scalar continued over several lines is returned line-folded, as YAML reads it.
        """
        node = self._positions
        for part in path:
            node = _child(node, part)
            if node is None:
                return None
        return node[2] if isinstance(node, tuple) else None

    def error(
        self, path: Sequence[PathPart], message: str, cls: type[BackpropError] = SpecError
    ) -> BackpropError:
        """Build (not raise) an error of class `cls` located at `path`: file, line, column, path filled in."""
        where = self.locate(path)
        line, column = where if where is not None else (None, None)
        return cls(message, file=self.filename, line=line, column=column, path=path)


# --------------------------------------------------------------------------- scalars

# YAML 1.2 core schema numbers, restricted to decimal. [0-9] rather than \d because Python's
# int()/float() would also accept other scripts' digits. A match with no group set is an integer.
_NUMBER_RE = re.compile(r"[-+]?(?:[0-9]+(\.[0-9]*)?|(\.[0-9]+))([eE][-+]?[0-9]+)?")
_NONFINITE = frozenset(
    {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"}
)
_CONSTANTS: dict[str, object] = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True,
    "false": False, "False": False, "FALSE": False,
}  # fmt: skip


def _plain_word(text: str, mark: object) -> object:
    """A plain scalar that is not number syntax: null, bool, a refused infinity/NaN, or a string.

    YAML 1.1 extras (yes/no/on/off, 0x1F, 0o17, 12:30, dates, 1_000) stay strings by design.
    """
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if text in _NONFINITE:
        raise _fail_mark(_not_finite(text), mark)
    return text


def _integer(text: str, mark: object) -> int:
    """A decimal integer (leading zeros are decimal in YAML 1.2), refused unless finite as a float."""
    # float() decides finiteness without tripping Python's 4300-digit int() limit; stripping
    # leading zeros keeps a long run of zeros under that limit too.
    if not math.isfinite(float(text)):
        raise _fail_mark(_not_finite(text), mark)
    return _decimal_int(text)


def _decimal_int(text: str) -> int:
    """The value of a decimal integer's text whose float is finite (so under int()'s digit limit
    once its leading zeros are gone)."""
    sign = "-" if text[0] == "-" else ""
    return int(sign + (text.lstrip("+-").lstrip("0") or "0"))


# --------------------------------------------------------------------------- parser


class _PurePythonParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python reader, scanner and parser only: events out, nothing constructed."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


class _EventSource(Protocol):
    def get_event(self) -> Any: ...


def _event_parser(text: str) -> _EventSource:
    """An event source for `text`: libyaml when available (several times faster), else pure Python."""
    if yaml.__with_libyaml__:
        # CParser's event API is used alone; its composer (recursive, crashes on deep nesting)
        # and any constructor are never called.
        return yaml._yaml.CParser(text)
    return _PurePythonParser(text)


class _Frame:
    """A collection being built: its value, its shadow, and (for a mapping) the pending key."""

    __slots__ = ("is_map", "key", "key_lines", "shadow", "value")

    def __init__(self, value: list[object] | dict[str, object], shadow: _Shadow) -> None:
        self.value = value
        self.shadow = shadow
        self.is_map = isinstance(value, dict)
        self.key: str | None = None  # set between a mapping key and its value
        self.key_lines: dict[str, int] = {}  # first line of each key, for duplicate messages


class _Fail(Exception):
    """Internal: a refusal found while building, carrying its 0-based mark."""

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.path: list[PathPart] = []


def _fail_at(message: str, event: object) -> _Fail:
    return _fail_mark(message, event.start_mark)  # type: ignore[attr-defined]


def _fail_mark(message: str, mark: object) -> _Fail:
    return _Fail(message, mark.line, mark.column)  # type: ignore[attr-defined]


def _check_plain_node(event: object, what: str) -> None:
    """Refuse the YAML features backprop's files never need and that enable attacks."""
    anchor = event.anchor  # type: ignore[attr-defined]
    if anchor is not None:
        raise _fail_at(f"anchor '&{anchor}' found; anchors and aliases are not allowed", event)
    tag = event.tag  # type: ignore[attr-defined]
    if tag is not None:
        shown = "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag
        raise _fail_at(f"tag '{shown}' on a {what} found; explicit tags are not allowed", event)


def _path_of(stack: list[_Frame]) -> list[PathPart]:
    """The data path of the node being built, for error messages (computed only on failure)."""
    path: list[PathPart] = []
    for frame in stack:
        if frame.is_map:
            if frame.key is not None:
                path.append(frame.key)
        else:
            path.append(len(frame.value))
    return path


def _build(parser: _EventSource, rows: _NumberRows | None = None) -> tuple[object, object]:
    """Consume the event stream into (root, shadow), refusing everything outside the allowed subset."""
    stack: list[_Frame] = []
    try:
        return _build_nodes(parser, stack, rows)
    except _Fail as fail:
        # The path is derived from the partly built stack only now, keeping the loop lean.
        fail.path = _path_of(stack)
        raise


def _build_nodes(parser: _EventSource, stack: list[_Frame], rows: _NumberRows | None
                 ) -> tuple[object, object]:
    # Event classes and helpers bound to locals: this loop runs once per number in the file.
    ScalarEvent = yaml.ScalarEvent
    SequenceStartEvent = yaml.SequenceStartEvent
    MappingStartEvent = yaml.MappingStartEvent
    SequenceEndEvent = yaml.SequenceEndEvent
    MappingEndEvent = yaml.MappingEndEvent
    AliasEvent = yaml.AliasEvent
    DocumentStartEvent = yaml.DocumentStartEvent
    StreamEndEvent = yaml.StreamEndEvent
    get_event = parser.get_event
    number_match = _NUMBER_RE.fullmatch
    isfinite = math.isfinite

    root: object = None
    shadow: object = None
    top: _Frame | None = None
    documents = 0
    # a row's numbers count as the scalars they are, its placeholder (one scalar) as none
    scalars = 0 if rows is None else rows.count - len(rows.rows)

    while True:
        event = get_event()
        kind = type(event)
        value: object
        pos: object

        if kind is ScalarEvent:
            scalars += 1
            if scalars > MAX_SCALARS:
                mark = event.start_mark
                raise _Fail(f"more than {MAX_SCALARS:,} values in one file: too large for a worked "
                            "example (a 784-128-10 network has about 102,000)", mark.line, mark.column)
            if event.anchor is not None or event.tag is not None:
                _check_plain_node(event, "scalar")
            text = event.value
            mark = event.start_mark
            is_key = top is not None and top.is_map and top.key is None
            if rows is not None and _ROW_MARK in text:
                value, pos = rows.take(event, text, is_key)
            elif is_key:
                _take_key(top, text, not event.style, mark)  # type: ignore[arg-type]
                continue
            elif event.style:  # quoted or block scalar: always a string
                value = text
                pos = (mark.line + 1, mark.column + 1, None)
            else:
                number = number_match(text)
                if number is None:
                    value = _plain_word(text, mark)
                elif number.lastindex is None:  # no fraction or exponent: an integer
                    value = _integer(text, mark)
                else:
                    value = float(text)
                    if not isfinite(value):
                        raise _Fail(_not_finite(text), mark.line, mark.column)
                pos = (mark.line + 1, mark.column + 1, text)
        elif kind is SequenceStartEvent or kind is MappingStartEvent:
            top = _open(event, kind is MappingStartEvent, top, len(stack))
            stack.append(top)
            continue
        elif kind is SequenceEndEvent or kind is MappingEndEvent:
            done = stack.pop()
            value, pos = done.value, done.shadow
            top = stack[-1] if stack else None
        elif kind is AliasEvent:
            raise _fail_at(f"alias '*{event.anchor}' found; anchors and aliases are not allowed", event)
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _fail_at("a second YAML document ('---') found; a file must hold exactly one", event)
            continue
        elif kind is StreamEndEvent or event is None:
            return root, shadow
        else:  # StreamStart, DocumentEnd: structure only
            continue

        # Attach the finished node (scalar or collection) to its parent, or make it the root.
        if top is None:
            root, shadow = value, pos
        elif top.is_map:
            key = top.key
            assert key is not None
            top.value[key] = value  # type: ignore[call-overload]
            top.shadow.children[key] = pos  # type: ignore[call-overload]
            top.key = None
        else:
            top.value.append(value)  # type: ignore[union-attr]
            top.shadow.children.append(pos)  # type: ignore[union-attr]


def _open(event: object, is_map: bool, top: _Frame | None, depth: int) -> _Frame:
    """A frame for a collection starting at `event`, after refusing what may not start here."""
    what = "mapping" if is_map else "sequence"
    _check_plain_node(event, what)
    if top is not None and top.is_map and top.key is None:
        raise _fail_at(f"a {what} used as a mapping key; keys must be plain strings", event)
    if depth >= MAX_DEPTH:
        raise _fail_at(f"nesting deeper than {MAX_DEPTH} levels (too deep to be a backprop file)", event)
    mark = event.start_mark  # type: ignore[attr-defined]
    container: list[object] | dict[str, object] = {} if is_map else []
    children: list[object] | dict[str, object] = {} if is_map else []
    return _Frame(container, _Shadow(mark.line + 1, mark.column + 1, children))


def _not_finite(text: str) -> str:
    return f"not a finite number: '{_shorten(text)}' (numbers must be finite)"


def _shorten(text: str, limit: int = 40) -> str:
    """User text cut short for a message: a 5,000-digit number must not flood the terminal."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _take_key(frame: _Frame, text: str, plain: bool, mark: object) -> None:
    """Record a mapping key, refusing merge keys, null keys and duplicates."""
    line, column = mark.line, mark.column  # type: ignore[attr-defined]
    if plain and text == "<<":
        raise _Fail("merge key '<<' found; merge keys are not allowed", line, column)
    if plain and text == "":
        raise _Fail("empty mapping key found; keys must be plain strings", line, column)
    first = frame.key_lines.get(text)
    if first is not None:
        raise _Fail(f"duplicate key '{_shorten(text)}' (first defined at line {first})", line, column)
    # Keys are kept as their source text: `1:` becomes "1", so later checks can name it.
    frame.key_lines[text] = line + 1
    frame.key = text


# --------------------------------------------------------------------------- pre-scan

_BRACKETS_RE = re.compile(r"[\[\]{}]")


def _check_flow_depth(text: str, filename: str) -> None:
    """Refuse flow nesting deeper than MAX_DEPTH before any parser sees the text.

    PyYAML's C composer recurses per bracket and overflows the C stack (a crash, not an
    exception) on ~50,000 `[`; this module never calls it, but the event parsers it does use
    are slow on such input (measured: 5 s in libyaml, 100 s in pure Python, before the depth
    check in _build could run). Every bracket is counted, even inside quotes or comments, so
    a file is only ever refused for too many unbalanced brackets; _build still enforces the
    true depth. Only bracket characters are visited: a few milliseconds for 2.5 MB of numbers.
    """
    depth = 0
    for match in _BRACKETS_RE.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _located(
                    f"nesting deeper than {MAX_DEPTH} levels of '[' or '{{' (too deep to be a backprop file)",
                    filename,
                    text,
                    match.start(),
                )
        elif depth:
            depth -= 1


def _located(message: str, filename: str, text: str, index: int) -> FileFormatError:
    """A FileFormatError at character `index` of `text`."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return FileFormatError(message, file=filename, line=line, column=column)


# --------------------------------------------------------------------------- number rows

# A network's weights are mostly rows written as one flow list of plain numbers on one line,
# `[0.1, -2, 3e-4]`: about 100,000 scalars in a 784-128-10 file, where each event would cost
# more than the number itself. So, before parsing, each such row long enough to matter is read
# in one piece (split, float()) and replaced by a placeholder of the same length: a plain word
# that no other text of the file contains, so every position in the file stays where it was.
# The event parser then checks the file's structure as always, and the build puts the row's
# numbers where its placeholder is. A placeholder found anywhere but as a plain, untagged value
# (a key, inside a quoted string or a comment, run together with other text) means the file is
# not what it looked like: it is then parsed again without placeholders, so the result and any
# refusal are exactly those of the event path.
_ROW_RE = re.compile(r"\[[-+.,0-9eE ]{30,}\]")  #: a candidate row: one line, number characters only
_INT_TOKEN_RE = re.compile(r" *[-+]?[0-9]+ *")  #: a row's number written as an integer
_NUMBER_TOKEN_RE = re.compile(r"[-+.0-9eE]+")  #: a number of a row, for its position
_ROW_MARK = "__backprop_row_"  #: starts every placeholder


class _Fallback(Exception):
    """Internal: a placeholder was found where a number row could not have been."""


class _NumberRows:
    """The file's text with its number rows replaced by placeholders, and the rows' numbers."""

    def __init__(self, text: str) -> None:
        self.rows: dict[str, tuple[list[object], str]] = {}  #: placeholder -> (values, source)
        self.count = 0  #: numbers in all rows
        self.text = text
        if _ROW_MARK in text:  # a placeholder would not be unique: no rows
            return
        pieces: list[str] = []
        end = 0
        for match in _ROW_RE.finditer(text):
            source = match.group()
            values = _row_values(source[1:-1])
            if values is None:  # not all plain numbers, or one not finite: the event path's
                continue
            placeholder = f"{_ROW_MARK}{len(self.rows)}".ljust(len(source), "_")
            self.rows[placeholder] = (values, source)
            self.count += len(values)
            pieces += (text[end:match.start()], placeholder)
            end = match.end()
        if self.rows:
            pieces.append(text[end:])
            self.text = "".join(pieces)

    def take(self, event: Any, text: str, is_key: bool) -> tuple[list[object], _RowShadow]:
        """The row behind a scalar holding a placeholder, if it stands where a row could."""
        row = self.rows.pop(text, None)
        if row is None or is_key or event.style or event.anchor is not None or event.tag is not None:
            raise _Fallback
        values, source = row
        mark = event.start_mark
        return values, _RowShadow(mark.line + 1, mark.column + 1, source)


def _row_values(inner: str) -> list[object] | None:
    """The numbers between a row's brackets as the event path reads them, or None if one is not
    a finite YAML 1.2 decimal number. float() reads exactly that syntax from these characters
    (a sign, digits, one '.', an exponent), spaces around a number included."""
    tokens = inner.split(",")
    try:
        floats = list(map(float, tokens))
    except ValueError:  # an empty item, '1e', '1.2.3', '1 2': text, left to the event path
        return None
    if not math.isfinite(sum(floats)) and not all(map(math.isfinite, floats)):
        return None
    if not any(map(float.is_integer, floats)):
        return floats  # type: ignore[return-value]
    # integers (no '.', no exponent) stay ints, as a plain scalar `3` does
    return [_decimal_int(t.strip()) if _INT_TOKEN_RE.fullmatch(t) else f
            for t, f in zip(tokens, floats, strict=True)]


# --------------------------------------------------------------------------- flat answers

# An answers file is mostly a flat mapping, one `key: number` per line: a class of 1,000 sheets
# spends more on the event parser than on reading those lines. So a file whose every line is
# such an entry (a plain ASCII key of letters, digits, '_' and '/'; a plain YAML 1.2 decimal
# number; a comment after a space), a comment or blank is read line by line, into exactly what
# the event path builds: the same values (an integer stays an int), the same positions and
# the same raw text. Anything else — another character anywhere (a tab, a '\r', a quote, a
# non-ASCII letter), a duplicate key, a number that is not finite, no entry at all — goes to
# the event path, which accepts or refuses it as always, with its located message.
_FLAT_LINE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_/]*):(?P<gap> +)"
    r"(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)(?: +#[ -~]*| *)"
    r"| *(?:#[ -~]*)?")


def _flat(text: str) -> tuple[object, object] | None:
    """(root, shadow) of a flat answers file read line by line, or None (see above)."""
    if not text.isascii():
        return None
    root: dict[str, object] = {}
    children: dict[str, object] = {}
    first = 0
    match = _FLAT_LINE.fullmatch
    for number, line in enumerate(text.split("\n"), start=1):
        m = match(line)
        if m is None:
            return None
        key = m["key"]
        if key is None:  # a blank or a comment
            continue
        if key in root:
            return None  # a duplicate: the event path says where
        written = m["number"]
        value: object = float(written)
        if not math.isfinite(value):  # type: ignore[arg-type]
            return None
        if "." not in written and "e" not in written and "E" not in written:
            value = _decimal_int(written)  # no fraction or exponent: an integer, as a scalar `3`
        root[key] = value
        children[key] = (number, len(key) + len(m["gap"]) + 2, written)
        first = first or number
    if not first or 2 * len(root) > MAX_SCALARS:
        return None
    return root, _Shadow(first, 1, children)


# --------------------------------------------------------------------------- entry points


def load_text(text: str, filename: str) -> Document:
    """Parse `text` (the contents of `filename`) into a Document, or raise FileFormatError."""
    # Characters never outnumber UTF-8 bytes: only a text that might be over the cap is encoded to measure.
    if len(text) > MAX_BYTES or (
        len(text) * 4 > MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES
    ):
        raise FileFormatError(_too_big(), file=filename)
    flat = _flat(text)
    if flat is not None:
        return Document(filename, *flat)
    _check_flow_depth(text, filename)
    rows = _NumberRows(text)
    if rows.rows and rows.count <= MAX_SCALARS:
        try:
            root, positions = _build(_event_parser(rows.text), rows)
            if not rows.rows:  # every row was found where its placeholder stood
                return Document(filename, root, positions)
        except (_Fail, _Fallback, yaml.YAMLError, UnicodeEncodeError):
            pass  # the event path below finds what it is, and says it as it always does
    try:
        root, positions = _build(_event_parser(text))
    except _Fail as fail:
        line = None if fail.line is None else fail.line + 1
        column = None if fail.column is None else fail.column + 1
        raise FileFormatError(fail.message, file=filename, line=line, column=column, path=fail.path) from None
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err, filename, text) from None
    except yaml.reader.ReaderError as err:
        raise _reader_error(err, filename, text) from None
    except yaml.YAMLError as err:
        raise FileFormatError(f"invalid YAML: {err}", file=filename) from None
    except UnicodeEncodeError as err:
        # libyaml re-encodes str to UTF-8; a lone surrogate (possible only via load_text) cannot survive that.
        bad = f"U+{ord(text[err.start]):04X}"
        raise _located(
            f"invalid character {bad} (not valid Unicode text)", filename, text, err.start
        ) from None
    return Document(filename, root, positions)


def _too_big() -> str:
    return f"file is larger than the {MAX_BYTES:,}-byte limit ({MAX_BYTES // (1024 * 1024)} MiB)"


def _syntax_error(err: yaml.MarkedYAMLError, filename: str, text: str) -> FileFormatError:
    """Turn PyYAML's two-part (context, problem) message into one located line that names what was found."""
    mark = err.problem_mark or err.context_mark
    problem = err.problem or err.context or "syntax error"
    message = f"invalid YAML: {problem}"
    found = _char_at(text, mark.index) if mark is not None else None
    # libyaml's messages omit the offending character that PyYAML's quote; add it when missing.
    if found is not None and "'" not in problem and "end of stream" not in problem:
        message += f" (found {found})"
    if err.context and err.problem:
        message += f" ({err.context}"
        if err.context_mark is not None:
            message += f" started at line {err.context_mark.line + 1}, column {err.context_mark.column + 1}"
        message += ")"
    if found == repr("\t"):
        message += "; indent with spaces, YAML does not allow tabs there"
    if mark is None:
        return FileFormatError(message, file=filename)
    return FileFormatError(message, file=filename, line=mark.line + 1, column=mark.column + 1)


def _char_at(text: str, index: int) -> str:
    """The character at a mark's (character) index, as shown in messages."""
    return repr(text[index]) if 0 <= index < len(text) else "end of file"


def _reader_error(err: yaml.reader.ReaderError, filename: str, text: str) -> FileFormatError:
    """A forbidden character; libyaml gives byte offsets and PyYAML character offsets, so find it by value."""
    char = err.character
    message = f"invalid character {_describe_char(char)}: {err.reason}"
    index = text.find(chr(char)) if isinstance(char, int) and 0 <= char <= 0x10FFFF else -1
    if index < 0:
        return FileFormatError(message, file=filename)
    return _located(message, filename, text, index)


def _describe_char(char: object) -> str:
    return f"U+{char:04X}" if isinstance(char, int) else repr(char)


def load_file(path: str | os.PathLike[str], display_name: str | None = None) -> Document:
    """Read, size-check, decode and parse the file at `path`.

    Messages name the file `display_name`, or else `path` as given.
    """
    filename = display_name if display_name is not None else os.fspath(path)
    return load_text(read_text(path, filename), filename)


def read_text(path: str | os.PathLike[str], filename: str) -> str:
    """The text of the file at `path`, size-checked and decoded (messages name it `filename`)."""
    try:
        with open(path, "rb") as handle:
            # Reading one byte past the cap bounds memory even for endless inputs like /dev/zero;
            # a small first read, as a read of MAX_BYTES + 1 sets aside that much first (a
            # class's thousand sheets paid ~16 µs each for it)
            data = handle.read(_FIRST_READ)
            if len(data) == _FIRST_READ:
                data += handle.read(MAX_BYTES + 1 - _FIRST_READ)
    except OSError as err:
        reason = err.strerror or err.__class__.__name__
        raise FileFormatError(f"cannot read file: {reason}", file=filename) from None
    if len(data) > MAX_BYTES:
        raise FileFormatError(_too_big(), file=filename)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise FileFormatError(
            f"not UTF-8 text: byte 0x{data[err.start]:02X} cannot be decoded (save the file as UTF-8)",
            file=filename,
            line=line,
            column=column,
        ) from None
    return text
