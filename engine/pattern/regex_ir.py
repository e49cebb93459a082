"""AWS's regex subset (``%...%``) parsed once into a small IR; the one character-class table.

CPython's ``re`` parses a pattern once (``_parser``) and compiles everything from that
tree; so does this module for AWS's subset.  Every consumer reads :class:`Regex`: the RE2
translation, the required literals of the prefilter and a witness string
(engine.pattern.regex), and the z3 encoding (engine.prove._regex).  Nothing else scans
regex text.

What AWS allows (REGEX page, SEMANTICS.md §4): ASCII letters and digits; the symbols
``_ # = @ / ; , - :``; the operators ``^ $ ? [ ] { } | \\ * + .``; the escapes
``\\d \\D \\s \\S \\w \\W`` and ``\\xhh``; no ``(`` or ``)`` and no multi-byte
characters.  A space is not listed but appears in AWS's own example, so it is accepted
(with a warning, docs/semantics.md A16-space), as are ``\\t \\n \\r`` (A16-escape).

How it reads what AWS allows: as RE2 reads it, since RE2 evaluates it (unanchored search,
not multi-line, ``.`` is any character but newline).  So a ``{`` that does not open a
valid count (``a{,3}``, ``a{02}``) is literal text, ``]`` first in a set is a member,
``[:alpha:]`` inside a set is a POSIX class, counts go up to 1000, and ``a**`` is an error.
The differential test (tests/pattern/test_regex_ir.py) holds this reading equal to RE2's on
generated regexes.  One deliberate difference: AWS defines ``\\s`` as tab, newline and
space (RE2 adds ``\\f`` and ``\\r``), and ``\\w`` as ASCII ``[A-Za-z0-9_]``.

Invariants: nodes are frozen :class:`msgspec.Struct` s (made in C at import, as the
pattern AST's are: a dataclass costs an ``exec`` per class) and carry spans (offsets into
the regex source, end exclusive); character sets are normalised (sorted, disjoint,
non-adjacent code-point ranges), so two spellings of one set are equal nodes; a
:class:`Repeat` never holds a :class:`Repeat` (RE2 rejects ``a**``); AWS has no groups, so
a regex is a union of branches, each a sequence of pieces.  Errors are
:class:`PatternError` with a code, raised where the parser finds them: first the
character-level ones, left to right (``regex-empty``, ``regex-character``,
``regex-group``, ``regex-escape``), then the structural ones (``regex-syntax``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, TypeAlias, assert_never

from msgspec import Struct

from engine.pattern.errors import PatternError, PatternErrorCode

Span: TypeAlias = tuple[int, int]
#: A set of code points: sorted, disjoint, non-adjacent inclusive ranges.
Ranges: TypeAlias = tuple[tuple[int, int], ...]

MAX_CODE_POINT = 0x10FFFF
#: RE2's largest count in ``{n,m}``.
MAX_REPEAT = 1000

# ----------------------------------------------------------------------------- class table


def normalize(ranges: list[tuple[int, int]] | Ranges) -> Ranges:
    """Sorted, merged ranges (adjacent ranges merge: one set has one spelling)."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def complement(ranges: Ranges, top: int = MAX_CODE_POINT) -> Ranges:
    """The code points up to ``top`` outside ``ranges`` (normalised)."""
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in ranges:
        if lo > top:
            break
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= top:
        out.append((nxt, top))
    return tuple(out)


