"""The shape STYLE.md gives the code, read from the source with ast: imports point one way with
no cycle, only cli.py imports click, only render/ and cli.py import rich, and nothing below
cli.py speaks of the command line's options."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "backprop"
#: the command line and its two entry points (python -m backprop, the console script)
TOP = {"backprop.cli", "backprop.__main__", "backprop.console"}
#: the two front ends: the command line and the Python API (api.py), which displays the same
#: reports in a terminal (rich) and in Jupyter (HTML); neither is imported by the domain
FRONTS = TOP | {"backprop.api"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """Every module `name` imports, at the top or inside a function (a lazy import is still a
    dependency): absolute names, `from package import module` read as the module."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module is not None, f"{name}: a relative import"
            subs = {f"{node.module}.{a.name}" for a in node.names}
            # `from backprop import safe` depends on backprop.safe, not on the package's API
            found |= subs if subs <= MODULES.keys() else {node.module, *(subs & MODULES.keys())}
    return found


def _ours(names: set[str]) -> set[str]:
    return {n for n in names if n in MODULES}


GRAPH = {name: _ours(_imports(name)) - {name} for name in MODULES}


def test_the_graph_is_read() -> None:
    # a reader that found nothing would make every test below pass vacuously
    assert "backprop.engine" in GRAPH["backprop.cli"] or "backprop.engine" in _imports("backprop.cli")
    assert "backprop.render.layout" in GRAPH["backprop.render.tables"]
    assert "backprop.trace" in GRAPH["backprop.engine"]


def test_no_import_cycles() -> None:
    """Depth-first search for a back edge; the cycle found is named in the failure."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for dep in sorted(GRAPH[name]):
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep):], dep]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if dep not in state:
                visit(dep)
        path.pop()
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name)


def test_only_the_command_line_imports_click() -> None:
    users = {n for n in MODULES if any(i == "click" or i.startswith("click.") for i in _imports(n))}
    assert users - TOP == set()


def test_only_render_and_the_command_line_import_rich() -> None:
    users = {n for n in MODULES if any(i == "rich" or i.startswith("rich.") for i in _imports(n))}
    assert {n for n in users if not n.startswith("backprop.render")} - TOP == set()


def test_imports_point_one_way() -> None:
    """cli → render → explain/check → engine → spec → registries → errors: no module imports
    the command line, and the domain (everything outside render/ and the top) imports no
    renderer."""
    for name, deps in GRAPH.items():
        if name not in TOP:
            assert deps & {"backprop.cli", "backprop.console", "backprop.__main__"} == set(), name
        if name not in FRONTS and name != "backprop":
            assert "backprop.api" not in deps, name
        if name not in FRONTS and not name.startswith("backprop.render") and name != "backprop":
            assert {d for d in deps if d.startswith("backprop.render")} == set(), name


OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
#: modules that still word an option below cli.py, each with what is left to move: an entry
#: here that is no longer needed fails the test, so the list can only shrink
KNOWN: dict[str, str] = {}


def _option_words(name: str) -> set[str]:
    """Options named in a module's string constants (docstrings and comments aside)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    docstrings = {id(n.value) for n in ast.walk(tree)
                  if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    return {m for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
            for m in OPTION.findall(n.value)}


def test_nothing_below_the_command_line_speaks_of_its_options() -> None:
    speaking = {n: _option_words(n) for n in MODULES if n not in TOP}
    assert {n for n, words in speaking.items() if words} == set(KNOWN), speaking


def test_the_option_finder_finds_options() -> None:
    assert OPTION.findall("--sample 3: no such sample; see --format json") == ["--sample", "--format"]
    assert OPTION.findall("x1 − -2 and a rule ──────") == []


def test_the_records_hold_numbers_and_names_not_printed_text() -> None:
    # rounding and layout belong to the renderers: the network, the engine, the Trace and the
    # readers of the Trace (factors, explain) never import the notation that prints numbers
    for name in ("backprop.network", "backprop.engine", "backprop.trace", "backprop.factors",
                 "backprop.explain", "backprop.digest"):
        assert "backprop.notation" not in GRAPH[name], name


def test_the_step_json_is_the_shape_its_typeddict_declares() -> None:
    # FORMAT §3 names title, loss{name, kind, value}, samples[].values, gradients, learning_rate
    # and updated; the TypedDicts declare those and what the report adds, and the report holds
    # exactly the declared keys, so the type and the output cannot drift apart
    import json

    from backprop import load, step
    from backprop.render.json import LossJSON, SampleJSON, StepJSON, step_json
    from conftest import NETWORKS

    assert {"title", "loss", "samples", "gradients", "learning_rate", "updated"} <= \
        StepJSON.__required_keys__
    assert {"name", "kind", "value"} <= LossJSON.__required_keys__
    assert "values" in SampleJSON.__required_keys__
    for name in ("walkthrough", "softmax-classifier"):
        out = json.loads(step_json(step(load(NETWORKS / f"{name}.yaml"))))
        assert set(out) == StepJSON.__required_keys__
        assert set(out["loss"]) == LossJSON.__required_keys__
        assert all(set(s) == SampleJSON.__required_keys__ for s in out["samples"])
