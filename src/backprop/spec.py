"""Network files (graph and layered form, FORMAT.md §1) → a validated, immutable Network."""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from backprop.activations import ACTIVATIONS, ALIASES, Activation
from backprop.errors import PathPart, SpecError
from backprop.losses import LOSSES, REDUCTIONS
from backprop.network import Edge, LossSpec, Network, Node, Sample, frozen_map
from backprop.yamlsafe import Document, load_file, load_text

Path_ = tuple[PathPart, ...]

COMMON_KEYS = ("title", "description", "inputs", "targets", "samples", "loss", "learning_rate",
               "frozen", "bias_sign")
GRAPH_KEYS = (*COMMON_KEYS, "params", "nodes")
LAYERED_KEYS = (*COMMON_KEYS, "layers", "names")
NODE_KEYS = ("from", "bias", "activation", "sum")
LAYER_KEYS = ("activation", "weights", "biases")
NAME_TEMPLATES = {"input": "x{j}", "sum": "z{layer}_{j}", "node": "h{layer}_{j}",
                  "weight": "w{layer}_{j}_{k}", "bias": "b{layer}_{j}"}
TEMPLATE_FIELDS = {"input": {"j"}, "sum": {"layer", "j"}, "node": {"layer", "j"},
                   "weight": {"layer", "j", "k"}, "bias": {"layer", "j"}}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """" (did you mean 'sigmoid'?)" when a choice is close, else ""."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        return f"'{value}' (a string)" if len(value) < 40 else "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


class _Reader:
    """Typed access to a Document; every failure is a SpecError located in the user's file."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.warnings: list[str] = []

    def fail(self, path: Path_, message: str) -> NoReturn:
        raise self.doc.error(path, message, SpecError)

    def warn(self, path: Path_, message: str) -> None:
        self.warnings.append(str(self.doc.error(path, message, SpecError)))

    def mapping(self, value: object, path: Path_, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected {what} (a mapping of name: value), found {_kind(value)}")
        return value

    def sequence(self, value: object, path: Path_, what: str) -> Sequence[Any]:
        if not isinstance(value, list):
            self.fail(path, f"expected {what} (a list), found {_kind(value)}")
        return value

    def number(self, value: object, path: Path_) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = " (quoted numbers are strings: remove the quotes)" if _looks_numeric(value) else ""
            self.fail(path, f"expected a number, found {_kind(value)}{hint}")
        return float(value)

    def text(self, value: object, path: Path_, what: str) -> str:
        if not isinstance(value, str):
            self.fail(path, f"expected {what} (text), found {_kind(value)}")
        return value

    def name(self, value: object, path: Path_, what: str) -> str:
        if not isinstance(value, str) or not value.isidentifier():
            self.fail(path, f"expected {what}: a name (a letter or _, then letters, digits or _), "
                            f"found {_kind(value)}")
        return value

    def keys(self, table: Mapping[str, Any], path: Path_, allowed: Sequence[str], what: str) -> None:
        for key in table:
            if key not in allowed:
                self.fail((*path, key), f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}"
                                        f" (allowed: {', '.join(allowed)})")

    def names(self, table: Mapping[str, Any], path: Path_, what: str) -> None:
        for key in table:
            self.name(key, (*path, key), what)


