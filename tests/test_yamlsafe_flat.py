"""The loader's flat answers files: a file of `key: number` lines, comments and blanks, read line by
line, gives exactly what the event path gives (data and types, positions, raw text), and anything
else — a duplicate, a tab, a quote, a number that is not finite — takes the event path, which
accepts or refuses it as always."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from backprop import yamlsafe
from backprop.answers import load_answers
from backprop.errors import FileFormatError
from test_yamlsafe_rows import _outcome

PARSERS = ["libyaml", "pure-python"] if yaml.__with_libyaml__ else ["pure-python"]


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "pure-python":
        monkeypatch.setattr(yaml, "__with_libyaml__", False)
    return str(request.param)


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """(with the flat path, the event path alone) for `text`."""
    flat = _outcome(text)
    with monkeypatch.context() as m:
        m.setattr(yamlsafe, "_flat", lambda text: None)
        events = _outcome(text)
    return flat, events


SHEET = "# ada\nz1: 0.470\n\ndL/dw5: -0.01   # eta applied?\nw5_new: 3\n  # an indented comment\nL: 1e-3\n"


def test_a_flat_sheet_is_read_line_by_line() -> None:
    # the flat path is really taken here (otherwise the tests below compare a path with itself)
    found = yamlsafe._flat(SHEET)
    assert found is not None and found[0] == {"z1": 0.47, "dL/dw5": -0.01, "w5_new": 3, "L": 0.001}


def test_a_flat_sheet_gives_what_the_event_path_gives(parser: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    flat, events = _both(SHEET, monkeypatch)
    assert flat == events
    # decimals are read from the text as written: 0.470 has three
    shapes = {path: (where, raw, kind) for path, where, raw, kind in flat[2]}  # type: ignore[misc]
    assert shapes[("z1",)] == ((2, 5), "0.470", "float")
    assert shapes[("w5_new",)] == ((5, 9), "3", "int")


@pytest.mark.parametrize("text", [
    "z1: 0.47\nz1: 0.48\n",  # a duplicate: the event path's located refusal
    "z1: 0.47\n\tz2: 1\n",  # a tab
    "z1: 0.47\r\nz2: 1\r\n",  # Windows line ends
    "'z1': 0.47\n",  # a quoted key
    "z1: '0.47'\n",  # a quoted number is a string
    "z1: 1e999\n",  # not finite
    "z1: 0x1F\n",  # YAML 1.1 hex: a string
    "z1: 1_000\n",  # a string
    "∂L/∂w5: -0.1\n",  # a non-ASCII key
    "z1: 0.47#c\n",  # no space before '#': one plain scalar, a string
    "z1: 0.47\n a: 1\n",  # an indented line
    "---\nz1: 0.47\n",  # a document marker
    "# only a comment\n",  # no entry
    "",
    "z1: 1\x07\n",  # a control character
    "z1: 0.47  # η\n",  # a non-ASCII comment
    "y: 1\nnull: 2\ntrue: 3\n_: .5\nA/B: 5.\nw: +7\nv: -0\nu: 007\n",
])
def test_anything_else_takes_the_event_path(text: str, parser: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    flat, events = _both(text, monkeypatch)
    assert flat == events


def test_a_duplicate_is_refused_where_it_stands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sheet = tmp_path / "s.yaml"
    sheet.write_text("z1: 0.47\nh1: 0.6\nz1: 0.48\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as err:
        load_answers(sheet)
    assert (err.value.line, err.value.column) == (3, 1) and "duplicate key 'z1'" in str(err.value)
    assert "first defined at line 1" in str(err.value)


_KEY = st.from_regex(r"[A-Za-z_][A-Za-z0-9_/]{0,6}", fullmatch=True)
_NUMBER = st.one_of(
    st.from_regex(r"[-+]?(?:[0-9]{1,4}(?:\.[0-9]{0,4})?|\.[0-9]{1,4})(?:[eE][-+]?[0-9]{1,3})?",
                  fullmatch=True),
    st.sampled_from(["1e400", "-1e999", "0x10", "1_0", ".", "1.2.3", "'1'", "~", "null", "nan"]))
_LINE = st.one_of(
    st.tuples(_KEY, st.sampled_from([" ", "  "]), _NUMBER,
              st.sampled_from(["", " ", "  # c", " #", "#x"])).map(lambda t: f"{t[0]}:{t[1]}{t[2]}{t[3]}"),
    st.sampled_from(["", "  ", "# a comment", "   # indented", "\t", " x: 1", "- 1", "a:1"]))


@given(lines=st.lists(_LINE, min_size=0, max_size=8), end=st.sampled_from(["", "\n"]))
def test_any_such_file_gives_what_the_event_path_gives(lines: list[str], end: str) -> None:
    text = "\n".join(lines) + end
    flat = _outcome(text)
    original = yamlsafe._flat
    yamlsafe._flat = lambda text: None  # the event path alone (hypothesis runs no fixtures per example)
    try:
        events = _outcome(text)
    finally:
        yamlsafe._flat = original
    assert flat == events
