"""The command line's machinery: commands declared as annotated functions, parsed by click's
rules and shown in click's help layout, on the standard library alone.

Why not typer and click, which declared the commands until 2026-12-06: importing typer and the
click it carries, then building one command, cost 25-35 ms of every run, a quarter of
``trailreplay scan`` on a small archive (docs/performance.md, "Start-up").  The commands use a
small part of them, and this module is that part:

* **Declaring.**  A command is a function whose parameters say what they are with
  ``Annotated[TYPE, Option(...)]`` or ``Annotated[TYPE, Argument(...)]``, typer's notation;
  its docstring is its help.  TYPE is ``str``, ``int`` (a range with ``min``/``max``),
  ``float``, ``bool`` (a flag), ``Path``, an ``Enum`` (its values), any of these ``| None``,
  or ``list[str]`` (an option given again and again, or an argument taking one or more
  words).  ``param_type=`` gives an option its own :class:`ParamType` (the ``--format``
  choices).  An option without a default is required; so is an argument.  :class:`App`
  gathers commands and groups of commands; :meth:`App.build` makes them :class:`Group` and
  :class:`Command` objects, which parse, run and print help.
* **Parsing** keeps click's rules, which users of click-built tools know: options and
  arguments in any order and ``--`` ending the options; ``--name value``, ``--name=value``,
  ``-n value``, ``-nvalue`` and combined flags (``-qj2``); a value taken as given even when
  it starts with a dash (``-e -x``); long options never abbreviated (``--work`` is an error
  that names ``--workers``); ``-h``/``--help`` prints the help and exits 0 once the whole
  command line has parsed; a group takes its own options up to the command's name.
* **Errors** are :class:`UsageError` (exit 2), each knowing the command it concerns
  (``ctx.command_path``), so that ``engine.cli.main`` writes one line naming the help to read.
  A command raises :class:`Exit` to end with a status.

Invariants: this module imports the standard library only, and of it only what parsing needs
(``textwrap`` and ``difflib`` load for help and for suggestions).  A declaration mistake (an
unsupported type, two parameters with one flag) raises ``TypeError`` when the command is built,
which ``tests/cli`` does for every command.
"""

from __future__ import annotations

import enum
import os
import sys
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "App",
    "Argument",
    "BadParameter",
    "Command",
    "CommandLineError",
    "Context",
    "Exit",
    "Group",
    "NoArgsIsHelpError",
    "Option",
    "ParamType",
    "UsageError",
]

HELP_NAMES = ("-h", "--help")
MAX_WIDTH = 80  # help never wider, whatever the terminal (click's max_content_width)


# --------------------------------------------------------------------------- outcomes


