"""The tokenizer of filter patterns: named token rules, read one at a time with positions.

Modelled on packaging's ``_tokenizer``: the parser (:mod:`engine.pattern.grammar`) asks for
the token it can accept next (:meth:`Tokenizer.take` with one of the rules below,
:meth:`~Tokenizer.literal`, :meth:`~Tokenizer.keyword`); the tokenizer skips blanks, tries
that one rule at the current position and, on a match, moves past it.  Which rules apply
depends on where the parser is (an unquoted JSON value and an unquoted space-delimited value
are different words), so the parser, not the tokenizer, decides what comes next.

Invariants:

* Blanks between tokens are exactly ``" \\t\\n\\r"`` (what the pyparsing grammar this
  replaced skipped); other Unicode blanks are characters, and the parser rejects them where
  a token must start.  Positions are offsets into the text as given (no tab expansion).
* Every rule is a regular expression anchored at the current position and never matches
  the empty string; a token is never longer than the pattern, so a parse reads each
  character a bounded number of times (linear time).
* :attr:`Tokenizer.end` is the end of the last token taken: the parser's spans run from a
  token's start to the end of the last token of the construct, never over trailing blanks.
"""

from __future__ import annotations

import re
from typing import Final

from engine.pattern import aws

WHITESPACE: Final = frozenset(" \t\n\r")

#: ``%...%``: a regular expression value (its syntax is checked by engine.pattern.regex).
REGEX: Final = re.compile(r"%[^%]*%")
#: ``"..."``: ``\\"`` and ``\\\\`` are escapes (docs/semantics.md A18); a backslash before
#: any other character but a newline is kept as it is.
QUOTED: Final = re.compile(r'"(?:[^"\\]|\\.)*"')
#: The comparison operators, the longest first.
OPERATOR: Final = re.compile(r"!=|<=|>=|=|<|>")
#: A JSON selector (``$.a.b[0]``, ``$.['any key']``): aws.py is the home of its syntax.
SELECTOR: Final = aws.SELECTOR_RE
SELECTOR_STEP: Final = aws.SELECTOR_STEP
#: An unquoted value in a JSON condition: dots and ``*`` allowed, as AWS's examples do.
JSON_WORD: Final = re.compile(r"[A-Za-z0-9_.*+\-]+")
#: An unquoted value in a space-delimited condition: anything but blanks and punctuation.
SPACE_WORD: Final = re.compile(r"[^\s,\[\]&|\"%()=!<>]+")
#: A space-delimited field name.
FIELD_NAME: Final = aws.FIELD_NAME_RE
#: An unquoted term.
TERM_WORD: Final = re.compile(r"[A-Za-z0-9_]+")

#: What pyparsing counted as part of a word when it matched a keyword (``IS``, ``NULL``...):
#: a keyword must not be followed (or preceded) by one of these.
_KEYWORD_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$"
)


_BLANKS: Final = re.compile(r"[ \t\n\r]*")


class Tokenizer:
    """A cursor over ``source``: ``position`` (the next token: blanks are skipped as soon
    as a token is taken, so it never rests on one), ``end`` (end of the last token taken)."""

    __slots__ = ("end", "position", "source")

    def __init__(self, source: str, position: int = 0) -> None:
        self.source = source
        self.end = position
        self.position = _BLANKS.match(source, position).end()  # type: ignore[union-attr]

    def skip(self) -> int:
        """The position of the next token (``len(source)`` at the end)."""
        return self.position

    def advance(self, end: int) -> None:
        """Take the text up to ``end`` as a token and move past the blanks after it."""
        self.end = end
        self.position = _BLANKS.match(self.source, end).end()  # type: ignore[union-attr]

    def peek(self) -> str | None:
        """The first character of the next token, or None at the end."""
        p = self.position
        return self.source[p] if p < len(self.source) else None

    def at_end(self) -> bool:
        return self.position >= len(self.source)

    def take(self, rule: re.Pattern[str]) -> re.Match[str] | None:
        """The next token if ``rule`` matches it (and move past it), else None."""
        m = rule.match(self.source, self.position)
        if m is not None:
            self.advance(m.end())
        return m

    def literal(self, text: str) -> bool:
        """Take ``text`` if it comes next."""
        if self.source.startswith(text, self.position):
            self.advance(self.position + len(text))
            return True
        return False

    def keyword(self, word: str) -> bool:
        """Take ``word`` if it comes next as a whole word (``IS`` but not ``ISX``)."""
        s = self.source
        p = self.position
        after = p + len(word)
        if (
            s.startswith(word, p)
            and (after >= len(s) or s[after] not in _KEYWORD_CHARS)
            and (p == 0 or s[p - 1] not in _KEYWORD_CHARS)
        ):
            self.advance(after)
            return True
        return False
