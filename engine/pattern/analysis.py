"""Static analysis of a parsed pattern: what it reads, what it requires, what to warn about.

One step serves three clients:

* the replay **prefilter** uses :attr:`Analysis.needles`: clauses of literal
  strings, at least one string of every clause occurring in the text of any
  event the pattern can match (a sound necessary condition);
* ``explain`` shows :attr:`Analysis.fields` and the needles;
* ``validate`` / ``lint`` print :attr:`Analysis.findings`: valid patterns that
  depend on a reading AWS does not document (codes name the sections of
  docs/semantics.md) or that are likely mistakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, assert_never

import msgspec
import orjson

from engine.pattern import ast
from engine.pattern.errors import Finding
from engine.pattern.events import could_be_number_text
from engine.pattern.printer import format_selector
from engine.pattern.regex import has_space, has_undocumented_escape, required_literals

NeedleSpace = Literal["json", "message", "none"]


class Analysis(msgspec.Struct, frozen=True):
    kind: ast.Kind
    #: JSON selectors (canonical text) or space-delimited field names read by the pattern.
    fields: tuple[str, ...]
    #: Conjunction of disjunctions of literal strings (see module docstring).
    #: For ``needle_space == "json"`` they are substrings of the event's JSON text
    #: as written without ``\\u``/``\\/`` escapes; for ``"message"`` of the message.
    needles: tuple[frozenset[str], ...]
    needle_space: NeedleSpace
    regex_count: int
    wildcard_selectors: int
    findings: tuple[Finding, ...]


def analyze(node: ast.Pattern, text: str = "") -> Analysis:
    kind = ast.kind_of(node)
    nodes = ast.walk(node)
    regex_count = sum(isinstance(n, ast.Regex) for n in nodes)
    fields: list[str] = []
    wildcard_selectors = 0
    for n in nodes:
        if isinstance(n, ast.Selector):
            fields.append(format_selector(n))
            wildcard_selectors += bool(n.wildcards)
        elif isinstance(n, ast.Field) and n.name is not None:
            fields.append(n.name)
    needles: tuple[frozenset[str], ...] = ()
    space: NeedleSpace = "none"
    match node:
        case ast.JsonPattern():
            keys = frozenset(
                _json_string(s.name)
                for n in nodes
                if isinstance(n, ast.Selector)
                for s in n.steps
                if isinstance(s, ast.Key)
            )
            clauses = [c for c in _json_needles(node.expr, keys) if c]
            # Key names occur in nearly every record: keep them only when nothing
            # more selective is required (dropping a clause is always sound).
            selective = [c for c in clauses if not c <= keys]
            needles = tuple(dict.fromkeys(selective or clauses))
            space = "json"
        case ast.TermPattern():
            needles = _term_needles(node)
            space = "message"
        case ast.RegexPattern():
            literals = required_literals(node.regex.source)
            needles = (literals,) if literals else ()
            space = "message"
        case ast.MatchAll() | ast.SpacePattern():
            pass  # every event, or fields split from the message: no substring is required
        case _:
            assert_never(node)
    findings = _findings(node, nodes)
    return Analysis(
        kind=kind,
        fields=tuple(dict.fromkeys(fields)),
        needles=needles,
        needle_space=space if needles else "none",
        regex_count=regex_count,
        wildcard_selectors=wildcard_selectors,
        findings=tuple(findings),
    )


# ----------------------------------------------------------------------------- needles


def _json_string(text: str) -> str:
    return orjson.dumps(text).decode()


def _json_needles(node: ast.Expr, keys: frozenset[str]) -> list[frozenset[str]]:
    """Clauses every matching record's JSON text satisfies."""
    match node:
        case ast.And():
            out: list[frozenset[str]] = []
            for item in node.items:
                out.extend(_json_needles(item, keys))
            return out
        case ast.Or():
            # One needle per alternative (its most selective); if an alternative
            # requires nothing, the disjunction requires nothing.
            chosen: set[str] = set()
            for item in node.items:
                clauses = _json_needles(item, keys)
                if not clauses:
                    return []
                best = min(clauses, key=lambda c: (c <= keys, len(c), -min(len(x) for x in c)))
                chosen |= best
            return [frozenset(chosen)]
        case ast.IsCheck():
            if node.check == "NOT EXISTS":
                return []
            key_clauses = _key_needles(node.selector)
            token = {"NULL": "null", "TRUE": "true", "FALSE": "false"}[node.check]
            return [*key_clauses, frozenset({token})]
        case ast.FieldComparison():
            return []
        case ast.Comparison():
            key_clauses = _key_needles(node.selector)
            value = node.value
            # A string literal that could spell a number's text may match a JSON
            # number, written without quotes: then only the key is required.
            if (
                node.op == "="
                and isinstance(value, ast.String)
                and not could_be_number_text(value.text.replace("*", ""))
            ):
                needle = _string_needle(value.text)
                if needle:
                    return [*key_clauses, frozenset({needle})]
            return key_clauses
        case _:
            assert_never(node)


