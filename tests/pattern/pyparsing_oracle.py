"""The test oracle: the pyparsing grammar engine/pattern/grammar.py replaced, unchanged.

Until the hand-written parser landed this was engine/pattern/grammar.py; it is kept only so
tests/pattern/test_parser_oracle.py can check that the parser builds the same trees, span for
span, and rejects the same texts (pyparsing is a dev dependency now).  Do not fix it: a
difference the new parser makes on purpose is listed in that test, not changed here.

The pyparsing grammar of CloudWatch Logs filter patterns, producing the AST.

The syntax, as the AWS documentation gives it (SEMANTICS.md §1–§6)::

    pattern      ::= blank | json | space | regex | terms
    blank        ::= WS*                                   ; matches every event
    json         ::= "{" or_expr "}"
    or_expr      ::= and_expr ( "||" and_expr )*           ; && binds tighter than ||
    and_expr     ::= atom ( "&&" atom )*
    atom         ::= "(" or_expr ")" | condition
    condition    ::= selector ( op value | "IS" ("NULL"|"TRUE"|"FALSE") | "NOT" "EXISTS" )
    selector     ::= "$" step+
    step         ::= "." key | "." "*" | "[" digits "]" | "[" "*" "]" | "."? "[" "'" text "'" "]"
    key          ::= [A-Za-z0-9_-]+
    op           ::= "=" | "!=" | "<" | ">" | "<=" | ">="
    value        ::= regex | '"' chars '"' | number | unquoted
    number       ::= [+-]? ( digits ("." digits?)? | "." digits ) ( [eE] [+-]? digits )?
    unquoted     ::= [A-Za-z0-9_.*+-]+          ; dots and * allowed, as AWS's examples do
    space        ::= "[" ( entry ( "," entry )* )? "]"
    entry        ::= "..." | name ( op value ( ("&&"|"||") name op value )* )? | <empty>
    name         ::= [A-Za-z_][A-Za-z0-9_]*
    regex        ::= "%" regex-chars "%"                   ; AWS subset, see engine.pattern.regex
    terms        ::= term ( WS+ term )*
    term         ::= ( "?" | "-" WS* )? ( '"' chars '"' | [A-Za-z0-9_]+ )

The kind is decided by the first non-blank character (``{`` JSON, ``[``
space-delimited), a whole pattern ``%...%`` is a regex, anything else terms.
Every failure is a :class:`PatternError` with the position of the problem;
no ``pyparsing`` exception escapes this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast

import pyparsing as pp

from engine.pattern import ast, aws
from engine.pattern.errors import PatternError
from engine.pattern.regex import check_regex

MAX_LENGTH = aws.FILTER_PATTERN_MAX_LENGTH
MAX_REGEXES = aws.MAX_REGEXES
MAX_WILDCARD_SELECTORS = aws.MAX_WILDCARD_SELECTORS

# No packrat memoisation: every alternative commits early ('-' after '{', '[', '(', an
# operator), so nothing is parsed twice enough to pay for the cache; without it a pattern
# parses in half the time (5,000 patterns: the parse was most of a scan's start-up), and
# nesting stays linear (tests/pattern/test_errors.py).


def _decode_quoted(raw: str) -> str:
    """Strip the quotes of a double-quoted string; ``\\"`` and ``\\\\`` are escapes (A18)."""
    body = raw[1:-1]
    return re.sub(r'\\(["\\])', r"\1", body)


# ----------------------------------------------------------------------------- shared tokens


def _located(expr: pp.ParserElement, build: Any) -> pp.ParserElement:
    """Call ``build(tokens, (start, end))`` with the source span of ``expr``."""

    def action(toks: pp.ParseResults) -> Any:
        start, inner, end = toks[0], toks[1], toks[2]
        return build(inner, (start, end))

    return pp.Located(expr).add_parse_action(action)


_regex_token = pp.Regex(r"%[^%]*%").set_name("%regex%")


def _regex_node(inner: pp.ParseResults, span: ast.Span) -> ast.Regex:
    return ast.Regex(str(inner[0])[1:-1], span=span)


REGEX = _located(_regex_token, _regex_node)

_quoted_token = pp.Regex(r'"(?:[^"\\]|\\.)*"').set_name("quoted string")
QUOTED = _located(
    _quoted_token, lambda t, span: ast.String(_decode_quoted(str(t[0])), quoted=True, span=span)
)


