"""The command line: parse options, call load → run → explain/check → render, emit; the only
place that prints or exits."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Any

import click

from backprop import __version__
from backprop.errors import BackpropError, UsageError

EXIT_INPUT = 2
ASCII = str.maketrans({"∂": "d", "σ": "sigma", "−": "-", "·": "*", "Σ": "sum ", "η": "eta",
                       "←": "<-", "²": "^2", "½": "1/2", "δ": "delta", "…": "...", "∞": "inf",
                       "′": "'", "→": "->", "ℓ": "l", "≈": "~", "✓": "ok", "✗": "x", "⁻": "^-", "ᶻ": "^z"})


class _Ascii(dict[int, str]):
    """str.translate table for an ASCII-only stdout: the math symbols above, then any other
    character spelled out once and cached: ŷ → y, ω → omega, ℒ → L, box lines → - and |."""

    def __missing__(self, code: int) -> str:
        import unicodedata

        char = chr(code)
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if not plain.isascii():
            name = unicodedata.name(char, "")
            if name.startswith("GREEK ") and " LETTER " in name:
                word = name.rsplit(" ", 1)[-1].lower()
                plain = word.capitalize() if " CAPITAL " in name else word
            elif name.startswith("BOX DRAWINGS"):
                plain = "|" if "VERTICAL" in name and "HORIZONTAL" not in name else "-"
            else:
                plain = "?"
        self[code] = plain
        return plain


TO_ASCII = _Ascii(ASCII)


_WARNINGS: list[str] = []  #: said after the command has run, and not at all if it fails


class BackpropGroup(click.Group):
    """Turns every BackpropError into exit 2 with one located message on stderr, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except BackpropError as err:
            _WARNINGS.clear()  # one message: the error says what matters
            self.say(f"backprop: error: {err}")
            ctx.exit(EXIT_INPUT)
        except SystemExit:  # check's exit 1: the report was printed, so are its warnings
            self.warn()
            raise
        except BrokenPipeError:
            # `backprop step | head -3`: the reader left; say nothing and leave quietly
            _silence_stdout()
            ctx.exit(0)
        except OSError as err:
            # the system refused a path before any file was opened (e.g. a name too long to
            # stat); reading a file is the loader's and reports a located FileFormatError
            where = f"{_shorten(os.fsdecode(err.filename))}: " if err.filename is not None else ""
            self.say(f"backprop: error: {where}{err.strerror or err.__class__.__name__}")
            ctx.exit(EXIT_INPUT)
        except KeyboardInterrupt:
            self.say("backprop: interrupted")
            ctx.exit(130)
        self.warn()
        return result

    def warn(self) -> None:
        """The input's warnings (an unused param), once the command has run."""
        for warning in _WARNINGS:
            self.say(f"backprop: warning: {warning}")
        _WARNINGS.clear()

    @staticmethod
    def say(message: str) -> None:
        """One line on stderr, printed literally: user text (a file name, a key) may hold a newline
        or an escape sequence, which is shown escaped rather than sent to the terminal."""
        line = message.translate(_CONTROLS)
        stream = sys.stderr
        if stream is not None and not _can_encode(line, getattr(stream, "encoding", None) or "utf-8"):
            line = line.translate(TO_ASCII)
        click.echo(line, err=True)


