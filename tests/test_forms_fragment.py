"""`--fragment` for the matrix and summation forms' HTML: the body alone (no html, head, body or
style element), well-formed by Python's html.parser, each equation and matrix laid out by its
own style attribute, and the matrices' numbers those of the JSON form (`--format json`, full
precision) at the printed places."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backprop.cli import cli

VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"})


class _Tree(HTMLParser):
    """Every start tag closed by its own end tag, in order; the text of each td; tags seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()
        self.cells: list[str] = []
        self.styled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if any(k == "style" and v for k, v in attrs):
            self.styled.add(tag)
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "td":
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "td":
            self.cells[-1] += data


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _parsed(text: str) -> _Tree:
    tree = _Tree()
    tree.feed(text)
    tree.close()
    assert not tree.errors and not tree.stack, (tree.errors, tree.stack)
    return tree


def _numbers(value: Any) -> list[float]:
    """Every number in a JSON value's lists."""
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return [value] if isinstance(value, float | int) and not isinstance(value, bool) else []


def _shown(value: float, cells: list[str]) -> bool:
    """A cell prints the value: equal at the cell's own places (half a unit of its last digit)."""
    for cell in cells:
        text = cell.strip()
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            continue
        places = len(text.split(".")[1]) if "." in text else 0
        if abs(float(text) - value) <= 0.5 * 10 ** -places + 1e-12:
            return True
    return False


CASES = [("explain", "--weight", "w1_11", "layered", "--form", "matrix"),
         ("step", "layered", "--form", "matrix")]


@pytest.mark.parametrize("command", CASES, ids=["explain", "step"])
def test_matrix_fragment_is_a_well_formed_body_with_the_json_numbers(command: tuple[str, ...]) -> None:
    fragment = _run(*command, "--format", "html", "--fragment")
    page = _run(*command, "--format", "html")
    data = json.loads(_run(*command, "--format", "json"))
    tree = _parsed(fragment)
    assert not tree.tags & {"html", "head", "body", "style", "script", "link", "main"}
    assert "<!DOCTYPE" not in fragment
    # the layout travels with the fragment: matrices, their cells and the equation rows styled
    assert {"table", "td", "div"} <= tree.styled
    # every δ vector and gradient matrix of the JSON form is printed in a matrix cell
    for sample in data["samples"]:
        for layer in sample["layers"]:
            for value in _numbers(layer["delta"]) + _numbers(layer["gradient"]):
                assert _shown(value, tree.cells), (layer["layer"], value)
    # the same cells as the page, and the same markup once the style attributes are taken out
    page_tree = _parsed(page)
    assert tree.cells == page_tree.cells
    body = page.split("<main>\n", 1)[1].split("</main>", 1)[0]
    assert re.sub(r' style="[^"]*"', "", fragment) == body


def test_sum_fragment_is_a_well_formed_body_with_the_gradient() -> None:
    command = ("explain", "--weight", "w1_11", "layered", "--form", "sum")
    fragment = _run(*command, "--format", "html", "--fragment")
    data = json.loads(_run(*command, "--format", "json"))
    tree = _parsed(fragment)
    assert not tree.tags & {"html", "head", "body", "style", "script", "main"}
    # the gradient as the JSON gives it, at the six places of the printed update (0.000439)
    assert f"{data['gradient']:.6f}" in fragment


def test_a_fragment_of_a_form_is_refused_for_markdown() -> None:
    result = CliRunner().invoke(cli, ["step", "layered", "--form", "matrix", "--format",
                                      "markdown", "--fragment"])
    assert result.exit_code == 2 and "--fragment" in result.stderr


def test_the_forms_html_shows_the_traces_notes(tmp_path: Path) -> None:
    # relu at z = 0 exactly: the engine notes its one-sided derivative (as the Markdown form shows)
    net = tmp_path / "kink.yaml"
    net.write_text("inputs: {x: 1}\nparams: {w1: 0, w2: 0.5}\nnodes:\n"
                   "  h: {from: {x: w1}, activation: relu}\n  y: {from: {h: w2}}\n"
                   "targets: {y: 1}\nloss: half_sse\nlearning_rate: 0.1\n")
    markdown = _run("step", str(net), "--form", "matrix", "--format", "markdown")
    html = _run("step", str(net), "--form", "matrix", "--format", "html", "--fragment")
    assert "z = 0 exactly" in markdown and "z = 0 exactly" in html
