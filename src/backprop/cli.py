"""The command line: parse options, call load → run → explain/check → render, emit; the only
place that prints or exits."""

from __future__ import annotations

import gc
import io
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from backprop import __version__, safe
from backprop.errors import (
    BackpropError,
    BadSetting,
    NoParamMatches,
    NoSuchParam,
    NoSuchSample,
    UsageError,
)
from backprop.render import (
    CHECK_FORMATS,
    DOCUMENTS,
    EXPLAIN_FORMATS,
    FEEDBACK_FORMATS,
    FRAGMENTS,
    GRAPH_FORMATS,
    MARKUP,
    STEP_FORMATS,
    TRAIN_FORMATS,
    Asking,
    CheckView,
    StepView,
    formats_help,
)

if TYPE_CHECKING:
    from backprop.network import Network
    from backprop.render.layout import RenderableType

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130  #: 128 + SIGINT, as a shell reports a command ended by Ctrl-C
INTERRUPTED = "backprop: interrupted"
MIN_WIDTH, MAX_WIDTH = 20, 10_000  #: the widths a report is laid out in; others fall back to 80
ASCII = str.maketrans({"∂": "d", "σ": "sigma", "−": "-", "·": "*", "Σ": "sum ", "η": "eta",
                       "←": "<-", "²": "^2", "½": "1/2", "δ": "delta", "…": "...", "∞": "inf",
                       "′": "'", "→": "->", "ℓ": "l", "≈": "~", "✓": "ok", "✗": "x", "⁻": "^-", "ᶻ": "^z",
                       "⊙": "o", "—": "-"})  # ⊙: elementwise product (--form matrix), one wide


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


# the loss curve's blocks (backprop train): a low cell as '.', a half or more as '#'
ASCII.update(dict.fromkeys(map(ord, "▁▂▃"), ".") | dict.fromkeys(map(ord, "▄▅▆▇█"), "#"))
TO_ASCII = _Ascii(ASCII)


WARNINGS = "backprop.warnings"  #: ctx.meta key: the input's warnings, said after the command
#: has run and not at all if it fails; ctx.meta lives as long as one invocation, so nothing is
#: left over for the next (a test's CliRunner, an embedding program)


class _HelpFormatter(click.HelpFormatter):
    """click's help, with its unwrapped (\\b) example lines fitted to the width too: an example
    longer than the terminal wraps at a word into its description column (or under itself),
    so the terminal never breaks a command word onto a line of its own."""

    def write_text(self, text: str) -> None:
        start = len(self.buffer)
        super().write_text(text)
        written = "".join(self.buffer[start:])
        del self.buffer[start:]
        self.write("\n".join(_fit_help_line(line, self.width) for line in written.split("\n")))


def _fit_help_line(line: str, width: int) -> str:
    if len(line) <= width:
        return line
    import re
    import textwrap

    lead = len(line) - len(line.lstrip())
    column = max((m.end() for m in re.finditer(r"\S {2,}(?=\S)", line)), default=lead + 4)
    hang = column if column < width - 16 else lead + 4
    return "\n".join(textwrap.wrap(line, width, subsequent_indent=" " * hang,
                                   break_on_hyphens=False, break_long_words=False)) or line


class _HelpContext(click.Context):
    formatter_class = _HelpFormatter


class BackpropGroup(click.Group):
    """Turns every BackpropError into exit 2 with one located message on stderr, in one place."""

    context_class = _HelpContext

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.context_class = _HelpContext  # every command's help fits the width alike
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        # A large network is hundreds of thousands of small objects, freed by reference
        # counting; the cyclic collector would walk them all again and again while they are
        # made (measured: 14% of a 784-128-10 `step --format json`, before the other speed-ups),
        # so it is paused for the command, and any cycle left behind is collected after it.
        collecting = gc.isenabled()
        gc.disable()
        try:
            result = super().invoke(ctx)
        except BackpropError as err:
            # one message: the error says what matters, not the warnings gathered before it
            self.say(f"backprop: error: {worded(err)}")
            ctx.exit(EXIT_INPUT)
        except SystemExit:  # check's exit 1: the report was printed, so are its warnings
            self.warn(ctx)
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
            self.say(INTERRUPTED)
            ctx.exit(EXIT_INTERRUPTED)
        finally:
            if collecting:
                gc.enable()
        self.warn(ctx)
        return result

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if COMPLETE_VAR in os.environ:  # a shell asks for completions or for its script
            _use_our_bash_script()
        return super().main(*args, **kwargs)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """Ctrl-C while the options are read is an interrupt (130), not click's "Aborted!" (1)."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:
            self.say(INTERRUPTED)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None

    def warn(self, ctx: click.Context) -> None:
        """The input's warnings (an unused param), once the command has run."""
        warnings: list[str] = ctx.meta.pop(WARNINGS, [])
        for warning in warnings:
            self.say(f"backprop: warning: {warning}")

    @staticmethod
    def say(message: str) -> None:
        """One line on stderr, printed literally: user text (a file name, a key) may hold a newline
        or an escape sequence, which is shown escaped rather than sent to the terminal."""
        line = safe.line(message)
        stream = sys.stderr
        if stream is None:  # started without a stderr: the exit code says it all
            return
        if not _can_encode(line, getattr(stream, "encoding", None) or "utf-8"):
            line = line.translate(TO_ASCII)
        _Guarded(stream).write(line + "\n")


