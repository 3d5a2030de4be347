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
