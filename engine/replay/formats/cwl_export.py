"""``cwl-export``: a CloudWatch Logs export to S3, ``<ISO-8601 timestamp> <message>`` lines.
The message is what CloudWatch Logs stored (text patterns see it as is); its record is
decoded when it is a JSON object.  The stream is offered to the caller's fast scan first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from engine.replay.formats.base import (
    MAX_DOCUMENT_SIZE,
    FastScanner,
    Head,
    InputFormat,
    Unit,
    message_unit,
    nonblank_lines,
)

_CWL_LINE = re.compile(rb"^\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})? ")
# The same, capturing the message (the timestamp holds no blank: the first one ends it).
CWL_MESSAGE = re.compile(_CWL_LINE.pattern + rb"(.*)", re.S)


class CloudWatchExport(InputFormat):
    name = "cwl-export"
    lines = True

    def sniff(self, head: Head) -> bool:
        return _CWL_LINE.match(head.text) is not None

    def read(self, stream: IO[bytes], max_size: int) -> Iterator[Unit]:
        return read_lines(stream, max_size)

    def fast_lines(self, stream: IO[bytes], scanner: FastScanner) -> bool:
        return scanner.export_lines(stream)


def read_lines(stream: IO[bytes], max_size: int = MAX_DOCUMENT_SIZE) -> Iterator[Unit]:
    for index, (lineno, line) in enumerate(nonblank_lines(stream, max_size)):
        yield export_unit(index, lineno, line)


def export_unit(index: int, lineno: int, line: bytes) -> Unit:
    """One line of a CloudWatch Logs export as an event."""
    m = CWL_MESSAGE.match(line)
    if m is None:
        return Unit(index, None, None, f"line {lineno}: not '<timestamp> <message>'")
    try:
        text = m.group(1).decode("utf-8")
    except UnicodeDecodeError:
        return Unit(index, None, None, f"line {lineno}: not valid UTF-8")
    return message_unit(index, text, line[: m.start(1) - 1].decode("ascii"))


FORMAT = CloudWatchExport()
