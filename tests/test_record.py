"""`record` against its oracle, the standard library's `dataclass(frozen=True, slots=True)`:
the same class written twice, once with each, must behave alike in every way a caller sees."""

from __future__ import annotations

import copy
import dataclasses
import inspect
from dataclasses import dataclass, field, replace

import pytest

from backprop.record import record


def _pair(kw_only: bool = False) -> tuple[type, type]:
    """Two copies of one class body: (dataclass's, record's)."""
    def body() -> dict[str, object]:
        return {"__annotations__": {"a": "int", "b": "str", "c": "float", "d": "int"},
                "__doc__": "A test record.",
                "b": "x",
                "c": field(default=0.5, compare=False),
                "d": field(default=7, repr=False, hash=False)}

    std = dataclass(frozen=True, slots=True, kw_only=kw_only)(type("R", (), body()))
    ours = record(kw_only=kw_only)(type("R", (), body()))
    return std, ours


@pytest.mark.parametrize("kw_only", [False, True])
def test_record_behaves_as_a_frozen_slotted_dataclass(kw_only: bool) -> None:
    std, ours = _pair(kw_only)
    for args in [dict(a=1), dict(a=1, b="y"), dict(a=1, c=2.5), dict(a=2, d=8), dict(a=1, b="y", d=9)]:
        s, o = std(**args), ours(**args)
        assert repr(o) == repr(s)  # "R(a=1, b='x', c=0.5)": d is left out, as field(repr=False) says
        assert hash(o) == hash(s)
        assert o == ours(**args) and not (o != ours(**args))
        assert o != s  # another class: NotImplemented both ways, so unequal, as dataclass has it
        assert copy.deepcopy(o) == o and copy.copy(o) == o
        assert replace(o, a=5).a == 5 and replace(o, a=5) == ours(**{**args, "a": 5})
    # c is left out of == and hash (compare=False); d is compared but not hashed
    assert ours(a=1, c=1.0) == ours(a=1, c=2.0)
    assert ours(a=1, d=1) != ours(a=1, d=2)
    assert hash(ours(a=1, d=1)) == hash(ours(a=1, d=2))
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(std)]
    assert ours.__slots__ == std.__slots__ and ours.__doc__ == "A test record."
    one = ours(a=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.a = 2  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del one.b  # type: ignore[attr-defined]
    # a new name is refused too (dataclass's by a TypeError: its __setattr__ names the class
    # as it was before slots were added, a quirk of Python 3.11)
    for made in (std(a=1), one):
        with pytest.raises((TypeError, dataclasses.FrozenInstanceError)):
            made.e = 1
    # the same __init__: names, kinds and defaults ("<factory>" for a default_factory)
    def params(cls: type) -> list[tuple[str, object, str]]:
        return [(p.name, p.kind, repr(p.default)) for p in inspect.signature(cls).parameters.values()]

    assert params(ours) == params(std)
    assert dataclasses.is_dataclass(ours)
    if kw_only:
        with pytest.raises(TypeError):
            ours(1)


def test_record_keeps_the_methods_a_class_writes() -> None:
    """As dataclass does: a written __eq__/__hash__/__repr__ stays; a written __eq__ alone still
    gets the fields' hash (Python set __hash__ to None for it, which dataclass replaces)."""
    @record
    class Own:
        x: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Own) and other.x % 10 == self.x % 10

        def __hash__(self) -> int:
            return self.x % 10

        def __repr__(self) -> str:
            return "own"

    assert Own(3) == Own(13) and hash(Own(13)) == 3 and repr(Own(1)) == "own"

    @record
    class EqOnly:
        x: int

        def __eq__(self, other: object) -> bool:
            return True

    @dataclass(frozen=True, slots=True)
    class StdEqOnly:
        x: int

        def __eq__(self, other: object) -> bool:
            return True

    assert EqOnly(1) == EqOnly(2)
    assert hash(EqOnly(4)) == hash(StdEqOnly(4)) == hash((4,))


def test_a_record_without_fields() -> None:
    @record
    class Empty:
        pass

    @dataclass(frozen=True, slots=True)
    class StdEmpty:
        pass

    assert Empty() == Empty() and hash(Empty()) == hash(StdEmpty()) == hash(())
    assert repr(Empty()).endswith("Empty()") and repr(StdEmpty()).endswith("StdEmpty()")


def test_post_init_and_fields_left_out_of_init() -> None:
    """__post_init__ runs after every field is set; a field(init=False) gets its default or its
    factory's value, as dataclass gives it."""
    seen: list[tuple[int, list[int], int]] = []

    def body() -> dict[str, object]:
        def __post_init__(self: object) -> None:
            seen.append((self.a, self.made, self.fixed))  # type: ignore[attr-defined]

        return {"__annotations__": {"a": "int", "made": "list[int]", "fixed": "int"},
                "made": field(init=False, default_factory=list),
                "fixed": field(init=False, default=4), "__post_init__": __post_init__}

    std = dataclass(frozen=True, slots=True)(type("P", (), body()))
    ours = record(type("P", (), body()))
    std(a=3)
    ours(a=3)
    assert seen == [(3, [], 4), (3, [], 4)]
    with pytest.raises(TypeError):
        ours(a=3, fixed=5)