class Exit(Exception):
    """End the command with ``code`` (raised by a command, caught by :meth:`Group.main`)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.exit_code = code


class CommandLineError(Exception):
    """A mistake on the command line: ``format_message()`` says what, ``ctx`` where."""

    exit_code = 2

    def __init__(self, message: str, ctx: Context | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.ctx = ctx

    def format_message(self) -> str:
        return self.message


class UsageError(CommandLineError):
    """A usage error (exit 2): raise it from a command, before any work starts."""


class BadParameter(UsageError):
    """A value an option or argument cannot take."""

    def __init__(self, message: str, ctx: Context | None = None, param: Param | None = None):
        super().__init__(message, ctx)
        self.param = param

    def format_message(self) -> str:
        if self.param is None:
            return f"Invalid value: {self.message}"
        return f"Invalid value for {self.param.hint}: {self.message}"


class NoArgsIsHelpError(UsageError):
    """A group run with nothing after it: its help, on stderr, exit 2."""


# --------------------------------------------------------------------------- value types


class ParamType:
    """What text an option or argument takes, and the value it becomes."""

    name = "text"
    #: The placeholder shown in help when the declaration gives none.
    metavar: str | None = None

    def convert(self, value: str, param: Param | None, ctx: Context | None) -> Any:
        return value

    def fail(
        self, message: str, param: Param | None = None, ctx: Context | None = None
    ) -> NoReturn:
        raise BadParameter(message, ctx=ctx, param=param)

    def describe(self) -> str:
        """Extra help (a range), or empty."""
        return ""


class _Text(ParamType):
    metavar = "TEXT"


class _Path(ParamType):
    name = "path"
    metavar = "PATH"

    def convert(self, value: str, param: Param | None, ctx: Context | None) -> Any:
        return Path(value)


class _Number(ParamType):
    """A whole number (``integer``) or a decimal, optionally within ``min``..``max``."""

    def __init__(self, kind: type, low: float | None = None, high: float | None = None) -> None:
        self.kind = kind
        self.low = low
        self.high = high
        self.name = "integer" if kind is int else "float"
        self.metavar = self.name.upper()

    def convert(self, value: str, param: Param | None, ctx: Context | None) -> Any:
        try:
            number = self.kind(value)
        except ValueError:
            self.fail(f"{value!r} is not a valid {self.name}", param, ctx)
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            self.fail(f"{number} is not in the range {self.describe()}", param, ctx)
        return number

    def describe(self) -> str:
        if self.low is None and self.high is None:
            return ""
        if self.high is None:
            return f"x>={self.low}"
        if self.low is None:
            return f"x<={self.high}"
        return f"{self.low}<=x<={self.high}"


class _EnumChoice(ParamType):
    """One of an ``Enum``'s values (the member is what the command receives)."""

    name = "choice"

    def __init__(self, kind: type[enum.Enum]) -> None:
        self.kind = kind
        self.metavar = "[" + "|".join(str(m.value) for m in kind) + "]"

    def convert(self, value: str, param: Param | None, ctx: Context | None) -> Any:
        for member in self.kind:
            if str(member.value) == value:
                return member
        names = ", ".join(repr(str(m.value)) for m in self.kind)
        self.fail(f"{value!r} is not one of {names}", param, ctx)


# --------------------------------------------------------------------------- declarations


class Option:
    """An option's declaration, in ``Annotated[TYPE, Option(...)]``.

    ``decls``: its flags (``"--workers", "-j"``); none: ``--`` and the parameter's name with
    dashes.  ``show_default=False`` keeps the default out of the help (say it in ``help``)."""

    def __init__(
        self,
        *decls: str,
        help: str | None = None,
        metavar: str | None = None,
        min: float | None = None,
        max: float | None = None,
        param_type: ParamType | None = None,
        show_default: bool = True,
        callback: Callable[[Any], Any] | None = None,
        is_eager: bool = False,
    ) -> None:
        self.decls = decls
        self.help = help
        self.metavar = metavar
        self.min = min
        self.max = max
        self.param_type = param_type
        self.show_default = show_default
        self.callback = callback
        self.is_eager = is_eager


class Argument:
    """A positional argument's declaration, in ``Annotated[TYPE, Argument(...)]``."""

    def __init__(
        self, *, help: str | None = None, metavar: str | None = None, show_default: bool = True
    ) -> None:
        self.help = help
        self.metavar = metavar
        self.show_default = show_default


_REQUIRED: Any = object()  # no default: the parameter must be given


