"""The project's base exception, the pattern language's error, and analysis findings.

:class:`TrailreplayError` is the base of every error trailreplay raises about its input
(patterns, metric transformations, alarm settings, ...), so a caller can catch them all.

``PatternError`` follows CPython's ``re.PatternError`` and packaging's
``ParserSyntaxError``: it carries the pattern and the 0-based position, and its
``str()`` shows the pattern with a caret under the offending character::

    Expected a value after '='
      { $.a = }
              ^

Its ``code`` is stable (a :data:`PatternErrorCode`, listed in docs/semantics.md "Errors"):
callers such as ``lint`` classify by code, never by message text.  A hint comes from
:data:`HINTS`, keyed by code, unless the raising site gives one built from the pattern.
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias

import msgspec


class TrailreplayError(Exception):
    """Base of every error trailreplay raises about its input."""


PatternErrorCode: TypeAlias = Literal[
    "syntax",  # the parser expected something else here
    "length",  # over 1024 characters
    "nesting",  # parentheses nested deeper than grammar.MAX_NESTING
    "unclosed",  # '{' without '}', '[' without ']'
    "unterminated-quote",
    "term-character",  # a character unquoted terms cannot hold
    "regex-in-terms",  # a %regex% mixed with terms
    "double-equals",
    "selector-start",  # a selector not starting with '$.'
    "unsupported-keyword",  # IS NOT, EXISTS
    "keyword-case",
    "value",  # a value that cannot stand unquoted
    "relational-value",  # < > <= >= with a non-number
    "field-name",  # conditions in one space-delimited field naming another field
    "regex-quota",  # more than 2 regexes
    "selector-wildcards",  # more than one wildcard in a selector
    "wildcard-quota",  # more than 3 wildcard selectors
    "regex-empty",
    "regex-character",  # a character AWS's regex subset does not allow
    "regex-group",  # ( or )
    "regex-escape",
    "regex-syntax",  # RE2 refuses it
    "regex-size",  # over trailreplay's program-size bound
]

#: The standing hint of each code (a raising site may give a more specific one).
HINTS: Final[dict[PatternErrorCode, str]] = {
    "length": "shorten the pattern; CloudWatch Logs refuses longer ones",
    "unterminated-quote": "close it with '\"'",
    "regex-in-terms": "use a JSON or space-delimited pattern to combine a regex with other tests",
    "double-equals": "use '=' for equality, not '=='",
    "value": "put values with characters other than letters, digits, '_', '.', '*' in double "
    "quotes",
    "relational-value": "use '=' or '!=' with strings, wildcards and regular expressions",
    "field-name": "give each field its own comma-separated entry",
    "regex-quota": "combine the regexes with '|', or test the other fields without a regex",
    "selector-wildcards": "use one wildcard per selector",
    "wildcard-quota": "use at most three selectors with '[*]' or '.*'",
    "regex-group": "alternation needs no groups; match a literal parenthesis with \\x28 or \\x29",
    "regex-escape": "supported: \\d \\D \\s \\S \\w \\W \\xhh and \\ before an operator",
    "regex-size": "use smaller counted repetitions ({n,m}); '.' costs more than a set like [a-z]",
}


class PatternError(TrailreplayError, ValueError):
    """An invalid filter pattern.

    ``msg`` says what is wrong, ``pattern`` is the whole text, ``position`` the
    0-based offset of the problem (``len(pattern)`` for "unexpected end"),
    ``code`` the stable kind of problem, ``hint`` an optional suggestion for a common
    mistake (by default the code's standing hint).
    """

    def __init__(
        self,
        msg: str,
        pattern: str,
        position: int,
        hint: str | None = None,
        code: PatternErrorCode = "syntax",
    ) -> None:
        self.msg = msg
        self.pattern = pattern
        self.position = max(0, min(position, len(pattern)))
        self.code: PatternErrorCode = code
        self.hint = hint if hint is not None else HINTS.get(code)
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

    def __reduce__(
        self,
    ) -> tuple[type[PatternError], tuple[str, str, int, str | None, PatternErrorCode]]:
        return (PatternError, (self.msg, self.pattern, self.position, self.hint, self.code))


Severity = Literal["warning", "info"]


class Finding(msgspec.Struct, frozen=True):
    """A warning from analysis: the pattern is valid but depends on an
    undocumented reading (``code`` names the section of docs/semantics.md) or
    can never match / matches everything."""

    code: str
    message: str
    start: int
    end: int
    severity: Severity = "warning"

    def to_dict(self) -> dict[str, object]:
        """The fields by name, in order (``validate --format json``)."""
        return msgspec.structs.asdict(self)

    def render(self, pattern: str) -> str:
        line = pattern.replace("\t", " ").replace("\n", " ")
        width = max(1, self.end - self.start)
        return (
            f"{self.severity}[{self.code}]: {self.message}\n  {line}\n"
            f"  {' ' * self.start}{'~' * (width - 1)}^"
        )
