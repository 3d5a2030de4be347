"""Exercises: a network a student can work by hand, drawn from a seed, with its answer key and the
check that every catalogued mistake gives, on every asked quantity, a number of its own."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from backprop.activations import ACTIVATIONS, Activation
from backprop.answers import Kind, Names, Quantity, printed_names
from backprop.engine import run
from backprop.errors import BackpropError, BadSetting, UsageError
from backprop.losses import LOSSES
from backprop.mistakes import CATALOGUE, models
from backprop.network import Network
from backprop.trace import Trace

#: bounds that keep an exercise one a student can work by hand (and `new` quick)
MAX_LAYERS, MAX_WIDTH, MAX_SAMPLES, MAX_VARIANTS, MAX_DECIMALS = 5, 6, 4, 500, 6
#: draws tried for one variant before giving up (each draw is one small step and its mistakes)
MAX_DRAWS = 1000
#: draws looked through for a complete variant before the best one worth marking is taken
SEARCH_DRAWS = 40
#: η for an exercise. Never 1 (it hides learning_rate_applied); not 0.1 either, whose η·g is
#: always also decimal_shift's g/10, nor 0.5, whose η·g is always factor_of_two's g/2: with
#: those no variant could tell the mistakes apart
LEARNING_RATES = (0.2, 0.3, 0.4)
#: the order the key and the worksheet list quantities in: forward, loss, factors, gradients,
#: updates, the loss after the update
ORDER: Mapping[Kind, int] = {"value": 0, "loss": 1, "loss_term": 1, "edge": 2, "param_factor": 2, "local": 2,
                             "jacobian": 2, "grad_node": 2, "delta": 2, "gradient": 3,
                             "updated": 4, "loss_new": 5}
#: given in the exercise (inputs, and ∂z/∂source, which is a weight): in the key, never asked
GIVEN_KINDS: frozenset[Kind] = frozenset({"edge"})
#: the quantities every variant asks: forward values, the loss, gradients, updates, L_new
CORE_KINDS: frozenset[Kind] = frozenset({"value", "loss", "gradient", "updated", "loss_new"})


@dataclass(frozen=True, slots=True)
class Spec:
    """What `backprop new` was asked for."""

    shape: tuple[int, ...]  #: widths, inputs first
    activation: str  #: the hidden nodes' activation (registry name)
    loss: str  #: registry name
    samples: int = 1
    decimals: int = 3  #: the required precision


def parse_shape(text: str) -> tuple[int, ...]:
    """`2-2-1` → (2, 2, 1), within the bounds."""
    parts = text.strip().split("-")
    if len(parts) < 2 or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        raise BadSetting(f"expected widths joined by '-', inputs first, such as 2-2-1, "
                         f"found '{text[:40]}'", setting="shape")
    widths = tuple(int(p) for p in parts)
    if len(widths) > MAX_LAYERS:
        raise BadSetting(f"{len(widths)} layers; an exercise has at most {MAX_LAYERS}",
                         setting="shape")
    if not all(1 <= w <= MAX_WIDTH for w in widths):
        raise BadSetting(f"every width must be between 1 and {MAX_WIDTH}, found {text}",
                         setting="shape")
    return widths


def defaults() -> tuple[str, str]:
    """The hidden activation and loss of an exercise by default: the bundled walkthrough's."""
    from backprop import bundled
    from backprop.spec import load

    path = bundled.path("walkthrough")
    assert path is not None
    net = load(path)
    return net.nodes[0].activation.name, net.loss.loss.kind


def hidden_choices() -> list[str]:
    """The activations a hidden layer may have: the registry's elementwise ones."""
    return sorted(n for n, a in ACTIVATIONS.items() if a.elementwise)


def output_activation(spec: Spec) -> Activation:
    """The outputs' activation follows the loss: the one it fuses with (sigmoid for bce, softmax
    for cross-entropy), else the hidden one if the loss is defined on its values."""
    loss = LOSSES[spec.loss]
    if loss.fused_with is not None:
        return ACTIVATIONS[loss.fused_with]
    hidden = ACTIVATIONS[spec.activation]
    if loss.fits(hidden):
        return hidden
    return next(a for a in ACTIVATIONS.values() if a.elementwise and loss.fits(a))


