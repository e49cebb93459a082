"""AWS's restricted regular expressions (``%...%``): validation and a linear-time engine.

What AWS allows (REGEX page, SEMANTICS.md §4): ASCII letters and digits; the
symbols ``_ # = @ / ; , - :``; the operators ``^ $ ? [ ] { } | \\ * + .``;
the escapes ``\\d \\D \\s \\S \\w \\W`` and ``\\xhh``; no ``(`` or ``)`` and
no multi-byte characters.  A space is not listed but appears in AWS's own
example ``%^starting|^initializing|^shutting down%``, so it is accepted with a
warning (docs/semantics.md A16).

Evaluation uses RE2, whose automaton runs in time linear in the input: a
hostile expression over a 256 KB event cannot backtrack (docs/semantics.md).
The AWS character classes are translated explicitly, because AWS defines
``\\s`` as tab, space and newline only and ``\\w`` as ASCII ``[a-zA-Z_0-9]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2

from engine.pattern.aws import MAX_REGEX_PROGRAM_SIZE
from engine.pattern.errors import PatternError

ALLOWED_SYMBOLS = frozenset("_#=@/;,-: ")
OPERATORS = frozenset("^$?[]{}|\\*+.")
CLASS_ESCAPES = {
    "d": "[0-9]",
    "D": "[^0-9]",
    "s": "[\\t\\n ]",
    "S": "[^\\t\\n ]",
    "w": "[a-zA-Z_0-9]",
    "W": "[^a-zA-Z_0-9]",
}
# Inside [...] a class escape must not bring its own brackets.
CLASS_ESCAPES_IN_SET = {"d": "0-9", "s": "\\t\\n ", "w": "a-zA-Z_0-9"}
UNDOCUMENTED_ESCAPES = {"t": "\\t", "n": "\\n", "r": "\\r"}


def check_regex(source: str, pattern: str, offset: int) -> None:
    """Raise PatternError at the first character AWS would reject.

    ``offset`` is the position of ``source[0]`` inside ``pattern``.
    """
    if source == "":
        raise PatternError("empty regular expression '%%'", pattern, offset, code="regex-empty")
    i = 0
    while i < len(source):
        ch = source[i]
        pos = offset + i
        if ord(ch) > 127:
            raise PatternError(
                f"multi-byte character {ch!r} is not supported in a regular expression",
                pattern,
                pos,
                hint="match it with '.' or a character class",
                code="regex-character",
            )
        if ch in "()":
            raise PatternError(
                f"{ch!r} is not supported in a regular expression (no groups)",
                pattern,
                pos,
                hint=f"match a literal {ch!r} with \\x{ord(ch):02X}; alternation needs no groups",
                code="regex-group",
            )
        if ch == "\\":
            if i + 1 >= len(source):
                raise PatternError(
                    "regular expression ends with a lone '\\'", pattern, pos, code="regex-escape"
                )
            nxt = source[i + 1]
            if nxt == "x":
                if not re.fullmatch(r"[0-9A-Fa-f]{2}", source[i + 2 : i + 4]):
                    raise PatternError(
                        "'\\x' must be followed by two hex digits",
                        pattern,
                        pos,
                        hint="e.g. \\x3A",
                        code="regex-escape",
                    )
                i += 4
                continue
            if nxt in CLASS_ESCAPES or nxt in UNDOCUMENTED_ESCAPES:
                i += 2
                continue
            if nxt.isalnum():
                raise PatternError(
                    f"unsupported escape '\\{nxt}' in a regular expression",
                    pattern,
                    pos,
                    code="regex-escape",
                )
            if nxt not in OPERATORS and nxt not in ALLOWED_SYMBOLS:
                raise PatternError(
                    f"character {nxt!r} is not supported in a regular expression",
                    pattern,
                    pos + 1,
                    hint=f"write it as \\x{ord(nxt):02X}",
                    code="regex-character",
                )
            i += 2
            continue
        if not (ch.isalnum() or ch in ALLOWED_SYMBOLS or ch in OPERATORS):
            raise PatternError(
                f"character {ch!r} is not supported in a regular expression",
                pattern,
                pos,
                hint=f"write it as \\x{ord(ch):02X}",
                code="regex-character",
            )
        i += 1
    try:
        compiled = _compile(source)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"invalid regular expression: {reason}", pattern, offset, code="regex-syntax"
        ) from None
    size = max(compiled.programsize, compiled.reverseprogramsize)
    if size > MAX_REGEX_PROGRAM_SIZE:
        raise PatternError(
            f"regular expression too large: it compiles to {size} RE2 instructions; "
            f"trailreplay allows {MAX_REGEX_PROGRAM_SIZE} (AWS documents no limit; "
            "docs/semantics.md)",
            pattern,
            offset,
            code="regex-size",
        )


def translate(source: str) -> str:
    """The RE2 syntax of an AWS regex (already validated)."""
    out: list[str] = []
    i = 0
    in_set = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            nxt = source[i + 1]
            if nxt == "x":
                out.append("\\x" + source[i + 2 : i + 4])
                i += 4
                continue
            if nxt in CLASS_ESCAPES:
                if in_set and nxt in CLASS_ESCAPES_IN_SET:
                    out.append(CLASS_ESCAPES_IN_SET[nxt])
                elif in_set:
                    # A negated class escape inside a set: keep RE2's ASCII meaning.
                    out.append("\\" + nxt)
                else:
                    out.append(CLASS_ESCAPES[nxt])
            elif nxt in UNDOCUMENTED_ESCAPES:
                out.append(UNDOCUMENTED_ESCAPES[nxt])
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        if ch == "[" and not in_set:
            in_set = True
        elif ch == "]" and in_set and not (out and out[-1] in ("[", "[^")):
            in_set = False
        out.append(ch)
        if ch == "[" and i + 1 < len(source) and source[i + 1] == "^":
            out[-1] = "[^"
            i += 2
            continue
        i += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def _compile(source: str) -> Any:
    options = re2.Options()
    options.max_mem = 64 << 20
    options.never_capture = True
    options.log_errors = False
    return re2.compile(translate(source), options)


def searcher(source: str) -> Callable[[str], bool]:
    """A function ``f(text) -> bool``: does the regex occur anywhere in ``text``?"""
    compiled = _compile(source)
    # google-re2's Python layer builds match objects and offset maps on every call; a
    # yes/no search needs only the C matcher's first span on the UTF-8 bytes (4x faster).
    regexp = getattr(compiled, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if regexp is None or anchor is None or not hasattr(regexp, "Match"):
        search = compiled.search
        return lambda text: search(text) is not None
    match = regexp.Match
    null = (-1, -1)

    def f(text: str) -> bool:
        data = text.encode("utf-8", "surrogatepass")
        return bool(match(anchor, data, 0, len(data))[0] != null)

    return f


def has_space(source: str) -> bool:
    return " " in source


def has_undocumented_escape(source: str) -> bool:
    return bool(re.search(r"(?<!\\)(?:\\\\)*\\[tnr]", source))


_REPEAT = re.compile(r"\{(\d+)(,\d*)?\}")


def required_literals(source: str, shortest: int = 2) -> frozenset[str] | None:
    """Literal texts of which every match of the (validated) regex contains one: the longest
    run of plain characters each top-level alternative requires, or None when some
    alternative requires none of ``shortest`` characters or more.

    A run ends at anything that is not one plain character: a set, ``.``, a class escape, a
    control-character escape, an anchor, and any atom a quantifier makes optional (``?``,
    ``*``, ``{0,...}``); an atom repeated at least once (``+``, ``{n,...}``) ends its run after
    it.  The replay's prefilter searches these in the raw text (engine.pattern.analysis)."""
    branches: list[list[str]] = [[]]  # runs of the current branch; the last one is open
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        literal: str | None = None
        if ch == "|":
            branches.append([])
            i += 1
            continue
        if ch == "\\":
            nxt = source[i + 1]
            if nxt == "x":
                code = int(source[i + 2 : i + 4], 16)
                literal = chr(code) if 0x20 <= code < 0x7F else None
                i += 4
            else:
                literal = (
                    nxt if nxt not in CLASS_ESCAPES and nxt not in UNDOCUMENTED_ESCAPES else None
                )
                i += 2
        elif ch == "[":
            j = i + 1
            if j < n and source[j] == "^":
                j += 1
            if j < n and source[j] == "]":
                j += 1  # a ']' first in a set is itself a member
            while j < n and source[j] != "]":
                j += 2 if source[j] == "\\" else 1
            i = j + 1
        elif ch in ".^$?*+{":  # any character, an anchor, a '{' RE2 reads as text
            i += 1
        else:
            literal = ch
            i += 1
        # The quantifier after the atom, if any (and a lazy '?' after it).
        least = 1
        repeat = False
        if i < n and source[i] in "?*+":
            least = 0 if source[i] in "?*" else 1
            repeat = True
            i += 1
        elif i < n and (m := _REPEAT.match(source, i)):
            least = int(m.group(1))
            repeat = True
            i = m.end()
        if repeat and i < n and source[i] == "?":
            i += 1
        runs = branches[-1]
        if literal is None or least == 0:
            runs.append("")  # the run is broken here
        else:
            if not runs:
                runs.append("")
            runs[-1] += literal
            if repeat:
                runs.append("")
    best = []
    for runs in branches:
        longest = max(runs, key=len, default="")
        if len(longest) < shortest:
            return None
        best.append(longest)
    return frozenset(best)
