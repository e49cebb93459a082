"""The production stand-in for generated source (issue 15): a JSON pattern nested too deeply
for Python's parser is matched by composed closures (``compiler.composed``), not by the
reference interpreter, which production code never imports.  The closures are held equal to
the reference here."""

from __future__ import annotations

import ast as pyast
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import strategies
from engine.pattern import ast, reference
from engine.pattern.compiler import compile_json, composed

ENGINE = Path(__file__).resolve().parents[2] / "engine"
# Test helpers that may use the oracle (they ship for users' own tests).
ORACLE_USERS = {"engine/testing.py", "engine/strategies.py", "engine/pattern/reference.py"}


@st.composite
def _pattern_and_record(draw: st.DrawFn) -> tuple[ast.JsonPattern, Any]:
    tree = draw(strategies.json_asts())
    import engine

    record = draw(strategies.events_for(engine.compile(engine.format(tree))))
    return tree, record


@settings(max_examples=300, deadline=None)
@given(_pattern_and_record())
def test_composed_closures_equal_the_reference(case: tuple[ast.JsonPattern, Any]) -> None:
    tree, record = case
    assert composed(tree.expr)(record) == reference._json(tree.expr, record)


def _deep(depth: int) -> ast.Expr:
    a = ast.Comparison(ast.Selector((ast.Key("a"),)), "=", ast.Number("1", 1))
    b = ast.IsCheck(ast.Selector((ast.Key("b"),)), "NOT EXISTS")
    c = ast.Comparison(ast.Selector((ast.Key("c"), ast.AnyIndex())), "!=", ast.String("x*"))
    expr: ast.Expr = a
    for level in range(depth):
        expr = ast.And((expr, b)) if level % 2 else ast.Or((expr, c))
    return expr


def test_too_deep_for_generated_source_is_composed() -> None:
    expr = _deep(220)
    made = compile_json(expr)
    assert made.source is None  # Python's parser refused the generated source
    records: list[dict[str, Any]] = [
        {},
        {"a": 1},
        {"a": 1, "b": 2},
        {"a": 2, "c": ["x1"]},
        {"a": 2, "c": ["y"]},
        {"c": "y"},
    ]
    for record in records:
        assert made.match(record) == reference._json(expr, record), record


def _imports_reference(path: Path) -> bool:
    for node in pyast.walk(pyast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, pyast.Import):
            if any(a.name == "engine.pattern.reference" for a in node.names):
                return True
        elif isinstance(node, pyast.ImportFrom):
            module = node.module or ""
            if module == "engine.pattern.reference" or (
                module == "engine.pattern" and any(a.name == "reference" for a in node.names)
            ):
                return True
    return False


def test_no_production_module_imports_the_reference() -> None:
    users = {
        str(path.relative_to(ENGINE.parent))
        for path in ENGINE.rglob("*.py")
        if _imports_reference(path)
    }
    assert users <= ORACLE_USERS, sorted(users - ORACLE_USERS)