def validate(spec: Spec) -> None:
    out = output_activation(spec)
    if (LOSSES[spec.loss].one_group or not out.elementwise) and spec.shape[-1] < 2:
        raise BadSetting(f"{spec.loss}: its outputs form one {out.name} group, which needs at "
                         f"least 2 outputs (a lone member is always 1); try the shape 2-2-2",
                         setting="loss")
    if not 1 <= spec.samples <= MAX_SAMPLES:
        raise BadSetting(f"between 1 and {MAX_SAMPLES}, found {spec.samples}", setting="samples")


# ---------------------------------------------------------------- names and numbers

@dataclass(frozen=True, slots=True)
class _Layout:
    """The textbook names: x1…, z1… and h1… numbered through the hidden layers, y_hat (one
    output) or o1…, w1… row by row (node by node, source by source), b1… node by node."""

    inputs: tuple[str, ...]
    layers: tuple[tuple[tuple[str, str, str], ...], ...]  #: per layer: (node, sum, bias)
    weights: tuple[tuple[tuple[str, ...], ...], ...]  #: per layer, per node: a weight per source


def _layout(shape: Sequence[int]) -> _Layout:
    inputs = tuple(f"x{i}" for i in range(1, shape[0] + 1))
    layers, weights = [], []
    node_no = hidden_no = weight_no = 0
    prev = inputs
    for depth, width in enumerate(shape[1:], start=1):
        last = depth == len(shape) - 1
        layer, rows = [], []
        for j in range(width):
            node_no += 1
            if last:
                name = "y_hat" if width == 1 else f"o{j + 1}"
            else:
                hidden_no += 1
                name = f"h{hidden_no}"
            layer.append((name, f"z{node_no}", f"b{node_no}"))
            rows.append(tuple(f"w{weight_no + k + 1}" for k in range(len(prev))))
            weight_no += len(prev)
        layers.append(tuple(layer))
        weights.append(tuple(rows))
        prev = tuple(n for n, _, _ in layer)
    return _Layout(inputs, tuple(layers), tuple(weights))


def _tenths(rng: random.Random) -> float:
    """An input: ±0.1 … ±1.0, one decimal, never 0."""
    return rng.choice((-1, 1)) * rng.randint(1, 10) / 10


def _twentieths(rng: random.Random) -> float:
    """A weight or bias: ±0.1 … ±2.0 in steps of 0.1 or 0.05 (large enough that the hidden
    layers' gradients show each mistake at three decimals), never 0."""
    return rng.choice((-1, 1)) * rng.randint(2, 40) / 20


