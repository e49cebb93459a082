"""The code generator reads records through an explicit accessor (issue 15): the plain dict
accessor, the replay's typed records (``engine.replay.typedrecords``), or any other
:class:`~engine.pattern.compiler.RecordAccess`; the compiler itself knows no record layout."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import strategies
from engine.pattern import ast, reference
from engine.pattern.compiler import Codegen, RecordAccess, compile_json

COMPILER = Path(__file__).resolve().parents[2] / "engine" / "pattern" / "compiler.py"


class _Namespaces(RecordAccess):
    """Records as namespaces holding every top-level key as an attribute named
    ``a_<hex of the key>``; a missing attribute reads as :attr:`missing`."""

    typed = True
    missing = object()

    def accepts(self, expr: ast.Expr) -> bool:
        return not any(
            isinstance(n, ast.Selector) and (n.wildcards or not isinstance(n.steps[0], ast.Key))
            for n in ast.walk(expr)
        )

    def root(self, gen: Codegen, selector: ast.Selector) -> str | None:
        first = selector.steps[0]
        assert isinstance(first, ast.Key)
        attribute = "a_" + first.name.encode().hex()
        return f"getattr(r, {gen.bind('k', attribute)}, M)" if len(selector.steps) == 1 else None

    def enter(self, gen: Codegen, selector: ast.Selector) -> tuple[list[str], tuple[ast.Step, ...]]:
        first = selector.steps[0]
        assert isinstance(first, ast.Key)
        attribute = "a_" + first.name.encode().hex()
        return [f"    v = getattr(v, {gen.bind('k', attribute)}, M)"], selector.steps[1:]


def _namespace(record: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**{"a_" + k.encode().hex(): v for k, v in record.items()})


@st.composite
def _cases(draw: st.DrawFn) -> tuple[ast.JsonPattern, Any]:
    tree = draw(strategies.json_asts(wildcards=False))
    record = draw(strategies.events_for(engine.compile(engine.format(tree))))
    return tree, record


@settings(max_examples=150, deadline=None)
@given(_cases())
def test_any_accessor_gives_the_reference_answer(case: tuple[ast.JsonPattern, Any]) -> None:
    tree, record = case
    access = _Namespaces()
    if not access.accepts(tree.expr):
        return
    made = compile_json(tree.expr, access)
    assert made.source is not None and made.indices is not None
    expected = reference._json(tree.expr, record)
    assert made.match(_namespace(record)) == expected
    assert made.indices([_namespace(record)]) == ([0] if expected else [])


def test_the_compiler_knows_no_record_layout() -> None:
    text = COMPILER.read_text(encoding="utf-8")
    code = re.sub(r'"""(?:.|\n)*?"""|#[^\n]*', "", text)
    for word in ("msgspec", "UNSET", "nested", "fields", "layout"):
        assert not re.search(rf"\b{word}\b", code), word
