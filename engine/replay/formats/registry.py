"""The input formats, one registration each: adding a format is one module defining its
:class:`~engine.replay.formats.base.InputFormat` as ``FORMAT`` and one line in
:data:`REGISTRY`.

Registration order is detection order: a source's first bytes are offered to each format's
``sniff`` in this order, so a more specific format comes before a more general one (a
``{"Records": ...}`` document before JSON Lines).  A decoded document is offered first to the
skipped formats (digests), then to the others in this order.

This module imports only the standard library at its top: the command line builds its
``--input-format`` choices from :data:`FORMATS` while parsing arguments.  A format's module
is imported on first use.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from engine.replay.formats.base import InputFormat


class Registration(NamedTuple):
    """A format's name, the module defining it as ``FORMAT``, and whether ``--input-format``
    may force it (a format recognised only to be skipped may not).  A named tuple: the
    standard library only, built in C (a dataclass costs ~1 ms to build at import)."""

    name: str
    module: str
    forcible: bool = True


REGISTRY: tuple[Registration, ...] = (
    Registration("cloudtrail", "engine.replay.formats.cloudtrail"),
    Registration("lookup-events", "engine.replay.formats.lookup_events"),
    Registration("filter-log-events", "engine.replay.formats.filter_log_events"),
    Registration("digest", "engine.replay.formats.digest", forcible=False),
    Registration("ndjson", "engine.replay.formats.ndjson"),
    Registration("console", "engine.replay.formats.console"),
    Registration("cwl-export", "engine.replay.formats.cwl_export"),
)

FORMATS: tuple[str, ...] = tuple(r.name for r in REGISTRY if r.forcible)
"""Formats that ``--input-format`` may force (``digest`` is only ever detected)."""


@functools.cache
def formats() -> tuple[InputFormat, ...]:
    """Every registered format, in registration order."""
    loaded = []
    for registration in REGISTRY:
        fmt: InputFormat = importlib.import_module(registration.module).FORMAT
        if fmt.name != registration.name:  # pragma: no cover - caught by the registry test
            raise RuntimeError(
                f"{registration.module} defines {fmt.name!r}, not {registration.name!r}"
            )
        loaded.append(fmt)
    return tuple(loaded)


@functools.cache
def document_order() -> tuple[InputFormat, ...]:
    """The formats a decoded document is offered to: the skipped ones first (a digest's keys
    are specific; a digest is skipped whatever else it holds), then the others in
    registration order."""
    return tuple(sorted(formats(), key=lambda f: not f.skipped))


@functools.cache
def skipped() -> tuple[InputFormat, ...]:
    """The formats recognised only to be skipped."""
    return tuple(f for f in document_order() if f.skipped)


def get(name: str) -> InputFormat | None:
    """The format called ``name``, or None."""
    return next((f for f in formats() if f.name == name), None)
