"""JSON Schemas (draft 2020-12) of the network and answers files, built from the registries.

The schema says what an editor can check as the user types: keys, types, names, the activation,
loss and reduction words (with their aliases), positive learning rates. It accepts nothing the
loader refuses; the loader also refuses what only the whole file shows (an unknown source, a
later node, a target on a hidden node, a name used twice), which a schema cannot express.
"""

from __future__ import annotations

from typing import Any

from backprop.activations import ACTIVATIONS, ALIASES
from backprop.losses import LOSSES, REDUCTIONS
from backprop.optimizers import OPTIMIZERS, Hyper
from backprop.spec import _FIELD_LIMIT as TEMPLATE_LIMIT  # the longest name template
from backprop.spec import LAYER_KEYS, MAX_NAME, MAX_STEP, NAME_TEMPLATES, NODE_KEYS

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# A name is a Python identifier (a letter or _, then letters, digits or _; Unicode letters too).
# JSON Schema patterns are ECMA-262 regexes, which cannot say "Unicode letter" the same way in
# every validator; so the pattern refuses what no name holds (a leading digit, white space,
# control characters, ASCII punctuation other than _) and leaves the finer rule to the loader.
NAME_PATTERN = r"^[^0-9\s\x00-\x1f\x7f!-/:-@\[-^`{-~][^\s\x00-\x1f\x7f!-/:-@\[-^`{-~]*$"
# a title or description: no control character but tab and newline, no bidirectional override
TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"


def _names(what: str) -> dict[str, Any]:
    return {"type": "string", "pattern": NAME_PATTERN, "maxLength": MAX_NAME, "description": what}


def _table(what: str, values: dict[str, Any], *, at_least_one: bool = False) -> dict[str, Any]:
    """A mapping name -> value."""
    out: dict[str, Any] = {"type": "object", "description": what,
                           "propertyNames": {"pattern": NAME_PATTERN, "maxLength": MAX_NAME},
                           "additionalProperties": values}
    if at_least_one:
        out["minProperties"] = 1
    return out


def _activation() -> dict[str, Any]:
    words = [*ACTIVATIONS, *ALIASES]
    sloped = [w for w in words if ACTIVATIONS[ALIASES.get(w, w)].slope is not None]
    grouped = [w for w in words if not ACTIVATIONS[ALIASES.get(w, w)].elementwise]
    return {
        "description": "a name, or a mapping {name: leaky_relu, slope: 0.2}; default identity",
        "oneOf": [
            {"type": "string", "enum": words},
            {"type": "object", "required": ["name"], "additionalProperties": False,
             "properties": {
                 "name": {"enum": words},
                 "slope": {"type": "number", "minimum": 0, "maximum": 1,
                           "description": f"for {', '.join(sloped)}: the slope for z ≤ 0"},
                 "group": {**_names(f"for {', '.join(grouped)}: the group normalised together")}},
             "allOf": [
                 {"if": {"required": ["slope"]}, "then": {"properties": {"name": {"enum": sloped}}}},
                 {"if": {"required": ["group"]}, "then": {"properties": {"name": {"enum": grouped}}}},
             ]},
        ],
    }


def _loss() -> dict[str, Any]:
    kinds = list(LOSSES)
    return {
        "description": "the loss: a kind, or {kind: sse, name: SSR, reduction: sum}",
        "oneOf": [
            {"type": "string", "enum": kinds},
            {"type": "object", "required": ["kind"], "additionalProperties": False,
             "properties": {"kind": {"enum": kinds},
                            "name": _names("the loss's display name (default L)"),
                            "reduction": {"enum": list(REDUCTIONS)}}},
        ],
    }


NUMBER = {"type": "number"}


def _hyper(h: Hyper) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "number", "description": f"{h.symbol}, in {h.range_text}; "
                                                            f"default {h.default:g}"}
    out["exclusiveMinimum" if h.low_open else "minimum"] = h.low
    if h.high != float("inf"):
        out["exclusiveMaximum" if h.high_open else "maximum"] = h.high
    return out


def _optimizer() -> dict[str, Any]:
    """One object form per registry entry, with its own hyper-parameters and conventions."""
    forms: list[dict[str, Any]] = [{"type": "string", "enum": list(OPTIMIZERS)}]
    for kind, entry in OPTIMIZERS.items():
        props: dict[str, Any] = {"kind": {"const": kind}}
        props.update({h.key: _hyper(h) for h in entry.hypers})
        if len(entry.conventions) > 1:
            props["convention"] = {"enum": list(entry.conventions),
                                   "description": f"default {entry.default_convention}"}
        forms.append({"type": "object", "required": ["kind"], "additionalProperties": False,
                      "properties": props})
    return {"description": "the update rule: a kind, or {kind: adam, beta1, beta2, eps}; "
                           "default sgd", "oneOf": forms}


