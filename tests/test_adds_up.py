"""The printed page adds up: on random small networks, every row of `step` and `explain`, redone
from the numbers its "with numbers" cell prints, lands within one unit of the last place of the
value it prints; printed terms add to their printed sums (ℓ to L, per-sample and per-use rows to
the gradient's Σ, path products to Σ, blocks to ∂L/∂p). That is what `check` accepts as a
rounding slip, so a student who redoes the page from the page is marked right.

The recomputation here is this file's own: the printed text is rewritten into a Python
expression by regular expressions and evaluated with the math module, independently of the
tool's reader (notation.evaluate)."""

from __future__ import annotations

import math
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop import load, step
from backprop.explain import explain
from backprop.notation import fmt
from backprop.render.explain import explain_report
from backprop.render.layout import Group, Table, Text
from backprop.render.step import step_report
from test_properties import networks

SLACK = 1e-6  #: relative slack on one unit, for float arithmetic done in another order


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


NAMESPACE = {"__builtins__": {}, "exp": math.exp, "log": math.log, "sig": _sigmoid,
             "tanh": math.tanh, "max": max, "sqrt": math.sqrt,
             "Phi": lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2))),
             "phi": lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)}
NUM = r"[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?"


def recompute(text: str, slope: float | None = None) -> float:
    """A "with numbers" text evaluated as arithmetic: "0.751(1 − 0.751)", "σ(0.378)", …; a
    leaky_relu with the `slope` of the row's node (the text does not print it)."""
    t = (text.replace("−", "-").replace("·", "*").replace("²", "**2").replace("½", "0.5*")
         .replace("[", "(").replace("]", ")").replace("σ", "sig").replace("Φ", "Phi")
         .replace("φ", "phi"))
    t = re.sub(rf"e\^({NUM})", r"exp(\1)", t)
    t = re.sub(r"e\^\(", "exp(", t)
    t = re.sub(rf"\bln ({NUM})", r"log(\1)", t)
    t = re.sub(r"\bln\(", "log(", t)
    t = re.sub(rf"√({NUM})", r"sqrt(\1)", t).replace("√(", "sqrt(").replace("^", "**")
    t = re.sub(r"([0-9.)])\s*\(", r"\1*(", t)  # juxtaposition: 0.751(1 − 0.751)
    scope = dict(NAMESPACE)
    if slope is not None:
        scope["leaky_relu"] = lambda z: z if z > 0 else slope * z
    return float(eval(t, scope))  # the tool's own printed arithmetic, no builtins


def last_unit(printed: str) -> float:
    mantissa, _, exponent = printed.partition("e")
    return 10.0 ** (int(exponent or 0) - len(mantissa.partition(".")[2]))


def lands(numbers: str, printed: str, where: str, slope: float | None = None) -> None:
    got = recompute(numbers, slope)
    assert abs(got - float(printed)) <= last_unit(printed) * (1 + SLACK), (
        f"{where}: {numbers} = {got!r}, printed {printed}")


def adds_up(terms: list[str], printed: str, where: str, divisor: float = 1.0) -> None:
    got = math.fsum(float(t) for t in terms) / divisor
    assert abs(got - float(printed)) <= last_unit(printed) * (1 + SLACK), (
        f"{where}: {' + '.join(terms)} = {got!r}, printed {printed}")


def _parts(doc: Group | Table | Text) -> list[Table | Text]:
    if isinstance(doc, Group):
        return [p for part in doc.parts for p in _parts(part)]
    return [doc]


def _cells(table: Table) -> list[dict[str, str]]:
    heads = [c.header.plain for c in table.columns]
    return [dict(zip(heads, (c.plain for c in row), strict=False)) for row, _ in table.rows]


def _numbers_of(row: dict[str, str]) -> str | None:
    """The numbers a row prints: its "with numbers" cell, or the "= …" line of its chain."""
    if "with numbers" in row:
        return row["with numbers"]
    chain = row.get("chain of factors", "")
    return chain.split("\n= ", 1)[1] if "\n= " in chain else None


def check_tables(doc: Group, slopes: dict[str, float] | None = None) -> int:
    """Every row against its numbers, and every printed sum against its printed terms
    (`slopes`: each leaky_relu node's slope, by name)."""
    checked = 0
    for table in (p for p in _parts(doc) if isinstance(p, Table)):
        title = table.title.plain if table.title else ""
        rows = _cells(table)
        terms: list[str] = []
        per_param: dict[str, list[str]] = {}
        for row in rows:
            value = row.get("value") or row.get("product") or ""
            numbers = _numbers_of(row)
            label = next(iter(row.values()))
            if numbers and value and "…" not in numbers:
                node = re.sub(r"\[\d+\]$", "", label)
                lands(numbers, value, f"{title} {label}", (slopes or {}).get(node))
                checked += 1
            if title.startswith("Loss"):
                if label.startswith("ℓ("):
                    terms.append(value)
                elif numbers:  # L: Σ ℓ, or Σ ℓ / D
                    adds_up(terms, numbers.split(" / ")[0], f"{title}: Σ ℓ")
                    checked += 1
            elif "product" in row:  # explain's paths: their products add to Σ
                if label == "Σ":
                    adds_up(terms, value, f"paths {title}")
                    checked += 1
                else:
                    terms.append(value)
            elif title.startswith("Backward pass: gradients"):
                # ∂L/∂p[1], ∂L/∂p[2] via h1, …: their values add to the Σ row ∂L/∂p
                base = re.sub(r"\[\d+\]| via .*", "", label)
                if row.get("chain of factors") == "Σ of the rows above":
                    adds_up(per_param.pop(base), value, f"{title} {label}")
                    checked += 1
                elif base != label:
                    per_param.setdefault(base, []).append(value)
    return checked


