"""The parser of CloudWatch Logs filter patterns: text to the AST, or a coded PatternError.

The syntax, as the AWS documentation gives it (SEMANTICS.md §1–§6)::

    pattern      ::= blank | json | space | regex | terms
    blank        ::= WS*                                   ; matches every event
    json         ::= "{" or_expr "}"
    or_expr      ::= and_expr ( "||" and_expr )*           ; && binds tighter than ||
    and_expr     ::= atom ( "&&" atom )*
    atom         ::= "(" or_expr ")" | condition           ; at most MAX_NESTING "(" deep
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

In space-delimited entries ``&&`` binds tighter than ``||`` too; an unquoted value there is
any run of characters but blanks and ``, [ ] & | " % ( ) = ! < >``.  WS between tokens is
``" \\t\\n\\r"``.

The kind is decided by the first non-blank character (``{`` JSON, ``[``
space-delimited), a whole pattern ``%...%`` is a regex, anything else terms.

How it works (the models: packaging's ``_parser`` and CPython's ``re._parser``): a
hand-written recursive-descent parser, one function per rule above, over the tokenizer of
:mod:`engine.pattern._tokenizer`.  Alternatives are tried in order and a rule, once it has
read the token that commits it (``{``, ``[``, ``(``, an operator, ``&&``, ``||``), never
backtracks, so a parse is linear in the text.  Then the rules that are not context-free
(quotas, regex syntax, operator/value fit, one field per space-delimited entry) are checked
on the tree (:func:`_check_structure`).

Invariants:

* Every failure is a :class:`PatternError` raised where the parser found the problem, with
  its stable ``code`` and the position of the offending character (``len(text)`` for an
  unexpected end); nothing else escapes (not ``RecursionError``: parentheses nest at most
  :data:`MAX_NESTING` deep, code ``nesting``).
* Spans: a node runs from its first token to the end of its last one (a parenthesised
  expression's node excludes the parentheses; an ``and``/``or`` over parenthesised operands
  includes them); a pattern's span is the text without its outer blanks.
* The tree is the one the pyparsing grammar this parser replaced built, span for span
  (tests/pattern/test_parser_oracle.py keeps the two equal; the differences in errors are
  listed there).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NoReturn, cast

from engine.pattern import _tokenizer as tk
from engine.pattern import ast, aws
from engine.pattern.errors import PatternError, PatternErrorCode
from engine.pattern.regex import check_regex

MAX_LENGTH = aws.FILTER_PATTERN_MAX_LENGTH
MAX_REGEXES = aws.MAX_REGEXES
MAX_WILDCARD_SELECTORS = aws.MAX_WILDCARD_SELECTORS
#: Not AWS's (it documents no limit): how deep parentheses may nest in a JSON pattern.
#: The pyparsing grammar ran out of Python stack at about 60 levels; 50 keeps every deeper
#: consumer of the tree (printer, compiler, prover) far from Python's recursion limit.
MAX_NESTING = 50

_REGEX_PATTERN = re.compile(r"%[^%]*%")
_UNESCAPE_QUOTED = re.compile(r'\\(["\\])')


def _decode_quoted(raw: str) -> str:
    """Strip the quotes of a double-quoted string; ``\\"`` and ``\\\\`` are escapes (A18)."""
    return _UNESCAPE_QUOTED.sub(r"\1", raw[1:-1])