@dataclass(eq=False)
class Param:
    """One option or argument of a built command."""

    name: str  # the function's parameter
    kind: str  # "option" or "argument"
    opts: list[str]  # an option's flags as declared; an argument: [name]
    type: ParamType
    default: Any
    help: str = ""
    metavar: str | None = None
    multiple: bool = False  # an option given again and again: a list
    is_flag: bool = False
    nargs: int = 1  # an argument: 1, or -1 for one or more words
    show_default: bool = True
    callback: Callable[[Any], Any] | None = None
    is_eager: bool = False

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    @property
    def hint(self) -> str:
        """How an error names it: ``'--workers' / '-j'`` or ``'PATTERN'``."""
        if self.kind == "argument":
            return repr(self.display_metavar())
        return " / ".join(repr(o) for o in self.opts)

    def display_metavar(self) -> str:
        if self.metavar is not None:
            return self.metavar
        if self.kind == "argument":
            return self.name.upper() + ("..." if self.nargs == -1 else "")
        return self.type.metavar or "TEXT"

    def usage_piece(self) -> str:
        var = self.display_metavar()
        return var if self.required or var.startswith("[") else f"[{var}]"

    def help_record(self) -> tuple[str, str]:
        if self.kind == "argument":
            first = self.display_metavar()
        else:
            first = ", ".join(sorted(self.opts, key=lambda o: len(o) - len(o.lstrip("-"))))
            if not self.is_flag:
                first += f" {self.display_metavar()}"
        extra = []
        default = self.default
        if self.show_default and default is not _REQUIRED and default is not None:
            if isinstance(default, enum.Enum):
                extra.append(f"default: {default.value}")
            elif not (self.is_flag and not default) and not isinstance(default, (list, tuple)):
                extra.append(f"default: {default}")
        if described := self.type.describe():
            extra.append(described)
        if self.required:
            extra.append("required")
        text = self.help
        if extra:
            text = f"{text}  [{'; '.join(extra)}]" if text else f"[{'; '.join(extra)}]"
        return first, text

    def convert(self, value: Any, ctx: Context) -> Any:
        if self.is_flag:
            return value
        if isinstance(value, list):
            return [self.type.convert(v, self, ctx) for v in value]
        return self.type.convert(value, self, ctx)


def _strip_none(hint: Any) -> Any:
    """``T | None`` -> T (None is a default, not a value the command line can give)."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def _value_type(hint: Any, decl: Option | Argument, where: str) -> tuple[ParamType, bool, bool]:
    """(the value type, is a list, is a flag) of a parameter's type hint."""
    if isinstance(decl, Option) and decl.param_type is not None:
        return decl.param_type, typing.get_origin(hint) is list, False
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        if item is not str:
            raise TypeError(f"{where}: only list[str] is supported, not {hint!r}")
        return _Text(), True, False
    if hint is bool:
        return _Text(), False, True
    if hint is int or hint is float:
        low = decl.min if isinstance(decl, Option) else None
        high = decl.max if isinstance(decl, Option) else None
        return _Number(hint, low, high), False, False
    if hint is str:
        return _Text(), False, False
    if hint is Path:
        return _Path(), False, False
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _EnumChoice(hint), False, False
    raise TypeError(f"{where}: unsupported type {hint!r}")


def params_of(fn: Callable[..., Any]) -> list[Param]:
    """The options and arguments a command function declares, in its parameter order."""
    hints = typing.get_type_hints(fn, include_extras=True)
    code = fn.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    defaults = fn.__defaults__ or ()
    kw_defaults = fn.__kwdefaults__ or {}
    positional = names[: code.co_argcount]
    first_default = len(positional) - len(defaults)
    params = []
    for i, name in enumerate(names):
        if i < code.co_argcount:
            default = defaults[i - first_default] if i >= first_default else _REQUIRED
        else:
            default = kw_defaults.get(name, _REQUIRED)
        hint = hints.get(name, str)
        decl: Option | Argument
        if typing.get_origin(hint) is typing.Annotated:
            hint, *meta = typing.get_args(hint)
            found = [m for m in meta if isinstance(m, Option | Argument)]
            decl = found[0] if found else (Argument() if default is _REQUIRED else Option())
        else:
            decl = Argument() if default is _REQUIRED else Option()
        hint = _strip_none(hint)
        where = f"{fn.__name__}({name})"
        vtype, is_list, is_flag = _value_type(hint, decl, where)
        if isinstance(decl, Argument):
            params.append(
                Param(
                    name,
                    "argument",
                    [name],
                    vtype,
                    default,
                    help=decl.help or "",
                    metavar=decl.metavar,
                    nargs=-1 if is_list else 1,
                    show_default=decl.show_default,
                )
            )
            continue
        opts = list(decl.decls) or ["--" + name.replace("_", "-")]
        params.append(
            Param(
                name,
                "option",
                opts,
                vtype,
                default,
                help=decl.help or "",
                metavar=decl.metavar,
                multiple=is_list,
                is_flag=is_flag,
                show_default=decl.show_default,
                callback=decl.callback,
                is_eager=decl.is_eager,
            )
        )
    seen: set[str] = set()
    for p in params:
        if p.kind == "option":
            if clash := seen & set(p.opts):
                raise TypeError(f"{fn.__name__}: {sorted(clash)} declared twice")
            seen.update(p.opts)
    return params


