"""Reading Sigma rule files into a typed IR: search identifiers, detection items, condition.

What is a readable Sigma rule (anything else raises :class:`SigmaRuleError`, one line naming
the file): a single YAML document that is a mapping with a ``title`` string and a ``detection``
mapping holding a ``condition`` (a string or a list of strings) and at least one search
identifier.  A search identifier is a mapping of detection items (ANDed), a list of such mappings
(ORed), or a list of plain values (keywords, ORed).  A detection item is ``field|mod|mod: value``
or ``field: [values]`` (ORed, or ANDed with ``all``).  Every modifier must be one the Sigma
specification defines: an unknown one is an error, a known one this converter cannot express is
an ``unsupported`` verdict later, never dropped.

The condition grammar (Sigma specification; ``not`` > ``and`` > ``or``)::

    condition := or_expr [ "|" aggregation ]
    or_expr   := and_expr ( "or" and_expr )*
    and_expr  := not_expr ( "and" not_expr )*
    not_expr  := "not" not_expr | atom
    atom      := "(" or_expr ")" | quant "of" target | identifier
    quant     := "1" | "any" | "all"
    target    := "them" | identifier-with-* wildcards

``1 of X*`` / ``all of X*`` are resolved here against the rule's identifiers (an unmatched
name or pattern is an error); ``them`` means every identifier not starting with ``_``.
Invariant: every :class:`Ref` and :class:`Of` in a parsed rule names defined identifiers.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

Scalar: TypeAlias = str | int | float | bool | None

#: Every modifier of the Sigma specification (v2.0 appendix "Modifiers").  Unknown names are
#: errors; known ones the converter cannot express become ``unsupported`` verdicts.
KNOWN_MODIFIERS: frozenset[str] = frozenset(
    {
        "contains",
        "startswith",
        "endswith",
        "all",
        "re",
        "i",
        "m",
        "s",
        "cased",
        "exists",
        "cidr",
        "base64",
        "base64offset",
        "wide",
        "utf16",
        "utf16le",
        "utf16be",
        "windash",
        "fieldref",
        "gt",
        "gte",
        "lt",
        "lte",
        "neq",
        "expand",
        "minute",
        "hour",
        "day",
        "week",
        "month",
        "year",
    }
)


class SigmaRuleError(ValueError):
    """A file that is not a readable Sigma rule.  ``str()`` is one line naming the file."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


# --------------------------------------------------------------------------- the IR


@dataclass(frozen=True, slots=True)
class Item:
    """One detection item: ``field|modifiers: values``.

    ``field`` is ``None`` for a keyword (value-only) search.  ``values`` are the YAML scalars
    as written (a single value is a one-element tuple); they are ORed unless ``all`` is among
    the modifiers.
    """

    field: str | None
    modifiers: tuple[str, ...]
    values: tuple[Scalar, ...]


#: A search identifier: OR over groups, each group an AND of items.
Search: TypeAlias = tuple[tuple[Item, ...], ...]


@dataclass(frozen=True, slots=True)
class Ref:
    name: str


@dataclass(frozen=True, slots=True)
class Of:
    """``1 of X`` (``quant="1"``) or ``all of X``; ``names`` are the resolved identifiers."""

    quant: Literal["1", "all"]
    names: tuple[str, ...]
    target: str


@dataclass(frozen=True, slots=True)
class Not:
    item: Cond


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Cond, ...]


Cond: TypeAlias = "Ref | Of | Not | And | Or"


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed Sigma rule.  ``aggregation`` is the text after ``|`` in a condition, if any."""

    path: str
    id: str | None
    title: str
    searches: dict[str, Search]
    condition: Cond
    aggregation: str | None = None


# --------------------------------------------------------------------------- loading


def rule_files(paths: Iterable[str]) -> Iterator[str]:
    """Each file argument as is; each directory's ``*.yml``/``*.yaml`` files, sorted, recursively.

    A path that does not exist is yielded too, so that loading it reports it.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                str(f) for f in path.rglob("*") if f.suffix in (".yml", ".yaml") and f.is_file()
            )
            yield from found
        else:
            yield p


