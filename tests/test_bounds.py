"""Extreme but valid input stays bounded (issue 8): deep chains, many samples, a weight shared by
thousands of edges, very long names and titles, and the command line's edge cases (an empty NET,
a closed stderr, Ctrl-C at start-up, a terminal of any width).

No timings here (bench/unbounded.py measures them); these tests pin what the output holds, with
every expected number worked by hand in the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop import load, step
from backprop.cli import cli
from backprop.factors import graph, paths

ENV = {"COLUMNS": "120", "NO_COLOR": "1"}


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner(env=env or ENV).invoke(cli, list(args))


# ---------------------------------------------------------------- a chain deeper than Python's stack

DEPTH = 3000  #: nodes, three times Python's default recursion limit


def _chain(depth: int = DEPTH) -> str:
    """x → h1 → … → h_depth, identity nodes, x = 0.5, w1 = 1.5 and w_i = 2 (i even), 0.5 (i odd)."""
    weights = ["  w1: 1.5"] + [f"  w{i}: {2.0 if i % 2 == 0 else 0.5}" for i in range(2, depth + 1)]
    nodes = ["  h1: {from: {x: w1}}"] + [f"  h{i}: {{from: {{h{i - 1}: w{i}}}}}"
                                        for i in range(2, depth + 1)]
    return "\n".join(["inputs: {x: 0.5}", "params:", *weights, "nodes:", *nodes,
                      f"targets: {{h{depth}: 1}}", "loss: mse", "learning_rate: 0.1", ""])


# Worked by hand for DEPTH = 3000. The weights w2…w3000 are 1,500 twos (even i) and 1,499 halves
# (odd i), so their product is 2: h3000 = x·w1·2 = 0.5·1.5·2 = 1.5 (and h_i alternates 0.75, 1.5).
# L = (t − h3000)²/1 = 0.25; ∂L/∂h3000 = −2(t − h3000) = −2(1 − 1.5) = 1.
# ∂L/∂w1 = ∂L/∂h3000 · Π_{i≥2} w_i · x = 1 · 2 · 0.5 = 1; w1_new = 1.5 − 0.1·1 = 1.4.
# ∂L/∂w3000 = ∂L/∂h3000 · h2999 = 1 · 0.75 = 0.75 (w3000 = 2 doubles h2999 = 0.75 into 1.5).
CHAIN_DL_DW1 = 1.0
CHAIN_DL_DWN = 0.75


@pytest.fixture(scope="module")
def deep_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bounds") / "chain.yaml"
    path.write_text(_chain(), encoding="utf-8")
    return path


def test_deep_chain_gradient_is_the_product_of_the_weights(deep_chain: Path) -> None:
    trace = step(load(deep_chain))
    assert trace.gradients["w1"] == CHAIN_DL_DW1  # powers of two: exact
    assert trace.gradients[f"w{DEPTH}"] == CHAIN_DL_DWN
    assert trace.loss == 0.25


def test_deep_chain_has_one_path_of_every_factor(deep_chain: Path) -> None:
    """The walk is iterative: one path of ∂L/∂h3000, 3,000 ∂h/∂z and 2,999 ∂z_c/∂h."""
    trace = step(load(deep_chain))
    g = graph(trace)
    (only,) = list(paths(trace, g, trace.samples[0], trace.network.node_by_name["h1"]))
    assert len(only) == 1 + DEPTH + (DEPTH - 1)
    assert only[0].label == f"∂L/∂h{DEPTH}" and only[-1].label == "∂h1/∂z_h1"


def test_deep_chain_explain(deep_chain: Path) -> None:
    result = invoke("explain", "--weight", "w1", str(deep_chain))
    assert result.exit_code == 0, result.output
    assert "1 path from L to w1" in result.stdout
    assert "= 1.000\n" in result.stdout  # ∂L/∂w1, worked above
    assert "= 1.400" in result.stdout  # w1_new


def test_deep_chain_step_all(deep_chain: Path) -> None:
    """Every row, without RecursionError; a chain this long is written δ · ∂z/∂p, one row a node."""
    result = invoke("step", "--all", str(deep_chain))
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["∂L/∂w1", "∂L/∂z_h1", "·", "∂z_h1/∂w1", "1.000"] in rows
    # the last node's chain is short, so written out: ∂L/∂h · ∂h/∂z · ∂z/∂w
    last = next(r for r in rows if r[:1] == [f"∂L/∂w{DEPTH}"])
    assert last[-1] == "0.750" and f"∂L/∂h{DEPTH}" in last
    # a few short lines per node and param: linear in the depth (every chain written out in
    # full would be ~DEPTH² factors, some 90 million characters)
    assert len(result.stdout) < 2_000 * DEPTH


def test_deep_chain_json(deep_chain: Path) -> None:
    result = invoke("step", str(deep_chain), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["gradients"]["w1"] == CHAIN_DL_DW1


# ---------------------------------------------------------------- many samples

def _line(k: int) -> str:
    """y = w·x (identity), w = 0.5, samples x_k = k with target 0, sse, η = 0.001."""
    samples = "\n".join(f"  - {{inputs: {{x: {i}}}, targets: {{y: 0}}}}" for i in range(1, k + 1))
    return (f"params: {{w: 0.5}}\nnodes:\n  y: {{from: {{x: w}}}}\nsamples:\n{samples}\n"
            f"loss: sse\nlearning_rate: 0.001\n")


# Worked by hand for k samples: y_i = 0.5·i, ℓ_i = (0 − 0.5i)² = i²/4, ∂L/∂y_i = −2(0 − 0.5i) = i,
# ∂L/∂w[i] = ∂L/∂y_i · x_i = i², so ∂L/∂w = Σ i² = k(k + 1)(2k + 1)/6: 506 for k = 11 and 385
# for k = 10; L = 506/4 = 126.5 for k = 11; w_new = 0.5 − 0.001·506 = −0.006.
def _net(tmp_path: Path, k: int) -> str:
    path = tmp_path / f"line{k}.yaml"
    path.write_text(_line(k), encoding="utf-8")
    return str(path)


def _tags(stdout: str) -> set[str]:
    """The sample tags ([i]) on the rows of the per-sample tables."""
    import re

    return set(re.findall(r"^\S+(\[\d+\])", stdout, flags=re.MULTILINE))


def test_more_than_ten_samples_work_the_first_in_full(tmp_path: Path) -> None:
    from backprop.render.summary import MAX_SAMPLES

    assert MAX_SAMPLES == 10
    result = invoke("step", _net(tmp_path, 11))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert _tags(out) == {"[1]"}
    rows = [line.split() for line in out.splitlines()]
    assert ["∂L/∂w[1]", "∂L/∂y", "·", "∂y/∂z_y", "·", "∂z_y/∂w", "1.000"] in rows  # 1² (hand, above)
    assert ["∂L/∂w", "Σ", "over", "all", "11", "samples", "506.000"] in rows
    assert ["L", "Σ", "ℓ", "over", "all", "11", "samples", "126.500", "126.500"] in rows
    # the value of every sample as a range: x = 1…11 (mean 6), y = 0.5…5.5 (mean 3)
    assert ["x", "1.000", "6.000", "11.000"] in rows
    assert ["z_y", "0.500", "3.000", "5.500"] in rows
    assert "Summarised: 11 samples (a network with more than 10 samples is summarised)" in \
        " ".join(out.split())
    assert "--sample K" in out and "--all" in out


def test_ten_samples_are_all_shown(tmp_path: Path) -> None:
    result = invoke("step", _net(tmp_path, 10))
    assert result.exit_code == 0, result.output
    assert _tags(result.stdout) == {f"[{i}]" for i in range(1, 11)}
    assert "Summarised" not in result.stdout
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["∂L/∂w", "Σ", "of", "the", "rows", "above", "385.000"] in rows


def test_chosen_samples_in_full(tmp_path: Path) -> None:
    result = invoke("step", _net(tmp_path, 11), "--sample", "3", "--sample", "11", "--sample", "3")
    assert result.exit_code == 0, result.output
    assert _tags(result.stdout) == {"[3]", "[11]"}
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["∂L/∂w[3]", "∂L/∂y", "·", "∂y/∂z_y", "·", "∂z_y/∂w", "9.000"] in rows  # 3²
    assert ["∂L/∂w[11]", "∂L/∂y", "·", "∂y/∂z_y", "·", "∂z_y/∂w", "121.000"] in rows  # 11²
    assert ["∂L/∂w", "Σ", "over", "all", "11", "samples", "506.000"] in rows
    assert "Showing samples 3, 11 of 11 in full (--sample 3 --sample 11)" in \
        " ".join(result.stdout.split())


def test_all_shows_every_sample(tmp_path: Path) -> None:
    result = invoke("step", _net(tmp_path, 11), "--all")
    assert result.exit_code == 0, result.output
    assert _tags(result.stdout) == {f"[{i}]" for i in range(1, 12)}
    assert "Summarised" not in result.stdout


@pytest.mark.parametrize("k", ["12", "999999999999999999999"])
def test_a_sample_out_of_range_is_a_usage_error(tmp_path: Path, k: str) -> None:
    result = invoke("step", _net(tmp_path, 11), "--sample", k)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"--sample {k}: no such sample; this network has 11 samples (1 to 11)" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("k", ["0", "-1", "two"])
def test_a_sample_that_is_no_number_from_one_is_a_usage_error(tmp_path: Path, k: str) -> None:
    result = invoke("step", _net(tmp_path, 11), "--sample", k)
    assert result.exit_code == 2 and result.stdout == ""
    assert "--sample" in result.stderr


def test_sample_on_one_sample(tmp_path: Path) -> None:
    result = invoke("step", "walkthrough", "--sample", "2")
    assert result.exit_code == 2
    assert "--sample 2: no such sample; this network has one sample (1)" in result.stderr
    assert invoke("step", "walkthrough", "--sample", "1").exit_code == 0


def test_json_holds_every_sample(tmp_path: Path) -> None:
    result = invoke("step", _net(tmp_path, 11), "--format", "json", "--sample", "2")
    assert result.exit_code == 2
    assert "--format json always holds every param and sample" in result.stderr


def _rows(doc: object) -> int:
    from backprop.render.layout import Group, Table

    if isinstance(doc, Group):
        return sum(_rows(p) for p in doc.parts)
    return len(doc.rows) if isinstance(doc, Table) else 0


def test_the_tables_make_no_row_for_a_sample_they_do_not_print() -> None:
    """The same network with 11 and with 3,000 samples: the same number of table rows."""
    from backprop.render.step import step_report

    few = step_report(step(load("n.yaml", text=_line(11))))
    many = step_report(step(load("n.yaml", text=_line(3000))))
    assert _rows(few) == _rows(many)


def test_a_large_network_with_many_samples(tmp_path: Path) -> None:
    """Over 200 params and 10 samples: layer summaries, and --param rows for the shown samples."""
    n_in = 201
    xs = ", ".join(f"x{i}: w{i}" for i in range(1, n_in + 1))
    params = "\n".join(f"  w{i}: 0.01" for i in range(1, n_in + 1))
    samples = "\n".join("  - {inputs: {" + ", ".join(f"x{i}: {k}" for i in range(1, n_in + 1))
                        + "}, targets: {y: 0}}" for k in range(1, 13))
    path = tmp_path / "wide.yaml"
    path.write_text(f"params:\n{params}\nnodes:\n  y: {{from: {{{xs}}}}}\nsamples:\n{samples}\n"
                    f"loss: sse\nlearning_rate: 0.001\n", encoding="utf-8")
    result = invoke("step", str(path), "--param", "w1")
    assert result.exit_code == 0, result.output
    assert _tags(result.stdout) == {"[1]"}
    # y_k = 201·0.01·k = 2.01k; ∂L/∂w1[k] = −2(0 − 2.01k)·k = 4.02k²; Σ_{k≤12} k² = 650
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["∂L/∂w1[1]", "∂L/∂y", "·", "∂y/∂z_y", "·", "∂z_y/∂w1", "4.020"] in rows
    assert ["∂L/∂w1", "Σ", "over", "all", "12", "samples", "2613.000"] in rows
    assert "Summarised: 12 samples" in " ".join(result.stdout.split())


# ---------------------------------------------------------------- explain: many uses, many samples

def _shared(uses: int, samples: int) -> str:
    """y = Σ_i x_i·w (identity) over `uses` inputs, all x_i = 1, w = 0.01, target 0, sse."""
    xs = [f"x{i}" for i in range(1, uses + 1)]
    ins = "{" + ", ".join(f"{x}: 1" for x in xs) + "}"
    rows = "\n".join(f"  - {{inputs: {ins}, targets: {{y: 0}}}}" for _ in range(samples))
    return (f"params: {{w: 0.01}}\nnodes:\n  y: {{from: {{{', '.join(f'{x}: w' for x in xs)}}}}}\n"
            f"samples:\n{rows}\nloss: sse\nlearning_rate: 0.0001\n")


# Worked by hand for 2,000 uses and 40 samples: y = 2000·0.01·1 = 20 at every sample,
# ∂L/∂y = −2(0 − 20) = 40, each term ∂L/∂y · ∂y/∂z_y · ∂z_y/∂w = 40·1·1 = 40, and
# ∂L/∂w = 40 · 2,000 uses · 40 samples = 3,200,000.
def test_a_weight_shared_by_thousands_of_edges_is_explained_in_a_few_blocks(tmp_path: Path) -> None:
    from backprop.explain import explain

    path = tmp_path / "shared.yaml"
    path.write_text(_shared(2000, 40), encoding="utf-8")
    ex = explain(step(load(path)), "w")
    assert len(ex.blocks) == 3 and ex.block_count == 80_000 and ex.use_count == 2000
    assert [b.value for b in ex.blocks] == pytest.approx([40.0, 40.0, 40.0], rel=1e-12)
    result = invoke("explain", "--weight", "w", str(path))
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Shown: 3 of the 80,000 terms (2,000 uses × 40 samples)" in out
    assert "∂L/∂w = Σ over the 80,000 terms (2,000 uses × 40 samples) = 3200000.000" in out
    assert "Σ over the 40 samples of (Σ over its 2,000 uses of" in out
    assert len(result.stdout) < 5_000  # three blocks, not 80,000


def test_explain_more_than_ten_samples(tmp_path: Path) -> None:
    """One use, 11 samples (the line network above): ∂L/∂w[i] = i², Σ = 506."""
    result = invoke("explain", "--weight", "w", _net(tmp_path, 11))
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    for i in (1, 2, 3):
        assert f"Sample {i}: 1 path from L to w" in out
        assert f"= {i * i}.000 " in out
    assert "Sample 4:" not in out
    assert "Shown: 3 of the 11 samples" in out
    assert "∂L/∂w = Σ over the 11 samples = 506.000" in out


def test_explain_ten_samples_shows_each(tmp_path: Path) -> None:
    result = invoke("explain", "--weight", "w", _net(tmp_path, 10))
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Sample 10: 1 path from L to w" in out and "Shown:" not in out
    assert "= 385.000" in out


def test_explain_chosen_samples(tmp_path: Path) -> None:
    result = invoke("explain", "--weight", "w", _net(tmp_path, 11), "--sample", "5",
                    "--sample", "2")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Sample 5: 1 path" in out and "Sample 2: 1 path" in out and "Sample 1:" not in out
    assert out.index("Sample 5:") < out.index("Sample 2:")
    assert "= 25.000 " in out and "= 4.000 " in out
    assert "Shown: 2 of the 11 samples, from --sample 5 --sample 2" in out
    assert "= 506.000" in out
    bad = invoke("explain", "--weight", "w", _net(tmp_path, 11), "--sample", "12")
    assert bad.exit_code == 2 and bad.stdout == ""
    assert "--sample 12: no such sample; this network has 11 samples (1 to 11)" in bad.stderr


# ---------------------------------------------------------------- names and titles

def test_a_name_of_two_million_characters_is_refused_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text("inputs: {x1: 0.5}\nparams: {w1: 0.3}\nnodes:\n"
                    f"  h: {{sum: {'z' * 2_000_000}, from: {{x1: w1}}}}\n"
                    "targets: {h: 1}\nloss: mse\nlearning_rate: 0.1\n", encoding="utf-8")
    result = invoke("step", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    # line 4, column 12: the sum's value starts after "  h: {sum: " (11 characters)
    assert result.stderr.startswith(f"backprop: error: {path}:4:12: nodes.h.sum: the name 'zzz")
    assert "is 2,000,000 characters; at most 100 are allowed for the sum's name" in result.stderr
    assert len(result.stderr) < 400


def test_a_name_of_one_hundred_characters_is_fine(tmp_path: Path) -> None:
    name = "n" * 100
    path = tmp_path / "hundred.yaml"
    path.write_text(f"inputs: {{x: 1}}\nparams: {{w: 0.5}}\nnodes:\n  {name}: {{from: {{x: w}}}}\n"
                    f"targets: {{{name}: 1}}\nloss: mse\nlearning_rate: 0.1\n", encoding="utf-8")
    assert invoke("step", str(path)).exit_code == 0
    result = invoke("step", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert name in json.loads(result.stdout)["samples"][0]["values"]


def test_a_template_that_generates_a_name_too_long(tmp_path: Path) -> None:
    """'w' + '{j}' × 21 is a 64-character template; at node j = 10,000 it makes 1 + 21·5 = 106."""
    template = "w" + "{j}" * 21
    rows = ", ".join("[1]" for _ in range(10_000))
    path = tmp_path / "wide.yaml"
    path.write_text(f"inputs: [1]\nnames: {{weight: '{template}'}}\nlayers:\n"
                    f"  - weights: [{rows}]\n  - weights: [[{', '.join(['1'] * 10_000)}]]\n"
                    "targets: [1]\nloss: mse\nlearning_rate: 0.1\n", encoding="utf-8")
    result = invoke("step", str(path), "--format", "json")
    assert result.exit_code == 2
    assert f"{path}:2:17: names.weight: template" in result.stderr
    assert "106 characters; a name may have at most 100" in result.stderr


def _fit_reference(natural: list[int], no_wrap: list[bool], room: int) -> list[int]:
    """The rule as first written: narrow the widest wrappable column one character at a time,
    to no less than 10 while that is enough, then (a narrow terminal) to no less than 1."""
    widths = list(natural)
    for floor in (10, 1):
        while sum(widths) > room:
            candidates = [i for i, w in enumerate(widths) if not no_wrap[i] and w > floor]
            if not candidates:
                break
            widths[max(candidates, key=widths.__getitem__)] -= 1
    return widths


def test_column_fitting_matches_one_character_at_a_time() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from backprop.render.layout import _fit

    @given(st.lists(st.tuples(st.integers(0, 80), st.booleans()), min_size=1, max_size=6),
           st.integers(0, 300))
    def same(columns: list[tuple[int, bool]], room: int) -> None:
        natural = [w for w, _ in columns]
        no_wrap = [n for _, n in columns]
        assert _fit(natural, no_wrap, room) == _fit_reference(natural, no_wrap, room)

    same()


def test_column_fitting_of_a_huge_cell_is_immediate() -> None:
    from backprop.render.layout import _fit

    # 2,000,000 + 5 + 9 characters into 80: the wide column takes what the others leave
    assert _fit([2_000_000, 5, 9], [False, True, True], 80) == [66, 5, 9]


def test_a_long_title_wraps() -> None:
    from backprop.render.layout import Text, plain

    out = plain(Text("word " * 100_000), width=80)
    assert max(map(len, out.splitlines())) <= 80 and out.split() == ["word"] * 100_000


# ---------------------------------------------------------------- the command line's edge cases

@pytest.mark.parametrize("args", [["step", ""], ["step", "  "], ["explain", "-w", "w1", ""],
                                  ["check", "", "networks/walkthrough.answers.yaml"],
                                  ["step", "", "--format", "json"], ["train", ""],
                                  ["graph", ""]])
def test_an_empty_net_is_an_error_not_the_walkthrough(args: list[str]) -> None:
    from conftest import ROOT

    args = [str(ROOT / a) if a.endswith(".yaml") else a for a in args]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("backprop: error: NET is ")
    assert "(an unset shell variable?)" in result.stderr and result.stderr.count("\n") == 1


def _run(args: list[str], *, stderr: str, stdin: int | None = None) -> tuple[int, bytes]:
    """`python -m backprop ARGS` with stderr a pipe nobody reads ("pipe") or closed ("closed")."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "backprop", *args]
    if stderr == "pipe":
        r, w = os.pipe()
        os.close(r)
        try:
            done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=w, env=env, cwd=ROOT,
                                  timeout=60)
        finally:
            os.close(w)
    else:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, cwd=ROOT, timeout=60,
                              preexec_fn=lambda: os.close(2))
    return done.returncode, done.stdout


