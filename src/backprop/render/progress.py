"""The progress bar `backprop train` shows on a terminal's stderr while it runs (rich's Progress)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from backprop import safe


class TrainingBar:
    """Steps done of the most, the loss now, and the time left; gone from the screen once done
    (transient), so that the report below it reads as it does in a pipe."""

    def __init__(self, total: int, loss_name: str) -> None:
        self.name = safe.line(loss_name)
        self.progress = Progress(
            TextColumn("training"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[loss]}"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
            redirect_stdout=False, redirect_stderr=False,
        )
        self.task = self.progress.add_task("training", total=total, loss="")

    def __enter__(self) -> TrainingBar:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.progress.stop()

    def update(self, step: int, loss: float) -> None:
        self.progress.update(self.task, completed=step, loss=f"{self.name} = {loss:.6g}")

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Take the bar off the screen while a report is printed above where it stood."""
        self.progress.stop()
        try:
            yield
        finally:
            self.progress.start()
