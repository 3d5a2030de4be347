"""`backprop new`: exercise networks, their keys and worksheets, and the question tests (STACK's,
for backprop) proved on every written variant by a simulation written here from the math."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from backprop.answers import Answer
from backprop.check import Grader, check, load_answers
from backprop.cli import cli
from backprop.engine import run
from backprop.exercise import Spec, make
from backprop.spec import load

# shapes and activations the default run samples; the slow run writes 30 variants of each
FAST = [((2, 2, 1), "sigmoid", "mse"), ((2, 2, 2), "sigmoid", "cross_entropy"),
        ((2, 2, 1), "tanh", "half_sse"), ((2, 3, 1), "relu", "bce")]
SLOW = [(*case, 1) for case in FAST] + [
    ((2, 3, 1), "tanh", "mse", 1), ((2, 2, 1), "relu", "mse", 1), ((2, 2, 1), "sigmoid", "bce", 2),
    ((2, 2, 2), "tanh", "cross_entropy", 2), ((3, 2, 1), "relu", "sse", 1)]


def new(tmp: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["new", "--out", str(tmp), *args])
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- files and reproducibility

def test_files_follow_the_naming_convention(tmp_path: Path) -> None:
    code, _, err = new(tmp_path, "--variants", "3", "--answers", "--worksheet")
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"exercise-v0{k}{ext}" for k in (1, 2, 3) for ext in
                           (".yaml", ".answers.yaml", ".answers.md", ".worksheet.md", ".worksheet.tex"))
    assert yaml.safe_load((tmp_path / "exercise-v02.yaml").read_text())["title"].endswith(" (variant v02)")


def test_one_exercise_without_variants_has_no_label(tmp_path: Path) -> None:
    code, _, err = new(tmp_path, "--name", "hw3", "--answers")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw3.answers.md", "hw3.answers.yaml", "hw3.yaml"]
    assert "variant" not in yaml.safe_load((tmp_path / "hw3.yaml").read_text())["title"]


def test_labels_are_as_wide_as_the_count(tmp_path: Path) -> None:
    from backprop.exercise import variant_label

    assert [variant_label(k, 9) for k in (1, 9)] == ["v01", "v09"]
    assert [variant_label(k, 120) for k in (1, 120)] == ["v001", "v120"]


@pytest.mark.parametrize("shape", [[], ["--shape", "2-2-2", "--loss", "half_sse"]])
def test_the_same_seed_writes_the_same_bytes(tmp_path: Path, shape: list[str]) -> None:
    # the second shape rarely asks the whole core: its variants are the best of several draws
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder, seed in ((a, "7"), (b, "7"), (c, "8")):
        code, _, err = new(folder, "--seed", seed, "--variants", "2", "--answers", "--worksheet",
                           *shape)
        assert code == 0, err
    for path in a.iterdir():
        assert path.read_bytes() == (b / path.name).read_bytes(), path.name
    assert (a / "exercise-v01.yaml").read_bytes() != (c / "exercise-v01.yaml").read_bytes()


def test_existing_files_are_kept_unless_forced(tmp_path: Path) -> None:
    assert new(tmp_path)[0] == 0
    (tmp_path / "exercise.yaml").write_text("mine\n")
    code, out, err = new(tmp_path)
    assert code == 2 and "exercise.yaml" in err and "--force" in err and out == ""
    assert (tmp_path / "exercise.yaml").read_text() == "mine\n"
    assert new(tmp_path, "--force")[0] == 0
    assert (tmp_path / "exercise.yaml").read_text() != "mine\n"


@pytest.mark.parametrize("args, says", [
    (["--shape", "2"], "--shape"), (["--shape", "2-x-1"], "--shape"), (["--shape", "2-9-1"], "between 1 and"),
    (["--shape", "2-2-2-2-2-1"], "at most"), (["--activation", "softmax"], "--activation"),
    (["--activation", "nope"], "--activation"), (["--loss", "hinge"], "--loss"),
    (["--loss", "cross_entropy", "--shape", "2-2-1"], "at least 2 outputs"),
    (["--name", "../x"], "--name"), (["--name", "a\x1bb"], "--name"), (["--name", ""], "--name"),
    (["--variants", "0"], "--variants"), (["--decimals", "0"], "--decimals"),
])
def test_bad_options_are_one_line_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    code, out, err = new(tmp_path, *args)
    assert code == 2 and says in err and "Traceback" not in err
    assert "\x1b" not in err and out == ""


def test_the_output_activation_follows_the_loss(tmp_path: Path) -> None:
    # bce needs probabilities: a sigmoid output even under relu hidden nodes; cross-entropy a softmax
    code, _, err = new(tmp_path, "--activation", "relu", "--loss", "bce", "--shape", "2-3-1")
    assert code == 0, err
    nodes = yaml.safe_load((tmp_path / "exercise.yaml").read_text())["nodes"]
    assert [n["activation"] for n in nodes.values()] == ["relu", "relu", "relu", "sigmoid"]


def test_numbers_are_hand_workable(tmp_path: Path) -> None:
    assert new(tmp_path, "--variants", "4", "--samples", "2")[0] == 0
    for path in tmp_path.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        numbers = [*doc["params"].values()] + [v for s in doc["samples"] for v in
                                              (*s["inputs"].values(), *s["targets"].values())]
        assert all(round(v, 2) == v for v in numbers)
        assert doc["learning_rate"] in (0.2, 0.3, 0.4)  # never 1 (nor 0.1 or 0.5: see exercise.py)


# ---------------------------------------------------------------- the key

@pytest.mark.parametrize("shape, activation, loss", FAST)
@pytest.mark.parametrize("samples", [1, 2])
def test_check_of_each_variant_against_its_key_is_all_correct(tmp_path: Path, shape, activation,
                                                              loss, samples: int) -> None:
    code, _, err = new(tmp_path, "--shape", "-".join(map(str, shape)), "--activation", activation,
                       "--loss", loss, "--samples", str(samples), "--variants", "2", "--answers",
                       "--seed", str(11 * samples))
    assert code == 0, err
    for net_file in sorted(tmp_path.glob("exercise-v??.yaml")):
        trace = run(load(net_file))
        key = net_file.with_suffix(".answers.yaml")
        report = check(trace, load_answers(key), str(key))
        assert report.counts["correct"] == report.total > 10
        assert CliRunner().invoke(cli, ["check", str(net_file), str(key)]).exit_code == 0


def test_the_key_page_has_one_chain_per_quantity(tmp_path: Path) -> None:
    assert new(tmp_path, "--answers")[0] == 0
    text = (tmp_path / "exercise.answers.yaml").read_text()
    keys = yaml.safe_load(text)
    page = (tmp_path / "exercise.answers.md").read_text()
    # the asked quantities, then the rest of the step (commented out in the answers file)
    chains = [line for line in page.split("## Not asked")[0].splitlines() if line.startswith("- $")]
    assert len(chains) == len(keys)
    commented = [line for line in text.splitlines() if line.startswith("# ") and ": " in line
                 and not line.startswith(("# answer key", "# not asked", "# (mark"))]
    assert len([line for line in page.splitlines() if line.startswith("- $")]) == \
        len(keys) + len(commented) and commented
    assert any(line.startswith(r"- $\frac{\partial L}{\partial w_{5}} = ") for line in chains)
    # an update's chain: w_new = w − η·g = number, with the file's w and η
    doc = yaml.safe_load((tmp_path / "exercise.yaml").read_text())
    w5 = next(line for line in chains if line.startswith(r"- $w_{5}^{\text{new}}"))
    assert f"= {doc['params']['w5']:g} - {doc['learning_rate']:g}" in w5


# ---------------------------------------------------------------- question tests, simulated here

def _sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def _Phi(z: float) -> float:  # the standard normal's distribution function, and φ its density
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _phi(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def _f(act: str, z: float) -> float:
    return {"sigmoid": lambda: _sigma(z), "tanh": lambda: math.tanh(z), "relu": lambda: max(z, 0.0),
            "identity": lambda: z, "leaky_relu": lambda: z if z > 0 else 0.01 * z,
            "softplus": lambda: math.log1p(math.exp(z)), "gelu": lambda: z * _Phi(z),
            "silu": lambda: z * _sigma(z)}[act]()


def _fprime(act: str, z: float, h: float, at: str) -> float:
    if at == "z_for_h" and act in ("sigmoid", "tanh"):  # σ′ written z(1 − z), tanh′ 1 − z²: z for h
        h = z
    if at == "h_for_z":  # f′ taken at h = f(z) instead of at z
        z, h = h, _f(act, h)
    return {"sigmoid": lambda: h * (1 - h), "tanh": lambda: 1 - h * h,
            "relu": lambda: 1.0 if z > 0 else 0.0, "identity": lambda: 1.0,
            "leaky_relu": lambda: 1.0 if z > 0 else 0.01, "softplus": lambda: _sigma(z),
            "gelu": lambda: _Phi(z) + z * _phi(z),
            "silu": lambda: _sigma(z) * (1 + z * (1 - _sigma(z)))}[act]()


def simulate(doc: dict, *, loss_factor: float = 1.0, at: str = "true",
             backward: dict | None = None, dropped: tuple[str, str] | None = None) -> dict[str, float]:
    """∂L/∂p for every param, from the textbook formulas: δ_out = ∂L/∂o · f′(z) (or the fused
    (o − t)/D for bce with σ and cross-entropy with softmax), δ_h = f′(z_h)·Σ w·δ, ∂L/∂w = δ·source.
    `dropped` = (consumer, node): the term of that consumer left out of the node's sum Σ w·δ."""
    params = doc["params"]
    back = backward or params
    samples = doc.get("samples") or [{"inputs": doc["inputs"], "targets": doc["targets"]}]
    loss = doc["loss"]
    outputs = list(samples[0]["targets"])
    n, s_count = len(samples) * len(outputs), len(samples)
    grads = dict.fromkeys(params, 0.0)
    for sample in samples:
        v, z = dict(sample["inputs"]), {}
        for name, node in doc["nodes"].items():
            z[name] = sum(v[src] * params[w] for src, w in node["from"].items()) + params[node["bias"]]
            if node["activation"] != "softmax":
                v[name] = _f(node["activation"], z[name])
        if loss == "cross_entropy":
            top = max(z[o] for o in outputs)
            total = sum(math.exp(z[o] - top) for o in outputs)
            v.update({o: math.exp(z[o] - top) / total for o in outputs})
        t, delta = sample["targets"], {}
        for o in outputs:
            act = doc["nodes"][o]["activation"]
            if loss == "bce" and at != "true":  # f′ at z for the output too: ∂L/∂o·z(1 − z)
                dldo = (v[o] - t[o]) / (v[o] * (1 - v[o])) / n
                delta[o] = loss_factor * dldo * _fprime(act, z[o], v[o], at)
            elif loss in ("bce", "cross_entropy"):  # fused: ∂L/∂z = (o − t)/D
                delta[o] = loss_factor * (v[o] - t[o]) / (n if loss == "bce" else s_count)
            else:
                c = {"mse": 2 / n, "sse": 2.0, "half_sse": 1.0}[loss]
                delta[o] = loss_factor * -c * (t[o] - v[o]) * _fprime(act, z[o], v[o], at)
        for name in reversed(list(doc["nodes"])):
            if name in outputs:
                continue
            g = sum(back[node["from"][name]] * delta[c] for c, node in doc["nodes"].items()
                    if name in node["from"] and (c, name) != dropped)
            delta[name] = g * _fprime(doc["nodes"][name]["activation"], z[name], v[name], at)
        for name, node in doc["nodes"].items():
            for src, w in node["from"].items():
                grads[w] += v[src] * delta[name]
            grads[node["bias"]] += delta[name]
    return grads


