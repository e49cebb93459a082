"""Pattern files: the one reader behind ``scan --patterns-file``, ``validate -f`` and
``lint``'s ``.pattern``/``.txt`` files, so a file means the same to every command.

Formats (chosen by suffix, then by content)::

    lines   one pattern per line; blank lines and lines whose first non-blank
            character is '#' are skipped ('#' cannot start a valid pattern, so nothing
            is lost); surrounding whitespace is not part of the pattern (the AWS
            provider trims it too)
    JSON    a list of {"id"?, "pattern"} objects or strings, or {"patterns": [...]}
            (``.json``, or any non-``.toml`` file whose first character is '[' or '{'
            and which parses as such a list)
    TOML    patterns = [{id = "...", pattern = "..."}, ...]

Invariants: every pattern carries where it was written (``FILE:LINE``, or
``FILE: entry N`` when a structured file's entry cannot be located); a file that is
not UTF-8, or holds a lone surrogate (``"\\ud800"`` in JSON), raises one
:class:`PatternFileError` naming the file and the line, never a ``UnicodeError``
later, in whatever consumes the pattern.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FilePattern", "PatternFileError", "parse", "read"]


class PatternFileError(ValueError):
    """A patterns file cannot be read.  ``str()`` is ``PATH[:LINE[:COL]]: reason``; the
    parts are attributes too, for callers that place the error themselves (lint)."""

    def __init__(
        self, path: str, reason: str, line: int | None = None, col: int | None = None
    ) -> None:
        self.path, self.reason, self.line, self.col = path, reason, line, col
        where = path + "".join(f":{n}" for n in (line, col) if n is not None)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class FilePattern:
    """One pattern of a file.

    ``offset`` is where the pattern's first character sits in the file's decoded text
    (``None`` for a structured entry, whose text was unescaped); ``id`` is the entry's
    ``id`` in a structured file.
    """

    text: str
    path: str
    line: int | None
    entry: int
    offset: int | None = None
    id: str | None = None

    @property
    def where(self) -> str:
        if self.line is None:
            return f"{self.path}: entry {self.entry}"
        return f"{self.path}:{self.line}"


def decode(path: str, data: bytes) -> str:
    """The file's text (UTF-8, a BOM allowed), or a :class:`PatternFileError` naming the
    line and column of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        reason = f"not UTF-8 text (byte 0x{data[exc.start]:02x}: {exc.reason})"
        raise PatternFileError(path, reason, line, col) from None


def read(path: str) -> list[FilePattern]:
    """The patterns of a file (``-``: standard input, named ``stdin``)."""
    name = "stdin" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except FileNotFoundError:
        raise PatternFileError(name, "no such file") from None
    except OSError as exc:
        raise PatternFileError(name, f"cannot read: {exc.strerror or exc}") from None
    return parse(name, decode(name, data), structured=path != "-")


def parse(path: str, text: str, structured: bool = True) -> list[FilePattern]:
    """The patterns of ``text``, read from ``path`` (whose suffix picks the format);
    ``structured=False`` reads lines whatever the content."""
    entries = _structured(path, text) if structured else None
    if entries is None:
        return _lines(path, text)
    out: list[FilePattern] = []
    cursor = 0
    for n, entry in enumerate(entries, 1):
        if isinstance(entry, str):
            entry = {"pattern": entry}
        pattern = entry.get("pattern") if isinstance(entry, dict) else None
        if not isinstance(pattern, str):
            raise PatternFileError(path, f"entry {n} has no 'pattern' string")
        line, offset, cursor = _locate(text, pattern, cursor)
        _check_text(path, line, pattern, n)
        pid = entry.get("id")
        out.append(FilePattern(pattern, path, line, n, offset, None if pid is None else str(pid)))
    return out


def _check_text(path: str, line: int | None, text: str, entry: int) -> None:
    for c in text:
        if "\ud800" <= c <= "\udfff":
            reason = (
                f"the pattern holds a lone surrogate (\\u{ord(c):04x}), which is not a "
                "character: no log event can contain it"
            )
            if line is None:
                reason = f"entry {entry}: {reason}"
            raise PatternFileError(path, reason, line)


def _lines(path: str, text: str) -> list[FilePattern]:
    out: list[FilePattern] = []
    offset = 0
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            start = offset + (len(line) - len(line.lstrip()))
            _check_text(path, n, stripped, len(out) + 1)
            out.append(FilePattern(stripped, path, n, len(out) + 1, start))
        offset += len(raw) + 1
    return out


def _locate(text: str, pattern: str, cursor: int) -> tuple[int | None, int | None, int]:
    """Where a structured entry's pattern is written, searching from ``cursor`` (entries
    come in file order): its line (``None`` when its escaped form is not found), its
    offset (only when written without escapes, so characters align), the new cursor."""
    escaped = (json.dumps(pattern, ensure_ascii=a)[1:-1] for a in (False, True))
    for form in (pattern, *escaped):
        at = text.find(form, cursor) if form else -1
        if at >= 0:
            return text.count("\n", 0, at) + 1, at if form == pattern else None, at + len(form)
    return None, None, cursor


def _structured(path: str, text: str) -> list[Any] | None:
    """The entries of a JSON/TOML patterns file, or ``None`` for a lines file."""
    suffix = Path(path).suffix.lower()
    doc: Any = None
    if suffix == ".json" or (suffix != ".toml" and text.lstrip().startswith(("[", "{"))):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            if suffix == ".json":
                raise PatternFileError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
        except RecursionError:
            if suffix == ".json":
                raise PatternFileError(path, "invalid JSON: nested too deeply") from None
    if doc is None and suffix != ".json":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            if suffix == ".toml":
                raise PatternFileError(path, f"invalid TOML: {exc}") from None
    if isinstance(doc, dict):
        doc = doc.get("patterns")
    if isinstance(doc, list) and all(isinstance(e, dict | str) for e in doc):
        if doc and all(isinstance(e, str) for e in doc) and suffix not in (".json", ".toml"):
            return None  # a line file whose first line happened to parse (e.g. `[a]`)
        return doc
    if suffix in (".json", ".toml"):
        raise PatternFileError(path, "expected a list of {id, pattern} (or 'patterns = [...]')")
    return None
