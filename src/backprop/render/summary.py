"""A large network's step at a glance: each layer's counts and ranges and its largest gradients,
or the params a user picks, instead of a table row for every one of 100,000 params."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import partial

from backprop.errors import UsageError
from backprop.network import Network, Node
from backprop.notation import fmt, fmt_step, given
from backprop.render.layout import Group, RenderableType, Text
from backprop.render.tables import (
    Fmt,
    _forward,
    _gradients,
    _loss,
    _row,
    _table,
    _update,
)
from backprop.trace import SampleTrace, Trace

MAX_PARAMS = 200  #: more params than this: the gradient and update tables would pass 400 rows
MAX_NODES = 100  #: more nodes than this: the forward table would pass 200 rows
MAX_LOSS_ROWS = 32  #: the loss table keeps one row per (sample, output) up to this many
MAX_SAMPLES = 10  #: more samples than this: one sample is worked in full, the rest only counted
#: into L, the gradients and the update (per-sample rows would repeat every table per sample)
TOP = 3  #: the largest |∂L/∂p| listed for each layer


def is_large(net: Network) -> bool:
    """Whether `backprop step` summarises this network unless asked for --all."""
    return len(net.params) > MAX_PARAMS or len(net.nodes) > MAX_NODES


def shown_samples(trace: Trace, chosen: Sequence[int] = (), *, show_all: bool = False
                  ) -> tuple[SampleTrace, ...]:
    """The samples whose per-sample rows the tables print: the 1-based `chosen` ones (in order,
    each once), else every one when there are at most MAX_SAMPLES or `show_all`, else the first.
    A chosen number that is no sample is a UsageError."""
    from backprop.explain import chosen_samples

    samples = trace.samples
    if chosen:
        return chosen_samples(trace, chosen)
    if show_all or len(samples) <= MAX_SAMPLES:
        return samples
    return samples[:1]


def samples_note(trace: Trace, shown: Sequence[SampleTrace], chosen: Sequence[int]) -> str:
    """What the per-sample rows leave out and how to see it; "" when they show every sample."""
    n = len(trace.samples)
    if len(shown) == n:
        return ""
    where = _where(trace.network)
    listed = ", ".join(str(s.index) for s in shown[:8]) + (", …" if len(shown) > 8 else "")
    which = f"sample {listed}" if len(shown) == 1 else f"samples {listed}"
    asked = " --sample ".join(map(str, dict.fromkeys(chosen)))
    head = (f"Showing {which} of {n:,} in full (--sample {asked})"
            if chosen else
            f"Summarised: {n:,} samples (a network with more than {MAX_SAMPLES} samples is "
            f"summarised); {which} in full")
    return (f"{head}; L, the gradients and the update are over every sample. Every sample: "
            f"backprop step {where} --all; chosen samples: --sample K (repeatable, 1 to {n:,}); "
            f"every number: --format json.")


def _where(net: Network) -> str:
    from shlex import quote

    return quote(net.source_file) if net.source_file else "NET"


def value_ranges(trace: Trace, f: Fmt) -> RenderableType:
    """Each input, sum and node value over every sample: min, mean and max, one row each."""
    net = trace.network
    numbers = ("min", "mean", "max")
    table = _table(f"Each value over all {len(trace.samples):,} samples",
                   "", *numbers, right=numbers)
    names = list(net.inputs)
    for node in net.nodes:
        names.append(node.sum)
        if not node.activation.identity:
            names.append(node.name)
    for name in names:
        column = [s.values[name] for s in trace.samples]
        _row(table, name, *_ranges(column, f))
    return table


def choose(net: Network, patterns: Iterable[str]) -> list[str]:
    """The params that `--param` patterns name (exact names, or globs such as ``w1_*``), in file
    order; a pattern that names no param is a UsageError."""
    from fnmatch import fnmatchcase

    chosen: set[str] = set()
    for pattern in patterns:
        if pattern in net.params:
            chosen.add(pattern)
            continue
        hits = [p for p in net.params if fnmatchcase(p, pattern)]
        if not hits:
            raise UsageError(_no_match(net, pattern), file=net.source_file)
        chosen.update(hits)
    return [p for p in net.params if p in chosen]


def _no_match(net: Network, pattern: str) -> str:
    names = list(net.params)
    if pattern in net.inputs:
        what = f"'{pattern}' is an input, not a param"
    elif any(pattern in (n.name, n.sum) for n in net.nodes):
        what = f"'{pattern}' is a node value or sum, not a param"
    else:
        what = f"--param '{pattern}' names no param"
    from difflib import get_close_matches

    near = get_close_matches(pattern, names, n=3, cutoff=0.6) if len(names) <= 5000 else []
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    shown = ", ".join(names[:3]) + (f", … {names[-1]}" if len(names) > 3 else "")
    return f"{what}{hint} (params: {shown}; globs such as 'w1_*' choose several)"


# ---------------------------------------------------------------- layers

def node_layers(net: Network) -> dict[str, int]:
    """Each node's layer: the file's layer in the layered form, else its depth from the inputs
    (1 + the deepest source), so that a large graph-form network is grouped the same way."""
    depth = dict.fromkeys(net.inputs, 0)
    for node in net.nodes:
        depth[node.name] = node.layer if node.layer is not None else (
            1 + max((depth[e.source] for e in node.edges), default=0))
    return {n.name: depth[n.name] for n in net.nodes}


def param_layers(net: Network, layers: dict[str, int]) -> dict[str, int | None]:
    """Each param's layer: that of the node its first use feeds (None: never used)."""
    out: dict[str, int | None] = dict.fromkeys(net.params)
    for use in net.uses:
        if out[use.param] is None:
            out[use.param] = layers[use.node]
    return out


