"""The compiler: an AST becomes a fast matcher.

JSON patterns are compiled to the source of one Python function over the
decoded record, so evaluation is a handful of ``dict.get`` calls and
comparisons with no tree walk.  Pattern text is untrusted: no literal from it
is ever spliced into the generated source.  Every key, string, number, set
and helper is bound by a generated identifier in the function's namespace
(``k0``, ``s1``, ...); the source holds only identifiers, operators and
keywords the compiler itself writes.  ``tests/pattern/test_codegen_safety.py``
feeds hostile literals to prove it.

Optimisations, each keeping the reference semantics:

* ``$.f = "a" || $.f = "b" || ...`` on one selector becomes one frozenset
  membership test;
* wildcard strings become ``startswith`` / ``endswith`` / ``in`` tests, or an
  RE2 full match for a ``*`` in the middle (linear time);
* multi-step selectors become small generated getter functions.

Terms, regex and space-delimited patterns are compiled to closures.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, assert_never

import re2

from engine.pattern import ast, space
from engine.pattern.analysis import Analysis, analyze
from engine.pattern.aws import NUMBER_RE, number_text, parse_number
from engine.pattern.errors import Finding
from engine.pattern.events import (
    compact,
    could_be_number_text,
    field_at,
    field_value,
    leading_fields,
    load_json_object,
    split_values,
)
from engine.pattern.regex import searcher
from engine.pattern.select import select

MessageMatcher = Callable[[str], bool]
RecordMatcher = Callable[[Any], bool]

_MISSING = object()
_NUM = (int, float)


class CompiledPattern:
    """A compiled filter pattern.  Create with :func:`engine.compile`.

    The matchers are plain function attributes, not methods, so a call costs one
    Python frame (for JSON patterns, the generated function itself):

    * ``matches(message) -> bool``: does the log event ``message`` (its raw text) match?
    * ``matches_record(record) -> bool``: does a decoded JSON record match, as its
      compact JSON text would?
    * ``matches_object(record) -> bool``: ``matches_record`` for a value the caller
      knows is a ``dict`` (no type test; the replay's hot loop).
    """

    __slots__ = ("analysis", "ast", "kind", "matches", "matches_object", "matches_record", "text")

    def __init__(self, text: str, node: ast.Pattern) -> None:
        self.text = text
        self.ast = node
        self.kind: ast.Kind = ast.kind_of(node)
        self.analysis: Analysis = analyze(node, text)
        matchers = _build(node)
        self.matches: MessageMatcher = matchers[0]
        self.matches_record: RecordMatcher = matchers[1]
        self.matches_object: Callable[[dict[str, Any]], bool] = matchers[2]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.analysis.findings

    def extract(self, message: str) -> dict[str, str]:
        """TestMetricFilter's ``extractedValues`` for a matching event, else ``{}``."""
        if not isinstance(self.ast, ast.SpacePattern) or not self.matches(message):
            return {}
        return space.extract(self.ast, space_spec(self.ast), message)

    def __repr__(self) -> str:
        return f"engine.compile({self.text!r})"

    def __reduce__(self) -> tuple[Callable[[str], CompiledPattern], tuple[str]]:
        # Workers receive the text and compile it themselves (cached per process).
        return (compile, (self.text,))


@lru_cache(maxsize=1024)
def compile(text: str) -> CompiledPattern:
    """Parse, analyse and compile a filter pattern (cached by text)."""
    # Parsed each time: the hand-written parser (~0.2 ms a pattern) is faster than reading a
    # stored tree back (~0.3 ms warm, ~1 ms cold; docs/performance.md, "Start-up").
    from engine.pattern.grammar import parse

    return CompiledPattern(text, parse(text))


@lru_cache(maxsize=4)
def compile_all(texts: tuple[str, ...]) -> tuple[CompiledPattern, ...]:
    """Compile a pattern set, cached as a whole: a scan with more patterns than
    :func:`compile`'s cache holds compiles each once per process, not once per file (5,000
    patterns thrashed a 1,024-entry cache).  Equal texts share one compiled pattern."""
    done: dict[str, CompiledPattern] = {}
    for text in texts:
        if text not in done:
            done[text] = compile(text)
    return tuple(done[text] for text in texts)


# ----------------------------------------------------------------------------- dispatch


def _build(node: ast.Pattern) -> tuple[MessageMatcher, RecordMatcher, RecordMatcher]:
    if isinstance(node, ast.JsonPattern):
        made = compile_json(node.expr)
        rec = made.match
        json_record: RecordMatcher = made.checked or (
            lambda record: type(record) is dict and rec(record)
        )

        def json_message(message: str) -> bool:
            record = load_json_object(message)
            return record is not None and rec(record)

        return json_message, json_record, rec
    match node:
        case ast.MatchAll():
            return (lambda message: True), (lambda record: True), (lambda record: True)
        case ast.TermPattern():
            msg = _compile_terms(node)
        case ast.RegexPattern():
            msg = searcher(node.regex.source)
        case ast.SpacePattern():
            msg = _compile_space(node)
        case _:
            assert_never(node)

    def text_record(record: Any) -> bool:
        return msg(compact(record))

    return msg, text_record, text_record


# ----------------------------------------------------------------------------- terms


def _compile_terms(node: ast.TermPattern) -> MessageMatcher:
    def needed(t: ast.Term) -> str | None:
        # None: the blank phrase, which matches every event (A4).
        return None if (t.quoted and t.text != "" and t.text.strip() == "") else t.text

    required = [n for t in node.terms if t.op == "" and (n := needed(t)) is not None]
    excluded = [t.text for t in node.terms if t.op == "-"]
    has_plain = any(t.op in ("", "-") for t in node.terms)
    if has_plain:
        req = tuple(required)
        exc = tuple(excluded)
        if len(req) == 1 and not exc:
            (only,) = req
            return lambda m: only in m
        return lambda m: all(t in m for t in req) and not any(t in m for t in exc)
    opts = [needed(t) for t in node.terms if t.op == "?"]
    if any(o is None for o in opts):
        return lambda m: True
    opt = tuple(o for o in opts if o is not None)
    return lambda m: any(t in m for t in opt)


# ----------------------------------------------------------------------------- space-delimited


def _compile_space(node: ast.SpacePattern) -> MessageMatcher:
    entries = node.entries
    if not entries:
        return lambda m: True
    if any(isinstance(e, ast.Ellipsis_) for e in entries):
        # A single ellipsis is the common case: fast path.  Several: the alignment table
        # (engine.pattern.space), polynomial where trying every split is not.
        ells = [i for i, e in enumerate(entries) if isinstance(e, ast.Ellipsis_)]
        if len(ells) == 1:
            return _space_one_ellipsis(entries, ells[0])
        spec = space_spec(node)
        first_alignment = space.first_alignment
        return lambda m: first_alignment(spec, split_values(m)) is not None
    conds = [_field_predicate(e) for e in entries if isinstance(e, ast.Field)]
    n = len(conds)
    last = conds[-1]
    tested = [(i, c) for i, c in enumerate(conds[:-1]) if c is not None]
    # One regex match finds the first n-1 fields (not a split of the whole event).
    head = leading_fields(n - 1).match

    def match(message: str) -> bool:
        m = head(message)
        if m is None:
            return False  # fewer than n-1 fields
        groups = m.groups()
        for i, cond in tested:
            if not cond(field_value(groups, i)):
                return False
        start = m.end()
        nth = field_at(message, start)
        if nth is None:
            return False  # exactly n-1 fields
        if last is None:
            return True
        end = nth.end()
        if end == len(message) or not message[end:].strip(" "):
            return last(field_value(nth.groups(), 0))  # exactly n fields
        # The last field takes the rest of the line (A2).
        return last(message[start:].rstrip(" "))

    return match


@lru_cache(maxsize=256)
def space_spec(node: ast.SpacePattern) -> tuple[space.EntrySpec, ...]:
    """The entries as :func:`engine.pattern.space.first_alignment` takes them."""
    return tuple(
        space.ELLIPSIS if isinstance(e, ast.Ellipsis_) else _field_predicate(e)
        for e in node.entries
    )


def _space_one_ellipsis(entries: tuple[ast.Entry, ...], at: int) -> MessageMatcher:
    before = [_field_predicate(e) for e in entries[:at]]  # type: ignore[arg-type]
    after = [_field_predicate(e) for e in entries[at + 1 :]]  # type: ignore[arg-type]
    nb, na = len(before), len(after)

    tested_before = [(i, c) for i, c in enumerate(before) if c is not None]
    tested_after = [(i, c) for i, c in enumerate(after) if c is not None]

    def match(message: str) -> bool:
        values = split_values(message)
        if len(values) < nb + na:
            return False
        for i, cond in tested_before:
            if not cond(values[i]):
                return False
        base = len(values) - na
        return all(cond(values[base + i]) for i, cond in tested_after)

    return match


def _field_predicate(entry: ast.Field) -> Callable[[str], bool] | None:
    if entry.condition is None:
        return None
    return _field_expr(entry.condition)


def _field_expr(node: ast.Expr) -> Callable[[str], bool]:
    match node:
        case ast.And():
            parts = tuple(_field_expr(i) for i in node.items)
            return lambda v: all(p(v) for p in parts)
        case ast.Or():
            parts = tuple(_field_expr(i) for i in node.items)
            return lambda v: any(p(v) for p in parts)
        case ast.FieldComparison():
            return _field_comparison(node)
        case ast.Comparison() | ast.IsCheck():
            raise TypeError("a JSON condition inside a space-delimited pattern")
        case _:
            assert_never(node)


def _field_comparison(node: ast.FieldComparison) -> Callable[[str], bool]:
    literal, op = node.value, node.op
    test: Callable[[str], bool]
    match literal:
        case ast.Number():
            target = literal.value
            rel = ast.RELATIONS[op]
            is_ne = op == "!="

            def numeric(v: str) -> bool:
                if not NUMBER_RE.match(v):
                    return is_ne
                return bool(rel(parse_number(v), target))

            return numeric
        case ast.Regex():
            test = searcher(literal.source)
        case ast.String():
            test = glob(literal.text)
        case _:
            assert_never(literal)
    if op == "=":
        return test
    return lambda v: not test(v)


def glob(pattern: str) -> Callable[[str], bool]:
    """A string test for a value with ``*`` wildcards (any run of characters)."""
    if "*" not in pattern:
        return pattern.__eq__
    inner = pattern.strip("*")
    if "*" not in inner:
        lead, trail = pattern.startswith("*"), pattern.endswith("*")
        if inner == "":
            return lambda v: True
        if lead and trail:
            return lambda v: inner in v
        if trail:
            return lambda v: v.startswith(inner)
        return lambda v: v.endswith(inner)
    # A '*' in the middle: RE2 full match, linear in the value's length.
    regex = re2.compile("(?s)" + ".*".join(re2.escape(p) for p in pattern.split("*")))
    fullmatch = regex.fullmatch
    return lambda v: fullmatch(v) is not None


# ----------------------------------------------------------------------------- JSON code generation


class RecordAccess:
    """How generated code reads a record: the plain accessor, over the decoded ``dict``.

    The code generator asks its accessor for the expression of a one-step selector's value
    (:meth:`root`) and for the first lines of a getter walking a longer one (:meth:`enter`);
    every later step is a dict or list step.  Another accessor (the replay's typed records,
    ``engine.replay.typedrecords``) overrides these; the generator knows no record layout.
    ``typed``: records are not dicts (no type test is generated; ``indices`` over a
    document's records is).  ``missing``: what a missing value reads as."""

    typed = False
    missing: object = _MISSING

    def accepts(self, expr: ast.Expr) -> bool:
        """Whether every selector of ``expr`` can be read through this accessor."""
        return True

    def root(self, gen: Codegen, selector: ast.Selector) -> str | None:
        """The expression (over ``r``) of the single value a wildcard-free selector finds,
        or None when a getter walks it."""
        steps = selector.steps
        if len(steps) == 1 and isinstance(steps[0], ast.Key):
            return f"r.get({gen.bind('k', steps[0].name)}, M)"
        return None

    def enter(self, gen: Codegen, selector: ast.Selector) -> tuple[list[str], tuple[ast.Step, ...]]:
        """A getter's first lines (from the record in ``v`` to a plain value in ``v``), and
        the steps left for the generic walk."""
        return [], selector.steps


DICT_ACCESS = RecordAccess()


class Codegen:
    """Writes the matcher's source, reading records through ``access``."""

    def __init__(self, access: RecordAccess = DICT_ACCESS) -> None:
        self.access = access
        self.env: dict[str, Any] = {
            "M": access.missing,
            "NUM": _NUM,
            "ntext": number_text,
            "select": select,
        }
        self.defs: list[str] = []
        self._getters: dict[ast.Selector, str] = {}
        self._consts: dict[tuple[type, Any], str] = {}
        self._counter = 0

    def bind(self, prefix: str, value: Any) -> str:
        """Bind ``value`` to a fresh identifier in the generated namespace."""
        key = (type(value), value) if isinstance(value, str | int | float) else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = f"{prefix}{self._counter}"
        self._counter += 1
        self.env[name] = value
        if key is not None:
            self._consts[key] = name
        return name

    # -- selectors

    def value_of(self, selector: ast.Selector) -> str:
        """An expression for the single value a wildcard-free selector finds, or M."""
        root = self.access.root(self, selector)
        if root is not None:
            return root
        if selector in self._getters:
            return f"{self._getters[selector]}(r)"
        name = self.bind("g", None)
        lines = [f"def {name}(v):"]
        entry, steps = self.access.enter(self, selector)
        lines.extend(entry)
        for step in steps:
            match step:
                case ast.Key():
                    lines.append("    if v.__class__ is not dict: return M")
                    lines.append(f"    v = v.get({self.bind('k', step.name)}, M)")
                case ast.Index():
                    i = self.bind("i", step.index)
                    lines.append(f"    if v.__class__ is not list or len(v) <= {i}: return M")
                    lines.append(f"    v = v[{i}]")
                case ast.AnyIndex() | ast.AnyKey():
                    raise TypeError("a wildcard step has no single value (select() reads it)")
                case _:
                    assert_never(step)
        lines.append("    return v")
        self.defs.append("\n".join(lines))
        self._getters[selector] = name
        return f"{name}(r)"

    # -- expressions

    def expr(self, node: ast.Expr) -> str:
        match node:
            case ast.And():
                return "(" + " and ".join(self.expr(i) for i in node.items) + ")"
            case ast.Or():
                return "(" + " or ".join(self._or_items(node.items)) + ")"
            case ast.IsCheck():
                return self._is_check(node)
            case ast.Comparison():
                if node.selector.wildcards:
                    sel = self.bind("sel", node.selector)
                    test = self.compare("_w", node.op, node.value)
                    return f"any({test} for _w in select(r, {sel}))"
                return self.compare(self.value_of(node.selector), node.op, node.value)
            case ast.FieldComparison():
                raise TypeError("a space-delimited condition inside a JSON pattern")
            case _:
                assert_never(node)

    def _or_items(self, items: tuple[ast.Expr, ...]) -> list[str]:
        """Merge exact string equalities on one selector into a set membership test."""
        groups: dict[ast.Selector, list[str]] = {}
        order: list[ast.Selector | ast.Expr] = []
        for item in items:
            if (
                isinstance(item, ast.Comparison)
                and item.op == "="
                and isinstance(item.value, ast.String)
                and "*" not in item.value.text
                and not could_be_number_text(item.value.text)
                and not item.selector.wildcards
            ):
                if item.selector not in groups:
                    groups[item.selector] = []
                    order.append(item.selector)
                groups[item.selector].append(item.value.text)
            else:
                order.append(item)
        out: list[str] = []
        for entry in order:
            if isinstance(entry, ast.Selector):
                texts = groups[entry]
                x = self.value_of(entry)
                if len(texts) == 1:
                    out.append(f"{x} == {self.bind('s', texts[0])}")
                else:
                    members = self.bind("set", frozenset(texts))
                    out.append(f"((_v := {x}).__class__ is str and _v in {members})")
            else:
                out.append(self.expr(entry))
        return out

    def _is_check(self, node: ast.IsCheck) -> str:
        if node.selector.wildcards:
            sel = self.bind("sel", node.selector)
            if node.check == "NOT EXISTS":
                return f"(not select(r, {sel}))"
            const = {"NULL": "None", "TRUE": "True", "FALSE": "False"}[node.check]
            return f"any(_w is {const} for _w in select(r, {sel}))"
        x = self.value_of(node.selector)
        if node.check == "NOT EXISTS":
            return f"({x} is M)"
        const = {"NULL": "None", "TRUE": "True", "FALSE": "False"}[node.check]
        return f"({x} is {const})"

    def compare(self, x: str, op: ast.CompareOp, literal: ast.Value) -> str:
        """An expression for ``value op literal``; ``x`` is evaluated once."""
        v = "_v"
        head = f"({v} := {x})"
        match literal:
            case ast.Number():
                return self._compare_number(head, v, op, literal)
            case ast.String() if "*" not in literal.text:
                return self._compare_string(x, head, v, op, literal)
            case ast.Regex():
                test = self.bind("rx", searcher(literal.source))
            case ast.String():
                test = self.bind("glob", glob(literal.text))
            case _:
                assert_never(literal)
        neg = "" if op == "=" else "not "
        return (
            f"(({head}.__class__ is str and {neg}{test}({v})) or "
            f"({v}.__class__ in NUM and {neg}{test}(ntext({v}))))"
        )

    def _compare_number(self, head: str, v: str, op: ast.CompareOp, literal: ast.Number) -> str:
        n = self.bind("n", literal.value)
        if op == "!=":
            return f"({head}.__class__ is str or ({v}.__class__ in NUM and {v} != {n}))"
        pyop = "==" if op == "=" else op
        return f"({head}.__class__ in NUM and {v} {pyop} {n})"

    def _compare_string(
        self, x: str, head: str, v: str, op: ast.CompareOp, literal: ast.String
    ) -> str:
        """An exact string (no wildcard)."""
        s = self.bind("s", literal.text)
        numeric = could_be_number_text(literal.text) and literal.text != ""
        if op == "=":
            if not numeric:
                # Only a str can equal a str: no type test needed.
                return f"({x} == {s})"
            return f"({head} == {s} or ({v}.__class__ in NUM and ntext({v}) == {s}))"
        num_part = f"ntext({v}) != {s}" if numeric else "True"
        return (
            f"(({head}.__class__ is str and {v} != {s}) or ({v}.__class__ in NUM and {num_part}))"
        )


class JsonMatcher(NamedTuple):
    """The matchers generated for one JSON pattern, as declared fields (a named tuple: a
    dataclass would cost ~1 ms of start-up to build, and the compiler knows no record
    library).

    ``match(record)`` for a record known to be an object; ``checked(record)`` with the type
    test (plain dict records); ``indices(records)`` the positions of the matching ones among
    a document's typed records (one call per document); ``source`` the generated Python
    (None when the pattern is too deeply nested for Python's parser and a walk stands in)."""

    match: Callable[[Any], bool]
    checked: Callable[[Any], bool] | None
    indices: Callable[[list[Any]], list[int]] | None
    source: str | None


def compile_json(expr: ast.Expr, access: RecordAccess = DICT_ACCESS) -> JsonMatcher:
    """Generate and compile the matchers of a JSON pattern, reading records through
    ``access`` (the plain dict accessor by default; see ``access.accepts``)."""
    gen = Codegen(access)
    body = gen.expr(expr)
    # Every atom the code generator writes is a bool, so ``and``/``or`` of them is too.
    source = "\n\n".join(
        [
            *gen.defs,
            f"def match(r):\n    return {body}",
            f"def checked(r):\n    return r.__class__ is dict and {body}"
            if not access.typed
            # Over typed records: the indices of the matching ones, one call per document.
            else f"def indices(rs):\n    return [i for i, r in enumerate(rs) if {body}]",
        ]
    )
    try:
        exec(builtins.compile(source, "<trailreplay pattern>", "exec"), gen.env)
    except (SyntaxError, RecursionError, MemoryError):
        # Pathologically nested patterns exceed Python's parser: composed closures, with the
        # generated code's meaning (held equal to the reference by tests/pattern), stand in.
        return JsonMatcher(composed(expr), None, None, None)
    return JsonMatcher(gen.env["match"], gen.env.get("checked"), gen.env.get("indices"), source)


# ----------------------------------------------------------------------------- JSON closures


def composed(expr: ast.Expr) -> Callable[[Any], bool]:
    """A JSON condition as composed closures over a decoded record (a ``dict``): the
    matcher of a pattern nested too deeply for generated source.  Each comparison reads its
    selector with :func:`~engine.pattern.select.select` and tests each value found as the
    generated code does (:meth:`Codegen.compare`)."""
    match expr:
        case ast.And():
            parts = tuple(composed(i) for i in expr.items)
            return lambda r: all(p(r) for p in parts)
        case ast.Or():
            parts = tuple(composed(i) for i in expr.items)
            return lambda r: any(p(r) for p in parts)
        case ast.IsCheck():
            selector = expr.selector
            if expr.check == "NOT EXISTS":
                return lambda r: not select(r, selector)
            wanted = {"NULL": None, "TRUE": True, "FALSE": False}[expr.check]
            return lambda r: any(v is wanted for v in select(r, selector))
        case ast.Comparison():
            selector = expr.selector
            test = _value_test(expr.op, expr.value)
            return lambda r: any(test(v) for v in select(r, selector))
        case ast.FieldComparison():
            raise TypeError("a space-delimited condition inside a JSON pattern")
        case _:
            assert_never(expr)


def _value_test(op: ast.CompareOp, literal: ast.Value) -> Callable[[Any], bool]:
    """``value op literal`` for one JSON value found by a selector: strings and numbers
    only (a number compared as text by its JSON spelling); anything else is false."""
    text_test: Callable[[str], bool]
    match literal:
        case ast.Number():
            n = literal.value
            if op == "!=":
                return lambda v: v.__class__ is str or (v.__class__ in _NUM and v != n)
            rel = ast.RELATIONS[op]
            return lambda v: v.__class__ in _NUM and bool(rel(v, n))
        case ast.Regex():
            text_test = searcher(literal.source)
        case ast.String():
            text_test = glob(literal.text)
        case _:
            assert_never(literal)
    if op == "=":
        return lambda v: (
            (v.__class__ is str and text_test(v))
            or (v.__class__ in _NUM and text_test(number_text(v)))
        )
    return lambda v: (
        (v.__class__ is str and not text_test(v))
        or (v.__class__ in _NUM and not text_test(number_text(v)))
    )
