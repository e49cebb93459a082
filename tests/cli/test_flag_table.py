"""One flag table: every command's options are checked against ``SHORT_FLAGS`` and
``docs/cli.md``, and every help has its Examples and Exit status."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.cli.commandline import Group
from engine.cli.main import app
from engine.cli.options import SHORT_FLAGS, FormatChoice
from tests.runner import CliRunner

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def commands() -> Iterator[tuple[str, Any]]:
    """(path, command) for every leaf command, walking groups."""

    def walk(path: str, cmd: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(cmd, Group):
            for name, sub in cmd.commands.items():
                yield from walk(f"{path} {name}".strip(), sub)
        else:
            yield path, cmd

    yield from walk("", app.build())


COMMANDS = dict(commands())


def test_every_command_is_walked() -> None:
    assert {"scan", "validate", "test", "explain", "lint", "audit check"} <= set(COMMANDS)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_short_flags_follow_the_table(path: str) -> None:
    for param in COMMANDS[path].params:
        opts = param.opts
        for short in (o for o in opts if re.fullmatch(r"-[A-Za-z]", o)):
            assert short in SHORT_FLAGS, f"{path}: {short} is not in the flag table"
            assert SHORT_FLAGS[short] in opts, (
                f"{path}: {short} means {opts}, the table says {SHORT_FLAGS[short]}"
            )
        for short, long in SHORT_FLAGS.items():
            if long in opts and long != "--version":
                assert short in opts, f"{path}: {long} lacks its short flag {short}"


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_format_is_a_listed_choice(path: str) -> None:
    for param in COMMANDS[path].params:
        if "--format" in param.opts:
            assert isinstance(param.type, FormatChoice), path
            assert param.metavar == "[" + "|".join(param.type.choices) + "]"
            machine = {"json", "sarif", "csv", "envelope"}
            assert machine & set(param.type.choices), f"{path}: no machine-readable --format"


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_help_has_examples_exit_status_and_fits_80_columns(path: str) -> None:
    r = CliRunner().invoke(app, [*path.split(), "-h"], terminal_width=80)
    assert r.exit_code == 0, r.output
    assert "Examples:\n  " in r.output, path
    assert "Exit status:\n  " in r.output, path
    assert "(default:" not in r.output, f"{path}: defaults are shown as [default: ...]"
    for line in r.output.splitlines():
        assert len(line) <= 80, f"{path}: {line!r}"


def test_docs_print_the_same_table() -> None:
    rows = re.findall(r"^\| `(-[A-Za-z])` \| `(--[a-z-]+)`", DOC.read_text(), re.M)
    assert dict(rows) == SHORT_FLAGS
