"""The CLI documents itself: every command has help with an example and is named in README.md."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from gis_core.cli import root

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += leaf_commands(command, path)
        else:
            found.append((path, command))
    return found


COMMANDS = leaf_commands(root)


def test_there_are_commands_to_check():
    assert len(COMMANDS) >= 5


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, command):
    assert command.help and len(command.help.strip()) > 20, f"conflict-gis {' '.join(path)} has no help"
    assert "Example:" in command.help, f"conflict-gis {' '.join(path)}: its docstring needs an 'Example:' block"


@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_is_in_the_readme(path, command):
    assert f"conflict-gis {' '.join(path)}" in README, f"README.md does not mention 'conflict-gis {' '.join(path)}'"
