"""The strict YAML loader: hostile and malformed files are refused with located messages, never run."""

from __future__ import annotations

import math
import os
import random
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from backprop import yamlsafe
from backprop.errors import BackpropError, FileFormatError, SpecError
from backprop.yamlsafe import MAX_BYTES, MAX_DEPTH, Document, load_file, load_text

PARSERS = ["libyaml", "pure-python"] if yaml.__with_libyaml__ else ["pure-python"]


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test against libyaml and against the pure-Python fallback used where libyaml is missing."""
    if request.param == "pure-python":
        monkeypatch.setattr(yaml, "__with_libyaml__", False)
    return str(request.param)


def refused(text: str, filename: str = "net.yaml") -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        load_text(text, filename)
    return info.value


# --------------------------------------------------------------------------- hostile corpus

# (id, text, fragment every parser's message contains, "line:col" or None)
BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)
DEEP_BLOCK_MAP = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 1)) + "  " * (MAX_DEPTH + 1) + "1\n"

HOSTILE = [
    # anchors and aliases
    ("anchor-scalar", "a: &x 1\n", "anchor '&x' found; anchors and aliases are not allowed", "1:4"),
    ("alias", "a: 1\nb: *x\n", "alias '*x' found; anchors and aliases are not allowed", "2:4"),
    ("anchor-list", "a: &l [1, 2]\n", "anchor '&l' found", "1:4"),
    ("anchor-key", "&k a: 1\n", "anchor '&k' found", "1:1"),
    ("alias-key", "*a : 1\n", "alias '*a' found", "1:1"),
    ("self-reference", "&a [*a]\n", "anchor '&a' found", "1:1"),
    ("billion-laughs", BILLION_LAUGHS, "anchor '&a' found", "1:4"),
    (
        "merge-key",
        "base: {x: 1}\nc:\n  <<: {x: 2}\n",
        "merge key '<<' found; merge keys are not allowed",
        "3:3",
    ),
    # tags: nothing is ever constructed from one
    (
        "python-apply",
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "tag '!!python/object/apply:os.system' on a sequence found; explicit tags are not allowed",
        "1:4",
    ),
    ("python-new", "!!python/object/new:os.system [ls]\n", "tag '!!python/object/new:os.system'", "1:1"),
    ("python-name", "a: !!python/name:os.system ''\n", "tag '!!python/name:os.system' on a scalar", "1:4"),
    ("str-tag", "a: !!str 0.5\n", "tag '!!str' on a scalar found", "1:4"),
    ("float-tag", "a: !!float 1\n", "tag '!!float'", "1:4"),
    ("binary-tag", "x: !!binary aGk=\n", "tag '!!binary'", "1:4"),
    ("map-tag", "a: !!map {b: 1}\n", "tag '!!map' on a mapping found", "1:4"),
    ("local-tag", "a: !foo x\n", "tag '!foo' on a scalar found", "1:4"),
    ("non-specific-tag", "a: ! x\n", "tag '!' on a scalar found", "1:4"),
    ("verbatim-tag", "a: !<tag:yaml.org,2002:str> x\n", "tag '!!str'", "1:4"),
    (
        "tag-directive",
        "%TAG !e! tag:example.com,2000:\n---\na: !e!foo x\n",
        "tag 'tag:example.com,2000:foo'",
        "3:4",
    ),
    ("undefined-tag-handle", "a: !e!foo x\n", "found undefined tag handle", "1:4"),
    # keys
    ("duplicate-key", "a: 1\nb: 2\na: 3\n", "duplicate key 'a' (first defined at line 1)", "3:1"),
    ("duplicate-quoted", "a: 1\n'a': 2\n", "duplicate key 'a' (first defined at line 1)", "2:1"),
    ("duplicate-flow", "{a: 1, a: 2}\n", "duplicate key 'a' (first defined at line 1)", "1:8"),
    ("duplicate-explicit", "? a\n? a\n", "duplicate key 'a'", "2:3"),
    ("sequence-key", "[a]: 1\n", "a sequence used as a mapping key; keys must be plain strings", "1:1"),
    ("mapping-key", "? {a: 1}\n: 2\n", "a mapping used as a mapping key; keys must be plain strings", "1:3"),
    ("flow-complex-key", "{? [a]: 1}\n", "a sequence used as a mapping key", "1:4"),
    ("empty-key", "? \n: x\n", "empty mapping key found; keys must be plain strings", "1:2"),
    # documents and depth
    (
        "two-documents",
        "a: 1\n---\nb: 2\n",
        "a second YAML document ('---') found; a file must hold exactly one",
        "2:1",
    ),
    ("explicit-documents", "---\na: 1\n---\n", "a second YAML document", "3:1"),
    ("document-end", "a: 1\n...\n---\nb: 2\n", "a second YAML document", "3:1"),
    (
        "deep-flow",
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        f"nesting deeper than {MAX_DEPTH} levels",
        "1:33",
    ),
    ("deep-flow-map", "{a: " * 40 + "1" + "}" * 40, f"nesting deeper than {MAX_DEPTH} levels", "1:129"),
    ("deep-block-map", DEEP_BLOCK_MAP, f"nesting deeper than {MAX_DEPTH} levels", "33:65"),
    ("deep-block-seq", "- " * 40 + "1\n", f"nesting deeper than {MAX_DEPTH} levels", "1:65"),
    # numbers that are not finite
    ("nan", "a: .nan\n", "not a finite number: '.nan' (numbers must be finite)", "1:4"),
    ("NaN", "a: .NaN\n", "not a finite number: '.NaN'", "1:4"),
    ("inf", "a: .inf\n", "not a finite number: '.inf'", "1:4"),
    ("minus-inf", "a: [1, -.Inf]\n", "a[1]: not a finite number: '-.Inf'", "1:8"),
    (
        "float-overflow",
        "w: [0.5, 1e400]\n",
        "w[1]: not a finite number: '1e400' (numbers must be finite)",
        "1:10",
    ),
    ("negative-overflow", "b: -1E999\n", "not a finite number: '-1E999'", "1:4"),
    ("huge-int", "n: " + "9" * 5000 + "\n", "not a finite number: '99999", "1:4"),
    # syntax and characters
    ("unclosed-flow", "a: [1, 2\n", "invalid YAML: ", None),
    ("unclosed-flow-map", "a: {b: 1\n", "while parsing a flow mapping started at line 1, column 4", None),
    ("wrong-closer", "a: [1, 2}\n", "while parsing a flow sequence started at line 1, column 4", "1:9"),
    ("bad-indent", "a: 1\n b: 2\n", "invalid YAML: mapping values are not allowed", "2:3"),
    ("value-in-value", "a: b: c\n", "mapping values are not allowed", "1:5"),
    ("tab-indent", "a:\n\tb: 1\n", "YAML does not allow tabs", "2:1"),
    ("unterminated-quote", "a: 'unterminated\n", "found unexpected end of stream", "2:1"),
    ("unknown-escape", 'a: "\\q"\n', "found unknown escape character", None),
    ("reserved-indicator", "a: @foo\n", "that cannot start any token", "1:4"),
    ("backquote", "a: `x`\n", "'`'", "1:4"),
    ("stray-closer", "[1, 2]]\n", "document start", "1:7"),
    ("seq-then-map", "- a\nb: 1\n", "while parsing a block collection started at line 1, column 1", "2:1"),
    ("yaml-2", "%YAML 2.0\n---\na: 1\n", "found incompatible YAML document", "1:1"),
    ("duplicate-directive", "%YAML 1.1\n%YAML 1.1\n---\na: 1\n", "found duplicate", "2:1"),
    ("control-char", "a: x\x07y\n", "invalid character U+0007", "1:5"),
    ("nul", "a: \x00\n", "invalid character U+0000", "1:4"),
    ("lone-surrogate", "a: [1,\n  \ud800]\n", "invalid character U+D800", "2:3"),
]


@pytest.mark.parametrize(("text", "fragment", "where"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_input_is_refused_with_a_located_message(
    parser: str, text: str, fragment: str, where: str | None
) -> None:
    err = refused(text)
    message = str(err)
    assert message.startswith("net.yaml:")
    assert fragment in message
    if where is not None:
        assert message.startswith(f"net.yaml:{where}: "), message
    assert isinstance(err, BackpropError)
    assert "\n" not in message


def test_refusal_names_the_path_to_the_bad_node(parser: str) -> None:
    text = "layers:\n  - weights: [[0.1, 0.2], [0.3, .inf]]\n"
    assert str(refused(text)) == (
        "net.yaml:2:33: layers[0].weights[1][1]: not a finite number: '.inf' (numbers must be finite)"
    )


def test_duplicate_key_deep_inside_names_key_and_first_line(parser: str) -> None:
    text = "nodes:\n  h1:\n    from:\n      x1: 0.5\n      x2: -0.25\n      x1: 0.75\n    bias: 0.1\n"
    err = refused(text)
    assert str(err) == "net.yaml:6:7: nodes.h1.from: duplicate key 'x1' (first defined at line 4)"
    assert (err.line, err.column, err.path) == (6, 7, ("nodes", "h1", "from"))


@pytest.mark.parametrize(
    "text",
    [
        '!!python/object/apply:os.system ["touch {marker}"]\n',
        "a: !!python/object/apply:os.system ['touch {marker}']\n",
        "a: !!python/object/new:os.system ['touch {marker}']\n",
        "a: !!python/object/apply:subprocess.check_call [[touch, '{marker}']]\n",
        "{{!!python/object/apply:os.system ['touch {marker}']: 1}}\n",
        "- !!python/object/apply:os.system\n  args: ['touch {marker}']\n",
    ],
)
def test_python_tags_never_run(parser: str, tmp_path: Path, text: str) -> None:
    marker = tmp_path / "pwned_xyz"
    err = refused(text.format(marker=marker))
    assert "explicit tags are not allowed" in str(err)
    assert not marker.exists()


def test_fifty_thousand_brackets_refused_in_process(parser: str) -> None:
    # PyYAML's C composer overflows the C stack on this; a crash would kill the test run itself.
    start = time.perf_counter()
    for opener in "[{":
        err = refused(opener * 50_000)
        assert str(err).startswith(f"net.yaml:1:{MAX_DEPTH + 1}: nesting deeper than {MAX_DEPTH} levels")
    assert time.perf_counter() - start < 1.0


def test_brackets_hidden_in_strings_still_hit_the_depth_limit(parser: str) -> None:
    # Each "]" inside a quoted string cancels a "[" for the cheap pre-scan; the parse still counts right.
    start = time.perf_counter()
    err = refused('["]", ' * 50_000)
    assert f"nesting deeper than {MAX_DEPTH} levels" in str(err)
    assert time.perf_counter() - start < 1.0


def test_billion_laughs_refused_before_any_alias_is_expanded(parser: str) -> None:
    # refused at the first anchor, on line 1: no alias (the first is on line 2) was ever expanded
    message = str(refused(BILLION_LAUGHS))
    assert "anchors and aliases are not allowed" in message
    assert message.startswith("net.yaml:1:"), message


def test_nesting_at_the_limit_is_accepted(parser: str) -> None:
    doc = load_text("[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH, "net.yaml")
    node = doc.root
    for _ in range(MAX_DEPTH):
        assert isinstance(node, list)
        node = node[0]
    assert node == 1


# --------------------------------------------------------------------------- scalars (YAML 1.2 core)

SCALARS = [
    ("7e-1", 0.7),
    ("1e-3", 0.001),
    ("1E5", 100000.0),
    ("-0.5", -0.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("+1", 1),
    ("0", 0),
    ("-7", -7),
    ("010", 10),
    ("0.470", 0.47),
    ("-0.71", -0.71),
    ("1e-400", 0.0),
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ("0" * 5000 + "1", 1),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("n", "n"),
    ("0x1F", "0x1F"),
    ("0o17", "0o17"),
    ("0b101", "0b101"),
    ("12:30", "12:30"),
    ("2001-12-14", "2001-12-14"),
    ("1_000", "1_000"),
    ("inf", "inf"),
    ("nan", "nan"),
    ("Infinity", "Infinity"),
    ("1.2.3", "1.2.3"),
    ("1e", "1e"),
    ("e5", "e5"),
    ("\uff11", "\uff11"),  # fullwidth digit one: Python's int() would take it
    ('"0.5"', "0.5"),
    ("'1'", "1"),
    ("'true'", "true"),
    ('"null"', "null"),
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("tRUE", "tRUE"),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("~", None),
    ("", None),
    ("nULL", "nULL"),
]


@pytest.mark.parametrize(("written", "expected"), SCALARS, ids=[repr(s[0]) for s in SCALARS])
def test_scalars_follow_the_yaml_1_2_core_schema(parser: str, written: str, expected: object) -> None:
    value = load_text(f"v: {written}\n", "s.yaml").root["v"]  # type: ignore[index]
    assert type(value) is type(expected)
    assert value == expected


def test_negative_zero_keeps_its_sign(parser: str) -> None:
    value = load_text("v: -0.0\n", "s.yaml").root["v"]  # type: ignore[index]
    assert isinstance(value, float)
    assert value == 0.0
    assert math.copysign(1.0, value) == -1.0


def test_keys_are_their_source_text(parser: str) -> None:
    doc = load_text("1: a\n1.50: b\nnull: c\ntrue: d\n'q': e\n~: f\n", "k.yaml")
    assert doc.root == {"1": "a", "1.50": "b", "null": "c", "true": "d", "q": "e", "~": "f"}
    assert isinstance(doc.root, dict)
    assert list(doc.root) == ["1", "1.50", "null", "true", "q", "~"]


def test_quoted_merge_key_is_an_ordinary_string(parser: str) -> None:
    assert load_text("'<<': 1\n", "k.yaml").root == {"<<": 1}


def test_block_scalars_are_strings(parser: str) -> None:
    assert load_text("a: |\n  1.5\nb: >-\n  true\n", "b.yaml").root == {"a": "1.5\n", "b": "true"}


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n   \n", "---\n", "---\n...\n"])
def test_empty_files_give_root_none(parser: str, text: str) -> None:
    doc = load_text(text, "e.yaml")
    assert doc.root is None
    assert doc.locate([]) in (None, (1, 1), (2, 1))
    assert doc.raw(["x"]) is None


def test_both_parsers_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: [1, 2.5, x, 'y', ~, true]\nb:\n  c: {d: 1e-3}\n  e:\n    - -0.0\n    - 010\n"
    fast = load_text(text, "n.yaml")
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    slow = load_text(text, "n.yaml")
    assert fast.root == slow.root
    paths: list[list[str | int]] = [["a", 3], ["b", "c", "d"], ["b", "e", 1]]
    for path in paths:
        assert fast.locate(path) == slow.locate(path)
        assert fast.raw(path) == slow.raw(path)


# --------------------------------------------------------------------------- raw() and locate()

NET = """\
# a comment
name: tiny
layers:
  - weights: [[0.470, -0.71], [1e-3, 010]]
    biases: [+1, "0.5"]
  - weights:
      - [0.1]