def _by_layer(names: Iterable[str], layer_of: dict[str, int | None]) -> dict[int | None, list[str]]:
    groups: dict[int | None, list[str]] = {}
    for name in names:
        groups.setdefault(layer_of[name], []).append(name)
    return dict(sorted(groups.items(), key=lambda kv: math.inf if kv[0] is None else kv[0]))


def _layer_label(layer: int | None) -> str:
    return "unused" if layer is None else str(layer)


# ---------------------------------------------------------------- the report

def step_summary(trace: Trace, decimals: int = 3, *, params: Sequence[str] = (),
                 shown: Sequence[SampleTrace] | None = None,
                 chosen_samples: Sequence[int] = ()) -> RenderableType:
    """The step of a large network, layer by layer; with `params` (patterns), those params' rows
    in full. A small network with `params` keeps its full forward pass and loss tables. Per-sample
    rows are made for the `shown` samples only (default: as shown_samples chooses)."""
    f = partial(fmt, decimals=decimals)
    net = trace.network
    large = is_large(net)
    chosen = choose(net, params) if params else []
    if shown is None:
        shown = shown_samples(trace)
    layers = node_layers(net)
    player = param_layers(net, layers)
    parts: list[RenderableType] = []
    if net.title:
        parts.append(Text(net.title, style="bold"))
    if net.description:
        parts.append(Text(net.description.strip()))
    parts += [Text(""), _forward_summary(trace, f, layers) if large else _forward(trace, f, shown)]
    if not large and len(shown) < len(trace.samples):
        parts += [Text(""), value_ranges(trace, f)]
    if len(net.outputs) * len(shown) <= MAX_LOSS_ROWS:
        parts += [Text(""), _loss(trace, f, shown)]
    if large:
        parts += [Text(""), _gradient_summary(trace, f, player)]
    if chosen:
        parts += [Text(""), _gradients(trace, f, chosen, shown=shown),
                  Text(""), _update(trace, f, chosen)]
    else:
        parts += [Text(""), _largest(trace, f, player)]
    parts.append(Text(""))
    if large:
        parts.append(Text(_update_line(trace, f)))
    parts.append(Text(f"{net.loss.name} = {f(trace.loss)} before the update, "
                      f"{f(trace.loss_new)} after it"))
    parts.extend(Text(f"note: {n}", style="dim") for n in trace.notes)
    parts += [Text(""), Text(_how_to_see_all(net, chosen, params, large), style="italic")]
    note = samples_note(trace, shown, chosen_samples)
    if note:
        parts.append(Text(note, style="italic"))
    return Group(*parts)


