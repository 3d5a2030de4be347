"""backprop: a worked-example calculator for neural-network backpropagation.

The public API follows the data flow: ``load`` a network (a file, a bundled network's name or
YAML text) into a Net, ``step`` it into a Trace, ``explain`` one param's gradient from the
trace, ``check`` answers against it; ``Net.train`` runs training. Each returns the immutable
record the CLI renders, shown as its tables by rich and as HTML in Jupyter (backprop.api).
"""

from __future__ import annotations

import sys as _sys
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["BackpropError", "Net", "__version__", "check", "explain", "load", "step"]

if TYPE_CHECKING:
    from backprop.api import Net, check, explain, load, step
    from backprop.errors import BackpropError

# The API is imported on first use (PEP 562), so `backprop --version` or `backprop step`
# pays only for the modules that command needs: the start-up budget of bench/startup.py.
_LAZY = {"step": ("backprop.api", "step"), "explain": ("backprop.api", "explain"),
         "load": ("backprop.api", "load"), "check": ("backprop.api", "check"),
         "Net": ("backprop.api", "Net"), "BackpropError": ("backprop.errors", "BackpropError")}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'backprop' has no attribute {name!r}")
    from importlib import import_module

    module, attr = _LAZY[name]
    value = getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(_ModuleType):
    """The import system binds a submodule to its package's attribute of the same name (importing
    backprop.check sets `backprop.check`); `check` and `explain` are the API's functions and
    also modules, so that binding is refused for them: `backprop.check` is the function whatever
    was imported first (the modules stay in sys.modules, for importlib.import_module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, _ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
