"""Hostile input: every bad file ends in exit 2 with one located message, never a traceback.

The corpus is tests/bad/: each file names the message it must produce in its first line,
``# expect: <substring>``, and optionally the line it must point at, ``# expect-line: N``.
The rest of this module covers what a file cannot hold: paths that are not files, the size
limits, and printing (markup, encodings, a closed pipe, Ctrl-C).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop import spec, yamlsafe
from backprop.cli import cli
from conftest import NETWORKS, ROOT

BAD = Path(__file__).resolve().parent / "bad"
CORPUS = sorted(BAD.glob("*.yaml"))
SRC = str(ROOT / "src")


def expectations(path: Path) -> tuple[str, int | None]:
    """The `# expect:` substring and the optional `# expect-line:` of a corpus file."""
    first, second, *_ = [*path.read_bytes().split(b"\n", 2), b"", b""]
    head = first.decode("utf-8")
    assert head.startswith("# expect: "), f"{path.name}: first line must be '# expect: …'"
    line = None
    if second.startswith(b"# expect-line: "):
        line = int(second.decode("ascii").removeprefix("# expect-line: "))
    return head.removeprefix("# expect: "), line


def invoke(*args: str, **kwargs: object):
    return CliRunner().invoke(cli, list(args), **kwargs)  # type: ignore[arg-type]


def assert_one_error(result, name: str, expect: str = "", line: int | None = None) -> None:
    """Exit 2 first, then: nothing on stdout, one `backprop: error:` line naming the file."""
    assert result.exit_code == 2, (result.exit_code, result.stdout[:300], result.exception)
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    err = result.stderr
    assert "Traceback" not in err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("backprop: error: "), err
    assert name in err, err
    assert expect in err, err
    if line is not None:
        assert f"{name}:{line}:" in err, err


def test_the_corpus_is_large_and_numbered() -> None:
    assert len(CORPUS) >= 55
    for path in CORPUS:
        assert path.name[:3].isdigit() and path.name[3] == "-", path.name


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_file_gives_one_located_error(path: Path) -> None:
    expect, line = expectations(path)
    start = time.perf_counter()
    result = invoke("step", str(path))
    assert time.perf_counter() - start < 10
    assert_one_error(result, str(path), expect, line)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_file_fails_the_same_way_under_every_command(path: Path) -> None:
    expect, line = expectations(path)
    answers = str(NETWORKS / "walkthrough.answers.yaml")
    for args in (["step", str(path), "--format", "json"], ["explain", "--weight", "w1", str(path)],
                 ["check", str(path), answers]):
        assert_one_error(invoke(*args), str(path), expect, line)


# ---------------------------------------------------------------- no tag runs anything


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system",
                                 "!!python/name:os.system", "!!python/module:os"])
def test_no_tag_runs_anything(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    net = tmp_path / "net.yaml"
    net.write_text(f'title: {tag} ["touch {marker}"]\n'
                   + (NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8").split("\n", 1)[1],
                   encoding="utf-8")
    assert_one_error(invoke("step", str(net)), str(net), "explicit tags are not allowed", 1)
    assert not marker.exists()


# ---------------------------------------------------------------- paths that are not readable files


def test_a_directory_is_refused(tmp_path: Path) -> None:
    assert_one_error(invoke("step", str(tmp_path)), str(tmp_path), "cannot read file")


def test_a_missing_file_is_refused_with_the_bundled_names() -> None:
    assert_one_error(invoke("step", "walkthroug"), "walkthroug",
                     "no such file, and no bundled network of that name (did you mean 'walkthrough'?)")


def test_a_name_too_long_for_the_system_is_refused() -> None:
    result = invoke("step", "n" * 5000)
    assert_one_error(result, "nnnnnnnn", "File name too long")
    assert len(result.stderr) < 400


def test_permission_denied_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # as root chmod 000 still reads, so the refusal is simulated where the loader opens the file
    net = tmp_path / "locked.yaml"
    net.write_text("title: x\n", encoding="utf-8")

    def refuse(*args: object, **kwargs: object):
        raise PermissionError(13, "Permission denied", str(net))

    monkeypatch.setattr(yamlsafe, "open", refuse, raising=False)
    assert_one_error(invoke("step", str(net)), str(net), "cannot read file: Permission denied")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads mode 000")
def test_permission_denied_for_real(tmp_path: Path) -> None:
    net = tmp_path / "locked.yaml"
    net.write_text("title: x\n", encoding="utf-8")
    net.chmod(0)
    assert_one_error(invoke("step", str(net)), str(net), "cannot read file: Permission denied")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_file_is_refused_by_size() -> None:
    assert_one_error(invoke("step", "/dev/zero"), "/dev/zero", "file is larger than")


def test_control_characters_in_a_file_name_are_shown_escaped() -> None:
    result = invoke("step", "\x1b[2Jevil\nname.yaml")
    assert_one_error(result, "\\x1b[2Jevil\\x0aname.yaml", "no such file")
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize("args, expect", [
    (["step", "--bogus"], "No such option '--bogus'"),
    (["stpe"], "No such command 'stpe'"),
    (["step", "a.yaml", "b.yaml"], "unexpected extra argument (b.yaml)"),
    (["step", "--decimals", "99"], "Invalid value for '--decimals'"),
    (["step", "--format", "xml"], "Invalid value for '--format'"),
    (["explain"], "Missing option '--weight'"),
])
def test_usage_errors_are_exit_2_without_a_traceback(args: list[str], expect: str) -> None:
    # click's own usage errors: exit 2, its usage block and one "Error:" line, on stderr only
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Usage: ")
    assert expect in result.stderr


def test_unused_param_is_a_warning_and_exit_0(tmp_path: Path) -> None:
    net = tmp_path / "unused.yaml"
    net.write_text((NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8")
                   .replace("  w6: 0.45", "  w6: 0.45\n  w7: 0.1"), encoding="utf-8")
    result = invoke("step", str(net))
    assert result.exit_code == 0
    assert result.stdout
    assert result.stderr.startswith(f"backprop: warning: {net}:")
    assert "params.w7: param 'w7' is defined but never used" in result.stderr


def test_warnings_belong_to_one_invocation(tmp_path: Path) -> None:
    # the warnings live on the command's context, not in module state: a second command in the
    # same process says its own warnings only, and a failing command says only its error
    net = tmp_path / "unused.yaml"
    net.write_text((NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8")
                   .replace("  w6: 0.45", "  w6: 0.45\n  w7: 0.1"), encoding="utf-8")
    first = invoke("step", str(net))
    assert first.stderr.count("backprop: warning:") == 1
    clean = invoke("step", "walkthrough")
    assert clean.exit_code == 0 and clean.stderr == ""
    failed = invoke("explain", "--weight", "nope", str(net))
    assert failed.exit_code == 2
    assert "backprop: warning" not in failed.stderr and failed.stderr.count("\n") == 1


# ---------------------------------------------------------------- the size limits


def test_too_many_params_is_refused_from_the_sizes_alone(tmp_path: Path) -> None:
    # 10,000 inputs and 60 rows would make 600,060 params: refused before any row is read
    net = tmp_path / "wide.yaml"
    net.write_text("inputs: [" + ", ".join(["1"] * 10_000) + "]\nlayers:\n  - weights: ["
                   + ", ".join(["[]"] * 60) + "]\ntargets: [" + ", ".join(["0"] * 60)
                   + "]\nloss: mse\nlearning_rate: 1\n", encoding="utf-8")
    assert_one_error(invoke("step", str(net)), str(net),
                     f"more than the {spec.MAX_PARAMS:,} params a network file may have", 3)


def test_too_many_inputs_is_refused(tmp_path: Path) -> None:
    net = tmp_path / "inputs.yaml"
    net.write_text("inputs: [" + ", ".join(["1"] * 10_001) + "]\nlayers:\n  - weights: [[1]]\n"
                   "targets: [0]\nloss: mse\nlearning_rate: 1\n", encoding="utf-8")
    assert_one_error(invoke("step", str(net)), str(net), "10,001 inputs, more than the 10,000", 1)


def test_too_much_work_for_one_step_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the limit is lowered so that a small file crosses it: 3 samples × (1 + 1 + 1) = 9 > 8
    monkeypatch.setattr(spec, "MAX_WORK", 8)
    net = tmp_path / "samples.yaml"
    net.write_text("params: {w: 1}\nnodes:\n  y: {from: {x: w}}\nsamples:\n"
                   + "  - {inputs: {x: 1}, targets: {y: 0}}\n" * 3 + "loss: mse\nlearning_rate: 1\n",
                   encoding="utf-8")
    assert_one_error(invoke("step", str(net)), str(net), "3 samples × 3 values and terms each is 9", 5)


def test_too_many_graph_nodes_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec, "MAX_NODES", 2)
    text = (NETWORKS / "walkthrough.yaml").read_text(encoding="utf-8")
    net = tmp_path / "nodes.yaml"
    net.write_text(text, encoding="utf-8")
    assert_one_error(invoke("step", str(net)), str(net), "3 nodes, more than the 2")


def test_a_784_128_10_network_is_inside_every_limit() -> None:
    assert 784 <= spec.MAX_NODES and 128 + 10 <= spec.MAX_NODES
    assert 784 * 128 + 128 * 10 + 138 <= spec.MAX_PARAMS
    assert 784 + 138 + 784 * 128 + 128 * 10 <= spec.MAX_WORK


# ---------------------------------------------------------------- printing is safe

MARKUP = """title: "[/bold] [red]x [link=file:///etc/passwd]y"
description: "[/] [b]not bold[/b] :smile: \\\\[escaped]"
inputs: {x: 0.5}
params: {ω: 0.7}
nodes:
  ŷ: {sum: ζ, from: {x: ω}, activation: sigmoid}
