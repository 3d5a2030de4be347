"""Reports shown outside the command line: as rich renderables laid out at the console's width,
and as self-contained HTML for Jupyter (the Python API's display)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from backprop.render.layout import Renderable, to_rich

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

HTML_WIDTH = 100  #: the width a report is laid out in for Jupyter
# Jupyter shows the fragment inside its own page: one <pre>, every style inline, no external
# resource (no stylesheet link, no font, no script); rich escapes the text itself.
HTML = ('<pre style="white-space:pre;overflow-x:auto;line-height:normal;'
        "font-family:Menlo,'DejaVu Sans Mono',consolas,'Courier New',monospace\">"
        "<code>{code}</code></pre>")


def to_html(document: Renderable) -> str:
    """The report as one self-contained HTML fragment, styled inline."""
    from rich.console import Console

    console = Console(record=True, width=HTML_WIDTH, file=io.StringIO(), force_terminal=True,
                      force_jupyter=False, color_system="truecolor", legacy_windows=False,
                      emoji=False, highlight=False, markup=False)
    console.print(to_rich(document))
    return console.export_html(inline_styles=True, code_format=HTML)


class AtWidth:
    """A report as rich lays it out, built at the console's width (the loss curve fits it)."""

    def __init__(self, document: Callable[[int], Renderable]) -> None:
        self.document = document

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield to_rich(self.document(options.max_width))
