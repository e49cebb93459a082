"""What the z3 encodings share: the give-up exception and literal z3 strings.

A leaf of ``engine.prove``: the solver and the regex encoding both import it, so neither
imports the other (no ``solver`` <-> ``_regex`` cycle).
"""

from __future__ import annotations

from typing import Any


class Unsupported(Exception):
    """The patterns use a construct this encoding does not cover."""


def zstr(z: Any, text: str) -> Any:
    """A z3 string constant for ``text``, taken literally (z3 would read
    ``\\u{41}`` in a StringVal as an escape)."""
    return z.StringVal(text.replace("\\", "\\u{5c}"))
