"""``filter-log-events``: the output of ``aws logs filter-log-events``,
``{"events": [{"message": "...", "timestamp": <ms>}, ...]}``.  The message is exactly what
CloudWatch Logs matched: it is kept for text patterns, and its record decoded when it is a
JSON object."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from engine.replay.formats.base import (
    FormatError,
    Head,
    InputFormat,
    Unit,
    kind,
    message_unit,
)


class FilterLogEvents(InputFormat):
    name = "filter-log-events"

    def sniff(self, head: Head) -> bool:
        return head.first_key in (b"events", b"searchedLogStreams", b"nextToken")

    def claims(self, doc: Any) -> bool:
        return isinstance(doc, dict) and "events" in doc

    def units(self, doc: Any) -> Iterator[Unit]:
        events = doc.get("events") if isinstance(doc, dict) else doc
        if not isinstance(events, list):
            raise FormatError(f"'events' is {kind(events)}, not a list")
        return _events(events)


def _events(events: list[Any]) -> Iterator[Unit]:
    for index, event in enumerate(events):
        text = event.get("message") if isinstance(event, dict) else None
        if not isinstance(text, str):
            yield Unit(index, None, None, f"event {index} has no 'message' string")
            continue
        stamp = event.get("timestamp")
        when = None
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            with contextlib.suppress(ValueError, OverflowError, OSError):
                when = datetime.fromtimestamp(stamp / 1000, UTC).isoformat()
        yield message_unit(index, text, when)


FORMAT = FilterLogEvents()
