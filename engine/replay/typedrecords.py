"""The replay's typed records as the pattern code generator reads them: a
:class:`~engine.pattern.compiler.RecordAccess` over the records ``engine.replay.fastpath``
decodes with msgspec, which hold only the top-level keys the patterns read, one attribute
each (``missing`` where absent), and for some keys an object of the sub-keys read.

The layout is the replay's: the pattern compiler knows only the accessor interface.  The
generated source for this accessor is pinned by ``tests/pattern/test_golden_codegen.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.pattern import ast
from engine.pattern.compiler import Codegen, JsonMatcher, RecordAccess, compile_json


class TypedRecords(RecordAccess):
    """Records whose attribute ``fields[key]`` holds the top-level value ``key`` (``missing``
    where absent).  ``nested[key] = (cls, subs)``: that value is instead an instance of
    ``cls`` whose attributes ``subs[sub_key]`` hold the sub-keys read (or any other value
    when it is not an object: then every sub-key is missing); every selector starting at
    ``key`` goes on with a key step."""

    typed = True

    def __init__(
        self,
        fields: Mapping[str, str],
        missing: object,
        nested: Mapping[str, tuple[type, Mapping[str, str]]] | None = None,
    ) -> None:
        self.fields = fields
        self.missing = missing
        self.nested = nested or {}

    def accepts(self, expr: ast.Expr) -> bool:
        """A wildcard selector needs the whole record, and every selector starts with a key."""
        return not any(
            isinstance(node, ast.Selector)
            and (node.wildcards or not isinstance(node.steps[0], ast.Key))
            for node in ast.walk(expr)
        )

    def _attribute(self, selector: ast.Selector) -> str:
        first = selector.steps[0]
        assert isinstance(first, ast.Key)  # accepts() said so
        return self.fields[first.name]  # an identifier the replay chose, never pattern text

    def root(self, gen: Codegen, selector: ast.Selector) -> str | None:
        attribute = self._attribute(selector)
        return "r." + attribute if len(selector.steps) == 1 else None

    def enter(self, gen: Codegen, selector: ast.Selector) -> tuple[list[str], tuple[ast.Step, ...]]:
        lines = [f"    v = v.{self._attribute(selector)}"]
        first, *rest = selector.steps
        steps = tuple(rest)
        assert isinstance(first, ast.Key)
        if first.name in self.nested:
            cls, subs = self.nested[first.name]
            second = steps[0]
            assert isinstance(second, ast.Key)  # the layout nests only such keys
            lines.append(f"    if v.__class__ is not {gen.bind('cls', cls)}: return M")
            lines.append(f"    v = v.{subs[second.name]}")  # an identifier the replay chose
            steps = steps[1:]
        return lines, steps


def compile_json_fields(
    expr: ast.Expr,
    fields: Mapping[str, str],
    missing: object,
    nested: Mapping[str, tuple[type, Mapping[str, str]]] | None = None,
) -> JsonMatcher | None:
    """The matchers of a JSON condition over typed records (:class:`TypedRecords`), or None
    when the pattern reads something they do not hold (a wildcard selector)."""
    access = TypedRecords(fields, missing, nested)
    return compile_json(expr, access) if access.accepts(expr) else None
