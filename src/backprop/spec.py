"""Network files (graph and layered form, FORMAT.md §1) → a validated, immutable Network."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

from backprop.activations import ACTIVATIONS, ALIASES, DEFAULT, Activation
from backprop.errors import PathPart, SpecError
from backprop.losses import LOSSES, REDUCTIONS, Loss
from backprop.network import (
    NO_SPELLINGS,
    Edge,
    Edges,
    LossSpec,
    Network,
    Node,
    Sample,
    Spelling,
    frozen_map,
)
from backprop.optimizers import OPTIMIZERS, Setting, State
from backprop.yamlsafe import Document, load_file, load_text

Path_ = tuple[PathPart, ...]

COMMON_KEYS = ("title", "description", "inputs", "targets", "samples", "loss", "learning_rate",
               "frozen", "bias_sign", "optimizer", "optimizer_state", "spellings")
GRAPH_KEYS = (*COMMON_KEYS, "params", "nodes")
LAYERED_KEYS = (*COMMON_KEYS, "layers", "names")
NODE_KEYS = ("from", "bias", "activation", "sum")
LAYER_KEYS = ("activation", "weights", "biases")
NAME_TEMPLATES = {"input": "x{j}", "sum": "z{layer}_{j}", "node": "h{layer}_{j}",
                  "weight": "w{layer}_{j}_{k}", "bias": "b{layer}_{j}"}
TEMPLATE_FIELDS = {"input": {"j"}, "sum": {"layer", "j"}, "node": {"layer", "j"},
                   "weight": {"layer", "j", "k"}, "bias": {"layer", "j"}}

# A worked example is read by a person; these bound what one file may ask of the engine and the
# tables, so that a hostile file is refused (located, from its sizes alone) instead of running for
# minutes. A 784-128-10 network (784 inputs, 138 nodes, 101,770 params) is well inside each;
# at the limits a step takes a few seconds (measured: ~3 s to validate 500,000 params).
MAX_NODES = 10_000  #: nodes (and, separately, inputs) in one network
MAX_PARAMS = 500_000  #: params, and weighted terms (edges) over all nodes
MAX_WORK = 5_000_000  #: samples × (inputs + nodes + edges): the values one step computes
MAX_NAME = 100  #: characters in one name (input, param, node, sum, loss, group, generated): a name
#: is read in every row that uses it, and a 2,000,000-character one would only make the tables slow
# Characters a title or description may not hold: control characters other than tab and newline
# (an ESC would drive the reader's terminal) and the bidirectional overrides that reorder text.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """" (did you mean 'sigmoid'?)" when a choice is close, else ""."""
    if len(word) > 100:  # nothing a person typed as a name; difflib's cost grows with both lengths
        return ""
    import difflib  # not at start-up: only a misspelt name asks

    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def _quote(text: object, limit: int = 40) -> str:
    """User text quoted for a message, cut short: a 10,000-character key must not flood the terminal."""
    text = str(text)
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 3]}...'"


def _too_long(name: str) -> str:
    return (f"the name {_quote(name)} is {len(name):,} characters; at most {MAX_NAME} are "
            f"allowed")


def _listing(names: Iterable[object], limit: int = 8) -> str:
    """``x1, x2, x3`` or, for many, ``x1, x2, …, x784 (784 in all)``."""
    items = [str(n) for n in names]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[: limit - 1]) + f", …, {items[-1]} ({len(items):,} in all)"


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"{_quote(value)} (a string)" if value else "an empty string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"the number {value!r}" if len(repr(value)) <= 40 else "a number"


class _Reader:
    """Typed access to a Document; every failure is a SpecError located in the user's file."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.warnings: list[str] = []

    def fail(self, path: Path_, message: str) -> NoReturn:
        err = self.doc.error(path, message, SpecError)
        # located by the full path, printed with any very long key cut short
        err.path = tuple(_quote(p)[1:-1] if isinstance(p, str) else p for p in path)
        raise err

    def warn(self, path: Path_, message: str) -> None:
        self.warnings.append(str(self.doc.error(path, message, SpecError)))

    def mapping(self, value: object, path: Path_, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a mapping for {what}, found {_kind(value)}")
        return value

    def sequence(self, value: object, path: Path_, what: str) -> Sequence[Any]:
        if not isinstance(value, list):
            self.fail(path, f"expected {what}, found {_kind(value)}")
        return value

    def number(self, value: object, path: Path_) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = ""
            if isinstance(value, str) and self.doc.raw(path) is None:  # written in quotes
                if _DECIMAL.fullmatch(value.strip()):
                    hint = " (quoted numbers are strings: remove the quotes)"
            elif isinstance(value, str) and value[:1] in "0123456789+-.":
                # YAML 1.1's 0x1F, 0o17, 1_000, 1:30 and dates are text here
                hint = " (write numbers in plain decimal: 31, -0.5, 1e-3)"
            self.fail(path, f"expected a number, found {_kind(value)}{hint}")
        return float(value)

    def text(self, value: object, path: Path_, what: str) -> str:
        if not isinstance(value, str):
            self.fail(path, f"expected {what} (text), found {_kind(value)}")
        return value

    def name(self, value: object, path: Path_, what: str) -> str:
        if not isinstance(value, str):
            self.fail(path, f"expected {what}: a name (a letter or _, then letters, digits or _), "
                            f"found {_kind(value)}")
        if len(value) > MAX_NAME:
            self.fail(path, f"{_too_long(value)} for {what}")
        if not value.isidentifier():
            self.fail(path, f"{_quote(value)} cannot be {what}: a name is a letter or _, then "
                            f"letters, digits or _")
        return value

    def keys(self, table: Mapping[str, Any], path: Path_, allowed: Sequence[str], what: str) -> None:
        for key in table:
            if key not in allowed:
                self.fail((*path, key), f"unknown key {_quote(key)} in {what}{did_you_mean(key, allowed)}"
                                        f" (allowed: {', '.join(allowed)})")

    def free_text(self, value: object, path: Path_, what: str) -> str:
        """A title or description: text as written (a number keeps its source spelling), with no
        character that could drive the terminal it is printed on."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(path, f"expected {what} (text), found {_kind(value)}")
        text = value if isinstance(value, str) else (self.doc.raw(path) or str(value))
        for i, char in enumerate(text):
            if char in _BIDI or (unicodedata.category(char) == "Cc" and char not in "\t\n"):
                self.fail(path, f"{what} holds the control character U+{ord(char):04X} at "
                                f"character {i + 1}; only printable text, tabs and newlines are "
                                f"allowed")
        return text

    def names(self, table: Mapping[str, Any], path: Path_, what: str) -> None:
        for key in table:
            self.name(key, (*path, key), what)


# a decimal number as YAML 1.2 writes it (what yamlsafe reads as a number when it is unquoted)
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def load(source: str | Path, *, text: str | None = None, display_name: str | None = None
         ) -> Network:
    """Read and validate a network file (or `text` under the name `source`)."""
    doc = (load_text(text, display_name or str(source)) if text is not None
           else load_file(source, display_name))
    return parse(doc)


def parse(doc: Document) -> Network:
    """Validate a loaded document as a network file."""
    r = _Reader(doc)
    root = doc.root
    if root is None:
        r.fail((), "the file is empty; a network file needs inputs, params, nodes (or layers), "
                    "targets, loss and learning_rate")
    top = r.mapping(root, (), "the network file (inputs, params, nodes, targets, …)")
    if "layers" in top and "nodes" in top:
        r.fail(("layers",), "a network has either 'nodes' (graph form) or 'layers' (layered "
                            "form), not both")
    if "layers" in top:
        for key in ("params", "nodes"):
            if key in top:
                r.fail((key,), f"'{key}' belongs to the graph form; a layered file (with 'layers') "
                               f"gives its weights and biases in the layers")
        r.keys(top, (), LAYERED_KEYS, "a layered network file")
        net = _layered(r, top)
    elif "nodes" in top:
        if "names" in top:
            r.fail(("names",), "'names' belongs to the layered form (with 'layers'); in the graph "
                               "form every name is written out")
        r.keys(top, (), GRAPH_KEYS, "a network file")
        net = _graph(r, top)
    else:
        r.keys(top, (), (*GRAPH_KEYS, "layers", "names"), "a network file")
        r.fail((), "missing 'nodes' (graph form) or 'layers' (layered form)")
    return net


# ---------------------------------------------------------------- keys both forms share

def _common(r: _Reader, top: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("title", "description"):
        if top.get(key) is not None:
            out[key] = r.free_text(top[key], (key,), f"the {key}")
    if "learning_rate" not in top:
        r.fail((), "missing 'learning_rate' (η > 0 for the update p ← p − η·∂L/∂p)")
    eta = r.number(top["learning_rate"], ("learning_rate",))
    if eta <= 0:
        r.fail(("learning_rate",), f"the learning rate must be greater than 0, found {eta:g}")
    out["learning_rate"] = eta
    sign = top.get("bias_sign", "plus")
    if sign not in ("plus", "minus"):
        hint = did_you_mean(sign, ("plus", "minus")) if isinstance(sign, str) else ""
        r.fail(("bias_sign",), f"expected 'plus' (z = Σwx + b) or 'minus' (z = Σwx − b), "
                               f"found {_kind(sign)}{hint}")
    out["bias_sign"] = 1 if sign == "plus" else -1
    out["loss"] = _loss(r, top)
    return out


def _loss(r: _Reader, top: Mapping[str, Any]) -> LossSpec:
    if "loss" not in top:
        r.fail((), f"missing 'loss' (one of {', '.join(LOSSES)})")
    raw = top["loss"]
    path: Path_ = ("loss",)
    name, reduction = "L", None
    if isinstance(raw, Mapping):
        r.keys(raw, path, ("kind", "name", "reduction"), "the loss")
        if "kind" not in raw:
            r.fail(path, f"missing 'kind' (one of {', '.join(LOSSES)})")
        kind = raw["kind"]
        path = ("loss", "kind")
        if "name" in raw:
            name = r.name(raw["name"], ("loss", "name"), "the loss's display name")
        if "reduction" in raw:
            reduction = raw["reduction"]
            if not isinstance(reduction, str) or reduction not in REDUCTIONS:
                shown = (_quote(reduction) + did_you_mean(reduction, REDUCTIONS)
                         if isinstance(reduction, str) else _kind(reduction))
                r.fail(("loss", "reduction"), f"unknown reduction {shown} "
                                              f"(allowed: {', '.join(REDUCTIONS)})")
    else:
        kind = raw
    if not isinstance(kind, str):
        r.fail(path, f"expected the loss's kind (one of {', '.join(LOSSES)}), found {_kind(kind)}")
    if kind not in LOSSES:
        r.fail(path, f"unknown loss {_quote(kind)}{did_you_mean(kind, LOSSES)} "
                     f"(allowed: {', '.join(LOSSES)})")
    loss = LOSSES[kind]
    return LossSpec(loss=loss, name=name, reduction=reduction or loss.default_reduction)


def _activation(r: _Reader, raw: object, path: Path_, default_group: str | None) -> Activation:
    """The registry entry, bound to its options; a group-coupled activation's group defaults to
    `default_group`, or to the activation's own name."""
    options: Mapping[str, Any] = {}
    if isinstance(raw, Mapping):
        options = raw
        r.keys(options, path, ("name", "slope", "group"), "an activation")
        if "name" not in options:
            r.fail(path, "missing 'name' in the activation mapping, e.g. {name: leaky_relu, slope: 0.2}")
        word = options["name"]
        path = (*path, "name")
    else:
        word = raw
    allowed = [*ACTIVATIONS, *ALIASES]
    if not isinstance(word, str):
        r.fail(path, f"expected an activation name or {{name: …, slope: …}}, found {_kind(word)} "
                     f"(allowed names: {', '.join(allowed)})")
    if ALIASES.get(word, word) not in ACTIVATIONS:
        r.fail(path, f"unknown activation {_quote(word)}{did_you_mean(word, allowed)} "
                     f"(allowed: {', '.join(allowed)})")
    act = ACTIVATIONS[ALIASES.get(word, word)]
    base = path[:-1] if options else path
    if "slope" in options:
        if act.slope is None:
            owners = _listing(a.name for a in ACTIVATIONS.values() if a.slope is not None)
            r.fail((*base, "slope"), f"'slope' belongs to {owners}, not {act.name}")
        slope = r.number(options["slope"], (*base, "slope"))
        if not 0.0 <= slope <= 1.0:
            r.fail((*base, "slope"), f"the {act.name} slope must be between 0 and 1, found {slope:g}")
        act = act.with_slope(slope)
    if "group" in options and act.elementwise:
        owners = _listing(a.name for a in ACTIVATIONS.values() if not a.elementwise)
        r.fail((*base, "group"), f"'group' belongs to {owners}, not {act.name}")
    if not act.elementwise:
        default = act.name if default_group is None else default_group
        act = replace(act, group=r.name(options["group"], (*base, "group"),
                                        f"a {act.name} group name")
                      if "group" in options else default)
    return act


def _frozen(r: _Reader, top: Mapping[str, Any], params: Mapping[str, float]) -> frozenset[str]:
    if top.get("frozen") is None:
        return frozenset()
    items = r.sequence(top["frozen"], ("frozen",), "a list of param names")
    for i, item in enumerate(items):
        name = r.name(item, ("frozen", i), "a param name")
        if name not in params:
            r.fail(("frozen", i), f"unknown param '{name}'{did_you_mean(name, params)}; "
                                  f"'frozen' lists params ({_listing(params)})")
    return frozenset(items)


# ---------------------------------------------------------------- graph form

def _graph(r: _Reader, top: Mapping[str, Any]) -> Network:
    common = _common(r, top)
    if "params" not in top:
        r.fail((), "missing 'params' (every weight and bias: name -> value)")
    raw_params = r.mapping(top["params"], ("params",), "params (name -> value)")
    if len(raw_params) > MAX_PARAMS:
        r.fail(("params",), f"{len(raw_params):,} params, more than the {MAX_PARAMS:,} a network "
                            f"file may have")
    r.names(raw_params, ("params",), "a param name")
    params = {k: r.number(v, ("params", k)) for k, v in raw_params.items()}
    samples_raw = _sample_tables(r, top)
    ipath = samples_raw[0][1]
    first_inputs = r.mapping(samples_raw[0][0], ipath, "inputs (name -> value)")
    if len(first_inputs) > MAX_NODES:
        r.fail(ipath, f"{len(first_inputs):,} inputs, more than the {MAX_NODES:,} a network file "
                      f"may have")
    r.names(first_inputs, ipath, "an input name")
    inputs = tuple(first_inputs)
    if not inputs:
        r.fail(ipath, "no inputs: a network needs at least one")

    taken: dict[str, str] = {}

    def claim(name: str, what: str, path: Path_) -> None:
        # names are compared as Unicode NFC text: é typed as e + a combining accent is é
        key = name if name.isascii() else unicodedata.normalize("NFC", name)
        if key in taken:
            r.fail(path, f"the name '{name}' is used twice: as {taken[key]} and as {what}")
        taken[key] = what

    for name in inputs:
        claim(name, "an input", (*ipath, name))
    for name in params:
        claim(name, "a param", ("params", name))

    raw_nodes = r.mapping(top["nodes"], ("nodes",), "nodes (name -> {from: …, activation: …})")
    if not raw_nodes:
        r.fail(("nodes",), "no nodes: a network needs at least one")
    if len(raw_nodes) > MAX_NODES:
        r.fail(("nodes",), f"{len(raw_nodes):,} nodes, more than the {MAX_NODES:,} a network file "
                           f"may have")
    nodes: list[Node] = []
    defined = set(inputs)
    earlier: list[str] = []  # node names in order, for messages
    later = set(raw_nodes)
    used: set[str] = set()
    n_edges = 0
    for name, spec in raw_nodes.items():
        path: Path_ = ("nodes", name)
        r.name(name, path, "a node name")
        claim(name, f"node '{name}'", path)
        later.discard(name)
        spec = r.mapping(spec, path, f"node '{name}' ({{sum: z1, from: {{x1: w1}}, activation: sigmoid}})")
        r.keys(spec, path, NODE_KEYS, f"node '{name}'")
        if "from" not in spec:
            r.fail(path, "missing 'from' (source -> param, e.g. {x1: w1, x2: w3})")
        sources = r.mapping(spec["from"], (*path, "from"), "'from' (source -> param)")
        n_edges += len(sources)
        if n_edges > MAX_PARAMS:
            r.fail((*path, "from"), f"more than {MAX_PARAMS:,} weighted terms in all, the most a "
                                    f"network file may have")
        edges = []
        for src, param in sources.items():
            epath: Path_ = (*path, "from", src)
            if src == name:
                r.fail(epath, f"node '{name}' cannot use its own value")
            if src in later:
                r.fail(epath, f"'{src}' is a later node; nodes are listed in computation order, "
                              f"so '{name}' can only use inputs and earlier nodes")
            if src not in defined:
                r.fail(epath, f"unknown source {_quote(src)}{did_you_mean(src, [*inputs, *earlier])} "
                              f"(inputs: {_listing(inputs)}"
                              + (f"; earlier nodes: {_listing(earlier)})" if earlier else ")"))
            pname = _param_ref(r, param, epath, params)
            used.add(pname)
            edges.append(Edge(src, pname))
        bias = None
        if spec.get("bias") is not None:
            bias = _param_ref(r, spec["bias"], (*path, "bias"), params)
            used.add(bias)
        sum_name = f"z_{name}"
        if spec.get("sum") is not None:
            sum_name = r.name(spec["sum"], (*path, "sum"), "the sum's name")
        claim(sum_name, f"the sum of node '{name}'", (*path, "sum"))
        act = _activation(r, spec.get("activation", DEFAULT), (*path, "activation"), None)
        nodes.append(Node(name, sum_name, Edges.of(edges), bias, act))
        defined.add(name)
        earlier.append(name)

    for pname in params:
        if pname not in used:
            r.warn(("params", pname), f"param '{pname}' is defined but never used")
    samples, outputs = _samples_graph(r, samples_raw, inputs, nodes, common["loss"].loss.kind)
    return _finish(r, top, common, inputs, params, tuple(nodes), outputs, samples, layered=False)


def _param_ref(r: _Reader, value: object, path: Path_, params: Mapping[str, float]) -> str:
    if isinstance(value, bool) or isinstance(value, int | float):
        r.fail(path, f"expected a param name, found the number {value!r}: name it under 'params' "
                     f"and write its name here")
    name = r.name(value, path, "a param name")
    if name not in params:
        r.fail(path, f"unknown param '{name}'{did_you_mean(name, params)}; define it under 'params'")
    return name


def _sample_tables(r: _Reader, top: Mapping[str, Any]) -> list[tuple[Any, Path_, Any, Path_]]:
    """(inputs, its path, targets, its path) for each sample, from `samples` or the top level."""
    if "samples" in top:
        for key in ("inputs", "targets"):
            if key in top:
                r.fail((key,), f"'{key}' at the top level and 'samples' cannot both be given")
        items = r.sequence(top["samples"], ("samples",), "a list of {inputs: …, targets: …}")
        if not items:
            r.fail(("samples",), "'samples' is empty; give at least one {inputs: …, targets: …}")
        out = []
        for i, item in enumerate(items):
            path: Path_ = ("samples", i)
            item = r.mapping(item, path, "a sample {inputs: …, targets: …}")
            r.keys(item, path, ("inputs", "targets"), "a sample")
            for key in ("inputs", "targets"):
                if key not in item:
                    r.fail(path, f"sample {i + 1} has no '{key}'")
            out.append((item["inputs"], (*path, "inputs"), item["targets"], (*path, "targets")))
        return out
    for key in ("inputs", "targets"):
        if key not in top:
            r.fail((), f"missing '{key}' (or 'samples', a list of {{inputs: …, targets: …}})")
    return [(top["inputs"], ("inputs",), top["targets"], ("targets",))]


def _target(r: _Reader, value: object, path: Path_, kind: str) -> float:
    """One target value, within the loss's targets_in: bce and cross-entropy compare it with a
    probability, so it must be one."""
    t = r.number(value, path)
    bounds = LOSSES[kind].targets_in
    if bounds is not None and not bounds[0] <= t <= bounds[1]:
        r.fail(path, f"{kind} needs targets between {bounds[0]:g} and {bounds[1]:g} "
                     f"(probabilities), found {t:g}")
    return t


def _samples_graph(r: _Reader, raw: list[tuple[Any, Path_, Any, Path_]], inputs: tuple[str, ...],
                   nodes: Sequence[Node], kind: str) -> tuple[tuple[Sample, ...], tuple[str, ...]]:
    consumed = {source for n in nodes for source in n.edges.sources}
    order = {n.name: i for i, n in enumerate(nodes)}
    first_targets = r.mapping(raw[0][2], raw[0][3], "targets (output node -> target)")
    if not first_targets:
        r.fail(raw[0][3], "no targets: name at least one output node and its target")
    for name in first_targets:
        tpath: Path_ = (*raw[0][3], name)
        if name not in order:
            what = "an input" if name in inputs else "not a node"
            r.fail(tpath, f"{_quote(name)} is {what}; targets name output nodes"
                          f"{did_you_mean(name, order)}")
        if name in consumed:
            r.fail(tpath, f"'{name}' feeds other nodes, so it is not an output; targets name "
                          f"output nodes")
    outputs = tuple(sorted(first_targets, key=order.__getitem__))
    input_set, output_set = set(inputs), set(outputs)
    samples = []
    for i, (ins, ipath, tgs, tpath_) in enumerate(raw):
        ins = r.mapping(ins, ipath, "inputs (name -> value)")
        tgs = r.mapping(tgs, tpath_, "targets (output node -> target)")
        if set(ins) != input_set:
            r.fail(ipath, f"sample {i + 1} has inputs {_listing(map(_quote, ins)) or 'none'}, "
                          f"but sample 1 has {_listing(inputs)}")
        if set(tgs) != output_set:
            r.fail(tpath_, f"sample {i + 1} has targets for {_listing(map(_quote, tgs)) or 'none'}, "
                           f"but sample 1 has {_listing(outputs)}")
        values = {n: r.number(ins[n], (*ipath, n)) for n in inputs}
        targets = {n: _target(r, tgs[n], (*tpath_, n), kind) for n in outputs}
        samples.append(Sample(frozen_map(values), frozen_map(targets)))
    return tuple(samples), outputs


def _finish(r: _Reader, top: Mapping[str, Any], common: dict[str, Any], inputs: tuple[str, ...],
            params: dict[str, float], nodes: tuple[Node, ...], outputs: tuple[str, ...],
            samples: tuple[Sample, ...], *, layered: bool) -> Network:
    loss: LossSpec = common["loss"]
    _check_softmax(r, nodes, layered)
    by_name = {n.name: n for n in nodes}
    sums = {n.sum for n in nodes}
    if loss.name in inputs or loss.name in params or loss.name in by_name or loss.name in sums:
        what = ("an input" if loss.name in inputs else "a param" if loss.name in params
                else "a node" if loss.name in by_name else "a sum")
        where = ("loss", "name") if isinstance(top.get("loss"), Mapping) else ("loss",)
        r.fail(where, f"the loss is named '{loss.name}', which is already {what}; every name in "
                      f"a network is unique (give the loss another name: {{kind: "
                      f"{loss.loss.kind}, name: E}})")
    work = len(samples) * (len(inputs) + len(nodes) + sum(len(n.edges) for n in nodes))
    if work > MAX_WORK:
        r.fail(("samples",) if "samples" in top else (),
               f"{len(samples):,} samples × {work // len(samples):,} values and terms each is "
               f"{work:,}, more than the {MAX_WORK:,} one worked step may compute")
    if loss.loss.one_group:
        _check_one_group(r, loss.loss, nodes, outputs, layered)
    for name in outputs:
        act = by_name[name].activation
        if not loss.loss.fits(act):
            lo, hi = loss.loss.outputs_in or (0.0, 0.0)
            r.fail(_activation_path(by_name[name], layered),
                   f"{loss.loss.kind} needs outputs between {lo:g} and {hi:g}, but output "
                   f"'{name}' has activation {act.name}, whose values are not; use "
                   f"{loss.loss.fused_with}")
    frozen = _frozen(r, top, params)
    optimizer = _optimizer(r, top, params)
    known = (*inputs, *params, *(n.sum for n in nodes), *by_name, loss.name)
    spellings = _spellings(r, top, known)
    return Network(
        title=common.get("title"), description=common.get("description"),
        inputs=inputs, params=frozen_map(params), nodes=nodes, outputs=outputs,
        samples=samples, loss=loss, learning_rate=common["learning_rate"], frozen=frozen,
        bias_sign=common["bias_sign"], source_file=r.doc.filename, layered=layered,
        warnings=tuple(r.warnings), optimizer=optimizer, spellings=spellings,
    )


MAX_SPELLING = 200  #: characters in one spelling (LaTeX or plain)
MAX_ALSO = 20  #: further spellings of one name


def _spellings(r: _Reader, top: Mapping[str, Any], known: Sequence[str]) -> Mapping[str, Spelling]:
    """The optional `spellings` key: name -> its LaTeX text, or {latex: …, also: [plain, …]}."""
    raw = top.get("spellings")
    if raw is None:
        return NO_SPELLINGS
    table = r.mapping(raw, ("spellings",), "a mapping from names to their spellings")
    names = set(known)
    out: dict[str, Spelling] = {}
    for name, value in table.items():
        path: Path_ = ("spellings", name)
        if name not in names:
            r.fail(path, f"{_quote(name)} is not a name in this network{did_you_mean(str(name), names)}; "
                         f"spellings are given for its inputs, sums, nodes, params or the loss")
        if isinstance(value, str):
            out[name] = Spelling(latex=_latex_spelling(r, value, path))
            continue
        entry = r.mapping(value, path, "a LaTeX spelling (text) or {latex: …, also: […]}")
        r.keys(entry, path, ("latex", "also"), "a spelling")
        latex = _latex_spelling(r, entry["latex"], (*path, "latex")) if "latex" in entry else None
        also: list[str] = []
        if "also" in entry:
            items = entry["also"]
            items = [items] if isinstance(items, str) else r.sequence(items, (*path, "also"),
                                                                      "a list of spellings")
            if len(items) > MAX_ALSO:
                r.fail((*path, "also"), f"{len(items)} spellings; at most {MAX_ALSO} per name")
            also = [_spelling(r, item, (*path, "also", i)) for i, item in enumerate(items)]
        out[name] = Spelling(latex=latex, also=tuple(also))
    # a page's word must name one name: a spelling shared by two, or another name's own, is refused
    owner: dict[str, object] = {n: n for n in names}
    for name, spelling in out.items():
        for i, text in enumerate((spelling.latex, *spelling.also)):
            if text is None:
                continue
            if owner.setdefault(text, name) != name:
                where = (("spellings", name) if isinstance(table[name], str) else
                         ("spellings", name, "latex") if i == 0 else ("spellings", name, "also"))
                r.fail(where, f"{_quote(text)} already names {_quote(str(owner[text]))}; a "
                              f"spelling names one name only, so a page that writes it is read "
                              f"one way")
    return MappingProxyType(out)


#: the control sequences a LaTeX spelling may use: accents, fonts, text, Greek letters and a few
#: symbols. A spelling is the file's text set into the export as it is, and a network file may
#: come from anyone, so nothing else gets in: no \\input, \\write18, \\catcode, \\def, ^^ escapes.
SPELLING_COMMANDS = frozenset((
    "hat", "bar", "tilde", "vec", "dot", "ddot", "check", "breve", "acute", "grave", "widehat",
    "widetilde", "overline", "underline", "mathrm", "mathit", "mathbf", "mathsf", "mathtt",
    "mathcal", "mathbb", "boldsymbol", "text", "textrm", "textit", "textbf", "operatorname",
    "prime", "ell", "partial", "nabla", "cdot", "times", "ast", "star", "circ", "infty",
    *("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
      "xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta "
      "Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split(),
))
_SPELLING_COMMANDS_TEXT = ("accents (\\hat, \\bar, \\tilde, \\vec, …), fonts (\\mathrm, \\mathit, "
                           "\\text, \\operatorname, …), Greek letters (\\alpha … \\Omega) and "
                           "\\partial, \\ell, \\prime, \\nabla, \\cdot, \\times, \\infty")
#: a LaTeX spelling, token by token: a control word, a spacing command, or one plain character
_SPELLING_TOKEN = re.compile(r"\\([A-Za-z]+)|\\[,;! ]|([A-Za-z0-9 _^{}'.,:;()\[\]+\-*/|=])")


def _latex_spelling(r: _Reader, value: object, path: Path_) -> str:
    """A `latex` spelling: one line of letters, digits, sub/superscripts, braces (balanced), a
    little punctuation and the control sequences of SPELLING_COMMANDS; anything else is refused
    where it stands, so a network file cannot make the export read a file or run a command."""
    text = _spelling(r, value, path)
    depth, at = 0, 0
    while at < len(text):
        match = _SPELLING_TOKEN.match(text, at)
        if (match is None or text.startswith("^^", at)  # TeX reads ^^5c as a backslash
                or (match.group(1) is not None and match.group(1) not in SPELLING_COMMANDS)):
            found = (text[at:at + 2] if text.startswith("^^", at)
                     else match.group(0) if match is not None else text[at])
            r.fail(path, f"a LaTeX spelling may not hold {_quote(found)} (character {at + 1}); "
                         f"allowed: letters, digits, _ ^ {{ }} ' . , : ; ( ) [ ] + - * / | =, "
                         f"{_SPELLING_COMMANDS_TEXT}")
        depth += {"{": 1, "}": -1}.get(match.group(0), 0)
        if depth < 0:
            r.fail(path, f"a LaTeX spelling's braces do not match: '}}' at character {at + 1} "
                         f"closes nothing")
        at = match.end()
    if depth:
        r.fail(path, f"a LaTeX spelling's braces do not match: {depth} '{{' left open")
    return text


def _spelling(r: _Reader, value: object, path: Path_) -> str:
    if not isinstance(value, str):  # 0 or 1.5 is no name's spelling: quote it ('2') if meant
        r.fail(path, f"expected a spelling (text), found {_kind(value)}")
    text = r.free_text(value, path, "a spelling")
    if not text.strip() or "\n" in text or len(text) > MAX_SPELLING:
        r.fail(path, f"a spelling is one line of 1 to {MAX_SPELLING} characters, found "
                     f"{_quote(text)}")
    return text


def _optimizer(r: _Reader, top: Mapping[str, Any], params: Mapping[str, float]) -> Setting:
    """The `optimizer` key (FORMAT §1.3): a kind, or {kind, its hyper-parameters, convention},
    bound to the starting state `optimizer_state` gives (every state value 0 where it is silent)."""
    raw = top.get("optimizer", "sgd")
    path: Path_ = ("optimizer",)
    options: Mapping[str, Any] = {}
    if isinstance(raw, Mapping):
        options = raw
        if "kind" not in options:
            r.fail(path, f"missing 'kind' (one of {', '.join(OPTIMIZERS)})")
        word = options["kind"]
        path = ("optimizer", "kind")
    else:
        word = raw
    if not isinstance(word, str):
        r.fail(path, f"expected an optimizer kind (one of {', '.join(OPTIMIZERS)}) or "
                     f"{{kind: adam, …}}, found {_kind(word)}")
    if word not in OPTIMIZERS:
        r.fail(path, f"unknown optimizer {_quote(word)}{did_you_mean(word, OPTIMIZERS)} "
                     f"(allowed: {', '.join(OPTIMIZERS)})")
    entry = OPTIMIZERS[word]
    allowed = ["kind", *(h.key for h in entry.hypers)]
    if len(entry.conventions) > 1:
        allowed.append("convention")
    r.keys(options, ("optimizer",), allowed, f"the {entry.kind} optimizer")
    hyper: dict[str, float] = {}
    for h in entry.hypers:
        value = h.default
        if h.key in options:
            value = r.number(options[h.key], ("optimizer", h.key))
            if not h.allows(value):
                r.fail(("optimizer", h.key), f"{h.key} ({h.symbol}) must be in {h.range_text}, "
                                             f"found {value:g}")
        hyper[h.key] = value
    convention = entry.conventions[entry.default_convention]
    if "convention" in options:
        name = options["convention"]
        names = list(entry.conventions)
        if not isinstance(name, str) or name not in entry.conventions:
            shown = (_quote(name) + did_you_mean(name, names) if isinstance(name, str)
                     else _kind(name))
            r.fail(("optimizer", "convention"), f"unknown {entry.kind} convention {shown} "
                                                f"(allowed: {', '.join(names)})")
        convention = entry.conventions[name]
    setting = Setting(optimizer=entry, convention=convention, hyper=frozen_map(hyper))
    if top.get("optimizer_state") is None:
        return setting
    return replace(setting, state=_optimizer_state(r, top["optimizer_state"], setting, params))


MAX_STEP = 10**9  #: the step count an optimizer_state may give: a count of steps, not a float


def _optimizer_state(r: _Reader, raw: object, setting: Setting, params: Mapping[str, float]
                     ) -> State:
    """{step: t, m: {param: value}, v: {…}}: the state a saved run continues from."""
    path: Path_ = ("optimizer_state",)
    conv, entry = setting.convention, setting.optimizer
    names = conv.state_names
    if not names:
        r.fail(path, f"the {entry.kind} optimizer keeps no state; remove 'optimizer_state'")
    table = r.mapping(raw, path, f"the optimizer's state ({{{'step: t, ' if entry.counts_steps else ''}"
                                 f"{', '.join(f'{n}: {{param: value}}' for n in names)}}})")
    r.keys(table, path, (("step",) if entry.counts_steps else ()) + names,
           f"the {entry.kind} optimizer's state")
    step = 0
    if "step" in table:
        value = table["step"]
        whole = isinstance(value, int | float) and not isinstance(value, bool) and \
            math.isfinite(value) and value == int(value)
        if not whole or not 0 <= value <= MAX_STEP:
            r.fail((*path, "step"), f"expected the steps taken, a whole number from 0 to "
                                    f"{MAX_STEP:,}, found {_kind(value)}")
        step = int(value)
    tables: dict[str, Mapping[str, float]] = {}
    for name in names:
        given = r.mapping(table.get(name, {}), (*path, name), f"{name} (param -> value)")
        values: dict[str, float] = {}
        for key, value in given.items():
            where: Path_ = (*path, name, key)
            pname = r.name(key, where, "a param name")
            if pname not in params:
                r.fail(where, f"unknown param '{pname}'{did_you_mean(pname, params)}; the state "
                              f"is kept per param ({_listing(params)})")
            number = r.number(value, where)
            if not math.isfinite(number):
                r.fail(where, f"expected a finite number, found {number!r}")
            if name in conv.non_negative and number < 0:
                r.fail(where, f"{name} is a mean of squares, so it cannot be negative; found "
                              f"{number:g}")
            values[pname] = number
        tables[name] = frozen_map(values)
    return State(step, MappingProxyType(tables))


def _check_one_group(r: _Reader, loss: Loss, nodes: Sequence[Node], outputs: tuple[str, ...],
                     layered: bool) -> None:
    """The outputs are exactly one group of the loss's group-coupled activation (cross_entropy:
    one softmax group), every member with a target."""
    by_name = {n.name: n for n in nodes}
    kind, act = loss.kind, loss.fused_with
    groups = {by_name[o].activation.group if loss.fuses(by_name[o].activation) else None
              for o in outputs}
    members = [n.name for n in nodes if loss.fuses(n.activation) and n.activation.group in groups]
    if None in groups:
        other = next(o for o in outputs if not loss.fuses(by_name[o].activation))
        r.fail(_activation_path(by_name[other], layered),
               f"{kind} needs the outputs to be one {act} group, but output "
               f"'{other}' has activation {by_name[other].activation.name}; give every "
               f"output activation: {act}")
    if len(groups) != 1:
        by_group: dict[str | None, list[str]] = {}
        for o in outputs:
            by_group.setdefault(by_name[o].activation.group, []).append(o)
        r.fail(("loss",), f"{kind} needs the outputs to be exactly one {act} group, but "
                          f"they are in {len(by_group)}: " + "; ".join(
                              f"group '{g}' holds {_listing(m)}" for g, m in by_group.items()))
    targeted = set(outputs)
    extra = [m for m in members if m not in targeted]
    if extra:
        r.fail(("loss",), f"{kind} needs the outputs to be exactly one {act} group, but "
                          f"the group also holds '{extra[0]}', which has no target; give every "
                          f"member a target")


def _activation_path(node: Node, layered: bool) -> Path_:
    if layered and node.layer is not None:
        return ("layers", node.layer - 1, "activation")
    return ("nodes", node.name, "activation")


def _check_softmax(r: _Reader, nodes: Sequence[Node], layered: bool) -> None:
    """A coupled group (softmax) is computed when its last member's sum is: nothing may use it
    earlier."""
    last: dict[str | None, int] = {}
    group_of: dict[str, str | None] = {}
    for i, node in enumerate(nodes):
        if not node.activation.elementwise:
            last[node.activation.group] = i
            group_of[node.name] = node.activation.group
    for i, node in enumerate(nodes):
        if group_of.keys().isdisjoint(node.edges.sources):  # one C call for most nodes
            continue
        for source in node.edges.sources:
            if source in group_of and last[group_of[source]] > i:
                path: Path_ = (("layers", node.layer - 1, "activation")
                               if layered and node.layer is not None
                               else ("nodes", node.name, "from", source))
                act = nodes[last[group_of[source]]].activation.name
                r.fail(path, f"'{node.name}' uses {act} output '{source}' before the rest "
                             f"of its group is computed; list the whole group first")


# ---------------------------------------------------------------- layered form

_FIELD_LIMIT = 64  #: characters in a name template; names are read by people, and each is made many times


def _templates(r: _Reader, top: Mapping[str, Any]) -> dict[str, str]:
    templates = dict(NAME_TEMPLATES)
    if top.get("names") is None:
        return templates
    given = r.mapping(top["names"], ("names",), "'names' (input, sum, node, weight or bias -> template)")
    r.keys(given, ("names",), tuple(NAME_TEMPLATES), "'names'")
    for key, value in given.items():
        path: Path_ = ("names", key)
        text = r.text(value, path, "a name template such as \"w{layer}_{j}{k}\"")
        allowed = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS[key]))
        if len(text) > _FIELD_LIMIT:
            r.fail(path, f"the {key} template is {len(text):,} characters long; at most "
                         f"{_FIELD_LIMIT} are allowed")
        import string  # not at start-up: only a file with name templates asks

        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as err:
            r.fail(path, f"bad template {_quote(text)}: {err} (write a literal brace as "
                         f"{{{{ or }}}}; {_an(key)} template may use {allowed})")
        # Only plain {layer}, {j}, {k}: a conversion (!r), a format spec (:>5), an attribute
        # (.__class__) or an index ([0]) is refused before anything is formatted.
        for _, field_name, spec, conversion in parts:
            if field_name is None:
                continue
            if field_name not in TEMPLATE_FIELDS[key] or spec or conversion:
                written = ("{" + field_name + (f"!{conversion}" if conversion else "")
                           + (f":{spec}" if spec else "") + "}")
                r.fail(path, f"template {_quote(text)} uses {_quote(written)}; {_an(key)} template "
                             f"may use only {allowed}, written plainly")
        templates[key] = text
    return templates


