"""Exact decisions for patterns over raw messages: match-all, terms, ``%regex%``.

Each such pattern is a Boolean combination of "the message contains ``t``" and
"the regex occurs in the message".  The messages are split into cells — the
non-empty sets of strings giving the same answer to every one of these
predicates (regex-emptiness queries, see :meth:`Encoder.split`) — and each
question is evaluated on every cell.  That is exhaustive, hence a proof; the
cell's witness string is a counterexample, which the caller re-checks with the
compiled matchers.  The term semantics mirror ``engine.pattern.compiler``
(docs/semantics.md): plain and ``-`` terms make ``?`` terms ignored; a quoted
blank phrase matches every event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import assert_never

from engine.pattern import ast
from engine.prove.solver import Encoder, GiveUp, Outcome, StrKey, Unsupported

KINDS = frozenset({"all", "terms", "regex"})


def _blank(t: ast.Term) -> bool:
    return t.quoted and t.text != "" and t.text.strip() == ""


def keys_of(tree: ast.Pattern) -> list[StrKey]:
    match tree:
        case ast.RegexPattern():
            return [("re", tree.regex.source)]
        case ast.TermPattern():
            return [("sub", t.text) for t in tree.terms]
        case ast.MatchAll():
            return []
        case ast.JsonPattern() | ast.SpacePattern():
            raise Unsupported(f"not a message pattern: {type(tree).__name__}")
        case _:
            assert_never(tree)


def truth(tree: ast.Pattern, has: Callable[[StrKey], bool]) -> bool:
    """Does the pattern match a message with these predicate answers?"""
    match tree:
        case ast.MatchAll():
            return True
        case ast.RegexPattern():
            return has(("re", tree.regex.source))
        case ast.TermPattern():
            return _terms_truth(tree.terms, has)
        case ast.JsonPattern() | ast.SpacePattern():
            raise Unsupported(f"not a message pattern: {type(tree).__name__}")
        case _:
            assert_never(tree)


def _terms_truth(terms: tuple[ast.Term, ...], has: Callable[[StrKey], bool]) -> bool:
    if any(t.op in ("", "-") for t in terms):
        required = [t for t in terms if t.op == "" and not _blank(t)]
        excluded = [t for t in terms if t.op == "-"]
        return all(has(("sub", t.text)) for t in required) and not any(
            has(("sub", t.text)) for t in excluded
        )
    optional = [t for t in terms if t.op == "?"]
    if any(_blank(t) for t in optional):
        return True
    return any(has(("sub", t.text)) for t in optional)


def decide(trees: Sequence[ast.Pattern], want: Callable[[tuple[bool, ...]], bool]) -> Outcome:
    """``sat`` with the shortest witness message whose results satisfy ``want``,
    or ``unsat`` (a proof that none exists)."""
    keys: list[StrKey] = []
    for tree in trees:
        for key in keys_of(tree):
            if key not in keys:
                keys.append(key)
    enc = Encoder([])
    try:
        cells = enc.split(keys, enc.root)
    except GiveUp as exc:
        raise Unsupported("too many cases, or a regex query timed out") from exc
    best: str | None = None
    for members, witness in zip(cells.members, cells.witnesses, strict=True):

        def has(key: StrKey, members: frozenset[int] = members) -> bool:
            return keys.index(key) in members

        if want(tuple(truth(t, has) for t in trees)) and (best is None or len(witness) < len(best)):
            best = witness
    if best is None:
        return Outcome("unsat")
    return Outcome("sat", best)