def _cleandoc(text: str) -> str:
    """``inspect.cleandoc`` without importing ``inspect`` (~4 ms at start-up)."""
    lines = text.expandtabs().split("\n")
    margin = min((len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()), default=0)
    lines = [lines[0].strip(), *(ln[margin:].rstrip() for ln in lines[1:])]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands


@dataclass
class Context:
    """Where a command line is being parsed: ``command_path`` names it for error messages."""

    info_name: str
    parent: Context | None = None

    @property
    def command_path(self) -> str:
        if self.parent is None:
            return self.info_name
        return f"{self.parent.command_path} {self.info_name}"


class _Node:
    """What a command and a group share: a name, options, help text and an epilog."""

    name: str
    help: str
    epilog: str | None
    params: list[Param]

    def usage(self, ctx: Context) -> str:
        raise NotImplementedError

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The help's (heading, rows) after the text: options, and what the node adds."""
        options = [p.help_record() for p in self.params if p.kind == "option"]
        options.append((", ".join(HELP_NAMES), "Show this message and exit."))
        return [("Options", options)]

    def help_text(self, ctx: Context) -> str:
        out = [self.usage(ctx)]
        if self.help:
            out.append(_text(self.help, 2))
        out += [f"{heading}:\n" + _definitions(rows) for heading, rows in self.sections() if rows]
        if self.epilog:
            out.append(_text(_cleandoc(self.epilog), 2))
        return "\n".join(out)

    def short_help(self, limit: int) -> str:
        return _short_help(self.help, limit)

    def print_help(self, ctx: Context) -> None:
        sys.stdout.write(self.help_text(ctx))

    def run_eager(self, given: dict[str, Any], ctx: Context) -> None:
        """The eager options given (``--version``), first, in declaration order."""
        for p in self.params:
            if p.is_eager and p.name in given and p.callback is not None:
                p.callback(p.convert(given[p.name], ctx))


class Command(_Node):
    """A command built from a function: parses its arguments, prints its help, calls it."""

    def __init__(self, name: str, callback: Callable[..., Any], epilog: str | None = None) -> None:
        self.name = name
        self.callback = callback
        self.epilog = epilog
        self.help = _cleandoc(callback.__doc__ or "")
        self.params = params_of(callback)

    # ---- parsing

    def parse(self, args: list[str], ctx: Context) -> dict[str, Any]:
        """The function's keyword arguments for ``args``; help and eager options act here."""
        options = [p for p in self.params if p.kind == "option"]
        arguments = [p for p in self.params if p.kind == "argument"]
        given, rest, help_asked = _parse_options(args, options, ctx, interspersed=True)
        self.run_eager(given, ctx)
        if help_asked:  # before the arguments are checked: `trailreplay test -h` is help
            self.print_help(ctx)
            raise Exit(0)
        values = _assign_arguments(rest, arguments, ctx)
        kwargs: dict[str, Any] = {}
        for p in options:
            if p.name in given:
                kwargs[p.name] = p.convert(given[p.name], ctx)
            elif p.required:
                raise UsageError(f"Missing option {p.hint}", ctx)
            else:
                kwargs[p.name] = p.default
            if p.callback is not None and not p.is_eager:
                p.callback(kwargs[p.name])
        for p in arguments:
            if p.name in values:
                kwargs[p.name] = p.convert(values[p.name], ctx)
            else:
                kwargs[p.name] = p.default
        return kwargs

    def invoke(self, args: list[str], ctx: Context) -> Any:
        kwargs = self.parse(args, ctx)
        try:
            return self.callback(**kwargs)
        except CommandLineError as exc:
            if exc.ctx is None:
                exc.ctx = ctx
            raise

    # ---- help

    def usage(self, ctx: Context) -> str:
        pieces = ["[OPTIONS]"] + [p.usage_piece() for p in self.params if p.kind == "argument"]
        return _usage(ctx.command_path, " ".join(pieces))

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        arguments = [p.help_record() for p in self.params if p.kind == "argument" and p.help]
        return [("Arguments", arguments), *super().sections()]