def _unquoted_value(inner: pp.ParseResults, span: ast.Span) -> ast.String | ast.Number:
    text = str(inner[0])
    if aws.is_number(text):
        return ast.Number(text, aws.parse_number(text), span=span)
    return ast.String(text, quoted=False, span=span)


OP = pp.one_of("!= <= >= = < >").set_name("comparison operator")
AND = pp.Literal("&&").set_name("'&&'")
OR = pp.Literal("||").set_name("'||'")

# ----------------------------------------------------------------------------- JSON

_json_unquoted = pp.Regex(r"[A-Za-z0-9_.*+\-]+").set_name("value")
JSON_VALUE = (REGEX | QUOTED | _located(_json_unquoted, _unquoted_value)).set_name("value")

_STEP_RE = aws.SELECTOR_STEP
_selector_token = pp.Regex(aws.SELECTOR_RE.pattern).set_name("selector ($.field)")


def _selector(inner: pp.ParseResults, span: ast.Span) -> ast.Selector:
    text = str(inner[0])
    steps: list[ast.Step] = []
    pos = 1
    while pos < len(text):
        m = _STEP_RE.match(text, pos)
        assert m is not None
        s = (span[0] + m.start(), span[0] + m.end())
        if m.group("key") is not None:
            steps.append(ast.Key(m.group("key"), span=s))
        elif m.group("anykey") is not None:
            steps.append(ast.AnyKey(span=s))
        elif m.group("index") is not None:
            steps.append(ast.Index(int(m.group("index")), span=s))
        elif m.group("anyindex") is not None:
            steps.append(ast.AnyIndex(span=s))
        else:
            steps.append(ast.Key(aws.unescape_bracket_key(m.group("bracket")), span=s))
        pos = m.end()
    return ast.Selector(tuple(steps), span=span)


SELECTOR = _located(_selector_token, _selector).set_name("selector ($.field)")

_IS = pp.Keyword("IS")
_check = (
    (_IS + pp.Keyword("NULL")).add_parse_action(lambda: "NULL")
    | (_IS + pp.Keyword("TRUE")).add_parse_action(lambda: "TRUE")
    | (_IS + pp.Keyword("FALSE")).add_parse_action(lambda: "FALSE")
    | (pp.Keyword("NOT") + pp.Keyword("EXISTS")).add_parse_action(lambda: "NOT EXISTS")
).set_name("IS NULL, IS TRUE, IS FALSE or NOT EXISTS")


def _condition(inner: pp.ParseResults, span: ast.Span) -> ast.Comparison | ast.IsCheck:
    selector = inner[0]
    if len(inner) == 2:
        return ast.IsCheck(selector, cast(ast.Check, str(inner[1])), span=span)
    return ast.Comparison(selector, cast(ast.CompareOp, str(inner[1])), inner[2], span=span)


CONDITION = _located(SELECTOR + (_check | (OP - JSON_VALUE)), _condition).set_name("condition")


def _bool_node(cls: type[ast.And] | type[ast.Or]) -> Any:
    def action(inner: pp.ParseResults, span: ast.Span) -> Any:
        items = tuple(inner)
        if len(items) == 1:
            return items[0]
        return cls(items, span=span)

    return action


JSON_EXPR: pp.Forward = pp.Forward()
JSON_EXPR.set_name("condition")
_paren = pp.Suppress("(") - JSON_EXPR - pp.Suppress(pp.Literal(")").set_name("')'"))
_atom = (_paren | CONDITION).set_name("condition or '('")
_and_expr = _located(_atom + pp.ZeroOrMore(pp.Suppress(AND) - _atom), _bool_node(ast.And))
_or_expr = _located(_and_expr + pp.ZeroOrMore(pp.Suppress(OR) - _and_expr), _bool_node(ast.Or))
JSON_EXPR <<= _or_expr

JSON_PATTERN = (
    pp.Suppress("{")
    - JSON_EXPR
    - pp.Suppress(pp.Literal("}").set_name("'}' (or '&&', '||')"))
    - pp.StringEnd().set_name("end of pattern after '}'")
)

# ----------------------------------------------------------------------------- space-delimited

