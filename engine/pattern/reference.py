"""The reference interpreter: a slow, obviously correct tree walk over the AST.

This is the oracle the property tests hold the compiled matcher to.  It is
written for clarity, straight from docs/semantics.md; never optimise it.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from engine.pattern import ast
from engine.pattern.aws import NUMBER_RE, number_text, parse_number
from engine.pattern.events import compact, load_json_object
from engine.pattern.regex import searcher
from engine.pattern.select import select


def evaluate(node: ast.Pattern, message: str) -> bool:
    """Does the log event ``message`` match the pattern?"""
    match node:
        case ast.MatchAll():
            return True
        case ast.TermPattern():
            return _terms(node, message)
        case ast.RegexPattern():
            return searcher(node.regex.source)(message)
        case ast.JsonPattern():
            record = load_json_object(message)
            return record is not None and _json(node.expr, record)
        case ast.SpacePattern():
            return align(node, message) is not None
        case _:
            assert_never(node)


def evaluate_record(node: ast.Pattern, record: Any) -> bool:
    """Does the decoded JSON record, delivered as its compact JSON text, match?"""
    if isinstance(node, ast.JsonPattern):
        return type(record) is dict and _json(node.expr, record)
    return evaluate(node, compact(record))


def extract(node: ast.Pattern, message: str) -> dict[str, str]:
    """TestMetricFilter's ``extractedValues`` (space-delimited patterns only)."""
    if not isinstance(node, ast.SpacePattern):
        return {}
    pairs = align(node, message)
    if pairs is None:
        return {}
    out: dict[str, str] = {}
    for name, position, value in pairs:
        out[f"${name}" if name is not None else f"${position}"] = value
    return out


# ----------------------------------------------------------------------------- terms


def _is_blank_phrase(term: ast.Term) -> bool:
    return term.quoted and term.text.strip() == "" and term.text != ""


def _contains(message: str, term: ast.Term) -> bool:
    # The documented "match everything" pattern is a phrase of one space (A4).
    return _is_blank_phrase(term) or term.text in message


def _terms(node: ast.TermPattern, message: str) -> bool:
    required = [t for t in node.terms if t.op == ""]
    excluded = [t for t in node.terms if t.op == "-"]
    optional = [t for t in node.terms if t.op == "?"]
    if required or excluded:
        # '?' terms are ignored beside plain or '-' terms (documented rule).
        return all(_contains(message, t) for t in required) and not any(
            t.text in message for t in excluded
        )
    return any(_contains(message, t) for t in optional)


# ----------------------------------------------------------------------------- JSON


def _json(node: ast.Expr, record: dict[str, Any]) -> bool:
    match node:
        case ast.And():
            return all(_json(i, record) for i in node.items)
        case ast.Or():
            return any(_json(i, record) for i in node.items)
        case ast.IsCheck():
            values = select(record, node.selector)
            if node.check == "NOT EXISTS":
                return not values
            wanted = {"NULL": None, "TRUE": True, "FALSE": False}[node.check]
            return any(v is wanted for v in values)
        case ast.Comparison():
            return any(compare_json(v, node.op, node.value) for v in select(record, node.selector))
        case ast.FieldComparison():
            raise TypeError("a space-delimited condition inside a JSON pattern")
        case _:
            assert_never(node)


def is_scalar(value: Any) -> bool:
    """Strings and numbers; JSON booleans are not numbers here."""
    return type(value) in (str, int, float)


def compare_json(value: Any, op: ast.CompareOp, literal: ast.Value) -> bool:
    if not is_scalar(value):
        return False  # missing, null, boolean, object, array: false for every operator (A1)
    match literal:
        case ast.Number():
            if type(value) is str:
                return op == "!="  # a string is never equal to a number
            return bool(ast.RELATIONS[op](value, literal.value))
        case ast.Regex():
            found = searcher(literal.source)(value if type(value) is str else number_text(value))
        case ast.String():
            found = glob_match(literal.text, value if type(value) is str else number_text(value))
        case _:
            assert_never(literal)
    return found if op == "=" else not found


