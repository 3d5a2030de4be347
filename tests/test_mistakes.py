"""The catalogue of mistakes is one list of records (backprop.mistakes.CATALOGUE): a record added
there is found and explained by `backprop check` with no other change, and the README's table of
mistakes is the catalogue's own.

The numbers are the walkthrough's, worked by hand here (the published page that
tests/test_walkthrough.py writes out step by step), never read from the program.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop import mistakes
from backprop.cli import cli
from backprop.engine import run
from backprop.mistakes import BACKWARD, CATALOGUE, Mistake, Model, Wording, runs, scales
from backprop.spec import load
from backprop.trace import Rules, Trace
from conftest import NETWORKS

README = Path(__file__).resolve().parent.parent / "README.md"


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# the walkthrough by hand: x = (0.5, 0.3), w1…w6 = 0.7, 0.3, 0.4, 0.6, 0.55, 0.45, target 1, mse
Z1 = 0.5 * 0.7 + 0.3 * 0.4  # 0.47
H1, H2 = sigma(Z1), sigma(0.5 * 0.3 + 0.3 * 0.6)
Y = sigma(H1 * 0.55 + H2 * 0.45)
G5 = -2 * (1 - Y) * Y * (1 - Y) * H1  # ∂L/∂w5 = ∂L/∂y · σ′(z3) · h1 = −0.09975


def _tripled_models(trace: Trace) -> Iterator[Model]:
    yield scales(3.0, frozenset({"value"}), "the value tripled")
    yield runs(Rules(loss_factor=3.0), BACKWARD, "∂L/∂o tripled")


def _tripled(w: Wording) -> str:
    return f"{w.said} is three times {w.true}: {w.model.detail} gives {w.got}"


#: a mistake no catalogue has, as a test would add it: one record, nothing else
TRIPLED = Mistake(code="tripled", description="a number tripled", kinds=BACKWARD | {"value"},
                  models=_tripled_models, explain=_tripled)


def _check(tmp_path: Path, sheet: str) -> dict[str, dict[str, object]]:
    path = tmp_path / "sheet.yaml"
    path.write_text(sheet, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "walkthrough", str(path), "--format", "json"])
    assert result.exit_code == 1, result.stderr
    return {r["quantity"]: r for r in json.loads(result.stdout)["results"]}


def test_a_new_mistake_is_one_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = f"z1: {3 * Z1:.3f}\ndL/dw5: {3 * G5:.4f}\n"  # 1.410 and −0.2993
    before = _check(tmp_path, sheet)
    assert [(r["verdict"], r["mistake"]) for r in before.values()] == [("wrong", None)] * 2

    monkeypatch.setattr(mistakes, "CATALOGUE", (*CATALOGUE, TRIPLED))
    after = _check(tmp_path, sheet)
    z1, g5 = after["z1"], after["dL/dw5"]
    assert (z1["verdict"], z1["mistake"], z1["also"]) == ("wrong", "tripled", [])
    assert z1["explanation"] == f"1.410 is three times {Z1:.4f}: the value tripled gives {3 * Z1:.4f}"
    assert (g5["verdict"], g5["mistake"], g5["also"]) == ("wrong", "tripled", [])
    assert g5["explanation"] == (f"{3 * G5:.4f} is three times {G5:.4f}: ∂L/∂o tripled gives "
                                 f"{3 * G5:.4f}")


def _readme_table() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    table = text.split("| mistake | what produces the number |\n|---|---|\n", 1)[1].split("\n\n")[0]
    rows = [re.fullmatch(r"\| `([a-z_]+)` \| (.+) \|", line) for line in table.splitlines()]
    assert all(rows), table
    return [(m[1], m[2]) for m in rows if m]


def test_the_readme_table_is_the_catalogue() -> None:
    # the README documents every code, in the catalogue's order of plausibility, with its text
    assert _readme_table() == [(m.code, m.description) for m in CATALOGUE]


@pytest.mark.parametrize("net", ["walkthrough", "statquest", "two-paths", "layered",
                                 "softmax-classifier"])
def test_each_model_changes_only_kinds_its_record_names(net: str) -> None:
    models = mistakes.models(run(load(str(NETWORKS / f"{net}.yaml"))))
    assert {m.code for m in models} <= {m.code for m in CATALOGUE}
    assert all(m.mistake is not None and m.kinds and m.kinds <= m.mistake.kinds for m in models)