def worded(err: BackpropError) -> BackpropError:
    """A domain error in the command line's terms: the facts it carries, said with the option
    that gave the name (the code below cli.py knows no options)."""
    if isinstance(err, NoSuchParam):
        message = (f"'{err.name}' is {err.role}, not a param; --weight takes a weight or a bias"
                   if err.role else f"no param '{err.name}' in this network")
        message += f" (nearest params: {', '.join(err.near)})"
    elif isinstance(err, NoParamMatches):
        message = (f"'{err.pattern}' is {err.role}, not a param" if err.role else
                   f"--param '{err.pattern}' names no param")
        if err.near:
            message += f"; did you mean {', '.join(err.near)}?"
        names = err.params
        shown = ", ".join(names[:3]) + (f", … {names[-1]}" if len(names) > 3 else "")
        message += f" (params: {shown}; globs such as 'w1_*' choose several)"
    elif isinstance(err, BadSetting):
        given = f" {err.value}" if err.value is not None else ""
        message = f"--{err.setting.replace('_', '-')}{given}: {err.message}"
        return UsageError(message, file=err.file)
    elif isinstance(err, NoSuchSample):
        n = err.count
        has = f"has {n:,} samples (1 to {n:,})" if n > 1 else "has one sample (1)"
        message = f"--sample {err.sample}: no such sample; this network {has}"
    else:
        return err
    return UsageError(message, file=err.file, line=err.line, column=err.column, path=err.path)


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _silence_stdout() -> None:
    _silence(sys.stdout)


