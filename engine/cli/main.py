"""Entry point of the ``trailreplay`` console script."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="trailreplay",
    help="Offline CloudWatch Logs filter patterns for AWS CloudTrail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
    "sigma",
)


def _load() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"engine.cli.{name}").register(app)


_load()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