_name = pp.Regex(aws.FIELD_NAME_RE.pattern).set_name("field name")
_space_unquoted = pp.Regex(r"[^\s,\[\]&|\"%()=!<>]+").set_name("value")
SPACE_VALUE = (REGEX | QUOTED | _located(_space_unquoted, _unquoted_value)).set_name("value")

FIELD_CONDITION = _located(
    _name + OP - SPACE_VALUE,
    lambda t, span: ast.FieldComparison(str(t[0]), cast(ast.CompareOp, str(t[1])), t[2], span=span),
)
_field_and = _located(
    FIELD_CONDITION + pp.ZeroOrMore(pp.Suppress(AND) - FIELD_CONDITION), _bool_node(ast.And)
)
_field_or = _located(_field_and + pp.ZeroOrMore(pp.Suppress(OR) - _field_and), _bool_node(ast.Or))


def _first_name(node: Any) -> ast.FieldComparison:
    while isinstance(node, ast.And | ast.Or):
        node = node.items[0]
    return cast(ast.FieldComparison, node)


def _field_entry(inner: pp.ParseResults, span: ast.Span) -> ast.Field:
    cond = inner[0]
    return ast.Field(_first_name(cond).name, cond, span=span)


ENTRY = (
    _located(pp.Literal("..."), lambda t, span: ast.Ellipsis_(span=span))
    | _located(_field_or, _field_entry)
    | _located(_name.copy(), lambda t, span: ast.Field(str(t[0]), None, span=span))
).set_name("field")

_maybe_entry = pp.Optional(ENTRY, default=None)
SPACE_PATTERN = (
    pp.Suppress("[")
    - pp.Group(_maybe_entry + pp.ZeroOrMore(pp.Suppress(",") - _maybe_entry))
    - pp.Suppress(pp.Literal("]").set_name("',' or ']'"))
    - pp.StringEnd().set_name("end of pattern after ']'")
)

# ----------------------------------------------------------------------------- terms

_bare = pp.Regex(r"[A-Za-z0-9_]+").set_name("term")
_term_body = _quoted_token | _bare
TERM = _located(
    pp.Optional(pp.one_of("? -"), default="") + _term_body,
    lambda t, span: ast.Term(
        _decode_quoted(str(t[1])) if str(t[1]).startswith('"') else str(t[1]),
        quoted=str(t[1]).startswith('"'),
        op=cast(ast.TermOp, str(t[0])),
        span=span,
    ),
).set_name("term")
TERMS_PATTERN = pp.OneOrMore(TERM) + pp.StringEnd().set_name("end of pattern")


# ----------------------------------------------------------------------------- entry point


def classify(text: str) -> ast.Kind:
    stripped = text.strip()
    if not stripped:
        return "all"
    if stripped[0] == "{":
        return "json"
    if stripped[0] == "[":
        return "space"
    if re.fullmatch(r"%[^%]*%", stripped):
        return "regex"
    return "terms"


@lru_cache(maxsize=4096)
def parse(text: str) -> ast.Pattern:
    """Parse filter-pattern text into its AST; raise :class:`PatternError`."""
    if not isinstance(text, str):
        raise TypeError(f"pattern must be str, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise PatternError(
            f"pattern is {len(text)} characters long; CloudWatch Logs allows at most {MAX_LENGTH}",
            text,
            MAX_LENGTH,
            code="length",
        )
    kind = classify(text)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    span = (start, end)
    if kind == "all":
        return ast.MatchAll(span=span)
    if kind == "regex":
        regex = ast.Regex(text[start + 1 : end - 1], span=span)
        check_regex(regex.source, text, start + 1)
        return ast.RegexPattern(regex, span=span)
    if kind == "json":
        if text[end - 1] != "}":
            raise PatternError(
                "a pattern that starts with '{' must end with '}'",
                text,
                end,
                hint="close the JSON pattern with '}'",
                code="unclosed",
            )
        toks = _run(JSON_PATTERN, text, kind)
        node: ast.Pattern = ast.JsonPattern(toks[0], span=span)
    elif kind == "space":
        if text[end - 1] != "]":
            raise PatternError(
                "a pattern that starts with '[' must end with ']'",
                text,
                end,
                hint="close the space-delimited pattern with ']'",
                code="unclosed",
            )
        toks = _run(SPACE_PATTERN, text, kind)
        entries = [e for e in toks[0]]
        if entries == [None]:
            entries = []
        node = ast.SpacePattern(
            tuple(e if e is not None else ast.Field(None, None) for e in entries), span=span
        )
    else:
        toks = _run(TERMS_PATTERN, text, kind)
        node = ast.TermPattern(tuple(toks), span=span)
    _check_structure(node, text)
    return node