def classify(text: str) -> ast.Kind:
    stripped = text.strip()
    if not stripped:
        return "all"
    if stripped[0] == "{":
        return "json"
    if stripped[0] == "[":
        return "space"
    if _REGEX_PATTERN.fullmatch(stripped):
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
    node: ast.Pattern
    if kind == "json":
        if text[end - 1] != "}":
            raise PatternError(
                "a pattern that starts with '{' must end with '}'",
                text,
                end,
                hint="close the JSON pattern with '}'",
                code="unclosed",
            )
        parser = _Parser(text)
        node = ast.JsonPattern(parser.json(), span=span)
    elif kind == "space":
        if text[end - 1] != "]":
            raise PatternError(
                "a pattern that starts with '[' must end with ']'",
                text,
                end,
                hint="close the space-delimited pattern with ']'",
                code="unclosed",
            )
        parser = _Parser(text)
        node = ast.SpacePattern(parser.space(), span=span)
    else:
        return ast.TermPattern(_Parser(text).terms(), span=span)  # nothing to check after
    _check_structure(parser)
    return node


_OPERATOR_START = frozenset("!=<>")
_KEYWORD_WORD = re.compile(r"[A-Za-z0-9_$]+")  # a word as a keyword ends (tokenizer)
_VALUE_LIKE = re.compile(r"[A-Za-z0-9_.*+\-\"%]")
_BAD_VALUE = re.compile(r"[^\s)}\]&|,]+")  # what a bad value is shown as
_NAME_AFTER_DOLLAR = re.compile(r"\$([A-Za-z0-9_]*)")
_KEY_LIKE = re.compile(r"[A-Za-z0-9_.]+")
_WORD = re.compile(r"[^\s\"]+")


