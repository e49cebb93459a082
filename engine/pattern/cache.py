"""A cache of parsed patterns on disk, so a known pattern never loads the parser.

Parsing needs pyparsing, whose import and grammar set-up cost more than the rest of a small
scan (docs/performance.md, "Start-up").  The parse tree of a pattern depends only on its text
and on trailreplay's version, so it is cached under a key of both, in the user's cache
directory (``$TRAILREPLAY_CACHE_DIR``, else ``$XDG_CACHE_HOME/trailreplay``, else
``~/.cache/trailreplay``; ``TRAILREPLAY_CACHE_DIR=`` (empty) turns the cache off).  The
compiler still analyses the tree and generates the matcher each run: that is fast and holds
objects (RE2 programs, closures) that cannot be stored.

Invariants:

* The cache never changes an answer: an entry is the parser's own tree, stored as plain JSON
  (no pickle: a cache file can never run code) and read back only if it decodes to nodes of
  :mod:`engine.pattern.ast`; a tree that does not survive the round trip (an infinite number,
  an integer past 64 bits) is not stored.
* The cache never fails a run: an entry that cannot be read or decoded is parsed again and
  rewritten; a directory that cannot be written is used read-only or not at all.  Either is
  reported once per run (one stderr line, also not repeated by worker processes).
* Writes are atomic (a temporary file renamed into place): concurrent runs and workers see a
  whole entry or none.
* Invalid patterns are not cached: their error comes from the parser each time.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zlib
from pathlib import Path
from typing import Any

from engine.pattern import ast

_FORMAT = "2"  # bump when the stored shape of a tree changes (2: entries hold "value")
_WARNED_ENV = "TRAILREPLAY_CACHE_WARNED"
_PATTERNS = (ast.MatchAll, ast.TermPattern, ast.RegexPattern, ast.JsonPattern, ast.SpacePattern)
_NODES: dict[str, type[ast.Node]] = {cls.__name__: cls for cls in ast.Node.__subclasses__()}


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


def _key(text: str) -> str:
    """What a pattern's entry is for: the stored shape and the pattern text itself (every
    entry's key also holds trailreplay's version: :func:`lookup`)."""
    return f"{_FORMAT}\0{text}"


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
        sys.stderr.write(f"trailreplay: warning: pattern cache: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


# --------------------------------------------------------------------------- encoding


def encode(node: Any) -> Any:
    """A tree as JSON-ready values: ``{"_": class name, field: value, ...}``."""
    if isinstance(node, ast.Node):
        out: dict[str, Any] = {"_": type(node).__name__}
        for name in node.__struct_fields__:
            out[name] = encode(getattr(node, name))
        return out
    if isinstance(node, tuple | list):
        return [encode(x) for x in node]
    return node


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`; raises ValueError on anything else."""
    if isinstance(value, dict):
        cls = _NODES.get(value.get("_"))  # type: ignore[arg-type]
        if cls is None:
            raise ValueError(f"not a pattern node: {value.get('_')!r}")
        return cls(**{k: decode(v) for k, v in value.items() if k != "_"})
    if isinstance(value, list):
        return tuple(decode(x) for x in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(f"unexpected value {type(value).__name__}")


# --------------------------------------------------------------------------- lookup


def parse(text: str) -> ast.Pattern:
    """``engine.pattern.grammar.parse(text)``, from the cache when the pattern is known."""
    key = _key(text)
    stored = lookup("patterns", key)
    if stored is not None:
        try:
            node = decode(stored)
            if not isinstance(node, _PATTERNS):
                raise ValueError("not a pattern")
            return node
        except (ValueError, TypeError, RecursionError) as exc:
            _warn(f"the entry for {text[:40]!r} is corrupt ({exc}); parsing again")
    from engine.pattern.grammar import parse as grammar_parse

    node = grammar_parse(text)  # raises PatternError: nothing is stored
    try:
        tree = encode(node)
        if decode(tree) != node:
            return node  # e.g. inf or nan: JSON cannot hold it
    except (TypeError, ValueError, RecursionError):
        return node  # a tree deeper than JSON goes
    store("patterns", key, tree)
    return node


# --------------------------------------------------------------------------- entries


def lookup(kind: str, key: str) -> Any:
    """The value stored under ``key`` among entries of ``kind`` (``"patterns"``: parse trees;
    the catalog keeps its default control here too, engine.catalog_files), or None: not stored,
    cache off, or an entry that cannot be read (then one warning per run)."""
    directory = cache_dir()
    if directory is None:
        return None
    key = f"{_version()}\0{key}"
    path = _path(directory / kind, key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _warn(f"cannot read {path}: {exc.strerror or exc}; parsing instead")
        return None
    import orjson

    try:
        entry = orjson.loads(data)
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ValueError("not an entry")
    except ValueError as exc:  # JSONDecodeError is a ValueError
        _warn(f"{path} is corrupt ({exc}); parsing again")
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
    key = f"{_version()}\0{key}"
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
        _warn(f"cannot write {path.parent}: {exc.strerror or exc}; patterns are parsed each run")