def _key_needles(selector: ast.Selector) -> list[frozenset[str]]:
    return [frozenset({_json_string(s.name)}) for s in selector.steps if isinstance(s, ast.Key)]


def _string_needle(text: str) -> str | None:
    """The longest literal a value matching the wildcard string must contain."""
    if "*" not in text:
        return _json_string(text)
    pieces = text.split("*")
    encoded = [_json_string(p)[1:-1] for p in pieces]
    # The value's opening and closing quotes anchor the first and last pieces.
    if pieces[0]:
        encoded[0] = '"' + encoded[0]
    if pieces[-1]:
        encoded[-1] = encoded[-1] + '"'
    best = max(encoded, key=len)
    return best if best.strip('"') else None


def _term_needles(node: ast.TermPattern) -> tuple[frozenset[str], ...]:
    def blank(t: ast.Term) -> bool:
        return t.quoted and t.text != "" and t.text.strip() == ""

    plain = [t for t in node.terms if t.op == ""]
    if plain or any(t.op == "-" for t in node.terms):
        return tuple(frozenset({t.text}) for t in plain if t.text and not blank(t))
    opts = [t for t in node.terms if t.op == "?"]
    if any(blank(t) or t.text == "" for t in opts):
        return ()
    return (frozenset(t.text for t in opts),)


# ----------------------------------------------------------------------------- findings


def _findings(node: ast.Pattern, nodes: Sequence[ast.AnyNode]) -> list[Finding]:
    out: list[Finding] = []

    def add(code: str, message: str, span: ast.Span, severity: str = "warning") -> None:
        out.append(Finding(code, message, span[0], span[1], severity))  # type: ignore[arg-type]

    match node:
        case ast.TermPattern():
            ops = {t.op for t in node.terms}
            if "?" in ops and ops & {"", "-"}:
                first = next(t for t in node.terms if t.op == "?")
                add(
                    "optional-terms-ignored",
                    "'?' terms are ignored when the pattern also has plain or '-' terms "
                    "(documented AWS rule): only the other terms decide",
                    first.span,
                )
            for t in node.terms:
                if t.quoted and t.text != "" and t.text.strip() == "":
                    add(
                        "A4",
                        "a phrase of only blanks is read as 'match every event', as AWS documents; "
                        "it is not a search for a blank",
                        t.span,
                    )
        case ast.SpacePattern():
            if node.entries and not any(isinstance(e, ast.Ellipsis_) for e in node.entries):
                last = node.entries[-1]
                add(
                    "A2",
                    f"without '...' the pattern needs at least {len(node.entries)} fields and its "
                    "last field takes the rest of the event (current AWS docs; older docs required "
                    "an exact field count)",
                    last.span,
                )
            if sum(isinstance(e, ast.Ellipsis_) for e in node.entries) > 1:
                add(
                    "A2-ellipsis",
                    "several '...' entries: the first alignment that satisfies every "
                    "condition wins",
                    node.span,
                )
            for e in node.entries:
                if isinstance(e, ast.Field) and e.condition is not None:
                    names = {
                        n.name for n in ast.walk(e.condition) if isinstance(n, ast.FieldComparison)
                    }
                    if len(names) > 1:
                        add("A15", f"field names differ only in case: {sorted(names)}", e.span)
        case ast.MatchAll() | ast.RegexPattern() | ast.JsonPattern():
            pass  # their findings are per node, below
        case _:
            assert_never(node)
    for n in nodes:
        if isinstance(n, ast.Regex):
            if has_space(n.source):
                add(
                    "A16-space",
                    "a space in a regex is not in AWS's list of allowed characters (its own "
                    "example uses one); \\x20 is the documented-safe spelling",
                    n.span,
                )
            if has_undocumented_escape(n.source):
                add("A16-escape", "\\t, \\n and \\r are not documented regex escapes", n.span)
        if isinstance(n, ast.String) and "*" in n.text.strip("*"):
            add(
                "A6",
                f"'*' inside {n.text!r} is read as a wildcard; older AWS docs said only a "
                "leading or trailing '*' is one",
                n.span,
            )
        if isinstance(n, ast.Comparison):
            if n.op == "!=":
                add(
                    "A1",
                    f"'{format_selector(n.selector)} != ...' is false when the field is missing, "
                    "null, a boolean, an object or an array (as AWS behaves); add "
                    f"'|| {format_selector(n.selector)} NOT EXISTS' to count those events",
                    n.span,
                    "info",
                )
            if (
                isinstance(n.value, ast.String)
                and not n.value.quoted
                and n.value.text in ("true", "false", "null")
            ):
                add(
                    "A7-literal",
                    f"'{n.value.text}' is compared as a string; it never matches a JSON "
                    f"{'boolean' if n.value.text != 'null' else 'null'} "
                    f"(use IS {n.value.text.upper()})",
                    n.value.span,
                )
            if isinstance(n.value, ast.Number) and n.op in ("=", "!="):
                add(
                    "A7-number",
                    f"the number {n.value.text} compares by value with JSON numbers only; a "
                    f'string value "{n.value.text}" is not equal to it (quote the literal to '
                    "compare text)",
                    n.value.span,
                    "info",
                )
    return out