class _Parser:
    """One parse of one text: a method per rule of the grammar in the module docstring."""

    __slots__ = ("entry_name", "misnamed", "regexes", "relational", "text", "tok", "wild")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tok = tk.Tokenizer(text)
        # What the checks after the parse need, gathered in source order as the nodes are
        # built (walking the finished tree four times cost a third of the parse).
        self.regexes: list[ast.Regex] = []
        self.wild: list[ast.Selector] = []  # selectors with a wildcard
        self.relational: ast.Comparison | ast.FieldComparison | None = None  # the first
        self.entry_name = ""  # the space-delimited entry being parsed
        self.misnamed: tuple[str, ast.FieldComparison] | None = None  # the first, its entry

    def note_relational(self, node: ast.Comparison | ast.FieldComparison) -> None:
        if (
            self.relational is None
            and node.op in ast.RELATIONAL_OPS
            and not isinstance(node.value, ast.Number)
        ):
            self.relational = node

    # ------------------------------------------------------------------ errors

    def fail(
        self,
        msg: str,
        position: int,
        hint: str | None = None,
        code: PatternErrorCode = "syntax",
    ) -> NoReturn:
        raise PatternError(msg, self.text, position, hint=hint, code=code)

    def expected(self, what: str, hint: str | None = None) -> NoReturn:
        """Fail at the next token: it is not ``what``."""
        p = self.tok.skip()
        if p >= len(self.text):
            self.fail(f"unexpected end of pattern: expected {what}", p, hint)
        self.fail(f"expected {what}, found {self.text[p]!r}", p, hint)

    # ------------------------------------------------------------------ JSON

    def json(self) -> ast.And | ast.Or | ast.Comparison | ast.IsCheck:
        tok = self.tok
        if not tok.literal("{"):
            self.expected("'{'")
        expr = self.or_expr(0)
        if not tok.literal("}"):
            self.after_condition("'}'")
        if not tok.at_end():
            self.expected("end of pattern after '}'")
        return cast(ast.And | ast.Or | ast.Comparison | ast.IsCheck, expr)

    def or_expr(self, depth: int) -> ast.Expr:
        tok = self.tok
        start = tok.skip()
        first, end = self.and_expr(depth)
        if not tok.literal("||"):
            return first
        items = [first]
        while True:
            item, end = self.and_expr(depth)
            items.append(item)
            if not tok.literal("||"):
                return ast.Or(tuple(items), span=(start, end))

    def and_expr(self, depth: int) -> tuple[ast.Expr, int]:
        """The expression and the end of its level (see :meth:`_level_end`)."""
        tok = self.tok
        start = tok.skip()
        first = self.atom(depth)
        if not tok.literal("&&"):
            return first, self._level_end()
        items = [first]
        while True:
            items.append(self.atom(depth))
            if not tok.literal("&&"):
                return ast.And(tuple(items), span=(start, tok.end)), tok.end

    def _level_end(self) -> int:
        """Where an ``&&`` (or ``||``) level that found no operator ends: after the blanks
        that follow its one operand.  The pyparsing grammar's spans ended there (its
        ``ZeroOrMore`` skipped the blanks before finding nothing), so an ``or`` whose last
        operand has no ``&&`` spans the blanks after it, and so does a space-delimited field
        with no ``||``: kept, so that spans stay what they were (the printer and ``lint``
        read them)."""
        return self.tok.skip()

    def atom(self, depth: int) -> ast.Expr:
        tok = self.tok
        p = tok.skip()
        if tok.literal("("):
            if depth >= MAX_NESTING:
                self.fail(
                    f"parentheses nest more than {MAX_NESTING} deep",
                    p,
                    hint="write the condition with fewer levels of parentheses",
                    code="nesting",
                )
            expr = self.or_expr(depth + 1)
            if not tok.literal(")"):
                self.after_condition("')'")
            return expr
        return self.condition()

    def condition(self) -> ast.Comparison | ast.IsCheck:
        tok = self.tok
        start = tok.skip()
        m = tok.take(tk.SELECTOR)
        if m is None:
            self.no_condition(start)
        selector = self.selector(m.group(0), start)
        # An operator is the common case; IS and NOT start with letters no operator has.
        op = tok.take(tk.OPERATOR) if tok.peek() in _OPERATOR_START else None
        if op is not None:
            value = self.value(tk.JSON_WORD)
            node = ast.Comparison(
                selector, cast(ast.CompareOp, op.group(0)), value, span=(start, tok.end)
            )
            self.note_relational(node)
            return node
        if tok.keyword("IS"):
            for check in ("NULL", "TRUE", "FALSE"):
                if tok.keyword(check):
                    return ast.IsCheck(selector, check, span=(start, tok.end))
            self.after_is()
        if tok.keyword("NOT"):
            if tok.keyword("EXISTS"):
                return ast.IsCheck(selector, "NOT EXISTS", span=(start, tok.end))
            self.after_not()
        self.no_operator(m.group(0))

    def selector(self, text: str, start: int) -> ast.Selector:
        steps: list[ast.Step] = []
        pos = 1
        while pos < len(text):
            m = tk.SELECTOR_STEP.match(text, pos)
            assert m is not None  # the steps of a matched selector
            s = (start + m.start(), start + m.end())
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
        selector = ast.Selector(tuple(steps), span=(start, start + len(text)))
        if "*" in text and selector.wildcards:
            self.wild.append(selector)
        return selector

    def no_condition(self, p: int) -> NoReturn:
        """Fail at ``p``, where a condition (or ``(``) must start but none does."""
        text = self.text
        rest = text[p:]
        if rest.startswith("$") and not rest.startswith(("$.", "$[")):
            name = _NAME_AFTER_DOLLAR.match(rest)
            self.fail(
                "a selector must start with '$.'",
                p + 1,
                hint=f"write '$.{name.group(1)}'" if name and name.group(1) else None,
                code="selector-start",
            )
        if rest.startswith("$"):
            self.fail(
                "invalid selector: each step is .key, .*, [n], [*] or ['any key'] (keys "
                "unquoted hold only letters, digits, '_' and '-')",
                p + 1,
                hint="write keys with other characters as $.['key']",
            )
        if rest[:1].isascii() and (rest[:1].isalpha() or rest[:1] == "_"):
            key = _KEY_LIKE.match(rest)
            self.fail(
                "expected a selector starting with '$.'",
                p,
                hint=f"write '$.{key.group(0) if key else rest[0]}'",
                code="selector-start",
            )
        self.expected("a condition or '('")

    def after_is(self) -> NoReturn:
        p = self.tok.skip()
        if self.tok.keyword("NOT"):
            self.fail(
                "'IS NOT' is not supported by CloudWatch Logs",
                p,
                hint="use '!= ...', or 'NOT EXISTS' for an absent field",
                code="unsupported-keyword",
            )
        self.miscased(p, ("NULL", "TRUE", "FALSE"))
        self.expected("NULL, TRUE or FALSE after 'IS'")

    def after_not(self) -> NoReturn:
        p = self.tok.skip()
        self.miscased(p, ("EXISTS",))
        self.expected("EXISTS after 'NOT'", hint="write 'NOT EXISTS' for an absent field")

    def miscased(self, p: int, keywords: tuple[str, ...]) -> None:
        """Fail if the word at ``p`` is one of ``keywords`` in the wrong case."""
        m = _KEYWORD_WORD.match(self.text, p)
        if m is not None and m.group(0).upper() in keywords:
            self.fail(
                "keywords are upper case: IS NULL, IS TRUE, IS FALSE, NOT EXISTS",
                p,
                code="keyword-case",
            )

    def no_operator(self, selector: str) -> NoReturn:
        """Fail after ``selector``: no operator, IS or NOT follows."""
        p = self.tok.skip()
        rest = self.text[p:]
        if re.match(r"EXISTS\b", rest):
            self.fail(
                "'EXISTS' is not supported by CloudWatch Logs (only 'NOT EXISTS')",
                p,
                hint="use '= *' to require a string or number value",
                code="unsupported-keyword",
            )
        self.miscased(p, ("IS", "NOT"))
        value = (tk.QUOTED if rest[:1] == '"' else _BAD_VALUE).match(rest)
        if not _VALUE_LIKE.match(rest):
            value = None
        self.expected(
            "a comparison operator (=, !=, <, >, <=, >=), IS NULL, IS TRUE, IS FALSE or NOT EXISTS",
            hint=f"write '{selector} = {value.group(0)}'" if value else None,
        )

    def after_condition(self, closer: str) -> NoReturn:
        """Fail after a condition where ``&&``, ``||`` or ``closer`` must follow."""
        tok, text = self.tok, self.text
        end = tok.end
        p = tok.skip()
        found = text[p] if p < len(text) else None
        what = f"'&&', '||' or {closer}"
        if found is None:
            self.expected(what)
        if text.startswith("==", p):
            self.fail("'==' is not an operator", p, code="double-equals")
        # A character glued to an unquoted value: the value was meant to hold it.
        m = re.search(r"(?:!=|<=|>=|=|<|>)\s*([A-Za-z0-9_.*+\-]+)$", text[:p])
        if p == end and m is not None and found not in "})&|(" and not found.isspace():
            v = _BAD_VALUE.match(text, m.start(1))
            value = v.group(0) if v else found
            self.fail(
                f"invalid character {found!r} in the unquoted value {value!r}",
                p,
                hint=f'put the value in double quotes: "{value}"',
                code="value",
            )
        if _VALUE_LIKE.match(found) and re.search(r"[\w\"%*]$", text[:end]):
            self.expected(what, hint="quote values that contain spaces")
        self.expected(what)

    # ------------------------------------------------------------------ values

    def value(self, word: re.Pattern[str]) -> ast.Value:
        """The value after an operator: a regex, a quoted string or a ``word``."""
        tok, text = self.tok, self.text
        p = tok.skip()
        first = tok.peek()
        # The first character tells which of the three it can be (no word holds % or ").
        m = tok.take(tk.REGEX) if first == "%" else None
        if m is not None:
            regex = ast.Regex(m.group(0)[1:-1], span=(p, tok.end))
            self.regexes.append(regex)
            return regex
        m = tok.take(tk.QUOTED) if first == '"' else None
        if m is not None:
            return ast.String(_decode_quoted(m.group(0)), quoted=True, span=(p, tok.end))
        m = tok.take(word)
        if m is not None:
            raw = m.group(0)
            if aws.is_number(raw):
                return ast.Number(raw, aws.parse_number(raw), span=(p, tok.end))
            return ast.String(raw, quoted=False, span=(p, tok.end))
        found = text[p] if p < len(text) else None
        if found == "=" and text[p - 1] == "=":
            self.fail("'==' is not an operator", p - 1, code="double-equals")
        if text.startswith("==", p):
            self.fail("'==' is not an operator", p, code="double-equals")
        if found is None or found in "})]&|,":
            self.expected("value")
        if found == '"':
            self.fail("unterminated quoted value", p, code="unterminated-quote")
        bad = _BAD_VALUE.match(text, p)
        self.fail(f"invalid value {bad.group(0) if bad else found!r}", p, code="value")

    # ------------------------------------------------------------------ space-delimited

    def space(self) -> tuple[ast.Entry, ...]:
        tok = self.tok
        if not tok.literal("["):
            self.expected("'['")
        entries = [self.entry()]
        while tok.literal(","):
            entries.append(self.entry())
        if not tok.literal("]"):
            if entries[-1] is None and self.tok.peek() not in (",", "]"):
                self.expected("a field name, '...', ',' or ']'")
            self.expected("',' or ']'")
        if not tok.at_end():
            self.expected("end of pattern after ']'")
        if entries == [None]:
            return ()
        return tuple(e if e is not None else ast.Field(None, None) for e in entries)

    def entry(self) -> ast.Entry | None:
        tok = self.tok
        start = tok.skip()
        if tok.literal("..."):
            return ast.Ellipsis_(span=(start, tok.end))
        name = tok.take(tk.FIELD_NAME)
        if name is None:
            return None
        name_end = tok.end
        op = tok.take(tk.OPERATOR)
        if op is None:
            return ast.Field(name.group(0), None, span=(start, name_end))
        self.entry_name = name.group(0)
        condition, end = self.field_or(self.field_comparison(name, op))
        return ast.Field(name.group(0), condition, span=(start, end))

    def field_or(
        self, first: ast.FieldComparison
    ) -> tuple[ast.And | ast.Or | ast.FieldComparison, int]:
        """The condition of one entry, and its end (:meth:`_level_end`)."""
        tok = self.tok
        start = first.span[0]
        head, end = self.field_and(first)
        if not tok.literal("||"):
            return head, self._level_end()
        items: list[ast.Expr] = [head]
        while True:
            item, end = self.field_and(self.field_condition())
            items.append(item)
            if not tok.literal("||"):
                return ast.Or(tuple(items), span=(start, end)), end

    def field_and(self, first: ast.FieldComparison) -> tuple[ast.And | ast.FieldComparison, int]:
        tok = self.tok
        if not tok.literal("&&"):
            return first, self._level_end()
        items: list[ast.Expr] = [first]
        while True:
            items.append(self.field_condition())
            if not tok.literal("&&"):
                return ast.And(tuple(items), span=(first.span[0], tok.end)), tok.end

    def field_condition(self) -> ast.FieldComparison:
        tok = self.tok
        name = tok.take(tk.FIELD_NAME)
        if name is None:
            self.expected("a field name")
        op = tok.take(tk.OPERATOR)
        if op is None:
            self.expected(f"a comparison operator after {name.group(0)!r}")
        return self.field_comparison(name, op)

    def field_comparison(self, name: re.Match[str], op: re.Match[str]) -> ast.FieldComparison:
        value = self.value(tk.SPACE_WORD)
        node = ast.FieldComparison(
            name.group(0),
            cast(ast.CompareOp, op.group(0)),
            value,
            span=(name.start(), self.tok.end),
        )
        self.note_relational(node)
        if self.misnamed is None and node.name.lower() != self.entry_name.lower():
            self.misnamed = (self.entry_name, node)
        return node

    # ------------------------------------------------------------------ terms

    def terms(self) -> tuple[ast.Term, ...]:
        tok = self.tok
        out: list[ast.Term] = []
        while not tok.at_end() or not out:
            start = tok.position
            if start >= len(self.text):
                self.no_term("")
            op = ""
            if self.text[start] in "?-":
                op = self.text[start]
                tok.advance(start + 1)
            m = tok.take(tk.QUOTED)
            if m is not None:
                out.append(
                    ast.Term(
                        _decode_quoted(m.group(0)),
                        quoted=True,
                        op=cast(ast.TermOp, op),
                        span=(start, tok.end),
                    )
                )
                continue
            m = tok.take(tk.TERM_WORD)
            if m is None:
                self.no_term(op)
            out.append(ast.Term(m.group(0), op=cast(ast.TermOp, op), span=(start, tok.end)))
        return tuple(out)

    def no_term(self, op: str) -> NoReturn:
        text = self.text
        p = self.tok.skip()
        if p >= len(text):
            self.fail(f"unexpected end of pattern: expected a term after {op!r}", p)
        found = text[p]
        if found == '"':
            self.fail("unterminated quoted phrase", p, code="unterminated-quote")
        if found == "%":
            self.fail(
                "a %regex% must be the whole pattern; it cannot be mixed with terms",
                p,
                code="regex-in-terms",
            )
        token = p
        while token > 0 and not text[token - 1].isspace():
            token -= 1
        word = _WORD.match(text, token)
        shown = (word.group(0) if word else found).lstrip("?-")
        self.fail(
            f"invalid character {found!r} in a term: unquoted terms may contain only "
            "letters, digits and '_'",
            p,
            hint=f'put the term in double quotes: "{shown}"' if shown else None,
            code="term-character",
        )


