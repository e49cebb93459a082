"""The AWS filter-pattern regex subset as a z3 regular expression.

AWS regexes have no groups, so every one is a union of branches, each a sequence
of (possibly quantified) characters, classes and escapes, optionally anchored by
``^`` at its start and ``$`` at its end.  ``%re%`` is an unanchored search (RE2,
not multiline): an unanchored side gets ``.*`` (any character, newlines too).
``.`` is any character but ``\\n``; ``\\s`` = ``[ \\t\\n]``; ``\\w`` =
``[A-Za-z0-9_]`` (DECISIONS.md).  Anything else raises ``Unsupported``.
"""

from __future__ import annotations

import importlib
from typing import Any

from engine.prove._common import Unsupported, zstr

_OPERATORS = set("^$?[]{}|\\*+.")
_SYMBOLS = set("_#=@/;,-: ")
_UNDOCUMENTED = {"t": "\t", "n": "\n", "r": "\r"}


def _unsupported(msg: str) -> Exception:
    return Unsupported(f"regex: {msg}")


def to_z3(source: str) -> Any:
    z = importlib.import_module("z3")
    return _Compiler(z, source).compile()


class _Compiler:
    def __init__(self, z: Any, source: str) -> None:
        self.z = z
        self.src = source
        self.pos = 0
        self.re_sort = z.ReSort(z.StringSort())
        self.any = z.AllChar(self.re_sort)
        self.full = z.Full(self.re_sort)

    def compile(self) -> Any:
        z = self.z
        branches = [self._branch()]
        while self.pos < len(self.src) and self.src[self.pos] == "|":
            self.pos += 1
            branches.append(self._branch())
        if self.pos != len(self.src):
            raise _unsupported(f"unexpected {self.src[self.pos]!r}")
        return branches[0] if len(branches) == 1 else z.Union(*branches)

    def _branch(self) -> Any:
        z = self.z
        src = self.src
        start_anchor = end_anchor = False
        if self.pos < len(src) and src[self.pos] == "^":
            start_anchor = True
            self.pos += 1
        items: list[Any] = []
        while self.pos < len(src) and src[self.pos] != "|":
            c = src[self.pos]
            if c == "$":
                self.pos += 1
                if self.pos < len(src) and src[self.pos] != "|":
                    raise _unsupported("'$' before the end of a branch")
                end_anchor = True
                break
            if c == "^":
                raise _unsupported("'^' inside a branch")
            atom = self._atom()
            items.append(self._quantified(atom))
        pieces = ([] if start_anchor else [self.full]) + items + ([] if end_anchor else [self.full])
        if not pieces:
            return z.Re(zstr(z, ""))
        return pieces[0] if len(pieces) == 1 else z.Concat(*pieces)

    def _quantified(self, atom: Any) -> Any:
        z = self.z
        src = self.src
        while self.pos < len(src) and src[self.pos] in "?*+{":
            c = src[self.pos]
            self.pos += 1
            if c == "?":
                atom = z.Option(atom)
            elif c == "*":
                atom = z.Star(atom)
            elif c == "+":
                atom = z.Plus(atom)
            else:
                end = src.find("}", self.pos)
                if end < 0:
                    raise _unsupported("unclosed '{'")
                body = src[self.pos : end]
                self.pos = end + 1
                lo_text, sep, hi_text = body.partition(",")
                if not lo_text.isdigit() or (hi_text and not hi_text.isdigit()):
                    raise _unsupported(f"repetition {{{body}}}")
                lo = int(lo_text)
                if not sep:
                    atom = z.Loop(atom, lo, lo) if lo else z.Re(zstr(z, ""))
                elif not hi_text:
                    atom = z.Concat(z.Loop(atom, lo, lo), z.Star(atom)) if lo else z.Star(atom)
                else:
                    hi = int(hi_text)
                    if hi < lo:
                        raise _unsupported("bad repetition bounds")
                    atom = z.Loop(atom, lo, hi) if hi else z.Re(zstr(z, ""))
            # A lazy modifier does not change what matches.
            if self.pos < len(src) and src[self.pos] == "?" and c != "?":
                self.pos += 1
        return atom

    def _atom(self) -> Any:
        z = self.z
        src = self.src
        c = src[self.pos]
        if c == ".":
            self.pos += 1
            return z.Intersect(self.any, z.Complement(z.Re(zstr(z, "\n"))))
        if c == "[":
            return self._class()
        if c == "\\":
            ranges, negated = self._escape()
            return self._set(ranges, negated)
        if c in "?*+{}]()":
            raise _unsupported(f"unexpected {c!r}")
        self.pos += 1
        return z.Re(zstr(z, c))

    def _escape(self) -> tuple[list[tuple[str, str]], bool]:
        """The escape at ``pos`` as character ranges and a negation flag."""
        src = self.src
        if self.pos + 1 >= len(src):
            raise _unsupported("trailing backslash")
        e = src[self.pos + 1]
        self.pos += 2
        classes = {
            "d": [("0", "9")],
            "s": [(" ", " "), ("\t", "\t"), ("\n", "\n")],
            "w": [("A", "Z"), ("a", "z"), ("0", "9"), ("_", "_")],
        }
        if e in classes:
            return classes[e], False
        if e.lower() in classes:
            return classes[e.lower()], True
        if e == "x":
            hexa = src[self.pos : self.pos + 2]
            if len(hexa) != 2 or any(h not in "0123456789abcdefABCDEF" for h in hexa):
                raise _unsupported("bad \\x escape")
            self.pos += 2
            ch = chr(int(hexa, 16))
            return [(ch, ch)], False
        if e in _UNDOCUMENTED:
            ch = _UNDOCUMENTED[e]
            return [(ch, ch)], False
        if e in _OPERATORS or e in _SYMBOLS:
            return [(e, e)], False
        raise _unsupported(f"escape \\{e}")

    def _class(self) -> Any:
        src = self.src
        self.pos += 1
        negated = False
        if self.pos < len(src) and src[self.pos] == "^":
            negated = True
            self.pos += 1
        ranges: list[tuple[str, str]] = []
        subtract: list[list[tuple[str, str]]] = []
        first = True
        while True:
            if self.pos >= len(src):
                raise _unsupported("unclosed '['")
            c = src[self.pos]
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            if c == "\\":
                rs, neg = self._escape()
                if neg:
                    # Inside a set, a negated class escape keeps RE2's meaning
                    # (engine.pattern.regex.translate): \S excludes \f and \r too.
                    if src[self.pos - 1] == "S":
                        rs = [*rs, ("\f", "\f"), ("\r", "\r")]
                    subtract.append(rs)
                    continue
                lo = rs[0][0] if len(rs) == 1 and rs[0][0] == rs[0][1] else None
                if lo is None:
                    ranges.extend(rs)
                    continue
            else:
                lo = c
                self.pos += 1
            if self.pos + 1 < len(src) and src[self.pos] == "-" and src[self.pos + 1] != "]":
                self.pos += 1
                hc = src[self.pos]
                if hc == "\\":
                    rs, neg = self._escape()
                    if neg or len(rs) != 1 or rs[0][0] != rs[0][1]:
                        raise _unsupported("class range ending in a class")
                    hi = rs[0][0]
                else:
                    hi = hc
                    self.pos += 1
                if hi < lo:
                    raise _unsupported("reversed class range")
                ranges.append((lo, hi))
            else:
                ranges.append((lo, lo))
        z = self.z
        parts = [self._set(ranges, False)] if ranges else []
        for rs in subtract:
            parts.append(self._set(rs, True))
        if not parts:
            union = z.Empty(self.re_sort)
        else:
            union = parts[0] if len(parts) == 1 else z.Union(*parts)
        if negated:
            return z.Intersect(self.any, z.Complement(union))
        return union

    def _set(self, ranges: list[tuple[str, str]], negated: bool) -> Any:
        z = self.z
        res = [
            z.Re(zstr(z, lo)) if lo == hi else z.Range(zstr(z, lo), zstr(z, hi))
            for lo, hi in ranges
        ]
        union = res[0] if len(res) == 1 else z.Union(*res)
        if negated:
            return z.Intersect(self.any, z.Complement(union))
        return union