class Group(_Node):
    """Commands under one name: its own options, then a command and what follows it.  Run
    without a command, it prints its help on stderr (:class:`NoArgsIsHelpError`)."""

    def __init__(
        self,
        name: str,
        help: str = "",
        commands: dict[str, Command | Group] | None = None,
        params: list[Param] | None = None,
        epilog: str | None = None,
    ) -> None:
        self.name = name
        self.help = _cleandoc(help)
        self.commands = commands or {}
        self.params = params or []
        self.epilog = epilog

    def invoke(self, args: list[str], ctx: Context) -> Any:
        given, rest, help_asked = _parse_options(args, self.params, ctx, interspersed=False)
        self.run_eager(given, ctx)
        if help_asked:
            self.print_help(ctx)
            raise Exit(0)
        if not rest:
            raise NoArgsIsHelpError(self.help_text(ctx), ctx)
        name, *tail = rest
        command = self.commands.get(name)
        if command is None:
            raise UsageError(f"No such command {name!r}.", ctx)
        return command.invoke(tail, Context(name, ctx))

    def main(self, args: Sequence[str], prog_name: str | None = None) -> Any:
        """Run the command line ``args``; errors and :class:`Exit` propagate."""
        return self.invoke(list(args), Context(prog_name or self.name))

    def usage(self, ctx: Context) -> str:
        return _usage(ctx.command_path, "[OPTIONS] COMMAND [ARGS]...")

    def sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        rows = []
        if self.commands:
            limit = _width() - 6 - max(len(n) for n in self.commands)
            rows = [(n, c.short_help(limit)) for n, c in self.commands.items()]
        return [*super().sections(), ("Commands", rows)]


def _parse_options(
    args: list[str], options: list[Param], ctx: Context, interspersed: bool
) -> tuple[dict[str, Any], list[str], bool]:
    """(option values by name, the other words, whether help was asked) by click's rules.

    ``interspersed=False`` (a group): the first word that is not an option ends the group's
    options; it and what follows are returned for the command."""
    by_flag = {o: p for p in options for o in p.opts}
    given: dict[str, Any] = {}
    rest: list[str] = []
    help_asked = False
    queue = list(args)

    def take(flag: str, p: Param, value: str | None) -> None:
        if p.is_flag:
            given[p.name] = True
            return
        if value is None:
            if not queue:
                raise UsageError(f"Option {flag!r} requires an argument.", ctx)
            value = queue.pop(0)
        if p.multiple:
            given.setdefault(p.name, []).append(value)
        else:
            given[p.name] = value

    while queue:
        arg = queue.pop(0)
        if arg == "--":
            rest.extend(queue)
            break
        if arg[:1] != "-" or len(arg) == 1:
            if not interspersed:
                rest.append(arg)
                rest.extend(queue)
                break
            rest.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if name in HELP_NAMES and name not in by_flag:
            if eq:
                raise UsageError(f"Option {name!r} does not take a value.", ctx)
            help_asked = True
            continue
        if name in by_flag:
            p = by_flag[name]
            if eq and p.is_flag:
                raise UsageError(f"Option {name!r} does not take a value.", ctx)
            take(name, p, value if eq else None)
            continue
        if arg[:2] == "--":
            raise _no_such_option(name, [*by_flag, "--help"], ctx)
        # Short flags, combined: -qj2 is -q -j 2.
        for i, ch in enumerate(arg[1:], start=1):
            flag = "-" + ch
            if flag == "-h" and flag not in by_flag:
                help_asked = True
                continue
            p_short = by_flag.get(flag)
            if p_short is None:
                raise _no_such_option(flag, [], ctx)
            if p_short.is_flag:
                take(flag, p_short, None)
                continue
            take(flag, p_short, arg[i + 1 :] or None)
            break
    return given, rest, help_asked


