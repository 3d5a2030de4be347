"""The errors backprop raises for input it cannot use; the CLI turns each into exit 2."""

from __future__ import annotations

from collections.abc import Sequence

PathPart = str | int


def format_path(path: Sequence[PathPart]) -> str:
    """Render a field path as the user reads it: ``nodes.h1.from.x3``, ``layers[0].weights[1][2]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class BackpropError(Exception):
    """Input that cannot be used, located in the user's file as precisely as is known.

    ``str(err)`` is the one-line message the CLI prints:
    ``net.yaml:7:5: nodes.h1.from.x3: unknown source 'x3' (inputs: x1, x2)``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: Sequence[PathPart] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.path = tuple(path)

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = format_path(self.path)
        if field:
            where += f"{field}: "
        return where + self.message


class FileFormatError(BackpropError):
    """The file cannot be read as the restricted YAML backprop accepts (syntax, tags, aliases, size)."""


class SpecError(BackpropError):
    """The YAML is well formed but does not describe a valid network or answers sheet."""


class NumericError(BackpropError):
    """A value overflowed or became undefined while computing; names the node where it happened."""


class UsageError(BackpropError):
    """A command-line option names something the network does not have (e.g. an unknown param)."""


class NoSuchParam(UsageError):
    """A name asked for as one param is none of the network's params. The facts, for the caller
    to word in its own terms (the CLI speaks of its option)."""

    def __init__(self, name: str, *, role: str | None, near: Sequence[str],
                 file: str | None = None) -> None:
        what = f"'{name}' is {role}, not a param" if role else f"no param '{name}' in this network"
        super().__init__(f"{what} (nearest params: {', '.join(near)})", file=file)
        self.name = name
        self.role = role  #: "an input" or "a node" when the name is one of those, else None
        self.near = tuple(near)  #: the closest param names, nearest first


class NoParamMatches(UsageError):
    """A pattern (a name, or a glob such as ``w1_*``) that names no param."""

    def __init__(self, pattern: str, *, role: str | None, near: Sequence[str],
                 params: Sequence[str], file: str | None = None) -> None:
        what = f"'{pattern}' is {role}, not a param" if role else f"'{pattern}' names no param"
        super().__init__(what, file=file)
        self.pattern = pattern
        self.role = role  #: "an input" or "a node value or sum" when it is one, else None
        self.near = tuple(near)  #: close param names, nearest first (may be empty)
        self.params = params  #: every param name, in file order


class BadSetting(UsageError):
    """A setting the caller chose (an exercise's shape, loss, samples) that cannot be used. The
    message says what is wrong with its value; the caller names the setting in its own terms."""

    def __init__(self, message: str, *, setting: str, value: str | None = None) -> None:
        super().__init__(message, path=(setting,))
        self.setting = setting  #: e.g. "shape"
        self.value = value  #: the value as given, where the message shows it first


class NoSuchSample(UsageError):
    """A 1-based sample number the network does not have."""

    def __init__(self, sample: int, *, count: int, file: str | None = None) -> None:
        super().__init__(f"no sample {sample}; the network has {count:,}", file=file)
        self.sample = sample
        self.count = count  #: the network's samples
