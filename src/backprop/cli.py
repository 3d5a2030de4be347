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
                       "′": "'", "→": "->", "≈": "~", "✓": "ok", "✗": "x", "⁻": "^-", "ᶻ": "^z"})


class BackpropGroup(click.Group):
    """Turns every BackpropError into exit 2 with one located message on stderr, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BackpropError as err:
            click.echo(f"backprop: error: {err}", err=True)
            ctx.exit(EXIT_INPUT)
        except BrokenPipeError:
            # `backprop step | head -3`: the reader left; say nothing and leave quietly
            _silence_stdout()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("backprop: interrupted", err=True)
            ctx.exit(130)


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass
    finally:
        os.close(devnull)


def _emit(renderable: Any, *, width: int | None = None) -> None:
    """Print a rich renderable (or text) so that it survives pipes and ASCII-only terminals."""
    from rich.console import Console

    out = sys.stdout
    encoding = (getattr(out, "encoding", None) or "utf-8").lower()
    probe = Console(file=out)
    console = Console(file=io.StringIO(), width=width or probe.width,
                      force_terminal=probe.is_terminal, color_system=probe.color_system,
                      legacy_windows=False, emoji=False, highlight=False,
                      no_color=probe.no_color)
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    if not _can_encode(text, encoding):
        text = text.translate(ASCII).encode(encoding, "replace").decode(encoding)
    out.write(text)
    out.flush()


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


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
    for warning in network.warnings:
        click.echo(f"backprop: warning: {warning}", err=True)
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
def step(net: str | None, fmt: str, decimals: int) -> None:
    """One full training step: forward pass, loss, every chain-rule factor, gradients, update.

    NET is a network file or the name of a bundled network (see `backprop networks`);
    without it the bundled walkthrough runs.

    \b
    Examples:
      backprop step
      backprop step statquest --decimals 4
      backprop step my_net.yaml --format json > report.json
    """
    from backprop.engine import run

    trace = run(_load(net))
    if fmt == "json":
        from backprop.render.json import step_json

        _write(step_json(trace))
        return
    from backprop.render.tables import step_report

    _emit(step_report(trace, decimals))


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
      backprop explain --weight w2_12 two-paths
    """
    from backprop.engine import run
    from backprop.explain import explain as explain_param
    from backprop.render.tables import explain_report

    trace = run(_load(net))
    _emit(explain_report(explain_param(trace, param), trace, decimals))


@cli.command(context_settings=CONTEXT)
def networks() -> None:
    """List the bundled networks (use a name in place of a file: `backprop step statquest`)."""
    from backprop import bundled
    from backprop.spec import load

    for name in bundled.names():
        network = load(bundled.folder() / f"{name}{bundled.SUFFIX}", display_name=name)
        _write(f"{name:<14} {network.title or ''}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="backprop")
