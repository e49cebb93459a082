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
import dataclasses
import os
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

from engine.pattern import ast

_FORMAT = "1"  # bump when the stored shape of a tree changes
_WARNED_ENV = "TRAILREPLAY_CACHE_WARNED"
_PATTERNS = (ast.MatchAll, ast.TermPattern, ast.RegexPattern, ast.JsonPattern, ast.SpacePattern)
_NODES: dict[str, type] = {
    name: obj
    for name, obj in vars(ast).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == ast.__name__
}


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
    """What an entry is for: the version, the stored shape and the pattern text itself."""
    return f"{_version()}\0{_FORMAT}\0{text}"


def _path(directory: Path, key: str) -> Path:
    # A CRC names the file (hashlib's import alone costs more than the lookup); the entry holds
    # its whole key, so two texts with one CRC only evict each other, never mix.
    data = key.encode("utf-8", "surrogatepass")
    return directory / "patterns" / f"{zlib.crc32(data):08x}-{len(data)}.json"


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
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out: dict[str, Any] = {"_": type(node).__name__}
        for f in dataclasses.fields(node):
            out[f.name] = encode(getattr(node, f.name))
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
    directory = cache_dir()
    key = _key(text)
    path = _path(directory, key) if directory is not None else None
    if path is not None:
        node = _load(path, key)
        if node is not None:
            return node
    from engine.pattern.grammar import parse as grammar_parse

    node = grammar_parse(text)  # raises PatternError: nothing is stored
    if path is not None:
        _store(path, key, node)
    return node


def _load(path: Path, key: str) -> ast.Pattern | None:
    import orjson

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _warn(f"cannot read {path}: {exc.strerror or exc}; parsing instead")
        return None
    try:
        entry = orjson.loads(data)
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ValueError("not an entry")
        if entry["key"] != key:
            return None  # another pattern with the same file name: parse, then take its place
        node = decode(entry.get("tree"))
        if not isinstance(node, _PATTERNS):
            raise ValueError("not a pattern")
    except (ValueError, TypeError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        _warn(f"{path} is corrupt ({exc}); parsing again")
        return None
    return node


def _store(path: Path, key: str, node: ast.Pattern) -> None:
    import orjson

    try:
        data = orjson.dumps({"key": key, "tree": encode(node)})
        if decode(orjson.loads(data)["tree"]) != node:
            return  # e.g. inf or nan: JSON cannot hold it
    except (TypeError, ValueError, RecursionError):
        return  # e.g. an integer past 64 bits, a lone surrogate, a tree deeper than JSON goes
    try:
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