def _looks_numeric(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


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
    top = r.mapping(root, (), "a network file")
    if "layers" in top and "nodes" in top:
        r.fail(("layers",), "a network has either 'nodes' (graph form) or 'layers' (layered "
                            "form), not both")
    if "layers" in top:
        r.keys(top, (), LAYERED_KEYS, "a layered network file")
        net = _layered(r, top)
    elif "nodes" in top:
        r.keys(top, (), GRAPH_KEYS, "a network file")
        net = _graph(r, top)
    else:
        r.keys(top, (), (*GRAPH_KEYS, "layers", "names"), "a network file")
        r.fail((), "missing 'nodes' (graph form) or 'layers' (layered form)")
    return replace(net, warnings=tuple(r.warnings))


# ---------------------------------------------------------------- keys both forms share

def _common(r: _Reader, top: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("title", "description"):
        if top.get(key) is not None:
            value = top[key]
            out[key] = value if isinstance(value, str) else str(value)
    if "learning_rate" not in top:
        r.fail((), "missing 'learning_rate' (η > 0 for the update p ← p − η·∂L/∂p)")
    eta = r.number(top["learning_rate"], ("learning_rate",))
    if eta <= 0:
        r.fail(("learning_rate",), f"the learning rate must be greater than 0, found {eta:g}")
    out["learning_rate"] = eta
    sign = top.get("bias_sign", "plus")
    if sign not in ("plus", "minus"):
        r.fail(("bias_sign",), f"expected 'plus' (z = Σwx + b) or 'minus' (z = Σwx − b), "
                               f"found {_kind(sign)}")
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
            if reduction not in REDUCTIONS:
                r.fail(("loss", "reduction"), f"unknown reduction {_kind(reduction)} "
                                              f"(allowed: {', '.join(REDUCTIONS)})")
    else:
        kind = raw
    if not isinstance(kind, str) or kind not in LOSSES:
        word = kind if isinstance(kind, str) else ""
        r.fail(path, f"unknown loss {_kind(kind)}{did_you_mean(word, LOSSES)} "
                     f"(allowed: {', '.join(LOSSES)})")
    loss = LOSSES[kind]
    return LossSpec(loss=loss, name=name, reduction=reduction or loss.default_reduction)


def _activation(r: _Reader, raw: object, path: Path_, default_group: str) -> Activation:
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
    if not isinstance(word, str) or ALIASES.get(word, word) not in ACTIVATIONS:
        text = word if isinstance(word, str) else ""
        r.fail(path, f"unknown activation {_kind(word)}{did_you_mean(text, allowed)} "
                     f"(allowed: {', '.join(allowed)})")
    act = ACTIVATIONS[ALIASES.get(word, word)]
    base = path[:-1] if options else path
    if "slope" in options:
        if act.name != "leaky_relu":
            r.fail((*base, "slope"), f"'slope' belongs to leaky_relu, not {act.name}")
        slope = r.number(options["slope"], (*base, "slope"))
        if not 0.0 <= slope <= 1.0:
            r.fail((*base, "slope"), f"the leaky_relu slope must be between 0 and 1, found {slope:g}")
        act = act.with_slope(slope)
    if "group" in options and act.name != "softmax":
        r.fail((*base, "group"), f"'group' belongs to softmax, not {act.name}")
    if act.name == "softmax":
        group = options.get("group", default_group)
        act = replace(act, group=r.name(group, (*base, "group"), "a softmax group name")
                      if "group" in options else default_group)
    return act


def _frozen(r: _Reader, top: Mapping[str, Any], params: Mapping[str, float]) -> frozenset[str]:
    if top.get("frozen") is None:
        return frozenset()
    items = r.sequence(top["frozen"], ("frozen",), "a list of param names")
    for i, item in enumerate(items):
        name = r.name(item, ("frozen", i), "a param name")
        if name not in params:
            r.fail(("frozen", i), f"unknown param '{name}'{did_you_mean(name, params)}; "
                                  f"'frozen' lists params")
    return frozenset(items)


# ---------------------------------------------------------------- graph form

def _graph(r: _Reader, top: Mapping[str, Any]) -> Network:
    common = _common(r, top)
    if "params" not in top:
        r.fail((), "missing 'params' (every weight and bias: name -> value)")
    raw_params = r.mapping(top["params"], ("params",), "params")
    r.names(raw_params, ("params",), "a param name")
    params = {k: r.number(v, ("params", k)) for k, v in raw_params.items()}
    samples_raw = _sample_tables(r, top)
    first_inputs = r.mapping(samples_raw[0][0], samples_raw[0][1], "inputs")
    r.names(first_inputs, samples_raw[0][1], "an input name")
    inputs = tuple(first_inputs)
    if not inputs:
        r.fail(samples_raw[0][1], "no inputs: a network needs at least one")

    taken: dict[str, str] = {}

    def claim(name: str, what: str, path: Path_) -> None:
        if name in taken:
            r.fail(path, f"the name '{name}' is used twice: as {taken[name]} and as {what}")
        taken[name] = what

    for name in inputs:
        claim(name, "an input", ("inputs", name))
    for name in params:
        claim(name, "a param", ("params", name))

    raw_nodes = r.mapping(top["nodes"], ("nodes",), "nodes")
    if not raw_nodes:
        r.fail(("nodes",), "no nodes: a network needs at least one")
    nodes: list[Node] = []
    defined = list(inputs)
    later = set(raw_nodes)
    used: set[str] = set()
    for name, spec in raw_nodes.items():
        path: Path_ = ("nodes", name)
        r.name(name, path, "a node name")
        claim(name, f"node '{name}'", path)
        later.discard(name)
        spec = r.mapping(spec, path, f"node '{name}' ({{sum: z1, from: {{x1: w1}}, activation: sigmoid}})")
        r.keys(spec, path, NODE_KEYS, f"node '{name}'")
        if "from" not in spec:
            r.fail(path, "missing 'from' (source -> param, e.g. {x1: w1, x2: w3})")
        sources = r.mapping(spec["from"], (*path, "from"), "'from'")
        edges = []
        for src, param in sources.items():
            epath: Path_ = (*path, "from", src)
            if src == name:
                r.fail(epath, f"node '{name}' cannot use its own value")
            if src in later:
                r.fail(epath, f"'{src}' is a later node; nodes are listed in computation order, "
                              f"so '{name}' can only use inputs and earlier nodes")
            if src not in defined:
                r.fail(epath, f"unknown source '{src}'{did_you_mean(str(src), defined)} "
                              f"(inputs: {', '.join(inputs)}"
                              + (f"; earlier nodes: {', '.join(defined[len(inputs):])})"
                                 if len(defined) > len(inputs) else ")"))
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
        act = _activation(r, spec.get("activation", "identity"), (*path, "activation"), "softmax")
        nodes.append(Node(name, sum_name, tuple(edges), bias, act))
        defined.append(name)

    for pname in params:
        if pname not in used:
            r.warn(("params", pname), f"param '{pname}' is defined but never used")
    samples, outputs = _samples_graph(r, samples_raw, inputs, nodes)
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


def _samples_graph(r: _Reader, raw: list[tuple[Any, Path_, Any, Path_]], inputs: tuple[str, ...],
                   nodes: Sequence[Node]) -> tuple[tuple[Sample, ...], tuple[str, ...]]:
    consumed = {e.source for n in nodes for e in n.edges}
    order = {n.name: i for i, n in enumerate(nodes)}
    first_targets = r.mapping(raw[0][2], raw[0][3], "targets (output node -> target)")
    if not first_targets:
        r.fail(raw[0][3], "no targets: name at least one output node and its target")
    for name in first_targets:
        tpath: Path_ = (*raw[0][3], name)
        if name not in order:
            what = "an input" if name in inputs else "not a node"
            r.fail(tpath, f"'{name}' is {what}; targets name output nodes"
                          f"{did_you_mean(str(name), order)}")
        if name in consumed:
            r.fail(tpath, f"'{name}' feeds other nodes, so it is not an output; targets name "
                          f"output nodes")
    outputs = tuple(sorted(first_targets, key=order.__getitem__))
    samples = []
    for i, (ins, ipath, tgs, tpath_) in enumerate(raw):
        ins = r.mapping(ins, ipath, "inputs (name -> value)")
        tgs = r.mapping(tgs, tpath_, "targets (output node -> target)")
        if tuple(ins) != inputs and set(ins) != set(inputs):
            r.fail(ipath, f"sample {i + 1} has inputs {', '.join(map(str, ins)) or 'none'}, "
                          f"but sample 1 has {', '.join(inputs)}")
        if set(tgs) != set(outputs):
            r.fail(tpath_, f"sample {i + 1} has targets for {', '.join(map(str, tgs)) or 'none'}, "
                           f"but sample 1 has {', '.join(outputs)}")
        values = {n: r.number(ins[n], (*ipath, n)) for n in inputs}
        targets = {n: r.number(tgs[n], (*tpath_, n)) for n in outputs}
        samples.append(Sample(frozen_map(values), frozen_map(targets)))
    return tuple(samples), outputs


def _finish(r: _Reader, top: Mapping[str, Any], common: dict[str, Any], inputs: tuple[str, ...],
            params: dict[str, float], nodes: tuple[Node, ...], outputs: tuple[str, ...],
            samples: tuple[Sample, ...], *, layered: bool,
            target_path: Path_ = ("targets",)) -> Network:
    loss: LossSpec = common["loss"]
    _check_softmax(r, nodes, layered)
    by_name = {n.name: n for n in nodes}
    tpath = ("samples",) if "samples" in top else target_path
    if loss.loss.kind in ("bce", "cross_entropy"):
        for i, sample in enumerate(samples):
            for name, t in sample.targets.items():
                if not 0.0 <= t <= 1.0:
                    r.fail(tpath, f"{loss.loss.kind} needs targets between 0 and 1, but the target "
                                  f"of '{name}' in sample {i + 1} is {t:g}")
    if loss.loss.kind == "bce":
        for name in outputs:
            act = by_name[name].activation.name
            if act in ("identity", "relu", "leaky_relu", "softplus", "tanh"):
                r.fail(tpath, f"bce needs outputs between 0 and 1, but '{name}' has activation "
                              f"{act}, whose values are not; use sigmoid")
    if loss.loss.kind == "cross_entropy":
        groups = {by_name[o].activation.group if by_name[o].activation.name == "softmax" else None
                  for o in outputs}
        members = {n.name for n in nodes if n.activation.name == "softmax"
                   and n.activation.group in groups}
        if None in groups or len(groups) != 1 or members != set(outputs):
            r.fail(("loss",), "cross_entropy needs the outputs to be exactly one softmax group "
                              f"(outputs: {', '.join(outputs)}); give them activation: softmax")
    frozen = _frozen(r, top, params)
    return Network(
        title=common.get("title"), description=common.get("description"),
        inputs=inputs, params=frozen_map(params), nodes=nodes, outputs=outputs,
        samples=samples, loss=loss, learning_rate=common["learning_rate"], frozen=frozen,
        bias_sign=common["bias_sign"], source_file=r.doc.filename, layered=layered,
    )


def _check_softmax(r: _Reader, nodes: Sequence[Node], layered: bool) -> None:
    """A softmax group is computed when its last member's sum is: nothing may use it earlier."""
    last: dict[str | None, int] = {}
    group_of: dict[str, str | None] = {}
    for i, node in enumerate(nodes):
        if node.activation.name == "softmax":
            last[node.activation.group] = i
            group_of[node.name] = node.activation.group
    for i, node in enumerate(nodes):
        for edge in node.edges:
            if edge.source in group_of and last[group_of[edge.source]] > i:
                path: Path_ = ("layers",) if layered else ("nodes", node.name, "from", edge.source)
                r.fail(path, f"'{node.name}' uses softmax output '{edge.source}' before the rest "
                             f"of its group is computed; list the whole group first")


# ---------------------------------------------------------------- layered form

def _templates(r: _Reader, top: Mapping[str, Any]) -> dict[str, str]:
    templates = dict(NAME_TEMPLATES)
    if top.get("names") is None:
        return templates
    given = r.mapping(top["names"], ("names",), "name templates")
    r.keys(given, ("names",), tuple(NAME_TEMPLATES), "'names'")
    for key, value in given.items():
        path: Path_ = ("names", key)
        text = r.text(value, path, "a name template such as \"w{layer}_{j}{k}\"")
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as err:
            r.fail(path, f"bad template '{text}': {err}")
        bad = fields - TEMPLATE_FIELDS[key]
        if bad:
            r.fail(path, f"template '{text}' uses {{{sorted(bad)[0]}}}; a {key} template may use "
                         + ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS[key])))
        templates[key] = text
    return templates


