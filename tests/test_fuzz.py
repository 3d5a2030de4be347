"""Any file gives exit 0 or exit 2 with one message, never a traceback (hypothesis).

Three sources of files: the bundled networks and small valid ones, mutated line by line and
scalar by scalar; random structures in the network file's own vocabulary; and random YAML-ish
text. Each runs through the CLI in-process; an exception other than SystemExit is a bug.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop.cli import cli
from conftest import NETWORKS

SEEDS = [p.read_text(encoding="utf-8") for p in sorted(NETWORKS.glob("*.yaml"))
         if not p.name.endswith(".answers.yaml")]
SEEDS += [
    "inputs: {x: 1}\nparams: {w: 0.5, b: 0.1}\nnodes:\n  y: {from: {x: w}, bias: b, activation: tanh}\n"
    "targets: {y: 0.2}\nloss: half_sse\nlearning_rate: 0.3\n",
    "inputs: [1, 2]\nlayers:\n  - activation: {name: leaky_relu, slope: 0.1}\n    weights: [[0.1, -0.2]]\n"
    "    biases: [0]\ntargets: [1]\nloss: sse\nlearning_rate: 0.1\nnames: {weight: 'w{layer}{j}{k}'}\n",
    "params: {a: 1, b: -1}\nnodes:\n  p: {from: {x: a}, activation: softmax}\n"
    "  q: {from: {x: b}, activation: softmax}\nsamples:\n  - {inputs: {x: 1}, targets: {p: 1, q: 0}}\n"
    "  - {inputs: {x: -1}, targets: {p: 0, q: 1}}\nloss: cross_entropy\nlearning_rate: 0.5\n"
    "frozen: [b]\nbias_sign: minus\n",
]

WEIRD = ["", "~", "null", "true", "no", "yes", "0", "-0", "-1", "1e308", "-1e308", "1e-320",
         "4.9e-324", "1e400", ".nan", ".inf", "0x1F", "0o17", "1_000", "'0.5'", '"x"', "[]", "{}",
         "[1, [2]]", "{a: 1}", "!!python/object:os.system x", "&a 1", "*a", "<<", "'\\e[31m'",
         '"\\u202e"', "σ", "ŷ", "x1", "w1", "h1", "y_hat", "sigmoid", "softmax", "relu", "bce",
         "cross_entropy", "mse", "{name: leaky_relu, slope: 2}", "{name: softmax, group: g}",
         "'{j.__class__}'", "'w{layer!r}'", "'{0}'", "1" * 400, "a" * 200, "- x", "? x", ":", "#",
         "|\n  block", ">-\n  folded", "[[1, 2], [3]]", "{from: [x]}", "{inputs: [], targets: []}"]
FRAGMENTS = ["---", "...", "%YAML 1.1", "- [", "{", "}", "]", "key: value", "  - 1", "\t- tab",
             "a: &x 1", "b: *x", "<<: {a: 1}", "!!binary aGk=", "? complex", ": value", "'''",
             '"unterminated', "# comment", "nodes: {}", "layers: []", "samples: []", "params: ~",
             "title: \"\\x1b[2J\"", "names: {weight: '{k}'}", "frozen: [nope]", "loss: {kind: bce}"]

SCALAR = re.compile(r"(?<=[:\[{,] )[^\s,\[\]{}:#][^,\[\]{}\n#]*")

# hypothesis may reuse one temporary folder for every example (a function-scoped fixture
# would be shared across examples, which hypothesis warns about)
FOLDER = Path(tempfile.mkdtemp(prefix="backprop-fuzz-"))
atexit.register(shutil.rmtree, FOLDER, ignore_errors=True)
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_file(data: bytes, fmt: str = "table") -> None:
    """Write `data` as a network file, run `step` in-process, and check the outcome."""
    path = FOLDER / "fuzz.yaml"
    path.write_bytes(data)
    args = ["step", str(path)] + (["--format", "json"] if fmt == "json" else [])
    result = CliRunner().invoke(cli, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the bug this test exists to find
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stdout == ""
        # one error, last; a legal-but-suspicious file (an unused param) may warn before it
        *warnings, error, end = result.stderr.split("\n")
        assert error.startswith("backprop: error: ") and end == ""
        assert all(w.startswith("backprop: warning: ") for w in warnings)
    else:
        assert result.stdout
        assert "Infinity" not in result.stdout and "NaN" not in result.stdout


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A seed network with one to four line- or scalar-level mutations."""
    lines = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "scalar", "insert", "indent"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "scalar":
            spots = list(SCALAR.finditer(lines[i]))
            if spots:
                m = draw(st.sampled_from(spots))
                lines[i] = lines[i][: m.start()] + draw(st.sampled_from(WEIRD)) + lines[i][m.end():]
        elif op == "insert":
            lines.insert(i, draw(st.sampled_from(FRAGMENTS)))
        else:
            lines[i] = draw(st.sampled_from([" ", "  ", "\t", ""])) + lines[i].lstrip()
    return "\n".join(lines) + "\n"


@FUZZ
@given(mutated(), st.sampled_from(["table", "json"]))
def test_mutated_networks_exit_0_or_2(text: str, fmt: str) -> None:
    run_file(text.encode("utf-8"), fmt)


# ---------------------------------------------------------------- structures in the file's vocabulary