def glob_match(pattern: str, text: str) -> bool:
    """``*`` matches any run of characters; everything else is literal."""
    regex = ".*".join(re.escape(piece) for piece in pattern.split("*"))
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


# ----------------------------------------------------------------------------- space-delimited


def align(node: ast.SpacePattern, message: str) -> list[tuple[str | None, int, str]] | None:
    """The first alignment of the pattern's entries to the event's fields whose
    conditions all hold, as ``(name or None, 1-based position, value)``."""
    fields = split_fields(message)
    entries = node.entries
    if not entries:
        return [(None, i + 1, v) for i, (v, _, _) in enumerate(fields)]
    if not any(isinstance(e, ast.Ellipsis_) for e in entries):
        if len(fields) < len(entries):
            return None
        values = [v for v, _, _ in fields[: len(entries)]]
        if len(fields) > len(entries):
            # The last field takes the rest of the line (A2, current AWS docs).
            last_start = fields[len(entries) - 1][1]
            values[-1] = message[last_start:].rstrip(" ")
        out = []
        for i, (entry, value) in enumerate(zip(entries, values, strict=True)):
            assert isinstance(entry, ast.Field)
            if entry.condition is not None and not field_condition(entry.condition, value):
                return None
            out.append((entry.name, i + 1, value))
        return out
    return _align_ellipsis(list(entries), [v for v, _, _ in fields], 0, 0)


def _align_ellipsis(
    entries: list[ast.Entry], values: list[str], ei: int, fi: int
) -> list[tuple[str | None, int, str]] | None:
    if ei == len(entries):
        return [] if fi == len(values) else None
    entry = entries[ei]
    if isinstance(entry, ast.Ellipsis_):
        # Absorb as few fields as possible first; the first alignment that works wins.
        for take in range(len(values) - fi + 1):
            rest = _align_ellipsis(entries, values, ei + 1, fi + take)
            if rest is not None:
                covered = [(None, fi + k + 1, values[fi + k]) for k in range(take)]
                return covered + rest
        return None
    if fi >= len(values):
        return None
    value = values[fi]
    if entry.condition is not None and not field_condition(entry.condition, value):
        return None
    rest = _align_ellipsis(entries, values, ei + 1, fi + 1)
    if rest is None:
        return None
    return [(entry.name, fi + 1, value), *rest]


def field_condition(node: ast.Expr, value: str) -> bool:
    match node:
        case ast.And():
            return all(field_condition(i, value) for i in node.items)
        case ast.Or():
            return any(field_condition(i, value) for i in node.items)
        case ast.FieldComparison():
            return _field_comparison(node, value)
        case ast.Comparison() | ast.IsCheck():
            raise TypeError("a JSON condition inside a space-delimited pattern")
        case _:
            assert_never(node)


def _field_comparison(node: ast.FieldComparison, value: str) -> bool:
    literal = node.value
    match literal:
        case ast.Number():
            if not NUMBER_RE.match(value):
                return node.op == "!="
            return bool(ast.RELATIONS[node.op](parse_number(value), literal.value))
        case ast.Regex():
            found = searcher(literal.source)(value)
        case ast.String():
            found = glob_match(literal.text, value)
        case _:
            assert_never(literal)
    return found if node.op == "=" else not found


def split_fields(message: str) -> list[tuple[str, int, int]]:
    """Fields of a space-delimited event, by hand (docs/semantics.md A12): runs of spaces
    separate fields; a field starting with ``"`` runs to the next ``"``, one starting with
    ``[`` to the next ``]`` (delimiters stripped; unbalanced: the rest of the line)."""
    fields: list[tuple[str, int, int]] = []
    i, n = 0, len(message)
    while True:
        while i < n and message[i] == " ":
            i += 1
        if i >= n:
            return fields
        if message[i] in '"[':
            close = '"' if message[i] == '"' else "]"
            j = message.find(close, i + 1)
            if j < 0:
                fields.append((message[i + 1 :], i, n))
                return fields
            fields.append((message[i + 1 : j], i, j + 1))
            i = j + 1
        else:
            j = message.find(" ", i)
            j = n if j < 0 else j
            fields.append((message[i:j], i, j))
            i = j