empty:
é: [ü, 0.25]
"""


@pytest.fixture
def net(parser: str) -> Document:
    return load_text(NET, "net.yaml")


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        (["layers", 0, "weights", 0, 0], "0.470"),
        (["layers", 0, "weights", 0, 1], "-0.71"),
        (["layers", 0, "weights", 1, 0], "1e-3"),
        (["layers", 0, "weights", 1, 1], "010"),
        (["layers", 0, "biases", 0], "+1"),
        (["layers", 0, "biases", 1], None),  # quoted
        (["layers", 0, "weights"], None),  # a list
        (["layers", 1, "weights", 0, 0], "0.1"),
        (["name"], "tiny"),
        (["empty"], ""),
        (["é", 1], "0.25"),
        (["layers", 5], None),
        (["nope"], None),
        (["name", 0], None),
        (["layers", "0"], None),
    ],
)
def test_raw_gives_the_source_text(net: Document, path: list[str | int], raw: str | None) -> None:
    assert net.raw(path) == raw


def test_raw_counts_decimals_as_written(net: Document) -> None:
    assert net.root["layers"][0]["weights"][0][0] == 0.47  # type: ignore[index]
    raw = net.raw(["layers", 0, "weights", 0, 0])
    assert raw is not None
    assert len(raw.split(".")[1]) == 3


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ([], (2, 1)),
        (["name"], (2, 7)),
        (["layers"], (4, 3)),
        (["layers", 0], (4, 5)),
        (["layers", 0, "weights"], (4, 14)),
        (["layers", 0, "weights", 0], (4, 15)),
        (["layers", 0, "weights", 1, 1], (4, 38)),
        (["layers", 0, "biases", 1], (5, 18)),
        (["layers", 1, "weights", 0, 0], (7, 10)),
        (["é", 1], (9, 8)),  # columns count characters, not UTF-8 bytes
        (["layers", 0, "missing"], (4, 5)),  # a missing key: the enclosing mapping
        (["layers", 9, "weights"], (4, 3)),  # a missing index: the enclosing list
        (["layers", True], (4, 3)),
    ],
)
def test_locate_points_at_the_value(net: Document, path: list[str | int], where: tuple[int, int]) -> None:
    assert net.locate(path) == where


def test_locate_empty_value_is_on_its_line(net: Document) -> None:
    where = net.locate(["empty"])
    assert where is not None
    assert where[0] == 8


def test_document_without_positions_locates_nothing() -> None:
    doc = Document("x.yaml", {"a": 1})
    assert doc.locate(["a"]) is None
    assert doc.raw(["a"]) is None
    err = doc.error(["a"], "bad")
    assert str(err) == "x.yaml: a: bad"


def test_error_builds_a_located_spec_error(net: Document) -> None:
    err = net.error(["layers", 0, "weights", 1, 0], "weights must be at most 1")
    assert type(err) is SpecError
    assert (err.file, err.line, err.column) == ("net.yaml", 4, 32)
    assert err.path == ("layers", 0, "weights", 1, 0)
    assert str(err) == "net.yaml:4:32: layers[0].weights[1][0]: weights must be at most 1"


def test_error_takes_another_class(net: Document) -> None:
    err = net.error(["layers", 0, "oops"], "unknown field", FileFormatError)
    assert type(err) is FileFormatError
    assert str(err) == "net.yaml:4:5: layers[0].oops: unknown field"


def test_document_is_frozen(net: Document) -> None:
    with pytest.raises(AttributeError):
        net.root = None  # type: ignore[misc]


# --------------------------------------------------------------------------- files


def test_load_file_uses_the_path_as_given(
    parser: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("n.yaml").write_text("a: [1, 2]\n", encoding="utf-8")
    doc = load_file("n.yaml")
    assert (doc.filename, doc.root) == ("n.yaml", {"a": [1, 2]})
    assert load_file(Path("n.yaml"), display_name="bundled:tiny").filename == "bundled:tiny"


def test_load_file_error_names_display_name(parser: str, tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    assert (
        str(_file_error(path, "shown.yaml")) == "shown.yaml:2:1: duplicate key 'a' (first defined at line 1)"
    )


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    message = str(_file_error(path))
    assert message.startswith(f"{path}: cannot read file: ")
    assert "No such file" in message


def test_directory(tmp_path: Path) -> None:
    message = str(_file_error(tmp_path))
    assert message.startswith(f"{tmp_path}: cannot read file: ")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    path.chmod(0)
    assert "cannot read file: Permission denied" in str(_file_error(path))


def test_bad_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: caf\u00e9\n".encode("latin-1"))
    assert str(_file_error(path)).startswith(f"{path}:2:10: not UTF-8 text: byte 0xE9")


def test_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "u16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    assert "not UTF-8 text" in str(_file_error(path))


def test_utf8_bom_is_accepted(parser: str, tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 0.5\n".encode())
    assert load_file(path).root == {"a": 0.5}


def test_size_cap_refuses_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    # Not valid YAML past the first line: the size check must come before any parse.
    path.write_bytes(b"a: [\n" + b"x" * MAX_BYTES)
    message = str(_file_error(path))
    assert message == f"{path}: file is larger than the {MAX_BYTES:,}-byte limit (16 MiB)"


def test_size_cap_admits_a_file_of_exactly_max_bytes(tmp_path: Path) -> None:
    path = tmp_path / "edge.yaml"
    body = b"# " + b"x" * (MAX_BYTES - 3) + b"\n"
    assert len(body) == MAX_BYTES
    path.write_bytes(body)
    assert load_file(path).root is None


def test_load_text_applies_the_size_cap_in_utf8_bytes() -> None:
    text = "# " + "\u00e9" * (MAX_BYTES // 2)  # under the cap in characters, over it in bytes
    assert "larger than the" in str(refused(text))


def _file_error(path: Path, display_name: str | None = None) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        load_file(path, display_name)
    return info.value


# --------------------------------------------------------------------------- speed and robustness


def _mnist_sized_yaml() -> str:
    """A 784-128-10 network as flow lists of 17-significant-digit floats (101,770 numbers)."""
    rng = random.Random(7)
    lines = ["layers:"]
    for n_in, n_out in ((784, 128), (128, 10)):
        lines.append("  - weights:")
        for _ in range(n_out):
            lines.append("      - [" + ", ".join(f"{rng.uniform(-1, 1):.17g}" for _ in range(n_in)) + "]")
        lines.append("    biases: [" + ", ".join(f"{rng.uniform(-1, 1):.17g}" for _ in range(n_out)) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="speed target assumes libyaml")
def test_a_784_128_10_network_loads_fast() -> None:
    text = _mnist_sized_yaml()
    assert len(text) > 2_000_000
    start = time.perf_counter()
    doc = load_text(text, "mnist.yaml")
    elapsed = time.perf_counter() - start
    layers = doc.root["layers"]  # type: ignore[index]
    assert sum(len(row) for layer in layers for row in layer["weights"]) + 138 == 101_770
    assert doc.locate(["layers", 1, "biases", 9]) is not None
    assert elapsed < 3.0, f"{elapsed:.2f} s"  # ~0.3 s measured; generous for loaded CI machines


YAMLISH = st.text(alphabet=st.sampled_from([*"ab01.-+e:,[]{}&*!|>'\"#?%@`~ \n\t\\<", "\x07", "é"]))


@given(YAMLISH)
def test_any_text_loads_or_is_refused_cleanly(text: str) -> None:
    try:
        doc = load_text(text, "fuzz.yaml")
    except FileFormatError as err:
        assert str(err).startswith("fuzz.yaml")
    else:
        assert doc.filename == "fuzz.yaml"


def test_module_constants_are_sane() -> None:
    assert MAX_BYTES >= 4 * 1024 * 1024
    assert 8 <= MAX_DEPTH <= 64
    assert yamlsafe.__doc__
