"""The CLI pauses the cyclic garbage collector for a command and leaves it as it found it."""

from __future__ import annotations

import gc

from click.testing import CliRunner

from backprop.cli import cli


def test_the_collector_is_paused_during_a_command_and_restored_after() -> None:
    seen: list[bool] = []
    callback = cli.commands["networks"].callback
    assert callback is not None

    def spy() -> None:
        seen.append(gc.isenabled())
        callback()

    cli.commands["networks"].callback = spy
    try:
        assert gc.isenabled()
        result = CliRunner().invoke(cli, ["networks"])
        assert result.exit_code == 0 and seen == [False]
        assert gc.isenabled()
        assert CliRunner().invoke(cli, ["step", "no-such-network"]).exit_code == 2
        assert gc.isenabled()  # after an error too
        gc.disable()  # a caller that had it off (an embedding program) finds it still off
        try:
            result = CliRunner().invoke(cli, ["step", "no-such-network"])
            assert result.exit_code == 2
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        cli.commands["networks"].callback = callback
