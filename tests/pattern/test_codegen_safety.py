"""Pattern text is untrusted: hostile literals must never execute as code."""

from __future__ import annotations

import builtins

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.pattern import reference
from engine.pattern.compiler import compile_json
from engine.pattern.printer import quote

HOSTILE = [
    '__import__("os").system("touch /tmp/pwned")',
    "'); import os; os._exit(3) #",
    '"""; raise SystemExit #',
    "\\",
    "\\\\'\"\n\r\t",
    "{r}",
    "${x}",
    "\x00",
    "lambda: 1",
    "M",
    "r",
    "k0",
]


@pytest.mark.parametrize("literal", HOSTILE)
def test_hostile_literals_are_data(literal: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("pattern text reached __import__")

    text = (
        "{ $.['"
        + literal.replace("\\", "\\\\").replace("'", "\\'")
        + "'] = "
        + quote(literal)
        + " }"
    )
    if "\x00" in literal or "\n" in literal or "\r" in literal or "\t" in literal:
        pytest.skip("control characters are not valid in a selector")
    compiled = engine.compile(text)
    monkeypatch.setattr(builtins, "__import__", forbidden)
    assert compiled.matches_record({literal: literal}) is True
    assert compiled.matches_record({literal: literal + "x"}) is False


@given(st.text(max_size=40))
def test_arbitrary_string_literals_are_bound_not_spliced(literal: str) -> None:
    compiled = engine.compile("{ $.k = " + quote(literal) + " }") if len(literal) < 900 else None
    if compiled is None:
        return
    made = compile_json(compiled.ast.expr)  # type: ignore[union-attr]
    fn = made.match
    assert made.source is not None
    source: str = made.source
    # Only identifiers the compiler writes: no quote characters at all.
    assert '"' not in source and "'" not in source
    record = {"k": literal.replace("*", "")}
    assert fn(record) is reference.evaluate_record(compiled.ast, record)
