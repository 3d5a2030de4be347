"""The network drawn left to right by layer, with every value on it: a self-contained SVG or Graphviz DOT.

Pure: each function takes a Trace and returns text. Nothing is recomputed: z, h, the weights and,
with gradients, ∂L/∂p are read from the Trace.

Layout. A node's column is its layer: the layer index in the layered form, the longest path from
an input in the graph form (inputs are column 0). Nodes are spaced evenly down their column, in
file order. Each edge's label sits on the edge, in the gap just before its target's column, in one
of that gap's slots: vertical bands as wide as the widest label of the gap, so labels in different
slots never meet; an edge takes the first slot (centre out) where its label meets no label already
there. A gap starts with up to three slots and doubles them until every label has a place, which is
certain once there are as many slots as edges. An edge that skips columns (graph form) crosses each
column between in a free lane, above, below or between its boxes, never through one.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backprop.errors import NoSuchSample, UsageError
from backprop.notation import fmt, given
from backprop.trace import Trace

MAX_DRAWN = 60  #: inputs + nodes; a larger network is refused: a picture of it is read by no one

FONT = 12  #: px, monospace
CHAR = 7.4  #: px per character at FONT (DejaVu Sans Mono: 0.602 em = 7.22 px, and a margin)
LINE = 15  #: px between text lines
PAD = 8  #: px of padding inside a box
SLOT_PAD = 10  #: px between two slots' labels
ROW_GAP = 34  #: px between two nodes' blocks in a column
MIN_GAP = 90  #: px, the narrowest gap between columns
MARGIN = 20
FONTS = "DejaVu Sans Mono, Menlo, Consolas, monospace"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@dataclass(frozen=True, slots=True)
class _Box:
    """One input or node as drawn: the lines in its box and the lines under it."""

    name: str
    column: int
    lines: tuple[str, ...]  #: inside the box; the last is the value
    under: tuple[str, ...]  #: bias, its gradient, the target
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class _Edge:
    source: str
    target: str
    lines: tuple[str, ...]  #: "w5 = 0.550" and, with gradients, "∂L/∂w5 = -0.100"
    frozen: bool
    colour: str


@dataclass(frozen=True, slots=True)
class _Label:
    edge: _Edge
    x: float  #: centre
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class _Drawing:
    """Where everything goes, in px: the one layout both formats share (DOT uses only its text)."""

    heading: tuple[str, ...]
    boxes: tuple[_Box, ...]
    centres: dict[str, tuple[float, float]]
    edges: tuple[_Edge, ...]
    labels: tuple[_Label, ...]
    routes: tuple[tuple[tuple[float, float], ...], ...]  #: each edge's polyline, source to target
    width: float
    height: float


def _text_width(text: str) -> float:
    """A monospace line's width: a wide (CJK) character takes two cells, a combining mark none."""
    return CHAR * sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF"
                      else 1 for c in text)


def _columns(trace: Trace) -> dict[str, int]:
    """Column of every input (0) and node: its layer, or the longest path from an input."""
    network = trace.network
    column = dict.fromkeys(network.inputs, 0)
    for node in network.nodes:
        if network.layered and node.layer is not None:
            column[node.name] = node.layer
        else:  # sources are inputs or earlier nodes, so their columns are known
            column[node.name] = 1 + max((column[e.source] for e in node.edges), default=0)
    return column


def _content(trace: Trace, decimals: int, gradients: bool, sample: int
             ) -> tuple[tuple[str, ...], list[_Box], list[_Edge]]:
    network = trace.network
    f: Callable[[float], str] = lambda v: fmt(v, decimals)  # noqa: E731
    st = trace.samples[sample - 1]
    values, loss = st.values, trace.loss_name
    columns = _columns(trace)
    heading = [network.title or "backprop graph",
               f"{loss} = {f(trace.loss)} ({network.loss.loss.kind}, {network.loss.reduction})"]
    if network.multi_sample:
        heading.append(f"values of sample {sample} of {len(network.samples)}"
                       + (f"; ∂{loss}/∂p over all samples" if gradients else ""))
    if network.frozen:
        heading.append("dashed: frozen (not updated)")
    boxes = [_box(name, columns[name], (f"{name} = {f(values[name])}",), ()) for name in network.inputs]
    sign = "+" if network.bias_sign > 0 else "−"
    for node in network.nodes:
        under: list[str] = []
        if node.bias is not None:
            mark = " (frozen)" if node.bias in network.frozen else ""
            under.append(f"{sign} {node.bias} = {f(network.params[node.bias])}{mark}")
            if gradients:
                under.append(f"∂{loss}/∂{node.bias} = {f(trace.gradients[node.bias])}")
        if node.name in st.targets:
            under.append(f"target {given(st.targets[node.name])}")
        lines = (node.activation.name, f"{node.sum} = {f(values[node.sum])}",
                 f"{node.name} = {f(values[node.name])}")
        boxes.append(_box(node.name, columns[node.name], lines, tuple(under)))
    colour = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(network.inputs)}
    for i, node in enumerate(network.nodes, start=len(network.inputs)):
        colour[node.name] = PALETTE[i % len(PALETTE)]
    edges = []
    for node in network.nodes:
        for e in node.edges:
            text = [f"{e.param} = {f(network.params[e.param])}"]
            if gradients:
                text.append(f"∂{loss}/∂{e.param} = {f(trace.gradients[e.param])}")
            edges.append(_Edge(e.source, node.name, tuple(text), e.param in network.frozen,
                               colour[e.source]))
    return tuple(heading), boxes, edges


