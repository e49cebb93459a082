"""Small, readable counterexamples, and the clause that decides them.

A counterexample found by z3 or by search is shrunk greedily: drop every field
(and array tail element) whose absence keeps it a counterexample, then replace
odd-looking strings by values taken from the patterns.  Each step is checked
against the real compiled matchers, so shrinking can never produce a wrong event.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, assert_never

from engine.pattern import ast
from engine.prove._info import Clause, atoms, clause_text

Event = dict[str, Any] | str
Predicate = Callable[[Any], bool]


def shrink(
    event: Event,
    keeps: Predicate,
    literals: list[str],
    keyed: dict[str, list[str]] | None = None,
) -> Event:
    """The smallest variant of ``event`` for which ``keeps`` still holds (greedy).

    ``literals`` are the patterns' string literals; ``keyed`` maps a key name to
    the literals compared with fields of that name (preferred for its values)."""
    if isinstance(event, str):
        return _shrink_message(event, keeps, literals)
    return _shrink_record(event, keeps, keyed or {})


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_leaf_paths(v, (*prefix, k)))
            out.append((*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_leaf_paths(v, (*prefix, i)))
            out.append((*prefix, i))
    return out


def _get_parent(root: Any, path: tuple[Any, ...]) -> Any:
    node = root
    for step in path[:-1]:
        node = node[step]
    return node


def _shrink_record(
    event: dict[str, Any], keeps: Predicate, keyed: dict[str, list[str]]
) -> dict[str, Any]:
    current = copy.deepcopy(event)
    changed = True
    while changed:
        changed = False
        for path in _leaf_paths(current):
            trial = copy.deepcopy(current)
            parent = _get_parent(trial, path)
            if isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, list) and path[-1] == len(parent) - 1:
                parent.pop()
            else:
                continue
            if keeps(trial):
                current = trial
                changed = True
                break
    # Readable strings: an odd or empty value becomes a literal compared with
    # that field, else "x", if the event stays a counterexample.
    for path in _leaf_paths(current):
        parent = _get_parent(current, path)
        value = parent[path[-1]]
        if not isinstance(value, str) or (_readable(value) and value != ""):
            continue
        for candidate in [*keyed.get(str(path[-1]), []), "x", "xx"]:
            if candidate == value:
                continue
            trial = copy.deepcopy(current)
            _get_parent(trial, path)[path[-1]] = candidate
            if keeps(trial):
                current = trial
                break
    return current


def _readable(s: str) -> bool:
    return len(s) <= 80 and all(" " <= c <= "~" for c in s)


def _spaced(message: str, literals: list[str]) -> str | None:
    """The literals found in ``message``, in order, joined by spaces."""
    found: list[tuple[int, str]] = []
    for lit in sorted({x for x in literals if x.strip()}, key=len, reverse=True):
        at = message.find(lit)
        if at >= 0 and not any(a <= at < a + len(f) for a, f in found):
            found.append((at, lit))
    if not found:
        return None
    return " ".join(lit for _, lit in sorted(found))


def _shrink_message(message: str, keeps: Predicate, literals: list[str]) -> str:
    current = message
    spaced = _spaced(message, literals)
    if spaced is not None and spaced != message and keeps(spaced):
        current = spaced
    changed = True
    while changed:
        changed = False
        words = current.split(" ")
        for i in range(len(words)):
            trial = " ".join(words[:i] + words[i + 1 :])
            if trial != current and keeps(trial):
                current, changed = trial, True
                break
    if len(current) <= 200:
        changed = True
        while changed:
            changed = False
            for i in range(len(current)):
                if current[i] == " ":
                    continue  # keep words apart: "ERROR DEBUG" reads better
                trial = current[:i] + current[i + 1 :]
                if keeps(trial):
                    current, changed = trial, True
                    break
    return current


# --------------------------------------------------------------------------- deciding clause


def _atom_truth(node: Clause, event: Event) -> bool | None:
    """Is the clause true of ``event`` (None: not one the prover evaluates alone)?"""
    import engine

    match node:
        case ast.Comparison() | ast.IsCheck():
            single = engine.compile("{ " + clause_text(node) + " }")
            if isinstance(event, dict):
                return single.matches_record(event)
            return single.matches(event)
        case ast.Term():
            return node.text in event if isinstance(event, str) else None
        case ast.FieldComparison() | ast.And() | ast.Or():
            return None
        case _:
            assert_never(node)


def _evaluate(expr: ast.Expr, truth: dict[int, bool]) -> bool:
    match expr:
        case ast.And():
            return all(_evaluate(i, truth) for i in expr.items)
        case ast.Or():
            return any(_evaluate(i, truth) for i in expr.items)
        case ast.Comparison() | ast.IsCheck() | ast.FieldComparison():
            return truth[id(expr)]
        case _:
            assert_never(expr)


def _term_eval(terms: tuple[ast.Term, ...], truth: dict[int, bool]) -> bool:
    strict = [t for t in terms if t.op != "?"]
    if strict:
        return all(truth[id(t)] != (t.op == "-") for t in strict)
    return any(truth[id(t)] for t in terms)


def deciding_clause(matching: ast.Pattern, other: ast.Pattern, event: Event) -> str | None:
    """The clause that decides ``event``: a clause of the matching pattern that is
    true and necessary and has no twin in the other pattern, else a clause of the
    other pattern that is false and would make it match."""
    fallback: str | None = None
    for pattern, against, want in ((matching, other, True), (other, matching, False)):
        critical, twins = _critical(pattern, against, event, want)
        for text in critical:
            if text not in twins:
                return text
        fallback = fallback or (critical[0] if critical else None)
    if fallback is not None:
        return fallback
    if isinstance(matching, ast.RegexPattern):
        return f"%{matching.regex.source}%"
    if isinstance(other, ast.RegexPattern):
        return f"%{other.regex.source}%"
    return None


def _clauses(pattern: ast.Pattern) -> list[Clause]:
    match pattern:
        case ast.JsonPattern():
            return list(atoms(pattern.expr))
        case ast.TermPattern():
            return list(pattern.terms)
        case ast.MatchAll() | ast.RegexPattern() | ast.SpacePattern():
            return []  # a regex is one clause, named by deciding_clause; no space clauses
        case _:
            assert_never(pattern)


def _critical(
    pattern: ast.Pattern, against: ast.Pattern, event: Event, want: bool
) -> tuple[list[str], set[str]]:
    """Clauses of ``pattern`` whose flip changes its answer on ``event`` (which
    must be ``want``), and the clause texts of ``against``."""
    clauses = _clauses(pattern)
    if not clauses:
        return [], set()
    try:
        truth: dict[int, bool] = {}
        for c in clauses:
            value = _atom_truth(c, event)
            if value is None:
                return [], set()
            truth[id(c)] = value
    except Exception:  # an atom the core cannot compile alone: no clause to show
        return [], set()

    def whole(t: dict[int, bool]) -> bool:
        match pattern:
            case ast.JsonPattern():
                return _evaluate(pattern.expr, t)
            case ast.TermPattern():
                return _term_eval(pattern.terms, t)
            case ast.MatchAll() | ast.RegexPattern() | ast.SpacePattern():
                raise AssertionError("no clauses: _clauses returned none")
            case _:
                assert_never(pattern)

    if whole(truth) != want:
        return [], set()
    twins = {clause_text(c) for c in _clauses(against)}
    critical: list[str] = []
    for c in clauses:
        flipped = dict(truth)
        flipped[id(c)] = not truth[id(c)]
        if whole(flipped) != want:
            critical.append(clause_text(c))
    return critical, twins


def clause_owner(clause: str, a: ast.Pattern, b: ast.Pattern) -> str | None:
    """ "A", "B" or "A and B": which pattern(s) the clause text belongs to."""
    owners = [
        name
        for name, tree in (("A", a), ("B", b))
        if any(clause_text(c) == clause for c in _clauses(tree))
    ]
    return " and ".join(owners) or None
