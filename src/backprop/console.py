"""The console script `backprop`: the command line, with Ctrl-C handled from the first import on."""

from __future__ import annotations

import sys


def main() -> None:
    """Import and run the command line; Ctrl-C at any moment, even while click and backprop are
    still being imported, ends with exit 130 and one line on stderr, never a traceback."""
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
        raise SystemExit(130) from None