def _reduction_factor(doc: dict) -> float | None:
    """mean and sum confused (README): a mean loss's 1/D forgotten multiplies every backward
    number by D (N = samples × outputs for mse and bce, S = samples for cross-entropy); a sum
    divided by N anyway multiplies it by 1/N. None where that factor is 1, 2 or ½, which are no
    mistake or factor_of_two's."""
    samples = doc.get("samples") or [{"targets": doc["targets"]}]
    n, s_count = len(samples) * len(samples[0]["targets"]), len(samples)
    factor = {"mse": n, "bce": n, "cross_entropy": s_count}.get(doc["loss"], 1 / n)
    return None if factor in (1, 2, 0.5) else float(factor)


def _paths_left_out(doc: dict) -> list[tuple[str, str]]:
    """Every (consumer, node) term of a multi-path sum ∂L/∂h = Σ_c w_ch·δ_c, in the file's node
    order: node by node, then its consumers in order (the order the catalogue tries them)."""
    nodes = doc["nodes"]
    out = []
    for name in nodes:
        consumers = [c for c, node in nodes.items() if name in node["from"]]
        if len(consumers) > 1:
            out += [(c, name) for c in consumers]
    return out


def simulated_mistakes(doc: dict, unit: float) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The true gradient and update of every param, and each mistake's number for them, keyed
    by the answers file's names (dL/dw5, w5_new): the eight mistakes as the README describes
    them. A mistake with several ways (which path is left out) gives its first one that moves
    the number by more than half a unit (the catalogue's canonical number)."""
    eta, params = doc["learning_rate"], doc["params"]
    true = simulate(doc)
    sign, doubled = simulate(doc, loss_factor=-1.0), simulate(doc, loss_factor=2.0)
    stale = simulate(doc, backward={p: params[p] - eta * true[p] for p in params})
    # f′ at the wrong value: written with z where h belongs (σ, tanh), else taken at h
    pre_z, pre_h = simulate(doc, at="z_for_h"), simulate(doc, at="h_for_z")
    factor = _reduction_factor(doc)
    confused = simulate(doc, loss_factor=factor) if factor is not None else None
    missing = [simulate(doc, dropped=term) for term in _paths_left_out(doc)]
    truth, out = {}, {}
    for p in params:
        truth[f"dL/d{p}"], truth[f"{p}_new"] = true[p], params[p] - eta * true[p]
        grads = {"sign": sign[p], "learning_rate_applied": eta * true[p], "factor_of_two": doubled[p],
                 "updated_weight": stale[p], "decimal_shift": true[p] / 10}
        if doc["loss"] in ("mse", "sse", "half_sse") or len(doc["nodes"]) > len(doc.get("targets") or
                                                                                 doc["samples"][0]["targets"]):
            # the first of the two that moves ∂L/∂p by more than half a unit (the canonical one)
            grads["pre_activation"] = pre_z[p] if abs(pre_z[p] - true[p]) > unit / 2 else pre_h[p]
        if confused is not None:
            grads["reduction"] = confused[p]
        out[f"dL/d{p}"] = dict(grads)
        out[f"{p}_new"] = {code: params[p] - eta * g for code, g in grads.items()
                           if code not in ("learning_rate_applied", "decimal_shift")}
        out[f"{p}_new"]["learning_rate_applied"] = params[p] - eta * eta * true[p]
        out[f"{p}_new"]["decimal_shift"] = truth[f"{p}_new"] / 10
        for quantity, scale, shift in ((f"dL/d{p}", 1.0, 0.0), (f"{p}_new", -eta, params[p])):
            # the gradient itself, or the update p − η·g
            first = next((shift + scale * m[p] for m in missing
                          if abs(scale * (m[p] - true[p])) > unit / 2), None)
            if first is not None:
                out[quantity]["missing_path"] = first
    return truth, out


def asked_in_key(key_file: Path) -> set[str]:
    """The quantities a key asks: its entries (the rest of the step is in comments)."""
    return set(yaml.safe_load(key_file.read_text()))


def assert_worth_marking(net_file: Path, asked: set[str], decimals: int = 3) -> int:
    """Each mistake's number on each gradient and update the key asks, written to the precision,
    is marked wrong with that mistake named, and lies apart from every other's."""
    doc = yaml.safe_load(net_file.read_text())
    trace = run(load(net_file))
    unit = 10.0 ** -decimals
    truth, numbers = simulated_mistakes(doc, unit)
    grader = Grader(trace)  # one per network, as a class is marked: the same verdicts as check()
    proved = 0
    for quantity, by_code in numbers.items():
        if quantity not in asked:
            continue
        assert abs(truth[quantity]) >= unit / 2, quantity  # no asked quantity rounds to 0
        # a mistake shows where it moves the answer by more than half a unit; a 0 is never
        # decimal_shift (README): a tenth that rounds to 0 names no mistake
        shown = {c: v for c, v in by_code.items() if abs(v - truth[quantity]) > unit / 2 and
                 not (c == "decimal_shift" and abs(v) < unit / 2)}
        for code, value in shown.items():
            for other, w in shown.items():
                assert other == code or abs(value - w) > 1.5 * unit, (quantity, code, other)
            text = f"{value:.{decimals}f}"
            report = grader.check([Answer(key=quantity, given=float(text), text=text,
                                          exponent=-decimals)], "sheet")
            result = report.results[0]
            assert (result.verdict, result.mistake) == ("wrong", code), (net_file.name, quantity, text,
                                                                         result)
            proved += 1
    return proved


def assert_variants(folder: Path, decimals: int = 3) -> int:
    """Every variant in the folder: worth marking on what its key asks, and all correct against
    its own key."""
    proved = 0
    nets = sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".answers.yaml"))
    assert nets
    for net_file in nets:
        key = net_file.with_name(net_file.name[:-len(".yaml")] + ".answers.yaml")
        proved += assert_worth_marking(net_file, asked_in_key(key), decimals)
        report = check(run(load(net_file)), load_answers(key), str(key))
        assert report.counts["correct"] == report.total > 0, net_file.name
    return proved


