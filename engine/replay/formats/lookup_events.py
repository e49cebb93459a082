"""``lookup-events``: the output of ``aws cloudtrail lookup-events``,
``{"Events": [{"CloudTrailEvent": "<record as JSON text>"}, ...]}``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.replay.formats.base import (
    FormatError,
    Head,
    InputFormat,
    Unit,
    decode_string,
    kind,
)


class LookupEvents(InputFormat):
    name = "lookup-events"

    def sniff(self, head: Head) -> bool:
        return head.first_key in (b"Events", b"NextToken")

    def claims(self, doc: Any) -> bool:
        return isinstance(doc, dict) and "Events" in doc

    def units(self, doc: Any) -> Iterator[Unit]:
        events = doc.get("Events") if isinstance(doc, dict) else doc
        if not isinstance(events, list):
            raise FormatError(f"'Events' is {kind(events)}, not a list")
        return _events(events)


def _events(events: list[Any]) -> Iterator[Unit]:
    for index, event in enumerate(events):
        text = event.get("CloudTrailEvent") if isinstance(event, dict) else None
        if not isinstance(text, str):
            yield Unit(index, None, None, f"event {index} has no 'CloudTrailEvent' string")
            continue
        yield decode_string(index, text, f"event {index}")


FORMAT = LookupEvents()
