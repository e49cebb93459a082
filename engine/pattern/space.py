"""Space-delimited patterns: which event field each pattern entry takes, in polynomial time.

A pattern ``[a, ..., b=x, ..., c]`` aligns its entries with the event's fields
(engine.pattern.events splits them): a named or unnamed field takes exactly one field, an
ellipsis ``...`` any number (zero included), and with an ellipsis every field of the event
is taken.  Of the alignments whose conditions hold, the *first* one counts (for
``extractedValues``): each ellipsis, left to right, takes as few fields as it can.

Trying every split backtracks in fields^k for k ellipses (``[..., ..., ..., q=x]`` over a
3 KB event ran for minutes).  :func:`first_alignment` decides it by dynamic programming over
(entry, field) instead: O(entries x fields) steps, each condition tested at most once per
field, and the greedy walk over the table gives the same first alignment as the search.
The reference interpreter (engine.pattern.reference) keeps the search; the property tests
hold the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from engine.pattern import ast
from engine.pattern.events import split_fields

FieldTest = Callable[[str], bool]


class _Ellipsis:
    __slots__ = ()

    def __repr__(self) -> str:
        return "ELLIPSIS"


#: The entry ``...`` in a :func:`first_alignment` specification.
ELLIPSIS: Final = _Ellipsis()
#: One entry: ELLIPSIS, a field with a condition (its test), or a field without (None).
EntrySpec = FieldTest | _Ellipsis | None


def first_alignment(spec: Sequence[EntrySpec], values: Sequence[str]) -> list[int] | None:
    """The field index each non-ellipsis entry takes in the first alignment that covers all
    of ``values`` with every condition holding, or None when there is none."""
    n_entries, n_values = len(spec), len(values)
    # reach[e][f]: entries e.. can take exactly values f.. (computed from the last entry).
    reach: list[bytearray] = [bytearray(n_values + 1) for _ in range(n_entries + 1)]
    reach[n_entries][n_values] = 1
    for e in range(n_entries - 1, -1, -1):
        entry, after, here = spec[e], reach[e + 1], reach[e]
        if isinstance(entry, _Ellipsis):
            # Any f up to the last position the rest can start from.
            last = after.rfind(1)
            if last >= 0:
                here[: last + 1] = b"\x01" * (last + 1)
        elif entry is None:
            here[:n_values] = after[1:]
        else:
            f = after.find(1, 1)
            while f >= 0:
                if entry(values[f - 1]):
                    here[f - 1] = 1
                f = after.find(1, f + 1)
    if not reach[0][0]:
        return None
    out: list[int] = []
    f = 0
    for e, entry in enumerate(spec):
        if isinstance(entry, _Ellipsis):
            f = reach[e + 1].find(1, f)  # as few fields as possible
        else:
            out.append(f)
            f += 1
    return out


def extract(node: ast.SpacePattern, spec: Sequence[EntrySpec], message: str) -> dict[str, str]:
    """TestMetricFilter's ``extractedValues`` when ``message`` matches (else ``{}``): each
    field entry's value under ``$name``, or ``$N`` (its 1-based field position) when unnamed;
    the fields an ellipsis takes under ``$N``.

    ``spec`` is the pattern's entries as :func:`first_alignment` takes them.  Without an
    ellipsis the last field takes the rest of the line (docs/semantics.md A2)."""
    fields = split_fields(message)
    entries = node.entries
    if not entries:
        return {f"${i + 1}": v for i, (v, _, _) in enumerate(fields)}
    if not any(isinstance(s, _Ellipsis) for s in spec):
        if len(fields) < len(entries):
            return {}
        values = [v for v, _, _ in fields[: len(entries)]]
        if len(fields) > len(entries):
            values[-1] = message[fields[len(entries) - 1][1] :].rstrip(" ")
        for test, v in zip(spec, values, strict=True):
            if callable(test) and not test(v):
                return {}
        positions: list[int] | None = list(range(len(entries)))
        values = values[: len(entries)]
    else:
        values = [v for v, _, _ in fields]
        positions = first_alignment(spec, values)
        if positions is None:
            return {}
    assert positions is not None
    # Fields an ellipsis takes are reported too, by position.
    names: dict[int, str | None] = {}
    for entry, i in zip((e for e in entries if isinstance(e, ast.Field)), positions, strict=True):
        names[i] = entry.name
    out: dict[str, str] = {}
    for i, value in enumerate(values):
        name = names.get(i)
        out[f"${name}" if name is not None else f"${i + 1}"] = value
    return out