def _optimizer_state() -> dict[str, Any]:
    names = sorted({n for o in OPTIMIZERS.values() for c in o.conventions.values()
                    for n in c.state_names})
    return {"type": ["object", "null"], "additionalProperties": False,
            "description": "the optimizer's state to start from (a saved run's): step and, per "
                           "state name, param -> value (0 where not given)",
            "properties": {"step": {"type": "integer", "minimum": 0, "maximum": MAX_STEP},
                           **{n: _table(f"{n}: param -> value", NUMBER) for n in names}}}


def _samples(inputs: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "description": "one {inputs, targets} per sample",
            "items": {"type": "object", "required": ["inputs", "targets"],
                      "additionalProperties": False,
                      "properties": {"inputs": inputs, "targets": targets}}}


def _common() -> dict[str, Any]:
    text = {"type": ["string", "number", "null"], "pattern": TEXT_PATTERN}
    return {
        "title": {**text, "description": "free text, shown in the report"},
        "description": {**text, "description": "free text, shown in the report"},
        "loss": _loss(),
        "learning_rate": {"type": "number", "exclusiveMinimum": 0,
                          "description": "η > 0 in the update p ← p − η·∂L/∂p"},
        "frozen": {"type": ["array", "null"], "items": _names("a param that is not updated"),
                   "description": "params that are not updated (their gradients are still shown)"},
        "bias_sign": {"enum": ["plus", "minus"], "description": "plus: z = Σwx + b; minus: z = Σwx − b"},
        "optimizer": _optimizer(),
        "optimizer_state": _optimizer_state(),
        "spellings": _spellings(),
    }


def _spellings() -> dict[str, Any]:
    one = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[^\n]*$"}
    return {"type": ["object", "null"],
            "description": "name -> its LaTeX spelling, or {latex, also: [plain spellings]}, "
                           "read by the LaTeX export and by page checking",
            "additionalProperties": {"oneOf": [
                one,
                {"type": "object", "additionalProperties": False,
                 "properties": {"latex": one,
                                "also": {"oneOf": [one, {"type": "array", "items": one,
                                                         "maxItems": 20}]}}}]}}


def _one_sample_or_many() -> list[dict[str, Any]]:
    """Top-level inputs and targets, or samples: one of the two."""
    return [{"required": ["inputs", "targets"], "not": {"required": ["samples"]}},
            {"required": ["samples"], "not": {"anyOf": [{"required": ["inputs"]},
                                                        {"required": ["targets"]}]}}]


def _bounded_targets(graph: bool) -> list[dict[str, Any]]:
    """A loss that compares its targets with probabilities (targets_in) bounds them."""
    rules = []
    for kind, loss in LOSSES.items():
        if loss.targets_in is None:
            continue
        lo, hi = loss.targets_in
        bounded = {"type": "number", "minimum": lo, "maximum": hi}
        targets = ({"additionalProperties": bounded} if graph else {"items": bounded})
        rules.append({
            "if": {"required": ["loss"], "properties": {"loss": {"anyOf": [
                {"const": kind}, {"required": ["kind"], "properties": {"kind": {"const": kind}}}]}}},
            "then": {"properties": {"targets": targets, "samples": {"items": {
                "properties": {"targets": targets}}}}},
        })
    return rules


