"""Entry point of the ``trailreplay`` console script.

Start-up is part of the interface (a pre-commit hook or a loop runs it often): importing this
module loads the standard library's command-line machinery only (:mod:`engine.cli.commandline`).
The console script builds the one command it runs, importing that command's module alone when
it is named like the command (:func:`for_args`); ``app``, the whole command line, is built on
first use.  The command modules' top levels import nothing heavy; each command imports the
engine when it runs.  Help is plain text that fits 80 columns and reads the same in a pipe.

Every mistake on the command line reads ``trailreplay: MESSAGE (see 'trailreplay CMD --help')``
on one line and exits 2, whichever command it is (:func:`run`).
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Sequence
from typing import Annotated, Any

from engine.cli import _io
from engine.cli import commandline as cl
from engine.cli._io import EXIT_STATUS_NOTE
from engine.cli.options import CommandLineError, NoArgsIsHelpError


def run(app: cl.App, args: Sequence[str] | None = None) -> int:
    """Run ``args`` (default: ``sys.argv[1:]``) through ``app``; the exit status.

    Usage errors become one ``trailreplay:`` line and 2; a group run with nothing after it
    prints its help on stderr (also 2); Ctrl-C ends with 130."""
    try:
        rv = app.build().main(sys.argv[1:] if args is None else list(args), "trailreplay")
    except cl.Exit as exc:
        return exc.exit_code
    except CommandLineError as exc:
        report_usage_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("trailreplay: aborted\n")
        return 130
    return rv if isinstance(rv, int) else 0


def report_usage_error(exc: CommandLineError) -> None:
    """One line: what is wrong and where to read more (a group run with nothing after it
    prints its help instead: that is what a newcomer typing ``trailreplay`` wants)."""
    if isinstance(exc, NoArgsIsHelpError):
        sys.stderr.write(exc.format_message().rstrip("\n") + "\n")
        return
    message = exc.format_message().replace("\n", " ").strip().rstrip(".")
    where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
    if message:
        message = message[0].lower() + message[1:]
    sys.stderr.write(f"trailreplay: {message}{where}\n")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("trailreplay")
        except PackageNotFoundError:  # running from a source tree
            from engine import __version__ as v
        sys.stdout.write(f"trailreplay {v}\n")
        raise cl.Exit(0)


def _root(
    version: Annotated[
        bool,
        cl.Option(
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


def build(modules: tuple[str, ...] = COMMAND_MODULES) -> cl.App:
    """The root command with the commands of ``modules`` (engine.cli.NAME) registered."""
    app = cl.App(
        name="trailreplay",
        help="Offline CloudWatch Logs filter patterns for AWS CloudTrail: replay archives, "
        "validate and explain patterns, prove equivalence, audit CIS controls, lint "
        "Terraform and CloudFormation.",
        epilog="Run 'trailreplay COMMAND -h' for a command's options, examples and exit status. "
        f"Every command exits {EXIT_STATUS_NOTE}.",
    )
    app.options(_root)
    for name in modules:
        importlib.import_module(f"engine.cli.{name}").register(app)
    return app


@functools.cache
def whole() -> cl.App:
    """The whole command line, every command registered (``engine.cli.main.app``)."""
    return build()


def __getattr__(name: str) -> Any:
    # ``app`` is built on first use (PEP 562): the console script builds only what it runs.
    if name == "app":
        return whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def for_args(args: list[str]) -> cl.App:
    """The command line with only the command that ``args`` runs registered.

    A run needs one command, and only its module (a command named like its module, ``scan``,
    imports that module alone); building a command reads its function's signature and type
    hints.  The command is the first argument that is not an option (the root's options,
    ``-V`` and ``-h``, take no value).  Root help, no command or a name that is no command:
    the whole app, so that the listing and "no such command" stay as they are."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    if name is None:
        return whole()
    app = build((name,)) if name in COMMAND_MODULES else whole()
    return app.only(name) or whole()


def main() -> None:
    """The console script: the app (only the command asked for: :func:`for_args`), with closed
    pipes and full disks turned into exit statuses (engine.cli._io)."""
    args = sys.argv[1:]
    _io.run(functools.partial(run, for_args(args), args))


if __name__ == "__main__":
    main()
