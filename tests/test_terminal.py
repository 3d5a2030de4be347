"""The report at a terminal: the pipe's text with ANSI styles around it, and nothing else.

A pseudo-terminal (python's pty) stands in for the user's: the program sees isatty() true. The
escape codes expected below are written from ECMA-48's SGR table (ESC [ 1 m bold, 2 faint,
3 italic, 7 reverse, 31 red, 32 green, 0 reset), not from the program.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

import pytest

from backprop.render.layout import Group, Table, Text, lines, plain
from conftest import NETWORKS, ROOT

pty = pytest.importorskip("pty")  # POSIX only
ANSI = re.compile(rb"\x1b\[[0-9;]*m")
ESC = "\x1b["


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for key in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "TERM", "PYTHONIOENCODING"):
        env.pop(key, None)
    env.update(extra)
    return env


def at_terminal(*args: str, columns: int = 100, **env: str) -> tuple[int, bytes]:
    """`backprop ARGS` with stdout a pseudo-terminal `columns` wide: exit code and bytes shown."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # the bytes as written, no "\n" → "\r\n"
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    chunks: list[bytes] = []

    def drain() -> None:
        try:
            while chunk := os.read(master, 65536):
                chunks.append(chunk)
        except OSError:  # the other end closed
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    proc = subprocess.Popen([sys.executable, "-m", "backprop", *args], stdout=slave,
                            stderr=subprocess.DEVNULL, env=_env(**env))
    os.close(slave)
    code = proc.wait(timeout=120)
    reader.join(timeout=30)
    os.close(master)
    return code, b"".join(chunks)


def piped(*args: str, columns: int = 100, **env: str) -> tuple[int, bytes]:
    done = subprocess.run([sys.executable, "-m", "backprop", *args], capture_output=True,
                          env=_env(COLUMNS=str(columns), **env), timeout=120, check=False)
    return done.returncode, done.stdout


ANSWERS = str(NETWORKS / "walkthrough.answers.yaml")


@pytest.mark.parametrize("args", [
    ("step",),
    ("step", "statquest", "--decimals", "4"),
    ("explain", "--weight", "w1_12", "two-paths"),
    ("check", "walkthrough", ANSWERS),  # exit 1: a wrong answer, coloured verdicts
    ("train", "--steps", "20"),
    ("networks",),
], ids=lambda a: " ".join(a[:2]))
def test_a_terminal_shows_the_pipes_text_with_styles(args: tuple[str, ...]) -> None:
    code, shown = at_terminal(*args)
    piped_code, text = piped(*args)
    assert code == piped_code
    assert ANSI.search(shown), "no style at a terminal"
    assert ANSI.sub(b"", shown) == text
    assert b"\x1b" not in text


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_color_and_a_dumb_terminal_get_no_escape_codes(env: dict[str, str]) -> None:
    code, shown = at_terminal("step", **env)
    assert code == 0
    assert b"\x1b" not in shown
    assert shown == piped("step")[1]


def test_an_empty_no_color_is_not_set() -> None:
    """no-color.org: NO_COLOR turns colour off when present *and not empty*."""
    assert ANSI.search(at_terminal("step", NO_COLOR="")[1])


def test_the_terminal_width_is_the_terminals() -> None:
    _, shown = at_terminal("step", "statquest", columns=60)
    widths = [len(line) for line in ANSI.sub(b"", shown).decode("utf-8").splitlines()]
    assert max(widths) <= 60 and max(widths) >= 50