class _Namer:
    """The layered form's generated names (FORMAT §1.2), each checked to be a name and unique.

    Names are made a row at a time (a 784-128-10 network makes ~100,000), so only the name and its
    kind are kept; which indices made a clashing name is worked out again only for the message.
    """

    def __init__(self, r: _Reader, templates: Mapping[str, str], given: object) -> None:
        self.r = r
        self.templates = templates
        self.given = given if isinstance(given, Mapping) else {}
        self.taken: dict[str, str] = {}  # name -> the key ("weight", …) whose template made it
        # every batch's kind and how to list its fields again: expanded only for a clash's message
        self.batches: list[tuple[str, Callable[[], list[dict[str, int]]]]] = []
        self.k_texts: list[str] = []  # "1", "2", …: the k of weight names

    def inputs(self, n: int) -> list[str]:
        fmt = self.templates["input"].format
        return self._check("input", [fmt(j=j) for j in range(1, n + 1)],
                           lambda: [{"j": j} for j in range(1, n + 1)])

    def weights(self, layer: int, j: int, n: int) -> list[str]:
        """Row j's weight names, k = 1…n."""
        template = self.templates["weight"]
        # {k} written once: the name is head + str(k) + tail, joined in C (format per name is
        # 9× slower, 40 ms for a 784-128-10 network); NUL marks where k goes
        head, nul, tail = template.format(layer=layer, j=j, k="\0").partition("\0")
        if nul and "\0" not in template and "\0" not in tail:
            ks = self._ks(n)
            names = list(map(head.__add__, ks)) if not tail else [head + k + tail for k in ks]
        else:
            names = [template.format(layer=layer, j=j, k=k) for k in range(1, n + 1)]
        return self._check("weight", names,
                           lambda: [{"layer": layer, "j": j, "k": k} for k in range(1, n + 1)])

    def _ks(self, n: int) -> list[str]:
        """str(k) for k = 1…n, made once for every row of that length."""
        if len(self.k_texts) < n:
            self.k_texts = list(map(str, range(1, n + 1)))
        return self.k_texts[:n]

    def one(self, key: str, layer: int, j: int) -> str:
        """The bias, sum or node name of node j of `layer`."""
        fields = {"layer": layer, "j": j}
        return self._check(key, [self.templates[key].format(**fields)], lambda: [fields])[0]

    def _check(self, key: str, names: list[str], fields: Callable[[], list[dict[str, int]]]
               ) -> list[str]:
        longest = max(names, key=len)
        if len(longest) > MAX_NAME:
            self.r.fail(self._path(key), f"template {_quote(self.templates[key])} generates "
                                         f"{_quote(longest)}, {len(longest):,} characters; a name "
                                         f"may have at most {MAX_NAME}")
        if not all(map(str.isidentifier, names)):
            bad = next(n for n in names if not n.isidentifier())
            self.r.fail(self._path(key), f"template {_quote(self.templates[key])} generates "
                                         f"{_quote(bad)}, which is not a name (a letter or _, then "
                                         f"letters, digits or _)")
        taken = self.taken
        self.batches.append((key, fields))
        if len(names) == 1 and names[0] not in taken:
            taken[names[0]] = key
            return names
        if len(set(names)) != len(names) or not taken.keys().isdisjoint(names):
            for name, f in zip(names, fields(), strict=True):
                if name in taken:
                    self._collide(key, name, f)
                taken[name] = key
        taken.update(dict.fromkeys(names, key))
        return names

    def _path(self, key: str) -> Path_:
        return ("names", key) if key in self.given else ("names",)

    def _collide(self, key: str, name: str, fields: Mapping[str, int]) -> NoReturn:
        other_key = self.taken[name]
        fmt = self.templates[other_key].format
        other = next(f for k, batch in self.batches if k == other_key
                     for f in batch() if fmt(**f) == name)
        self.r.fail(self._path(key),
                    f"template {_quote(self.templates[key])} generates '{name}' for "
                    f"{_what(key, fields)}, but '{name}' is already {_what(other_key, other)}; "
                    f"the generated names must be unique")


