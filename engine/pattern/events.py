"""How a log event is seen by each pattern kind.

* JSON patterns: the message parsed as a JSON object (anything else, including
  JSON arrays, scalars and text-prefixed JSON, matches no JSON pattern: A8/A9).
* Space-delimited patterns: the message split into fields (A12): runs of
  spaces separate fields; a field that starts with ``"`` runs to the next
  ``"``, one that starts with ``[`` to the next ``]``, and those delimiters are
  not part of the value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import orjson


def load_json_object(message: str | bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is dict else None


def compact(record: Any) -> str:
    """The compact JSON text of a record: the message CloudWatch Logs would hold."""
    return orjson.dumps(record).decode()


# One field: a "quoted" or [bracketed] run (delimiters stripped; unbalanced: to the end of
# the line), or a run of non-spaces.  Matching resumes right after a closing delimiter, so
# text glued to it starts a new field.
_FIELD_TEXT = r'"([^"]*)(?:"|$)|\[([^\]]*)(?:\]|$)|([^ ]+)'
_FIELD = re.compile(_FIELD_TEXT)
#: ``field_at(message, pos)``: the field starting at ``pos`` (no blank before it), or None.
field_at = _FIELD.match


# The first ``n`` fields at once: the same alternatives as _FIELD, each in an atomic group so
# that, as in a field-by-field scan, a field once taken is never re-split to let later fields
# match; runs of spaces between them (possessive).
_ONE_FIELD = f"(?>{_FIELD_TEXT}) *+"


@lru_cache(maxsize=64)
def leading_fields(n: int) -> re.Pattern[str]:
    """A regex matching the leading blanks and first ``n`` fields of a space-delimited event
    (and the blanks after them); field ``i``'s value is group ``3i+1`` (quoted), ``3i+2``
    (bracketed) or ``3i+3`` (bare), whichever took part."""
    return re.compile("^ *+" + _ONE_FIELD * n)


def field_value(groups: tuple[str | None, ...], i: int) -> str:
    """Field ``i``'s value from the groups of a :func:`leading_fields` match."""
    quoted, bracketed, bare = groups[3 * i : 3 * i + 3]
    if quoted is not None:
        return quoted
    if bracketed is not None:
        return bracketed
    return bare or ""


_NUMBER_CHARS = re.compile(r"[0-9+\-.eE]*\Z")


def could_be_number_text(text: str) -> bool:
    """Could a JSON number's text (:func:`engine.pattern.aws.number_text`) equal ``text``?
    Only if it is made of digits, signs, dots and exponent letters."""
    return _NUMBER_CHARS.match(text) is not None


def split_fields(message: str) -> list[tuple[str, int, int]]:
    """Fields of a space-delimited event as ``(value, start, end)``.

    ``start``/``end`` are the raw extent in ``message`` (delimiters included),
    which lets the last field of a pattern absorb the rest of the line.  (The reference
    interpreter splits by hand, character by character; the property tests hold the two
    equal.)
    """
    return [
        (
            m.group(3) if m.group(3) is not None else m.group(1) or m.group(2) or "",
            m.start(),
            m.end(),
        )
        for m in _FIELD.finditer(message)
    ]


#: The last event split by :func:`split_values` and its values.  Every space-delimited
#: pattern of a run is handed the same message object for a record, so with many patterns
#: the event is split once, not once per pattern (issue 16: 1,000 patterns spent two thirds
#: of a scan re-splitting).  One slot, replaced in one assignment: safe across threads.
_last_split: tuple[str, tuple[str, ...]] = ("", ())


def split_values(message: str) -> tuple[str, ...]:
    """The field values alone (no positions): one C-level ``findall``, shared by every
    pattern that asks for the same message object in a row."""
    global _last_split
    last, values = _last_split
    if message is last:
        return values
    values = tuple([c or a or b for a, b, c in _FIELD.findall(message)])
    _last_split = (message, values)
    return values
