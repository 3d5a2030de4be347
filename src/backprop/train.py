"""Training: engine.run step after step on the updated network, until a stop rule is met."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from backprop.engine import run
from backprop.errors import NumericError, UsageError
from backprop.network import Network
from backprop.notation import given
from backprop.trace import Trace

# A run is read by a person (a table, a curve) and its loss history is kept whole: at 8 bytes a
# pointer and 24 a float, 1,000,000 steps hold 32 MB, and the walkthrough or StatQuest's network
# takes about 0.25 ms a step (4 minutes for the lot). Nothing else grows with the steps.
MAX_STEPS = 1_000_000  #: --steps at most
Fmt = Callable[[float], str]
DEFAULT_WINDOW = 10  #: --min-improvement looks back this many steps unless told otherwise
MAX_EXPLAINED = 1_000  #: worked steps one run may print (--explain-every)
MAX_KEPT = 5_000_000  #: numbers the worked steps of a JSON report may hold, all kept to the end


@dataclass(frozen=True, slots=True)
class UntilLoss:
    """Stop once the loss is at most `target`."""

    target: float
    code = "until_loss"  #: as the JSON report names it

    def met(self, losses: Sequence[float]) -> bool:
        return losses[-1] <= self.target

    def reason(self, losses: Sequence[float], name: str, f: Fmt = repr) -> str:
        return f"{name} = {f(losses[-1])} ≤ {given(self.target)}, the loss asked for"


@dataclass(frozen=True, slots=True)
class MinImprovement:
    """Stop once the loss fell by less than `least` over the last `window` steps:
    L[i − window] − L[i] < least."""

    least: float
    window: int = DEFAULT_WINDOW
    code = "min_improvement"

    def met(self, losses: Sequence[float]) -> bool:
        return len(losses) > self.window and losses[-1 - self.window] - losses[-1] < self.least

    def reason(self, losses: Sequence[float], name: str, f: Fmt = repr) -> str:
        drop = losses[-1 - self.window] - losses[-1]
        over = f"over the last {self.window:,} steps"
        if drop > 0:
            return f"{name} fell by {f(drop)} {over}, less than the {given(self.least)} asked for"
        change = f"rose by {f(-drop)}" if drop < 0 else "did not change"
        return f"{name} {change} {over} (an improvement of {given(self.least)} was asked for)"


StopRule = UntilLoss | MinImprovement


@dataclass(frozen=True, slots=True, kw_only=True)
class Stop:
    """Why training ended, and when."""

    rule: StopRule | None  #: the rule met, or None: the --steps limit was reached
    step: int  #: steps taken

    @property
    def code(self) -> str:
        """"steps", "until_loss" or "min_improvement", as the JSON report names it."""
        return "steps" if self.rule is None else self.rule.code


@dataclass(frozen=True, slots=True, kw_only=True)
class Training:
    """A finished run: where it started, where it ended, and the loss at every step between."""

    start: Network  #: the network as the file gave it
    final: Network  #: the same network with the trained params (dataclasses.replace)
    losses: tuple[float, ...]  #: losses[i] = L after i steps; losses[0] before any
    max_steps: int  #: the --steps limit
    stop: Stop

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    def reason(self, f: Fmt = repr) -> str:
        """Why it stopped, in a sentence: the losses written by `f` (full precision by default),
        the option's number as given."""
        if self.stop.rule is None:
            return f"reached the limit of {self.max_steps:,} steps"
        return self.stop.rule.reason(self.losses, self.start.loss.name, f)


OnStep = Callable[[int, Trace], None]  #: called with (step number from 1, that step's trace)


def check_explained(network: Network, steps: int, every: int, *, kept: bool) -> None:
    """Refuse, before any step, explaining every `every` steps when that would print more than MAX_EXPLAINED
    worked steps, or (`kept`: a JSON report holds them all until the end) more numbers than
    MAX_KEPT."""
    count = steps // every
    if count > MAX_EXPLAINED:
        raise UsageError(f"{every:,} would print {count:,} worked steps of the {steps:,}; at most "
                         f"{MAX_EXPLAINED:,} (explain every {-(-steps // MAX_EXPLAINED):,} steps "
                         f"or more)")
    # a step's report: each sample's values and deltas, and each param's gradient and update
    size = len(network.samples) * (len(network.inputs) + 3 * len(network.nodes)) + 2 * len(
        network.params)
    if kept and count * size > MAX_KEPT:
        raise UsageError(f"{count:,} worked steps of {size:,} numbers each are too many for one "
                         f"JSON report (at most {MAX_KEPT:,} numbers); explain fewer steps")


def advance(trace: Trace) -> Network:
    """The network after `trace`'s step: the same network with the updated params.

    Gradient descent carries nothing else from one step to the next; an optimizer with state
    (momentum's velocity, Adam's m, v and step count) carries the state the step left.
    """
    if trace.optimizer is None:
        return replace(trace.network, params=trace.updated)
    setting = replace(trace.network.optimizer, state=trace.optimizer.state)
    return replace(trace.network, params=trace.updated, optimizer=setting)


def train(network: Network, max_steps: int, rules: Sequence[StopRule] = (),
          on_step: OnStep | None = None) -> Training:
    """Run up to `max_steps` steps of engine.run, each on the network the last one left,
    stopping early at the first rule met (checked after each step, and before the first)."""
    if not 1 <= max_steps <= MAX_STEPS:
        raise ValueError(f"max_steps must be from 1 to {MAX_STEPS:,}, not {max_steps}")
    current = network
    losses: list[float] = []
    stop: Stop | None = None
    for step in range(1, max_steps + 1):
        try:
            trace = run(current)
        except NumericError as err:
            if step == 1:  # the file's own numbers: as `backprop step` says it
                raise
            # numbers that training made: the step it happened at, located as the engine said
            raise NumericError(f"{err.message} (at step {step:,} of training)", file=err.file,
                               line=err.line, column=err.column, path=err.path) from None
        if step == 1:
            losses.append(trace.loss)
            stop = _first_met(rules, losses, 0)
            if stop is not None:
                break
        losses.append(trace.loss_new)  # L after this step: the next step's L, computed once
        current = advance(trace)
        if on_step is not None:
            on_step(step, trace)
        stop = _first_met(rules, losses, step)
        if stop is not None:
            break
    if stop is None:
        stop = Stop(rule=None, step=len(losses) - 1)
    return Training(start=network, final=current, losses=tuple(losses), max_steps=max_steps,
                    stop=stop)


def _first_met(rules: Sequence[StopRule], losses: Sequence[float], step: int) -> Stop | None:
    for rule in rules:
        if rule.met(losses):
            return Stop(rule=rule, step=step)
    return None
