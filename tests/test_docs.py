"""The README tells the truth: its example outputs are the current code's, every command is in it.

Run ``python tests/test_docs.py`` to rewrite the README's example blocks from the current code.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT / "src"))

from backprop.cli import cli  # noqa: E402

# a fenced block whose first line is "$ backprop …": the rest is that command's output
EXAMPLE = re.compile(r"```text\n\$ (backprop [^\n]*)\n(.*?)```", re.S)
ENV = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def run(command: str) -> str:
    args = shlex.split(command)[1:]
    result = CliRunner(env=ENV).invoke(cli, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    return "\n".join(line.rstrip() for line in result.stdout.rstrip().splitlines()) + "\n"


def examples() -> list[tuple[str, str]]:
    return EXAMPLE.findall(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize("command, shown", examples(), ids=[c for c, _ in examples()])
def test_readme_example_is_real_output(command: str, shown: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    assert run(command) == shown


def test_readme_has_examples_of_the_main_commands() -> None:
    commands = [c for c, _ in examples()]
    assert "backprop step" in commands
    assert "backprop explain --weight w5" in commands
    assert any(c.startswith("backprop check") for c in commands)
    assert any(c.startswith("backprop train") for c in commands)  # the loss curve, as real output


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and result.stdout.strip()
    assert f"backprop {command}" in README.read_text(encoding="utf-8")


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Quick start\n+```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block is not None
    lines = [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2
    assert "backprop step" in lines[0]
    assert lines[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def update() -> None:
    text = README.read_text(encoding="utf-8")

    def fresh(m: re.Match[str]) -> str:
        return f"```text\n$ {m.group(1)}\n{run(m.group(1))}```"

    README.write_text(EXAMPLE.sub(fresh, text), encoding="utf-8")


if __name__ == "__main__":
    import os

    os.chdir(ROOT)
    update()