# C0 and C1 control characters (newline and ESC among them) and the bidirectional overrides
_CONTROLS = {i: f"\\x{i:02x}" for i in (*range(0x20), *range(0x7F, 0xA0))} | {
    i: f"\\u{i:04x}" for i in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    finally:
        os.close(devnull)


def _emit(document: Any) -> None:
    """Print a report so that it reads well at a terminal (rich: colour, styles), in a pipe or
    a file (plain text, no rich import: the fast path), and on an ASCII-only stdout."""
    from backprop.render.layout import plain

    out = sys.stdout
    if out is None:  # no stdout at all (closed by the caller): nothing to print to
        return
    encoding = (getattr(out, "encoding", None) or "utf-8").lower()
    if _is_terminal(out):
        from rich.console import Console

        from backprop.render.layout import to_rich

        probe = Console(file=out)
        console = Console(file=io.StringIO(), width=probe.width, force_terminal=True,
                          color_system=probe.color_system,  # type: ignore[arg-type]
                          legacy_windows=False, emoji=False, highlight=False,
                          no_color=probe.no_color)
        console.print(to_rich(document))
        text = console.file.getvalue()  # type: ignore[attr-defined]
    else:
        text = plain(document, _width())
    if not _can_encode(text, encoding):
        text = text.translate(TO_ASCII).encode(encoding, "replace").decode(encoding)
    out.write(text)
    out.flush()


def _is_terminal(out: Any) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _width() -> int:
    """COLUMNS when it is set and sane, else 80, as rich does for a pipe."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return 80
    return columns if 20 <= columns <= 10_000 else 80


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(text: str) -> None:
    """Print plain text or JSON; on an ASCII-only stdout, JSON keeps its meaning through \\u escapes."""
    out = sys.stdout
    if out is None:
        return
    encoding = getattr(out, "encoding", None) or "utf-8"
    if not _can_encode(text, encoding):
        import json

        try:
            text = json.dumps(json.loads(text), ensure_ascii=True, allow_nan=False)
        except ValueError:  # not JSON: the table's substitutions, then '?'
            text = text.translate(TO_ASCII).encode(encoding, "replace").decode(encoding)
    out.write(text if text.endswith("\n") else text + "\n")
    out.flush()


def _load(net: str | None) -> Any:
    """NET is a path or a bundled network's name; none means the walkthrough."""
    from backprop import bundled
    from backprop.spec import load

    name = net or "walkthrough"
    path = Path(name)
    if not path.exists():
        found = bundled.path(name)
        if found is None:
            from backprop.spec import did_you_mean

            raise UsageError(f"no such file, and no bundled network of that name"
                             f"{did_you_mean(name, bundled.names())} "
                             f"(bundled: {', '.join(bundled.names())})", file=name)
        network = load(found, display_name=name)
    else:
        network = load(path, display_name=name)
    _WARNINGS.extend(network.warnings)
    return network


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=BackpropGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="backprop")
def cli() -> None:
    """Worked examples of backpropagation: every value, every chain-rule factor, every update.

    \b
    backprop step                      the bundled walkthrough, one full training step
    backprop step my_net.yaml          your own network file
    backprop explain --weight w5       one param's gradient, chain by chain
    backprop networks                  the bundled networks
    backprop graph > net.svg           the network drawn with its values
    backprop schema > net.schema.json  the network file's JSON Schema, for editors
    """


NET = click.argument("net", required=False, metavar="[NET]")
DECIMALS = click.option("--decimals", type=click.IntRange(0, 15), default=3, show_default=True,
                        help="Decimals to print (values that would show as 0 keep 3 significant "
                             "figures).")


@cli.command(context_settings=CONTEXT)
@NET
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table for people, json (FORMAT §3) for scripts.")
@DECIMALS
@click.option("--all", "show_all", is_flag=True,
              help="Every row, even for a large network (more than 200 params or 100 nodes), "
                   "which is otherwise summarised layer by layer.")
@click.option("--param", "params", multiple=True, metavar="NAME",
              help="Show the gradient and update of this param; repeatable; a glob such as "
                   "'w1_*' picks several.")
def step(net: str | None, fmt: str, decimals: int, show_all: bool, params: tuple[str, ...]) -> None:
    """One full training step: forward pass, loss, every chain-rule factor, gradients, update.

    NET is a network file or the name of a bundled network (see `backprop networks`);
    without it the bundled walkthrough runs. A large network's tables are summarised
    layer by layer; --all shows every row, --param the chosen params.

    \b
    Examples:
      backprop step
      backprop step statquest --decimals 4
      backprop step my_net.yaml --format json > report.json
      backprop step mnist.yaml --param 'w2_1_*' --param b2_1
    """
    if show_all and params:
        raise click.UsageError("--all shows every param; leave out --param, or --all")
    if fmt == "json" and (show_all or params):
        raise click.UsageError("--all and --param choose table rows; --format json always "
                               "holds every param")
    from backprop.engine import run

    trace = run(_load(net))
    if fmt == "json":
        from backprop.render.json import step_json

        _write(step_json(trace))
        return
    from backprop.render.tables import step_report

    _emit(step_report(trace, decimals, show_all=show_all, params=params))


@cli.command(context_settings=CONTEXT)
@click.option("--weight", "-w", "param", required=True, metavar="NAME",
              help="The param to explain: any weight or bias.")
@NET
@DECIMALS
def explain(param: str, net: str | None, decimals: int) -> None:
    """One param's gradient: the chain rule written out, every factor, every path, their sum.

    \b
    Examples:
      backprop explain --weight w5
      backprop explain --weight w1
      backprop explain --weight w1_12 two-paths
    """
    from backprop.engine import run
    from backprop.explain import explain as explain_param
    from backprop.render.explain import explain_report

    trace = run(_load(net))
    _emit(explain_report(explain_param(trace, param), decimals, trace.notes))


@cli.command(context_settings=CONTEXT)
@click.argument("net", metavar="NET")
@click.argument("answers", nargs=-1, required=True, metavar="ANSWERS...")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="table for people; json (FORMAT §3) or csv (one row per file "
                                      "and quantity) for scripts and gradebooks.")
