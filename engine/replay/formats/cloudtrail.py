"""``cloudtrail``: CloudTrail's S3 delivery, one ``{"Records": [...]}`` document per file
(``.json.gz``/``.json``).  Its whole bytes are offered to the caller's fast scan first
(``engine.replay.fastpath``); a large one streams record by record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.replay.formats.base import (
    FastScanner,
    FormatError,
    Head,
    InputFormat,
    Unit,
    kind,
    records,
)


def document_records(doc: Any) -> list[Any]:
    """The list of records of a ``{"Records": [...]}`` document (FormatError if none)."""
    if isinstance(doc, dict) and "Records" in doc:
        values = doc["Records"]
        if not isinstance(values, list):
            raise FormatError(f"'Records' is {kind(values)}, not a list")
        return values
    if isinstance(doc, dict):
        raise FormatError("no 'Records' key: not a CloudTrail log file")
    raise FormatError(f"a CloudTrail log file is an object, this is {kind(doc)}")


class CloudTrail(InputFormat):
    name = "cloudtrail"
    streams_records = True

    def sniff(self, head: Head) -> bool:
        return head.first_key == b"Records"

    def claims(self, doc: Any) -> bool:
        return isinstance(doc, dict) and "Records" in doc

    def units(self, doc: Any) -> Iterator[Unit]:
        return records(document_records(doc))

    def fast_document(self, data: bytes, scanner: FastScanner) -> bool:
        return scanner.records_document(data)


FORMAT = CloudTrail()