@pytest.mark.parametrize("stderr", ["pipe", "closed"])
@pytest.mark.parametrize("args", [["step", "no-such-network.yaml"],
                                  ["step", "tests/bad/181-sum-name-too-long.yaml"],
                                  ["step", "--no-such-option"],
                                  ["step", "walkthrough", "--sample", "2"],
                                  ["step", ""]])
def test_unusable_input_exits_2_when_stderr_is_gone(args: list[str], stderr: str) -> None:
    code, out = _run(args, stderr=stderr)
    assert code == 2 and out == b""


def test_a_wrong_answer_still_exits_1_when_stderr_is_gone() -> None:
    code, out = _run(["check", "walkthrough", "networks/walkthrough.answers.yaml"], stderr="pipe")
    assert code == 1 and b"learning_rate_applied" in out


def test_ctrl_c_while_importing_is_130_without_a_traceback() -> None:
    """A KeyboardInterrupt raised by the import of click, as Ctrl-C during start-up would."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    script = ("import builtins, sys\n"
              "real = builtins.__import__\n"
              "def interrupted(name, *args, **kwargs):\n"
              "    if name == 'click':\n"
              "        raise KeyboardInterrupt\n"
              "    return real(name, *args, **kwargs)\n"
              "builtins.__import__ = interrupted\n"
              "sys.argv = ['backprop', 'step']\n"
              "from backprop.console import main\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 130
    assert done.stderr == b"backprop: interrupted\n" and done.stdout == b""


@pytest.mark.parametrize("where", ["parse_args", "_main_shell_completion"])
def test_ctrl_c_while_reading_options_is_130(monkeypatch: pytest.MonkeyPatch, where: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import click

    from backprop import cli as cli_module

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(click.Group, where, interrupted)
    monkeypatch.setattr("sys.argv", ["backprop", "step"])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    assert exit_.value.code == 130
    captured = capsys.readouterr()
    assert "Aborted!" not in captured.err and "Traceback" not in captured.err
    assert "backprop: interrupted" in captured.err and captured.out == ""


@pytest.mark.parametrize("columns", ["0", "1", "19", "99999999999", "-5", "wide"])
def test_a_terminal_with_an_unusable_columns_is_80_wide(monkeypatch: pytest.MonkeyPatch,
                                                        columns: str) -> None:
    """The terminal path (rich), forced: COLUMNS outside 20…10,000 is ignored, as for a pipe."""
    monkeypatch.setattr("backprop.cli._is_terminal", lambda out: True)
    result = invoke("step", env={"COLUMNS": columns, "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    widths = [len(line.rstrip()) for line in result.stdout.splitlines()]
    assert max(widths) <= 80 and max(widths) >= 60  # laid out at 80, not 0 or 1
    assert "∂L/∂w5" in result.stdout


def test_a_terminal_with_a_sane_columns_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backprop.cli._is_terminal", lambda out: True)
    result = invoke("step", "statquest", env={"COLUMNS": "40", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 40


def test_many_samples_at_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("backprop.cli._is_terminal", lambda out: True)
    result = invoke("step", _net(tmp_path, 11), env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert _tags(result.stdout) == {"[1]"}
    assert "Summarised: 11 samples" in " ".join(result.stdout.split())
