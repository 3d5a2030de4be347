"""Shell completion (click's `_BACKPROP_COMPLETE` protocol) and `backprop networks show`.

Expected names come from the network files themselves (layered.yaml's description maps Mazur's
w1…w4 to w1_11, w1_12, w1_21, w1_22), not from the program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop.cli import cli
from conftest import NETWORKS, ROOT

WALKTHROUGH_PARAMS = ["w1", "w2", "w3", "w4", "w5", "w6"]  # networks/walkthrough.yaml's params:


def complete(words: str, shell: str = "bash") -> tuple[list[tuple[str, str]], str]:
    """(type, value) of each completion of the line `words` (the last word being completed, ""
    after a trailing space), as the shell's script asks for them; and stderr."""
    parts = words.split(" ")
    env = {"_BACKPROP_COMPLETE": f"{shell}_complete"}
    if shell == "fish":  # fish sends the line up to the cursor and the word being completed
        env |= {"COMP_WORDS": words, "COMP_CWORD": parts[-1]}
    else:
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)}
    result = CliRunner(env=env).invoke(cli, [], prog_name="backprop")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    lines = result.stdout.splitlines()
    if shell == "bash":
        lines = [line for line in lines if line]  # no completions: one empty line
        items = [tuple(line.split(",", 1)) for line in lines]
    elif shell == "zsh":  # type, value, help: three lines an item
        items = [(lines[k], lines[k + 1]) for k in range(0, len(lines), 3)]
    else:  # fish: "type,value[\thelp]"
        items = [tuple(line.split("\t")[0].split(",", 1)) for line in lines]
    return items, result.stderr  # type: ignore[return-value]


def plain(items: list[tuple[str, str]]) -> list[str]:
    return [value for kind, value in items if kind == "plain"]


def test_net_completes_file_names_and_bundled_networks() -> None:
    items, _ = complete("backprop step w")
    assert ("file", "w") in items  # the shell lists the files that start with w
    assert plain(items) == ["walkthrough"]
    items, _ = complete("backprop check s")
    assert ("file", "s") in items
    assert plain(items) == ["scalar-chain", "softmax-classifier", "statquest"]


def test_answers_complete_file_names_only() -> None:
    items, _ = complete("backprop check walkthrough net")
    assert items == [("file", "net")]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_weight_completes_the_params_of_the_network_on_the_line(shell: str) -> None:
    items, _ = complete("backprop explain layered --weight w1", shell)
    assert plain(items) == ["w1_11", "w1_12", "w1_21", "w1_22"]


def test_param_completes_from_a_network_file(tmp_path: Path) -> None:
    net = tmp_path / "mine.yaml"
    net.write_text((NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    items, _ = complete(f"backprop step {net} --decimals 4 --param w")
    assert plain(items) == WALKTHROUGH_PARAMS


def test_without_a_net_the_walkthrough_is_completed() -> None:
    # `backprop explain --weight w5` explains the walkthrough's w5; completion offers its params
    assert plain(complete("backprop explain --weight ")[0]) == WALKTHROUGH_PARAMS
    assert plain(complete("backprop explain -w w")[0]) == WALKTHROUGH_PARAMS


@pytest.mark.parametrize("content", [
    None,  # no such file
    "inputs: [1, 2\n",  # broken YAML
    "title: not a network\n",  # valid YAML, not a network
    "a: &a [*a, *a]\n" * 3,  # an alias loop
    "\x00\xff binary",
])
def test_a_bad_or_missing_network_gives_no_completions(tmp_path: Path, content: str | None) -> None:
    net = tmp_path / "bad.yaml"
    if content is not None:
        net.write_text(content, encoding="utf-8", errors="surrogateescape")
    items, err = complete(f"backprop explain {net} --weight ")
    assert plain(items) == [] and "Traceback" not in err


def test_a_folder_or_a_huge_file_is_not_read(tmp_path: Path) -> None:
    from backprop.completion import MAX_BYTES

    assert plain(complete(f"backprop explain {tmp_path} --weight ")[0]) == []
    huge = tmp_path / "huge.yaml"
    text = (NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8")
    huge.write_text(text + "#" * MAX_BYTES + "\n", encoding="utf-8")  # a valid network, too large
    assert plain(complete(f"backprop explain {huge} --weight ")[0]) == []


def test_networks_show_completes_bundled_names() -> None:
    assert plain(complete("backprop networks show t")[0]) == ["tutorial-jhz", "two-paths"]


def test_the_bash_script_adds_files_to_the_names() -> None:
    result = CliRunner(env={"_BACKPROP_COMPLETE": "bash_source"}).invoke(cli, [], prog_name="backprop")
    assert result.exit_code == 0
    assert 'COMPREPLY+=($(compgen -f -- "$value"))' in result.stdout
    assert "complete -o nosort -F _backprop_completion backprop" in result.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_offers_both_a_file_and_a_bundled_name(tmp_path: Path) -> None:
    """The script, sourced into a real bash, completing `backprop step w` in a folder holding
    weights.yaml: the file and the bundled walkthrough, both."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "backprop").write_text(f"#!/bin/sh\nexec {sys.executable} -m backprop \"$@\"\n")
    (bin_dir / "backprop").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "weights.yaml").write_text("")
    script = ('eval "$(_BACKPROP_COMPLETE=bash_source backprop)"\n'
              "COMP_WORDS=(backprop step w); COMP_CWORD=2; COMPREPLY=()\n"
              "_backprop_completion backprop 2>/dev/null\n"
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert sorted(done.stdout.split()) == ["walkthrough", "weights.yaml"], done.stderr


# ---------------------------------------------------------------- backprop networks show

def invoke(*args: str, columns: int = 100):
    return CliRunner(env={"COLUMNS": str(columns), "NO_COLOR": "1"}).invoke(cli, list(args))


@pytest.mark.parametrize("path", sorted(p for p in NETWORKS.glob("*.yaml")
                                        if not p.name.endswith(".answers.yaml")),
                         ids=lambda p: p.stem)
def test_networks_show_prints_the_file_exactly(path: Path) -> None:
    result = invoke("networks", "show", path.stem)
    assert result.exit_code == 0
    assert result.stdout_bytes == path.read_bytes()


def test_networks_show_an_unknown_name_is_exit_2_with_the_names() -> None:
    result = invoke("networks", "show", "walkthru")
    assert result.exit_code == 2 and result.stdout == ""
    err = result.stderr
    assert err.count("\n") == 1 and "did you mean 'walkthrough'?" in err
    assert "layered, scalar-chain, softmax-classifier" in err


def test_networks_show_an_answers_sheet_is_not_a_network() -> None:
    assert invoke("networks", "show", "walkthrough.answers").exit_code == 2


def test_networks_lists_within_the_width() -> None:
    from backprop.spec import load

    result = invoke("networks", columns=60)
    assert result.exit_code == 0
    assert max(map(len, result.stdout.splitlines())) <= 60
    # each entry: a name, then its title, continued on indented lines when it wraps
    entries: dict[str, str] = {}
    name = ""
    for line in result.stdout.splitlines():
        if line.startswith(" "):
            entries[name] += " " + line.strip()
        else:
            name, title = line.split(maxsplit=1)
            entries[name] = title
    assert len(entries) == 7
    for name, title in entries.items():
        assert title == " ".join(str(load(NETWORKS / f"{name}.yaml").title).split())
