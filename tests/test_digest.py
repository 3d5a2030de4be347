"""The numbers a summarised step shows, read from the Trace by backprop.digest (the renderer only
prints them), against values worked by hand from the bundled networks' files."""

from __future__ import annotations

import pytest

from backprop import load, step
from backprop.digest import Ranges, largest_step, value_ranges
from conftest import NETWORKS


def test_value_ranges_over_the_samples() -> None:
    # networks/softmax-classifier.yaml: x1 is 1.0 and 2.0, x2 is 2.0 and -1.0 in its two samples
    trace = step(load(NETWORKS / "softmax-classifier.yaml"))
    ranges = dict(value_ranges(trace))
    assert ranges["x1"] == Ranges(1.0, 1.5, 2.0)
    assert ranges["x2"] == Ranges(-1.0, 0.5, 2.0)
    # z1 = w11·x1 + w12·x2 + b1 = 0.5·x1 + 0.3·x2 + 0.1: 1.2 and 0.8
    assert ranges["z1"].min == pytest.approx(0.8) and ranges["z1"].max == pytest.approx(1.2)
    assert ranges["z1"].mean == pytest.approx(1.0)


def test_the_mean_is_exactly_rounded() -> None:
    # naive left-to-right summation gives 0.0 here (1e16 swallows the 1.0); fsum gives 1/3
    assert Ranges.of([1e16, 1.0, -1e16]).mean == pytest.approx(1 / 3)


def test_the_largest_step_is_the_largest_gradient_times_eta() -> None:
    # the walkthrough's |∂L/∂p| (tests/test_walkthrough.py's hand calculation): w5 ≈ 0.0998 is
    # the largest, so with one η for every param its step η·|g| is the largest too
    assert largest_step(step(load(NETWORKS / "walkthrough.yaml"))) == "w5"
