"""Untrusted text made inert for a person's terminal: the one place that decides how.

Log fields, file names and pattern ids are data.  Whatever reaches a terminal must not be able to
move the cursor, set a title, open a hyperlink (OSC 8), change colours, start a new line that looks
like one of ours, or reorder what follows (bidirectional overrides, "Trojan Source").

Invariants of :func:`inert`:

- the result holds no C0/C1 control character, no DEL, no lone surrogate, no line or paragraph
  separator and no invisible formatting character from :data:`_UNSAFE`;
- each such character becomes a visible escape in Python's spelling (``\\n``, ``\\t``, ``\\x1b``,
  ``\\u202e``); a lone surrogate that stands for an undecodable byte of a file name
  (``os.fsdecode``'s ``surrogateescape``) is shown as that byte (``\\xff``);
- text without such characters is returned unchanged (the same object: a search, no copy);
- nothing is markup: callers print the result as plain text (never through rich markup).

Backslashes are left as they are, so ``DOMAIN\\user`` stays readable; inertness, not
reversibility, is the point (the JSON outputs carry the exact values).
"""

from __future__ import annotations

import re

__all__ = ["inert", "without_surrogates"]

# C0 controls and DEL, C1 controls, soft hyphen, Arabic letter mark, zero-width and bidi marks
# (U+200B-U+200F), line/paragraph separators and bidi embeddings/overrides (U+2028-U+202E), word
# joiner, invisible operators and bidi isolates (U+2060-U+206F), the byte order mark, interlinear
# annotation controls, and every surrogate (only lone ones survive into a str).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb\ud800-\udfff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: an undecodable byte of a file name
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` with every character that could act on a terminal shown as a visible escape."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_escape, text)


def without_surrogates(text: str) -> str:
    """``text`` encodable as UTF-8 (for JSON output): only lone surrogates are escaped, spelled
    as :func:`inert` spells them; every other character is kept (JSON escapes controls itself)."""
    if _SURROGATE.search(text) is None:
        return text
    return _SURROGATE.sub(_escape, text)