@pytest.mark.parametrize("shape, activation, loss", [*FAST, ((2, 2, 2), "sigmoid", "half_sse")])
def test_every_written_variant_is_worth_marking(tmp_path: Path, shape, activation, loss) -> None:
    code, _, err = new(tmp_path, "--shape", "-".join(map(str, shape)), "--activation", activation,
                       "--loss", loss, "--variants", "3", "--seed", "5", "--answers")
    assert code == 0, err
    assert assert_variants(tmp_path) > 0


#: the bundled networks' shapes (networks/*.yaml: walkthrough, layered, scalar-chain,
#: softmax-classifier, statquest, tutorial-jhz, two-paths), every hidden activation `new` offers,
#: two deeper networks and a finer precision
BUNDLED = [("2-2-1", "sigmoid", "mse", 1, 3), ("2-2-2", "sigmoid", "half_sse", 1, 3),
           ("2-2-2", "sigmoid", "sse", 1, 3), ("1-1-1", "sigmoid", "sse", 1, 3),
           ("2-3-3", "relu", "cross_entropy", 2, 3), ("1-2-1", "softplus", "sse", 3, 3),
           ("3-3-1", "tanh", "half_sse", 2, 3), ("2-2-2-1", "sigmoid", "sse", 1, 3),
           *(("2-2-1", act, "mse", 1, 3) for act in ("gelu", "identity", "leaky_relu", "relu",
                                                     "silu", "softplus", "tanh")),
           ("2-2-1", "sigmoid", "bce", 2, 3), ("2-3-3-1", "sigmoid", "mse", 1, 3),
           ("3-4-2", "sigmoid", "mse", 1, 3), ("2-2-1", "sigmoid", "mse", 1, 4),
           ("2-2-2", "sigmoid", "half_sse", 1, 4)]


