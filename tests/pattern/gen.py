"""Hypothesis strategies for ASTs and events used by the pattern property tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from engine.pattern import ast

KEYS = ["a", "b", "eventName", "x-y", "c.d", "k 1"]
WORDS = [
    "ERROR",
    "WARN",
    "Acc",
    "CreateAccount",
    "a",
    "ab",
    "4",
    "404",
    "1.5",
    "x*y",
    "Trail",
    "",
    " ",
    'q"t',
    "b\\s",
]
REGEXES = ["a", "^E", "N$", "[0-9]+", "x|y", "\\d{2}", "R.*R", "[^a]"]
NUMBERS = ["0", "1", "-5", "+7", "1.5", "1e3", "10e-3", "404", ".5", "2.", "9007199254740993"]

texts = st.sampled_from(WORDS) | st.text(alphabet="aEx*4. -", max_size=6)


def _number(text: str) -> ast.Number:
    from engine.pattern.aws import parse_number

    return ast.Number(text, parse_number(text))


numbers = st.sampled_from(NUMBERS).map(_number)
strings = texts.map(lambda t: ast.String(t, quoted=True))
regexes = st.sampled_from(REGEXES).map(ast.Regex)
values = st.one_of(strings, numbers, regexes)

steps = st.one_of(
    st.sampled_from(KEYS).map(ast.Key),
    st.integers(0, 2).map(ast.Index),
    st.just(ast.AnyIndex()),
    st.just(ast.AnyKey()),
)


@st.composite
def selectors(draw: st.DrawFn) -> ast.Selector:
    first = draw(st.sampled_from(KEYS).map(ast.Key))
    rest = draw(st.lists(steps, max_size=2))
    sel = ast.Selector((first, *rest))
    if sel.wildcards > 1:
        sel = ast.Selector(
            tuple(s for s in sel.steps if not isinstance(s, ast.AnyIndex | ast.AnyKey))
        )
    return sel


@st.composite
def comparisons(draw: st.DrawFn) -> ast.Comparison | ast.IsCheck:
    sel = draw(selectors())
    if draw(st.integers(0, 5)) == 0:
        return ast.IsCheck(sel, draw(st.sampled_from(["NULL", "TRUE", "FALSE", "NOT EXISTS"])))
    op = draw(st.sampled_from(ast.COMPARE_OPS))
    value = draw(numbers if op in ast.RELATIONAL_OPS else values)
    return ast.Comparison(sel, op, value)


def _bool(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda xs: ast.And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: ast.Or(tuple(xs))),
    )


json_exprs = st.recursive(comparisons(), _bool, max_leaves=6)


def _quota_ok(node: ast.Pattern) -> bool:
    nodes = ast.walk(node)
    regexes = sum(isinstance(n, ast.Regex) for n in nodes)
    wild = sum(isinstance(n, ast.Selector) and n.wildcards > 0 for n in nodes)
    return regexes <= 2 and wild <= 3


json_patterns = json_exprs.map(ast.JsonPattern).filter(_quota_ok)

terms = st.builds(
    lambda text, op: ast.Term(text, quoted=True, op=op),
    texts,
    st.sampled_from(["", "?", "-"]),
)
term_patterns = st.lists(terms, min_size=1, max_size=4).map(lambda ts: ast.TermPattern(tuple(ts)))
regex_patterns = regexes.map(ast.RegexPattern)

FIELD_NAMES = ["ip", "w1", "status", "bytes"]


@st.composite
def fields(draw: st.DrawFn) -> ast.Entry:
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return ast.Ellipsis_()
    if choice == 1:
        return ast.Field(None)
    name = draw(st.sampled_from(FIELD_NAMES))
    if choice == 2:
        return ast.Field(name)

    def cond() -> st.SearchStrategy[ast.FieldComparison]:
        return st.sampled_from(ast.COMPARE_OPS).flatmap(
            lambda op: (numbers if op in ast.RELATIONAL_OPS else values).map(
                lambda v: ast.FieldComparison(name, op, v)
            )
        )

    conj = st.lists(cond(), min_size=1, max_size=2).map(
        lambda xs: xs[0] if len(xs) == 1 else ast.And(tuple(xs))
    )
    disj = st.lists(conj, min_size=1, max_size=2).map(
        lambda xs: xs[0] if len(xs) == 1 else ast.Or(tuple(xs))
    )
    return ast.Field(name, draw(disj))


space_patterns = (
    st.lists(fields(), max_size=4)
    .filter(lambda es: not (len(es) == 1 and isinstance(es[0], ast.Field) and es[0].name is None))
    .map(lambda es: ast.SpacePattern(tuple(es)))
    .filter(_quota_ok)
)

patterns = st.one_of(
    st.just(ast.MatchAll()), term_patterns, regex_patterns, json_patterns, space_patterns
)

# ----------------------------------------------------------------------------- events

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, 1, -5, 7, 404, 1000, 1.5, 0.001, 9007199254740993]),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=8,
)
records = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5)

message_pieces = st.sampled_from(
    [
        *WORDS,
        " ",
        "  ",
        '"GET /a HTTP/1.0"',
        "[10/Oct/2000 -0700]",
        "127.0.0.1",
        "200",
        "1534",
        "E1R",
    ]
)
messages = st.lists(message_pieces, max_size=8).map(" ".join) | st.text(max_size=20)