def _run(grammar: pp.ParserElement, text: str, kind: str) -> pp.ParseResults:
    try:
        return grammar.parse_string(text, parse_all=True)
    except pp.ParseBaseException as exc:
        raise _translate(exc, text, kind) from None
    except RecursionError:
        raise PatternError("pattern nests too deeply", text, 0, code="nesting") from None


def _translate(exc: pp.ParseBaseException, text: str, kind: str) -> PatternError:
    """Turn a pyparsing error into a PatternError with a useful message and hint."""
    pos = exc.loc
    # pyparsing reports the start of the failing whitespace; point at the token.
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    found = text[pos] if pos < len(text) else None
    rest = text[pos:]
    expected = str(exc.msg)
    if expected.startswith("Expected "):
        expected = expected[len("Expected ") :]
    expected = expected.replace("W:(", "(")
    hint: str | None = None
    if kind == "terms":
        if found == '"' and text[pos:].count('"') == 1:
            return PatternError("unterminated quoted phrase", text, pos, code="unterminated-quote")
        if found == "%":
            return PatternError(
                "a %regex% must be the whole pattern; it cannot be mixed with terms",
                text,
                pos,
                code="regex-in-terms",
            )
        if found is not None and not found.isspace():
            m = re.match(r"[^\s\"]+", text[_token_start(text, pos) :])
            word = m.group(0) if m else found
            word = word.lstrip("?-")
            return PatternError(
                f"invalid character {found!r} in a term: unquoted terms may contain only "
                "letters, digits and '_'",
                text,
                pos,
                hint=f'put the term in double quotes: "{word}"',
                code="term-character",
            )
        if found is None and text.count('"') % 2 == 1:
            return PatternError(
                "unterminated quoted phrase", text, text.rfind('"'), code="unterminated-quote"
            )
    if kind == "json":
        if rest.startswith("==") or text[pos - 1 : pos + 1] == "==":
            pos = pos if rest.startswith("==") else pos - 1
            return PatternError("'==' is not an operator", text, pos, code="double-equals")
        if rest.startswith("$") and not rest.startswith("$.") and not rest.startswith("$["):
            name = re.match(r"\$([A-Za-z0-9_]*)", rest)
            return PatternError(
                "a selector must start with '$.'",
                text,
                pos + 1,
                hint=f"write '$.{name.group(1)}'" if name and name.group(1) else None,
                code="selector-start",
            )
        if found is not None and re.match(r"[A-Za-z_]", found):
            prev = text[:pos].rstrip()
            if prev.endswith(("{", "(", "&&", "||")):
                key = re.match(r"[A-Za-z0-9_.]+", rest)
                return PatternError(
                    "expected a selector starting with '$.'",
                    text,
                    pos,
                    hint=f"write '$.{key.group(0) if key else found}'",
                    code="selector-start",
                )
            if re.match(r"IS\s+NOT\b", rest) or (
                re.match(r"NOT\b", rest) and re.search(r"\bIS\s*$", text[:pos])
            ):
                return PatternError(
                    "'IS NOT' is not supported by CloudWatch Logs",
                    text,
                    pos,
                    hint="use '!= ...', or 'NOT EXISTS' for an absent field",
                    code="unsupported-keyword",
                )
            if re.match(r"EXISTS\b", rest):
                return PatternError(
                    "'EXISTS' is not supported by CloudWatch Logs (only 'NOT EXISTS')",
                    text,
                    pos,
                    hint="use '= *' to require a string or number value",
                    code="unsupported-keyword",
                )
            if re.match(r"(?i)(is|not)\b", rest):
                return PatternError(
                    "keywords are upper case: IS NULL, IS TRUE, IS FALSE, NOT EXISTS",
                    text,
                    pos,
                    code="keyword-case",
                )
        if (
            found is not None
            and found not in "})&|"
            and text[:pos].rstrip().endswith(tuple(ast.COMPARE_OPS))
        ):
            bad = re.match(r"[^\s)}&|]+", rest)
            return PatternError(
                f"invalid value {bad.group(0) if bad else found!r}", text, pos, code="value"
            )
        if (
            found is not None
            and not re.match(r"[\s})&|(]", found)
            and re.search(r"(?:!=|<=|>=|=|<|>)\s*[A-Za-z0-9_.*+\-]+$", text[:pos])
        ):
            tail = re.search(r"[A-Za-z0-9_.*+\-]+$", text[:pos])
            start = tail.start() if tail else pos
            v = re.match(r"[^\s)}&|]+", text[start:])
            value = v.group(0) if v else found
            return PatternError(
                f"invalid character {found!r} in the unquoted value {value!r}",
                text,
                pos,
                hint=f'put the value in double quotes: "{value}"',
                code="value",
            )
        if found is not None and found not in "})" and re.match(r"[A-Za-z0-9_.*+\-\"%]", found):
            prev = text[:pos].rstrip()
            if (
                prev
                and not prev.endswith(("&&", "||", "(", "{"))
                and (re.search(r"[\w\"%*]$", prev))
            ):
                return PatternError(
                    f"expected '&&', '||', ')' or '}}', found {found!r}",
                    text,
                    pos,
                    hint="quote values that contain spaces",
                    code="syntax",
                )
    if found is None:
        return PatternError(f"unexpected end of pattern: expected {expected}", text, pos, hint)
    return PatternError(f"expected {expected}, found {found!r}", text, pos, hint)


