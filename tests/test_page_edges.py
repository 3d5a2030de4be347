"""Edges of reading a page, found by an adversarial review: a blank line ends a derivation;
numbers too large or too small for a float are explained truthfully. Expected values are
worked by hand from networks/walkthrough.yaml (x1 = 0.5, x2 = 0.3, w1 = 0.7, w2 = 0.3,
w3 = 0.4, w4 = 0.6): z1 = 0.5·0.7 + 0.3·0.4 = 0.47, z2 = 0.5·0.3 + 0.3·0.6 = 0.33."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS

ENV = {"COLUMNS": "120", "NO_COLOR": "1"}


def check(tmp_path: Path, name: str, text: str, net: str = "walkthrough.yaml") -> dict:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    result = CliRunner(env=ENV).invoke(cli, ["check", str(NETWORKS / net), str(page),
                                             "--format", "json"])
    assert result.exit_code in (0, 1), (result.output, result.exception)
    return json.loads(result.stdout)


def marks(body: dict) -> list[tuple[int, str, str]]:
    return [(r["line"], r["quantity"], r["verdict"]) for r in body["results"]]


# ---------------------------------------------------------------- a blank line ends a chain

#: z1 = 0.47 (true), a blank line, then a line "= 0.33": the 0.33 is z2's value, not a further
#: step of z1 — read as one chain, z1 would be marked wrong (0.47 ≠ 0.33)
BROKEN = {
    "page.txt": "z1 = 0.5*0.7 + 0.3*0.4 = 0.47\n\n= 0.33\n",
    "page.md": "$z_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 = 0.47$\n\n$= 0.33$\n",
    "page.tex": "\\[ z_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 = 0.47 \\]\n\n\\[ = 0.33 \\]\n",
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_blank_line_ends_a_chain(tmp_path: Path, name: str) -> None:
    body = check(tmp_path, name, BROKEN[name])
    assert marks(body) == [(1, "z1", "correct")]
    assert [(n["line"], n["text"]) for n in body["not_read"]] == [(3, "= 0.33")]


#: two paragraphs, each its own answer; and a line of prose between an equation and `= …`
PARAGRAPHS = {
    "page.txt": "z1 = 0.47\n\nz2 = 0.33\n",
    "page.md": "First $z_1 = 0.47$.\n\nThen $z_2 = 0.33$.\n",
    "page.tex": "\\( z_1 = 0.47 \\)\n\n\\( z_2 = 0.33 \\)\n",
}


@pytest.mark.parametrize("name", sorted(PARAGRAPHS))
def test_paragraphs_are_separate_answers(tmp_path: Path, name: str) -> None:
    assert marks(check(tmp_path, name, PARAGRAPHS[name])) == [(1, "z1", "correct"),
                                                               (3, "z2", "correct")]


def test_a_line_of_prose_between_ends_a_chain(tmp_path: Path) -> None:
    body = check(tmp_path, "page.txt", "z1 = x1*w1 + x2*w3\nwhich, with the numbers,\n= 0.33\n")
    # z1's formula is right; the 0.33 after the prose is not z1's next step (z1 = 0.47)
    assert marks(body) == [(1, "z1", "correct")]
    assert [n["line"] for n in body["not_read"]] == [3]


@pytest.mark.parametrize("name,text", [
    ("page.txt", "z1 = 0.5*0.7 + 0.3*0.4\n   = 0.47\n"),
    ("page.md", "$$\nz_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4\n\n= 0.47\n$$\n"),
    ("page.tex", "\\begin{align*}\nz_1 &= 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 \\\\\n"
                 "&= 0.47\n\\end{align*}\n"),
    ("page.tex", "\\[ z_1 = 0.5 \\cdot 0.7 + 0.3 \\cdot 0.4 \\]\n\\[ = 0.47 \\]\n"),
])
def test_a_chain_goes_on_at_the_next_line_that_starts_with_equals(tmp_path: Path, name: str,
                                                                   text: str) -> None:
    body = check(tmp_path, name, text)
    assert [(r["quantity"], r["verdict"], r["given"]) for r in body["results"]] == \
        [("z1", "correct", 0.47)]


def test_a_name_alone_on_its_line_is_the_left_side_of_the_next(tmp_path: Path) -> None:
    body = check(tmp_path, "page.txt", "z1 = 0.47\n\nz2\n= 0.5*0.3 + 0.3*0.6 = 0.33\n")
    assert marks(body) == [(1, "z1", "correct"), (3, "z2", "correct")]
    assert body["not_read"] == []
