"""How a log event is seen by each pattern kind.

* JSON patterns: the message parsed as a JSON object (anything else, including
  JSON arrays, scalars and text-prefixed JSON, matches no JSON pattern: A8/A9).
* Space-delimited patterns: the message split into fields (A12): runs of
  spaces separate fields; a field that starts with ``"`` runs to the next
  ``"``, one that starts with ``[`` to the next ``]``, and those delimiters are
  not part of the value.
"""

from __future__ import annotations

from typing import Any

import orjson

_MISSING = object()


def load_json_object(message: str | bytes) -> dict[str, Any] | None:
    try:
        value = orjson.loads(message)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is dict else None


def compact(record: Any) -> str:
    """The compact JSON text of a record: the message CloudWatch Logs would hold."""
    return orjson.dumps(record).decode()


def number_text(value: int | float) -> str:
    """A JSON number's text, as matched by wildcard and regex string tests."""
    return orjson.dumps(value).decode() if type(value) is float else str(value)


def split_fields(message: str) -> list[tuple[str, int, int]]:
    """Fields of a space-delimited event as ``(value, start, end)``.

    ``start``/``end`` are the raw extent in ``message`` (delimiters included),
    which lets the last field of a pattern absorb the rest of the line.
    """
    fields: list[tuple[str, int, int]] = []
    i = 0
    n = len(message)
    while True:
        while i < n and message[i] == " ":
            i += 1
        if i >= n:
            return fields
        ch = message[i]
        if ch == '"' or ch == "[":
            close = '"' if ch == '"' else "]"
            j = message.find(close, i + 1)
            if j < 0:
                # Unbalanced: the rest of the line is the field, delimiter stripped.
                fields.append((message[i + 1 :], i, n))
                return fields
            fields.append((message[i + 1 : j], i, j + 1))
            i = j + 1
        else:
            j = message.find(" ", i)
            if j < 0:
                j = n
            fields.append((message[i:j], i, j))
            i = j
