"""Entry point of the ``trailreplay`` console script.

Start-up is part of the interface (a pre-commit hook or a loop runs it often): importing this
module loads typer only.  The console script builds the one command it runs, importing that
command's module alone when it is named like the command (:func:`for_args`); ``app``, the
whole command line, is built on first use.  The command modules' top levels import nothing
heavy; each command imports the engine when it runs.  Help is click's plain help (no rich),
which fits 80 columns and reads the same in a pipe.

Every mistake on the command line reads ``trailreplay: MESSAGE (see 'trailreplay CMD --help')``
on one line and exits 2, whichever command it is (:class:`_Group`).
"""

from __future__ import annotations

import copy
import functools
import importlib
import sys
import typing
from collections.abc import Callable
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


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("trailreplay")
        except PackageNotFoundError:  # running from a source tree
            from engine import __version__ as v
        sys.stdout.write(f"trailreplay {v}\n")
        raise typer.Exit(0)


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


def build(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The root command with the commands of ``modules`` (engine.cli.NAME) registered."""
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
    app.callback()(_root)
    for name in modules:
        importlib.import_module(f"engine.cli.{name}").register(app)
    return app


@functools.cache
def whole() -> typer.Typer:
    """The whole command line, every command registered (``engine.cli.main.app``)."""
    return build()


def __getattr__(name: str) -> Any:
    # ``app`` is built on first use (PEP 562): the console script builds only what it runs.
    if name == "app":
        return whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def for_args(args: list[str]) -> typer.Typer:
    """The command line with only the command that ``args`` runs registered.

    typer turns every registered command into a click command at each start, inspecting its
    signature (~20 ms for all of them, more than the rest of a small scan's command line); a
    run needs one, and only its module (a command named like its module, ``scan``, imports
    that module alone).  The command is the first argument that is not an option (the root's
    options, ``-V`` and ``-h``, take no value).  Root help, no command or a name that is no
    command: the whole app, so that the listing and click's "No such command" stay as they
    are."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    if name is None:
        return whole()
    app = build((name,)) if name in COMMAND_MODULES else whole()
    commands = [c for c in app.registered_commands if c.name == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not commands and not groups:
        return whole()
    for info in commands:
        _evaluate_annotations(info.callback)
    one = copy.copy(app)
    one.registered_commands = commands
    one.registered_groups = groups
    return one


def _evaluate_annotations(fn: Callable[..., Any] | None) -> None:
    """Replace ``fn``'s annotations, text under ``from __future__ import annotations``, by
    their values.  typer reads a command's signature twice while building it, compiling and
    evaluating every annotation each time (``inspect.signature(eval_str=True)``, then
    ``get_type_hints``): half the build of ``scan``'s two dozen options.  Evaluated once here,
    they are plain objects to typer, which reads them alike."""
    if fn is not None:
        fn.__annotations__ = typing.get_type_hints(fn, include_extras=True)


def main() -> None:
    """The console script: the app (only the command asked for: :func:`for_args`), with closed
    pipes and full disks turned into exit statuses (engine.cli._io)."""
    _io.run(for_args(sys.argv[1:]))


if __name__ == "__main__":
    main()