def _an(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _what(key: str, fields: Mapping[str, int]) -> str:
    return f"the {key} with " + ", ".join(f"{k}={v}" for k, v in fields.items())


_PLAIN_NUMBERS = frozenset({float, int})


def _numbers(r: _Reader, values: Sequence[Any], path: Path_) -> list[float]:
    """A list of numbers, checked in one pass; the slow, located path only when one is not."""
    if set(map(type, values)) <= _PLAIN_NUMBERS:  # bool, an int subclass, is not a number here
        return list(map(float, values))
    return [r.number(v, (*path, i)) for i, v in enumerate(values)]


def _layered(r: _Reader, top: Mapping[str, Any]) -> Network:
    common = _common(r, top)
    kind = common["loss"].loss.kind
    namer = _Namer(r, _templates(r, top), top.get("names"))
    layers = r.sequence(top["layers"], ("layers",), "a list of layers")
    if not layers:
        r.fail(("layers",), "no layers: give at least one {activation, weights, biases}")
    raw = _sample_tables(r, top)
    first = r.sequence(raw[0][0], raw[0][1], "a list of input values")
    if not first:
        r.fail(raw[0][1], "no inputs: a network needs at least one")
    if len(first) > MAX_NODES:
        r.fail(raw[0][1], f"{len(first):,} inputs, more than the {MAX_NODES:,} a network file "
                          f"may have")
    inputs = tuple(namer.inputs(len(first)))
    params: dict[str, float] = {}
    nodes: list[Node] = []
    previous = list(inputs)
    for li, layer in enumerate(layers):
        lnum = li + 1
        path: Path_ = ("layers", li)
        layer = r.mapping(layer, path, "a layer {activation, weights, biases}")
        r.keys(layer, path, LAYER_KEYS, "a layer")
        if "weights" not in layer:
            r.fail(path, "missing 'weights' (row j: the weights into node j)")
        rows = r.sequence(layer["weights"], (*path, "weights"), "a list of rows, one per node")
        if not rows:
            r.fail((*path, "weights"), "no rows: a layer needs at least one node")
        if len(nodes) + len(rows) > MAX_NODES:
            r.fail((*path, "weights"), f"{len(rows):,} rows (nodes) here make "
                                       f"{len(nodes) + len(rows):,} nodes, more than the "
                                       f"{MAX_NODES:,} a network file may have")
        if len(params) + len(rows) * (len(previous) + 1) > MAX_PARAMS:
            r.fail((*path, "weights"), f"{len(rows):,} rows of {len(previous):,} weights here make "
                                       f"more than the {MAX_PARAMS:,} params a network file may have")
        biases = None
        if layer.get("biases") is not None:
            biases = r.sequence(layer["biases"], (*path, "biases"), "a list of biases")
            if len(biases) != len(rows):
                r.fail((*path, "biases"), f"{len(biases)} biases for {len(rows)} nodes "
                                          f"(one per row of weights)")
        act = _activation(r, layer.get("activation", DEFAULT), (*path, "activation"),
                          f"layer{lnum}")
        current = []
        sources = tuple(previous)  # one tuple for every node of the layer
        for j, row in enumerate(rows, start=1):
            rpath: Path_ = (*path, "weights", j - 1)
            row = r.sequence(row, rpath, f"a list for row {j}, the weights into node {j}")
            if len(row) != len(previous):
                r.fail(rpath, f"row {j} has {len(row)} weights, but the layer before has "
                              f"{len(previous)} {'inputs' if li == 0 else 'nodes'}")
            wnames = namer.weights(lnum, j, len(previous))
            params.update(zip(wnames, _numbers(r, row, rpath), strict=True))
            bias = None
            if biases is not None:
                bias = namer.one("bias", lnum, j)
                params[bias] = r.number(biases[j - 1], (*path, "biases", j - 1))
            sname = namer.one("sum", lnum, j)
            nname = namer.one("node", lnum, j)
            nodes.append(Node(nname, sname, Edges(sources, wnames), bias, act, layer=lnum))
            current.append(nname)
        previous = current
    outputs = tuple(previous)
    samples = []
    for i, (ins, ipath, tgs, tpath) in enumerate(raw):
        ins = r.sequence(ins, ipath, "a list of input values")
        tgs = r.sequence(tgs, tpath, "a list of targets, one per output node")
        if len(ins) != len(inputs):
            r.fail(ipath, f"{len(ins)} inputs, but the first layer's rows have {len(inputs)} weights"
                          + (f" (sample 1 has {len(inputs)})" if i else ""))
        if len(tgs) != len(outputs):
            r.fail(tpath, f"{len(tgs)} targets, but the last layer has {len(outputs)} nodes")
        values = dict(zip(inputs, _numbers(r, ins, ipath), strict=True))
        targets = {n: _target(r, v, (*tpath, j), kind)
                   for j, (n, v) in enumerate(zip(outputs, tgs, strict=True))}
        samples.append(Sample(frozen_map(values), frozen_map(targets)))
    return _finish(r, top, common, inputs, params, tuple(nodes), outputs, tuple(samples),
                   layered=True)
