"""The command line's shared vocabulary: the short-flag table, format choices, usage errors,
time arguments and range checks.

Invariants:

* :data:`SHORT_FLAGS` is the one table of short flags.  A short flag means the same long
  option in every command (grep's ``-e PATTERN`` and ``-f FILE`` are the anchors);
  ``tests/cli/test_flag_table.py`` walks every command and checks it, and checks that
  ``docs/cli.md`` prints this same table.
* Every ``--format`` is a closed set of names listed in the help; the same name means the
  same kind of output everywhere (``json`` machine-readable, ``text``/``table`` for people,
  ``sarif`` for findings).  Old names still accepted are aliases, not listed.
* A mistake on the command line is a :class:`UsageError`: one line on stderr
  (``trailreplay: ...``), exit 2, before any work starts.

This module imports only the standard library and :mod:`engine.cli.commandline`: it runs on
every start, including ``--help``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.cli.commandline import (
    BadParameter,
    CommandLineError,
    NoArgsIsHelpError,
    ParamType,
    UsageError,
)

__all__ = ["BadParameter", "CommandLineError", "NoArgsIsHelpError", "UsageError"]

EXIT_USAGE = 2

# short flag -> the long option it abbreviates, in every command that has it.
SHORT_FLAGS: dict[str, str] = {
    "-c": "--control",
    "-d": "--dimension",
    "-e": "--pattern",
    "-f": "--patterns-file",
    "-h": "--help",
    "-j": "--workers",
    "-o": "--out",
    "-q": "--quiet",
    "-v": "--verbose",
    "-V": "--version",
}

# The exit statuses every command's help states (commands add their own meaning of 0 and 1).
EXIT_STATUS_USAGE = "2 usage error (bad option, invalid pattern) or unreadable input"


def usage_error(message: str) -> UsageError:
    """A usage error (exit 2): raise it from a command, before any work starts."""
    return UsageError(message)


class FormatChoice(ParamType):
    """``--format``: the listed names, plus unlisted aliases kept for old command lines."""

    name = "format"

    def __init__(self, choices: Sequence[str], aliases: Mapping[str, str] | None = None) -> None:
        self.choices = tuple(choices)
        self.aliases = dict(aliases or {})
        self.metavar = "[" + "|".join(choices) + "]"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        text = str(value).lower()
        text = self.aliases.get(text, text)
        if text not in self.choices:
            self.fail(f"{value!r} is not one of {', '.join(self.choices)}", param, ctx)
        return text


# --------------------------------------------------------------------------- time


_RELATIVE = re.compile(r"^(\d{1,9})\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_EPOCH = re.compile(r"^\d{9,11}(\.\d+)?$")
# Times outside this range are mistakes (CloudTrail began in 2013), and datetime arithmetic
# near year 1 or 9999 overflows: refuse them as usage errors instead of tracebacks.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


def time_argument(text: str | None, option: str, now: datetime | None = None) -> str | None:
    """``--since``/``--until`` text as the ISO 8601 text the replay takes.

    Accepted: ISO 8601 (a date alone is the whole day for ``--until``; no zone means UTC),
    a relative time before now (``30m``, ``24h``, ``7d``, ``2w``, ``90s``) and epoch seconds.
    Raises a usage error naming ``option``.
    """
    if text is None:
        return None
    s = text.strip()
    when: datetime | None = None
    rel = _RELATIVE.match(s)
    if rel:
        seconds = int(rel[1]) * _UNIT_SECONDS[rel[2]]
        base = now or datetime.now(UTC)
        if seconds > (base - EARLIEST).total_seconds():
            raise usage_error(f"{option} {text!r}: reaches back before 1970")
        when = base - timedelta(seconds=seconds)
    elif _EPOCH.match(s):
        when = datetime.fromtimestamp(float(s), UTC)
    else:
        from engine.replay.window import parse_instant

        try:
            when = parse_instant(s, end=option == "--until")[0]
        except (ValueError, OverflowError):
            raise usage_error(
                f"{option} {text!r}: not a time (ISO 8601 such as 2024-03-14 or "
                "2024-03-14T10:00:00Z, a relative time such as 24h, 7d, 30m, or epoch seconds)"
            ) from None
        if not EARLIEST <= when <= LATEST:
            raise usage_error(f"{option} {text!r}: outside 1970-2999")
        return s
    if not EARLIEST <= when <= LATEST:
        raise usage_error(f"{option} {text!r}: outside 1970-2999")
    return when.isoformat().replace("+00:00", "Z")


def time_window(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """Both bounds as ISO text; an inverted window (until before since) is a usage error."""
    now = datetime.now(UTC)
    start, stop = time_argument(since, "--since", now), time_argument(until, "--until", now)
    if start is not None and stop is not None:
        from engine.replay.window import parse_instant

        a = parse_instant(start)[0]
        b, inclusive = parse_instant(stop, end=True)
        if b < a or (b == a and not inclusive):
            raise usage_error(
                f"--until {until} is before --since {since}: the window holds no time"
            )
    return start, stop


# --------------------------------------------------------------------------- ids


# AWS region names: two letters, an optional partition word (gov, iso, isob, isof...), a
# direction and a number: us-east-1, us-gov-west-1, ap-southeast-5, cn-north-1, eu-isoe-west-1.
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)?-[a-z]+-\d{1,2}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")


def id_list(values: Sequence[str] | None, option: str) -> frozenset[str] | None:
    """Comma-separated, repeatable ``--accounts``/``--regions`` as a set (None: no filter).

    A value that cannot be an account id (12 digits) or a region name is a usage error:
    it would silently exclude every file.
    """
    ids = {v.strip() for value in values or [] for v in value.split(",") if v.strip()}
    shape, what = (
        (ACCOUNT_RE, "an account id is 12 digits, such as 111122223333")
        if option == "--accounts"
        else (REGION_RE, "a region name looks like us-east-1")
    )
    for v in sorted(ids):
        if not shape.match(v):
            raise usage_error(f"{option} {v!r}: {what}")
    return frozenset(ids) if ids else None


# --------------------------------------------------------------------------- help


def epilog(examples: Sequence[str], exit_codes: str) -> str:
    """The Examples and Exit status sections every command's help ends with.

    ``\\b`` keeps the help from rewrapping the lines (commands stay copy-pasteable); the exit
    status is wrapped here so the help fits 80 columns (an epilog is indented by 2).
    """
    import textwrap

    lines = ["\b", "Examples:"]
    lines += [f"  {e}" for e in examples]
    from engine.cli._io import EXIT_STATUS_NOTE  # the same for every command

    status = textwrap.wrap(" ".join(f"{exit_codes}; {EXIT_STATUS_NOTE}".split()), width=74)
    return "\n".join(lines) + "\n\n\b\nExit status:\n" + "\n".join(f"  {ln}" for ln in status)
