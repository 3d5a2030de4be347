"""What the shell completes: bundled network names, and the params of the network on the line.

The command line wraps these in click's completion items; a network that cannot be read gives
no completions (never an error: a TAB must not print a traceback into the user's prompt), and
the work a TAB may cause is bounded: a file larger than MAX_BYTES is not read, and at most
LIMIT names are offered.
"""

from __future__ import annotations

from pathlib import Path

LIMIT = 1_000  #: the most names offered at one TAB
MAX_BYTES = 2_000_000  #: the largest network file read for its param names (~20,000 params)


def networks(incomplete: str) -> list[str]:
    """The bundled networks whose names start with `incomplete`."""
    from backprop import bundled

    return [name for name in bundled.names() if name.startswith(incomplete)][:LIMIT]


def params(net: str | None, incomplete: str) -> list[str]:
    """The params of NET (a file or a bundled network's name; None: the walkthrough, as the
    commands take it) whose names start with `incomplete`, in the file's order; none when NET
    is missing, too large or not a valid network."""
    from backprop import bundled
    from backprop.errors import BackpropError

    name = "walkthrough" if net is None else net
    try:
        path = Path(name) if name.strip() else None
        if path is None or not path.is_file():
            path = bundled.path(name)
        if path is None or path.stat().st_size > MAX_BYTES:
            return []
        from backprop.spec import load

        network = load(path, display_name=name)
    except (BackpropError, OSError, ValueError):  # unreadable, invalid, a name the OS refuses
        return []
    found = [p for p in network.params if p.startswith(incomplete)]
    return found[:LIMIT]
