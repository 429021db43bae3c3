"""The ``gradbot`` command line as staff read it: help in Chinese, on every subcommand."""

from __future__ import annotations

import pytest

from gradbot.cli import build_parser, main


@pytest.mark.parametrize("argv", [["-h"], ["report", "-h"], ["review", "--help"], ["notify", "preview", "-h"],
                                  ["kb", "check", "-h"]])
def test_help_is_in_chinese(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "-h, --help" in out and "显示帮助并退出" in out and "show this help message" not in out


def test_every_command_describes_itself_in_chinese():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    assert {"kb", "report", "review", "notify", "run"} <= set(helps)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in helps.values()), helps
