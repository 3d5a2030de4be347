"""The console script `backprop`: the command line, with Ctrl-C handled from the first import on."""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    """Import and run the command line; Ctrl-C at any moment, even while click and backprop are
    still being imported, ends with exit 130 and one line on stderr, never a traceback.

    The process then ends at once (`os._exit`, as mypy ends its own), once stdout and stderr are
    flushed: freeing every module and record one by one at interpreter exit cost ~10 ms of the
    walkthrough's ~100 ms and gives the user nothing. Every file backprop writes is closed
    before its command returns.

    The cyclic collector is off from the start: the imports make thousands of classes,
    functions and records that live until the end, which it would walk again and again (~3%
    of the walkthrough's `step`); each command runs with it paused anyway (cli.BackpropGroup)."""
    gc.disable()
    try:
        from backprop.cli import main as run

        run()
    except KeyboardInterrupt:
        try:
            if sys.stderr is not None:
                sys.stderr.write("backprop: interrupted\n")
                sys.stderr.flush()
        except (OSError, ValueError):
            pass
        _end(130)
    except SystemExit as done:
        _end(done.code)
    _end(0)


def _end(code: object) -> None:
    """Exit with `code` as SystemExit would take it (None is 0, a text is said on stderr and is 1)."""
    if code is not None and not isinstance(code, int):
        _flushed(sys.stdout)
        if sys.stderr is not None:
            try:
                sys.stderr.write(f"{code}\n")
            except (OSError, ValueError):
                pass
        code = 1
    _flushed(sys.stdout)
    _flushed(sys.stderr)
    os._exit(code or 0)


def _flushed(stream: object) -> None:
    try:
        stream.flush()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # no stream, a reader who left, a closed one
        pass
