"""Every command's --help ends with an example; the root's names the exit codes; --version answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cloudgate.cli import app
from cloudgate.cli import failures
from cloudgate.cli.failures import EXIT_CODES
from cloudgate.cli.main import cloudgate_version


def commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command under `group` (typer's groups are its own click's, hence no isinstance)."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


ALL = sorted(commands(typer.main.get_command(app)))


def test_every_command_is_there():
    assert {("instance", "stop"), ("operation", "list"), ("resync",), ("profile", "list"), ("serve",)} <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_every_command_shows_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    examples = result.stdout.split("Examples:", 1)[1]
    assert f"$ cloudgate {' '.join(path)}" in examples or "| cloudgate" in examples


def test_the_root_help_names_every_exit_code():
    codes = {value for name, value in vars(failures).items() if name.startswith("EXIT_") and isinstance(value, int)}
    assert codes | {0} == set(EXIT_CODES)
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    for code, meaning in EXIT_CODES.items():
        assert f"{code}  {meaning}" in result.stdout


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout == f"cloudgate {cloudgate_version()}\n"
    assert cloudgate_version()[0].isdigit()


def test_the_readme_lists_the_same_exit_codes():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", readme, re.MULTILINE)
    assert {int(code): meaning for code, meaning in rows} == EXIT_CODES
