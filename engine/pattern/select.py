"""Resolving a JSON selector against a decoded event (docs/semantics.md, "Selectors").

A key steps into an object only, ``[n]`` into an array only; ``[*]`` and
``.*`` fan out.  A step that does not apply selects nothing: a missing key, an
index out of range, a key on an array (no implicit flattening), an index on an
object.  ``select`` returns every value selected, in document order; an empty
list means the selector found nothing (``NOT EXISTS`` is true).
"""

from __future__ import annotations

from typing import Any, assert_never

from engine.pattern import ast


def select(record: Any, selector: ast.Selector | str) -> list[Any]:
    if isinstance(selector, str):
        selector = parse_selector(selector)
    current: list[Any] = [record]
    for step in selector.steps:
        nxt: list[Any] = []
        for value in current:
            match step:
                case ast.Key():
                    if type(value) is dict and step.name in value:
                        nxt.append(value[step.name])
                case ast.Index():
                    if type(value) is list and step.index < len(value):
                        nxt.append(value[step.index])
                case ast.AnyIndex():
                    if type(value) is list:
                        nxt.extend(value)
                case ast.AnyKey():
                    if type(value) is dict:
                        nxt.extend(value.values())
                case _:
                    assert_never(step)
        current = nxt
        if not current:
            break
    return current


def parse_selector(text: str) -> ast.Selector:
    """``"$.a.b[0]"`` → Selector (raises PatternError)."""
    from engine.pattern.grammar import parse

    node = parse("{ " + text + " NOT EXISTS }")
    assert isinstance(node, ast.JsonPattern) and isinstance(node.expr, ast.IsCheck)
    return node.expr.selector