def network_schema() -> dict[str, Any]:
    """The network file (FORMAT §1), graph form or layered form."""
    graph_inputs = _table("input name -> value", NUMBER, at_least_one=True)
    graph_targets = _table("output node -> target", NUMBER, at_least_one=True)
    node_keys: dict[str, Any] = {
        "from": _table("source (an input or an earlier node) -> param name", _names("a param name")),
        "bias": {"anyOf": [_names("a param added to the sum"), {"type": "null"}]},
        "activation": _activation(),
        "sum": {"anyOf": [_names("the name of the sum z (default z_<node>)"), {"type": "null"}]},
    }
    assert set(node_keys) == set(NODE_KEYS)  # the loader's keys, no more, no fewer
    node = {"type": "object", "required": ["from"], "additionalProperties": False,
            "description": "node = activation(sum), sum = Σ value(source)·param ± bias",
            "properties": node_keys}
    graph = {
        "title": "graph form",
        "type": "object",
        "required": ["params", "nodes", "loss", "learning_rate"],
        "additionalProperties": False,
        "properties": {
            **_common(),
            "inputs": graph_inputs,
            "targets": graph_targets,
            "samples": _samples(graph_inputs, graph_targets),
            "params": _table("every weight and bias: name -> value", NUMBER),
            "nodes": _table("in computation order: node name -> {from, bias, activation, sum}",
                            node, at_least_one=True),
        },
        "oneOf": _one_sample_or_many(),
        "allOf": _bounded_targets(graph=True),
    }
    numbers = {"type": "array", "items": NUMBER, "minItems": 1}
    layer_keys: dict[str, Any] = {
        "activation": _activation(),
        "weights": {"type": "array", "minItems": 1, "items": numbers,
                    "description": "row j: the weights into node j, one per node before"},
        "biases": {"anyOf": [{"type": "array", "items": NUMBER}, {"type": "null"}],
                   "description": "one per row"},
    }
    assert set(layer_keys) == set(LAYER_KEYS)
    layer = {"type": "object", "required": ["weights"], "additionalProperties": False,
             "properties": layer_keys}
    layered = {
        "title": "layered form",
        "type": "object",
        "required": ["layers", "loss", "learning_rate"],
        "additionalProperties": False,
        "properties": {
            **_common(),
            "inputs": {**numbers, "description": "the input values, x1, x2, …"},
            "targets": {**numbers, "description": "one per node of the last layer"},
            "samples": _samples(numbers, numbers),
            "layers": {"type": "array", "minItems": 1, "items": layer},
            "names": {"type": ["object", "null"], "additionalProperties": False,
                      "description": "name templates overriding the defaults",
                      "properties": {key: {"type": "string", "maxLength": TEMPLATE_LIMIT,
                                           "description": f"default {default!r}"}
                                     for key, default in NAME_TEMPLATES.items()}},
        },
        "oneOf": _one_sample_or_many(),
        "allOf": _bounded_targets(graph=False),
    }
    return {"$schema": DIALECT, "title": "backprop network file",
            "description": "A network and one training step (FORMAT §1): every number named.",
            "oneOf": [graph, layered]}


def answers_schema() -> dict[str, Any]:
    """The answers file (FORMAT §2): quantity -> number."""
    return {"$schema": DIALECT, "title": "backprop answers file",
            "description": "quantity -> number, named as the tables print them: z1, y_hat, L, "
                           "dL/dw5, dy_hat/dz3, w5_new, z1[2]",
            "type": "object", "minProperties": 1, "additionalProperties": NUMBER,
            "properties": {"variant": {
                "description": "the variant this sheet answers, when `check` marks against a "
                               "folder of variants (then never a quantity): v07 or 7",
                "anyOf": [NUMBER, {"type": "string", "pattern": "^[vV]?0*[0-9]{1,9}$"}]}}}


def explain_schema() -> dict[str, Any]:
    """What `backprop explain --format json` prints (render/explain_json.py's ExplainJSON):
    full-precision floats, null where a value is not finite."""
    value = {"type": ["number", "null"]}
    name = {"type": "string"}

    def record(props: dict[str, Any], what: str) -> dict[str, Any]:
        return {"type": "object", "description": what, "additionalProperties": False,
                "required": list(props), "properties": props}

    factor = record({"numerator": name, "denominator": name, "rule": name, "value": value},
                    "one link of a chain: ∂numerator/∂denominator, its rule and value")
    path = record({"factors": {"type": "array", "minItems": 1, "items": factor}, "product": value},
                  "one chain from the loss to the param, loss end first, and its product")
    term = record({"sum": name, "weight": name, "w": NUMBER, "delta": value},
                  "a term w·δ_c of a δ row")
    delta = record({"node": name, "sum": name, "local": factor,
                    "terms": {"type": "array", "items": term},
                    "loss": {"oneOf": [factor, {"type": "null"}]}, "value": value},
                   "δ = ∂L/∂z of a node, when the paths are too many to list")
    count = {"type": "integer", "minimum": 0}
    block = record({"node": name, "source": {"type": ["string", "null"]},
                    "sample": {"type": "integer", "minimum": 1}, "param_factor": factor,
                    "path_count": count, "paths": {"type": "array", "items": path},
                    "deltas": {"type": "array", "items": delta}, "delta": value, "value": value},
                   "one use of the param at one sample: ∂L/∂z · ∂z/∂p")
    body = record({"param": name, "loss": name, "blocks": {"type": "array", "items": block},
                   "terms": count, "uses": count, "samples": count, "gradient": value,
                   "learning_rate": NUMBER, "old": NUMBER, "new": value,
                   "frozen": {"type": "boolean"}, "optimizer": {"type": ["string", "null"]},
                   "notes": {"type": "array", "items": name}},
                  "one param's gradient: its blocks (the first few when there are many; "
                  "`terms` counts them all), the sum and the update")
    return {"$schema": DIALECT, "title": "backprop explain report (JSON)", **body}


#: file kind -> its schema; "explain" is the schema of explain's JSON report
SCHEMAS = {"network": network_schema, "answers": answers_schema, "explain": explain_schema}
