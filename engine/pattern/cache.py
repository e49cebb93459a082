"""A small store of JSON entries in the user's cache directory, for what start-up would
otherwise recompute: today the default control's id and pattern (:mod:`engine.catalog_files`),
so ``scan`` with no pattern reads neither the catalog module nor its TOML.

Where: ``$TRAILREPLAY_CACHE_DIR``, else ``$XDG_CACHE_HOME/trailreplay``, else
``~/.cache/trailreplay``; ``TRAILREPLAY_CACHE_DIR=`` (empty) turns the cache off.  Pattern parse
trees are not stored: since the hand-written parser, parsing a pattern (~0.2 ms) is faster than
reading its stored tree back (~0.3 ms warm, ~1 ms cold), docs/performance.md, "Start-up".

Invariants:

* The cache never changes an answer: every entry holds its whole key (trailreplay's version
  included), is plain JSON (no pickle: a cache file can never run code), and a value that does
  not survive the JSON round trip is not stored.
* The cache never fails a run: an entry that cannot be read or decoded is a miss (computed again
  and rewritten); a directory that cannot be written is used read-only or not at all.  Either is
  reported once per run (one stderr line, also not repeated by worker processes).
* Writes are atomic (a temporary file renamed into place): concurrent runs and workers see a
  whole entry or none.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zlib
from pathlib import Path
from typing import Any

_FORMAT = "3"  # bump when the stored shape of an entry changes (3: no parse trees)
_WARNED_ENV = "TRAILREPLAY_CACHE_WARNED"


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    configured = os.environ.get("TRAILREPLAY_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trailreplay"


def _version() -> str:
    # The package is loaded before any of its modules; reading it from sys.modules keeps
    # this module out of an import cycle with engine/__init__.py (tools/import_cycles.py).
    return str(sys.modules["engine"].__version__)


def _path(directory: Path, key: str) -> Path:
    # A CRC names the file (hashlib's import alone costs more than the lookup); the entry holds
    # its whole key, so two keys with one CRC only evict each other, never mix.
    data = key.encode("utf-8", "surrogatepass")
    return directory / f"{zlib.crc32(data):08x}-{len(data)}.json"


def _warn(message: str) -> None:
    if os.environ.get(_WARNED_ENV):
        return
    os.environ[_WARNED_ENV] = "1"  # inherited by worker processes: one line per run
    try:
        sys.stderr.write(f"trailreplay: warning: cache: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


# --------------------------------------------------------------------------- entries


def lookup(kind: str, key: str) -> Any:
    """The value stored under ``key`` among entries of ``kind`` (engine.catalog_files keeps the
    default control under its own kind), or None: not stored, cache off, or an entry that
    cannot be read (then one warning per run)."""
    directory = cache_dir()
    if directory is None:
        return None
    key = f"{_version()}\0{_FORMAT}\0{key}"
    path = _path(directory / kind, key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _warn(f"cannot read {path}: {exc.strerror or exc}; computing instead")
        return None
    import orjson

    try:
        entry = orjson.loads(data)
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ValueError("not an entry")
    except ValueError as exc:  # JSONDecodeError is a ValueError
        _warn(f"{path} is corrupt ({exc}); computing again")
        return None
    if entry["key"] != key:
        return None  # another key with the same file name: computed again, then takes its place
    return entry.get("value")


def store(kind: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON-ready) under ``key``, atomically; never fails (an unwritable
    directory: one warning per run, and nothing stored)."""
    directory = cache_dir()
    if directory is None:
        return
    key = f"{_version()}\0{_FORMAT}\0{key}"
    import orjson

    try:
        data = orjson.dumps({"key": key, "value": value})
        if orjson.loads(data)["value"] != value:
            return  # e.g. a lone surrogate
    except (TypeError, ValueError, RecursionError):
        return  # e.g. an integer past 64 bits, a structure deeper than JSON goes
    path = _path(directory / kind, key)
    try:
        import tempfile

        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        _warn(f"cannot write {path.parent}: {exc.strerror or exc}; nothing is stored")
