"""The Python API for notebooks and scripts: load, step, explain, train and check, each returning
the immutable record the CLI renders, displayed as the CLI's tables (rich), as HTML (Jupyter)
and as one short line (repr).

Each record is the domain record itself, as a subclass that only adds display: a `Net` is a
`Network`, a `Step` a `Trace`, an `Explained` an `Explanation`, a `Trained` a `Training` and a
`Checked` a `CheckReport`, so that every function taking the one takes the other, and every
field reads the same. Errors are the project's BackpropError subclasses, with located messages.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from backprop import bundled, safe
from backprop.check import Answer, CheckReport, Precision, Tolerance
from backprop.engine import run
from backprop.errors import BackpropError, UsageError
from backprop.explain import Explanation
from backprop.network import Network
from backprop.trace import Rules, Trace
from backprop.train import DEFAULT_WINDOW, MAX_STEPS, MinImprovement, StopRule, Training, UntilLoss

if TYPE_CHECKING:
    from backprop.page import Page
    from backprop.render.display import AtWidth
    from backprop.render.layout import Renderable

R = TypeVar("R")

TEXT_NAME = "<text>"  #: how messages name a network given as YAML text
ANSWERS_NAME = "<answers>"  #: and answers given as YAML text or a dict
DECIMALS = 3  #: as the CLI's default --decimals


# ---------------------------------------------------------------- display

class _Shown:
    """Display for a record: `str()` is the report as the CLI prints it into a pipe, `__rich__`
    the same report as rich renderables (colour, styles; laid out in the console's width),
    `_repr_html_` that report as self-contained HTML for Jupyter. Subclasses say what the report
    is (`_document`) and give a one-line `__repr__`."""

    __slots__ = ()

    def _document(self, width: int) -> Renderable:
        raise NotImplementedError

    def __str__(self) -> str:
        from backprop.render.layout import plain

        width = _width()
        return plain(self._document(width), width).rstrip("\n")

    def __rich__(self) -> AtWidth:
        from backprop.render.display import AtWidth

        return AtWidth(self._document)

    def _repr_html_(self) -> str:
        from backprop.render.display import HTML_WIDTH, to_html

        return to_html(self._document(HTML_WIDTH))

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _width() -> int:
    """COLUMNS when it is set and sane (20 to 10,000), else 80: as the CLI lays out a pipe."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return 80
    return columns if 20 <= columns <= 10_000 else 80


def _recast(cls: type[R], record: Any, **changes: Any) -> R:
    """`record` as an instance of `cls`, a subclass of its class that adds no fields: the same
    field values (computed ones too), copied as they are, nothing recomputed."""
    made = object.__new__(cls)
    for f in dataclasses.fields(record):
        object.__setattr__(made, f.name, changes.get(f.name, getattr(record, f.name)))
    return made


def _name(network: Network) -> str:
    """The network as the user named it, for a one-line repr: short, escaped, quoted."""
    return f"'{safe.line(network.source_file or network.title or 'network', 60)}'"


def _g(value: float) -> str:
    return f"{value:.6g}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------- the records

class Net(Network):
    """A validated network (a `Network`) with the steps a notebook takes on it."""

    __slots__ = ()

    def step(self) -> Step:
        """One training step: every value, factor, gradient and update (the Trace)."""
        return step(self)

    def explain(self, param: str, samples: Sequence[int] = ()) -> Explained:
        """One param's gradient as the chain rule (samples: 1-based, as `--sample`)."""
        return self.step().explain(param, samples)

    def train(self, steps: int = 100, *, until_loss: float | None = None,
              min_improvement: float | None = None, window: int | None = None) -> Trained:
        """Gradient-descent steps until a rule is met, as `backprop train` (its options by name):
        at most `steps`; stop once the loss is at most `until_loss`; stop once the loss fell by
        less than `min_improvement` over the last `window` steps (default 10)."""
        return train(self, steps, until_loss=until_loss, min_improvement=min_improvement,
                     window=window)

    def __repr__(self) -> str:
        return (f"<Net {_name(self)}: {_plural(len(self.inputs), 'input')}, "
                f"{_plural(len(self.nodes), 'node')}, {_plural(len(self.params), 'param')}, "
                f"{_plural(len(self.samples), 'sample')}, {safe.line(self.loss.name, 40)}: "
                f"{self.loss.loss.kind} ({self.loss.reduction}), "
                f"η = {_g(self.learning_rate)}>")


class Step(_Shown, Trace):
    """One training step (a `Trace`): `gradients`, `updated`, `loss`, `loss_new`, `samples`."""

    __slots__ = ()

    def explain(self, param: str, samples: Sequence[int] = ()) -> Explained:
        return explain(self, param, samples)

    def _document(self, width: int) -> Renderable:
        from backprop.render.step import step_report

        return step_report(self, DECIMALS)

    def __repr__(self) -> str:
        L = safe.line(self.network.loss.name, 40)
        return (f"<Step {_name(self.network)}: {L} = {_g(self.loss)} before the update, "
                f"{_g(self.loss_new)} after it; {_plural(len(self.gradients), 'gradient')}>")


class Explained(_Shown, Explanation):
    """One param's gradient (an `Explanation`): `gradient`, `blocks` (paths or δ rows), `new`."""

    __slots__ = ("_notes",)

    def _document(self, width: int) -> Renderable:
        from backprop.render.explain import explain_report

        return explain_report(self, DECIMALS, getattr(self, "_notes", ()))

    def __repr__(self) -> str:
        p, L = safe.line(self.param, 40), safe.line(self.loss_name, 40)
        return (f"<Explained ∂{L}/∂{p} = {_g(self.gradient)}: {_plural(self.block_count, 'term')}; "
                f"{p} {_g(self.old)} → {_g(self.new)}>")


class Trained(_Shown, Training):
    """A training run (a `Training`): `losses` (after 0, 1, … steps), `start` and `final` (Nets),
    `stop` (which rule, at which step)."""

    __slots__ = ()

    def _document(self, width: int) -> Renderable:
        from backprop.render.train import train_report

        return train_report(self, DECIMALS, width=width)

    def __repr__(self) -> str:
        L = safe.line(self.start.loss.name, 40)
        return (f"<Trained {_name(self.start)}: {_plural(self.steps, 'step')}, {L} "
                f"{_g(self.losses[0])} → {_g(self.losses[-1])}, stopped by {self.stop.code}>")


class Checked(_Shown, CheckReport):
    """An answers sheet marked (a `CheckReport`): `results`, `correct`, `total`, `counts`."""

    __slots__ = ()

    def _document(self, width: int) -> Renderable:
        from backprop.render.check import report_table

        return report_table(self)

    def __repr__(self) -> str:
        return (f"<Checked '{safe.line(self.file, 60)}' against '{safe.line(self.network, 60)}': "
                f"{self.correct}/{self.total} correct>")


# ---------------------------------------------------------------- the functions

def load(source: str | os.PathLike[str], *, text: str | None = None,
         display_name: str | None = None) -> Net:
    """A network file as a Net, from `source`, which is one of:

    - a path (`str` or `pathlib.Path`) to a network file;
    - the name of a bundled network (`"walkthrough"`, `"statquest"`, …), when no file of that
      name exists;
    - YAML text: a `str` with a line break, or a one-line YAML mapping (starting with `{` or
      holding `": "`) that is not an existing file's name. Messages name it `<text>`.

    `text=` gives the YAML text explicitly, `source` then being the name messages use (the
    form `backprop.load(name, text=…)` had before). `display_name` names the file in messages.
    """
    if text is not None:
        return _net(_spec_load(os.fspath(source), text=text, display_name=display_name))
    path, found = _source(source, "network")
    if found is not None:
        return _net(_spec_load(TEXT_NAME, text=found, display_name=display_name))
    assert path is not None
    if not _exists(path) and isinstance(source, str):
        named = bundled.path(source)
        if named is not None:
            return _net(_spec_load(named, display_name=display_name or source))
        if path.suffix.lower() not in (".yaml", ".yml"):
            from backprop.spec import did_you_mean

            raise UsageError(f"no such file, and no bundled network of that name"
                             f"{did_you_mean(source, bundled.names())} "
                             f"(bundled: {', '.join(bundled.names())})",
                             file=safe.line(source, 200))
    return _net(_spec_load(path, display_name=display_name or os.fspath(source)))


def step(network: Network, rules: Rules | None = None) -> Step:
    """One training step of `network` (a Net or any Network): the Trace, as a Step."""
    return _recast(Step, run(network) if rules is None else run(network, rules))


def explain(trace: Trace, param: str, samples: Sequence[int] = ()) -> Explained:
    """One param's gradient, read from a step's trace (samples: 1-based, as `--sample`)."""
    from backprop.explain import explain as explain_param

    made = _recast(Explained, explain_param(trace, param, samples))
    object.__setattr__(made, "_notes", trace.notes)
    return made


def train(network: Network, steps: int = 100, *, until_loss: float | None = None,
          min_improvement: float | None = None, window: int | None = None) -> Trained:
    """`backprop train` on `network`: see Net.train. Its start and final networks are Nets."""
    from backprop.train import train as training

    steps = _whole(steps, "steps", 1, MAX_STEPS)
    rules: list[StopRule] = []
    if until_loss is not None:
        rules.append(UntilLoss(_at_least_zero(until_loss, "until_loss")))
    if window is not None and min_improvement is None:
        raise UsageError("window is the span of min_improvement; give min_improvement too",
                         path=("window",))
    if min_improvement is not None:
        span = DEFAULT_WINDOW if window is None else _whole(window, "window", 1, MAX_STEPS)
        rules.append(MinImprovement(_at_least_zero(min_improvement, "min_improvement"), span))
    result = training(network, steps, rules)
    return _recast(Trained, result, start=_net(result.start), final=_net(result.final))


def check(net: Network | Trace, answers: str | os.PathLike[str] | Mapping[str, float | int | str]
          | Sequence[Answer], file: str | None = None, tolerance: Tolerance | str | None = None,
          precision: Precision | str | None = None) -> Checked:
    """Mark answers against a network (or a step already taken), as `backprop check`.

    `answers` is a path to an answers file or a page (.md, .tex, .txt: FORMAT §2.1), YAML
    text or a page's text (a `str` with a line break or `": "`), a dict {quantity: number},
    or the Answer records `backprop.check` took before. A number
    given as a string ("0.470") keeps its written decimals, as in a file; a float is read as
    Python writes it (0.47: two decimals). `file` names the sheet in the report; `tolerance`
    is a Tolerance or its text as `--tolerance` takes it ("0.001", "1%"); `precision` a
    Precision or its text as `--precision` takes it ("3", "4sf", "written"; 3 decimals unless
    given), not with `tolerance`.
    """
    from backprop.check import Grader
    from backprop.check import check as mark

    if tolerance is not None and precision is not None:
        raise UsageError("precision and tolerance are two rules for how close is right: give one",
                         path=("precision",))
    rule = (Tolerance.parse(tolerance) if isinstance(tolerance, str) else tolerance
            if tolerance is not None else
            Tolerance(precision=Precision.parse(precision) if isinstance(precision, str)
                      else precision) if precision is not None else Tolerance())
    page = _page(answers, file)
    trace = net if isinstance(net, Trace) else run(net)
    rule.fits(trace)  # a tolerance as large as the network's own numbers passes anything
    if page is not None:  # a page the student typed (Markdown, LaTeX, plain text)
        from backprop.pagecheck import entries_of_page
        from backprop.pagecheck import mark as mark_page

        grader = Grader(trace, rule)
        return _recast(Checked, mark_page(grader, entries_of_page(page, grader), page.file))
    name, sheet = _answers(answers, file)
    return _recast(Checked, mark(trace, sheet, name, rule))


def _page(answers: object, file: str | None) -> Page | None:
    """The page `answers` is — a path to a .md, .tex or .txt file (or one whose content is a
    page), or such text — or None for an answers file."""
    from backprop.page import read_page, syntax_of
    from backprop.yamlsafe import read_text

    if not isinstance(answers, str | os.PathLike) or isinstance(answers, Mapping):
        return None
    path, text = _source(answers, "answers")
    if text is not None:
        name = file or ANSWERS_NAME
    else:
        assert path is not None
        name = file or os.fspath(path)
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml") or not _exists(path):
            return None
        text = read_text(path, name)
    syntax = syntax_of(name if path is not None else "", text)
    return None if syntax is None else read_page(text, name, syntax)


# ---------------------------------------------------------------- reading the inputs

def _spec_load(source: str | Path, *, text: str | None = None,
               display_name: str | None = None) -> Network:
    from backprop.spec import load as load_network

    return load_network(source, text=text, display_name=display_name)


def _net(network: Network) -> Net:
    return network if isinstance(network, Net) else _recast(Net, network)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the system, or holding a NUL
        return False


def _source(source: object, what: str) -> tuple[Path | None, str | None]:
    """(path, None) for a path or a name, (None, text) for YAML text; see `load`."""
    if isinstance(source, os.PathLike):
        given = os.fspath(source)
        if not isinstance(given, str):
            raise UsageError(f"expected a path as text, found bytes {safe.line(repr(given), 60)}")
        return Path(given), None
    if not isinstance(source, str):
        raise UsageError(f"expected a path, a bundled network's name or YAML text for the {what}, "
                         f"found {type(source).__name__}")
    if not source.strip():
        raise UsageError(f"the {what} is {'empty' if not source else 'only spaces'}: give a path, "
                         f"a bundled network's name or YAML text")
    if "\n" in source or "\r" in source:
        return None, source
    path = Path(source)
    if not _exists(path) and (source.lstrip().startswith("{") or ": " in source):
        return None, source
    return path, None


_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _answers(answers: object, file: str | None) -> tuple[str, list[Answer]]:
    """The sheet's name and its answers, read as an answers file is (FORMAT §2)."""
    from backprop.check import load_answers, parse_answers
    from backprop.yamlsafe import load_text

    if isinstance(answers, Mapping):
        name = file or ANSWERS_NAME
        if not answers:
            raise UsageError("no answers: give at least one quantity: number", file=name)
        try:
            sheet = parse_answers(load_text(_as_yaml(answers, name), name))
        except BackpropError as err:  # the YAML is ours: its lines mean nothing to the caller
            raise type(err)(err.message, file=name, path=err.path) from None
        return name, [dataclasses.replace(a, line=None, column=None) for a in sheet]
    if isinstance(answers, Sequence) and not isinstance(answers, str) and all(
            isinstance(a, Answer) for a in answers):
        return file or ANSWERS_NAME, list(answers)
    path, text = _source(answers, "answers")
    if text is not None:
        name = file or ANSWERS_NAME
        return name, parse_answers(load_text(text, name))
    assert path is not None
    name = file or os.fspath(path)
    return name, load_answers(path, name)


def _as_yaml(answers: Mapping[Any, Any], name: str) -> str:
    """A dict of answers as the answers file that says the same: each key quoted (JSON is YAML),
    a number as Python writes it, a string that is a plain decimal as written (its decimals
    count), any other string quoted (the parser then says what it found)."""
    import json

    lines = []
    for key, value in answers.items():
        if not isinstance(key, str):
            raise UsageError(f"a quantity is a name such as 'dL/dw5', found "
                             f"{safe.line(repr(key), 60)}", file=name)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise UsageError(f"expected a number (or one written as text, '0.470'), found "
                             f"{type(value).__name__}", file=name, path=(safe.line(key, 60),))
        if isinstance(value, str):
            raw = value.strip() if _NUMBER.fullmatch(value.strip()) else json.dumps(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"not a finite number: {value!r}", file=name, path=(safe.line(key, 60),))
        else:
            raw = repr(value)
        lines.append(f"{json.dumps(key)}: {raw}\n")
    return "".join(lines)


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UsageError(f"expected a whole number from {low:,} to {high:,}, found "
                         f"{safe.line(repr(value), 60)}", path=(name,))
    return value


def _at_least_zero(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value >= 0):
        raise UsageError(f"expected a finite number of at least 0, found "
                         f"{safe.line(repr(value), 60)}", path=(name,))
    return float(value)


__all__ = ["Checked", "Explained", "Net", "Step", "Trained", "check", "explain", "load", "step",
           "train"]
