"""Replay CloudTrail archives through filter patterns, as CloudWatch Logs would have.

sources (files, directories, globs, stdin) -> formats (detect, stream records) -> scan (match
every pattern per record, one pass per file) -> executors (serial, local processes; Dask later)
-> sinks (records, envelope, table, summary).

For other packages (metrics and alarm replay), :func:`iter_records` streams the records of any
set of sources in input order without matching anything (:mod:`engine.replay.events`).

The names below are loaded on first use (PEP 562): importing a light submodule (the format
registry the command line reads its ``--input-format`` choices from) loads no reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine._lazy import LazyNames

if TYPE_CHECKING:
    from engine.replay.events import Event, iter_events, iter_records
    from engine.replay.formats.registry import FORMATS
    from engine.replay.results import OVERSIZE_BYTES, FileResult, Match, ScanOptions
    from engine.replay.run import PatternSpec, exit_status, run_scan
    from engine.replay.scan import scan_file
    from engine.replay.sources import Source
    from engine.replay.window import TimeWindow

__all__ = [
    "FORMATS",
    "OVERSIZE_BYTES",
    "Event",
    "FileResult",
    "Match",
    "PatternSpec",
    "ScanOptions",
    "Source",
    "TimeWindow",
    "exit_status",
    "iter_events",
    "iter_records",
    "run_scan",
    "scan_file",
]

_HOMES = {
    "Event": "engine.replay.events",
    "iter_events": "engine.replay.events",
    "iter_records": "engine.replay.events",
    "FORMATS": "engine.replay.formats.registry",
    "OVERSIZE_BYTES": "engine.replay.results",
    "FileResult": "engine.replay.results",
    "Match": "engine.replay.results",
    "ScanOptions": "engine.replay.results",
    "PatternSpec": "engine.replay.run",
    "exit_status": "engine.replay.run",
    "run_scan": "engine.replay.run",
    "scan_file": "engine.replay.scan",
    "Source": "engine.replay.sources",
    "TimeWindow": "engine.replay.window",
}

_NAMES = LazyNames(__name__, {name: (home, name) for name, home in _HOMES.items()}, __all__)


def __getattr__(name: str) -> Any:
    return _NAMES.get(name)


def __dir__() -> list[str]:
    return _NAMES.dir()
