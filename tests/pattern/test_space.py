"""Space-delimited alignment (engine.pattern.space): polynomial, and equal to the search.

The oracle is the reference interpreter's backtracking search (``reference.align``), which
tries every split of the fields among the ellipses; the alignment table must find the same
first alignment, so ``matches`` and ``extract`` agree with it on every generated case.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine
from engine.pattern import reference, space

ENTRIES = ["...", "a", "b=x*", "c!=y", "d=1", "e>1", "f=x || f=y*"]
WORDS = ["x", "xa", "y", "1", "2", '"q r"', "[z]", "x1"]


@st.composite
def space_patterns(draw: st.DrawFn) -> str:
    entries = draw(st.lists(st.sampled_from(ENTRIES), min_size=0, max_size=6))
    entries += ["..."] * draw(st.integers(0, 3))
    entries = draw(st.permutations(entries))
    named = []
    for i, e in enumerate(entries):
        # Field names must be unique; conditions name their own field.
        named.append(e if e == "..." else e.replace(e[0], e[0] + str(i)))
    return "[" + ", ".join(named) + "]"


messages = st.lists(st.sampled_from(WORDS), max_size=9).map(" ".join)


@given(space_patterns(), messages)
def test_alignment_equals_the_search(pattern: str, message: str) -> None:
    compiled = engine.compile(pattern)
    node = engine.parse(pattern)
    assert compiled.matches(message) == (reference.align(node, message) is not None)
    assert compiled.extract(message) == reference.extract(node, message)


def test_several_ellipses_are_polynomial() -> None:
    # [..., ..., ..., q=nomatch] over a 3 KB event: the search tried fields^3 splits (over
    # 60 s); the table tests q's condition once per field at most.
    calls = []

    def q(value: str) -> bool:
        calls.append(value)
        return value == "nomatch"

    values = [f"w{i}" for i in range(700)]
    spec = (space.ELLIPSIS, space.ELLIPSIS, space.ELLIPSIS, q)
    assert space.first_alignment(spec, values) is None
    assert len(calls) <= len(values)
    message = " ".join(values)
    assert len(message) > 3000
    assert not engine.compile("[..., ..., ..., q=nomatch]").matches(message)
    assert engine.compile("[..., ..., ..., q=w699]").matches(message)


def test_first_alignment_takes_fewest_fields_first() -> None:
    spec = (space.ELLIPSIS, lambda v: v == "k", space.ELLIPSIS, None)
    assert space.first_alignment(spec, ["a", "k", "k", "b"]) == [1, 3]
    assert space.first_alignment(spec, ["k"]) is None
    assert space.first_alignment((), []) == []
    assert space.first_alignment((), ["a"]) is None
    assert space.first_alignment((space.ELLIPSIS,), []) == []


def test_extract_names_fields_by_position() -> None:
    p = engine.compile("[..., user, ..., ]")
    assert p.extract("a b c 3") == {"$user": "a", "$2": "b", "$3": "c", "$4": "3"}
    assert list(p.extract("a b c 3")) == ["$user", "$2", "$3", "$4"]


def test_many_patterns_split_an_event_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16 (many patterns): every space-delimited pattern of a run reads the same record's
    fields; the event is split once, not once per pattern (1,000 patterns spent two thirds of
    a scan re-splitting), and the answers are unchanged."""
    from engine.pattern import events

    splits: list[str] = []
    real = events._FIELD

    class Counting:
        def findall(self, message: str) -> list[tuple[str, str, str]]:
            splits.append(message)
            return real.findall(message)

    monkeypatch.setattr(events, "_FIELD", Counting())
    patterns = [engine.compile(p) for p in ("[a, ..., c=z]", "[..., b=y, ...]", "[a=x, ...]")]
    message = "x y z"
    assert [p.matches(message) for p in patterns] == [True, True, True]
    assert splits == [message]
    other = "x q z"
    assert [p.matches(other) for p in patterns] == [True, False, True]
    assert splits == [message, other]
