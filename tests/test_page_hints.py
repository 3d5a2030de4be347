"""A did-you-mean on a page speaks the page's language: networks/layered.yaml is Matt Mazur's
"A Step by Step Backpropagation Example", whose page names its weights w1…w8, its sums net_h1 …
net_o2, its values out_h1 … out_o2 and its loss E_total; the file's `spellings:` key maps them
to the layered names (w5 is w2_11). An unknown name on such a page is answered with Mazur's
names, never the internal ones; an answers file (YAML) keeps the internal names it uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from backprop.cli import cli

ROOT = Path(__file__).resolve().parent.parent
LAYERED = ROOT / "networks" / "layered.yaml"
ENV = {"COLUMNS": "100", "NO_COLOR": "1"}
#: the layered form's own names: w<layer>_<to><from>, net1_1, out2_2 (never on Mazur's page)
INTERNAL = re.compile(r"\b(?:w\d_\d\d|net\d_\d|out\d_\d|b\d_\d)")


def results(sheet: Path) -> list[dict]:
    result = CliRunner(env=ENV).invoke(cli, ["check", str(LAYERED), str(sheet), "--format", "json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)["results"]


def hint(explanation: str) -> list[str]:
    m = re.search(r"did you mean (.*)\?\)", explanation)
    assert m is not None, explanation
    return re.findall(r"'([^']*)'", m[1])


def test_a_pages_unknown_names_get_suggestions_in_mazurs_spelling(tmp_path: Path) -> None:
    page = tmp_path / "mazur.md"
    page.write_text("$$\\frac{\\partial E_{total}}{\\partial w_{9}} = 0.08$$\n\n"
                    "$$w_9^{+} = 0.36$$\n\n"
                    "$$out_{o3} = 0.75$$\n\n"
                    "$$net_{h3} = 0.37$$\n", encoding="utf-8")
    found = [(r["line"], r["verdict"], hint(r["explanation"])) for r in results(page)]
    assert [f[:2] for f in found] == [(1, "unknown"), (3, "unknown"), (5, "unknown"),
                                      (7, "unknown")]
    for _, _, near in found:
        assert near and not any(INTERNAL.search(n) for n in near), near
    # Mazur's w8 is the nearest of his weights to w9; out_o2, net_h2 the nearest values/sums
    assert found[0][2][0] == "dE_total/dw8"
    assert found[1][2][0] == "w8_new"
    assert found[2][2][0] == "out_o2"
    assert found[3][2][0] == "net_h2"


def test_a_loss_misnamed_on_the_page_is_suggested_by_the_pages_name(tmp_path: Path) -> None:
    """Mazur writes the loss E_total (the file's E): `L = …` is answered with E_total."""
    page = tmp_path / "mazur.txt"
    page.write_text("L = 0.298371109\n", encoding="utf-8")
    (only,) = results(page)
    assert only["verdict"] == "unknown" and hint(only["explanation"])[0] == "E_total"


def test_an_answers_file_keeps_the_internal_names(tmp_path: Path) -> None:
    sheet = tmp_path / "answers.yaml"
    sheet.write_text("w9_new: 0.36\n", encoding="utf-8")
    (only,) = results(sheet)
    assert only["verdict"] == "unknown"
    assert any(INTERNAL.search(n) for n in hint(only["explanation"]))
