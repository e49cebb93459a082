"""Proof of each conversion: the pattern and an independent Sigma evaluator agree.

For every rule converted ``exact`` or ``case-sensitive`` (the shared SigmaHQ corpus, when it is
beside the repository, and this folder's own fixtures), hypothesis builds CloudTrail events from
the rule's own values, near misses, case variants, missing and null fields (tests/sigma/events.py)
and checks, through the project's matcher on the event's CloudWatch message:

* ``case-sensitive``: pattern == Sigma with every string compared as written;
* ``exact``: that, and pattern == Sigma as Sigma reads it (case-insensitive).

Rules are converted with ``split=True`` so a too-long rule is proved through its pieces' union.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine
from engine.pattern.events import compact
from engine.sigma import convert_rule, load_rule
from tests.sigma.evaluator import evaluate
from tests.sigma.events import events

HERE = Path(__file__).parent
CORPUS = HERE.parents[1].parent / "shared" / "sigma" / "rules"

FIXTURE_FILES = sorted(HERE.glob("rules/*.yml"))
CORPUS_FILES = sorted(CORPUS.glob("*.yml")) if CORPUS.is_dir() else []


def _converted(files: list[Path]) -> list[Any]:
    out = []
    for path in files:
        conv = convert_rule(load_rule(str(path)), split=True)
        if conv.exactness != "unsupported":
            out.append(pytest.param(path, id=path.name))
    return out


def check(path: Path, data: st.DataObject | None) -> None:
    rule = load_rule(str(path))
    conv = convert_rule(rule, split=True)
    compiled = [engine.compile(p) for p in conv.patterns]
    event: dict[str, Any] = {} if data is None else data.draw(events(rule), label="event")
    message = compact(event)
    got = any(p.matches(message) for p in compiled)
    assert got == evaluate(rule, event, cased=True), (conv.patterns, message)
    if conv.exactness == "exact":
        assert got == evaluate(rule, event, cased=False), (conv.patterns, message)


# The fixtures exercise every construct: 100 events each.  The 43 corpus rules share a few
# shapes (equalities, value lists, null, one regex, negations): 40 events each keep this file
# near a minute of CPU.
@pytest.mark.parametrize("path", _converted(FIXTURE_FILES))
@given(data=st.data())
@example(data=None)
@settings(max_examples=100)
def test_fixture_pattern_agrees_with_sigma(path: Path, data: st.DataObject | None) -> None:
    check(path, data)


@pytest.mark.parametrize("path", _converted(CORPUS_FILES))
@given(data=st.data())
@example(data=None)
@settings(max_examples=40)
def test_corpus_pattern_agrees_with_sigma(path: Path, data: st.DataObject | None) -> None:
    check(path, data)


def test_the_generator_reaches_both_answers() -> None:
    """A property that only ever saw non-matches would prove nothing: for a plain rule, the
    generated events include matches and non-matches."""
    from hypothesis import find, settings

    for name in ("exact_values.yml", "not_null.yml", "keywords.yml"):
        rule = load_rule(str(HERE / "rules" / name))
        enough = settings(max_examples=500, database=None, derandomize=True)
        find(events(rule), lambda e, r=rule: evaluate(r, e, cased=True), settings=enough)
        find(events(rule), lambda e, r=rule: not evaluate(r, e, cased=True), settings=enough)
