"""Entry point of the ``trailreplay`` console script."""

from __future__ import annotations

import importlib

import typer

from engine.cli import _io
from engine.cli._io import EXIT_STATUS_NOTE

app = typer.Typer(
    name="trailreplay",
    help="Offline CloudWatch Logs filter patterns for AWS CloudTrail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    epilog=f"Every command exits {EXIT_STATUS_NOTE}.",
)

# Each module defines register(app).  Keep one name per line.
COMMAND_MODULES: tuple[str, ...] = (
    "validate",
    "scan",
    "patterns",
    "metrics",
    "audit",
    "lint",
    "prove",
)


def _load() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"engine.cli.{name}").register(app)


_load()


def main() -> None:
    """The console script: the app, with closed pipes and full disks turned into exit statuses
    (engine.cli._io)."""
    _io.run(app)


if __name__ == "__main__":
    main()
