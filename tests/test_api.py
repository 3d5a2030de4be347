"""The Python API (backprop.load, .step, .explain, .train, backprop.check) against the walkthrough's
hand-worked numbers, its display (rich, HTML, repr), its errors, and the README's doctest."""

from __future__ import annotations

import dataclasses
import doctest
import io
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import backprop
from backprop.cli import cli
from backprop.errors import FileFormatError, SpecError, UsageError
from backprop.explain import Explanation
from conftest import NETWORKS

ROOT = Path(__file__).resolve().parents[1]
WALKTHROUGH = NETWORKS / "walkthrough.yaml"


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# The walkthrough worked by hand (README, "Where the published walkthrough slips"): z3 = 0.6003,
# ŷ = σ(0.6003) = 0.6457, L = (1 − ŷ)² = 0.1255, ∂L/∂w5 = −2(1 − ŷ)·ŷ(1 − ŷ)·h1 = −0.0998,
# w5_new = 0.55 − 0.1·(−0.0998) = 0.55998.
H1, H2 = sigma(0.5 * 0.7 + 0.3 * 0.4), sigma(0.5 * 0.3 + 0.3 * 0.6)
Y = sigma(H1 * 0.55 + H2 * 0.45)
L = (1 - Y) ** 2
G5 = -2 * (1 - Y) * Y * (1 - Y) * H1


def test_hand_worked_numbers_agree_with_the_published_ones() -> None:
    assert (round(Y, 4), round(L, 4), round(G5, 4), round(0.55 - 0.1 * G5, 5)) == (
        0.6457, 0.1255, -0.0998, 0.55998)


@pytest.mark.parametrize("source", ["walkthrough", str(WALKTHROUGH), WALKTHROUGH],
                         ids=["bundled name", "path as str", "pathlib.Path"])
def test_step_gives_the_walkthrough_numbers(source: str | Path) -> None:
    net = backprop.load(source)
    trace = net.step()
    assert isinstance(net, backprop.Net)
    assert math.isclose(trace.samples[0].values["y_hat"], Y, rel_tol=1e-12)
    assert math.isclose(trace.loss, L, rel_tol=1e-12)
    assert math.isclose(trace.gradients["w5"], G5, rel_tol=1e-12)
    assert math.isclose(trace.updated["w5"], 0.55 - 0.1 * G5, rel_tol=1e-12)
    assert round(trace.updated["w5"], 5) == 0.55998


def test_explain_gives_the_hand_worked_chain() -> None:
    ex = backprop.load("walkthrough").explain("w5")
    assert isinstance(ex, Explanation)  # the record itself
    assert math.isclose(ex.gradient, G5, rel_tol=1e-12)
    factors = ex.blocks[0].paths[0].factors
    assert [f.label for f in factors] == ["∂L/∂y_hat", "∂y_hat/∂z3", "∂z3/∂w5"]
    # −2(1 − ŷ), ŷ(1 − ŷ), h1
    for f, hand in zip(factors, [-2 * (1 - Y), Y * (1 - Y), H1], strict=True):
        assert math.isclose(f.value, hand, rel_tol=1e-12)
    assert math.isclose(ex.new, 0.55 - 0.1 * G5, rel_tol=1e-12)


def test_load_from_text_equals_load_from_file() -> None:
    text = WALKTHROUGH.read_text(encoding="utf-8")
    from_file, from_text = backprop.load(WALKTHROUGH), backprop.load(text)
    assert from_text.source_file == "<text>"
    assert dataclasses.replace(from_text, source_file=from_file.source_file) == from_file
    # named as the file is, the two are the same network
    assert backprop.load(text, display_name=str(WALKTHROUGH)) == from_file
    assert backprop.load(str(WALKTHROUGH), text=text) == from_file  # the form load took before
    assert from_text.step().gradients == from_file.step().gradients


def test_one_line_yaml_text_loads() -> None:
    # o = w·x = 0.8·1.5 = 1.2; half_sse: ∂L/∂w = (o − t)·x = (1.2 − 1)·1.5 = 0.3
    net = backprop.load("{inputs: {x: 1.5}, params: {w: 0.8}, nodes: {o: {from: {x: w}}}, "
                        "targets: {o: 1}, loss: half_sse, learning_rate: 0.1}")
    assert math.isclose(net.step().gradients["w"], 0.3, rel_tol=1e-12)


