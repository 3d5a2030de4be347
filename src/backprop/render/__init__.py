"""Renderers: each takes the read-only records (Trace, Explanation, CheckReport) and returns output.

The registries below name every output format; the CLI's `--format` choices are their keys. A
format is one module plus one line here. Modules are imported only when their format is used
(a pipe that asks for JSON never imports the table code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from backprop.record import record

if TYPE_CHECKING:
    from backprop.render.layout import RenderableType
    from backprop.trace import Trace


@record(kw_only=True)
class Asking:
    """How the reader asks for more than a report shows, in the caller's words: the CLI passes
    its options. Without one, a report says what it leaves out but not how to ask for it."""

    step: str  #: the command that prints a step, e.g. "backprop step"
    every: str  #: every row and sample, e.g. "--all"
    param: str  #: one chosen param (repeatable, globs), e.g. "--param"
    sample: str  #: one chosen sample (repeatable), e.g. "--sample"
    numbers: str  #: every number, e.g. "--format json"


@record(kw_only=True)
class StepView:
    """What the reader asked to see of a step; a format reads what applies to it."""

    decimals: int = 3  #: places in every printed number (small values print 3 significant figures)
    show_all: bool = False  #: every row, even for a large network or many samples
    params: Sequence[str] = ()  #: the params to show (names or globs), when chosen
    samples: Sequence[int] = ()  #: the 1-based samples to show in full, when chosen
    ask: Asking | None = None  #: how the reader asks for more, when the caller can say
    fragment: bool = False  #: latex, html: the body alone, for pasting into a document


@record(kw_only=True)
class CheckView:
    """What the reader asked to see of a check, for the document formats."""

    summary: bool = False  #: one row per sheet, not each sheet's answers
    fragment: bool = False  #: latex, html: the body alone, for pasting into a document


class StepRenderer(Protocol):
    """A step format: a document to lay out (table) or finished text (json)."""

    def __call__(self, trace: Trace, view: StepView, /) -> RenderableType | str: ...


@record
class Format:
    """One output format: the module that writes it and the function there that does."""

    module: str  #: e.g. "backprop.render.json"
    function: str  #: e.g. "render"
    help: str  #: what it is for, as `--format`'s help says it: "(FORMAT §3) for scripts"

    def load(self) -> Any:
        return getattr(import_module(self.module), self.function)

    def step(self) -> StepRenderer:
        renderer: StepRenderer = self.load()
        return renderer


_MARKDOWN = "GitHub-flavoured Markdown, for notes and READMEs"
_LATEX = "a LaTeX document for pdflatex, its derivations as align* blocks"
_HTML = "one self-contained HTML page, readable and printable"

@record
class Feedback:
    """One format of `check --feedback` pages: the file suffix and the writer of one sheet's
    page (called as writer(row) with a classroom.Row, giving the page's text)."""

    suffix: str  #: ".md"
    writer: Format


#: `backprop check --feedback DIR --feedback-format NAME`
FEEDBACK_FORMATS: Mapping[str, Feedback] = {
    "markdown": Feedback(".md", Format("backprop.render.check", "feedback_markdown", _MARKDOWN)),
    "html": Feedback(".html", Format("backprop.render.html", "feedback", _HTML)),
}

#: `backprop step --format NAME`: each renderer is called as render(trace, StepView)
STEP_FORMATS: Mapping[str, Format] = {
    "table": Format("backprop.render.step", "render", "for people"),
    "json": Format("backprop.render.json", "render", "(FORMAT §3) for scripts"),
    "markdown": Format("backprop.render.markdown", "step", _MARKDOWN),
    "latex": Format("backprop.render.latex", "step", _LATEX),
    "html": Format("backprop.render.html", "step", _HTML),
}

#: `backprop explain --format NAME`: render(trace, Explanation, StepView) -> a document or text
EXPLAIN_FORMATS: Mapping[str, Format] = {
    "table": Format("backprop.render.documents", "explain_document", "for people"),
    "json": Format("backprop.render.explain_json", "render",
                   "for scripts: the paths, their factors and products, the sum and the update, "
                   "full precision (`backprop schema explain`)"),
    "markdown": Format("backprop.render.markdown", "explain", _MARKDOWN),
    "latex": Format("backprop.render.latex", "explain", _LATEX),
    "html": Format("backprop.render.html", "explain", _HTML),
}

#: `backprop check --format NAME`: the functions that write a list of CheckReports
CHECK_FORMATS: Mapping[str, Format] = {
    "table": Format("backprop.render.check", "report_table", "for people"),
    "json": Format("backprop.render.check", "reports_json", "(FORMAT §3) for scripts"),
    "csv": Format("backprop.render.check", "reports_csv",
                  "(one row per file and quantity, or per student in a summary) for scripts "
                  "and gradebooks"),
    "gradescope": Format("backprop.render.check", "gradescope_json",
                         "the results.json Gradescope's autograder reads"),
    "markdown": Format("backprop.render.markdown", "check", _MARKDOWN),
    "latex": Format("backprop.render.latex", "check", _LATEX),
    "html": Format("backprop.render.html", "check", _HTML),
}

#: the formats that are documents written whole: their check renderer is called as
#: render(Gradebook, CheckView)
DOCUMENTS = frozenset({"markdown", "latex", "html"})
FRAGMENTS = frozenset({"latex", "html"})  #: the documents that have a body apart (--fragment)
MARKUP = frozenset({"html"})  #: written with &#…; for a character the output cannot encode


#: `backprop graph --format NAME`: render(trace, decimals, *, gradients, sample) -> markup text
GRAPH_FORMATS: Mapping[str, Format] = {
    "svg": Format("backprop.render.graph", "graph_svg", "a self-contained picture"),
    "dot": Format("backprop.render.graph", "graph_dot", "Graphviz source (`dot -Tpng`)"),
}

#: `backprop train --format NAME`: the functions that write a training run
TRAIN_FORMATS: Mapping[str, Format] = {
    "table": Format("backprop.render.train", "train_report", "for people"),
    "json": Format("backprop.render.train", "train_json",
                   "for scripts: every step's loss and the params, full precision"),
}


def formats_help(formats: Mapping[str, Format]) -> str:
    """`--format`'s help, from the registry: "table for people; json (FORMAT §3) for scripts."."""
    return "; ".join(f"{name} {entry.help}" for name, entry in formats.items()) + "."