def load_rule(path: str) -> Rule:
    """Read and parse one rule file; raise :class:`SigmaRuleError`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SigmaRuleError(path, "no such file") from None
    except IsADirectoryError:
        raise SigmaRuleError(path, "is a directory") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SigmaRuleError(path, f"cannot read: {exc}") from None
    return parse_rule(text, path)


def load_rules(paths: Iterable[str]) -> Iterator[Rule | SigmaRuleError]:
    """Every rule under ``paths``; a bad file yields its error and the others go on.  A
    directory with no rule file is an error too: "nothing found" must not read as "all fine"."""
    for p in paths:
        files = list(rule_files([p]))
        if not files:
            yield SigmaRuleError(p, "no *.yml or *.yaml rule file in this directory")
        for f in files:
            try:
                yield load_rule(f)
            except SigmaRuleError as exc:
                yield exc


def parse_rule(text: str, path: str = "<rule>") -> Rule:
    """Parse one Sigma rule from YAML text; raise :class:`SigmaRuleError`."""
    import yaml  # the `sigma` extra (PyYAML); imported late so the CLI starts without it

    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SigmaRuleError(path, f"not YAML: {problem}{where}") from None
    docs = [d for d in docs if d is not None]
    if len(docs) != 1:
        raise SigmaRuleError(
            path, f"expected one YAML document holding a Sigma rule, found {len(docs)}"
        )
    data = docs[0]
    if not isinstance(data, dict):
        raise SigmaRuleError(path, "not a Sigma rule: the YAML is not a mapping")
    if "correlation" in data and "detection" not in data:
        raise SigmaRuleError(path, "a Sigma correlation rule, not a detection rule")
    detection = data.get("detection")
    if not isinstance(detection, dict):
        raise SigmaRuleError(path, "not a Sigma rule: no 'detection' mapping")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SigmaRuleError(path, "not a Sigma rule: no 'title' string")
    rid = data.get("id")
    if rid is not None and not isinstance(rid, str):
        raise SigmaRuleError(path, "the rule's 'id' is not a string")
    if "condition" not in detection:
        raise SigmaRuleError(path, "not a Sigma rule: 'detection' has no 'condition'")
    searches: dict[str, Search] = {}
    for name, body in detection.items():
        if name in ("condition", "timeframe"):
            continue
        if not isinstance(name, str):
            raise SigmaRuleError(path, f"search identifier {name!r} is not a string")
        searches[name] = _search(path, name, body)
    if not searches:
        raise SigmaRuleError(path, "'detection' defines no search identifier")
    raw = detection["condition"]
    conditions = raw if isinstance(raw, list) else [raw]
    if not conditions or not all(isinstance(c, str) for c in conditions):
        raise SigmaRuleError(path, "'condition' must be a string or a list of strings")
    parsed: list[Cond] = []
    aggregation: str | None = None
    for c in conditions:
        cond, agg = parse_condition(c, searches, path)
        parsed.append(cond)
        aggregation = aggregation or agg
    condition = parsed[0] if len(parsed) == 1 else Or(tuple(parsed))
    return Rule(path, rid, title.strip(), searches, condition, aggregation)


def _search(path: str, name: str, body: Any) -> Search:
    if isinstance(body, dict):
        return (_group(path, name, body),)
    if isinstance(body, list):
        if not body:
            raise SigmaRuleError(path, f"search identifier {name!r} is an empty list")
        if all(isinstance(b, dict) for b in body):
            return tuple(_group(path, name, b) for b in body)
        if any(isinstance(b, dict | list) for b in body):
            raise SigmaRuleError(
                path, f"search identifier {name!r} mixes mappings and plain values"
            )
        return ((Item(None, (), tuple(_scalar(path, name, v) for v in body)),),)
    if isinstance(body, str | int | float):
        return ((Item(None, (), (_scalar(path, name, body),)),),)
    raise SigmaRuleError(path, f"search identifier {name!r} is not a mapping or a list")


def _group(path: str, name: str, body: dict[Any, Any]) -> tuple[Item, ...]:
    if not body:
        raise SigmaRuleError(path, f"search identifier {name!r} is an empty mapping")
    items: list[Item] = []
    for key, value in body.items():
        if not isinstance(key, str):
            raise SigmaRuleError(path, f"{name}: field name {key!r} is not a string")
        field, *mods = key.split("|")
        for m in mods:
            if m not in KNOWN_MODIFIERS:
                raise SigmaRuleError(path, f"{name}: unknown modifier {m!r} in {key!r}")
        if isinstance(value, list):
            if not value:
                raise SigmaRuleError(path, f"{name}: {key!r} has an empty value list")
            values = tuple(_scalar(path, name, v) for v in value)
        else:
            values = (_scalar(path, name, value),)
        items.append(Item(field or None, tuple(mods), values))
    return tuple(items)


def _scalar(path: str, name: str, value: Any) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise SigmaRuleError(
        path, f"{name}: value {value!r} is a {type(value).__name__}, not a plain value"
    )


# --------------------------------------------------------------------------- the condition

_TOKEN = re.compile(r"\s*(?:(\()|(\))|([A-Za-z0-9_*.\-]+)|(\|)|(\S))")


def parse_condition(text: str, searches: dict[str, Search], path: str) -> tuple[Cond, str | None]:
    """The condition tree and the aggregation text (after ``|``), if any."""
    body, bar, aggregation = text.partition("|")
    tokens: list[str] = []
    for m in _TOKEN.finditer(body):
        if m.group(5):
            raise SigmaRuleError(path, f"condition {text!r}: unexpected {m.group(5)!r}")
        tokens.append(m.group(0).strip())
    parser = _CondParser(tokens, searches, path, text)
    cond = parser.parse()
    return cond, (aggregation.strip() if bar else None)


class _CondParser:
    def __init__(
        self, tokens: list[str], searches: dict[str, Search], path: str, text: str
    ) -> None:
        self.tokens = tokens
        self.pos = 0
        self.searches = searches
        self.path = path
        self.text = text

    def fail(self, message: str) -> SigmaRuleError:
        return SigmaRuleError(self.path, f"condition {self.text!r}: {message}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise self.fail("unexpected end")
        self.pos += 1
        return tok

    def parse(self) -> Cond:
        if not self.tokens:
            raise self.fail("empty condition")
        cond = self.or_expr()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()!r}")
        return cond

    def or_expr(self) -> Cond:
        items = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Cond:
        items = [self.not_expr()]
        while self.peek() == "and":
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Cond:
        if self.peek() == "not":
            self.take()
            return Not(self.not_expr())
        return self.atom()

    def atom(self) -> Cond:
        tok = self.take()
        if tok == "(":
            inner = self.or_expr()
            if self.take() != ")":
                raise self.fail("expected ')'")
            return inner
        if tok in ("1", "any", "all") and self.peek() == "of":
            self.take()
            target = self.take()
            if target in ("(", ")", "and", "or", "not", "of"):
                raise self.fail(f"expected an identifier or 'them' after 'of', not {target!r}")
            return Of("all" if tok == "all" else "1", self.resolve(target), target)
        if tok in (")", "and", "or", "not", "of"):
            raise self.fail(f"unexpected {tok!r}")
        if "*" in tok:
            raise self.fail(f"wildcard {tok!r} outside '1 of' / 'all of'")
        if tok not in self.searches:
            raise self.fail(f"undefined search identifier {tok!r}")
        return Ref(tok)

    def resolve(self, target: str) -> tuple[str, ...]:
        if target == "them":
            names = tuple(n for n in self.searches if not n.startswith("_"))
        else:
            names = tuple(n for n in self.searches if fnmatch.fnmatchcase(n, target))
        if not names:
            raise self.fail(f"{target!r} matches no search identifier")
        return names