def _token_start(text: str, pos: int) -> int:
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return pos


# ----------------------------------------------------------------------------- structural checks


def _check_structure(node: ast.Pattern, text: str) -> None:
    """Rules that are not context-free: quotas, regex syntax, operator/value fit."""
    regexes = [n for n in ast.walk(node) if isinstance(n, ast.Regex)]
    for r in regexes:
        check_regex(r.source, text, r.span[0] + 1)
    if isinstance(node, ast.JsonPattern | ast.SpacePattern) and len(regexes) > MAX_REGEXES:
        third = regexes[MAX_REGEXES]
        raise PatternError(
            f"a pattern may contain at most {MAX_REGEXES} regular expressions; this is number "
            f"{MAX_REGEXES + 1}",
            text,
            third.span[0],
            code="regex-quota",
        )
    if isinstance(node, ast.JsonPattern):
        wild = [n for n in ast.walk(node) if isinstance(n, ast.Selector) and n.wildcards]
        for sel in wild:
            if sel.wildcards > 1:
                second = [s for s in sel.steps if isinstance(s, ast.AnyIndex | ast.AnyKey)][1]
                raise PatternError(
                    "a selector may contain at most one wildcard ('[*]' or '.*')",
                    text,
                    second.span[0],
                    code="selector-wildcards",
                )
        if len(wild) > MAX_WILDCARD_SELECTORS:
            raise PatternError(
                f"a pattern may contain at most {MAX_WILDCARD_SELECTORS} wildcard selectors",
                text,
                wild[MAX_WILDCARD_SELECTORS].span[0],
                code="wildcard-quota",
            )
    for n in ast.walk(node):
        if (
            isinstance(n, ast.Comparison | ast.FieldComparison)
            and n.op in ast.RELATIONAL_OPS
            and not isinstance(n.value, ast.Number)
        ):
            raise PatternError(
                f"'{n.op}' compares numbers; {_describe(n.value)} is not a number",
                text,
                n.value.span[0],
                code="relational-value",
            )
    if isinstance(node, ast.SpacePattern):
        for entry in node.entries:
            if isinstance(entry, ast.Field) and entry.condition is not None:
                for n in ast.walk(entry.condition):
                    if (
                        isinstance(n, ast.FieldComparison)
                        and entry.name is not None
                        and n.name.lower() != entry.name.lower()
                    ):
                        raise PatternError(
                            f"conditions in one field must all test that field "
                            f"({entry.name!r}), not {n.name!r}",
                            text,
                            n.span[0],
                            code="field-name",
                        )


def _describe(value: ast.Value) -> str:
    if isinstance(value, ast.Regex):
        return "a regular expression"
    if isinstance(value, ast.String):
        return f"the string {value.text!r}"
    return value.text
