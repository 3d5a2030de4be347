"""The check report as a rich table, JSON (FORMAT §3) or CSV for a gradebook."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from typing import TypedDict

from backprop import safe
from backprop.check import CheckReport, Result, Verdict
from backprop.notation import fmt
from backprop.render.layout import Group, RenderableType, Table, Text, box

STYLE = {"correct": "green", "rounding": "green", "carried_forward": "yellow", "wrong": "red",
         "unknown": "magenta"}
MARK = {"correct": "✓", "rounding": "✓", "carried_forward": "~", "wrong": "✗", "unknown": "?"}


def _true(r: Result) -> str:
    if r.expected is None:
        return "—"
    # one decimal more than the student wrote, within what a float holds
    return fmt(r.expected, max(3, min(r.decimals + 1, 16)))


#: the widest a key or file name (and a number as written) is shown in a table; JSON and CSV
#: carry it whole
SHOWN, NUMBER = 120, 24


def report_table(report: CheckReport) -> RenderableType:
    title = f"{safe.line(report.file, SHOWN)} — checked against {safe.line(report.network, SHOWN)}"
    table = Table(title=Text(title, style="bold"),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column(Text("quantity"))
    table.add_column(Text("given"), justify="right", no_wrap=True)
    table.add_column(Text("true value"), justify="right", no_wrap=True)
    table.add_column(Text("verdict"), no_wrap=True)
    table.add_column(Text("explanation"), overflow="fold")
    for r in report.results:
        verdict = Text(f"{MARK[r.verdict]} {r.verdict}", style=STYLE[r.verdict])
        if r.mistake:
            verdict.append(f"\n{r.mistake}", style="bold")
        table.add_row(Text(safe.line(r.quantity, SHOWN)), Text(safe.line(r.text, NUMBER)),
                      Text(_true(r)), verdict, Text(safe.line(r.explanation)))
    return Group(table, Text(score_line(report)), Text(""))


def score_line(report: CheckReport) -> str:
    c = report.counts
    parts = [f"{report.correct}/{report.total} correct"]
    if c.get("rounding"):
        parts.append(f"{c['rounding']} of them rounding slips")
    for verdict in ("carried_forward", "wrong", "unknown"):
        if c.get(verdict):
            parts.append(f"{c[verdict]} {verdict.replace('_', ' ')}")
    return "score: " + ", ".join(parts)


def summary_table(reports: Sequence[CheckReport]) -> RenderableType:
    table = Table(title=Text("Summary", style="bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, show_edge=False)
    for name, right in (("file", False), ("score", True), ("wrong or unknown", False),
                        ("carried forward", False)):
        table.add_column(Text(name), justify="right" if right else "left", overflow="fold")
    for rep in reports:
        wrong = ", ".join(f"{safe.line(r.quantity, SHOWN)} ({r.mistake or r.verdict})"
                          for r in rep.results if r.verdict in ("wrong", "unknown"))
        carried = ", ".join(safe.line(r.quantity, SHOWN) for r in rep.results
                            if r.verdict == "carried_forward")
        table.add_row(Text(safe.line(rep.file, SHOWN)), Text(f"{rep.correct}/{rep.total}"),
                      Text(wrong or "—"), Text(carried or "—"))
    return table


class ResultJSON(TypedDict):
    """One entry of `results` (FORMAT §3)."""

    quantity: str
    given: float
    decimals: int
    expected: float | None
    verdict: Verdict
    mistake: str | None
    explanation: str
    also: list[str]


class ScoreJSON(TypedDict):
    """`score`: correct counts the rounding slips too."""

    correct: int
    total: int
    verdicts: dict[Verdict, int]


class ReportJSON(TypedDict):
    """One answers file's report (FORMAT §3)."""

    file: str
    network: str
    results: list[ResultJSON]
    score: ScoreJSON


class FilesJSON(TypedDict):
    """Several answers files: one report each."""

    files: list[ReportJSON]


def _result_dict(r: Result) -> ResultJSON:
    # JSON has no infinity: a true value that is not finite (a saturated factor) is null
    expected = r.expected if r.expected is not None and math.isfinite(r.expected) else None
    return {"quantity": r.quantity, "given": r.given, "decimals": r.decimals,
            "expected": expected, "verdict": r.verdict, "mistake": r.mistake,
            "explanation": r.explanation, "also": list(r.also)}


def _report_dict(report: CheckReport) -> ReportJSON:
    return {"file": report.file, "network": report.network,
            "results": [_result_dict(r) for r in report.results],
            "score": {"correct": report.correct, "total": report.total,
                      "verdicts": dict(report.counts)}}


def reports_json(reports: Sequence[CheckReport]) -> str:
    """One answers file: FORMAT §3's object; several: {"files": [that object, …]}."""
    body: ReportJSON | FilesJSON = (_report_dict(reports[0]) if len(reports) == 1
                                    else {"files": [_report_dict(r) for r in reports]})
    return safe.json_text(body)


CSV_FIELDS = ("file", "quantity", "given", "decimals", "expected", "verdict", "mistake",
              "explanation")


def reports_csv(reports: Sequence[CheckReport]) -> str:
    """One row per (file, quantity), for a gradebook."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for rep in reports:
        for r in rep.results:
            writer.writerow([safe.csv_cell(rep.file), safe.csv_cell(r.quantity),
                             safe.csv_cell(r.text), r.decimals,
                             "" if r.expected is None else repr(r.expected), r.verdict,
                             r.mistake or "", safe.csv_cell(r.explanation)])
    return out.getvalue()