@pytest.mark.slow
@pytest.mark.parametrize("shape, activation, loss, samples, decimals", BUNDLED)
def test_thirty_variants_of_each_bundled_shape_are_worth_marking_and_pass_their_keys(
        tmp_path: Path, shape: str, activation: str, loss: str, samples: int, decimals: int) -> None:
    code, _, err = new(tmp_path, "--shape", shape, "--activation", activation, "--loss", loss,
                       "--samples", str(samples), "--variants", "30", "--answers",
                       "--decimals", str(decimals))
    assert code == 0, err
    assert assert_variants(tmp_path, decimals) > 0


def test_a_variant_asks_only_what_can_be_told_apart_and_says_what_it_leaves_out(tmp_path: Path) -> None:
    # the layered example's shape: some first-layer gradients are too small at 3 decimals for
    # every mistake to show; they are left out of the key and the worksheet, and the report
    # names them with the mistakes that agree there
    code, out, err = new(tmp_path, "--shape", "2-2-2", "--loss", "half_sse", "--answers",
                         "--worksheet", "--report")
    assert code == 0, err
    key = (tmp_path / "exercise.answers.yaml").read_text()
    asked = asked_in_key(tmp_path / "exercise.answers.yaml")
    sheet = (tmp_path / "exercise.worksheet.md").read_text()
    assert {line.split("(`")[1].split("`)")[0] for line in sheet.splitlines()
            if line.endswith("= ______")} == asked
    left = out.split("Not asked", 1)[1].splitlines()[1]
    for item in left.split(": ", 1)[1].split("; "):
        name = item.split(" (")[0]
        assert name not in asked and f"# {name}: " in key, item
        assert " agree)" in item or "too close" in item or "rounds to 0" in item


