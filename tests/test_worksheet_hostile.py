"""A worksheet of a network file whose title, description and names are hostile: the Markdown,
read back by a CommonMark parser (markdown-it-py, CommonMark 0.31 with GFM tables), has only the
blocks the worksheet writes, the title and description as their text; the LaTeX compiles with a
stock pdflatex (-halt-on-error -no-shell-escape) and reads no file and runs nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from backprop.engine import run
from backprop.exercise import Variant, Verdict, key
from backprop.render.worksheet import worksheet_md, worksheet_tex
from backprop.spec import load

TITLE = "# 1. <b>x</b> | a & b $x$ \\input{secret} ^^5c ##"
DESCRIPTION_LINES = ["1. not a list", "- nor a bullet", "===", "    nor code", "# nor a heading",
                     "<script>alert(1)</script>", "| a | b |", "[x]: /url",
                     "\\input{secret} \\write18{touch pwned} \\catcode`\\{=12 ^^5cinput{secret}",
                     "&amp; `tick` *star* _under_ ~~strike~~ Übung é"]
DESCRIPTION = "\n".join(DESCRIPTION_LINES)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# names are identifiers (FORMAT): Latin-1 and CJK letters among them; a spelling with a |
NETWORK = f"""\
title: {_quote(TITLE)}
description: {_quote(DESCRIPTION)}
inputs: {{é1: 0.5, 日本: -0.25}}
params: {{w_é: 0.3, wß: -0.2, b_x_: 0.1}}
nodes:
  ŷ: {{sum: zÆ, from: {{é1: w_é, 日本: wß}}, bias: b_x_}}
targets: {{ŷ: 1}}
loss: half_sse
learning_rate: 0.1
spellings: {{wß: "|w|"}}
"""


@pytest.fixture(scope="module")
def variant() -> Variant:
    net = load("hostile.yaml", text=NETWORK)
    trace = run(net)
    lines = key(trace)
    asked = frozenset(line.quantity for line in lines if line.asked)
    return Variant("", NETWORK, net, trace, tuple(lines), 1, Verdict(True, "", asked, {}))


def _inline_text(tokens: list[Any]) -> str:
    """An inline token's text as a reader sees it: text and code, a line break as a newline."""
    out = []
    for t in tokens:
        if t.type in ("text", "code_inline"):
            out.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


def test_markdown_worksheet_has_only_its_own_blocks(variant: Variant) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = worksheet_md(variant, 3)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(md)
    opened = [t.type for t in tokens if not t.hidden and (
        t.nesting == 1 or t.type in ("hr", "html_block", "fence", "code_block"))]
    # the worksheet's own blocks: a title, the description and one paragraph of the step,
    # a heading, three tables, a heading, a paragraph, the list of quantities
    assert [t for t in opened if t not in ("tr_open", "th_open", "td_open", "thead_open",
                                           "tbody_open", "list_item_open")] == [
        "heading_open", "paragraph_open", "paragraph_open", "heading_open", "table_open",
        "table_open", "table_open", "heading_open", "paragraph_open", "bullet_list_open"]
    assert not any(t.type == "html_inline" for t in tokens for t in (t.children or []))
    heading = tokens[1]
    assert tokens[0].tag == "h1" and _inline_text(heading.children) == TITLE
    description = tokens[4]
    # a line's leading spaces are no-break spaces (render.markdown.block_safe): four spaces
    # would start indented code (CommonMark §4.4)
    assert _inline_text(description.children).replace("\xa0", " ") == DESCRIPTION
    # each table row has its header's number of cells: a | in a spelling splits none
    rows: list[list[str]] = [[]]
    for t in tokens:
        if t.type == "tr_open":
            rows.append([])
        elif t.type in ("th_open", "td_open"):
            rows[-1].append(t.type)
    widths = {len(r) for r in rows[1:]}
    assert widths <= {2, 4} and len(rows) - 1 == 1 + 1 + 1 + 3 + 1 + 1  # 1 node, 3 params, 1 sample
    items = sum(1 for t in tokens if t.type == "list_item_open")
    assert items == sum(1 for line in variant.key if line.asked)


def test_latex_worksheet_compiles_and_reads_no_file(variant: Variant, tmp_path: Path) -> None:
    from test_formats import _pdflatex

    pdflatex = _pdflatex()
    (tmp_path / "secret.tex").write_text("\\errmessage{INJECTED}\n")
    (tmp_path / "w.tex").write_text(worksheet_tex(variant, 3), encoding="utf-8")
    done = subprocess.run([pdflatex, "-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode",
                           "w.tex"], cwd=tmp_path, capture_output=True, timeout=120, check=False)
    log = (tmp_path / "w.log").read_text(errors="replace")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "(./secret.tex" not in log and "INJECTED" not in log
    assert not (tmp_path / "pwned").exists()


def test_latex_worksheet_escapes_as_the_latex_writer(variant: Variant) -> None:
    tex = worksheet_tex(variant, 3)
    body = tex.split("\\begin{document}", 1)[1]
    # LaTeX's ten specials and ^^ reach the body escaped only (the LaTeX Companion, §7.1):
    # no control word of the file's own text, no unescaped ^^
    for hostile in ("\\input", "\\write18", "\\catcode", "^^"):
        assert hostile not in body
    assert r"\textbackslash{}input\{secret\}" in body
    # Latin-1 letters as the kernel's accent commands (OT1 sets them with no package)
    assert r"\"{U}bung \'{e}" in body
    assert "fontenc" not in tex and "inputenc" not in tex


# the LaTeX kernel's text accents (LaTeX2e for authors, "accents": \` \' \^ \~ \" \r \c) and
# OT1's own letters \AE \ae \O \o \ss; Ð ð Þ þ have no OT1 glyph and stay code points
@pytest.mark.parametrize(("char", "tex"), [
    ("é", r"\'{e}"), ("È", r"\`{E}"), ("ô", r"\^{o}"), ("ñ", r"\~{n}"), ("Ü", r"\"{U}"),
    ("å", r"\r{a}"), ("ç", r"\c{c}"), ("ï", r"\"{\i}"), ("ß", r"\ss{}"), ("Æ", r"\AE{}"),
    ("ø", r"\o{}"), ("ð", "[U+00F0]"), ("×", "[U+00D7]"), ("ŷ", "[U+0177]")])
def test_latex_text_writes_latin1_letters_as_accent_commands(char: str, tex: str) -> None:
    from backprop.notation import latex_text

    assert latex_text(char) == tex


def test_every_latin1_character_compiles_in_the_stock_font(tmp_path: Path) -> None:
    from backprop.notation import latex_text
    from backprop.render.latex import document
    from test_formats import _pdflatex

    pdflatex = _pdflatex()
    body = latex_text("".join(map(chr, range(0xA0, 0x100)))) + "\n\n"
    (tmp_path / "l.tex").write_text(document(body), encoding="utf-8")
    done = subprocess.run([pdflatex, "-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode",
                           "l.tex"], cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


# CommonMark §4.2: "foo #" is the heading "foo" (a closing sequence), "foo#" keeps its #
@pytest.mark.parametrize("title", ["foo #", "#", "foo ###   ", "foo#", "# foo", "a \\#", "###### x ##"])
def test_a_heading_keeps_every_character_of_its_title(title: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    from backprop.render.markdown import heading

    tokens = markdown_it.MarkdownIt("commonmark").parse(heading(title, 2))
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"]
    assert tokens[0].tag == "h2" and _inline_text(tokens[1].children) == title.strip()
