"""Entry point of the ``trailreplay`` console script.

Start-up is part of the interface (a pre-commit hook or a loop runs it often): importing this
module loads typer and the command modules, whose top levels import nothing heavy; each
command imports the engine when it runs.  Help is click's plain help (no rich), which fits
80 columns and reads the same in a pipe.

Every mistake on the command line reads ``trailreplay: MESSAGE (see 'trailreplay CMD --help')``
on one line and exits 2, whichever command it is (:class:`_Group`).
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from engine.cli import _io
from engine.cli._io import EXIT_STATUS_NOTE
from engine.cli.options import ClickException, NoArgsIsHelpError


class _Group(TyperGroup):
    """The top-level group: click's usage errors become one ``trailreplay:`` line, exit 2."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(
                args, prog_name or "trailreplay", complete_var, standalone_mode=False, **extra
            )
        except ClickException as exc:
            report_usage_error(exc)
            if not standalone_mode:
                raise
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("trailreplay: aborted\n")
            if not standalone_mode:
                raise
            sys.exit(130)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


def report_usage_error(exc: ClickException) -> None:
    """One line: what is wrong and where to read more (a group run with nothing after it
    prints its help instead: that is what a newcomer typing ``trailreplay`` wants)."""
    if isinstance(exc, NoArgsIsHelpError):
        sys.stderr.write(exc.format_message().rstrip("\n") + "\n")
        return
    message = exc.format_message().replace("\n", " ").strip().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    if message:
        message = message[0].lower() + message[1:]
    sys.stderr.write(f"trailreplay: {message}{where}\n")


app = typer.Typer(
    name="trailreplay",
    cls=_Group,
    help="Offline CloudWatch Logs filter patterns for AWS CloudTrail: replay archives, "
    "validate and explain patterns, prove equivalence, audit CIS controls, lint "
    "Terraform and CloudFormation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 80},
    epilog="Run 'trailreplay COMMAND -h' for a command's options, examples and exit status. "
    f"Every command exits {EXIT_STATUS_NOTE}.",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("trailreplay")
        except PackageNotFoundError:  # running from a source tree
            from engine import __version__ as v
        sys.stdout.write(f"trailreplay {v}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Offline CloudWatch Logs filter patterns for AWS CloudTrail."""


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
    """The console script: the app, with closed pipes and full disks turned into exit statuses
    (engine.cli._io)."""
    _io.run(app)


if __name__ == "__main__":
    main()
