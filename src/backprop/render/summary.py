"""A large network's step at a glance: each layer's counts and ranges and its largest gradients,
or the params a user picks, instead of a table row for every one of 100,000 params."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from backprop.errors import NoParamMatches
from backprop.network import Network
from backprop.notation import Places, fmt, fmt_step, given
from backprop.render import Asking, common
from backprop.render.common import Fmt
from backprop.render.layout import Group, RenderableType, Text
from backprop.render.tables import forward_table, gradient_table, loss_table, update_table
from backprop.trace import SampleTrace, Trace

if TYPE_CHECKING:  # digest (per-layer numbers) is imported only when a report summarises
    from backprop.digest import ParamLayer, Ranges

MAX_PARAMS = 200  #: more params than this: the gradient and update tables would pass 400 rows
MAX_NODES = 100  #: more nodes than this: the forward table would pass 200 rows
MAX_LOSS_ROWS = 32  #: the loss table keeps one row per (sample, output) up to this many
MAX_SAMPLES = 10  #: more samples than this: one sample is worked in full, the rest only counted
#: into L, the gradients and the update (per-sample rows would repeat every table per sample)
TOP = 3  #: the largest |∂L/∂p| listed for each layer


def is_large(net: Network) -> bool:
    """Whether the step report summarises this network unless asked for every row."""
    return len(net.params) > MAX_PARAMS or len(net.nodes) > MAX_NODES


def shown_samples(trace: Trace, chosen: Sequence[int] = (), *, show_all: bool = False
                  ) -> tuple[SampleTrace, ...]:
    """The samples whose per-sample rows the tables print: the 1-based `chosen` ones (in order,
    each once), else every one when there are at most MAX_SAMPLES or `show_all`, else the first.
    A chosen number that is no sample is a NoSuchSample."""
    samples = trace.samples
    if chosen:
        from backprop.explain import chosen_samples

        return chosen_samples(trace, chosen)
    if show_all or len(samples) <= MAX_SAMPLES:
        return samples
    return samples[:1]


def samples_note(trace: Trace, shown: Sequence[SampleTrace], chosen: Sequence[int],
                 ask: Asking | None = None) -> str:
    """What the per-sample rows leave out and how to see it; "" when they show every sample."""
    n = len(trace.samples)
    if len(shown) == n:
        return ""
    listed = ", ".join(str(s.index) for s in shown[:8]) + (", …" if len(shown) > 8 else "")
    which = f"sample {listed}" if len(shown) == 1 else f"samples {listed}"
    if chosen:
        head = f"Showing {which} of {n:,} in full"
        if ask is not None:
            head += f" ({ask.sample} " + f" {ask.sample} ".join(map(str, dict.fromkeys(chosen))) + ")"
    else:
        head = (f"Summarised: {n:,} samples (a network with more than {MAX_SAMPLES} samples is "
                f"summarised); {which} in full")
    text = f"{head}; L, the gradients and the update are over every sample."
    if ask is not None:
        text += (f" Every sample: {ask.step} {_where(trace.network)} {ask.every}; chosen samples: "
                 f"{ask.sample} K (repeatable, 1 to {n:,}); every number: {ask.numbers}.")
    return text


def _where(net: Network) -> str:
    from shlex import quote

    return quote(net.source_file) if net.source_file else "NET"


def value_ranges(trace: Trace, f: Fmt) -> RenderableType:
    """Each input, sum and node value over every sample: min, mean and max, one row each."""
    numbers = ("min", "mean", "max")
    table = common.table(f"Each value over all {len(trace.samples):,} samples",
                         "", *numbers, right=numbers)
    from backprop import digest

    for name, ranges in digest.value_ranges(trace):
        common.row(table, name, *_ranges(ranges, f))
    return table


def choose(net: Network, patterns: Iterable[str]) -> list[str]:
    """The params that patterns name (exact names, or globs such as ``w1_*``), in file order; a
    pattern that names no param is a NoParamMatches."""
    from fnmatch import fnmatchcase

    chosen: set[str] = set()
    for pattern in patterns:
        if pattern in net.params:
            chosen.add(pattern)
            continue
        hits = [p for p in net.params if fnmatchcase(p, pattern)]
        if not hits:
            raise _no_match(net, pattern)
        chosen.update(hits)
    return [p for p in net.params if p in chosen]


def _no_match(net: Network, pattern: str) -> NoParamMatches:
    from difflib import get_close_matches

    names = list(net.params)
    role = ("an input" if pattern in net.inputs else
            "a node value or sum" if any(pattern in (n.name, n.sum) for n in net.nodes) else None)
    near = get_close_matches(pattern, names, n=3, cutoff=0.6) if len(names) <= 5000 else []
    return NoParamMatches(pattern, role=role, near=near, params=names, file=net.source_file)


# ---------------------------------------------------------------- layers

def _layer_label(layer: int | None) -> str:
    return "unused" if layer is None else str(layer)


# ---------------------------------------------------------------- the report

def step_summary(trace: Trace, decimals: int = 3, *, params: Sequence[str] = (),
                 shown: Sequence[SampleTrace] | None = None,
                 chosen_samples: Sequence[int] = (), ask: Asking | None = None) -> RenderableType:
    """The step of a large network, layer by layer; with `params` (patterns), those params' rows
    in full. A small network with `params` keeps its full forward pass and loss tables. Per-sample
    rows are made for the `shown` samples only (default: as shown_samples chooses)."""
    f = Places(decimals)
    net = trace.network
    large = is_large(net)
    chosen = choose(net, params) if params else []
    if shown is None:
        shown = shown_samples(trace)
    from backprop import digest

    layers = digest.node_layers(net)
    player = digest.param_layers_of(trace, digest.param_layers(net, layers), TOP)
    parts: list[RenderableType] = []
    if net.title:
        parts.append(Text(net.title, style="bold"))
    if net.description:
        parts.append(Text(net.description.strip()))
    parts += [Text(""), _forward_summary(trace, f, layers) if large else forward_table(trace, f, shown)]
    if not large and len(shown) < len(trace.samples):
        parts += [Text(""), value_ranges(trace, f)]
    if len(net.outputs) * len(shown) <= MAX_LOSS_ROWS:
        parts += [Text(""), loss_table(trace, f, shown)]
    if large:
        parts += [Text(""), _gradient_summary(trace, f, player)]
    if chosen:
        parts += [Text(""), gradient_table(trace, f, chosen, shown=shown),
                  Text(""), update_table(trace, f, chosen)]
    else:
        parts += [Text(""), _largest(trace, f, player)]
    parts.append(Text(""))
    if large:
        parts.append(Text(_update_line(trace, f)))
    parts.append(Text(f"{net.loss.name} = {f(trace.loss)} before the update, "
                      f"{f(trace.loss_new)} after it"))
    parts.extend(Text(f"note: {n}", style="dim") for n in trace.notes)
    parts += [Text(""), Text(_how_to_see_all(net, chosen, params, large, ask), style="italic")]
    note = samples_note(trace, shown, chosen_samples, ask)
    if note:
        parts.append(Text(note, style="italic"))
    return Group(*parts)


def _how_to_see_all(net: Network, chosen: Sequence[str], patterns: Sequence[str],
                    large: bool, ask: Asking | None) -> str:
    count = f"{len(net.params):,} param" + ("s" if len(net.params) != 1 else "")
    if chosen:
        head = f"Showing the gradients and updates of {len(chosen):,} of {count}"
        head += f" ({ask.param} {f' {ask.param} '.join(patterns)})." if ask is not None else "."
    else:
        head = (f"Summarised: {count} and {len(net.nodes):,} nodes, shown layer by layer "
                f"(a network with more than {MAX_PARAMS} params or {MAX_NODES} nodes is "
                f"summarised).")
    return (f"{head} Every row: {ask.step} {_where(net)} {ask.every}; chosen params: {ask.param} "
            f"NAME (repeatable; globs such as {ask.param} 'w1_*'); every number: {ask.numbers}."
            if ask is not None and (large or chosen) else head)


def _ranges(r: Ranges, f: Fmt) -> tuple[str, str, str]:
    return f(r.min), f(r.mean), f(r.max)


def _forward_summary(trace: Trace, f: Fmt, layers: dict[str, int]) -> RenderableType:
    net = trace.network
    title = f"Forward pass: {len(net.inputs):,} inputs, {len(net.nodes):,} nodes, by layer"
    if net.multi_sample:
        title += f" ({len(trace.samples)} samples together)"
    numbers = ("z min", "z max", "h min", "h mean", "h max")
    table = common.table(title, "layer", "nodes", "activation", *numbers,
                         right=("nodes", *numbers))
    from backprop import digest

    for one in digest.forward_layers(trace, layers):
        common.row(table, _layer_label(one.layer), f"{one.nodes:,}", ", ".join(one.activations),
                   f(one.z_min), f(one.z_max), *_ranges(one.h, f))
    return table


def _gradient_summary(trace: Trace, f: Fmt, player: tuple[ParamLayer, ...]) -> RenderableType:
    L = trace.network.loss.name
    numbers = ("weights + biases", "min", "mean", "max")
    table = common.table(f"Backward pass: ∂{L}/∂p by layer", "layer", *numbers, right=numbers)
    for one in player:
        common.row(table, _layer_label(one.layer), f"{one.weights:,} + {one.biases:,}",
                   *_ranges(one.gradients, f))
    return table


def _largest(trace: Trace, f: Fmt, player: tuple[ParamLayer, ...]) -> RenderableType:
    net = trace.network
    L = net.loss.name
    table = common.table(f"Largest |∂{L}/∂p|, {TOP} per layer",
                         "gradient", "layer", "value", "update", right=("value", "update"))
    for one in player:
        for p in one.largest:
            old = net.params[p]
            update = "frozen" if p in net.frozen else _step(old, trace.updated[p], f)
            common.row(table, f"∂{L}/∂{p}", _layer_label(one.layer), f(trace.gradients[p]),
                       update)
    return table


def _step(old: float, new: float, f: Fmt) -> str:
    """"0.030614 → 0.030781": the old value at the places the new one needs to show the step,
    not at the full precision a generated file may give it."""
    after = fmt_step(new, old, f)
    return f"{fmt(old, len(after.partition('.')[2]))} → {after}"


def _update_line(trace: Trace, f: Fmt) -> str:
    net = trace.network
    moved = sum(1 for p in net.params if p not in net.frozen)
    rule = (f"p ← p − η·∂{net.loss.name}/∂p" if trace.optimizer is None else
            f"by {trace.optimizer.setting.optimizer.kind} "
            f"({trace.optimizer.setting.convention.description})")
    text = (f"Update: {rule} with η = {given(net.learning_rate)}: "
            f"{moved:,} params updated, {len(net.frozen):,} frozen")
    from backprop import digest

    big = digest.largest_step(trace)
    if big is not None:
        text += f"; the largest step is {big}: {_step(net.params[big], trace.updated[big], f)}"
    return text + "."


# ---------------------------------------------------------------- chosen params, in full
