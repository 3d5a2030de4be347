"""The check report as a rich table, JSON (FORMAT §3) or CSV; a class's gradebook (one row per
sheet, as CSV or JSON), Gradescope's results.json, and each student's feedback page."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from typing import TypedDict

from backprop import safe
from backprop.check import VERDICTS, CheckReport, Result, Tolerance, Verdict
from backprop.classroom import Gradebook, Row
from backprop.notation import MAX_DECIMALS, fmt
from backprop.render.layout import Group, RenderableType, Table, Text, box

STYLE = {"correct": "green", "rounding": "green", "carried_forward": "yellow",
         "imprecise": "yellow", "wrong": "red", "unknown": "magenta"}
MARK = {"correct": "✓", "rounding": "✓", "carried_forward": "~", "imprecise": "≈", "wrong": "✗",
        "unknown": "?"}


def _true(r: Result) -> str:
    if r.expected is None:
        return "—"
    # one decimal more than the student wrote, within what a float holds (4 for a formula)
    text = fmt(r.expected, max(3, min(r.decimals + 1, 16)) if r.decimals is not None else 4)
    if "e" in text and r.decimals is not None:  # scientific: one significant figure more
        figures = r.decimals + 2 + math.floor(math.log10(abs(r.expected)))
        return fmt(r.expected, max(3, min(figures, MAX_DECIMALS)))
    return text


def _page(report: CheckReport) -> bool:
    """A page's report: its results carry the text as read."""
    return report.page


#: the widest a key or file name (and a number as written) is shown in a table; JSON and CSV
#: carry it whole
SHOWN, NUMBER = 120, 24