def test_a_file_wins_over_a_bundled_name_and_over_text(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("walkthrough").write_text(WALKTHROUGH.read_text(encoding="utf-8").replace(
        "learning_rate: 0.1", "learning_rate: 0.5"), encoding="utf-8")
    assert backprop.load("walkthrough").learning_rate == 0.5
    odd = "a: b.yaml"  # a file whose name looks like YAML
    Path(odd).write_text(WALKTHROUGH.read_text(encoding="utf-8"), encoding="utf-8")
    assert backprop.load(odd).source_file == odd


@pytest.mark.parametrize("source, kind, words", [
    ("walkthru", UsageError, "did you mean 'walkthrough'"),
    ("missing.yaml", FileFormatError, "missing.yaml: cannot read file"),
    ("", UsageError, "empty"),
    ("   ", UsageError, "only spaces"),
    ("x" * 5000, UsageError, "no such file"),  # too long a name for the system: no OSError
    ("bad\x00name", UsageError, "no such file"),
    ("inputs: {x: 1}\nloss: mse\n", SpecError, "<text>:1:1: missing 'nodes'"),
    ("inputs: [1, 2\n", FileFormatError, "<text>:"),
])
def test_unusable_sources_raise_located_backprop_errors(source: str, kind: type, words: str) -> None:
    with pytest.raises(kind) as err:
        backprop.load(source)
    assert words in str(err.value)
    assert "\x00" not in str(err.value)


def test_not_a_source_at_all() -> None:
    with pytest.raises(UsageError, match="found int"):
        backprop.load(3)  # type: ignore[arg-type]


def test_train_runs_the_walkthrough_downhill_and_continues_exactly() -> None:
    net = backprop.load("walkthrough")
    run = net.train(steps=10)
    assert run.steps == 10 and run.stop.code == "steps"
    assert math.isclose(run.losses[0], L, rel_tol=1e-12)
    assert all(b < a for a, b in zip(run.losses, run.losses[1:], strict=False))
    # one step of training is one gradient step: w5 − η·∂L/∂w5 by hand
    assert math.isclose(net.train(steps=1).final.params["w5"], 0.55 - 0.1 * G5, rel_tol=1e-12)
    # the final network is a Net: stepping it gives the loss the run ended at
    assert isinstance(run.final, backprop.Net)
    assert run.final.step().loss == run.losses[-1]


def test_train_stop_rules_by_name() -> None:
    net = backprop.load("walkthrough")
    # the loss starts at 0.1255 (above) and falls: below 0.12 after a few steps, never by 0.1
    until = net.train(steps=1000, until_loss=0.12)
    assert until.stop.code == "until_loss" and until.losses[-1] <= 0.12 < until.losses[-2]
    flat = net.train(steps=1000, min_improvement=0.1, window=3)
    assert flat.stop.code == "min_improvement" and flat.steps == 3


@pytest.mark.parametrize("options, field", [
    ({"steps": 0}, "steps"), ({"steps": 1_000_001}, "steps"), ({"steps": True}, "steps"),
    ({"steps": 2.0}, "steps"), ({"until_loss": -1}, "until_loss"),
    ({"until_loss": math.nan}, "until_loss"), ({"min_improvement": math.inf}, "min_improvement"),
    ({"window": 5}, "window"), ({"min_improvement": 0.1, "window": 0}, "window"),
])
def test_bad_training_options_are_usage_errors(options: dict, field: str) -> None:
    with pytest.raises(UsageError) as err:
        backprop.load("walkthrough").train(**options)
    assert str(err.value).startswith(f"{field}: ")


# The walkthrough's published page (README): ŷ printed 0.645 for 0.6457 (a rounding slip),
# ∂L/∂w5 printed −0.01 = η·(−0.0998) (the learning rate applied early), w5 = 0.551 =
# 0.55 − 0.1·(−0.01) (carried forward from that wrong gradient).
PAGE = {"y_hat": "0.645", "dL/dw5": "-0.01", "w5_new": "0.551"}
VERDICTS = [("y_hat", "rounding", None), ("dL/dw5", "wrong", "learning_rate_applied"),
            ("w5_new", "carried_forward", None)]


def _verdicts(report) -> list[tuple[str, str, str | None]]:
    return [(r.quantity, r.verdict, r.mistake) for r in report.results]


def test_check_a_dict_of_the_published_page() -> None:
    report = backprop.check(backprop.load("walkthrough"), PAGE)
    assert _verdicts(report) == VERDICTS
    assert (report.correct, report.total) == (1, 3)
    assert report.file == "<answers>"


def test_check_reads_text_a_path_and_a_step_alike(tmp_path) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in PAGE.items())
    sheet = tmp_path / "page.yaml"
    sheet.write_text(text, encoding="utf-8")
    net = backprop.load("walkthrough")
    for answers in (text, sheet, str(sheet)):
        assert _verdicts(backprop.check(net, answers)) == VERDICTS
    assert _verdicts(backprop.check(net.step(), PAGE, file="ada")) == VERDICTS
    assert backprop.check(net, sheet).file == str(sheet)