def _no_such_option(name: str, known: list[str], ctx: Context) -> UsageError:
    message = f"No such option: {name}"
    if known:
        from difflib import get_close_matches

        if close := get_close_matches(name, [k for k in known if k.startswith("--")]):
            message += f" (Possible options: {', '.join(sorted(close))})"
    return UsageError(message, ctx)


def _assign_arguments(words: list[str], arguments: list[Param], ctx: Context) -> dict[str, Any]:
    """Positional words to arguments: each single one takes a word, the one variadic
    argument what is left between them."""
    values: dict[str, Any] = {}
    fixed = sum(1 for p in arguments if p.nargs == 1)
    spare = len(words) - fixed
    at = 0
    for p in arguments:
        if p.nargs == -1:
            take = max(spare, 0)
            if take:
                values[p.name] = words[at : at + take]
            elif p.required:
                raise UsageError(f"Missing argument {p.hint}.", ctx)
            at += take
            spare = 0
        elif at < len(words):
            values[p.name] = words[at]
            at += 1
        elif p.required:
            raise UsageError(f"Missing argument {p.hint}.", ctx)
    if at < len(words):
        extra = " ".join(words[at:])
        raise UsageError(f"Got unexpected extra argument(s) ({extra})", ctx)
    return values


# --------------------------------------------------------------------------- declaring