def test_the_report_counts_draws_and_where_mistakes_show(tmp_path: Path) -> None:
    code, out, err = new(tmp_path, "--variants", "2", "--report")
    assert code == 0, err
    table = out.split("\n\n", 1)[1].splitlines()
    assert table[1].split()[:5] == ["variant", "draws", "asked", "left", "out"]
    assert "decimal_shift" in table[1]
    rows = table[2:4]
    assert [row.split()[0] for row in rows] == ["v01", "v02"]
    assert all(int(row.split()[1]) >= 1 for row in rows)


def test_make_is_deterministic_and_counts_its_draws() -> None:
    spec = Spec((2, 2, 1), "sigmoid", "mse")
    a, b = make(spec, 3, "t", "v01", 1), make(spec, 3, "t", "v01", 1)
    assert a.text == b.text and a.draws == b.draws >= 1


# ---------------------------------------------------------------- the worksheet

HOSTILE = "a_b$c%d&e#f{g}h~i^j k<l>m|n*o[p]`q"


def test_worksheet_lists_the_givens_and_escapes_the_name(tmp_path: Path) -> None:
    code, _, err = new(tmp_path, "--worksheet", "--answers", "--name", HOSTILE)
    assert code == 0, err
    md = (tmp_path / f"{HOSTILE}.worksheet.md").read_text()
    tex = (tmp_path / f"{HOSTILE}.worksheet.tex").read_text()
    doc = yaml.safe_load((tmp_path / f"{HOSTILE}.yaml").read_text())
    assert doc["title"].startswith(HOSTILE)  # YAML kept the name as written
    # the Markdown writer's escapes (CommonMark 0.31): `_` inside a word opens no emphasis (§6.2),
    # & as its entity (§2.5), # and % mid-line start nothing; read back in test_worksheet_hostile
    assert HOSTILE not in md and r"a_b\$c%d&amp;e#f{g}h\~i^j k\<l\>m\|n\*o\[p\]\`q" in md
    # notation.latex_text's escapes, as every LaTeX writer's: \~{} and \^{} (the kernel's accents
    # over nothing) where the worksheet had \textasciitilde{} and \textasciicircum{}
    assert r"a\_b\$c\%d\&e\#f\{g\}h\~{}i\^{}j k\textless{}l" in tex
    for p, value in doc["params"].items():
        assert f"| ${p[0]}_{{{p[1:]}}}$ | {value:g} |" in md
    assert "to 3 decimals" in md and "to 3 decimals" in tex
    asked = [line for line in md.splitlines() if line.endswith("= ______")]
    assert any("(`dL/dw1`)" in line for line in asked) and len(asked) > 10


def test_worksheet_compiles_with_pdflatex(tmp_path: Path) -> None:
    import os

    if shutil.which("pdflatex") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is missing in CI (.ci/run installs it)")
        pytest.skip("no pdflatex")
    assert new(tmp_path, "--worksheet", "--name", HOSTILE + "é", "--samples", "2",
               "--shape", "2-2-2", "--loss", "cross_entropy")[0] == 0
    tex = next(tmp_path.glob("*.worksheet.tex"))
    (tmp_path / "w.tex").write_text(tex.read_text())
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "w.tex"],
                          cwd=tmp_path, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "w.pdf").stat().st_size > 1000