def _box(name: str, column: int, lines: tuple[str, ...], under: tuple[str, ...]) -> _Box:
    width = max(map(_text_width, lines)) + 2 * PAD
    return _Box(name, column, lines, under, width, len(lines) * LINE + PAD)


def _layout(trace: Trace, decimals: int, gradients: bool, sample: int) -> _Drawing:
    network = trace.network
    drawn = len(network.inputs) + len(network.nodes)
    if drawn > MAX_DRAWN:
        raise UsageError(f"graph draws networks of up to {MAX_DRAWN} inputs and nodes; this one "
                         f"has {drawn:,} ({len(network.inputs):,} inputs, {len(network.nodes):,} "
                         f"nodes); `backprop step` shows it layer by layer",
                         file=network.source_file)
    if not 1 <= sample <= len(network.samples):
        raise NoSuchSample(sample, count=len(network.samples), file=network.source_file)
    heading, boxes, edges = _content(trace, decimals, gradients, sample)
    n_columns = max(b.column for b in boxes) + 1
    by_column: list[list[_Box]] = [[] for _ in range(n_columns)]
    for b in boxes:
        by_column[b.column].append(b)
    # a column is as wide as its widest box or text under a box
    col_width = [max((max([b.width, *map(_text_width, b.under)]) for b in col), default=0.0)
                 for col in by_column]
    block = max(b.height + LINE * len(b.under) for b in boxes) + ROW_GAP
    rows = max(len(col) for col in by_column)
    top = MARGIN + LINE * len(heading) + LINE
    body = rows * block
    centres: dict[str, tuple[float, float]] = {}
    box_of = {b.name: b for b in boxes}
    # y of every box: evenly spaced down its column; the box sits above its text
    ys: dict[str, float] = {}
    for col in by_column:
        for i, b in enumerate(col):
            block_top = top + (i + 0.5) * body / len(col) - block / 2
            ys[b.name] = block_top + b.height / 2
    lanes = _lanes(edges, by_column, ys, box_of, top, top + body)
    into: list[list[int]] = [[] for _ in range(n_columns)]
    for i, e in enumerate(edges):
        into[box_of[e.target].column].append(i)
    # columns left to right; each gap just wide enough for its labels' slots
    labels: list[_Label] = []
    x: float = MARGIN
    lefts: list[float] = []
    for c in range(n_columns):
        if c > 0:
            gap_start = x
            slot_w = max((max(map(_text_width, edges[i].lines)) + PAD for i in into[c]), default=0.0)
            starts = [lanes[i][-1] if lanes[i] else ys[edges[i].source] for i in into[c]]
            ends = [ys[edges[i].target] for i in into[c]]
            placed, gap = _place([edges[i] for i in into[c]], gap_start, slot_w, starts, ends)
            labels.extend(placed)
            x += gap
        lefts.append(x)
        for b in by_column[c]:
            centres[b.name] = (x + col_width[c] / 2, ys[b.name])
        x += col_width[c]
    width = max(x + MARGIN, MARGIN * 2 + max(map(_text_width, heading)))
    routes = []
    for e, lane in zip(edges, lanes, strict=True):
        src, tgt = box_of[e.source], box_of[e.target]
        (sx, sy), (tx, ty) = centres[e.source], centres[e.target]
        # out of the source's column at its height, across each column between at a free lane,
        # into the target's column at its height
        points = [(sx + src.width / 2, sy), (lefts[src.column] + col_width[src.column], sy)]
        for c, y in zip(range(src.column + 1, tgt.column), lane, strict=True):
            points += [(lefts[c], y), (lefts[c] + col_width[c], y)]
        points += [(lefts[tgt.column], ty), (tx - tgt.width / 2, ty)]
        routes.append(tuple(points))
    return _Drawing(heading, tuple(boxes), centres, tuple(edges), tuple(labels), tuple(routes),
                    width, top + body + MARGIN)