class App:
    """Commands and groups as declared (typer's ``Typer``): :meth:`build` makes them runnable."""

    def __init__(
        self,
        name: str = "",
        help: str = "",
        epilog: str | None = None,
    ) -> None:
        self.name = name
        self.help = help
        self.epilog = epilog
        #: (name, function, epilog) in the order declared.
        self.registered_commands: list[tuple[str, Callable[..., Any], str | None]] = []
        #: (name, App) in the order declared.
        self.registered_groups: list[tuple[str, App]] = []
        self.root: Callable[..., Any] | None = None

    def command(
        self, name: str, epilog: str | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.registered_commands.append((name, fn, epilog))
            return fn

        return register

    def add_group(self, group: App, name: str | None = None) -> None:
        self.registered_groups.append((name or group.name, group))

    def options(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """The group's own options (``--version``): ``fn``'s parameters."""
        self.root = fn
        return fn

    def names(self) -> list[str]:
        return [n for n, _, _ in self.registered_commands] + [n for n, _ in self.registered_groups]

    def only(self, name: str) -> App | None:
        """This app with only the command or group ``name`` (None: there is none)."""
        commands = [c for c in self.registered_commands if c[0] == name]
        groups = [g for g in self.registered_groups if g[0] == name]
        if not commands and not groups:
            return None
        one = App(self.name, self.help, self.epilog)
        one.registered_commands, one.registered_groups, one.root = commands, groups, self.root
        return one

    def build(self) -> Group:
        commands: dict[str, Command | Group] = {}
        for name, fn, epilog in self.registered_commands:
            commands[name] = Command(name, fn, epilog)
        for name, sub in self.registered_groups:
            commands[name] = sub.build_as(name)
        params = params_of(self.root) if self.root is not None else []
        return Group(self.name, self.help, commands, params, self.epilog)

    def build_as(self, name: str) -> Group:
        group = self.build()
        group.name = name
        return group


# --------------------------------------------------------------------------- help layout


def _width() -> int:
    """Help's text width: the terminal's (``COLUMNS`` overrides it), at most 80, less 2."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError):
            columns = MAX_WIDTH
    return max(min(columns, MAX_WIDTH) - 2, 50)


def _wrapper(width: int, initial: str = "", subsequent: str = "") -> Any:
    import textwrap

    class Wrapper(textwrap.TextWrapper):
        def _handle_long_word(
            self, reversed_chunks: list[str], cur_line: list[str], cur_len: int, width: int
        ) -> None:
            room = max(width - cur_len, 1)
            cur_line.append(reversed_chunks[-1][:room])
            reversed_chunks[-1] = reversed_chunks[-1][room:]

    return Wrapper(
        width, initial_indent=initial, subsequent_indent=subsequent, replace_whitespace=False
    )


def _paragraphs(text: str) -> Iterator[tuple[int, bool, str]]:
    """(indent, keep as written, text) per paragraph; a paragraph whose first line is ``\\b``
    is kept as written (click's convention: commands stay copy-pasteable)."""
    buf: list[str] = []
    indent: int | None = None
    for line in [*text.splitlines(), ""]:
        if line:
            if indent is None:
                indent = len(line) - len(line.lstrip())
                line = line.lstrip()
            buf.append(line)
            continue
        if buf:
            if buf[0].strip() == "\b":
                yield indent or 0, True, "\n".join(buf[1:])
            else:
                yield indent or 0, False, " ".join(buf)
        buf, indent = [], None


def _wrap(text: str, width: int, indent: int = 0) -> str:
    out = []
    for extra, keep, body in _paragraphs(text.expandtabs()):
        pad = " " * (indent + extra)
        if keep:
            out.append("\n".join(pad + ln for ln in body.splitlines()))
        else:
            out.append(_wrapper(width, pad, pad).fill(body))
    return "\n\n".join(out)


def _text(text: str, indent: int) -> str:
    """A paragraph block of help, indented, followed by a blank line."""
    return _wrap(text, _width(), indent) + "\n"


def _usage(path: str, pieces: str) -> str:
    prefix = f"Usage: {path} "
    width = _width()
    body: str
    if width >= len(prefix) + 20:
        body = _wrapper(width, prefix, " " * len(prefix)).fill(pieces)
    else:
        pad = " " * (len("Usage: ") + 4)
        body = prefix + "\n" + _wrapper(width, pad, pad).fill(pieces)
    return body + "\n"


def _definitions(rows: list[tuple[str, str]], col_max: int = 30, spacing: int = 2) -> str:
    """Two columns, as click's ``write_dl``: a term, then its text wrapped beside it (a term
    wider than ``col_max`` stands on its own line)."""
    width = _width()
    first = min(max(len(term) for term, _ in rows), col_max) + spacing
    out = []
    for term, text in rows:
        line = "  " + term
        if not text:
            out.append(line + "\n")
            continue
        if len(term) <= first - spacing:
            line += " " * (first - len(term))
        else:
            line += "\n" + " " * (first + 2)
        lines = _wrap(text, max(width - first - 2, 10)).splitlines() or [""]
        out.append(line + lines[0] + "\n")
        out.extend(" " * (first + 2) + ln + "\n" for ln in lines[1:])
    return "".join(out)


def _short_help(help: str, limit: int) -> str:
    """A command's line in its group's listing: the first sentence, or as many words as fit
    ``limit`` followed by ``...`` (click's rule)."""
    words = help.split("\n\n", 1)[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    total = 0
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word.endswith("."):
            return " ".join(words[: i + 1])
        if total == limit and i != len(words) - 1:
            break
    else:
        return " ".join(words)
    total += 3
    while i > 0:
        total -= len(words[i]) + (i > 0)
        if total <= limit:
            break
        i -= 1
    return " ".join(words[:i]) + "..."
