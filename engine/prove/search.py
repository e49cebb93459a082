"""Search for a separating event where no proof is available (``proved: false``).

Candidates come from the patterns themselves (:mod:`engine.prove._pools`): each
literal, its near misses, wildcard edges, numbers at and around thresholds,
missing / null / wrongly typed fields, field counts around a space-delimited
pattern's.  A deterministic pass (every single-field event, then seeded random
combinations) runs first; outside a running hypothesis test, hypothesis itself
then searches with :func:`engine.strategies.events_for` and shrinks.  Finding
nothing proves nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import engine
from engine.pattern import ast
from engine.prove._pools import (
    build_record,
    dumps,
    json_plan,
    message_tokens,
    render_field,
    space_shapes,
)
from engine.prove.counterexample import Event, shrink

Want = Callable[[tuple[bool, ...]], bool]

DEFAULT_EXAMPLES = 1500


def record_domain(patterns: Sequence[engine.CompiledPattern]) -> bool:
    """Events are decoded records when every pattern is a JSON pattern."""
    return all(p.kind == "json" for p in patterns)


def evaluate(patterns: Sequence[engine.CompiledPattern], event: Event) -> tuple[bool, ...]:
    if isinstance(event, dict):
        return tuple(p.matches_record(event) for p in patterns)
    return tuple(p.matches(event) for p in patterns)


def literals_of(patterns: Sequence[engine.CompiledPattern]) -> list[str]:
    out: list[str] = []
    for p in patterns:
        for node in ast.walk(p.ast):
            if isinstance(node, ast.Term) or (
                isinstance(node, ast.String) and "*" not in node.text
            ):
                out.append(node.text)
    return list(dict.fromkeys(out))


def literals_by_key(patterns: Sequence[engine.CompiledPattern]) -> dict[str, list[str]]:
    """For each key name, the string literals compared with a field of that name
    (wildcards filled with nothing)."""
    out: dict[str, list[str]] = {}
    for p in patterns:
        for node in ast.walk(p.ast):
            if (
                isinstance(node, ast.Comparison)
                and isinstance(node.value, ast.String)
                and isinstance(node.selector.steps[-1], ast.Key)
            ):
                texts = out.setdefault(node.selector.steps[-1].name, [])
                text = node.value.text.replace("*", "")
                if text and text not in texts:
                    texts.append(text)
    return out


def find_event(
    patterns: Sequence[engine.CompiledPattern],
    want: Want,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
) -> Event | None:
    """A small event whose match results satisfy ``want``, or None if none was found."""
    records = record_domain(patterns)

    def keeps(event: Any) -> bool:
        return bool(want(evaluate(patterns, event)))

    found: Event | None = None
    for candidate in candidates(patterns, records, examples, seed):
        if keeps(candidate):
            found = candidate
            break
    if found is None:
        found = _hypothesis_find(patterns, records, keeps)
    if found is None:
        return None
    return shrink(found, keeps, literals_of(patterns), literals_by_key(patterns))


def candidates(
    patterns: Sequence[engine.CompiledPattern], records: bool, examples: int, seed: int
) -> Iterator[Event]:
    rng = random.Random(seed)
    asts = [p.ast for p in patterns]
    plan = json_plan(asts)
    if records:
        yield {}
        for path in plan.paths:
            for value in plan.pools[path]:
                yield build_record([(path, value)])
        for _ in range(examples):
            yield build_record(_random_assignment(plan, rng))
        return
    tokens = message_tokens(asts)
    spaces = [a for a in asts if isinstance(a, ast.SpacePattern)]
    yield ""
    yield from tokens
    if plan.paths:
        yield "{}"
        for path in plan.paths:
            for value in plan.pools[path]:
                yield dumps(build_record([(path, value)]))
    for i in range(examples):
        choice = i % 3
        if choice == 0 and plan.paths:
            yield dumps(build_record(_random_assignment(plan, rng)))
        elif choice == 1 and spaces:
            yield _random_space_message(rng.choice(spaces), tokens, rng)
        else:
            k = rng.randint(1, 4)
            sep = rng.choice([" ", " ", "", ": "])
            yield sep.join(rng.choice(tokens) for _ in range(k))


def _random_assignment(plan: Any, rng: random.Random) -> list[tuple[Any, object]]:
    out: list[tuple[Any, object]] = []
    for path in plan.paths:
        if rng.random() < 0.3:
            continue
        pool = plan.pools[path] if rng.random() < 0.85 or not plan.shared else plan.shared
        out.append((path, rng.choice(pool)))
    return out


def _random_space_message(pattern: ast.SpacePattern, tokens: list[str], rng: random.Random) -> str:
    fields = space_shapes(pattern)[0]
    words = [rng.choice(pool) if rng.random() < 0.85 else rng.choice(tokens) for pool in fields]
    delta = rng.choice([-2, -1, 0, 0, 0, 1, 2, 4])
    if delta < 0:
        words = words[: max(0, len(words) + delta)]
    else:
        words += [rng.choice(tokens) or "x" for _ in range(delta)]
    return " ".join(render_field(w) for w in words)


def _hypothesis_find(
    patterns: Sequence[engine.CompiledPattern], records: bool, keeps: Callable[[Any], bool]
) -> Event | None:
    try:
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st
        from hypothesis.control import currently_in_test_context
        from hypothesis.errors import NoSuchExample
    except ImportError:  # pragma: no cover - hypothesis is a dependency
        return None
    if currently_in_test_context():
        return None  # nested hypothesis runs are refused; the seeded pass already ran
    from engine.strategies import events_for

    strategies = []
    for p in patterns:
        s = events_for(p)
        if not records and p.kind == "json":
            s = s.map(lambda e: dumps(e) if isinstance(e, dict) else e)
        strategies.append(s)
    try:
        result = find(
            st.one_of(*strategies),
            keeps,
            settings=settings(
                database=None,
                max_examples=400,
                derandomize=True,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    except NoSuchExample:
        return None
    return result if isinstance(result, dict | str) else None
