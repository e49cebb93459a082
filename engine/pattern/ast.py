"""The abstract syntax tree of a CloudWatch Logs filter pattern.

Every node is a frozen, slotted dataclass.  ``span`` is the ``(start, end)``
offsets of the node in the source text (0-based, end exclusive); it is left
out of equality and hashing, so ``parse(format(ast)) == ast`` compares meaning
and layout-independent structure only.

A pattern is one of five kinds (see ``docs/semantics.md``)::

    MatchAll      ""  or blanks
    TermPattern   ERROR -DEBUG "exact phrase"  ?A ?B
    RegexPattern  %regex%
    JsonPattern   { $.a = 1 && ($.b = x || $.c NOT EXISTS) }
    SpacePattern  [ip, user, ..., status = 4* || status = 500, bytes > 10]

JSON and space-delimited conditions share the boolean nodes :class:`And` and
:class:`Or`.  Parentheses are not nodes: the parser never flattens across a
parenthesis, so ``(a && b) && c`` is ``And(And(a, b), c)`` and the canonical
printer parenthesises every compound operand.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, assert_never

Span: TypeAlias = tuple[int, int]
NO_SPAN: Span = (0, 0)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, hash=False, repr=False)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Regex:
    """A ``%...%`` regular expression in AWS's restricted syntax.

    ``source`` is the text between the percent signs, exactly as written.
    """

    source: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class String:
    """A string value.  ``text`` is the decoded value (quotes and escapes removed).

    A ``*`` in ``text`` is a wildcard (any run of characters); ``quoted`` records
    how it was written, which only matters for printing and warnings.
    """

    text: str
    quoted: bool = field(default=False, compare=False, hash=False)
    span: Span = _span()

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.text


@dataclass(frozen=True, slots=True)
class Number:
    """A numeric literal: optional sign, decimals, exponent.  Compared by value.

    ``text`` is the literal as written; ``value`` its exact value (``int`` for
    integer literals without exponent, ``float`` otherwise).
    """

    text: str
    value: int | float
    span: Span = _span()


Value: TypeAlias = String | Number | Regex

CompareOp: TypeAlias = Literal["=", "!=", "<", ">", "<=", ">="]
COMPARE_OPS: tuple[CompareOp, ...] = ("=", "!=", "<", ">", "<=", ">=")
#: Each operator as a function (numbers, strings, or anything else with Python's operators,
#: such as the prover's z3 terms).
RELATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
RELATIONAL_OPS: frozenset[str] = frozenset({"<", ">", "<=", ">="})

# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True, slots=True)
class Key:
    """``.name`` or, for keys outside ``[A-Za-z0-9_-]``, ``.['na.me']``."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    """``[n]``: the n-th element (0-based) of an array."""

    index: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AnyIndex:
    """``[*]``: any element of an array."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AnyKey:
    """``.*``: any field of an object."""

    span: Span = _span()


Step: TypeAlias = Key | Index | AnyIndex | AnyKey


@dataclass(frozen=True, slots=True)
class Selector:
    """``$`` followed by one or more steps."""

    steps: tuple[Step, ...]
    span: Span = _span()

    @property
    def wildcards(self) -> int:
        return sum(isinstance(s, AnyIndex | AnyKey) for s in self.steps)


# --------------------------------------------------------------------------- JSON conditions


@dataclass(frozen=True, slots=True)
class Comparison:
    """``selector op value``."""

    selector: Selector
    op: CompareOp
    value: Value
    span: Span = _span()


Check: TypeAlias = Literal["NULL", "TRUE", "FALSE", "NOT EXISTS"]


@dataclass(frozen=True, slots=True)
class IsCheck:
    """``selector IS NULL | IS TRUE | IS FALSE`` or ``selector NOT EXISTS``."""

    selector: Selector
    check: Check
    span: Span = _span()


# --------------------------------------------------------------------------- space-delimited


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """``name op value`` inside one entry of a space-delimited pattern."""

    name: str
    op: CompareOp
    value: Value
    span: Span = _span()


# --------------------------------------------------------------------------- boolean structure


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]
    span: Span = _span()


Expr: TypeAlias = "And | Or | Comparison | IsCheck | FieldComparison"

# --------------------------------------------------------------------------- terms


TermOp: TypeAlias = Literal["", "?", "-"]


@dataclass(frozen=True, slots=True)
class Term:
    """One token of an unstructured pattern: a bare word or a quoted phrase.

    ``op`` is ``""`` (required), ``"?"`` (optional: any one of them) or ``"-"``
    (excluded).  ``text`` is the decoded text searched for as a substring.
    """

    text: str
    quoted: bool = field(default=False, compare=False, hash=False)
    op: TermOp = ""
    span: Span = _span()


# ------------------------------------------------------------------------- space-delimited entries


@dataclass(frozen=True, slots=True)
class Field:
    """One entry of a space-delimited pattern.

    ``name`` is ``None`` for an empty entry (a trailing comma); ``condition``
    is ``None`` for an unconstrained field.
    """

    name: str | None
    condition: And | Or | FieldComparison | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ellipsis_:
    """``...``: any number of fields (zero or more)."""

    span: Span = _span()


Entry: TypeAlias = Field | Ellipsis_

# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True, slots=True)
class MatchAll:
    """The empty or blank pattern: every event matches."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TermPattern:
    terms: tuple[Term, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RegexPattern:
    regex: Regex
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class JsonPattern:
    expr: And | Or | Comparison | IsCheck
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SpacePattern:
    entries: tuple[Entry, ...]
    span: Span = _span()


Pattern: TypeAlias = MatchAll | TermPattern | RegexPattern | JsonPattern | SpacePattern

Kind: TypeAlias = Literal["all", "terms", "regex", "json", "space"]


def kind_of(node: Pattern) -> Kind:
    match node:
        case MatchAll():
            return "all"
        case TermPattern():
            return "terms"
        case RegexPattern():
            return "regex"
        case JsonPattern():
            return "json"
        case SpacePattern():
            return "space"
        case _:
            assert_never(node)


def walk(node: object) -> list[object]:
    """Every node below and including ``node``, depth first, in source order."""
    out: list[object] = [node]
    if isinstance(node, TermPattern):
        for t in node.terms:
            out.extend(walk(t))
    elif isinstance(node, RegexPattern):
        out.extend(walk(node.regex))
    elif isinstance(node, JsonPattern):
        out.extend(walk(node.expr))
    elif isinstance(node, SpacePattern):
        for e in node.entries:
            out.extend(walk(e))
    elif isinstance(node, Field):
        if node.condition is not None:
            out.extend(walk(node.condition))
    elif isinstance(node, And | Or):
        for i in node.items:
            out.extend(walk(i))
    elif isinstance(node, Comparison):
        out.extend(walk(node.selector))
        out.extend(walk(node.value))
    elif isinstance(node, IsCheck):
        out.extend(walk(node.selector))
    elif isinstance(node, FieldComparison):
        out.extend(walk(node.value))
    elif isinstance(node, Selector):
        out.extend(node.steps)
    return out
