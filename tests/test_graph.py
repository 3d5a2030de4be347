"""`backprop graph`: the network drawn as SVG or DOT, its text true, escaped, and legible in a browser."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from backprop import bundled, load, step
from backprop.activations import ACTIVATIONS
from backprop.cli import cli
from backprop.losses import LOSSES
from backprop.network import Edge, LossSpec, Network, Node, Sample, frozen_map
from backprop.notation import fmt
from backprop.render.graph import MAX_DRAWN, graph_dot, graph_svg
from conftest import NETWORKS

SVG = "{http://www.w3.org/2000/svg}"
NAMES = bundled.names()


def texts(svg: str) -> list[str]:
    """Every <text> element's content, as a reader of the picture sees it (XML unescaped)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def trace_of(name: str):
    return step(load(NETWORKS / f"{name}.yaml"))


# ---------------------------------------------------------------- what the picture says

def test_walkthrough_shows_the_hand_worked_values() -> None:
    # the published walkthrough: z1 = 0.5·0.7 + 0.3·0.4 = 0.47, h1 = σ(0.47) = 0.6154,
    # z3 = 0.615·0.55 + 0.582·0.45 = 0.600, ŷ = σ(0.6003) = 0.6457,
    # ∂L/∂w5 = −2(1 − 0.6457) · 0.2288 · 0.6154 = −0.0998 and (FORMAT §3) ∂L/∂w1 = −0.01055
    shown = texts(graph_svg(trace_of("walkthrough"), gradients=True))
    for text in ["x1 = 0.500", "x2 = 0.300", "z1 = 0.470", "h1 = 0.615", "z3 = 0.600",
                 "y_hat = 0.646", "w5 = 0.550", "w1 = 0.700", "∂L/∂w5 = -0.100",
                 "∂L/∂w1 = -0.011", "target 1", "sigmoid"]:
        assert text in shown, text


def test_decimals_apply_to_every_value() -> None:
    # σ(0.47) = 0.61538 to five places (published walkthrough: h1 = 0.61538375639118)
    shown = texts(graph_svg(trace_of("walkthrough"), 5))
    assert "h1 = 0.61538" in shown and "w5 = 0.55000" in shown


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("gradients", [False, True])
def test_every_name_and_weight_of_every_bundled_network_is_drawn(name: str, gradients: bool) -> None:
    trace = trace_of(name)
    network = trace.network
    shown = texts(graph_svg(trace, gradients=gradients))
    joined = "\n".join(shown)
    for node in network.nodes:
        for e in node.edges:  # the weight's name and its value as the file gave it
            assert f"{e.param} = {fmt(network.params[e.param])}" in shown, e.param
        assert f"{node.name} = " in joined and f"{node.sum} = " in joined
        if node.bias is not None:
            assert f"{node.bias} = {fmt(network.params[node.bias])}" in joined
    for name_ in network.inputs:
        assert f"{name_} = " in joined
    if gradients:  # read from the Trace, never recomputed: the same numbers `step` prints
        for param, g in trace.gradients.items():
            assert f"∂{trace.loss_name}/∂{param} = {fmt(g)}" in joined, param


def _rects(svg: str, group: str) -> list[tuple[float, float, float, float]]:
    root = ET.fromstring(svg)
    g = next(e for e in root.iter(f"{SVG}g") if e.get("class") == group)
    return [(float(r.get("x", 0)), float(r.get("y", 0)), float(r.get("width", 0)),
             float(r.get("height", 0))) for r in g.iter(f"{SVG}rect")]


def _routes(svg: str) -> list[list[tuple[float, float]]]:
    root = ET.fromstring(svg)
    return [[tuple(map(float, point.split(","))) for point in line.get("points", "").split()]
            for line in root.iter(f"{SVG}polyline")]


def _crosses(p: tuple[float, float], q: tuple[float, float], box: tuple[float, ...]) -> bool:
    """Whether segment pq passes through the inside of an axis-aligned box (Liang–Barsky clip)."""
    x, y, w, h = box[0] + 1, box[1] + 1, box[2] - 2, box[3] - 2
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for d, lo, hi, start in ((dx, x, x + w, p[0]), (dy, y, y + h, p[1])):
        if d == 0:
            if not lo < start < hi:
                return False
            continue
        a, b = (lo - start) / d, (hi - start) / d
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
    return t0 < t1