def report_table(report: CheckReport) -> RenderableType:
    title = f"{safe.line(report.file, SHOWN)} — checked against {safe.line(report.network, SHOWN)}"
    table = Table(title=Text(title, style="bold"),
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    page = _page(report)
    if page:
        table.add_column(Text("line"), justify="right", no_wrap=True)
    table.add_column(Text("quantity"))
    table.add_column(Text("given"), justify="right", no_wrap=True)
    table.add_column(Text("true value"), justify="right", no_wrap=True)
    table.add_column(Text("verdict"), no_wrap=True)
    table.add_column(Text("explanation"), overflow="fold")
    for r in report.results:
        verdict = Text(f"{MARK[r.verdict]} {r.verdict}", style=STYLE[r.verdict])
        if r.mistake:
            verdict.append(f"\n{r.mistake}", style="bold")
        explanation = Text(safe.line(r.explanation))
        line = [Text("" if r.line is None else str(r.line))] if page else []
        table.add_row(*line, Text(safe.line(r.quantity, SHOWN)), Text(safe.line(r.text, NUMBER)),
                      Text(_true(r)), verdict, explanation)
    parts: list[RenderableType] = [table, Text(score_line(report))]
    sources = [r for r in report.results if page and r.source is not None]
    if sources:  # each line as read once, on one line: the table's rows stay short
        parts.append(Text("as read:", style="bold"))
        for r in sources:
            parts.append(Text(f"{'' if r.line is None else r.line:>6}  "
                              f"{safe.line(_shortened(r.source or ''), SHOWN)}", style="dim"))
    definitions = [n for n in report.not_read if n.definition]
    not_read = [n for n in report.not_read if not n.definition]
    if definitions:
        parts.append(Text(f"definitions, not marked ({len(definitions)}):", style="bold"))
        for n in definitions:
            parts.append(Text(f"  line {n.line}: {safe.line(_shortened(n.text), SHOWN)}"))
            parts.append(Text(f"    {safe.line(n.reason)}", style="dim"))
    if not_read or report.more_not_read:
        parts.append(Text(f"not read ({len(not_read) + report.more_not_read}):", style="bold"))
        for n in not_read:
            parts.append(Text(f"  line {n.line}: {safe.line(_shortened(n.text), SHOWN)}"))
            parts.append(Text(f"    {safe.line(n.reason)}", style="dim"))
        if report.more_not_read:
            parts.append(Text(f"  and {report.more_not_read} more"))
    return Group(*parts, Text(""))


#: the widest a page's line as read is shown under the table (its head and its answer kept)
READ_WIDTH = 70


def _shortened(text: str, width: int = READ_WIDTH) -> str:
    """A long line cut in its middle, so that its start and its last number both show."""
    if len(text) <= width:
        return text
    tail = width // 3
    return text[: width - tail - 3].rstrip() + " … " + text[-tail:].lstrip()


def score_line(report: CheckReport) -> str:
    c = report.counts
    parts = [f"{report.correct}/{report.total} correct"]
    if c.get("rounding"):
        parts.append(f"{c['rounding']} of them rounding slips")
    for verdict in ("carried_forward", "imprecise", "wrong", "unknown"):
        if c.get(verdict):
            parts.append(f"{c[verdict]} {verdict.replace('_', ' ')}")
    if report.missing:
        parts.append(f"{len(report.missing)} not answered")
    return "score: " + ", ".join(parts)


def summary_table(reports: Sequence[CheckReport]) -> RenderableType:
    return class_table(Gradebook(rows=tuple(Row(file=r.file, report=r) for r in reports)))


#: a summary row names this many answers at most, then counts the rest (a sheet left blank
#: against a key of 40 quantities is "40 not answered", not forty names): the CSV, JSON and
#: feedback pages have every one
LISTED, LISTED_MISSING = 8, 3


def _listed(items: Sequence[str]) -> str:
    if len(items) > LISTED:
        items = [*items[: LISTED - 1], f"and {len(items) - LISTED + 1} more"]
    return ", ".join(items)


def class_table(book: Gradebook) -> RenderableType:
    """One row per sheet: its score and what went wrong, or why it could not be marked."""
    table = Table(title=Text("Summary", style="bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  pad_edge=False, show_edge=False)
    columns = [("file", False), *([("variant", False)] if book.variants else []), ("score", True),
               ("wrong, imprecise or unknown", False), ("carried forward", False)]
    for name, right in columns:
        table.add_column(Text(name), justify="right" if right else "left", overflow="fold")
    for row in book.rows:
        variant = [Text(safe.line(row.variant or "—", SHOWN))] if book.variants else []
        rep = row.report
        if rep is None:
            table.add_row(Text(safe.line(row.file, SHOWN)), *variant, Text("—"),
                          Text(f"not marked: {safe.line(row.error or '')}", style="red"), Text("—"))
            continue
        missing = ([f"{safe.line(name, SHOWN)} (not answered)" for name in rep.missing]
                   if len(rep.missing) <= LISTED_MISSING else [f"{len(rep.missing)} not answered"])
        wrong = _listed([*(f"{safe.line(r.quantity, SHOWN)} ({r.mistake or r.verdict})"
                           for r in rep.results if r.verdict in ("wrong", "imprecise", "unknown")),
                         *missing])
        carried = _listed([safe.line(r.quantity, SHOWN) for r in rep.results
                           if r.verdict == "carried_forward"])
        table.add_row(Text(safe.line(rep.file, SHOWN)), *variant, Text(f"{rep.correct}/{rep.total}"),
                      Text(wrong or "—"), Text(carried or "—"))
    if not book.skipped:
        return table
    listed = ", ".join(safe.line(f, SHOWN) for f in book.skipped[:20])
    more = f" and {len(book.skipped) - 20} more" if len(book.skipped) > 20 else ""
    return Group(table, Text(f"skipped (no answers file, nor a page with an equation): {listed}{more}"))


def feedback_document(row: Row) -> RenderableType:
    """One student's feedback page for the document formats: the variant, the sheet's report
    (or why it was not marked) and every asked quantity left unanswered, by name."""
    parts: list[RenderableType] = []
    if row.variant is not None:
        parts.append(Text(f"variant: {safe.line(row.variant, SHOWN)}"))
    rep = row.report
    if rep is None:
        return Group(*parts, unusable_table(row))
    parts.append(report_table(rep))
    if rep.missing:
        parts += [Text(f"not answered ({len(rep.missing)}), each asked:", style="bold"),
                  Text(", ".join(safe.line(name, SHOWN) for name in rep.missing))]
    return Group(*parts)


def unusable_table(row: Row) -> RenderableType:
    """A sheet that could not be marked, where its report would stand."""
    return Group(Text(f"{safe.line(row.file, SHOWN)} — not marked", style="bold"),
                 Text(safe.line(row.error or ""), style="red"), Text(""))


class ResultJSON(TypedDict):
    """One entry of `results` (FORMAT §3), with where it stands: `line`, and for a page `text`
    (the line as read) and `break` (the column where its working went wrong, or null)."""

    quantity: str
    given: float | str
    decimals: int | None
    expected: float | None
    verdict: Verdict
    mistake: str | None
    explanation: str
    also: list[str]
    line: int | None
    text: str | None
    # `break` is a keyword: added to the dict where it is made


class NotReadJSON(TypedDict):
    """A page's line with '=' that could not be read."""

    line: int
    text: str
    reason: str


class PrecisionJSON(TypedDict):
    """`score.precision`: how answers were compared. kind `decimals` or `significant` (value N:
    at the finer of the written decimals and N), `written` (value null: the written decimals
    alone), or a teacher's `absolute` or `relative` tolerance (value 0.001, 0.01 for 1%)."""

    kind: str
    value: float | None


class ScoreJSON(TypedDict):
    """`score`: correct counts the rounding slips too (to the quantities asked), total the
    quantities asked, missing those of them not answered."""

    correct: int
    total: int
    missing: int
    verdicts: dict[Verdict, int]
    precision: PrecisionJSON


class _ReportJSON(TypedDict):
    file: str
    network: str
    results: list[ResultJSON]
    score: ScoreJSON
    missing: list[str]  #: the asked quantities not answered, by the key's names


class ReportJSON(_ReportJSON, total=False):
    """One answers file's report (FORMAT §3); a page's adds `not_read` (and `not_read_more`) and
    `definitions`."""

    not_read: list[NotReadJSON]
    not_read_more: int
    definitions: list[NotReadJSON]  #: a page's definitions in general symbols, not marked


class FilesJSON(TypedDict):
    """Several answers files: one report each."""

    files: list[ReportJSON]


def _result_dict(r: Result) -> ResultJSON:
    # JSON has no infinity: a true value that is not finite (a saturated factor) is null
    expected = r.expected if r.expected is not None and math.isfinite(r.expected) else None
    out: ResultJSON = {"quantity": r.quantity, "given": r.given, "decimals": r.decimals,
                       "expected": expected, "verdict": r.verdict, "mistake": r.mistake,
                       "explanation": r.explanation, "also": list(r.also), "line": r.line,
                       "text": r.source}
    if r.source is not None:
        out["break"] = r.broke_at  # type: ignore[typeddict-unknown-key]  # a keyword as a key
    return out


def precision_dict(rule: Tolerance) -> PrecisionJSON:
    if rule.absolute is not None:
        return {"kind": "absolute", "value": rule.absolute}
    if rule.relative is not None:
        return {"kind": "relative", "value": rule.relative}
    precision = rule.precision
    return {"kind": precision.kind, "value": precision.digits if precision.digits else None}


def _report_dict(report: CheckReport) -> ReportJSON:
    out: ReportJSON = {"file": report.file, "network": report.network,
                       "results": [_result_dict(r) for r in report.results],
                       "score": {"correct": report.correct, "total": report.total,
                                 "missing": len(report.missing), "verdicts": dict(report.counts),
                                 "precision": precision_dict(report.rule)},
                       "missing": list(report.missing)}
    if _page(report):
        out["not_read"] = [{"line": n.line, "text": n.text, "reason": n.reason}
                           for n in report.not_read if not n.definition]
        out["definitions"] = [{"line": n.line, "text": n.text, "reason": n.reason}
                              for n in report.not_read if n.definition]
        if report.more_not_read:
            out["not_read_more"] = report.more_not_read
    return out


def reports_json(reports: Sequence[CheckReport]) -> str:
    """One answers file: FORMAT §3's object; several: {"files": [that object, …]}."""
    body: ReportJSON | FilesJSON = (_report_dict(reports[0]) if len(reports) == 1
                                    else {"files": [_report_dict(r) for r in reports]})
    return safe.json_text(body)


CSV_FIELDS = ("file", "quantity", "given", "decimals", "expected", "verdict", "mistake",
              "explanation", "line", "text")


def reports_csv(reports: Sequence[CheckReport | Row]) -> str:
    """One row per (file, quantity), for a gradebook; a sheet that could not be marked has one
    row, verdict `not_marked`, the reason in `explanation`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for item in reports:
        if isinstance(item, Row) and item.report is None:
            writer.writerow([safe.csv_cell(item.file), "", "", "", "", "not_marked", "",
                             safe.csv_cell(item.error or ""), "", ""])
            continue
        rep = item.report if isinstance(item, Row) else item
        assert rep is not None
        for r in rep.results:
            writer.writerow([safe.csv_cell(rep.file), safe.csv_cell(r.quantity),
                             safe.csv_cell(r.text), "" if r.decimals is None else r.decimals,
                             "" if r.expected is None else repr(r.expected), r.verdict,
                             r.mistake or "", safe.csv_cell(r.explanation),
                             "" if r.line is None else r.line, safe.csv_cell(r.source or "")])
        for n in rep.not_read:  # a page's lines not read (or definitions): after its results
            writer.writerow([safe.csv_cell(rep.file), "", "", "", "",
                             "definition" if n.definition else "not_read", "",
                             safe.csv_cell(n.reason), n.line, safe.csv_cell(n.text)])
    return out.getvalue()


# ---------------------------------------------------------------- a class's gradebook

GRADEBOOK_FIELDS = ("file", "variant", *VERDICTS, "missing", "accepted", "total", "score",
                    "mistakes", "error")


class GradebookRow(TypedDict):
    """One student (sheet) of the gradebook; score = accepted / total, null when not marked."""

    file: str
    variant: str | None
    correct: int
    rounding: int
    carried_forward: int
    imprecise: int
    wrong: int
    unknown: int
    missing: int  #: asked quantities not answered (not done)
    accepted: int
    total: int
    score: float | None
    mistakes: str  #: e.g. "learning_rate_applied×1; sign×2", in the order first made
    error: str | None  #: why the sheet could not be marked


def mistakes_named(report: CheckReport) -> str:
    counts: dict[str, int] = {}
    for r in report.results:
        if r.mistake:
            counts[r.mistake] = counts.get(r.mistake, 0) + 1
    return "; ".join(f"{code}×{n}" for code, n in counts.items())


def gradebook_rows(book: Gradebook) -> list[GradebookRow]:
    out: list[GradebookRow] = []
    for row in book.rows:
        rep = row.report
        counts = {v: (rep.counts.get(v, 0) if rep is not None else 0) for v in VERDICTS}
        out.append({"file": row.file, "variant": row.variant,
                    "correct": counts["correct"], "rounding": counts["rounding"],
                    "carried_forward": counts["carried_forward"],
                    "imprecise": counts["imprecise"], "wrong": counts["wrong"],
                    "unknown": counts["unknown"],
                    "missing": len(rep.missing) if rep is not None else 0,
                    "accepted": rep.correct if rep is not None else 0,
                    "total": rep.total if rep is not None else 0,
                    "score": round(rep.correct / rep.total, 6) if rep is not None and rep.total
                    else None,
                    "mistakes": mistakes_named(rep) if rep is not None else "",
                    "error": row.error})
    return out


def gradebook_csv(book: Gradebook) -> str:
    """One row per student, for a spreadsheet; user text escaped cell by cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GRADEBOOK_FIELDS)
    for r in gradebook_rows(book):
        writer.writerow([safe.csv_cell(r["file"]), safe.csv_cell(r["variant"] or ""),
                         *(r[v] for v in VERDICTS), r["missing"], r["accepted"], r["total"],
                         "" if r["score"] is None else repr(r["score"]), r["mistakes"],
                         safe.csv_cell(r["error"] or "")])
    return out.getvalue()


def gradebook_json(book: Gradebook) -> str:
    """{"students": [one object per sheet], "skipped": [files that are no answers file]}."""
    return safe.json_text({"students": gradebook_rows(book), "skipped": list(book.skipped)})


def class_json(book: Gradebook) -> str:
    """FORMAT §3's object for one sheet; for several, {"files": [...]} with a row per sheet
    (a sheet not marked: {"file", "error"}), and the variant and skipped files when there are."""
    entries: list[dict[str, object]] = []
    for row in book.rows:
        entry: dict[str, object] = ({"file": row.file, "error": row.error} if row.report is None
                                    else dict(_report_dict(row.report)))
        if book.variants:
            entry["variant"] = row.variant
        entries.append(entry)
    if len(entries) == 1 and not book.skipped:
        return safe.json_text(entries[0])
    body: dict[str, object] = {"files": entries}
    if book.skipped:
        body["skipped"] = list(book.skipped)
    return safe.json_text(body)


# ---------------------------------------------------------------- Gradescope

#: every string in results.json is plain text: Gradescope then shows a student's key or number
#: as written, never as HTML or Markdown it would act on
_GRADESCOPE_TEXT = {"output_format": "text", "test_output_format": "text", "test_name_format": "text"}


def _gradescope_result(row: Row) -> dict[str, object]:
    """Gradescope's results.json for one submission (its autograder specification, "Output
    format": https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format): a
    test per quantity asked worth 1 point, passed when accepted (correct or rounding), failed
    when wrong, unknown, carried forward or not answered; an answer to a quantity not asked is
    a test worth 0. The top-level score is the points earned."""
    rep = row.report
    if rep is None:
        return {"score": 0, "output": f"Your answers could not be marked: {row.error}",
                **_GRADESCOPE_TEXT, "tests": []}
    tests: list[dict[str, object]] = []
    unasked = set(rep.unasked)
    for k, r in enumerate(rep.results):
        accepted = r.verdict in ("correct", "rounding")
        words = [f"{r.verdict.replace('_', ' ')}: you gave {r.text}"]
        if r.expected is not None:
            words.append(f"the true value is {_true(r)}")
        if r.mistake:
            words.append(f"mistake: {r.mistake}")
        if r.explanation:
            words.append(r.explanation)
        worth = 0 if k in unasked else 1
        if k in unasked:
            words.append("not asked: it scores nothing")
        tests.append({"name": r.quantity, "number": str(len(tests) + 1),
                      "score": worth if accepted else 0, "max_score": worth,
                      "status": "passed" if accepted else "failed", "output": "; ".join(words)})
    for name in rep.missing:
        tests.append({"name": name, "number": str(len(tests) + 1), "score": 0, "max_score": 1,
                      "status": "failed", "output": "not answered: this quantity is asked"})
    output = score_line(rep) if row.variant is None else f"variant {row.variant}; {score_line(rep)}"
    unread = _not_read(rep, safe.line)
    if unread:  # a page's line not read is an answer not marked: the student is told which, and why
        output += "\n\nLines not read, so not marked:\n" + "\n".join(unread)
    return {"score": rep.correct, "output": output, **_GRADESCOPE_TEXT, "tests": tests}


def _not_read(rep: CheckReport, escape: Callable[[str], str]) -> list[str]:
    """A page's lines not read, one item each with its reason (definitions are not answers)."""
    items = [f"line {n.line}: {escape(n.text)} ({escape(n.reason)})"
             for n in rep.not_read if not n.definition]
    if rep.more_not_read:
        items.append(f"and {rep.more_not_read} more")
    return items


def gradescope_json(book: Gradebook) -> str:
    """One sheet: the results.json object itself (Gradescope runs one submission at a time).
    Several: {"submissions": [{"file", "variant", "results": that object}, …]}, for a teacher
    checking a class before uploading."""
    if len(book.rows) == 1:
        return safe.json_text(_gradescope_result(book.rows[0]))
    return safe.json_text({"submissions": [
        {"file": row.file, "variant": row.variant, "results": _gradescope_result(row)}
        for row in book.rows]})


# ---------------------------------------------------------------- feedback pages

_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#|$~!"})


def _md(text: str, limit: int | None = None) -> str:
    """User text in Markdown: escaped for one line, and every character Markdown acts on
    backslash-escaped (so a name like **x** or <script> is shown, not read)."""
    return safe.line(text, limit).translate(_MARKDOWN)


def feedback_markdown(row: Row) -> str:
    """One student's page: every answer, its verdict, the true value and the explanation."""
    lines = [f"# Feedback: {_md(row.file, SHOWN)}", ""]
    if row.variant is not None:
        lines += [f"Variant: {_md(row.variant)}", ""]
    rep = row.report
    if rep is None:
        lines += ["Your answers could not be marked:", "", f"    {safe.line(row.error or '')}", ""]
        return "\n".join(lines)
    lines += [f"Checked against {_md(rep.network, SHOWN)}.", "", f"**{_md(score_line(rep))}**", "",
              "| quantity | your answer | true value | verdict | explanation |",
              "|---|---:|---:|---|---|"]
    for r in rep.results:
        verdict = r.verdict.replace("_", " ") + (f" ({_md(r.mistake)})" if r.mistake else "")
        lines.append(f"| {_md(r.quantity, SHOWN)} | {_md(r.text, NUMBER)} | {_md(_true(r))} | "
                     f"{MARK[r.verdict]} {verdict} | {_md(r.explanation)} |")
    for name in rep.missing:
        lines.append(f"| {_md(name, SHOWN)} | — | — | not answered | this quantity is asked |")
    lines.append("")
    unread = _not_read(rep, _md)
    if unread:
        lines += ["Lines not read, so not marked:", "", *(f"- {item}" for item in unread), ""]
    return "\n".join(lines)