def _silence(stream: Any) -> None:
    """Point a stream's descriptor at the null device: nothing more reaches a reader who left."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    finally:
        os.close(devnull)


class _Guarded:
    """stderr that survives its reader: a closed pipe or a closed descriptor (`2>&-`) swallows
    the message instead of raising, so unusable input still exits 2 and Ctrl-C 130, never 1."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # EPIPE, EBADF, or a stream already closed
            _silence(self._stream)
        return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError):
            _silence(self._stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _emit(document: Any) -> None:
    """Print a report so that it reads well at a terminal (styled: bold titles and headers, dim
    rules, coloured verdicts; NO_COLOR or TERM=dumb turn the styles off), in a pipe or a file
    (plain text, the same characters), and on an ASCII-only stdout. rich is not imported: the
    report is laid out once, as the pipe gets it, and written as it is laid out."""
    from backprop.render.layout import lines

    out = sys.stdout
    if out is None:  # no stdout at all (closed by the caller): nothing to print to
        return
    terminal = _is_terminal(out)
    width = _terminal_width(out) if terminal else _width()
    _stream(out, lines(document, width, styled=terminal and _styles_wanted()))


def _styles_wanted() -> bool:
    """Styles at a terminal unless NO_COLOR is set (no-color.org: any value but empty) or the
    terminal says it draws none (TERM=dumb)."""
    return not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


CHUNK = 1 << 16  #: characters written at a time: a large report never waits in memory as one string


def _stream(out: Any, pieces: Any) -> None:
    """Write text pieces as they come, in chunks. A stdout that cannot encode a character gets
    the math symbols spelled in ASCII (TO_ASCII) and '?' for the rest; on a UTF stream that is
    decided chunk by chunk (only a lone surrogate needs it), on any other the whole text is
    gathered first, so that a symbol is spelled one way throughout."""
    import codecs

    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        utf = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        utf = False
    if not utf:
        pieces = ["".join(pieces)]
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK:
            out.write(_encodable("".join(buffer), encoding))
            buffer, size = [], 0
    if buffer:
        out.write(_encodable("".join(buffer), encoding))
    out.flush()


def _encodable(text: str, encoding: str) -> str:
    if _can_encode(text, encoding):
        return text
    return text.translate(TO_ASCII).encode(encoding, "replace").decode(encoding)


def _is_terminal(out: Any) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _width() -> int:
    """COLUMNS when it is set and sane, else 80, as rich does for a pipe."""
    return _columns() or 80


def _columns() -> int | None:
    """COLUMNS when it is a width a report can be laid out in (20 to 10,000), else None."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    return columns if MIN_WIDTH <= columns <= MAX_WIDTH else None


def _terminal_width(out: Any) -> int:
    """A terminal's width: a sane COLUMNS, else the terminal's own size when sane, else 80. A
    COLUMNS of 0 would print nothing and 1 a character a line, so neither is taken."""
    columns = _columns()
    if columns is not None:
        return columns
    try:
        size = os.get_terminal_size(out.fileno()).columns
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return 80
    return size if MIN_WIDTH <= size <= MAX_WIDTH else 80


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


def _load(net: str | None) -> Network:
    """NET is a path or a bundled network's name (see `_net_path`). The network's warnings are
    kept on the running command's context, for the group to say once it has run."""
    from backprop.spec import load

    path, name = _net_path(net)
    network = load(path, display_name=name)
    _warn_later(network)
    return network


def _warn_later(network: Network) -> None:
    """Keep the network's warnings on the running command's context, for the group to say once
    the command has run (nothing outside a command: there is no one to say them to)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault(WARNINGS, []).extend(network.warnings)


#: how a report tells its reader to ask for more: this command line's own options
ASK = Asking(step="backprop step", every="--all", param="--param", sample="--sample",
             numbers="--format json")

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


# ---------------------------------------------------------------- shell completion
# `eval "$(_BACKPROP_COMPLETE=bash_source backprop)"` (zsh_source, fish_source): click's own
# machinery; NET completes file names and the bundled networks' names, --weight and --param
# the params of the network named before them on the line (backprop.completion).

COMPLETE_VAR = "_BACKPROP_COMPLETE"  #: click's variable for the program name "backprop"

# click's bash script, but a "file" item adds the matching file names to the other items
# (click's own drops them), so that NET offers bundled names and files alike
_BASH_SOURCE = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \\
        %(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            compopt -o filenames
            COMPREPLY+=($(compgen -d -- "$value"))
        elif [[ $type == 'file' ]]; then
            compopt -o filenames
            COMPREPLY+=($(compgen -f -- "$value"))
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=($value)
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""


def _use_our_bash_script() -> None:
    from click.shell_completion import BashComplete, add_completion_class

    class Bash(BashComplete):
        source_template = _BASH_SOURCE

    add_completion_class(Bash, "bash")


def _files(incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def _complete_net(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """NET: a file, or a bundled network's name."""
    return _files(incomplete) + _complete_bundled(incomplete)


def _complete_bundled(incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    from backprop import completion

    return [CompletionItem(name) for name in completion.networks(incomplete)]


def _complete_files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    return _files(incomplete)


def _complete_params(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """--weight, --param: the params of the NET given before them (none given: the walkthrough)."""
    from click.shell_completion import CompletionItem

    from backprop import completion

    return [CompletionItem(name) for name in completion.params(_net_on_the_line(ctx), incomplete)]


def _net_on_the_line(ctx: click.Context) -> str | None:
    """The NET typed before the option being completed; None when none was typed (the command's
    walkthrough), "" when the line cannot be read (no completions). click parses the words
    before the cursor, but an option still waiting for its value (`--weight` then TAB) fails
    that parse and leaves every param unset; the words are parsed again without it."""
    net = ctx.params.get("net")
    if isinstance(net, str):
        return net
    words = list(ctx.parent.args) if ctx.parent is not None else []
    if not words or not words[-1].startswith("-"):
        return None
    try:
        again = ctx.command.make_context(ctx.info_name, words[:-1], parent=ctx.parent,
                                         resilient_parsing=True)
    except click.ClickException:
        return ""
    net = again.params.get("net")
    return net if isinstance(net, str) else None


NET = click.argument("net", required=False, metavar="[NET]", shell_complete=_complete_net)
SAMPLE = click.option("--sample", "samples", multiple=True, type=click.IntRange(min=1), metavar="K",
                      help="Show sample K (1-based) in full; repeatable. A network with more "
                           "than 10 samples otherwise shows its first.")
FRAGMENT = click.option("--fragment", is_flag=True,
                        help="With --format latex or html: the body alone, without the preamble "
                             "or page around it, for pasting into a document of your own.")


def _fragment_fits(fmt: str, fragment: bool) -> None:
    if fragment and fmt not in FRAGMENTS:
        raise click.UsageError(f"--fragment is for --format {' or '.join(sorted(FRAGMENTS))}, "
                               f"not {fmt}")


def _emit_any(fmt: str, out: RenderableType | str) -> None:
    """A format's output: finished text (json, markdown, latex, html) or a document to lay out."""
    if isinstance(out, str):
        _write_text(fmt, out)
    else:
        _emit(out)


def _write_text(fmt: str, text: str) -> None:
    """A text format's output: HTML keeps a character stdout cannot encode as &#…;."""
    if fmt in MARKUP:
        _write_markup(text)
    else:
        _write(text)


DECIMALS = click.option("--decimals", type=click.IntRange(0, 15), default=3, show_default=True,
                        help="Decimals to print (a value that would keep fewer than 2 "
                             "significant digits prints 3 significant figures).")


@cli.command(context_settings=CONTEXT)
@NET
@click.option("--format", "fmt", type=click.Choice(sorted(STEP_FORMATS)), default="table",
              show_default=True, help=formats_help(STEP_FORMATS))
@DECIMALS
@click.option("--all", "show_all", is_flag=True,
              help="Every row, even for a large network (more than 200 params or 100 nodes), "
                   "which is otherwise summarised layer by layer, and every sample of a network "
                   "with more than 10, which otherwise shows its first in full.")
@click.option("--param", "params", multiple=True, metavar="NAME", shell_complete=_complete_params,
              help="Show the gradient and update of this param; repeatable; a glob such as "
                   "'w1_*' picks several.")
@SAMPLE
@click.option("--form", type=click.Choice(["tables", "matrix"]), default="tables", show_default=True,
              help="tables: the step as tables of named values; matrix: every layer's δ vector "
                   "and gradient matrix, δ⁽ⁱ⁾ = diag(F′ᵢ)·W⁽ⁱ⁺¹⁾ᵀ·δ⁽ⁱ⁺¹⁾ (a layered network).")
@FRAGMENT
def step(net: str | None, fmt: str, decimals: int, show_all: bool, params: tuple[str, ...],
         samples: tuple[int, ...], form: str, fragment: bool) -> None:
    """One full training step: forward pass, loss, every chain-rule factor, gradients, update.

    NET is a network file or the name of a bundled network (see `backprop networks`);
    without it the bundled walkthrough runs. A large network's tables are summarised
    layer by layer, and a network with more than 10 samples works its first sample in
    full; --all shows every row, --param the chosen params, --sample the chosen samples.

    \b
    Examples:
      backprop step
      backprop step statquest --decimals 4
      backprop step my_net.yaml --format json > report.json
      backprop step --format latex > step.tex && pdflatex step.tex
      backprop step mnist.yaml --param 'w2_1_*' --param b2_1
      backprop step class-data.yaml --sample 3 --sample 17
      backprop step layered --form matrix
    """
    _fragment_fits(fmt, fragment)
    if form == "matrix":
        _step_matrix(net, fmt, decimals, show_all, params, samples, fragment)
        return
    if show_all and params:
        raise click.UsageError("--all shows every param; leave out --param, or --all")
    if fmt == "json" and (show_all or params or samples):
        raise click.UsageError("--all, --param and --sample choose table rows; --format json "
                               "always holds every param and sample")
    from backprop.engine import run

    trace = run(_load(net))
    view = StepView(decimals=decimals, show_all=show_all, params=params, samples=samples, ask=ASK,
                    fragment=fragment)
    out = STEP_FORMATS[fmt].step()(trace, view)
    if isinstance(out, str):
        _write_text(fmt, out)
    else:
        _emit(out)


def _step_matrix(net: str | None, fmt: str, decimals: int, show_all: bool,
                 params: tuple[str, ...], samples: tuple[int, ...], fragment: bool) -> None:
    """`step --form matrix`: forms.py's MatrixForm in the asked format."""
    if show_all or params:
        raise click.UsageError("--form matrix shows every layer; leave out --all and --param")
    from backprop.engine import run
    from backprop.forms import matrix_form
    from backprop.render import forms as written

    trace = run(_load(net))
    _emit_any(fmt, written.write(matrix_form(trace, None, samples), fmt, decimals, trace.notes,
                                 fragment=fragment))


@cli.command(context_settings=CONTEXT)
@click.option("--weight", "-w", "param", required=True, metavar="NAME",
              shell_complete=_complete_params,
              help="The param to explain: any weight or bias.")
@NET
@click.option("--format", "fmt", type=click.Choice(sorted(EXPLAIN_FORMATS)), default="table",
              show_default=True, help=formats_help(EXPLAIN_FORMATS))
@DECIMALS
@SAMPLE
@click.option("--form", type=click.Choice(["chain", "matrix", "sum"]), default="chain",
              show_default=True,
              help="chain: the chain of named factors, path by path; matrix: δ vectors and the "
                   "gradient matrix δ⁽ⁱ⁾·O⁽ⁱ⁻¹⁾ᵀ; sum: the nested sums over the layers' indices, "
                   "then in numbers (matrix and sum need a layered network).")
@FRAGMENT
def explain(param: str, net: str | None, fmt: str, decimals: int, samples: tuple[int, ...],
            form: str, fragment: bool) -> None:
    """One param's gradient: the chain rule written out, every factor, every path, their sum.

    One block per use of the param and sample; when there are more than 10, the first few
    are shown and the rest counted into the sum (--sample K shows chosen samples).

    \b
    Examples:
      backprop explain --weight w5
      backprop explain --weight w1
      backprop explain --weight w1_12 two-paths
      backprop explain --weight w3 statquest --sample 2
      backprop explain --weight w1_11 layered --form matrix
      backprop explain --weight w5 --format latex --fragment >> notes.tex
    """
    _fragment_fits(fmt, fragment)
    from backprop.engine import run
    from backprop.explain import explain as explain_param

    trace = run(_load(net))
    if form != "chain":
        from backprop import forms
        from backprop.render import forms as written

        made = (forms.matrix_form(trace, param, samples) if form == "matrix" else
                forms.sum_form(trace, param, samples))
        _emit_any(fmt, written.write(made, fmt, decimals, trace.notes, fragment=fragment))
        return
    view = StepView(decimals=decimals, samples=samples, ask=ASK, fragment=fragment)
    _emit_any(fmt, EXPLAIN_FORMATS[fmt].load()(trace, explain_param(trace, param, samples), view))


@cli.command(context_settings=CONTEXT)
@click.argument("net", metavar="NET", shell_complete=_complete_net)
@click.argument("answers", nargs=-1, required=True, metavar="ANSWERS...",
                shell_complete=_complete_files)
@click.option("--format", "fmt", type=click.Choice(sorted(CHECK_FORMATS)), default="table",
              show_default=True, help=formats_help(CHECK_FORMATS))
@click.option("--summary", is_flag=True,
              help="One row per student: the table's summary, or with --format csv or json a "
                   "gradebook (counts per verdict, score, mistakes named).")
@click.option("--precision", metavar="P",
              help="The precision answers are compared at, at least: N decimals (default 3), "
                   "Nsf significant figures (4sf), or 'written' (the decimals written alone). "
                   "An answer right only at its own coarser precision is 'imprecise'.")
@click.option("--tolerance", metavar="TOL",
              help="Replace the precision rule: an absolute tolerance (0.001, below 1) or a "
                   "relative one (1%, below 50%); not with --precision.")
@click.option("--feedback", "feedback", metavar="DIR",
              help="Also write one page per student into DIR: every answer, its verdict and "
                   "the explanation.")
@click.option("--feedback-format", "feedback_format", type=click.Choice(sorted(FEEDBACK_FORMATS)),
              default="markdown", show_default=True,
              help="The feedback pages' format: Markdown (.md) or a self-contained HTML page "
                   "(.html), as `check --format html` prints one sheet.")
@FRAGMENT
def check(net: str, answers: tuple[str, ...], fmt: str, summary: bool, precision: str | None,
          tolerance: str | None, feedback: str | None, feedback_format: str,
          fragment: bool) -> None:
    """Mark students' answers: correct, rounding slip, carried forward, imprecise, or wrong — and
    why.

    NET is a network file, a bundled network's name, or a folder of per-student variants
    (NAME-v01.yaml, NAME-v02.yaml, … as `backprop new --variants N` writes them). Each ANSWERS
    is an answers file — a mapping quantity: number, named as the tables print them (z1, y_hat,
    L, dL/dw5, dy_hat/dz3, w5_new, z1[2] for sample 2), each quantity once — a page the
    student typed (Markdown .md, LaTeX .tex or plain text .txt, each equation `LHS = … =
    number` one answer, checked step by step), or a folder of them (other files are listed as
    skipped). Against a folder of variants, a sheet names its variant with `variant: v07` or in
    its file name (alice-v07.yaml). An answer is compared at the finer of its written decimals
    and --precision (3 decimals unless told).
    Exit 0 when no answer is wrong or unknown, 1 when one is, 2 when a file cannot be used —
    after every other sheet has been marked.

    \b
    Examples:
      backprop check walkthrough networks/walkthrough.answers.yaml
      backprop check walkthrough homework.tex
      backprop check net.yaml class/ --summary
      backprop check net.yaml class/ --summary --format csv > gradebook.csv
      backprop check variants/ class/ --summary --format json --feedback feedback/
      backprop check net.yaml class/ --summary --feedback out/ --feedback-format html
      backprop check net.yaml submission.yaml --format gradescope > results.json
    """
    from backprop.check import Precision, Tolerance
    from backprop.classroom import gather, grade, load_variants

    if summary and fmt == "gradescope":
        raise UsageError("--summary: Gradescope's results.json has one test per quantity; "
                         "drop --summary, or use --format csv or json for a gradebook")
    _fragment_fits(fmt, fragment)
    if precision is not None and tolerance is not None:
        raise UsageError("--precision and --tolerance are two rules for how close is right: "
                         "give one (--tolerance compares at an absolute or relative distance "
                         "whatever the decimals written)")
    rule = (Tolerance.parse(tolerance) if tolerance is not None else
            Tolerance(precision=Precision.parse(precision)) if precision is not None else
            Tolerance())
    if feedback is not None:
        _check_folder("--feedback", feedback)
    network = load_variants(net, _load) if net.strip() and Path(net).is_dir() else _load(net)
    if isinstance(network, dict) and precision is None and tolerance is None:
        _warn_coarse_keys(network, rule.precision.digits)
    sheets, skipped = gather(answers)
    if feedback is None and feedback_format != "markdown":
        raise UsageError("--feedback-format: give --feedback DIR too (the folder the pages go in)")
    if feedback is not None:
        _feedback_spares_inputs(Path(feedback), sheets, net,
                                FEEDBACK_FORMATS[feedback_format].suffix)
    book = grade(network, sheets, rule, skipped)
    if len(book.rows) == 1 and book.rows[0].problem is not None and fmt != "gradescope":
        # one sheet: its message, as for any file that cannot be used (for Gradescope, a
        # results.json that says why still, so the student sees it; so does a feedback page)
        if feedback is not None:
            _write_feedback(book, Path(feedback), feedback_format)
        raise book.rows[0].problem
    _emit_check(book, fmt, CheckView(summary=summary, fragment=fragment))
    if feedback is not None:
        _write_feedback(book, Path(feedback), feedback_format)
    if book.unusable:
        for row in book.unusable:  # one line each; every other sheet was marked above
            BackpropGroup.say(f"backprop: error: {row.error}")
        raise SystemExit(EXIT_INPUT)
    if book.failed:
        raise SystemExit(1)


def _warn_coarse_keys(variants: dict[int, Any], required: int) -> None:
    """Keys written by `new --decimals 2`, marked at the default 3 decimals, would mark every
    answer right to the key's 2 decimals imprecise: said, once the class is marked."""
    written = {v.key_decimals for v in variants.values() if v.key_decimals}
    ctx = click.get_current_context(silent=True)
    if written and max(written) < required and ctx is not None:
        places = max(written)
        ctx.meta.setdefault(WARNINGS, []).append(
            f"the variants' keys are written to {places} decimals, but answers are required to "
            f"{required} (the default), so an answer right to {places} is marked imprecise; "
            f"pass --precision {places} to mark at the keys' places")


def _emit_check(book: Any, fmt: str, view: CheckView) -> None:
    from backprop.render import check as render

    summary = view.summary
    if fmt in DOCUMENTS:
        _write_text(fmt, CHECK_FORMATS[fmt].load()(book, view))
    elif fmt == "gradescope":
        _write(render.gradescope_json(book))
    elif fmt == "json":
        _write(render.gradebook_json(book) if summary else render.class_json(book))
    elif fmt == "csv":
        _write(render.gradebook_csv(book) if summary else render.reports_csv(book.rows))
    else:
        from backprop.render.documents import check_document

        _emit(check_document(book, view))


def _feedback_spares_inputs(folder: Path, sheets: list[str], net: str, suffix: str) -> None:
    """Refuse, before any marking, a feedback page that would replace a file being marked or
    marked against (`--feedback class/` where a student handed in `class/ada.md`)."""
    from backprop.classroom import Row, feedback_names

    if not folder.is_dir():
        return

    def identity(path: str) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    inputs = [*sheets, net]
    if os.path.isdir(net):
        inputs += [os.path.join(net, name) for name in os.listdir(net)]
    used = {identity(path): path for path in reversed(inputs)}  # a sheet named first
    for sheet, name in zip(sheets, feedback_names([Row(file=s) for s in sheets], suffix),
                           strict=True):
        target = identity(str(folder / name))
        clash = used.get(target) if target is not None else None
        if clash is not None:
            what = "the sheet itself" if clash == sheet else f"{safe.line(clash, 80)}, one of the inputs"
            raise UsageError(f"--feedback: the page for {safe.line(sheet, 80)} would replace {what}; "
                             f"give the feedback a folder of its own", file=str(folder / name))


def _write_feedback(book: Any, folder: Path, fmt: str) -> None:
    """One page per sheet in the --feedback-format, named from the sheet
    (classroom.feedback_names)."""
    from backprop.classroom import feedback_names

    how = FEEDBACK_FORMATS[fmt]
    writer = how.writer.load()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for row, name in zip(book.rows, feedback_names(book.rows, how.suffix), strict=True):
            (folder / name).write_text(writer(row), encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--feedback: cannot write: {err.strerror or err.__class__.__name__}",
                         file=os.fsdecode(err.filename) if err.filename is not None else
                         str(folder)) from None


@cli.group(context_settings=CONTEXT, invoke_without_command=True)
@click.pass_context
def networks(ctx: click.Context) -> None:
    """List the bundled networks (use a name in place of a file: `backprop step statquest`).

    \b
    Examples:
      backprop networks
      backprop networks show layered > my_net.yaml    a bundled network's file, to start from
    """
    if ctx.invoked_subcommand is not None:
        return
    from backprop import bundled
    from backprop.render.layout import Table, Text
    from backprop.spec import load

    table = Table()
    table.add_column(no_wrap=True)
    table.add_column()
    for name in bundled.names():
        network = load(bundled.folder() / f"{name}{bundled.SUFFIX}", display_name=name)
        table.add_row(Text(name, style="bold"), Text(safe.line(network.title or "")))
    _emit(table)


@networks.command(context_settings=CONTEXT)
@click.argument("name", shell_complete=lambda ctx, param, incomplete: _complete_bundled(incomplete))
def show(name: str) -> None:
    """Print a bundled network's file as it ships, comments and all, to start your own from.

    \b
    Examples:
      backprop networks show walkthrough
      backprop networks show softmax-classifier > my_net.yaml
    """
    from backprop import bundled

    found = bundled.path(name)
    if found is None:
        from backprop.spec import did_you_mean

        names = bundled.names()
        raise UsageError(f"no bundled network '{safe.line(name, 40)}'{did_you_mean(name, names)} "
                         f"(bundled: {', '.join(names)})")
    _write_exact(found.read_bytes())


def _write_exact(data: bytes) -> None:
    """A file's bytes as they are (a copy of it, whatever stdout's encoding), where stdout takes
    bytes; otherwise its text."""
    out = sys.stdout
    if out is None:
        return
    out.flush()
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        out.write(data.decode("utf-8"))
        out.flush()


@cli.command(context_settings=CONTEXT)
@NET
@click.option("--format", "fmt", type=click.Choice(sorted(GRAPH_FORMATS)), default="svg",
              show_default=True,
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

    draw = GRAPH_FORMATS[fmt].load()
    try:
        _write_markup(draw(run(_load(net)), decimals, gradients=gradients, sample=sample))
    except NoSuchSample as err:
        n = err.count
        raise UsageError(f"--sample {err.sample}: the network has {n} sample{'s' if n > 1 else ''}",
                         file=err.file) from None


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
@click.argument("kind", type=click.Choice(["network", "answers", "explain"]), default="network",
                required=False)
def schema(kind: str) -> None:
    """Print the JSON Schema (draft 2020-12) of a network file, an answers file, or the JSON
    that `backprop explain --format json` prints.

    An editor with YAML support validates and completes a file against it: write it to a file
    and name that file in the first line of the YAML file (see the README).

    \b
    Examples:
      backprop schema > backprop-network.schema.json
      backprop schema answers > backprop-answers.schema.json
      backprop schema explain > backprop-explain.schema.json
    """
    import json

    from backprop.schema import SCHEMAS

    _write(json.dumps(SCHEMAS[kind](), indent=2, ensure_ascii=False))


_NAME_LIMIT = 100  #: the longest --name: it is a file name's stem
#: names Windows keeps for devices, whatever the extension (classroom's feedback pages avoid them too)
_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                      *(f"lpt{i}" for i in range(10))})


@cli.command(context_settings=CONTEXT)
@click.option("--shape", default="2-2-1", show_default=True, metavar="W-W-…",
              help="Layer widths, inputs first (2 to 5 layers, each 1 to 6 wide).")
@click.option("--activation", metavar="NAME",
              help="The hidden nodes' activation (an elementwise one from the registry; default: "
                   "the walkthrough's, sigmoid); the outputs' follows the loss (sigmoid for bce, "
                   "softmax for cross_entropy).")
@click.option("--loss", metavar="KIND",
              help="The loss kind: sse, mse, half_sse, bce, cross_entropy (default: the "
                   "walkthrough's, mse).")
@click.option("--samples", default=1, show_default=True, type=click.IntRange(1, 4),
              help="Training samples in the step.")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(0, 2**63 - 1),
              help="The same seed writes the same files, byte for byte.")
@click.option("--variants", type=click.IntRange(1, 500), default=None,
              help="Write N variants, NAME-v01.yaml … (one per student).")
@click.option("--out", "out_dir", default=".", show_default=True, metavar="DIR",
              help="The folder to write into (made if missing); - prints the network file.")
@click.option("--name", default="exercise", show_default=True, help="The files' stem.")
@click.option("--answers", is_flag=True, help="Also write the key: NAME.answers.yaml and .answers.md.")
@click.option("--worksheet", is_flag=True,
              help="Also write the blank exercise: NAME.worksheet.md and .worksheet.tex.")
@click.option("--decimals", type=click.IntRange(1, 6), default=3, show_default=True,
              help="The precision the answers are required to.")
@click.option("--report", "show_report", is_flag=True,
              help="Print the question tests: draws per variant, where each mistake shows.")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def new(shape: str, activation: str | None, loss: str | None, samples: int, seed: int, variants: int | None,
        out_dir: str, name: str, answers: bool, worksheet: bool, decimals: int,
        show_report: bool, force: bool) -> None:
    """Write an exercise network with numbers a student can work by hand, and its key.

    Every variant written is worth marking: each catalogued mistake, made on a quantity the
    worksheet asks, gives a number `check` tells apart from the true value and from every other
    mistake's (a draw that fails is redrawn from the seed). Prints the files written.

    \b
    Examples:
      backprop new --answers                         exercise.yaml and its key
      backprop new --shape 2-3-2 --loss cross_entropy --variants 30 --answers --out class
      backprop new --activation tanh --worksheet --report
      backprop check class/exercise-v07.yaml class/exercise-v07.answers.yaml
    """
    from backprop.exercise import Spec, defaults, hidden_choices, make, parse_shape, variant_label
    from backprop.losses import LOSSES
    from backprop.render.worksheet import documents, report

    activation = activation if activation is not None else defaults()[0]
    loss = loss if loss is not None else defaults()[1]

    if activation not in hidden_choices():
        raise UsageError(f"--activation: '{safe.line(activation, 40)}' is not one of "
                         f"{', '.join(hidden_choices())}")
    if loss not in LOSSES:
        raise UsageError(f"--loss: '{safe.line(loss, 40)}' is not one of {', '.join(sorted(LOSSES))}")
    if (not name or len(name) > _NAME_LIMIT or safe.has_unsafe(name) or "/" in name or "\\" in name
            or name.startswith((".", "-")) or not name.isprintable()):
        raise UsageError(f"--name: '{safe.line(name, 40)}' must be 1 to {_NAME_LIMIT} printable "
                         f"characters, no '/' or '\\', not starting with '.' or '-' (a command "
                         f"would read the file as an option)")
    if name.split(".")[0].strip().lower() in _DEVICES:
        raise UsageError(f"--name: '{safe.line(name, 40)}' is a device's name on Windows, where "
                         f"the class may open the files; choose another")
    spec = Spec(parse_shape(shape), activation, loss, samples, decimals)
    count = variants or 1
    title = f"{name}: {'-'.join(map(str, spec.shape))} {activation} network, {loss}"
    labels = [variant_label(k, count) if variants else "" for k in range(1, count + 1)]
    made = [make(spec, seed, title + (f" (variant {label})" if label else ""), label, k)
            for k, label in enumerate(labels, start=1)]
    if out_dir == "-":  # the network file on stdout, for a look or a pipe
        if variants or answers or worksheet:
            raise UsageError("--out -: prints one network file; --variants, --answers and "
                             "--worksheet write files, so give them a folder")
        _write(made[0].text + ("\n" + report(made) if show_report else ""))
        return
    folder = _check_folder("--out", out_dir)
    files = [(folder / file, text) for v in made
             for file, text in documents(v, name, decimals, answers, worksheet)]
    for path, _ in files:  # all refused before any is written, so no half-written class
        if path.is_dir():
            raise UsageError("is a folder, where a file is to be written", file=str(path))
        if not force and path.exists():
            raise UsageError("exists; pass --force to overwrite it", file=str(path))
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    lines = [safe.line(str(path)) for path, _ in files]
    _write("\n".join(lines) + ("\n\n" + report(made) if show_report else ""))

if TYPE_CHECKING:  # click 8.4 made ParamType generic; 8.2, which pyproject allows, is not
    _ParamType = click.ParamType[Any]
else:
    _ParamType = click.ParamType


class _Bounded(_ParamType):
    """A whole number (or a finite number) within bounds. A value out of them is the project's
    UsageError, named by its option, so it prints as one line like every other input error."""

    def __init__(self, kind: type[int] | type[float], low: float, high: float | None = None) -> None:
        self.kind, self.low, self.high = kind, low, high
        self.name = "integer" if kind is int else "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        option = param.opts[0] if param is not None and param.opts else "value"
        what = "a whole number" if self.kind is int else "a number"
        if self.high is not None:
            what += f" from {self.low:,} to {self.high:,}"
        else:
            what += f" of at least {self.low:,}"
        try:
            number = self.kind(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not math.isfinite(number) or number < self.low or (
                self.high is not None and number > self.high):
            raise UsageError(f"expected {what}, found {_shorten(repr(str(value)), 60)}",
                             path=(option,))
        return number


_MAX_STEPS = 1_000_000  #: backprop.train.MAX_STEPS, written here so that start-up imports no engine


def _net_path(net: str | None) -> tuple[Path, str]:
    """NET as a path, and the name messages give it: the path as typed, or a bundled name. None
    means the walkthrough, but an empty NET (`backprop step "$NET"` with NET unset) is an error,
    never the walkthrough."""
    from backprop import bundled

    if net is not None and not net.strip():
        raise UsageError(f"NET is {'empty' if not net else 'only spaces'} (an unset shell "
                         f"variable?): give a network file or a bundled network's name "
                         f"({', '.join(bundled.names())})")
    name = net or "walkthrough"
    path = Path(name)
    if path.exists():
        return path, name
    found = bundled.path(name)
    if found is None:
        from backprop.spec import did_you_mean

        raise UsageError(f"no such file, and no bundled network of that name"
                         f"{did_you_mean(name, bundled.names())} "
                         f"(bundled: {', '.join(bundled.names())})", file=name)
    return found, name


def _check_folder(option: str, folder: str) -> Path:
    """A folder to write into, made if missing: refused before any work when it is empty (an
    unset shell variable would write into the current folder), a file, or under a file."""
    if not folder.strip():
        raise UsageError(f"{option}: expected a folder, found {'nothing' if not folder else 'only spaces'} "
                         f"(an unset shell variable?)")
    path = Path(folder)
    there = next((p for p in (path, *path.parents) if p.exists()), None)
    if there is not None and not there.is_dir():
        raise UsageError(f"{option}: not a folder" if there == path else
                         f"{option}: cannot make the folder '{safe.line(folder, 80)}' under a file",
                         file=str(there))
    return path


def _check_writable(out: str) -> None:
    """Refuse, before any training, a --save path that cannot be written."""
    if not out:
        raise UsageError("expected the path of a file to write, found nothing", path=("--save",))
    path = Path(out)
    if path.is_dir():
        raise UsageError("is a folder; --save takes the path of a file to write", file=out)
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"cannot save here: the folder {str(folder)!r} does not exist", file=out)
    if not os.access(folder, os.W_OK):
        raise UsageError(f"cannot save here: the folder {str(folder)!r} is not writable", file=out)


def _out_width() -> int:
    """The width the report is laid out in: the terminal's, or COLUMNS (80) for a pipe."""
    if _is_terminal(sys.stdout):
        import shutil

        return shutil.get_terminal_size().columns
    return _width()


@cli.command(context_settings=CONTEXT)
@NET
@click.option("--steps", type=_Bounded(int, 1, _MAX_STEPS), default=100, show_default=True,
              metavar="N", help=f"Take at most N steps (at most {_MAX_STEPS:,}).")
@click.option("--until-loss", type=_Bounded(float, 0), metavar="X",
              help="Stop as soon as the loss is at most X.")
@click.option("--min-improvement", type=_Bounded(float, 0), metavar="D",
              help="Stop as soon as the loss has fallen by less than D over the last --window "
                   "steps (it rose, or it flattened out).")
@click.option("--window", type=_Bounded(int, 1, _MAX_STEPS), metavar="K",
              help="The steps --min-improvement looks back over.  [default: 10]")
@click.option("--every", type=_Bounded(int, 1, _MAX_STEPS), metavar="K",
              help="A row of the loss table every K steps.  [default: a round number that gives "
                   "about 10 rows]")
@click.option("--explain-every", type=_Bounded(int, 1, _MAX_STEPS), metavar="K",
              help="Print the whole worked step, as `backprop step` does, at steps K, 2K, 3K, …")
@click.option("--save", "out", metavar="OUT.yaml",
              help="Write the trained network to OUT.yaml: the file as it came (form, names, "
                   "comments) with the trained params, from which `backprop step` continues.")
@click.option("--format", "fmt", type=click.Choice(sorted(TRAIN_FORMATS)), default="table",
              show_default=True, help=formats_help(TRAIN_FORMATS))
@DECIMALS
def train(net: str | None, steps: int, until_loss: float | None, min_improvement: float | None,
          window: int | None, every: int | None, explain_every: int | None, out: str | None,
          fmt: str, decimals: int) -> None:
    """Train: gradient-descent steps until a stop rule is met, with the loss curve and the
    params before and after.

    Each step is `backprop step` on the params the step before left. The run stops after
    --steps, or earlier when the loss reaches --until-loss, or when it falls by less than
    --min-improvement over the last --window steps. At a terminal a progress bar shows on
    stderr while it runs.

    \b
    Examples:
      backprop train statquest --steps 300
      backprop train my_net.yaml --until-loss 0.001 --steps 100000
      backprop train my_net.yaml --min-improvement 1e-6 --window 50 --save trained.yaml
      backprop step trained.yaml              the next step, exactly where training stopped
      backprop train --steps 20 --explain-every 10
      backprop train statquest --format json > run.json
    """
    from contextlib import nullcontext

    from backprop import save as saving
    from backprop.render.layout import Group, Text
    from backprop.render.step import step_report
    from backprop.render.train import explained_heading, train_json, train_report
    from backprop.trace import Trace
    from backprop.train import DEFAULT_WINDOW, MinImprovement, StopRule, UntilLoss, check_explained
    from backprop.train import train as training

    if window is not None and min_improvement is None:
        raise UsageError("--window is the span of --min-improvement; give --min-improvement D too",
                         path=("--window",))
    if every is not None and fmt == "json":
        raise UsageError("--every chooses the table's rows; --format json holds every step's loss",
                         path=("--every",))
    path, name = _net_path(net)
    source = saving.read(path, name)
    network = source.network
    _warn_later(network)
    if explain_every is not None:
        try:
            check_explained(network, steps, explain_every, kept=fmt == "json")
        except UsageError as err:  # a bound on the worked steps: said as the option's
            raise UsageError(err.message, path=("--explain-every",)) from None
    if out is not None:
        _check_writable(out)
    rules: list[StopRule] = []
    if until_loss is not None:
        rules.append(UntilLoss(until_loss))
    if min_improvement is not None:
        rules.append(MinImprovement(min_improvement, window or DEFAULT_WINDOW))

    bar = None
    if _is_terminal(sys.stderr):
        from backprop.render.progress import TrainingBar

        bar = TrainingBar(steps, network.loss.name)
    explained: list[tuple[int, Trace]] = []

    def on_step(step: int, trace: Trace) -> None:
        if bar is not None:
            bar.update(step, trace.loss_new)
        if explain_every is None or step % explain_every:
            return
        if fmt == "json":
            explained.append((step, trace))
            return
        report = Group(explained_heading(step, steps), Text(""), step_report(trace, decimals),
                       Text(""))
        with bar.paused() if bar is not None else nullcontext():
            _emit(report)

    with bar if bar is not None else nullcontext():
        result = training(network, steps, rules, on_step)
    if out is not None:
        saving.save(source, result.final.params, out, result.final.optimizer.state)
    if fmt == "json":
        _write(train_json(result, explained))
        return
    report = train_report(result, decimals, every=every, width=_out_width(), ask=ASK)
    if out is not None:
        report = Group(report, Text(""), Text(f"Saved the trained network to {safe.line(out)}."))
    _emit(report)


def main() -> None:
    """Run the command line: exit 0, 1 (check: a wrong answer), 2 (unusable input or options) or
    130 (Ctrl-C), whatever the state of stderr. backprop.console.main wraps this for the imports."""
    if sys.stderr is None:  # started with fd 2 closed: click would print usage errors on stdout
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # for the life of the process
    if not isinstance(sys.stderr, _Guarded):
        sys.stderr = _Guarded(sys.stderr)  # click writes its usage errors here too
    try:
        cli.main(prog_name="backprop")
    except KeyboardInterrupt:  # between click's own handlers: a clean interrupt all the same
        BackpropGroup.say(INTERRUPTED)
        raise SystemExit(EXIT_INTERRUPTED) from None