def _generate(r: _Reader, templates: Mapping[str, str], key: str, taken: dict[str, str],
              **fields: int) -> str:
    name = templates[key].format(**fields)
    if not name.isidentifier():
        r.fail(("names", key), f"template '{templates[key]}' generates '{name}', which is not a "
                               f"name (a letter or _, then letters, digits or _)")
    what = f"the {key} with " + ", ".join(f"{k}={v}" for k, v in fields.items())
    if name in taken:
        r.fail(("names", key) if key in (r.doc.root or {}).get("names", {}) else ("names",),
               f"template '{templates[key]}' generates '{name}' for {what}, "
               f"but '{name}' is already {taken[name]}; the generated names must be unique")
    taken[name] = what
    return name


def _layered(r: _Reader, top: Mapping[str, Any]) -> Network:
    common = _common(r, top)
    templates = _templates(r, top)
    layers = r.sequence(top["layers"], ("layers",), "a list of layers")
    if not layers:
        r.fail(("layers",), "no layers: give at least one {activation, weights, biases}")
    raw = _sample_tables(r, top)
    first = r.sequence(raw[0][0], raw[0][1], "a list of input values")
    if not first:
        r.fail(raw[0][1], "no inputs: a network needs at least one")
    taken: dict[str, str] = {}
    inputs = tuple(_generate(r, templates, "input", taken, j=j) for j in range(1, len(first) + 1))
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
        rows = r.sequence(layer["weights"], (*path, "weights"), "a list of rows")
        if not rows:
            r.fail((*path, "weights"), "no rows: a layer needs at least one node")
        biases = None
        if layer.get("biases") is not None:
            biases = r.sequence(layer["biases"], (*path, "biases"), "a list of biases")
            if len(biases) != len(rows):
                r.fail((*path, "biases"), f"{len(biases)} biases for {len(rows)} nodes "
                                          f"(one per row of weights)")
        act = _activation(r, layer.get("activation", "identity"), (*path, "activation"),
                          f"layer{lnum}")
        current = []
        for j, row in enumerate(rows, start=1):
            rpath: Path_ = (*path, "weights", j - 1)
            row = r.sequence(row, rpath, f"row {j}: the weights into node {j}")
            if len(row) != len(previous):
                r.fail(rpath, f"row {j} has {len(row)} weights, but the layer before has "
                              f"{len(previous)} {'inputs' if li == 0 else 'nodes'}")
            edges = []
            for k, value in enumerate(row, start=1):
                wname = _generate(r, templates, "weight", taken, layer=lnum, j=j, k=k)
                params[wname] = r.number(value, (*rpath, k - 1))
                edges.append(Edge(previous[k - 1], wname))
            bias = None
            if biases is not None:
                bias = _generate(r, templates, "bias", taken, layer=lnum, j=j)
                params[bias] = r.number(biases[j - 1], (*path, "biases", j - 1))
            sname = _generate(r, templates, "sum", taken, layer=lnum, j=j)
            nname = _generate(r, templates, "node", taken, layer=lnum, j=j)
            nodes.append(Node(nname, sname, tuple(edges), bias, act, layer=lnum))
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
        values = {n: r.number(v, (*ipath, j)) for j, (n, v) in enumerate(zip(inputs, ins, strict=True))}
        targets = {n: r.number(v, (*tpath, j)) for j, (n, v) in enumerate(zip(outputs, tgs, strict=True))}
        samples.append(Sample(frozen_map(values), frozen_map(targets)))
    return _finish(r, top, common, inputs, params, tuple(nodes), outputs, tuple(samples),
                   layered=True)
