"""One generic driver for the conformance vectors (jmespath-style compliance tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.pattern import reference

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = [
    json.loads(line) for line in (HERE / "cases.jsonl").read_text().splitlines() if line.strip()
]
# Vectors we believe are wrong stay failing and are listed here with the evidence.
XFAIL: dict[str, str] = {}


def _params() -> list[Any]:
    out = []
    for case in CASES:
        marks = (
            [pytest.mark.xfail(reason=XFAIL[case["id"]], strict=True)]
            if case["id"] in XFAIL
            else []
        )
        out.append(pytest.param(case, id=case["id"], marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_vector(case: dict[str, Any]) -> None:
    pattern = case["pattern"]
    if case.get("valid") is False:
        with pytest.raises(engine.PatternError) as info:
            engine.compile(pattern)
        assert 0 <= info.value.position <= len(pattern)
        return
    compiled = engine.compile(pattern)
    event = case["event"]
    context = (
        f"\n  id:      {case['id']}\n  pattern: {pattern}\n  event:   {event}\n"
        f"  ast:     {compiled.ast}\n  source:  {case['source']}\n  note:    {case['note']}"
    )
    assert compiled.matches(event) is case["match"], "compiled matcher" + context
    assert reference.evaluate(compiled.ast, event) is case["match"], "reference" + context
    record = _json_object(event)
    if record is not None:
        assert compiled.matches_record(record) is case["match"], "matches_record" + context


def _json_object(event: str) -> dict[str, Any] | None:
    try:
        value = json.loads(event)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def test_every_kind_is_covered() -> None:
    kinds = {engine.compile(c["pattern"]).kind for c in CASES if c.get("valid") is not False}
    assert kinds == {"all", "terms", "regex", "json", "space"}


IDENTITY = [
    line
    for line in (HERE / "identity.txt").read_text().splitlines()
    if line and not line.startswith("#")
]


@pytest.mark.parametrize("text", IDENTITY)
def test_identity(text: str) -> None:
    assert engine.format(engine.parse(text)) == text