def test_a_terminal_run_imports_no_rich() -> None:
    """The table layout is the pipe's: rich (~25 ms of imports) is not on the terminal's path."""
    script = ("import sys\nsys.argv = ['backprop', 'step']\nfrom backprop.cli import main\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "sys.stderr.write('rich: %s' % any(m == 'rich' or m.startswith('rich.') "
              "for m in sys.modules))\n")
    master, slave = pty.openpty()
    proc = subprocess.run([sys.executable, "-c", script], stdout=slave, stderr=subprocess.PIPE,
                          env=_env(), timeout=120, check=False)
    os.close(slave)
    os.close(master)
    assert proc.stderr.decode().endswith("rich: False")


# ---------------------------------------------------------------- the layout, styled

def test_styles_are_put_around_the_text_and_nothing_else_changes() -> None:
    table = Table(title=Text("Title", style="bold"))
    table.add_column(Text("name"))
    table.add_column(Text("value"), justify="right", no_wrap=True)
    table.add_row(Text("w5", style="bold"), Text("-0.100"))
    doc = Group(Text("note: small", style="dim"), table)
    styled = "".join(lines(doc, 40, styled=True))
    assert styled == (f"{ESC}2mnote: small{ESC}0m\n"
                      f"{ESC}1mTitle{ESC}0m\n"
                      f"{ESC}1mname{ESC}0m    {ESC}1mvalue{ESC}0m\n"  # the header, bold
                      f"{ESC}2m─────────────{ESC}0m\n"  # the rule, faint: 4 + 3 + 6 wide
                      f"{ESC}1mw5{ESC}0m     -0.100\n")
    assert re.sub(r"\x1b\[[0-9;]*m", "", styled) == plain(doc, 40)


def test_a_cell_of_two_styles_keeps_each_on_its_own_line() -> None:
    table = Table()
    table.add_column(Text("verdict"))
    table.add_row(Text("✓ correct", style="green").append("\nsign flipped", style="bold"))
    got = "".join(lines(table, 40, styled=True)).splitlines()
    assert got[2:] == [f"{ESC}32m✓ correct{ESC}0m", f"{ESC}1msign flipped{ESC}0m"]


def test_a_wrapped_run_keeps_its_style_on_every_line() -> None:
    text = Text("plain words ").append("red words that wrap", style="red")
    got = "".join(lines(text, 12, styled=True)).splitlines()
    assert got == ["plain words", f"{ESC}31mred words{ESC}0m", f"{ESC}31mthat wrap{ESC}0m"]
    assert [re.sub(r"\x1b\[[0-9;]*m", "", g) for g in got] == plain(text, 12).splitlines()


def test_a_row_style_is_combined_with_the_cells() -> None:
    table = Table()
    table.add_column(Text("a"))
    table.add_column(Text("b"))
    table.add_row(Text("x", style="italic"), Text("y"), style="reverse")
    assert "".join(lines(table, 20, styled=True)).splitlines()[2] == (
        f"{ESC}7;3mx{ESC}0m   {ESC}7my{ESC}0m")


@pytest.mark.parametrize("make", [lambda: Text("x", style="blink"),
                                  lambda: Text("x").append("y", style="bold on red"),
                                  lambda: Table().add_row("x", style="#ff0000")])
def test_a_style_the_terminal_layout_does_not_draw_is_refused(make) -> None:
    with pytest.raises(TypeError):
        make()


def test_a_large_report_is_written_as_it_is_laid_out() -> None:
    table = Table()
    table.add_column(Text("k"))
    for k in range(3):
        table.add_row(str(k))
    out = lines(table, 80, styled=True)
    assert next(out) == "\x1b[1mk\x1b[0m\n"  # a generator: the first line before the rest is made


def test_the_layouts_own_wrap_is_textwraps() -> None:
    """Lines wrapped without importing textwrap are textwrap's lines, character for character
    (textwrap, the standard library's, is the reference)."""
    import textwrap

    from hypothesis import given
    from hypothesis import strategies as st

    from backprop.render.layout import _wrap

    @given(st.text(alphabet="ab ·\u3000\u00a0-\t", max_size=60), st.integers(1, 20))
    def same(text: str, width: int) -> None:
        expected = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
        assert _wrap(text, width) == (expected if len(text) > width else [text])

    same()
