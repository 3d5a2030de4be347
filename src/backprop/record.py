"""`record`: a frozen, slotted dataclass made at a fifth of `dataclass`'s cost at import.

`@record` is `@dataclass(frozen=True, slots=True)` (`@record(kw_only=True)` with kw_only): the
same fields, `field()`s, `replace`, `fields`, `__post_init__`, immutability, `__eq__`, `__hash__`
and `__repr__`. Only the making differs. On Python 3.11, `dataclass` compiles six methods for
every class from generated source (~0.4 ms a class); the walkthrough's `step` makes ~30 such
classes before it prints, ~12 ms of a ~85 ms run. Here `dataclass` lays out the fields and
slots and compiles nothing; `__init__` is compiled as `dataclass` would write it for a frozen
class (each field set with object.__setattr__), and `__setattr__`, `__delattr__`, `__eq__`,
`__hash__` and `__repr__` are shared functions over an `operator.attrgetter` of the class's
fields (C-speed, as the generated ones are), each written only where the class does not write
its own, as `dataclass` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, kw_only: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, kw_only: bool = False) -> Any:
    """`@dataclass(frozen=True, slots=True, kw_only=kw_only)`, made faster (module docstring)."""
    def make(c: type[T]) -> type[T]:
        own = c.__dict__
        # dataclass's rules for which methods a class keeps as it wrote them
        keep_eq, keep_repr = "__eq__" in own, "__repr__" in own
        written_hash = own.get("__hash__", None)
        keep_hash = "__hash__" in own and not (written_hash is None and keep_eq)
        made: Any = dataclass(slots=True, kw_only=kw_only, init=False, eq=False, repr=False)(c)
        every = fields(made)
        made.__init__ = _init(made, every)
        made.__setattr__ = _setattr
        made.__delattr__ = _delattr
        if "__getstate__" not in own:  # copy and pickle, as dataclass gives a frozen slotted class
            made.__getstate__ = _getstate
        if "__setstate__" not in own:
            made.__setstate__ = _setstate
        if not keep_eq:
            made.__eq__ = _eq(_getter([f.name for f in every if f.compare]))
        if not keep_hash:
            hashed = [f.name for f in every if (f.compare if f.hash is None else f.hash)]
            made.__hash__ = _hash(_getter(hashed))
        if not keep_repr:
            made.__repr__ = _repr([f.name for f in every if f.repr])
        made_class: type[T] = made
        return made_class

    return make if cls is None else make(cls)


class _Factory:
    """The default an `__init__` signature shows for a field(default_factory=...)."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _init(cls: type, every: tuple[Field[Any], ...]) -> Callable[..., None]:
    """`__init__` as dataclass writes it for a frozen class: one compile."""
    names: dict[str, object] = {"__set": object.__setattr__, "__factory": _FACTORY}
    args: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in every:
        default = f"__dflt_{f.name}"
        if f.default_factory is not MISSING:
            names[default] = f.default_factory
            value = (f"{default}() if {f.name} is __factory else {f.name}" if f.init
                     else f"{default}()")
        elif f.default is not MISSING:
            names[default] = f.default
            value = f.name if f.init else default
        elif f.init:
            value = f.name
        else:
            continue
        if f.init:
            given = (f"={default}" if f.default is not MISSING
                     else "=__factory" if f.default_factory is not MISSING else "")
            (keyword if f.kw_only else args).append(f"{f.name}{given}")
        body.append(f"__set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    params = ", ".join(["self", *args, *(["*", *keyword] if keyword else [])])
    lines = "\n".join(f"  {line}" for line in body or ["pass"])
    scope: dict[str, Any] = {}
    exec(f"def __init__({params}):\n{lines}", names, scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: object) -> list[object]:
    return [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]


def _setstate(self: object, state: list[object]) -> None:
    for f, value in zip(fields(self), state, strict=False):  # type: ignore[arg-type]
        object.__setattr__(self, f.name, value)


def _getter(names: list[str]) -> Callable[[object], tuple[object, ...]]:
    """The fields' values as one tuple (attrgetter gives a bare value for a single name)."""
    if not names:
        return lambda _: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


def _eq(values: Callable[[object], tuple[object, ...]]) -> Callable[[object, object], object]:
    def __eq__(self: object, other: object) -> object:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[object], tuple[object, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(values(self))

    return __hash__


def _repr(names: list[str]) -> Callable[[object], str]:
    def __repr__(self: object) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({inner})"

    return __repr__
