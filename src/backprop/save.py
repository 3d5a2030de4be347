"""A network file written again with new param values: every other character of it kept.

The trained network is saved by editing the file the user wrote rather than writing a new one:
only the number of each changed param is replaced, by its float's repr (the shortest text that
reads back as exactly that float, and a YAML 1.2 decimal: `0.70105507730202`, `1e-05`). So the
form (graph or layered), the names, the title, the description, the comments, the key order and
the layout all stay as they were, no user text is written anew (there is nothing to escape),
and the result is read back by the same strict loader, which checks every param on the way.
"""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from backprop.errors import PathPart, UsageError
from backprop.network import Network
from backprop.optimizers import State
from backprop.spec import parse
from backprop.yamlsafe import Document, load_text, read_text

# YAML's line breaks, as both of its parsers count lines (NEL, LS and PS among them)
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True, slots=True)
class Source:
    """A network file as read: its text, its parsed document (with positions), its network."""

    text: str
    document: Document
    network: Network


def read(path: str | os.PathLike[str], display_name: str) -> Source:
    """Read and validate a network file, keeping what saving it again needs."""
    text = read_text(path, display_name)
    document = load_text(text, display_name)
    return Source(text, document, parse(document))


def with_params(source: Source, params: Mapping[str, float]) -> str:
    """The file's text with each param whose value changed written as `params` gives it."""
    network = source.network
    starts = [0] + [m.end() for m in _BREAK.finditer(source.text)]
    edits: list[tuple[int, int, str]] = []
    for name, path in _param_paths(network):
        new = params[name]
        if _same(new, network.params[name]):
            continue  # unchanged (frozen, or a zero gradient): kept exactly as written
        where, raw = source.document.locate(path), source.document.raw(path)
        assert where is not None and raw is not None, (name, path)
        line, column = where
        at = starts[line - 1] + column - 1
        if line == 1 and source.text.startswith("\ufeff"):
            at += 1  # a byte-order mark is not counted as a column
        # the number as written must stand at its position: anything else is a bug here
        assert source.text[at:at + len(raw)] == raw, (name, path, raw)
        edits.append((at, at + len(raw), repr(new)))
    pieces: list[str] = []
    end = 0
    for a, b, text in sorted(edits):
        pieces += (source.text[end:a], text)
        end = b
    pieces.append(source.text[end:])
    return "".join(pieces)


def save(source: Source, params: Mapping[str, float], out: str, state: State | None = None) -> None:
    """Write the network with `params` (and an optimizer's `state`: its step count and tables,
    so that the next step continues exactly) to `out`, read it back and check every number is
    exact."""
    text = with_params(source, params)
    if state is not None and source.network.optimizer.convention.state_names:
        text = with_state(text, state)
    again = parse(load_text(text, out))
    # every param reads back as exactly the float trained; nothing else of the network moved
    assert all(_same(again.params[n], params[n]) for n in params), "a param did not round-trip"
    assert list(again.params) == list(params)
    if state is not None and source.network.optimizer.convention.state_names:
        kept = again.optimizer.state
        assert kept.step == state.step, "the optimizer's step count did not round-trip"
        assert all(_same(kept.of(name, p), v) for name, table in state.tables.items()
                   for p, v in table.items()), "an optimizer state did not round-trip"
    _write_atomically(Path(out), text, out)


def with_state(text: str, state: State) -> str:
    """The file's text with its top-level `optimizer_state` written anew (or added at the end):
    the step count and each table, param by param, every float by its repr."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as err:  # yamlsafe read it; PyYAML's own reader should too
        raise UsageError(f"cannot find where to write optimizer_state in the file: "
                         f"{getattr(err, 'problem', None) or 'unreadable by PyYAML'}") from None
    assert isinstance(root, yaml.MappingNode), "a network file is a mapping"
    brk = m[0] if (m := _BREAK.search(text)) else "\n"
    flow = bool(root.flow_style)
    # names are identifiers (no quote, backslash or control character): JSON quotes them for YAML
    entries = ([("step", str(state.step))] if state.step else []) + [
        (name, (json.dumps(name) + ": {" + ", ".join(f"{json.dumps(p)}: {v!r}" for p, v in
                                                     table.items()) + "}") if flow else name)
        for name, table in state.tables.items()]
    if flow:
        block = "optimizer_state: {" + ", ".join(
            f"{json.dumps(k)}: {v}" if k == "step" else v for k, v in entries) + "}"
    else:
        pad = " " * root.start_mark.column
        lines = [f"{pad}optimizer_state:"]
        if state.step:
            lines.append(f"{pad}  step: {state.step}")
        for name, table in state.tables.items():
            lines.append(f"{pad}  {name}:" + ("" if table else " {}"))
            lines += [f"{pad}    {json.dumps(p)}: {v!r}" for p, v in table.items()]
        block = brk.join(lines)
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "optimizer_state":
            start, end = key.start_mark.index, value.end_mark.index
            ends_line = text[start:end].endswith(("\n", "\r", "\x85", "\u2028", "\u2029"))
            if not flow:
                block = block[len(pad):]  # the key's own column is kept before it
            return text[:start] + block + (brk if ends_line else "") + text[end:]
    if flow:  # before the closing brace of the one flow mapping
        end = root.end_mark.index - 1
        assert text[end] == "}", "a flow mapping ends with }"
        return text[:end].rstrip() + ", " + block + text[end:]
    if text and not text.endswith(("\n", "\r", "\x85", "\u2028", "\u2029")):
        text += brk
    return text + block + brk


class _Loader(yaml.SafeLoader):
    """Only to find where optimizer_state stands: the file was read and checked by yamlsafe."""


def _write_atomically(path: Path, text: str, shown: str) -> None:
    """A reader of `path` sees the old file or the whole new one, never half of it."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise UsageError(f"cannot write the trained network: {err.strerror}", file=shown) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temp, _mode(path))
        os.replace(temp, path)
    except OSError as err:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"cannot write the trained network: {err.strerror}", file=shown) from None


def _mode(path: Path) -> int:
    """The file's own permissions if it exists, else what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _same(a: float, b: float) -> bool:
    """The same float, bit for bit (0.0 and -0.0 differ; the trained value is written)."""
    return struct.pack("<d", a) == struct.pack("<d", b)


def _param_paths(network: Network) -> Iterator[tuple[str, tuple[PathPart, ...]]]:
    """Where each param's number is written in the file (FORMAT §1.1 and §1.2)."""
    if not network.layered:
        for name in network.params:
            yield name, ("params", name)
        return
    # the layered form: row j of layer l holds node j's weights, in the order of its edges
    row: dict[int, int] = {}
    for node in network.nodes:
        assert node.layer is not None
        li = node.layer - 1
        j = row[li] = row.get(li, -1) + 1
        for k, param in enumerate(node.edges.params):
            yield param, ("layers", li, "weights", j, k)
        if node.bias is not None:
            yield node.bias, ("layers", li, "biases", j)
