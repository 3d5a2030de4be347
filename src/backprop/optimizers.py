"""OPTIMIZERS: name → Optimizer, each update rule beside its state, rule texts and hyper-parameters.

Every rule is written for one param p with gradient g = ∂L/∂p at step t (counted from 1), and
returns the numbers the table prints: the new state, the derived quantities and p after the step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from itertools import repeat
from types import MappingProxyType

from backprop.record import record

#: (hyper-parameters, η, t, p, g, state before) → (every quantity in Convention.quantities order, p new)
Rule = Callable[[Mapping[str, float], float, int, float, float, Sequence[float]],
                tuple[tuple[float, ...], float]]


@record(kw_only=True)
class Hyper:
    """One hyper-parameter: its key in the file, its symbol, its default and its valid range."""

    key: str  #: as written in the file, e.g. "beta1"
    symbol: str  #: as the tables print it, e.g. "β₁"
    latex: str  #: e.g. r"\beta_1"
    default: float
    low: float  #: smallest allowed (included)
    high: float  #: the bound above; `high_open`: excluded
    high_open: bool = True
    low_open: bool = False

    def allows(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return math.isfinite(x) and above and below

    @property
    def range_text(self) -> str:
        high = "∞" if math.isinf(self.high) else f"{self.high:g}"
        return (f"{'(' if self.low_open else '['}{self.low:g}, {high}"
                f"{')' if self.high_open else ']'}")


@record(kw_only=True)
class Quantity:
    """One number of an optimizer's worked row, with its rule."""

    key: str  #: the answers-file stem: `m` is answered as m_w5
    symbol: str  #: printed, e.g. "m̂"
    rule: str  #: plain text in the table's symbols, e.g. "m / (1 − β₁ᵗ)"
    latex: str  #: e.g. r"\frac{m}{1 - \beta_1^t}"
    numbers: str  #: the rule with slots for the numbers: hyper-parameters by key, eta, t, p, g,
    #: the state before as m0, v0, and this step's quantities by key: "{m} / (1 − {beta1}^{t})"
    state: bool = False  #: carried to the next step (m, v); otherwise derived within the step
    non_negative: bool = False  #: a state that cannot be negative (a mean of squares)


@record(kw_only=True)
class Convention:
    """One way of writing an optimizer's rule; every quantity it shows and how to compute them."""

    name: str
    quantities: tuple[Quantity, ...]  #: in the order computed; the state ones first
    update: str  #: p's new value, plain
    update_latex: str
    update_numbers: str  #: p's new value with slots, as Quantity.numbers
    rule: Rule
    description: str  #: one line, for the README and the table title

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.quantities if q.state)

    @property
    def non_negative(self) -> frozenset[str]:
        return frozenset(q.key for q in self.quantities if q.non_negative)


@record(kw_only=True)
class Optimizer:
    """A registry entry: everything about one optimizer, asked by spec, engine and the renderers."""

    kind: str
    hypers: tuple[Hyper, ...]
    conventions: Mapping[str, Convention]  #: the first is the default
    counts_steps: bool  #: its rule reads t (Adam's bias correction), kept as `step` in the state

    @property
    def default_convention(self) -> str:
        return next(iter(self.conventions))

    @property
    def worked(self) -> bool:
        """Whether it has worked rows and state: sgd's p − η·g is the engine's own update table."""
        return any(c.quantities for c in self.conventions.values())


@record
class State:
    """An optimizer's state between steps: the steps taken and, per state name, param → value
    (a param absent from a table starts at 0)."""

    step: int = 0
    tables: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))

    def of(self, name: str, param: str) -> float:
        table = self.tables.get(name)
        return 0.0 if table is None else table.get(param, 0.0)


@record(kw_only=True)
class Setting:
    """The optimizer as a network file chose it: entry, convention, hyper-parameters, state."""

    optimizer: Optimizer
    convention: Convention
    hyper: Mapping[str, float]  #: every hyper-parameter, defaults filled in
    state: State = State()


@record(kw_only=True)
class Row:
    """One param's worked optimizer row."""

    param: str
    p: float  #: before the step
    g: float  #: ∂L/∂p
    before: Mapping[str, float]  #: state name → value before the step
    values: Mapping[str, float]  #: quantity key → value after the step (m, v, m_hat, …)
    updated: float  #: p after the step


