"""Where the catalog's files are, and the default control's pattern without loading the catalog.

:mod:`engine.catalog` reads a control's TOML file into typed, validated records: its imports
and one file's parsing cost ~15 ms, more than the rest of a small scan's pattern work.  A
``scan`` given no pattern needs two strings of one file, the default control's id and intent
pattern.  :func:`engine.catalog.default` records them in the user cache
(:mod:`engine.pattern.cache`), keyed by trailreplay's version and the file's bytes, and
:func:`default_pattern` reads them back from there.

Invariants: :func:`default_pattern` gives what ``engine.catalog.default()`` gave for the very
same bytes, or None (not recorded yet, cache off or unreadable, the file changed, the catalog
not on a file system): the caller then asks :mod:`engine.catalog`, which validates the file
as always.  This module imports nothing heavy, and not :mod:`engine.catalog`.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from engine.pattern import cache

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


class CatalogError(ValueError):
    """A catalog file that cannot be read or lacks a required field."""


#: The control ``scan`` replays when given no pattern (README: "scan samples/").
DEFAULT_CONTROL = "organizations-changes"

_KIND = "catalog"


def catalog_dir() -> Traversable:
    """``engine/_catalog`` in an installed wheel, else the checkout's ``patterns/``.

    Both are plain directories next to this file in any ordinary install; importlib.resources
    (~5 ms to import) is asked only for a package that is not on a file system (a zip)."""
    engine = Path(__file__).resolve().parent
    for candidate in (engine / "_catalog", engine.parent / "patterns"):
        if candidate.is_dir():
            return candidate
    from importlib import resources

    try:
        shipped = resources.files("engine").joinpath("_catalog")
        if shipped.is_dir():
            return shipped
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - defensive
        pass
    raise CatalogError(
        "the CIS catalog is missing: neither engine/_catalog (installed wheel) nor "
        f"{engine.parent / 'patterns'} (source checkout) exists"
    )


def default_file() -> Traversable:
    """The default control's file."""
    return catalog_dir().joinpath(f"{DEFAULT_CONTROL}.toml")


def _key(data: bytes) -> str:
    # The file's CRC and length (the cache adds trailreplay's version): an edited file is a miss.
    return f"{DEFAULT_CONTROL}\0{zlib.crc32(data):08x}-{len(data)}"


def default_pattern() -> tuple[str, str] | None:
    """``(id, pattern)`` of the default control, as :func:`engine.catalog.default` last read
    it from the file's current bytes; None when that is not known."""
    try:
        data = default_file().read_bytes()
    except (OSError, ValueError):  # the catalog's own error is engine.catalog's to give
        return None
    value = cache.lookup(_KIND, _key(data))
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], str)
    ):
        return value[0], value[1]
    return None


def remember_default(data: bytes, control_id: str, pattern: str) -> None:
    """Record what the default control's file ``data`` holds (engine.catalog, having read it)."""
    cache.store(_KIND, _key(data), [control_id, pattern])