def _lanes(edges: Sequence[_Edge], by_column: Sequence[Sequence[_Box]], ys: dict[str, float],
           box_of: dict[str, _Box], top: float, bottom: float) -> list[list[float]]:
    """For each edge, the y at which it crosses each column between its source's and its target's:
    in the free space between two boxes (or above or below them all) nearest its straight line,
    the edges sharing one free space spread evenly across it."""
    free: list[list[tuple[float, float]]] = []
    for col in by_column:
        spans = [(ys[b.name] - b.height / 2 - 4, ys[b.name] + b.height / 2 + LINE * len(b.under) + 4)
                 for b in col]
        edges_of = [top - LINE / 2, *(y for span in spans for y in span), bottom]
        free.append([(edges_of[i], edges_of[i + 1]) for i in range(0, len(edges_of), 2)])
    chosen: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
    lanes: list[list[float]] = [[] for _ in edges]
    for i, e in enumerate(edges):
        cs, ct = box_of[e.source].column, box_of[e.target].column
        for c in range(cs + 1, ct):
            straight = ys[e.source] + (ys[e.target] - ys[e.source]) * (c - cs) / (ct - cs)
            k = min(range(len(free[c])), key=lambda k: max(free[c][k][0] - straight,
                                                         straight - free[c][k][1], 0.0))
            chosen.setdefault((c, k), []).append((straight, i, c - cs - 1))
            lanes[i].append(0.0)
    for (c, k), members in chosen.items():
        lo, hi = free[c][k]
        for n, (_, i, at) in enumerate(sorted(members)):
            lanes[i][at] = lo + (hi - lo) * (n + 1) / (len(members) + 1)
    return lanes


def _place(edges: Sequence[_Edge], gap_start: float, slot_w: float,
           starts: Sequence[float], ends: Sequence[float]) -> tuple[list[_Label], float]:
    """The labels of the edges into column c and the gap's width (see the module's docstring)."""
    if not edges:
        return [], MIN_GAP
    height = max(len(e.lines) for e in edges) * LINE + 4
    k = min(len(edges), 3)
    while True:
        gap = max(MIN_GAP, k * (slot_w + SLOT_PAD) + 2 * SLOT_PAD)
        first = gap_start + (gap - k * (slot_w + SLOT_PAD)) / 2 + (slot_w + SLOT_PAD) / 2
        slots = [first + i * (slot_w + SLOT_PAD) for i in range(k)]
        order = sorted(range(k), key=lambda i: (abs(i - (k - 1) / 2), -i))
        target_left = gap_start + gap
        taken: list[list[float]] = [[] for _ in range(k)]
        placed: list[_Label] = []
        for e, y0, y1 in zip(edges, starts, ends, strict=True):
            # the edge crosses the gap from (gap_start, y0) to (target_left, y1)
            x0, x1 = gap_start, target_left
            for i in order:
                y = y0 + (y1 - y0) * (slots[i] - x0) / (x1 - x0)
                if all(abs(y - other) >= height + 6 for other in taken[i]):
                    taken[i].append(y)
                    placed.append(_Label(e, slots[i], y, slot_w, height))
                    break
            else:
                break
        if len(placed) == len(edges):
            return placed, gap
        k = min(len(edges), 2 * k)  # at k = len(edges) every edge has a slot of its own


# ---------------------------------------------------------------- SVG