@record(kw_only=True)
class Stepped:
    """An optimizer's step over every param: the worked rows and the state it leaves."""

    setting: Setting
    t: int  #: the step just taken, from 1
    rows: Rows  #: param → row; frozen and unused params (not stepped) left out
    state: State  #: after the step: what the next step starts from
    updated: tuple[float, ...]  #: every param after the step, in network order


class Rows(Mapping[str, Row]):
    """param → its Row, each made when first read: a 784-128-10 network's 100,000 rows are
    computed as columns in one pass, and only the tables read any of them as records."""

    __slots__ = ("_at", "_before", "_columns", "_grads", "_keys", "_new", "_old", "_state_names")

    def __init__(self, names: Sequence[str], old: Sequence[float], grads: Sequence[float],
                 state_names: Sequence[str], before: Sequence[Sequence[float]], keys: Sequence[str],
                 columns: Sequence[Sequence[float]], new: Sequence[float]) -> None:
        self._at = {n: i for i, n in enumerate(names)}
        self._old, self._grads, self._new = old, grads, new
        self._state_names, self._before = tuple(state_names), before
        self._keys, self._columns = tuple(keys), columns

    def __getitem__(self, param: str) -> Row:
        i = self._at[param]
        return Row(param=param, p=self._old[i], g=self._grads[i],
                   before=MappingProxyType({n: c[i] for n, c in zip(self._state_names, self._before,
                                                                    strict=True)}),
                   values=MappingProxyType({k: c[i] for k, c in zip(self._keys, self._columns,
                                                                    strict=True)}),
                   updated=self._new[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, param: object) -> bool:
        return param in self._at

    def non_finite(self) -> tuple[str, str, float] | None:
        """(param, quantity key, value) of the first quantity that is not a finite float."""
        for key, column in zip(self._keys, self._columns, strict=True):
            if not all(map(math.isfinite, column)):
                i, value = next((i, v) for i, v in enumerate(column) if not math.isfinite(v))
                return next(n for n, j in self._at.items() if j == i), key, value
        return None


def apply(setting: Setting, names: Sequence[str], pv: Sequence[float], grads: Sequence[float],
          eta: float, frozen: frozenset[str] | set[str]) -> Stepped:
    """One step of the optimizer for every param; a frozen (or unused) param and its state stay
    as they are."""
    conv = setting.convention
    state_names = conv.state_names
    keys = [q.key for q in conv.quantities]
    t = setting.state.step + 1
    moving = [k for k, n in enumerate(names) if n not in frozen] if frozen else range(len(names))
    stepped = [names[k] for k in moving]
    old = [pv[k] for k in moving]
    g = [grads[k] for k in moving]
    # the state before, a column per state name (0 where the state is silent)
    before = [list(map(setting.state.tables.get(n, {}).get, stepped, repeat(0.0)))
              for n in state_names]
    results = list(map(conv.rule, repeat(setting.hyper), repeat(eta), repeat(t), old, g,
                       zip(*before, strict=True) if before else repeat(())))
    new = [r[1] for r in results]
    columns = list(zip(*(r[0] for r in results), strict=True)) or [() for _ in keys]
    by_key = dict(zip(keys, columns, strict=True))
    updated = list(pv)
    for k, value in zip(moving, new, strict=True):
        updated[k] = value
    tables = {}
    for n in state_names:
        table = dict(setting.state.tables.get(n, {}))  # a frozen param's state is kept
        table.update(zip(stepped, by_key[n], strict=True))
        tables[n] = MappingProxyType({p: table[p] for p in names if p in table})  # file order
    state = State(t if setting.optimizer.counts_steps else 0, MappingProxyType(tables))
    rows = Rows(stepped, old, g, state_names, before, keys, columns, new)
    return Stepped(setting=setting, t=t, rows=rows, state=state, updated=tuple(updated))


# ---------------------------------------------------------------- the rules

def _sgd(h: Mapping[str, float], eta: float, t: int, p: float, g: float,
         s: Sequence[float]) -> tuple[tuple[float, ...], float]:
    return (), p - eta * g  # p ← p − η·g


def _momentum_pytorch(h: Mapping[str, float], eta: float, t: int, p: float, g: float,
                      s: Sequence[float]) -> tuple[tuple[float, ...], float]:
    v = h["beta"] * s[0] + g  # v ← β·v + g  (torch.optim.SGD, dampening 0)
    step = eta * v
    return (v, step), p - step  # p ← p − η·v


def _momentum_ema(h: Mapping[str, float], eta: float, t: int, p: float, g: float,
                  s: Sequence[float]) -> tuple[tuple[float, ...], float]:
    beta = h["beta"]
    v = beta * s[0] + (1 - beta) * g  # v ← β·v + (1 − β)·g, from v = 0, no bias correction
    step = eta * v
    return (v, step), p - step


def _momentum_velocity(h: Mapping[str, float], eta: float, t: int, p: float, g: float,
                       s: Sequence[float]) -> tuple[tuple[float, ...], float]:
    v = h["beta"] * s[0] - eta * g  # v ← β·v − η·g
    return (v, -v), p + v  # p ← p + v


def _adam_moments(h: Mapping[str, float], t: int, g: float,
                  s: Sequence[float]) -> tuple[float, float, float, float]:
    b1, b2 = h["beta1"], h["beta2"]
    m = b1 * s[0] + (1 - b1) * g  # m ← β₁·m + (1 − β₁)·g
    v = b2 * s[1] + (1 - b2) * g * g  # v ← β₂·v + (1 − β₂)·g²
    return m, v, m / (1 - b1 ** t), v / (1 - b2 ** t)  # m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)


def _adam(h: Mapping[str, float], eta: float, t: int, p: float, g: float,
          s: Sequence[float]) -> tuple[tuple[float, ...], float]:
    m, v, m_hat, v_hat = _adam_moments(h, t, g, s)
    step = eta * m_hat / (math.sqrt(v_hat) + h["eps"])  # η·m̂/(√v̂ + ε)
    return (m, v, m_hat, v_hat, step), p - step


def _adamw(h: Mapping[str, float], eta: float, t: int, p: float, g: float,
           s: Sequence[float]) -> tuple[tuple[float, ...], float]:
    decayed = p * (1 - eta * h["weight_decay"])  # p ← p − η·λ·p, as torch: p·(1 − η·λ)
    m, v, m_hat, v_hat = _adam_moments(h, t, g, s)
    step = eta * m_hat / (math.sqrt(v_hat) + h["eps"])
    return (m, v, m_hat, v_hat, decayed, step), decayed - step


# ---------------------------------------------------------------- the registry

_BETA = Hyper(key="beta", symbol="β", latex=r"\beta", default=0.9, low=0.0, high=1.0)
_BETA1 = Hyper(key="beta1", symbol="β₁", latex=r"\beta_1", default=0.9, low=0.0, high=1.0)
_BETA2 = Hyper(key="beta2", symbol="β₂", latex=r"\beta_2", default=0.999, low=0.0, high=1.0)
_EPS = Hyper(key="eps", symbol="ε", latex=r"\varepsilon", default=1e-8, low=0.0, low_open=True,
             high=math.inf)
_DECAY = Hyper(key="weight_decay", symbol="λ", latex=r"\lambda", default=0.01, low=0.0,
               high=math.inf)


def _velocity(rule: str, latex: str, numbers: str) -> Quantity:
    return Quantity(key="v", symbol="v", rule=rule, latex=latex, numbers=numbers, state=True)


def _step(rule: str, latex: str, numbers: str) -> Quantity:
    return Quantity(key="update", symbol="Δ", rule=rule, latex=latex, numbers=numbers)


_M = Quantity(key="m", symbol="m", rule="β₁·m + (1 − β₁)·g", latex=r"\beta_1 m + (1 - \beta_1) g",
              numbers="{beta1}·{m0} + (1 − {beta1})·{g}", state=True)
_V = Quantity(key="v", symbol="v", rule="β₂·v + (1 − β₂)·g²", latex=r"\beta_2 v + (1 - \beta_2) g^2",
              numbers="{beta2}·{v0} + (1 − {beta2})·{g}²", state=True, non_negative=True)
_M_HAT = Quantity(key="m_hat", symbol="m̂", rule="m / (1 − β₁ᵗ)", latex=r"\frac{m}{1 - \beta_1^t}",
                  numbers="{m} / (1 − {beta1}^{t})")
_V_HAT = Quantity(key="v_hat", symbol="v̂", rule="v / (1 − β₂ᵗ)", latex=r"\frac{v}{1 - \beta_2^t}",
                  numbers="{v} / (1 − {beta2}^{t})")
_ADAM_STEP = _step("η·m̂ / (√v̂ + ε)", r"\eta \frac{\hat m}{\sqrt{\hat v} + \varepsilon}",
                   "{eta}·{m_hat} / (√{v_hat} + {eps})")
_DECAYED = Quantity(key="decayed", symbol="p′", rule="p·(1 − η·λ)", latex=r"p (1 - \eta \lambda)",
                    numbers="{p}·(1 − {eta}·{weight_decay})")

OPTIMIZERS: Mapping[str, Optimizer] = MappingProxyType({
    "sgd": Optimizer(kind="sgd", hypers=(), counts_steps=False, conventions={
        "sgd": Convention(name="sgd", quantities=(), update="p − η·g", update_latex=r"p - \eta g",
                          update_numbers="{p} − {eta}·{g}",
                          rule=_sgd, description="p ← p − η·g")}),
    "momentum": Optimizer(kind="momentum", hypers=(_BETA,), counts_steps=False, conventions={
        "pytorch": Convention(
            name="pytorch", rule=_momentum_pytorch, update="p − Δ", update_latex=r"p - \Delta",
            update_numbers="{p} − {update}",
            quantities=(_velocity("β·v + g", r"\beta v + g", "{beta}·{v0} + {g}"),
                        _step("η·v", r"\eta v", "{eta}·{v}")),
            description="v ← β·v + g; p ← p − η·v (torch.optim.SGD)"),
        "ema": Convention(
            name="ema", rule=_momentum_ema, update="p − Δ", update_latex=r"p - \Delta",
            update_numbers="{p} − {update}",
            quantities=(_velocity("β·v + (1 − β)·g", r"\beta v + (1 - \beta) g",
                                  "{beta}·{v0} + (1 − {beta})·{g}"),
                        _step("η·v", r"\eta v", "{eta}·{v}")),
            description="v ← β·v + (1 − β)·g; p ← p − η·v"),
        "velocity": Convention(
            name="velocity", rule=_momentum_velocity, update="p − Δ", update_latex=r"p - \Delta",
            update_numbers="{p} − {update}",
            quantities=(_velocity("β·v − η·g", r"\beta v - \eta g", "{beta}·{v0} − {eta}·{g}"),
                        _step("−v", "-v", "−{v}")),
            description="v ← β·v − η·g; p ← p + v"),
    }),
    "adam": Optimizer(kind="adam", hypers=(_BETA1, _BETA2, _EPS), counts_steps=True, conventions={
        "adam": Convention(
            name="adam", rule=_adam, update="p − Δ", update_latex=r"p - \Delta",
            update_numbers="{p} − {update}",
            quantities=(_M, _V, _M_HAT, _V_HAT, _ADAM_STEP),
            description="m ← β₁·m + (1 − β₁)·g; v ← β₂·v + (1 − β₂)·g²; "
                        "p ← p − η·m̂/(√v̂ + ε)")}),
    "adamw": Optimizer(kind="adamw", hypers=(_BETA1, _BETA2, _EPS, _DECAY), counts_steps=True,
                       conventions={
        "adamw": Convention(
            name="adamw", rule=_adamw, update="p′ − Δ", update_latex=r"p' - \Delta",
            update_numbers="{decayed} − {update}",
            quantities=(_M, _V, _M_HAT, _V_HAT, _DECAYED, _ADAM_STEP),
            description="p′ ← p·(1 − η·λ); then Adam: p ← p′ − η·m̂/(√v̂ + ε)")}),
})

SGD = Setting(optimizer=OPTIMIZERS["sgd"], convention=OPTIMIZERS["sgd"].conventions["sgd"],
              hyper=MappingProxyType({}))


def quantity_keys() -> frozenset[str]:
    """Every state or derived quantity's stem over the registry (m, v, m_hat, …)."""
    return frozenset(q.key for o in OPTIMIZERS.values() for c in o.conventions.values()
                     for q in c.quantities)