def contains(ranges: Ranges, code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _chars(text: str) -> Ranges:
    return normalize([(ord(c), ord(c)) for c in text])


DIGIT: Ranges = ((0x30, 0x39),)
#: AWS: "whitespace = tab, space, newline" (RE2's \s adds \f and \r).
SPACE: Ranges = _chars("\t\n ")
#: AWS: \w = [a-zA-Z_0-9], ASCII only.
WORD: Ranges = normalize([(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)])
#: ``.``: any character but newline (RE2 without the s flag).
DOT: Ranges = complement(_chars("\n"))

#: ``\\d \\D \\s \\S \\w \\W``: the same sets in and out of ``[...]``.
CLASS_ESCAPES: dict[str, Ranges] = {
    "d": DIGIT,
    "D": complement(DIGIT),
    "s": SPACE,
    "S": complement(SPACE),
    "w": WORD,
    "W": complement(WORD),
}
#: Escapes AWS does not document but RE2 reads (A16-escape).
CONTROL_ESCAPES: dict[str, int] = {"t": 9, "n": 10, "r": 13}

_PUNCT = normalize([(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)])
#: ``[:name:]`` inside a set, as RE2 defines them (ASCII).
POSIX_CLASSES: dict[str, Ranges] = {
    "alnum": normalize([(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)]),
    "alpha": normalize([(0x41, 0x5A), (0x61, 0x7A)]),
    "ascii": ((0, 0x7F),),
    "blank": _chars("\t "),
    "cntrl": ((0, 0x1F), (0x7F, 0x7F)),
    "digit": DIGIT,
    "graph": ((0x21, 0x7E),),
    "lower": ((0x61, 0x7A),),
    "print": ((0x20, 0x7E),),
    "punct": _PUNCT,
    "space": normalize([(9, 13), (32, 32)]),
    "upper": ((0x41, 0x5A),),
    "word": WORD,
    "xdigit": normalize([(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)]),
}

#: The symbols AWS's regex page lists, besides ASCII letters and digits (``:`` is in
#: the newest list); engine.sigma writes every other character as ``\\xhh``.
DOCUMENTED_SYMBOLS = frozenset("_#=@/;,-:")
#: Unescaped characters accepted besides ASCII letters and digits: the documented ones
#: and a space (in AWS's own example; A16-space).
SYMBOLS = DOCUMENTED_SYMBOLS | {" "}
OPERATORS = frozenset("^$?[]{}|\\*+.")

# ----------------------------------------------------------------------------- nodes


class Char(Struct, frozen=True):
    """One literal character (plain, escaped, or ``\\xhh``)."""

    code: int
    span: Span


class CharSet(Struct, frozen=True):
    """One character out of a set: ``[...]``, ``.``, ``\\d`` and the other class escapes."""

    ranges: Ranges
    span: Span


class Anchor(Struct, frozen=True):
    """``^`` (start of the text) or ``$`` (its end): not multi-line."""

    at: Literal["start", "end"]
    span: Span


Atom: TypeAlias = Char | CharSet | Anchor


class Repeat(Struct, frozen=True):
    """``?`` ``*`` ``+`` ``{n}`` ``{n,}`` ``{n,m}`` (``most`` None: unbounded); ``lazy``
    (a trailing ``?``) changes which match RE2 reports, never whether one exists."""

    item: Atom
    least: int
    most: int | None
    lazy: bool
    span: Span


Piece: TypeAlias = Atom | Repeat


class Branch(Struct, frozen=True):
    """One alternative: its pieces in order (none for an empty alternative)."""

    items: tuple[Piece, ...]
    span: Span


class Regex(Struct, frozen=True):
    """A parsed regex: the union of its branches, searched anywhere in the text.

    ``spaces`` and ``control_escapes`` are the positions of a literal space and of
    ``\\t \\n \\r``: valid, but outside AWS's documented list (findings A16-space,
    A16-escape)."""

    source: str
    branches: tuple[Branch, ...]
    spaces: tuple[int, ...]
    control_escapes: tuple[int, ...]

    @property
    def span(self) -> Span:
        return (0, len(self.source))


# ----------------------------------------------------------------------------- lexer


class _Token(Struct, frozen=True):
    """``plain``: an unescaped character (an operator or a literal, by context);
    ``literal``: an escaped character; ``set``: a class escape."""

    kind: Literal["plain", "literal", "set"]
    code: int
    ranges: Ranges
    start: int
    end: int


def _error(
    source: str, msg: str, pos: int, code: PatternErrorCode, hint: str | None = None
) -> PatternError:
    return PatternError(msg, source, pos, hint=hint, code=code)


def _hex_hint(ch: str) -> str:
    return f"write it as \\x{ord(ch):02X}"


def _lex(source: str) -> tuple[list[_Token], list[int], list[int]]:
    """The tokens, the positions of spaces and of control escapes; character-level errors."""
    if source == "":
        raise _error(source, "empty regular expression '%%'", 0, "regex-empty")
    tokens: list[_Token] = []
    spaces: list[int] = []
    controls: list[int] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ord(ch) > 127:
            raise _error(
                source,
                f"multi-byte character {ch!r} is not supported in a regular expression",
                i,
                "regex-character",
                "match it with '.' or a character class",
            )
        if ch in "()":
            raise _error(
                source,
                f"{ch!r} is not supported in a regular expression (no groups)",
                i,
                "regex-group",
                f"match a literal {ch!r} with \\x{ord(ch):02X}; alternation needs no groups",
            )
        if ch == " ":
            spaces.append(i)
        if ch != "\\":
            if not (ch.isalnum() or ch in SYMBOLS or ch in OPERATORS):
                raise _error(
                    source,
                    f"character {ch!r} is not supported in a regular expression",
                    i,
                    "regex-character",
                    _hex_hint(ch),
                )
            tokens.append(_Token("plain", ord(ch), (), i, i + 1))
            i += 1
            continue
        if i + 1 >= n:
            raise _error(source, "regular expression ends with a lone '\\'", i, "regex-escape")
        nxt = source[i + 1]
        if ord(nxt) > 127:
            raise _error(
                source,
                f"multi-byte character {nxt!r} is not supported in a regular expression",
                i + 1,
                "regex-character",
                "match it with '.' or a character class",
            )
        if nxt == "x":
            digits = source[i + 2 : i + 4]
            if len(digits) != 2 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise _error(
                    source,
                    "'\\x' must be followed by two hex digits",
                    i,
                    "regex-escape",
                    "e.g. \\x3A",
                )
            tokens.append(_Token("literal", int(digits, 16), (), i, i + 4))
            i += 4
            continue
        if nxt in CLASS_ESCAPES:
            tokens.append(_Token("set", 0, CLASS_ESCAPES[nxt], i, i + 2))
        elif nxt in CONTROL_ESCAPES:
            controls.append(i)
            tokens.append(_Token("literal", CONTROL_ESCAPES[nxt], (), i, i + 2))
        elif nxt.isalnum():
            raise _error(
                source, f"unsupported escape '\\{nxt}' in a regular expression", i, "regex-escape"
            )
        elif nxt in OPERATORS or nxt in SYMBOLS:
            if nxt == " ":
                spaces.append(i + 1)
            tokens.append(_Token("literal", ord(nxt), (), i, i + 2))
        else:
            raise _error(
                source,
                f"character {nxt!r} is not supported in a regular expression",
                i + 1,
                "regex-character",
                _hex_hint(nxt),
            )
        i += 2
    return tokens, spaces, controls


# ----------------------------------------------------------------------------- parser


@lru_cache(maxsize=1024)
def parse(source: str) -> Regex:
    """The IR of ``source`` (the text between the ``%``), or PatternError.

    Positions in the error are offsets into ``source``; engine.pattern.regex.check_regex
    moves them into the whole pattern.  Cached: a frozen IR is safe to share."""
    tokens, spaces, controls = _lex(source)
    return _Parser(source, tokens).regex(tuple(spaces), tuple(controls))


class _Parser:
    def __init__(self, source: str, tokens: list[_Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.i = 0

    def _peek(self, k: int = 0) -> _Token | None:
        j = self.i + k
        return self.tokens[j] if j < len(self.tokens) else None

    def _plain(self, chars: str, k: int = 0) -> bool:
        t = self._peek(k)
        return t is not None and t.kind == "plain" and chr(t.code) in chars

    def _syntax(self, msg: str, pos: int) -> PatternError:
        return _error(self.source, f"invalid regular expression: {msg}", pos, "regex-syntax")

    def regex(self, spaces: tuple[int, ...], controls: tuple[int, ...]) -> Regex:
        branches = [self._branch()]
        while self._plain("|"):
            self.i += 1
            branches.append(self._branch())
        return Regex(self.source, tuple(branches), spaces, controls)

    def _branch(self) -> Branch:
        start = self.tokens[self.i].start if self._peek() else len(self.source)
        items: list[Piece] = []
        while (t := self._peek()) is not None and not self._plain("|"):
            if (t.kind == "plain" and chr(t.code) in "*+?") or self._count() is not None:
                # After an atom _repeat takes the operator: here nothing precedes it.
                raise self._syntax(
                    f"no argument for repetition operator {self._operator_text()!r}", t.start
                )
            atom = self._atom()
            items.append(self._repeat(atom))
        end = items[-1].span[1] if items else start
        return Branch(tuple(items), (start, end))

    def _operator_text(self) -> str:
        t = self.tokens[self.i]
        count = self._count()
        end = count[2] if count is not None else t.end
        return self.source[t.start : end]

    def _atom(self) -> Atom:
        t = self.tokens[self.i]
        span = (t.start, t.end)
        if t.kind == "set":
            self.i += 1
            return CharSet(t.ranges, span)
        if t.kind == "literal":
            self.i += 1
            return Char(t.code, span)
        ch = chr(t.code)
        if ch == "[":
            return self._set()
        self.i += 1
        if ch == "^":
            return Anchor("start", span)
        if ch == "$":
            return Anchor("end", span)
        if ch == ".":
            return CharSet(DOT, span)
        return Char(t.code, span)  # letters, digits, symbols, and ] { } RE2 reads as text

    def _count(self) -> tuple[int, int | None, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at the cursor, as RE2 reads one: (least, most,
        end offset); None when the ``{`` is text (no digits, a leading zero, spaces)."""
        t = self._peek()
        if t is None or t.kind != "plain" or t.code != ord("{"):
            return None
        text = self.source
        j = t.end
        least, j = _integer(text, j)
        if least is None:
            return None
        most: int | None = least
        if j < len(text) and text[j] == ",":
            j += 1
            if j < len(text) and text[j] == "}":
                most = None
            else:
                most, j = _integer(text, j)
                if most is None:
                    return None
        if j >= len(text) or text[j] != "}":
            return None
        return least, most, j + 1

    def _repeat(self, atom: Atom) -> Piece:
        t = self._peek()
        if t is None:
            return atom
        count = self._count()
        if count is not None:
            least, most, end = count
            if least > MAX_REPEAT or (most is not None and (most > MAX_REPEAT or most < least)):
                raise self._syntax(
                    f"invalid repetition size {self.source[t.start : end]!r}", t.start
                )
        elif t.kind == "plain" and chr(t.code) in "*+?":
            least, most, end = {"*": (0, None), "+": (1, None), "?": (0, 1)}[chr(t.code)] + (t.end,)
        else:
            return atom
        while self._peek() is not None and self.tokens[self.i].start < end:
            self.i += 1
        lazy = self._plain("?")
        if lazy:
            end = self.tokens[self.i].end
            self.i += 1
        nxt = self._peek()
        if nxt is not None and (
            (nxt.kind == "plain" and chr(nxt.code) in "*+?") or self._count() is not None
        ):
            raise self._syntax(
                f"bad repetition operator {self.source[t.start : end] + self._operator_text()!r}",
                nxt.start,
            )
        return Repeat(atom, least, most, lazy, (atom.span[0], end))

    def _set(self) -> CharSet:
        """``[...]`` at the cursor (RE2's reading: ``]`` first is a member, ``-`` is a
        range between two characters and text elsewhere, ``[:name:]`` a POSIX class)."""
        open_ = self.tokens[self.i]
        self.i += 1
        negated = self._plain("^")
        if negated:
            self.i += 1
        members: list[tuple[int, int]] = []
        first = True
        while True:
            t = self._peek()
            if t is None:
                raise self._syntax("missing ']'", open_.start)
            if t.kind == "plain" and t.code == ord("]") and not first:
                self.i += 1
                break
            first = False
            if t.kind == "plain" and t.code == ord("[") and self._plain(":", 1):
                posix = self._posix(t)
                if posix is not None:
                    members.extend(posix)
                    continue
            if t.kind == "set":
                members.extend(t.ranges)
                self.i += 1
                continue
            lo = t.code
            self.i += 1
            if (
                self._plain("-")
                and (after := self._peek(1)) is not None
                and not (after.kind == "plain" and after.code == ord("]"))
            ):
                if after.kind == "set":
                    raise self._syntax(
                        f"invalid escape {self.source[after.start : after.end]!r} ending a range",
                        after.start,
                    )
                if after.code < lo:
                    raise self._syntax(
                        f"invalid character class range {self.source[t.start : after.end]!r}",
                        t.start,
                    )
                members.append((lo, after.code))
                self.i += 2
            else:
                members.append((lo, lo))
        ranges = normalize(members)
        close = self.tokens[self.i - 1].end
        return CharSet(complement(ranges) if negated else ranges, (open_.start, close))

    def _posix(self, t: _Token) -> Ranges | None:
        """``[:name:]`` or ``[:^name:]`` at the cursor: its set, and the cursor moved past
        it; None when no ``:]`` follows (then ``[`` is a member).  RE2 looks for the
        closing ``:]`` in the raw text, and so does this."""
        close = self.source.find(":]", t.start + 2)
        if close < 0:
            return None
        name = self.source[t.start + 2 : close]
        negated = name.startswith("^")
        ranges = POSIX_CLASSES.get(name[1:] if negated else name)
        if ranges is None:
            raise self._syntax(
                f"invalid character class range {self.source[t.start : close + 2]!r}", t.start
            )
        while self.tokens[self.i].start < close + 2:
            self.i += 1
        return complement(ranges) if negated else ranges


def _integer(text: str, j: int) -> tuple[int | None, int]:
    """A count as RE2 reads one: digits, no leading zero, below 10**9."""
    k = j
    while k < len(text) and text[k].isdigit():
        k += 1
    digits = text[j:k]
    if not digits or (len(digits) > 1 and digits[0] == "0") or len(digits) > 9:
        return None, j
    return int(digits), k


# ----------------------------------------------------------------------------- queries


def nullable(piece: Piece) -> bool:
    """Can ``piece`` match without consuming a character?"""
    match piece:
        case Char() | CharSet():
            return False
        case Anchor():
            return True
        case Repeat():
            return piece.least == 0 or nullable(piece.item)
        case _:
            assert_never(piece)


__all__ = [
    "Anchor",
    "Atom",
    "Branch",
    "Char",
    "CharSet",
    "Piece",
    "Regex",
    "Repeat",
    "complement",
    "contains",
    "nullable",
    "parse",
]