def graph_svg(trace: Trace, decimals: int = 3, *, gradients: bool = False, sample: int = 1) -> str:
    """The network as a self-contained SVG document: no scripts, links or external fonts."""
    d = _layout(trace, decimals, gradients, sample)
    w, h = math.ceil(d.width), math.ceil(d.height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="{FONTS}" font-size="{FONT}">',
           f"<title>{_xml(d.heading[0])}</title>",
           f'<rect width="{w}" height="{h}" fill="#ffffff"/>']
    for i, line in enumerate(d.heading):
        weight = ' font-weight="bold"' if i == 0 else ""
        out.append(f'<text x="{MARGIN}" y="{MARGIN + LINE * i + FONT:.1f}"{weight}>{_xml(line)}</text>')
    out.append('<g class="edges" fill="none" stroke-width="1.4">')
    for e, route in zip(d.edges, d.routes, strict=True):
        dash = ' stroke-dasharray="6 4"' if e.frozen else ""
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in route)
        out.append(f'<polyline points="{points}" stroke="{e.colour}"{dash}/>')
        (x0, y0), (x1, y1) = route[-2], route[-1]
        out.append(f'<path d="M{x1:.1f},{y1:.1f} l-7,-3.5 v7 z" fill="{e.colour}"'
                   f' transform="rotate({_angle(x0, y0, x1, y1):.2f} {x1:.1f} {y1:.1f})"/>')
    out.append("</g>")
    out.append('<g class="nodes">')
    for b in d.boxes:
        cx, cy = d.centres[b.name]
        left, upper = cx - b.width / 2, cy - b.height / 2
        fill = "#f3f3f3" if b.column == 0 else "#eef4fb"
        out.append(f'<rect x="{left:.1f}" y="{upper:.1f}" width="{b.width:.1f}" height="{b.height:.1f}" '
                   f'rx="6" fill="{fill}" stroke="#333333"/>')
        for i, line in enumerate(b.lines):
            style = (' font-weight="bold"' if i == len(b.lines) - 1
                     else ' fill="#666666"' if len(b.lines) > 1 and i == 0 else "")
            out.append(f'<text x="{cx:.1f}" y="{upper + PAD / 2 + LINE * i + FONT:.1f}" '
                       f'text-anchor="middle"{style}>{_xml(line)}</text>')
        for i, line in enumerate(b.under):
            out.append(f'<text x="{cx:.1f}" y="{upper + b.height + LINE * i + FONT + 2:.1f}" '
                       f'text-anchor="middle" fill="#444444">{_xml(line)}</text>')
    out.append("</g>")
    out.append('<g class="weights">')
    for lab in d.labels:
        left, upper = lab.x - lab.width / 2, lab.y - lab.height / 2
        out.append(f'<rect x="{left:.1f}" y="{upper:.1f}" width="{lab.width:.1f}" '
                   f'height="{lab.height:.1f}" rx="3" fill="#ffffff" stroke="{lab.edge.colour}"/>')
        for i, line in enumerate(lab.edge.lines):
            out.append(f'<text x="{lab.x:.1f}" y="{upper + 2 + LINE * i + FONT - 1:.1f}" '
                       f'text-anchor="middle" fill="{lab.edge.colour}">{_xml(line)}</text>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _angle(x0: float, y0: float, x1: float, y1: float) -> float:
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def _visible(text: str) -> str:
    """User text with every character XML cannot hold, or that would reorder or hide text,
    spelled out (\\x1b, \\u202e); tabs and newlines become spaces, as a one-line label needs."""
    out = []
    for char in text:
        code = ord(char)
        if char in "\t\n\r":
            out.append(" ")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or 0xD800 <= code <= 0xDFFF \
                or code in (0xFFFE, 0xFFFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _xml(text: str) -> str:
    """Text for an SVG element or attribute: visible, then &, <, >, quotes escaped."""
    return (_visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


# ---------------------------------------------------------------- DOT

def graph_dot(trace: Trace, decimals: int = 3, *, gradients: bool = False, sample: int = 1) -> str:
    """The network as a Graphviz digraph (`dot -Tsvg`), one rank per column, every ID quoted."""
    d = _layout(trace, decimals, gradients, sample)
    out = ["digraph backprop {",
           f"  graph [rankdir=LR, ranksep=1.4, nodesep=0.5, labelloc=t, fontname=monospace, "
           f"label={_dot(chr(10).join(d.heading))}];",
           "  node [shape=box, style=rounded, fontname=monospace, fontsize=11];",
           "  edge [fontname=monospace, fontsize=10];"]
    for c in range(max(b.column for b in d.boxes) + 1):
        members = [b for b in d.boxes if b.column == c]
        out.append("  { rank=same;")
        for b in members:
            xlabel = f", xlabel={_dot(chr(10).join(b.under))}" if b.under else ""
            out.append(f"    {_dot(b.name)} [label={_dot(chr(10).join(b.lines))}{xlabel}];")
        out.append("  }")
    for e in d.edges:
        style = ", style=dashed" if e.frozen else ""
        out.append(f"  {_dot(e.source)} -> {_dot(e.target)} [label={_dot(chr(10).join(e.lines))}, "
                   f"color={_dot(e.colour)}, fontcolor={_dot(e.colour)}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _dot(text: str) -> str:
    """A DOT quoted string: backslash and quote escaped, line breaks as \\n, nothing else special."""
    lines = [_visible(line).replace("\\", "\\\\").replace('"', '\\"') for line in text.split("\n")]
    return '"' + "\\n".join(lines) + '"'