KEYS = ["title", "description", "inputs", "targets", "samples", "loss", "learning_rate", "frozen",
        "bias_sign", "params", "nodes", "layers", "names", "from", "bias", "activation", "sum",
        "weights", "biases", "kind", "name", "reduction", "slope", "group", "input", "node",
        "weight", "x1", "x2", "w1", "w2", "b1", "h1", "y", "z1", "1", "true", "σ", "a b"]
words = st.sampled_from(["x1", "x2", "w1", "w2", "b1", "h1", "y", "sigmoid", "softmax", "relu",
                         "leaky_relu", "tanh", "identity", "mse", "bce", "cross_entropy",
                         "half_sse", "sse", "plus", "minus", "sum", "mean", "w{layer}{j}{k}",
                         "x{j}", "{j.real}", "", "σ", "[red]x[/]"])
numbers = st.one_of(st.integers(-3, 3), st.floats(-1e3, 1e3, allow_nan=False),
                    st.sampled_from([0.0, -0.0, 1e308, -1e308, 1e-310, 1e200, 5e-324]))
scalars = st.one_of(words, numbers, st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=25)
positive = st.floats(1e-3, 10.0)
activations = st.one_of(st.sampled_from(["sigmoid", "tanh", "relu", "identity", "softplus",
                                         "softmax", "linear", "logistic"]),
                        st.fixed_dictionaries({"name": st.sampled_from(["leaky_relu", "softmax"])},
                                              optional={"slope": st.sampled_from([0.0, 0.2, 1.0]),
                                                        "group": st.sampled_from(["g", "h"])}))
node = st.fixed_dictionaries(
    {"from": st.dictionaries(st.sampled_from(["x1", "x2", "h1"]), st.sampled_from(["w1", "w2"]),
                             max_size=2)},
    optional={"activation": activations, "bias": st.just("b1"), "sum": st.sampled_from(["z1", "z2"])})
graph = st.fixed_dictionaries({
    "inputs": st.dictionaries(st.sampled_from(["x1", "x2"]), numbers, min_size=1, max_size=2),
    "params": st.fixed_dictionaries({"w1": numbers, "w2": numbers, "b1": numbers}),
    "nodes": st.fixed_dictionaries({"h1": node, "y": node}),
    "targets": st.fixed_dictionaries({"y": st.sampled_from([0, 0.25, 1])}),
    "loss": st.one_of(st.sampled_from(["mse", "sse", "half_sse", "bce", "cross_entropy"]),
                      st.fixed_dictionaries({"kind": st.sampled_from(["mse", "bce"])},
                                            optional={"name": st.just("E"),
                                                      "reduction": st.sampled_from(["sum", "mean"])})),
    "learning_rate": positive,
}, optional={"frozen": st.lists(st.sampled_from(["w1", "b1"]), max_size=2, unique=True),
             "bias_sign": st.sampled_from(["plus", "minus"]), "title": words})
layer = st.fixed_dictionaries({"weights": st.lists(st.lists(numbers, min_size=2, max_size=2),
                                                   min_size=2, max_size=2)},
                              optional={"activation": activations,
                                        "biases": st.lists(numbers, min_size=2, max_size=2)})
layered = st.fixed_dictionaries({
    "inputs": st.lists(numbers, min_size=2, max_size=2),
    "layers": st.lists(layer, min_size=1, max_size=2),
    "targets": st.lists(st.sampled_from([0, 0.5, 1]), min_size=2, max_size=2),
    "loss": st.sampled_from(["mse", "sse", "half_sse", "bce", "cross_entropy"]),
    "learning_rate": positive,
}, optional={"names": st.dictionaries(st.sampled_from(["input", "sum", "node", "weight", "bias"]),
                                      words, max_size=2)})


def places(tree: object, path: tuple = ()) -> list[tuple]:
    """Every path into a plain-data tree (mapping keys and list indices)."""
    found = [path]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += places(value, (*path, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            found += places(value, (*path, i))
    return found


@st.composite
def corrupted(draw: st.DrawFn) -> dict:
    """A valid-shaped network with zero to three values replaced, keys renamed or dropped."""
    top = draw(st.one_of(graph, layered))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(places(top)[1:]))
        parent = top
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "delete", "rename"]))
        if op == "replace":
            parent[last] = draw(values)
        elif op == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = parent.pop(last)
    return top


tops = st.one_of(corrupted(), st.dictionaries(st.sampled_from(KEYS), values, max_size=6))


@FUZZ
@given(tops, st.booleans(), st.sampled_from(["table", "json"]))
def test_random_structures_exit_0_or_2(top: dict, flow: bool, fmt: str) -> None:
    text = yaml.safe_dump(top, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    run_file(text.encode("utf-8"), fmt)


# ---------------------------------------------------------------- arbitrary YAML-ish text

TOKENS = [*"abxyzw019.-+eE:,[]{}#&*!|>'\"%@`?~ \t\n\\σ\x00\x1b", "inputs", "nodes", "from",
          "layers", "loss", "learning_rate", "- ", ": ", "\n  ", "!!", "---"]
yamlish = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@FUZZ
@given(yamlish)
def test_yaml_ish_text_exits_0_or_2(text: str) -> None:
    run_file(text.encode("utf-8"))


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_exit_0_or_2(data: bytes) -> None:
    run_file(data)
