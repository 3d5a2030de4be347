"""`backprop schema`: the JSON Schemas validate every real file, and agree with the loader on the
hostile corpus (tests/bad/) wherever a schema can decide."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backprop import spec, yamlsafe
from backprop.activations import ACTIVATIONS, ALIASES
from backprop.check import parse_answers
from backprop.cli import cli
from backprop.errors import BackpropError, FileFormatError
from backprop.losses import LOSSES, REDUCTIONS
from backprop.schema import answers_schema, network_schema
from conftest import NETWORKS, ROOT

BAD = ROOT / "tests" / "bad"
CORPUS = sorted(BAD.glob("*.yaml"))
NETWORK_FILES = sorted(p for p in NETWORKS.glob("*.yaml") if not p.name.endswith(".answers.yaml"))
# tests/answers/ holds the networks test_check.py marks answers against: network files too
NETWORK_FILES += sorted((ROOT / "tests" / "answers").glob("*.yaml"))
ANSWERS_FILES = sorted(NETWORKS.glob("*.answers.yaml"))

# Files the loader refuses although the schema accepts them: what only the whole file shows
# (a reference to another key's names, a count that must match another, a number's range that
# depends on the loss), or what the engine finds while computing. Each with its reason.
SEMANTIC = {
    "190-two-names-equal-after-nfc": "names equal after Unicode NFC normalisation: a comparison of two names",
    "008-duplicate-param": "not reached: duplicate keys are a YAML matter (yamlsafe refuses them)",
    "047-source-undefined": "a source must name an input or an earlier node",
    "048-source-later-node": "the order of nodes is the computation order",
    "049-source-is-itself": "a node cannot use its own value",
    "050-param-undefined": "a param reference must name a key of params",
    "052-bias-undefined": "a bias must name a key of params",
    "060-name-used-twice": "names are unique across inputs, params, nodes and sums",
    "061-sum-name-clashes": "names are unique across inputs, params, nodes and sums",
    "082-target-is-a-hidden-node": "targets name output nodes, known only from the nodes' sources",
    "083-target-is-an-input": "targets name output nodes, not inputs",
    "084-target-unknown": "targets name nodes of this file",
    "091-bce-identity-output": "bce needs outputs in (0, 1): the output's activation and the loss",
    "092-bce-relu-output-layered": "bce needs outputs in (0, 1): the output's activation and the loss",
    "093-cross-entropy-sigmoid-outputs": "cross_entropy needs one softmax group of outputs",
    "094-cross-entropy-two-groups": "cross_entropy needs one softmax group of outputs",
    "096-softmax-used-before-group-done": "a softmax group is complete only after its last member",
    "099-samples-different-inputs": "every sample names the same inputs as the first",
    "105-layer-ragged-rows": "a row has one weight per node of the layer before",
    "106-layer-mis-sized": "a row has one weight per node of the layer before",
    "108-layer-biases-count": "one bias per row",
    "112-layered-targets-count": "one target per node of the last layer",
    "115-huge-layer": "the size limits (MAX_NODES, MAX_PARAMS) bound the work, not the shape",
    "116-names-collide": "generated names must be unique: known only once generated",
    "117-names-collide-across-kinds": "generated names must be unique: known only once generated",
    "118-names-attribute-access": "a template's fields ({layer}, {j}, {k}) are parsed by the loader",
    "119-names-index": "a template's fields are parsed by the loader",
    "120-names-conversion": "a template's fields are parsed by the loader",
    "121-names-format-spec": "a template's fields are parsed by the loader",
    "122-names-positional": "a template's fields are parsed by the loader",
    "123-names-empty-field": "a template's fields are parsed by the loader",
    "124-names-unbalanced-brace": "a template's fields are parsed by the loader",
    "125-names-not-an-identifier": "a generated name must be a name: known only once generated",
    "127-names-field-not-allowed-here": "which fields a template may use depends on its key",
    "129-frozen-unknown": "frozen names params of this file",
    "135-overflow-weighted-sum": "found by the engine while computing",
    "136-overflow-loss-term": "found by the engine while computing",
    "137-overflow-gradient": "found by the engine while computing",
    "138-overflow-update": "found by the engine while computing",
    "139-overflow-loss-after-update": "found by the engine while computing",
    "140-overflow-backward-delta": "found by the engine while computing",
    "141-bce-softmax-of-one": "bce needs outputs in (0, 1): a softmax group of one is always 1",
    "143-cross-entropy-member-without-target": "every member of the softmax group has a target",
    "163-loss-name-is-a-node": "the loss's name is unique among the file's names",
}


def validator(schema: dict) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)  # the schema itself is valid 2020-12
    return jsonschema.Draft202012Validator(schema)


NETWORK = validator(network_schema())
ANSWERS = validator(answers_schema())


def errors(v: jsonschema.Draft202012Validator, data: object) -> list[str]:
    return [e.message for e in v.iter_errors(data)]


@pytest.mark.parametrize("path", NETWORK_FILES, ids=lambda p: p.stem)
def test_every_real_network_validates(path: Path) -> None:
    doc = yamlsafe.load_file(path)
    spec.parse(doc)  # the loader reads it
    assert errors(NETWORK, doc.root) == []


@pytest.mark.parametrize("path", ANSWERS_FILES, ids=lambda p: p.stem)
def test_every_answers_file_validates(path: Path) -> None:
    doc = yamlsafe.load_file(path)
    parse_answers(doc)
    assert errors(ANSWERS, doc.root) == []
    assert errors(NETWORK, doc.root)  # and it is not a network file


def _loader_refuses(doc: yamlsafe.Document) -> bool:
    try:
        network = spec.parse(doc)
    except BackpropError:
        return True
    from backprop.engine import run

    try:  # the overflow files load, then fail in the step
        run(network)
    except BackpropError:
        return True
    return False


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_schema_and_loader_agree_on_the_hostile_corpus(path: Path) -> None:
    try:
        doc = yamlsafe.load_file(path)
    except FileFormatError:
        return  # not YAML the loader reads (syntax, tags, aliases, size): no schema matter
    schema_refuses = bool(errors(NETWORK, doc.root))
    assert _loader_refuses(doc), "every corpus file is refused"
    if path.stem in SEMANTIC:
        assert not schema_refuses, f"{path.stem} is listed as semantic but the schema refuses it"
    else:
        assert schema_refuses, f"the schema accepts {path.stem}, which the loader refuses"


def test_the_semantic_list_names_real_files() -> None:
    stems = {p.stem for p in CORPUS}
    loads = set()
    for p in CORPUS:
        try:
            yamlsafe.load_file(p)
            loads.add(p.stem)
        except FileFormatError:
            pass
    assert set(SEMANTIC) - {"008-duplicate-param"} <= stems & loads


def test_enumerations_come_from_the_registries() -> None:
    text = json.dumps(network_schema())
    for word in [*ACTIVATIONS, *ALIASES, *LOSSES, *REDUCTIONS]:
        assert f'"{word}"' in text, word
    # and an activation or loss outside the registries is refused
    base = yamlsafe.load_file(NETWORKS / "walkthrough.yaml").root
    assert isinstance(base, dict)
    for change in ({"loss": "mae"}, {"loss": {"kind": "sse", "reduction": "median"}},
                   {"nodes": {**base["nodes"], "h1": {"from": {"x1": "w1"}, "activation": "swishy"}}}):
        assert errors(NETWORK, {**base, **change}), change
    for alias in ALIASES:
        nodes = {**base["nodes"], "h1": {"from": {"x1": "w1", "x2": "w3"}, "activation": alias}}
        assert errors(NETWORK, {**base, "nodes": nodes}) == []


def test_schema_accepts_unicode_names_the_loader_accepts() -> None:
    # FORMAT: "Unicode letters such as ŷ or σ are letters"
    data = {"inputs": {"x": 1}, "params": {"w": 0.5}, "nodes": {"ŷ": {"from": {"x": "w"}, "sum": "zσ"}},
            "targets": {"ŷ": 1}, "loss": "mse", "learning_rate": 0.1}
    assert errors(NETWORK, data) == []
    assert errors(NETWORK, {**data, "params": {"1w": 0.5}})  # a leading digit is no name
    assert errors(NETWORK, {**data, "params": {"w x": 0.5}})


def test_schema_command_prints_each_schema() -> None:
    for args, title in ((["schema"], "backprop network file"),
                        (["schema", "network"], "backprop network file"),
                        (["schema", "answers"], "backprop answers file")):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["title"] == title
    result = CliRunner().invoke(cli, ["schema", "page"])
    assert result.exit_code == 2 and "network" in result.stderr


def test_readme_names_the_schema_file_it_tells_you_to_write() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "backprop schema > backprop-network.schema.json" in text
    assert "# yaml-language-server: $schema=./backprop-network.schema.json" in text


def test_top_level_help_lists_graph_and_schema() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:")[1]
    assert "graph " in commands and "schema " in commands


# ---------------------------------------------------------------- any change to a real file

_ANY = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False)
                    | st.sampled_from(["", "x1", "w1", "sigmoid", "leaky_relu", "sum", "mse", "bce",
                                       "plus", "1x", "a b", "softmax"]),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["x1", "w1", "h1", "name", "kind", "slope",
                                                       "from", "group", "bias"]), inner, max_size=3),
                    max_leaves=6)


def _paths(data: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


def _replace(data: object, path: tuple, value: object, delete: bool) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)  # type: ignore[call-overload]
    if delete and not rest:
        del copy[head]
    else:
        copy[head] = _replace(copy[head], rest, value, delete)
    return copy


@given(st.sampled_from(NETWORK_FILES), st.data())
def test_what_the_schema_refuses_the_loader_refuses(path: Path, data: st.DataObject) -> None:
    """A real file with one value replaced or one key deleted: an editor must never flag a file
    that backprop reads."""
    import yaml

    root = yamlsafe.load_file(path).root
    where = data.draw(st.sampled_from(_paths(root)[1:]))
    changed = _replace(root, where, data.draw(_ANY), delete=data.draw(st.booleans()))
    if errors(NETWORK, changed):
        text = yaml.safe_dump(changed, allow_unicode=True, sort_keys=False)
        try:
            doc = yamlsafe.load_text(text, "changed.yaml")
        except FileFormatError:
            return
        assert _loader_refuses(doc), (where, text)