def check_lines(doc: Group) -> int:
    """explain's worked lines: "∂L/∂p = numbers = value", "Update: … = numbers = value" and
    "∂L/∂p = Σ over every sample = a + b = total"."""
    checked = 0
    for text in (p.plain for p in _parts(doc) if isinstance(p, Text)):
        if not text.startswith(("∂", "Update: ")) or "\n" in text or "→" in text:
            continue
        pieces = text.split(" = ")
        if len(pieces) < 3:
            continue
        lands(pieces[-2], pieces[-1], text)
        checked += 1
    return checked


def _with_rate(text: str, eta: float, optimizer: object) -> str:
    doc = yaml.safe_load(text)
    doc["learning_rate"] = eta
    doc["optimizer"] = optimizer
    return yaml.safe_dump(doc, sort_keys=False)


OPTIMIZERS = ["sgd", {"kind": "momentum", "beta": 0.9}, {"kind": "adam"},
              {"kind": "adamw", "weight_decay": 0.1}]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.sampled_from([2, 3, 4]), st.sampled_from([0.1, 0.5, 3.0]),
       st.sampled_from(OPTIMIZERS))
def test_every_printed_row_adds_up(text: str, decimals: int, eta: float, optimizer: object) -> None:
    trace = step(load("random.yaml", text=_with_rate(text, eta, optimizer)))
    slopes = {n.name: n.activation.slope for n in trace.network.nodes
              if n.activation.slope is not None}
    checked = check_tables(step_report(trace, decimals, show_all=True), slopes)
    for param in trace.network.params:
        ex = explain(trace, param)
        doc = explain_report(ex, decimals)
        checked += check_tables(doc) + check_lines(doc)
    assert checked > len(trace.network.params)


def test_the_checker_sees_a_page_that_does_not_add_up() -> None:
    # the issue's own page: path 1 = 0.001, path 2 = -0.000230, Σ = 0.000439 does not add up
    # (0.000770 ≠ 0.000439), and 0.741 · 0.187 is 0.138567, not 0.139 ± 0.001 at 4 places
    try:
        adds_up(["0.001", "-0.000230"], "0.000439", "paths")
    except AssertionError:
        pass
    else:
        raise AssertionError("a sum off by 331 units passed")
    try:
        lands("0.741 · 0.187", "0.1397", "product")
    except AssertionError:
        pass
    else:
        raise AssertionError("a product off by 11 units passed")
    lands("0.741 · 0.187", "0.1386", "product")  # 0.138567: within one unit of 0.1386


def test_the_recomputation_reads_every_rule_shape() -> None:
    # hand-worked values of the notation's shapes (math module, by hand where simple)
    assert recompute("0.751(1 − 0.751)") == 0.751 * (1 - 0.751)
    assert recompute("½(0.01 − 0.751)²") == 0.5 * (0.01 - 0.751) ** 2
    assert recompute("ln(1 + e^(-1.430))") == math.log(1 + math.exp(-1.43))
    assert recompute("e^0.040 / (e^0.040 + e^0.620)") == math.exp(0.04) / (
        math.exp(0.04) + math.exp(0.62))
    assert recompute("−0·ln 0.235 ") == 0.0
    assert recompute("1 if -0.2 > 0 else 0.01") == 0.01
    assert recompute("0.1·0.5 / (√0.25 + 1e-08)") == 0.1 * 0.5 / (0.5 + 1e-8)
    assert recompute("0.5 / (1 − 0.9^2)") == 0.5 / (1 - 0.9**2)
    assert recompute("−[1·ln 0.3 + (1 − 1)·ln(1 − 0.3)]") == -math.log(0.3)
    assert fmt(-0.00911, 3) == "-0.00911"  # the example of three significant figures


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(-1e6, 1e6, allow_nan=False),
                 st.integers(-10**6, 10**6).map(lambda n: n / 64),
                 st.integers(-10**9, 10**9).map(lambda n: n / 2**20)),
       st.integers(0, 15))
def test_half_up_rounding_is_decimals_own(value: float, decimals: int) -> None:
    # the fast path (format, except at an exact tie) against Decimal's ROUND_HALF_UP on the
    # float's exact binary value, the textbook rule: a tie rounds away from zero
    from decimal import ROUND_HALF_UP, Context, Decimal

    from backprop.notation import _half_up

    exact = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP,
                                    context=Context(prec=400))
    assert _half_up(value, decimals) == f"{exact:f}"
