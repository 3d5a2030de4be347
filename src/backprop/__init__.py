"""backprop: a worked-example calculator for neural-network backpropagation.

The public API follows the data flow: ``load`` a network file, ``step`` it into a Trace,
``explain`` one param's gradient from the trace.
"""

from __future__ import annotations

from backprop.engine import run as step
from backprop.explain import explain
from backprop.spec import load

__version__ = "0.1.0"

__all__ = ["__version__", "explain", "load", "step"]