targets: {ŷ: 1}
loss: {kind: mse, name: ℒ}
learning_rate: 0.1
"""


@pytest.fixture
def unicode_net(tmp_path: Path) -> Path:
    path = tmp_path / "σ-net.yaml"
    path.write_text(MARKUP, encoding="utf-8")
    return path


def test_markup_in_user_text_is_printed_literally(unicode_net: Path) -> None:
    result = invoke("step", str(unicode_net))
    assert result.exit_code == 0, result.stderr
    assert "[/bold] [red]x [link=file:///etc/passwd]y" in result.stdout
    assert "[/] [b]not bold[/b] :smile: \\[escaped]" in result.stdout
    for name in ("ŷ", "ω", "ζ", "ℒ"):
        assert name in result.stdout


def test_markup_in_user_text_is_printed_literally_at_a_terminal(
        unicode_net: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # at a terminal the report goes through rich, where "[red]" would be markup if parsed
    import backprop.cli

    monkeypatch.setattr(backprop.cli, "_is_terminal", lambda out: True)
    result = CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1"}).invoke(cli, ["step", str(unicode_net)])
    assert result.exit_code == 0, result.stderr
    assert "[/bold] [red]x [link=file:///etc/passwd]y" in result.stdout
    assert "[/] [b]not bold[/b] :smile: \\[escaped]" in result.stdout


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "100"}
    for key in ("FORCE_COLOR", "PYTHONIOENCODING", "PYTHONUTF8", "LC_ALL", "LANG"):
        full.pop(key, None)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "backprop", *args], capture_output=True,
                          env=full, timeout=60, check=False)


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"},
                                 {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}],
                         ids=["ascii", "latin-1", "C-locale"])
def test_a_non_utf8_terminal_does_not_crash(unicode_net: Path, env: dict[str, str]) -> None:
    for args in (["step", str(unicode_net)], ["explain", "--weight", "ω", str(unicode_net)],
                 ["networks"], ["step"]):
        done = run_cli(*args, env=env)
        assert b"Traceback" not in done.stderr
        if "LC_ALL" in env and "ω" in args:
            # in the C locale the argument 'ω' arrives undecodable: a clean "no param" error
            assert done.returncode == 2 and done.stderr.startswith(b"backprop: error: ")
            continue
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        assert done.stdout
    # the names are spelled out, not dropped: ℒ → L, ω → omega, ŷ → y
    table = run_cli("step", str(unicode_net), env=env).stdout.decode("ascii")
    assert "dL/domega" in table
    assert "sigma(zeta)" in table


def test_json_on_an_ascii_stdout_keeps_the_names(unicode_net: Path) -> None:
    done = run_cli("step", str(unicode_net), "--format", "json", env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.decode("ascii"))
    assert report["title"].startswith("[/bold] [red]x")
    assert set(report["gradients"]) == {"ω"}
    assert "ŷ" in report["samples"][0]["values"]


def test_an_error_on_an_ascii_terminal_does_not_crash(tmp_path: Path) -> None:
    net = tmp_path / "bad.yaml"
    net.write_text(MARKUP.replace("sigmoid", "sigmöid"), encoding="utf-8")
    done = run_cli("step", str(net), env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 2
    assert done.stdout == b""
    assert b"Traceback" not in done.stderr
    assert done.stderr.startswith(b"backprop: error: ") and done.stderr.count(b"\n") == 1


def big_layered(tmp_path: Path, n: int = 60) -> Path:
    """An n-n-n identity network: its JSON report is far larger than a pipe's 64 KiB buffer."""
    rows = "[" + ", ".join(["[" + ", ".join(["0.01"] * n) + "]"] * n) + "]"
    path = tmp_path / "big.yaml"
    path.write_text(f"inputs: [{', '.join(['0.5'] * n)}]\nlayers:\n  - weights: {rows}\n"
                    f"  - weights: {rows}\ntargets: [{', '.join(['0'] * n)}]\nloss: mse\n"
                    f"learning_rate: 0.1\n", encoding="utf-8")
    return path


def test_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    net = big_layered(tmp_path)
    env = {**os.environ, "PYTHONPATH": SRC}
    for args in (["step", str(net), "--format", "json"], ["step", str(net)]):
        with subprocess.Popen([sys.executable, "-m", "backprop", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            proc.stdout.read(100)  # `| head -c 100`: read a little, then leave
            proc.stdout.close()
            err = proc.stderr.read()
            assert proc.wait(timeout=60) == 0
        assert err == b"", err.decode()


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    net = big_layered(tmp_path)
    env = {**os.environ, "PYTHONPATH": SRC}
    with subprocess.Popen([sys.executable, "-m", "backprop", "step", str(net), "--format", "json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None
        # The first bytes prove the process is writing its report, past start-up; the report is
        # larger than the pipe, so it now waits in write() until the interrupt arrives.
        assert proc.stdout.read(100)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, err.decode())
    assert err == b"backprop: interrupted\n"


def test_ctrl_c_is_handled_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    import backprop.engine

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(backprop.engine, "run", interrupted)
    result = invoke("step")
    assert result.exit_code == 130
    assert result.stdout == ""
    assert result.stderr == "backprop: interrupted\n"
