"""backprop: a worked-example calculator for neural-network backpropagation.

The public API follows the data flow: ``load`` a network file, ``step`` it into a Trace,
``explain`` one param's gradient from the trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "check", "explain", "load", "step"]

if TYPE_CHECKING:
    from backprop.check import check
    from backprop.engine import run as step
    from backprop.explain import explain
    from backprop.spec import load

# The API is imported on first use (PEP 562), so `backprop --version` or `backprop step`
# pays only for the modules that command needs: the start-up budget of bench/startup.py.
_LAZY = {"step": ("backprop.engine", "run"), "explain": ("backprop.explain", "explain"),
         "load": ("backprop.spec", "load"), "check": ("backprop.check", "check")}


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