def test_check_keeps_written_decimals_of_a_string_and_reads_a_float_as_python_writes_it() -> None:
    # z1 = 0.5·0.7 + 0.3·0.4 = 0.47 exactly
    net = backprop.load("walkthrough")
    written, floated = (backprop.check(net, {"z1": v}).results[0] for v in ("0.470", 0.47))
    assert (written.decimals, floated.decimals) == (3, 2)
    assert written.verdict == floated.verdict == "correct"
    # h1 = σ(0.47) = 0.615383: 0.61 is 0.0054 off, more than half a unit of its last decimal
    # (0.005), within 1% of h1 (0.00615)
    assert backprop.check(net, {"h1": 0.61}).results[0].verdict != "correct"
    assert backprop.check(net, {"h1": 0.61}, tolerance="1%").results[0].verdict == "correct"


def test_check_takes_answer_records_as_before() -> None:
    from backprop.check import parse_answers
    from backprop.yamlsafe import load_text

    trace = backprop.step(backprop.load("walkthrough"))
    answers = parse_answers(load_text("dL/dw5: -0.01\n", "sheet.yaml"))
    report = backprop.check(trace, answers, "sheet.yaml")
    assert report.file == "sheet.yaml" and report.results[0].mistake == "learning_rate_applied"


@pytest.mark.parametrize("answers, kind, words", [
    ({}, UsageError, "no answers"),
    ({"z1": None}, UsageError, "z1: expected a number"),
    ({"z1": True}, UsageError, "z1: expected a number"),
    ({"z1": math.nan}, UsageError, "not a finite number"),
    ({3: 0.47}, UsageError, "a quantity is a name"),
    ({"z1": "0.47 # more"}, SpecError, "z1: expected a number, found '0.47 # more'"),
    ({"dL/dw5": -0.1, "∂L/∂w5": -0.1}, SpecError, "∂L/∂w5"),
])
def test_bad_answers_raise_backprop_errors_without_made_up_lines(answers, kind, words) -> None:
    with pytest.raises(kind) as err:
        backprop.check(backprop.load("walkthrough"), answers)
    message = str(err.value)
    assert words in message and message.startswith("<answers>: ")
    assert not re.match(r"<answers>:\d", message)  # the YAML made from a dict has no lines to cite


# ---------------------------------------------------------------- display

def _cli(*args: str) -> str:
    result = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1"}).invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def test_print_gives_the_commands_report(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    net = backprop.load("walkthrough")
    assert str(net.step()) == _cli("step").rstrip("\n")
    assert str(net.explain("w5")) == _cli("explain", "--weight", "w5").rstrip("\n")
    assert str(net.train(steps=20)) == _cli("train", "--steps", "20").rstrip("\n")
    sheet = str(NETWORKS / "walkthrough.answers.yaml")
    report = backprop.check(net, sheet, file=sheet)
    assert str(report) == _cli("check", "walkthrough", sheet).rstrip("\n")


