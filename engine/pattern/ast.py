"""The abstract syntax tree of a CloudWatch Logs filter pattern.

Every node is a frozen :class:`msgspec.Struct` (slotted, immutable, hashable, picklable,
usable in ``match`` statements, built the way a frozen dataclass is).  ``span`` is the
``(start, end)`` offsets of the node in the source text (0-based, end exclusive); it and
``quoted`` are left out of equality and hashing, so ``parse(format(ast)) == ast`` compares
meaning and layout-independent structure only.

Why not dataclasses: ``@dataclass`` generates each class's methods with ``exec`` at import,
~0.6 ms a class, 13 ms for this module, which every command that reads a pattern paid at
start-up; a Struct class is made in C (~0.05 ms).  msgspec is already a dependency.

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
from typing import Any, ClassVar, Literal, TypeAlias, assert_never

from msgspec import Struct

Span: TypeAlias = tuple[int, int]
NO_SPAN: Span = (0, 0)

#: Fields that say how a node was written, not what it means: out of ``==``, ``hash`` (and,
#: for ``span``, ``repr``), as ``field(compare=False)`` would have them in a dataclass.
_LAYOUT = frozenset({"span", "quoted"})


class Node(Struct, frozen=True):
    """The base of every node: equality, hash and repr without the layout fields."""

    #: Set for each node class below its definition (:func:`_layout_out`): msgspec knows a
    #: class's fields only once the class exists.
    _compared: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()

    def _key(self) -> tuple[Any, ...]:
        return tuple([getattr(self, f) for f in self._compared])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() != other._key()

    def __hash__(self) -> int:
        return hash((self.__class__, *self._key()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._shown)
        return f"{type(self).__name__}({shown})"


# --------------------------------------------------------------------------- values


class Regex(Node, frozen=True):
    """A ``%...%`` regular expression in AWS's restricted syntax.

    ``source`` is the text between the percent signs, exactly as written.
    """

    source: str
    span: Span = NO_SPAN


class String(Node, frozen=True):
    """A string value.  ``text`` is the decoded value (quotes and escapes removed).

    A ``*`` in ``text`` is a wildcard (any run of characters); ``quoted`` records
    how it was written, which only matters for printing and warnings.
    """

    text: str
    quoted: bool = False
    span: Span = NO_SPAN

    @property
    def has_wildcard(self) -> bool:
        return "*" in self.text


class Number(Node, frozen=True):
    """A numeric literal: optional sign, decimals, exponent.  Compared by value.

    ``text`` is the literal as written; ``value`` its exact value (``int`` for
    integer literals without exponent, ``float`` otherwise).
    """

    text: str
    value: int | float
    span: Span = NO_SPAN


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


class Key(Node, frozen=True):
    """``.name`` or, for keys outside ``[A-Za-z0-9_-]``, ``.['na.me']``."""

    name: str
    span: Span = NO_SPAN


class Index(Node, frozen=True):
    """``[n]``: the n-th element (0-based) of an array."""

    index: int
    span: Span = NO_SPAN


class AnyIndex(Node, frozen=True):
    """``[*]``: any element of an array."""

    span: Span = NO_SPAN


class AnyKey(Node, frozen=True):
    """``.*``: any field of an object."""

    span: Span = NO_SPAN


Step: TypeAlias = Key | Index | AnyIndex | AnyKey


class Selector(Node, frozen=True):
    """``$`` followed by one or more steps."""

    steps: tuple[Step, ...]
    span: Span = NO_SPAN

    @property
    def wildcards(self) -> int:
        return sum(isinstance(s, AnyIndex | AnyKey) for s in self.steps)


# --------------------------------------------------------------------------- JSON conditions


class Comparison(Node, frozen=True):
    """``selector op value``."""

    selector: Selector
    op: CompareOp
    value: Value
    span: Span = NO_SPAN


Check: TypeAlias = Literal["NULL", "TRUE", "FALSE", "NOT EXISTS"]


class IsCheck(Node, frozen=True):
    """``selector IS NULL | IS TRUE | IS FALSE`` or ``selector NOT EXISTS``."""

    selector: Selector
    check: Check
    span: Span = NO_SPAN


# --------------------------------------------------------------------------- space-delimited


class FieldComparison(Node, frozen=True):
    """``name op value`` inside one entry of a space-delimited pattern."""

    name: str
    op: CompareOp
    value: Value
    span: Span = NO_SPAN


# --------------------------------------------------------------------------- boolean structure


class And(Node, frozen=True):
    items: tuple[Expr, ...]
    span: Span = NO_SPAN


class Or(Node, frozen=True):
    items: tuple[Expr, ...]
    span: Span = NO_SPAN


Expr: TypeAlias = "And | Or | Comparison | IsCheck | FieldComparison"

# --------------------------------------------------------------------------- terms


TermOp: TypeAlias = Literal["", "?", "-"]


class Term(Node, frozen=True):
    """One token of an unstructured pattern: a bare word or a quoted phrase.

    ``op`` is ``""`` (required), ``"?"`` (optional: any one of them) or ``"-"``
    (excluded).  ``text`` is the decoded text searched for as a substring.
    """

    text: str
    quoted: bool = False
    op: TermOp = ""
    span: Span = NO_SPAN


# ------------------------------------------------------------------------- space-delimited entries


class Field(Node, frozen=True):
    """One entry of a space-delimited pattern.

    ``name`` is ``None`` for an empty entry (a trailing comma); ``condition``
    is ``None`` for an unconstrained field.
    """

    name: str | None
    condition: And | Or | FieldComparison | None = None
    span: Span = NO_SPAN


class Ellipsis_(Node, frozen=True):
    """``...``: any number of fields (zero or more)."""

    span: Span = NO_SPAN


Entry: TypeAlias = Field | Ellipsis_

# --------------------------------------------------------------------------- patterns


class MatchAll(Node, frozen=True):
    """The empty or blank pattern: every event matches."""

    span: Span = NO_SPAN


class TermPattern(Node, frozen=True):
    terms: tuple[Term, ...]
    span: Span = NO_SPAN


class RegexPattern(Node, frozen=True):
    regex: Regex
    span: Span = NO_SPAN


class JsonPattern(Node, frozen=True):
    expr: And | Or | Comparison | IsCheck
    span: Span = NO_SPAN


class SpacePattern(Node, frozen=True):
    entries: tuple[Entry, ...]
    span: Span = NO_SPAN


def _layout_out() -> None:
    for cls in Node.__subclasses__():
        cls._compared = tuple(f for f in cls.__struct_fields__ if f not in _LAYOUT)
        cls._shown = tuple(f for f in cls.__struct_fields__ if f != "span")


_layout_out()

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


#: Any node of a pattern tree.
AnyNode: TypeAlias = "Pattern | Expr | Value | Step | Selector | Term | Entry"


def walk(node: AnyNode) -> list[AnyNode]:
    """Every node below and including ``node``, depth first, in source order."""
    out: list[AnyNode] = [node]
    match node:
        case TermPattern():
            for t in node.terms:
                out.extend(walk(t))
        case RegexPattern():
            out.extend(walk(node.regex))
        case JsonPattern():
            out.extend(walk(node.expr))
        case SpacePattern():
            for e in node.entries:
                out.extend(walk(e))
        case Field():
            if node.condition is not None:
                out.extend(walk(node.condition))
        case And() | Or():
            for i in node.items:
                out.extend(walk(i))
        case Comparison():
            out.extend(walk(node.selector))
            out.extend(walk(node.value))
        case IsCheck():
            out.extend(walk(node.selector))
        case FieldComparison():
            out.extend(walk(node.value))
        case Selector():
            out.extend(node.steps)
        case MatchAll() | Term() | Ellipsis_() | String() | Number() | Regex() | Key() | Index():
            pass  # leaves
        case AnyIndex() | AnyKey():
            pass  # leaves
        case _:
            assert_never(node)
    return out