def _target_values(spec: Spec, rng: random.Random, width: int) -> list[float]:
    loss = LOSSES[spec.loss]
    out = output_activation(spec)
    if loss.one_group:  # one class per sample
        hot = rng.randrange(width)
        return [1.0 if k == hot else 0.0 for k in range(width)]
    if loss.targets_in is not None:  # labels: the interval's ends
        lo, hi = loss.targets_in
        return [rng.choice((lo, hi)) for _ in range(width)]
    lo, hi = out.range
    choices = [k / 10 for k in range(-10, 11) if lo < k / 10 < hi and k != 0]
    return [rng.choice(choices) for _ in range(width)]


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar: every character that is not printable as an escape."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and ch not in "\u2028\u2029\ufeff":
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def draw(spec: Spec, rng: random.Random, title: str) -> str:
    """One network file (graph form) with hand-workable numbers."""
    lay = _layout(spec.shape)
    hidden, out = spec.activation, output_activation(spec).name
    lines = [f"title: {yaml_string(title)}"]
    samples = [([_tenths(rng) for _ in lay.inputs], _target_values(spec, rng, spec.shape[-1]))
               for _ in range(spec.samples)]
    outputs = [n for n, _, _ in lay.layers[-1]]
    if spec.samples == 1:
        lines.append("inputs:")
        lines += [f"  {x}: {_number(v)}" for x, v in zip(lay.inputs, samples[0][0], strict=True)]
    lines.append("params:")
    for layer, rows in zip(lay.layers, lay.weights, strict=True):
        for (_, _, bias), row in zip(layer, rows, strict=True):
            lines += [f"  {w}: {_number(_twentieths(rng))}" for w in row]
            lines.append(f"  {bias}: {_number(_twentieths(rng))}")
    lines.append("nodes:")
    prev = lay.inputs
    for depth, (layer, rows) in enumerate(zip(lay.layers, lay.weights, strict=True)):
        act = out if depth == len(lay.layers) - 1 else hidden
        for (name, total, bias), row in zip(layer, rows, strict=True):
            sources = ", ".join(f"{s}: {w}" for s, w in zip(prev, row, strict=True))
            lines.append(f"  {name}: {{sum: {total}, from: {{{sources}}}, bias: {bias}, "
                         f"activation: {act}}}")
        prev = tuple(n for n, _, _ in layer)
    if spec.samples == 1:
        lines.append("targets:")
        lines += [f"  {o}: {_number(t)}" for o, t in zip(outputs, samples[0][1], strict=True)]
    else:
        lines.append("samples:")
        for xs, ts in samples:
            ins = ", ".join(f"{x}: {_number(v)}" for x, v in zip(lay.inputs, xs, strict=True))
            tgs = ", ".join(f"{o}: {_number(t)}" for o, t in zip(outputs, ts, strict=True))
            lines.append(f"  - {{inputs: {{{ins}}}, targets: {{{tgs}}}}}")
    lines.append(f"loss: {spec.loss}")
    lines.append(f"learning_rate: {_number(rng.choice(LEARNING_RATES))}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the key

@dataclass(frozen=True, slots=True)
class KeyLine:
    """One quantity of the answer key."""

    name: str  #: as an answers file writes it: z1, dL/dw5, w5_new, z1[2]
    quantity: Quantity
    value: float  #: full precision, from the trace
    asked: bool  #: on the worksheet (not given in the exercise)


def rounded(value: float, decimals: int) -> str:
    """The value to `decimals` places, ties away from zero as a textbook rounds; never -0.000."""
    text = f"{Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"
    return text.lstrip("-") if Decimal(text) == 0 else text


def key(trace: Trace) -> list[KeyLine]:
    """Every quantity `check` knows, each once (under its first printed spelling), per sample
    where it is one sample's number, in the order forward, loss, factors, gradients, updates."""
    net = trace.network
    names = Names(net)
    seen: set[Quantity] = set()
    lines: list[KeyLine] = []
    for name in printed_names(net):
        spellings = [name]
        if net.multi_sample and names.resolve(name).quantity is None:
            spellings = [f"{name}[{k}]" for k in range(1, len(net.samples) + 1)]
        for spelled in spellings:
            q = names.resolve(spelled).quantity
            if q is None or q in seen:
                continue
            seen.add(q)
            value = q.value(trace)
            # given in the exercise, or a factor that is 0 whatever is drawn (−t/o for a target
            # of 0): not asked (a core quantity of 0 is asked, and so redrawn)
            asked = q.kind not in GIVEN_KINDS and (value != 0.0 or q.kind in CORE_KINDS) and \
                not (q.kind == "value" and q.a in net.inputs)
            lines.append(KeyLine(spelled, q, value, asked))
    order = {id(line): k for k, line in enumerate(lines)}
    return sorted(lines, key=lambda line: (ORDER[line.quantity.kind], order[id(line)]))


# ---------------------------------------------------------------- worth marking

def mistake_numbers(trace: Trace, quantities: Sequence[Quantity], decimals: int
                    ) -> dict[Quantity, list[tuple[str, float, bool]]]:
    """quantity -> (mistake code, number, canonical) for every catalogue model that changes it,
    in catalogue order; a mistake's canonical number is its first (most plausible) model's that
    changes it by more than half a unit of the last decimal (closer, the mistake's number
    written to the precision is the true value's, and check rightly accepts it). A number that
    rounds to 0 is left out where check never names the mistake for a 0."""
    found: list[list[tuple[str, float, bool]]] = [[] for _ in quantities]
    codes: list[set[str]] = [set() for _ in quantities]
    truth = [q.value(trace) for q in quantities]
    unit = 10.0 ** -decimals
    for model in models(trace):
        other: Trace | None = None
        if model.rules is not None:
            try:
                other = run(trace.network, model.rules)
            except BackpropError:
                continue
        for k, q in enumerate(quantities):
            if q.kind not in model.kinds:
                continue
            value: float | None
            if other is not None:
                try:
                    value = q.value(other)
                except (KeyError, StopIteration):
                    value = None
            elif model.changed is not None:
                value = model.changed(q, trace)
            else:
                value = model.factor * truth[k]
            if value is None or not math.isfinite(value):
                continue
            if not model.fits_zero and abs(value) < unit / 2:
                continue  # check never names this mistake for a 0
            if abs(value - truth[k]) <= unit / 2:
                # written to the precision, it is the true value: the mistake hides; its number
                # is kept (never canonical), for check still names it for an answer within a
                # unit of it, before any mistake later in the catalogue
                found[k].append((model.code, value, False))
                continue
            found[k].append((model.code, value, model.code not in codes[k]))
            codes[k].add(model.code)
    return dict(zip(quantities, found, strict=True))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a drawn variant is worth marking, what it asks, and where each mistake shows."""

    ok: bool  #: the floor is met (see worth_marking)
    reason: str  #: why not, for the error message
    asked: frozenset[Quantity]  #: the quantities the worksheet asks
    shows: Mapping[str, int]  #: mistake code -> asked quantities where it gives a number of its own
    #: core quantities left unasked, each with why: (name, "learning_rate_applied and
    #: missing_path agree"), in the key's order
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def complete(self) -> bool:
        """Every core quantity (forward values, loss, gradients, updates, L_new) is asked."""
        return self.ok and not self.left_out


def _trouble(line: KeyLine, found: Sequence[tuple[str, float, bool]], gap: float,
             rank: Mapping[str, int]) -> str:
    """Why a quantity is not worth asking, or ""."""
    for code, v, canonical in found:
        if not canonical:
            continue
        if abs(v - line.value) <= gap:
            return f"{code} is too close to the true value"
        for other, w, other_canonical in found:
            if other != code and (other_canonical or rank[other] < rank[code]) and abs(v - w) <= gap:
                return f"{code} and {other} agree" if rank[code] < rank[other] else \
                    f"{other} and {code} agree"
    return ""


def _floor(trace: Trace, lines: Sequence[KeyLine], asked: set[Quantity]) -> str:
    """Why the asked quantities are too few for an exercise, or "": the loss and every output
    value must be asked, and among the gradients of each layer's params at least one (so that
    the backward pass is asked through every layer)."""
    net = trace.network
    depth = {node.name: 0 for node in net.nodes}
    for node in net.nodes:  # a node's depth: one past its deepest source node
        depth[node.name] = 1 + max((depth.get(e.source, 0) for e in node.edges), default=0)
    layer_of: dict[str, int] = {}
    for use in net.uses:
        layer_of[use.param] = min(layer_of.get(use.param, 99), depth[use.node])
    needed: dict[int, bool] = {}
    for line in lines:
        q = line.quantity
        if q.kind == "loss" and q not in asked:
            return f"{line.name} is not worth asking"
        if q.kind == "value" and q.a in net.outputs and q not in asked:
            return f"{line.name} is not worth asking"
        if q.kind == "gradient" and q.sample is None and q.a in layer_of:
            layer = layer_of[q.a]
            needed[layer] = needed.get(layer, False) or q in asked
    for layer, found in sorted(needed.items()):
        if not found:
            return f"no gradient of a layer-{layer} param is worth asking"
    return ""


def worth_marking(trace: Trace, lines: Sequence[KeyLine], decimals: int) -> Verdict:
    """STACK's question test, for backprop.

    A quantity is worth asking when it does not round to 0 and each mistake's canonical number
    there (its most plausible model that changes it by more than half a unit) lies more than
    1.5 units of the last decimal from the true value, from every other mistake's canonical
    number and from every number of the mistakes before it in the catalogue, even one that
    hides within half a unit of the true value (check would name those first). Written to
    `decimals` places, half a unit off at most, it is then more than one unit from each of
    those, so check marks it wrong and names its mistake. Only such quantities are asked. The
    variant is worth marking (ok) when the loss and every output value are asked and every
    layer has an asked gradient; it is complete when every forward value, the loss, every
    gradient, every update and the loss after it are asked (the core of the exercise)."""
    unit = 10.0 ** -decimals
    gap = 1.5 * unit * (1 + 1e-9)
    candidates = [line for line in lines if line.asked]
    numbers = mistake_numbers(trace, [line.quantity for line in candidates], decimals)
    rank = {m.code: k for k, m in enumerate(CATALOGUE)}
    shows = {m.code: 0 for m in CATALOGUE}
    asked: set[Quantity] = set()
    left_out: list[tuple[str, str]] = []
    for line in candidates:
        if not math.isfinite(line.value) or abs(line.value) < unit / 2 * 1.000001:
            why = "rounds to 0"
        else:
            why = _trouble(line, numbers[line.quantity], gap, rank)
        if why:
            if line.quantity.kind in CORE_KINDS:
                left_out.append((line.name, why))
            continue
        asked.add(line.quantity)
        for code, _, canonical in numbers[line.quantity]:
            shows[code] += canonical
    floor = _floor(trace, candidates, asked)
    return Verdict(not floor, floor, frozenset(asked), shows, tuple(left_out))


# ---------------------------------------------------------------- variants

@dataclass(frozen=True, slots=True)
class Variant:
    """One written exercise: its file text, the network read back from it, its step and key."""

    label: str  #: "v01", or "" without variants
    text: str
    network: Network
    trace: Trace
    key: tuple[KeyLine, ...]
    draws: int
    verdict: Verdict


def variant_label(k: int, n: int) -> str:
    """v01 … vN, zero-padded to two digits or to the width of N."""
    return f"v{k:0{max(2, len(str(n)))}d}"


def make(spec: Spec, seed: int, title: str, label: str, index: int) -> Variant:
    """Draw until the variant is complete (every core quantity asked), or after SEARCH_DRAWS
    draws take the one that asks the most core quantities among those worth marking, or the
    next one worth marking (deterministic: one Random per seed and variant)."""
    from backprop.spec import load

    validate(spec)
    rng = random.Random(f"backprop-new:{seed}:{index}")
    last = ""
    best: Variant | None = None
    for draws in range(1, MAX_DRAWS + 1):
        text = draw(spec, rng, title)
        net = load("exercise.yaml", text=text)
        try:
            trace = run(net)
        except BackpropError:
            continue
        lines = key(trace)
        verdict = worth_marking(trace, lines, spec.decimals)
        if verdict.complete:
            return Variant(label, text, net, trace, tuple(lines), draws, verdict)
        if verdict.ok and (best is None or len(verdict.left_out) < len(best.verdict.left_out)):
            best = Variant(label, text, net, trace, tuple(lines), draws, verdict)
        if not verdict.ok:
            last = verdict.reason
        if best is not None and draws >= SEARCH_DRAWS:
            return replace(best, draws=draws)
    # more decimals tell mistakes apart sooner and round fewer quantities to 0; fewer never help
    more = f", or more decimals ({spec.decimals + 1})" if spec.decimals < MAX_DECIMALS else ""
    raise UsageError(f"no variant worth marking in {MAX_DRAWS} draws (last: "
                     f"{last or 'no draw could be run'}); try another seed, shape or activation{more}")
