"""The networks that ship with backprop (the top-level networks/ folder, installed with the package)."""

from __future__ import annotations

from pathlib import Path

SUFFIX = ".yaml"


def folder() -> Path:
    """Installed wheels carry networks/ inside the package; a source checkout has it at the top."""
    here = Path(__file__).resolve().parent
    inside = here / "networks"
    return inside if inside.is_dir() else here.parents[1] / "networks"


def names() -> list[str]:
    """Every bundled network's name (answer sheets, *.answers.yaml, are not networks)."""
    return sorted(p.name[: -len(SUFFIX)] for p in folder().glob(f"*{SUFFIX}")
                  if not p.name.endswith(f".answers{SUFFIX}"))


def path(name: str) -> Path | None:
    candidate = folder() / f"{name}{SUFFIX}"
    return candidate if name in names() and candidate.is_file() else None
