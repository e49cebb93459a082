"""What the extractors find (filters with located strings) and what the rules report."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["error", "warning", "info"]

# Bounds on what one input file may make the readers build (issue 16): no real template
# nests blocks or YAML collections anywhere near this deep, and the readers recurse once
# per level, so a hostile file gets a named error instead of a RecursionError.
MAX_DEPTH = 100
# YAML aliases let a few hundred bytes stand for billions of nodes ("billion laughs").
# CloudFormation itself does not accept aliases; pre-processors that expand them make
# small repetitions, far below this many nodes reached through aliases in one file.
MAX_ALIAS_NODES = 10_000
LEVELS: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


class Source:
    """A file's text with offset -> (line, column) conversion (both 1-based)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._starts = [0]
        for i, c in enumerate(text):
            if c == "\n":
                self._starts.append(i + 1)

    def pos(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1

    def pos_of_line(self, line: int) -> int:
        """The offset where (1-based) ``line`` starts."""
        return self._starts[max(0, min(line, len(self._starts)) - 1)]

    def line_text(self, line: int) -> str:
        if not 1 <= line <= len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")


@dataclass
class Text:
    """A string value from a file, decoded, with the source offset of every character.

    ``offsets`` has ``len(value) + 1`` entries (the last is where the value ends).
    ``value`` is ``None`` when the string cannot be known before deployment; then
    ``unresolved`` says why (the interpolations or the expression, as written).
    """

    value: str | None
    offsets: list[int]
    start: int
    unresolved: list[str] = field(default_factory=list)
    note: str | None = None

    def offset(self, index: int) -> int:
        if not self.offsets:
            return self.start
        return self.offsets[max(0, min(index, len(self.offsets) - 1))]

    def strip(self) -> Text:
        """Leading and trailing whitespace removed, offsets kept aligned."""
        if self.value is None:
            return self
        left = len(self.value) - len(self.value.lstrip())
        right = len(self.value.rstrip())
        if left == 0 and right == len(self.value):
            return self
        offsets = self.offsets[left : right + 1] if right >= left else self.offsets[left : left + 1]
        return Text(self.value[left:right], offsets, self.start, self.unresolved, self.note)

    @classmethod
    def unknown(cls, start: int, why: str) -> Text:
        return cls(None, [], start, [why])

    @classmethod
    def literal(cls, value: str, start: int) -> Text:
        """A value whose characters sit one per source character from ``start``."""
        return cls(value, list(range(start, start + len(value) + 1)), start)


@dataclass
class Transformation:
    start: int
    name: Text | None = None
    namespace: Text | None = None
    value: Text | None = None
    default_value: Text | None = None
    unit: Text | None = None
    dimensions: dict[str, Text] = field(default_factory=dict)
    dimensions_unresolved: str | None = None


FilterKind = Literal["metric", "subscription", "pattern"]


@dataclass
class FilterDef:
    source: Source
    resource: str
    kind: FilterKind
    start: int
    pattern: Text | None
    transformations: list[Transformation] = field(default_factory=list)
    attribute: str = "pattern"


@dataclass(frozen=True)
class LintFinding:
    """One finding.  ``path`` is ``None`` for a finding about the whole input (no filter
    covers a control, no file to check): it has no line or column (both 0)."""

    path: str | None
    line: int
    col: int
    level: Level
    code: str
    message: str
    resource: str | None = None
    hint: str | None = None
    end_col: int | None = None

    @classmethod
    def whole(cls, level: Level, code: str, message: str, hint: str | None = None) -> LintFinding:
        """A finding about the whole input, pinned to no file."""
        return cls(None, 0, 0, level, code, message, hint=hint)

    def to_json(self) -> dict[str, Any]:
        located = self.path is not None
        out: dict[str, Any] = {
            "path": self.path,
            "line": self.line if located else None,
            "col": self.col if located else None,
            "level": self.level,
            "code": self.code,
            "message": self.message,
        }
        if self.resource:
            out["resource"] = self.resource
        if self.hint:
            out["hint"] = self.hint
        if self.end_col is not None:
            out["end_col"] = self.end_col
        return out


class InputError(Exception):
    """An input file cannot be read or parsed; ``offset`` locates the problem."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
