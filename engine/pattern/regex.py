"""AWS's restricted regular expressions (``%...%``): validation, RE2 translation, literals.

Everything here reads the IR of engine.pattern.regex_ir (parsed once, cached): the
translation to RE2 syntax, the literals every match contains (the replay's prefilter
needles, via engine.pattern.analysis), a witness string (the prover's pools) and the
A16 findings.  What AWS allows, and how it is read, is stated there.

Evaluation uses RE2, whose automaton runs in time linear in the input: a hostile
expression over a 256 KB event cannot backtrack (docs/semantics.md).  The translation
spells every set as explicit code-point ranges, so AWS's ``\\s`` (tab, space, newline)
and ``\\w`` (ASCII ``[a-zA-Z_0-9]``) mean the same inside and outside ``[...]``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, assert_never

import re2

from engine.pattern.aws import MAX_REGEX_PROGRAM_SIZE
from engine.pattern.errors import PatternError
from engine.pattern.regex_ir import (
    Anchor,
    Char,
    CharSet,
    Piece,
    Ranges,
    Regex,
    Repeat,
    complement,
    parse,
)


def check_regex(source: str, pattern: str, offset: int) -> None:
    """Raise PatternError at the first character AWS (or RE2) would reject.

    ``offset`` is the position of ``source[0]`` inside ``pattern``.
    """
    try:
        parse(source)
    except PatternError as exc:
        # The parser's positions are offsets into the regex: move them into the pattern.
        raise PatternError(
            exc.msg, pattern, offset + exc.position, hint=exc.hint, code=exc.code
        ) from None
    try:
        compiled = _compile(source)
    except re2.error as exc:  # a safety net: the parser rejects what RE2 rejects
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


# ----------------------------------------------------------------------------- RE2


def translate(source: str) -> str:
    """The RE2 syntax of an AWS regex (already validated)."""
    return to_re2(parse(source))


def to_re2(regex: Regex) -> str:
    return "|".join("".join(_re2_piece(p) for p in branch.items) for branch in regex.branches)


def _re2_piece(piece: Piece) -> str:
    match piece:
        case Char():
            return _re2_char(piece.code)
        case CharSet():
            return _re2_set(piece.ranges)
        case Anchor():
            return "^" if piece.at == "start" else "$"
        case Repeat():
            if (piece.least, piece.most) == (0, None):
                op = "*"
            elif (piece.least, piece.most) == (1, None):
                op = "+"
            elif (piece.least, piece.most) == (0, 1):
                op = "?"
            elif piece.most is None:
                op = f"{{{piece.least},}}"
            elif piece.most == piece.least:
                op = f"{{{piece.least}}}"
            else:
                op = f"{{{piece.least},{piece.most}}}"
            return _re2_piece(piece.item) + op + ("?" if piece.lazy else "")
        case _:
            assert_never(piece)


def _re2_char(code: int) -> str:
    ch = chr(code)
    return ch if ch.isascii() and ch.isalnum() else f"\\x{{{code:X}}}"


def _re2_set(ranges: Ranges) -> str:
    # The shorter spelling of the set: its members, or "not" its complement.
    rest = complement(ranges)
    negated = len(rest) < len(ranges) or not ranges
    shown = rest if negated else ranges
    body = "".join(
        _re2_char(lo) if lo == hi else f"{_re2_char(lo)}-{_re2_char(hi)}" for lo, hi in shown
    )
    if negated and not shown:
        return "[\\x{0}-\\x{10FFFF}]"  # every character
    return ("[^" if negated else "[") + body + "]"


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
    """Does the (validated) regex hold a literal space (A16-space)?"""
    return bool(parse(source).spaces)


def has_undocumented_escape(source: str) -> bool:
    """Does the (validated) regex use ``\\t``, ``\\n`` or ``\\r`` (A16-escape)?"""
    return bool(parse(source).control_escapes)


# ----------------------------------------------------------------------------- literals


def required_literals(source: str, shortest: int = 2) -> frozenset[str] | None:
    """Literal texts of which every match of the (validated) regex contains one: the longest
    run of plain characters each branch requires, or None when some branch requires none
    of ``shortest`` characters or more.

    A run grows by each printable ASCII character (a control or non-ASCII character is
    written escaped in the raw JSON the prefilter searches) and by ``c{n}`` (n times);
    it ends at a set, at such a character, and at any piece a quantifier makes optional
    or variable (``c+`` adds ``c`` then ends the run).  Anchors match no character and
    leave the run open.  The replay's prefilter searches these in the raw text
    (engine.pattern.analysis); the differential test checks each is really required."""
    return _required_literals(parse(source), shortest)


def _required_literals(regex: Regex, shortest: int) -> frozenset[str] | None:
    best: list[str] = []
    for branch in regex.branches:
        runs = [""]
        for piece in branch.items:
            match piece:
                case Anchor():
                    pass
                case Char() if _plain(piece.code):
                    runs[-1] += chr(piece.code)
                case Char() | CharSet():
                    runs.append("")
                case Repeat():
                    item = piece.item
                    if isinstance(item, Char) and _plain(item.code) and piece.least > 0:
                        runs[-1] += chr(item.code) * piece.least
                        if piece.most != piece.least:
                            runs.append("")
                    elif not isinstance(item, Anchor):
                        runs.append("")
                case _:
                    assert_never(piece)
        longest = max(runs, key=len)
        if len(longest) < shortest:
            return None
        best.append(longest)
    return frozenset(best)


def _plain(code: int) -> bool:
    return 0x20 <= code < 0x7F


# ----------------------------------------------------------------------------- witness


def witness(source: str) -> str | None:
    """A short text the (validated) regex matches, None when it matches nothing (``a^b``);
    readable where it can be (a set gives a letter or digit of its own when it has one)."""
    regex = parse(source)
    for branch in regex.branches:
        out = ""
        ended = False
        possible = True
        for piece in branch.items:
            item = piece.item if isinstance(piece, Repeat) else piece
            times = piece.least if isinstance(piece, Repeat) else 1
            if times == 0:
                continue
            match item:
                case Anchor():
                    if item.at == "start" and out:
                        possible = False
                    ended = ended or item.at == "end"
                case Char():
                    possible = possible and not ended
                    out += chr(item.code) * times
                case CharSet():
                    possible = possible and not ended and bool(item.ranges)
                    out += _sample(item.ranges) * times
                case _:
                    assert_never(item)
        if possible:
            return out
    return None


def _sample(ranges: Ranges) -> str:
    for ch in "abcxyz019ABZ_-:":
        if any(lo <= ord(ch) <= hi for lo, hi in ranges):
            return ch
    for lo, hi in ranges:
        if hi >= 0x20 and lo < 0x7F:
            return chr(max(lo, 0x20))
    return chr(ranges[0][0]) if ranges else ""