@click.option("--summary", is_flag=True, help="Only the one-row-per-file summary (table format).")
@click.option("--tolerance", metavar="TOL",
              help="Replace the written-decimals rule: an absolute tolerance (0.001) or a relative "
                   "one (1%).")
def check(net: str, answers: tuple[str, ...], fmt: str, summary: bool, tolerance: str | None) -> None:
    """Mark a student's answers: correct, rounding slip, carried forward, or wrong — and why.

    NET is a network file or a bundled network's name; each ANSWERS file is a mapping
    quantity: number, named as the tables print them (z1, y_hat, L, dL/dw5, dy_hat/dz3, w5_new,
    z1[2] for sample 2). Exit 0 when every answer is accepted, 1 when one is wrong or unknown.

    \b
    Examples:
      backprop check walkthrough networks/walkthrough.answers.yaml
      backprop check net.yaml class/*.yaml --summary
      backprop check net.yaml class/*.yaml --format csv > grades.csv
    """
    from backprop.check import Tolerance, check_files, load_answers

    network = _load(net)
    rule = Tolerance.parse(tolerance) if tolerance is not None else Tolerance()
    files = [(name, load_answers(name)) for name in answers]
    reports = check_files(network, files, rule)
    if fmt == "json":
        from backprop.render.check import reports_json

        _write(reports_json(reports))
    elif fmt == "csv":
        from backprop.render.check import reports_csv

        _write(reports_csv(reports))
    else:
        from backprop.render.check import report_table, summary_table
        from backprop.render.layout import Group

        parts = [] if summary else [report_table(r) for r in reports]
        if summary or len(reports) > 1:
            parts.append(summary_table(reports))
        _emit(Group(*parts))
    if any(r.failed for r in reports):
        raise SystemExit(1)


@cli.command(context_settings=CONTEXT)
def networks() -> None:
    """List the bundled networks (use a name in place of a file: `backprop step statquest`)."""
    from backprop import bundled
    from backprop.spec import load

    names = bundled.names()
    width = max(map(len, names), default=0) + 2
    for name in names:
        network = load(bundled.folder() / f"{name}{bundled.SUFFIX}", display_name=name)
        _write(f"{name:<{width}}{network.title or ''}")


@cli.command(context_settings=CONTEXT)
@NET
@click.option("--format", "fmt", type=click.Choice(["svg", "dot"]), default="svg", show_default=True,
              help="svg: a self-contained picture; dot: Graphviz source (`dot -Tpng`).")
@click.option("--gradients", is_flag=True, help="Also write ∂L/∂p under each weight and bias.")
@click.option("--sample", type=click.IntRange(min=1), default=1, show_default=True,
              help="Whose values to show, for a network with several samples.")
@DECIMALS
def graph(net: str | None, fmt: str, gradients: bool, sample: int, decimals: int) -> None:
    """The network drawn left to right by layer: inputs, every node's z and h, every weight.

    Columns are layers (the longest path from an input, in the graph form); biases and
    targets are written under their nodes. Networks of up to 60 inputs and nodes are drawn;
    a larger one is refused (exit 2). Values come from the same step `backprop step` prints.

    \b
    Examples:
      backprop graph > walkthrough.svg
      backprop graph softmax-classifier --gradients --sample 2 > classifier.svg
      backprop graph two-paths --format dot | dot -Tpng > two-paths.png
    """
    from backprop.engine import run
    from backprop.render.graph import graph_dot, graph_svg

    draw = graph_dot if fmt == "dot" else graph_svg
    _write_markup(draw(run(_load(net)), decimals, gradients=gradients, sample=sample))


def _write_markup(text: str) -> None:
    """SVG or DOT text; on a stdout that cannot encode a character, XML's &#...; reference for it,
    which both SVG and Graphviz read as that character."""
    out = sys.stdout
    if out is None:
        return
    encoding = getattr(out, "encoding", None) or "utf-8"
    if not _can_encode(text, encoding):
        text = text.encode(encoding, "xmlcharrefreplace").decode(encoding)
    out.write(text)
    out.flush()


@cli.command(context_settings=CONTEXT)
@click.argument("kind", type=click.Choice(["network", "answers"]), default="network", required=False)
def schema(kind: str) -> None:
    """Print the JSON Schema (draft 2020-12) of a network file or an answers file.

    An editor with YAML support validates and completes a file against it: write it to a file
    and name that file in the first line of the YAML file (see the README).

    \b
    Examples:
      backprop schema > backprop-network.schema.json
      backprop schema answers > backprop-answers.schema.json
    """
    import json

    from backprop.schema import SCHEMAS

    _write(json.dumps(SCHEMAS[kind](), indent=2, ensure_ascii=False))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="backprop")