def test_rich_shows_the_same_tables_as_the_terminal() -> None:
    from backprop.render.layout import to_rich
    from backprop.render.step import step_report

    def shown(renderable: object) -> str:
        console = Console(width=100, file=io.StringIO(), color_system=None)
        console.print(renderable)
        return console.file.getvalue()  # type: ignore[attr-defined]

    trace = backprop.load("walkthrough").step()
    assert shown(trace) == shown(to_rich(step_report(trace)))
    assert "∂L/∂w5" in shown(trace) and "-0.100" in shown(trace)


class _Checker(HTMLParser):
    """Well-formed: every tag closed in order; records the tags and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: set[str] = set()
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.open.append(tag)
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing open"

    def handle_data(self, data: str) -> None:
        self.text += data


HOSTILE = WALKTHROUGH.read_text(encoding="utf-8").replace(
    "title: 2-2-1 sigmoid network, one training step",
    "title: \"<script>alert('x')</script> & <img src=x onerror=alert(1)>\"")


@pytest.mark.parametrize("record", ["step", "explain", "train", "check"])
def test_html_is_valid_self_contained_and_escapes_user_text(record: str) -> None:
    net = backprop.load(HOSTILE, display_name="<b>net</b>.yaml")
    assert net.title is not None and "<script>" in net.title
    made = {"step": net.step, "explain": lambda: net.explain("w5"),
            "train": lambda: net.train(steps=5),
            "check": lambda: backprop.check(net, PAGE, file="<i>ada</i>")}[record]()
    html = made._repr_html_()
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.open == [] and checker.tags <= {"pre", "code", "span"}
    assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "://" not in html and "url(" not in html  # nothing fetched from elsewhere
    numbers = {"step": ["0.646", "-0.100", "0.560", "&lt;script&gt;"], "explain": ["-0.100", "0.560"],
               "train": ["0.126", "&lt;script&gt;"], "check": ["-0.01", "&lt;i&gt;ada&lt;/i&gt;"]}
    for number in numbers[record]:
        assert number in html
    for number in numbers[record]:
        assert number.replace("&lt;", "<").replace("&gt;", ">") in checker.text


def test_repr_is_one_short_line_with_the_headline_numbers() -> None:
    net = backprop.load(HOSTILE, display_name="evil\x1b[2J\n.yaml")
    records = [net, net.step(), net.explain("w5"), net.train(steps=3), backprop.check(net, PAGE)]
    for made in records:
        line = repr(made)
        assert "\n" not in line and "\x1b" not in line and len(line) < 200, line
    assert "6 params" in repr(net) and "η = 0.1" in repr(net)
    assert "0.125518" in repr(records[1])  # L = (1 − 0.6457)² to six figures
    assert "-0.0997525" in repr(records[2])
    assert "3 steps" in repr(records[3]) and "1/3 correct" in repr(records[4])


def test_records_are_frozen() -> None:
    trace = backprop.load("walkthrough").step()
    for made, name in [(trace, "loss"), (trace, "anything"), (trace.explain("w5"), "_notes"),
                       (backprop.load("walkthrough"), "title")]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(made, name, 1)


# ---------------------------------------------------------------- the package

def _fresh(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT / "src")}, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_functions_keep_their_names_whatever_is_imported_first() -> None:
    out = _fresh("import backprop.check, backprop.explain, backprop\n"
                 "net = backprop.load('walkthrough')\n"
                 "print(backprop.check(net, {'z1': 0.47}).correct, backprop.explain(net.step(), 'w5').param)")
    assert out.split() == ["1", "w5"]


def test_importing_backprop_imports_no_api() -> None:
    out = _fresh("import sys, backprop\nprint(sorted(m for m in sys.modules if m.startswith('backprop')))")
    assert out.strip() == "['backprop']"


def test_readme_python_examples_pass_as_doctests(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if ">>>" in b]
    assert blocks, "the README's Python API section has doctest examples"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    # one session, as a reader types the blocks in order
    runner.run(parser.get_doctest("\n".join(blocks), {}, "README.md python blocks", "README.md", 0))
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0
