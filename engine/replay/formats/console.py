"""``console``: the CloudTrail console's Event history JSON download, a JSON array of
records (``[...]``) or, in some versions, a ``{"Records": [...]}`` document; a record may
wrap lookup-events' ``CloudTrailEvent`` text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.replay.formats.base import Head, InputFormat, Unit, records
from engine.replay.formats.cloudtrail import document_records


class Console(InputFormat):
    name = "console"
    streams_records = True

    def sniff(self, head: Head) -> bool:
        return head.text[:1] == b"["

    def claims(self, doc: Any) -> bool:
        return isinstance(doc, list)

    def units(self, doc: Any) -> Iterator[Unit]:
        return records(doc if isinstance(doc, list) else document_records(doc))


FORMAT = Console()