def _no_edge_through_a_box(svg: str) -> None:
    boxes = _rects(svg, "nodes")
    for route in _routes(svg):
        ends = [b for b in boxes if any(b[0] - 1 <= x <= b[0] + b[2] + 1 and b[1] <= y <= b[1] + b[3]
                                        for x, y in (route[0], route[-1]))]
        for p, q in itertools.pairwise(route):
            for box in boxes:
                if box not in ends:
                    assert not _crosses(p, q, box), (route, box)


def test_segment_test_sees_a_crossing() -> None:
    assert _crosses((0, 5), (20, 5), (5, 0, 5, 10)) and not _crosses((0, 20), (20, 20), (5, 0, 5, 10))
    assert _crosses((0, 0), (20, 20), (5, 5, 5, 5)) and not _crosses((0, 10), (4, 0), (5, 0, 5, 10))


def _meet(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("gradients", [False, True])
def test_no_label_overlaps_another_label_or_a_node(name: str, gradients: bool) -> None:
    svg = graph_svg(trace_of(name), gradients=gradients)
    labels, nodes = _rects(svg, "weights"), _rects(svg, "nodes")
    assert len(labels) == sum(len(n.edges) for n in trace_of(name).network.nodes)
    for i, a in enumerate(labels):
        assert not any(_meet(a, b) for b in labels[i + 1:]), (name, a)
        assert not any(_meet(a, b) for b in nodes), (name, a)
    _no_edge_through_a_box(svg)
    width = float(ET.fromstring(svg).get("width", 0))
    height = float(ET.fromstring(svg).get("height", 0))
    for x, y, w, h in labels + nodes:  # everything inside the picture
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height


def test_svg_is_self_contained() -> None:
    for name in NAMES:
        svg = graph_svg(trace_of(name), gradients=True)
        root = ET.fromstring(svg)
        for element in root.iter():
            assert element.tag.removeprefix(SVG) not in ("script", "image", "foreignObject", "style",
                                                         "a", "use"), element.tag
            assert not any("href" in key for key in element.attrib), element.attrib
        assert "url(" not in svg and "@import" not in svg
        assert re.findall(r"https?://[^\"']*", svg) == ["http://www.w3.org/2000/svg"]


# ---------------------------------------------------------------- DOT

_QUOTED = r'"(?:[^"\\]|\\.)*"'


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], text[1:-1])


