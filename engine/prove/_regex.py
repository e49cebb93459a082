"""The AWS filter-pattern regex subset as a z3 regular expression, read from its IR.

The regex is parsed by engine.pattern.regex_ir (the parser every consumer shares), so
this module only maps nodes to z3: a union of branches, each a sequence of characters,
sets (ranges of code points, the one class table) and quantified pieces.  ``%re%`` is an
unanchored search (RE2, not multi-line): a branch is ``.* items .*`` over the whole
text, where the text may hold newlines too.  Anchors are exact, wherever they stand:
``^`` means nothing before it consumed a character (so the leading ``.*`` and every
earlier piece matched the empty string), ``$`` that nothing after it does.

z3 strings hold code points up to its own maximum (``unicode`` encoding); sets are
clipped there, which loses nothing: no z3 string holds a larger one.
"""

from __future__ import annotations

import importlib
from typing import Any, assert_never

from engine.pattern.errors import PatternError
from engine.pattern.regex_ir import (
    Anchor,
    Branch,
    Char,
    CharSet,
    Piece,
    Ranges,
    Repeat,
    nullable,
    parse,
)
from engine.prove._common import Unsupported

#: The largest code point of z3's default ``unicode`` string encoding.
Z3_MAX_CHAR = 0x2FFFF


def to_z3(source: str) -> Any:
    """The z3 regex of the strings in which ``source`` occurs (RE2 search semantics)."""
    z = importlib.import_module("z3")
    try:
        regex = parse(source)
    except PatternError as exc:
        raise Unsupported(f"regex: {exc.msg}") from None
    branches = [_branch(z, b) for b in regex.branches]
    return branches[0] if len(branches) == 1 else z.Union(*branches)


def _zchar(z: Any, code: int) -> Any:
    # The \u{...} escape: a literal backslash or quote in a StringVal would be read as one.
    return z.StringVal(f"\\u{{{code:x}}}")


def _set(z: Any, ranges: Ranges) -> Any:
    re_sort = z.ReSort(z.StringSort())
    parts = [
        z.Re(_zchar(z, lo)) if lo == hi else z.Range(_zchar(z, lo), _zchar(z, min(hi, Z3_MAX_CHAR)))
        for lo, hi in ranges
        if lo <= Z3_MAX_CHAR
    ]
    if not parts:
        return z.Empty(re_sort)
    return parts[0] if len(parts) == 1 else z.Union(*parts)


def _branch(z: Any, branch: Branch) -> Any:
    re_sort = z.ReSort(z.StringSort())
    epsilon = z.Re(z.StringVal(""))
    full = z.Full(re_sort)
    pieces: list[Any] = [full]  # what precedes the current point of the text
    all_nullable = True  # has everything so far (the leading .* included) been able to be empty
    ended = False  # has a '$' been passed: what follows must match the empty string
    for piece in branch.items:
        item = piece.item if isinstance(piece, Repeat) else piece
        if isinstance(item, Anchor):
            if isinstance(piece, Repeat) and piece.least == 0:
                continue  # an optional assertion always holds (zero times)
            if item.at == "start":
                if not all_nullable:
                    return z.Empty(re_sort)
                pieces = []  # the text so far is empty
            else:
                ended = True
            continue
        if ended:
            if not nullable(piece):
                return z.Empty(re_sort)
            continue  # it matches the empty string at the end
        pieces.append(_piece(z, piece))
        all_nullable = all_nullable and nullable(piece)
    if not ended:
        pieces.append(full)
    if not pieces:
        return epsilon
    return pieces[0] if len(pieces) == 1 else z.Concat(*pieces)


def _piece(z: Any, piece: Piece) -> Any:
    match piece:
        case Anchor():
            raise AssertionError("anchors are zero-width: _branch places them")
        case Char():
            return z.Re(_zchar(z, piece.code))
        case CharSet():
            return _set(z, piece.ranges)
        case Repeat():
            item = piece.item
            atom = _piece(z, item)
            lo, hi = piece.least, piece.most
            if hi is None:
                if lo == 0:
                    return z.Star(atom)
                return z.Concat(z.Loop(atom, lo, lo), z.Star(atom))
            if hi == 0:
                return z.Re(z.StringVal(""))
            return z.Loop(atom, lo, hi)
        case _:
            assert_never(piece)
