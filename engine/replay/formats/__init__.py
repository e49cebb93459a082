"""Formats: open a source (gzip or not), recognise what it holds, and stream its records.

``open_source`` gives a buffered binary stream of the decompressed bytes; ``read_units`` detects
the format from the content (and the name) unless one is forced, and returns an iterator of
:class:`Unit` -- one per log event, in file order.  Each format is an object registered in
:mod:`~engine.replay.formats.registry` (in detection order), defined in a module of its own:

================= ===========================================================================
cloudtrail        CloudTrail S3 delivery: one ``{"Records": [...]}`` document (``.json.gz``)
lookup-events     ``aws cloudtrail lookup-events``: ``{"Events": [{"CloudTrailEvent": "..."}]}``
filter-log-events ``aws logs filter-log-events``: ``{"events": [{"message": "..."}]}``
digest            ``CloudTrail-Digest`` files: recognised and skipped
ndjson            one JSON record per line
console           the console's Event history JSON download (``{"Records": [...]}`` or ``[...]``)
cwl-export        CloudWatch Logs export to S3: ``<ISO-8601 timestamp> <message>`` lines
================= ===========================================================================

The machinery every format shares: :mod:`~engine.replay.formats.base` (the event, the errors,
the format object), :mod:`~engine.replay.formats.opening` (decompression),
:mod:`~engine.replay.formats.jsonstream` (bounded-memory JSON values) and
:mod:`~engine.replay.formats.reader` (detection and reading through the registry).

The names below are loaded on first use (PEP 562), so importing the registry -- which the
command line does to list ``--input-format``'s choices -- loads no reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine._lazy import LazyNames

if TYPE_CHECKING:
    from engine.replay.formats.base import (
        MAX_DOCUMENT_SIZE,
        STREAM_ABOVE,
        FastScanner,
        FormatError,
        InputFormat,
        SkipFile,
        Unit,
        describe_json_error,
        nonblank_lines,
    )
    from engine.replay.formats.cwl_export import CWL_MESSAGE, export_unit
    from engine.replay.formats.opening import (
        HEAD_SIZE,
        WHOLE_GZIP_BYTES,
        Opened,
        ReadError,
        classify,
        describe_error,
    )
    from engine.replay.formats.reader import detect, detect_format, read_units
    from engine.replay.formats.registry import FORMATS

__all__ = [
    "CWL_MESSAGE",
    "FORMATS",
    "HEAD_SIZE",
    "MAX_DOCUMENT_SIZE",
    "STREAM_ABOVE",
    "WHOLE_GZIP_BYTES",
    "FastScanner",
    "FormatError",
    "InputFormat",
    "Opened",
    "ReadError",
    "SkipFile",
    "Unit",
    "classify",
    "describe_error",
    "describe_json_error",
    "detect",
    "detect_format",
    "export_unit",
    "nonblank_lines",
    "read_units",
]

_BASE = "engine.replay.formats.base"
_OPENING = "engine.replay.formats.opening"
_HOMES: dict[str, tuple[str, str]] = {
    **{
        n: (_BASE, n)
        for n in (
            "MAX_DOCUMENT_SIZE",
            "STREAM_ABOVE",
            "FastScanner",
            "FormatError",
            "InputFormat",
            "SkipFile",
            "Unit",
            "_kind",
            "describe_json_error",
            "nonblank_lines",
        )
    },
    **{
        n: (_OPENING, n)
        for n in (
            "_BUFFER",
            "_GZIP_MAGIC",
            "HEAD_SIZE",
            "WHOLE_GZIP_BYTES",
            "Opened",
            "ReadError",
            "classify",
            "_Counting",
            "_gzip_reader",
            "_is_gzip_error",
            "describe_error",
        )
    },
    "CWL_MESSAGE": ("engine.replay.formats.cwl_export", "CWL_MESSAGE"),
    "export_unit": ("engine.replay.formats.cwl_export", "export_unit"),
    "_cwl_export": ("engine.replay.formats.cwl_export", "read_lines"),
    "detect": ("engine.replay.formats.reader", "detect"),
    "detect_format": ("engine.replay.formats.reader", "detect_format"),
    "read_units": ("engine.replay.formats.reader", "read_units"),
    "FORMATS": ("engine.replay.formats.registry", "FORMATS"),
}


# Constants are not kept in this namespace: a test may lower base.STREAM_ABOVE, and this name
# must not keep the old value.
_NAMES = LazyNames(__name__, _HOMES, __all__, keep=lambda name: not name.isupper())


# The private names (``_BUFFER``, ``_gzip_reader``, ...) are for engine.replay.s3, the fast
# path and tests, which read the machinery directly; mypy types them through __getattr__.
def __getattr__(name: str) -> Any:
    return _NAMES.get(name)


def __dir__() -> list[str]:
    return _NAMES.dir()