def _how_to_see_all(net: Network, chosen: Sequence[str], patterns: Sequence[str],
                    large: bool) -> str:
    where = _where(net)
    count = f"{len(net.params):,} param" + ("s" if len(net.params) != 1 else "")
    if chosen:
        head = (f"Showing the gradients and updates of {len(chosen):,} of {count} "
                f"(--param {' --param '.join(patterns)}).")
    else:
        head = (f"Summarised: {count} and {len(net.nodes):,} nodes, shown layer by layer "
                f"(a network with more than {MAX_PARAMS} params or {MAX_NODES} nodes is "
                f"summarised).")
    return (f"{head} Every row: backprop step {where} --all; chosen params: --param NAME "
            f"(repeatable; globs such as --param 'w1_*'); every number: --format json."
            if large or chosen else head)


def _ranges(values: Sequence[float], f: Fmt) -> tuple[str, str, str]:
    return f(min(values)), f(math.fsum(values) / len(values)), f(max(values))


def _forward_summary(trace: Trace, f: Fmt, layers: dict[str, int]) -> RenderableType:
    net = trace.network
    title = f"Forward pass: {len(net.inputs):,} inputs, {len(net.nodes):,} nodes, by layer"
    if net.multi_sample:
        title += f" ({len(trace.samples)} samples together)"
    numbers = ("z min", "z max", "h min", "h mean", "h max")
    table = _table(title, "layer", "nodes", "activation", *numbers, right=("nodes", *numbers))
    by_layer: dict[int, list[Node]] = {}
    for node in net.nodes:
        by_layer.setdefault(layers[node.name], []).append(node)
    for layer, nodes in sorted(by_layer.items()):
        zs = [s.values[n.sum] for s in trace.samples for n in nodes]
        hs = [s.values[n.name] for s in trace.samples for n in nodes]
        acts = ", ".join(dict.fromkeys(n.activation.name for n in nodes))
        _row(table, _layer_label(layer), f"{len(nodes):,}", acts, f(min(zs)), f(max(zs)),
             *_ranges(hs, f))
    return table


def _gradient_summary(trace: Trace, f: Fmt, player: dict[str, int | None]) -> RenderableType:
    net = trace.network
    L = net.loss.name
    numbers = ("weights + biases", "min", "mean", "max")
    table = _table(f"Backward pass: ∂{L}/∂p by layer", "layer", *numbers, right=numbers)
    biases = {n.bias for n in net.nodes if n.bias is not None}
    for layer, names in _by_layer(net.params, player).items():
        grads = [trace.gradients[p] for p in names]
        nb = sum(1 for p in names if p in biases)
        _row(table, _layer_label(layer), f"{len(names) - nb:,} + {nb:,}", *_ranges(grads, f))
    return table


def _largest(trace: Trace, f: Fmt, player: dict[str, int | None]) -> RenderableType:
    from heapq import nlargest

    net = trace.network
    L = net.loss.name
    table = _table(f"Largest |∂{L}/∂p|, {TOP} per layer",
                   "gradient", "layer", "value", "update", right=("value", "update"))
    for layer, names in _by_layer(net.params, player).items():
        top = nlargest(TOP, names, key=lambda p: abs(trace.gradients[p]))
        for p in top:
            old = net.params[p]
            update = ("frozen" if p in net.frozen
                      else f"{given(old)} → {fmt_step(trace.updated[p], old, f)}")
            _row(table, f"∂{L}/∂{p}", _layer_label(layer), f(trace.gradients[p]), update)
    return table


def _update_line(trace: Trace, f: Fmt) -> str:
    net = trace.network
    moved = [p for p in net.params if p not in net.frozen]
    rule = (f"p ← p − η·∂{net.loss.name}/∂p" if trace.optimizer is None else
            f"by {trace.optimizer.setting.optimizer.kind} "
            f"({trace.optimizer.setting.convention.description})")
    text = (f"Update: {rule} with η = {given(net.learning_rate)}: "
            f"{len(moved):,} params updated, {len(net.frozen):,} frozen")
    if moved:
        big = max(moved, key=lambda p: abs(trace.updated[p] - net.params[p]))
        text += (f"; the largest step is {big}: {given(net.params[big])} → "
                 f"{fmt_step(trace.updated[big], net.params[big], f)}")
    return text + "."


# ---------------------------------------------------------------- chosen params, in full
