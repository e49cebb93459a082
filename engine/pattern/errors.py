"""The one exception type of the pattern language, and analysis findings.

``PatternError`` follows CPython's ``re.PatternError`` and packaging's
``ParserSyntaxError``: it carries the pattern and the 0-based position, and its
``str()`` shows the pattern with a caret under the offending character::

    Expected a value after '='
      { $.a = }
              ^
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


class PatternError(ValueError):
    """An invalid filter pattern.

    ``msg`` says what is wrong, ``pattern`` is the whole text, ``position`` the
    0-based offset of the problem (``len(pattern)`` for "unexpected end"),
    ``hint`` an optional suggestion for a common mistake.
    """

    def __init__(self, msg: str, pattern: str, position: int, hint: str | None = None) -> None:
        self.msg = msg
        self.pattern = pattern
        self.position = max(0, min(position, len(pattern)))
        self.hint = hint
        super().__init__(self.render())

    @property
    def lineno(self) -> int:
        return self.pattern.count("\n", 0, self.position) + 1

    @property
    def colno(self) -> int:
        return self.position - (self.pattern.rfind("\n", 0, self.position) + 1) + 1

    def render(self) -> str:
        """The message, the pattern's line and a caret under the position."""
        line_start = self.pattern.rfind("\n", 0, self.position) + 1
        line_end = self.pattern.find("\n", self.position)
        if line_end < 0:
            line_end = len(self.pattern)
        line = self.pattern[line_start:line_end]
        col = self.position - line_start
        # Tabs would misplace the caret; show them as single spaces.
        shown = line.replace("\t", " ")
        out = f"{self.msg} (at position {self.position})\n  {shown}\n  {' ' * col}^"
        if self.hint:
            out += f"\nhint: {self.hint}"
        return out

    def __reduce__(self) -> tuple[type[PatternError], tuple[str, str, int, str | None]]:
        return (PatternError, (self.msg, self.pattern, self.position, self.hint))


Severity = Literal["warning", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A warning from analysis: the pattern is valid but depends on an
    undocumented reading (``code`` names the section of docs/semantics.md) or
    can never match / matches everything."""

    code: str
    message: str
    start: int
    end: int
    severity: Severity = "warning"

    def render(self, pattern: str) -> str:
        line = pattern.replace("\t", " ").replace("\n", " ")
        width = max(1, self.end - self.start)
        return (
            f"{self.severity}[{self.code}]: {self.message}\n  {line}\n"
            f"  {' ' * self.start}{'~' * (width - 1)}^"
        )
