"""A true page is accepted line by line: hypothesis writes random pages from the Trace (the
engine's numbers, checked against finite differences elsewhere) in each syntax — LaTeX,
Markdown, plain text — with the names spelled in each way a page may spell them, and
`backprop check` must accept every line and read every one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop.answers import Names
from backprop.check import printed_names
from backprop.cli import cli
from backprop.engine import run
from backprop.notation import latex_name
from backprop.pagecheck import true_rule
from backprop.spec import load
from conftest import NETWORKS

NETS = ["walkthrough", "statquest", "two-paths", "layered", "tutorial-jhz", "scalar-chain",
        "softmax-classifier"]


def _entries(name: str) -> list[tuple[str, str, str, str | None, float]]:
    """(kind of LHS, A, B, rule, value) for every quantity of the network, per sample."""
    net = load(NETWORKS / f"{name}.yaml")
    trace = run(net)
    names = Names(net)
    out = []
    for key in printed_names(net):
        keys = [key]
        if names.resolve(key).quantity is None and net.multi_sample:
            keys = [f"{key}[{k}]" for k in range(1, len(net.samples) + 1)]
        for k in keys:
            q = names.resolve(k).quantity
            if q is None or (q.kind == "value" and q.a in net.inputs):
                continue  # an input restated is a given, not an answer
            try:
                value = q.value(trace)
            except (KeyError, StopIteration):
                continue
            rule = true_rule(q, trace) if q.sample in (None, 0) and not net.multi_sample else None
            out.append((k, rule, value))
    return out


ENTRIES = {n: _entries(n) for n in NETS}


def _split(key: str) -> tuple[str, str | None, str]:
    """(A, B or None, sample suffix) of an answers-file key."""
    m = re.fullmatch(r"(?P<body>.+?)(?P<k>\[\d+\])?", key)
    assert m is not None
    body, k = m["body"], m["k"] or ""
    d = re.fullmatch(r"d(.+)/d(.+)", body)
    return (d[1], d[2], k) if d else (body, None, k)


def _latex(key: str, style: int) -> str:
    a, b, k = _split(key)
    if b is not None:
        if style % 2:
            return rf"\frac{{\partial {latex_name(a)}}}{{\partial {latex_name(b)}{k}}}"
        return rf"\partial {latex_name(a)} / \partial {latex_name(b)}{k}"
    if a.endswith("_new"):
        p = latex_name(a[:-4])
        return [f"{p}^{{+}}", f"{p}'", f"{p}^{{new}}"][style % 3] + k
    return latex_name(a) + k


def _plain(key: str, style: int) -> str:
    a, b, k = _split(key)
    if b is not None:
        return (f"∂{a}/∂{b}" if style % 2 else f"d{a}/d{b}") + k
    if a.endswith("_new"):
        return [f"{a[:-4]}'", f"new {a[:-4]}", a][style % 3] + k
    return a + k


def _number(value: float, decimals: int, unicode_minus: bool) -> str:
    text = f"{value:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", "−") if unicode_minus else text


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, str, str, int]:
    net = draw(st.sampled_from(NETS))
    entries = ENTRIES[net]
    picked = draw(st.lists(st.sampled_from(range(len(entries))), min_size=1, max_size=8,
                           unique=True))
    syntax = draw(st.sampled_from(["latex", "markdown", "plain"]))
    lines = ["Some words first, as a student writes them.", ""]
    for i in sorted(picked):
        key, rule, value = entries[i]
        style = draw(st.integers(0, 5))
        decimals = draw(st.integers(3, 7))
        number = _number(value, decimals, syntax == "plain" and style % 2 == 0)
        with_rule = rule is not None and draw(st.booleans())
        if syntax == "plain":
            rhs = f"{rule} = {number}" if with_rule else number
            lines.append(f"{_plain(key, style)} = {rhs}")
        else:
            rhs = f"{rule} = {number}" if with_rule else number
            eq = f"{_latex(key, style)} = {rhs}"
            if syntax == "markdown":
                lines.append(f"- ${eq}$" if style % 3 else f"$${eq}$$")
            else:
                lines.append([rf"\( {eq} \)", rf"\[ {eq} \]",
                              "\\begin{equation}\n" + eq + "\n\\end{equation}"][style % 3])
        lines.append("")
    suffix = {"latex": ".tex", "markdown": ".md", "plain": ".txt"}[syntax]
    return net, "\n".join(lines), suffix, len(picked)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pages())
def test_every_line_of_a_true_page_is_accepted(tmp_path: Path,
                                               page: tuple[str, str, str, int]) -> None:
    net, text, suffix, count = page
    path = tmp_path / f"page{suffix}"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(NETWORKS / f"{net}.yaml"), str(path),
                                      "--format", "json"])
    assert result.exit_code == 0, (text, result.stdout, result.stderr)
    body = json.loads(result.stdout)
    assert body["not_read"] == []
    assert len(body["results"]) == count
    assert all(r["verdict"] in ("correct", "rounding") for r in body["results"]), text