def parse_dot(dot: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """A small reader: braces balance outside quoted strings; node labels and edges by ID."""
    outside = re.sub(_QUOTED, '""', dot)
    depth = 0
    for char in outside:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0 and outside.lstrip().startswith("digraph")
    nodes = {_unquote(m[1]): _unquote(m[2]) for m in
             re.finditer(rf"^\s*({_QUOTED}) \[label=({_QUOTED})", dot, re.M)}
    edges = [(_unquote(m[1]), _unquote(m[2]), _unquote(m[3])) for m in
             re.finditer(rf"^\s*({_QUOTED}) -> ({_QUOTED}) \[label=({_QUOTED})", dot, re.M)]
    return nodes, edges


@pytest.mark.parametrize("name", NAMES)
def test_dot_has_every_node_and_edge(name: str) -> None:
    trace = trace_of(name)
    network = trace.network
    nodes, edges = parse_dot(graph_dot(trace, gradients=True))
    assert set(nodes) == {*network.inputs, *(n.name for n in network.nodes)}
    expected = {(e.source, n.name, e.param) for n in network.nodes for e in n.edges}
    found = {(s, t, label.split(" = ")[0]) for s, t, label in edges}
    assert found == expected
    for _, _, label in edges:
        param = label.split(" = ")[0]
        assert label.startswith(f"{param} = {fmt(network.params[param])}\n∂{trace.loss_name}/∂{param} = ")


# ---------------------------------------------------------------- hostile text

HOSTILE = ["a<b", "x&amp;y", 'q"uote', "ap'os", "ctl\x1bname", "nul\x00", "rtl\u202eevil", "</svg>",
           "back\\slash", "new\nline"]


def _hostile_network() -> Network:
    """Names the loader would refuse, built directly: the renderer must escape whatever it gets."""
    x, h, y = HOSTILE[0], HOSTILE[1], HOSTILE[2]
    w1, w2, b = HOSTILE[3], HOSTILE[4], HOSTILE[5]
    sigmoid = ACTIVATIONS["sigmoid"]
    nodes = (Node(h, HOSTILE[6], (Edge(x, w1),), b, sigmoid),
             Node(y, HOSTILE[7], (Edge(h, w2),), None, sigmoid))
    return Network(title=HOSTILE[8] + HOSTILE[9] + " <script>alert(1)</script> & more",
                   inputs=(x,), params=frozen_map({w1: 0.5, w2: -0.25, b: 0.1}), nodes=nodes,
                   outputs=(y,), samples=(Sample(frozen_map({x: 1.0}), frozen_map({y: 1.0})),),
                   loss=LossSpec(LOSSES["mse"], "L", "mean"), learning_rate=0.1)


def _visible(name: str) -> str:
    """How a name reads in the picture: control and bidi characters spelled out, newlines as spaces."""
    return (name.replace("\x1b", "\\x1b").replace("\x00", "\\x00").replace("\u202e", "\\u202e")
            .replace("\n", " "))


def test_hostile_names_are_escaped_in_svg() -> None:
    svg = graph_svg(step(_hostile_network()), gradients=True)
    assert "<script" not in svg and "\x1b" not in svg and "\x00" not in svg and "\u202e" not in svg
    root = ET.fromstring(svg)  # well-formed: every <, &, quote escaped
    assert [c.tag for c in root].count(f"{SVG}title") == 1
    joined = "\n".join(texts(svg))
    for name in HOSTILE[:8]:
        assert _visible(name) in joined, name
    assert "<script>alert(1)</script> & more" in joined  # shown as text, not markup


def test_hostile_names_are_escaped_in_dot() -> None:
    dot = graph_dot(step(_hostile_network()), gradients=True)
    assert "\x1b" not in dot and "\x00" not in dot
    nodes, edges = parse_dot(dot)
    assert set(nodes) == {HOSTILE[0], HOSTILE[1], HOSTILE[2]}
    assert {(s, t) for s, t, _ in edges} == {(HOSTILE[0], HOSTILE[1]), (HOSTILE[1], HOSTILE[2])}
    assert any(label.startswith(f"{_visible(HOSTILE[4])} = -0.250") for _, _, label in edges)
    assert "back\\\\slash" in dot  # a backslash is doubled: Graphviz's \\N, \\l mean nothing here


# ---------------------------------------------------------------- the command

def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_graph_command_prints_svg_and_dot() -> None:
    result = invoke("graph")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<svg ") and "w5 = 0.550" in result.stdout
    result = invoke("graph", "two-paths", "--format", "dot", "--gradients")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("digraph backprop {")


def test_graph_shows_the_chosen_sample() -> None:
    # statquest sample 2: dosage 0.5, x1 = 3.34·0.5 − 1.43 = 0.24
    result = invoke("graph", "statquest", "--sample", "2")
    assert result.exit_code == 0
    assert "dosage = 0.500" in result.stdout and "x1 = 0.240" in result.stdout
    assert "values of sample 2 of 3" in result.stdout


def test_a_sample_beyond_the_last_is_refused() -> None:
    result = invoke("graph", "statquest", "--sample", "4")
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert "--sample 4: the network has 3 samples" in result.stderr


def _layered(n_inputs: int, n_hidden: int) -> str:
    weights = [[0.1] * n_inputs for _ in range(n_hidden)]
    return (f"inputs: {[0.5] * n_inputs}\nlayers:\n  - {{activation: sigmoid, weights: {weights}}}\n"
            f"  - {{activation: sigmoid, weights: {[[0.1] * n_hidden]}}}\n"
            f"targets: [1]\nloss: mse\nlearning_rate: 0.1\n")


def test_the_largest_drawn_network_has_no_overlaps(tmp_path: Path) -> None:
    # MAX_DRAWN inputs and nodes, densely connected: 30 inputs, 29 hidden, 1 output, 900 edges
    n_inputs = MAX_DRAWN // 2
    net = load("big.yaml", text=_layered(n_inputs, MAX_DRAWN - n_inputs - 1))
    svg = graph_svg(step(net))
    labels = _rects(svg, "weights")
    assert len(labels) == n_inputs * (MAX_DRAWN - n_inputs - 1) + MAX_DRAWN - n_inputs - 1
    labels.sort()
    for i, a in enumerate(labels):  # sorted by x: only neighbours within a label's width can meet
        for b in labels[i + 1:]:
            if b[0] >= a[0] + a[2]:
                break
            assert not _meet(a, b)


def test_a_network_too_large_to_draw_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(_layered(MAX_DRAWN // 2, MAX_DRAWN - MAX_DRAWN // 2), encoding="utf-8")
    result = invoke("graph", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"up to {MAX_DRAWN} inputs and nodes; this one has {MAX_DRAWN + 1}" in result.stderr
    assert str(path) in result.stderr


# ---------------------------------------------------------------- in a browser

def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG (PNG spec, §9)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for r in range(height):
        kind, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(row[i:i + 3]) for row in rows for i in range(0, stride, bpp)]


def test_png_reader_on_a_known_image() -> None:
    # a 2×1 RGB image, filter 1 (Sub): red then green, written out byte by byte (PNG spec §9.2)
    raw = b"\x01" + bytes([255, 0, 0, (0 - 255) & 0xFF, 255, 0])
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    assert png_pixels(png) == (2, 1, [b"\xff\x00\x00", b"\x00\xff\x00"])


def test_every_bundled_network_renders_in_headless_chromium(tmp_path: Path) -> None:
    """Each SVG opened in a real browser: the screenshot has the picture's size and is not blank."""
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but no chromium: .ci/run installs it")
        pytest.skip("no chromium on this machine (CI installs it and runs this test)")
    sizes, jobs = {}, []
    for name in NAMES:
        svg = graph_svg(trace_of(name), gradients=True)
        root = ET.fromstring(svg)
        sizes[name] = (int(root.get("width", 0)), int(root.get("height", 0)))
        (tmp_path / f"{name}.svg").write_text(svg, encoding="utf-8")
        w, h = sizes[name]
        jobs.append((name, subprocess.Popen(  # in parallel, each with a profile of its own
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / ('profile-' + name)}",
             f"--screenshot={tmp_path / (name + '.png')}", f"--window-size={w},{h}",
             (tmp_path / f"{name}.svg").as_uri()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    for name, job in jobs:
        assert job.wait(timeout=180) == 0, name
        width, height, pixels = png_pixels((tmp_path / f"{name}.png").read_bytes())
        assert (width, height) == sizes[name], name
        colours = set(pixels)
        assert len(colours) > 1, name
        # the picture is mostly white paper, but a good part of it is ink: text, boxes, lines
        ink = sum(p != b"\xff\xff\xff" for p in pixels) / len(pixels)
        assert 0.02 < ink < 0.6, (name, ink)


# ---------------------------------------------------------------- any network

_LETTERS = "abxyzŷσ重み_"


@st.composite
def graph_networks(draw: st.DrawFn) -> str:
    """A graph-form file: 1–4 inputs, 1–7 nodes each fed by any earlier inputs or nodes (so edges
    may skip columns), names of any length with Unicode and wide letters, biases on some."""
    name = st.text(_LETTERS, min_size=1, max_size=12).map(lambda s: "n" + s)
    names = draw(st.lists(name, min_size=2, max_size=11, unique=True))
    n_inputs = draw(st.integers(1, min(4, len(names) - 1)))
    inputs, nodes = names[:n_inputs], names[n_inputs:]
    value = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))
    params, lines, consumed = {}, [], set()
    for i, node in enumerate(nodes):
        earlier = inputs + nodes[:i]
        sources = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=len(earlier), unique=True))
        consumed.update(sources)
        edges = []
        for source in sources:
            params[f"w_{source}_{node}"] = draw(value)
            edges.append(f"{source}: w_{source}_{node}")
        bias = ""
        if draw(st.booleans()):
            params[f"b_{node}"] = draw(value)
            bias = f", bias: b_{node}"
        lines.append(f"  {node}: {{sum: z_{node}, from: {{{', '.join(edges)}}}{bias}, activation: tanh}}")
    outputs = [n for n in nodes if n not in consumed]
    return ("inputs: {" + ", ".join(f"{n}: {draw(value)}" for n in inputs) + "}\n"
            + "params: {" + ", ".join(f"{k}: {v}" for k, v in params.items()) + "}\n"
            + "nodes:\n" + "\n".join(lines) + "\n"
            + "targets: {" + ", ".join(f"{n}: 0.5" for n in outputs) + "}\n"
            + "loss: mse\nlearning_rate: 0.1\n")


@given(graph_networks(), st.booleans())
def test_any_network_draws_as_valid_svg_without_overlaps(text: str, gradients: bool) -> None:
    network = load("random.yaml", text=text)
    svg = graph_svg(step(network), gradients=gradients)
    labels, nodes = _rects(svg, "weights"), _rects(svg, "nodes")
    assert len(labels) == sum(len(n.edges) for n in network.nodes)
    for i, a in enumerate(labels):
        assert not any(_meet(a, b) for b in labels[i + 1:])
        assert not any(_meet(a, b) for b in nodes)
    _no_edge_through_a_box(svg)
    shown = "\n".join(texts(svg))
    for param, v in network.params.items():
        assert f"{param} = {fmt(v)}" in shown
    nodes_, edges = parse_dot(graph_dot(step(network)))
    assert len(edges) == len(labels) and set(nodes_) == {*network.inputs, *(n.name for n in network.nodes)}
