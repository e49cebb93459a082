"""Golden tests: the Python source generated for JSON patterns, for both record accessors.

The code generator reads a record through an accessor: the plain dict one (``compile_json``)
or the replay's typed records, one attribute per top-level key
(``engine.replay.typedrecords.TypedRecords``).  These
files pin the generated source, so any change to it is seen in review.  To accept a
deliberate change: ``TRAILREPLAY_UPDATE_GOLDEN=1 pytest tests/pattern/test_golden_codegen.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import engine
from engine.pattern import ast
from engine.pattern.compiler import compile_json
from engine.replay.typedrecords import TypedRecords

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TRAILREPLAY_UPDATE_GOLDEN") == "1"

PATTERNS = {
    "organizations": "{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "
    '"AcceptHandshake") || ($.eventName = CreateAccount)) }',
    "root_usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
    '$.eventType != "AwsServiceEvent" }',
    "numbers_and_checks": "{ $.a > 5 && ($.b = 4* || $.c IS NULL || $.d IS TRUE) }",
    "regex_and_wildcard": "{ $.errorCode = %^AccessDenied% || $.sourceIPAddress = 10.* }",
}


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


def _sources(name: str) -> dict[str, str]:
    node = engine.parse(PATTERNS[name])
    assert isinstance(node, ast.JsonPattern)
    out = {"dict": compile_json(node.expr).source or ""}
    keys = sorted({n.steps[0].name for n in ast.walk(node) if isinstance(n, ast.Selector)})  # type: ignore[union-attr]
    fields = {k: f"f{i}" for i, k in enumerate(keys)}
    access = TypedRecords(fields, _Missing())
    assert access.accepts(node.expr)
    out["typed"] = compile_json(node.expr, access).source or ""
    return out


@pytest.mark.parametrize("name", sorted(PATTERNS))
@pytest.mark.parametrize("accessor", ["dict", "typed"])
def test_generated_source_is_pinned(name: str, accessor: str) -> None:
    source = _sources(name)[accessor]
    path = GOLDEN / f"{name}.{accessor}.py.txt"
    if UPDATE or not path.exists():
        path.write_text(source + "\n")
        if not UPDATE:
            pytest.fail(f"wrote the missing golden file {path.name}; review and commit it")
    assert source + "\n" == path.read_text()