# ----------------------------------------------------------------------------- structural checks


def _check_structure(parser: _Parser) -> None:
    """Rules that are not context-free: quotas, regex syntax, operator/value fit, one field
    per space-delimited entry; checked in this order, each on the first offender in the
    text, after the parse succeeded (a syntax error anywhere comes first)."""
    text = parser.text
    for r in parser.regexes:
        check_regex(r.source, text, r.span[0] + 1)
    if len(parser.regexes) > MAX_REGEXES:
        raise PatternError(
            f"a pattern may contain at most {MAX_REGEXES} regular expressions; this is number "
            f"{MAX_REGEXES + 1}",
            text,
            parser.regexes[MAX_REGEXES].span[0],
            code="regex-quota",
        )
    for sel in parser.wild:
        if sel.wildcards > aws.MAX_WILDCARDS_PER_SELECTOR:
            second = [s for s in sel.steps if isinstance(s, ast.AnyIndex | ast.AnyKey)][1]
            raise PatternError(
                "a selector may contain at most one wildcard ('[*]' or '.*')",
                text,
                second.span[0],
                code="selector-wildcards",
            )
    if len(parser.wild) > MAX_WILDCARD_SELECTORS:
        raise PatternError(
            f"a pattern may contain at most {MAX_WILDCARD_SELECTORS} wildcard selectors",
            text,
            parser.wild[MAX_WILDCARD_SELECTORS].span[0],
            code="wildcard-quota",
        )
    n = parser.relational
    if n is not None:
        raise PatternError(
            f"'{n.op}' compares numbers; {_describe(n.value)} is not a number",
            text,
            n.value.span[0],
            code="relational-value",
        )
    if parser.misnamed is not None:
        entry, m = parser.misnamed
        raise PatternError(
            f"conditions in one field must all test that field ({entry!r}), not {m.name!r}",
            text,
            m.span[0],
            code="field-name",
        )


def _describe(value: ast.Value) -> str:
    if isinstance(value, ast.Regex):
        return "a regular expression"
    if isinstance(value, ast.String):
        return f"the string {value.text!r}"
    return value.text
