"""Hypothesis strategies for AWS's regex subset (tests/pattern/test_regex_ir.py and the
z3 encoding's test): every construct the parser reads, including the corners where RE2's
reading is easy to get wrong; some draws are refused by RE2 (``[z-a]``), on purpose."""

from __future__ import annotations

from hypothesis import strategies as st

_LITERALS = ["a", "b", "x", "0", "1", "-", ":", "_", " ", ",", "]", "}"]
_ESCAPES = ["\\.", "\\x61", "\\x0a", "\\-", "\\]", "\\[", "\\^", "\\\\", "\\t", "\\n", "\\r"]
_CLASSES = ["\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "."]
_SET_ITEMS = [
    "a",
    "b",
    "x",
    "0",
    "-",
    "a-c",
    "0-9",
    "\\d",
    "\\s",
    "\\S",
    "\\W",
    "\\x61-\\x7A",
    ".",
    "[:alpha:]",
    "[:^digit:]",
    "[:space:]",
    "[:punct:]",
    "[",
    ":",
    "\\]",
]
_SETS = st.builds(
    lambda neg, close_first, items: (
        "[" + ("^" if neg else "") + ("]" if close_first else "") + "".join(items) + "]"
    ),
    st.booleans(),
    st.booleans(),
    st.lists(st.sampled_from(_SET_ITEMS), min_size=1, max_size=4),
)
_ATOMS = st.one_of(
    st.sampled_from(_LITERALS),
    st.sampled_from(_ESCAPES),
    st.sampled_from(_CLASSES),
    _SETS,
    st.sampled_from(["^", "$", "{", "{,2}", "{02}"]),
)
_QUANTIFIERS = st.sampled_from(
    ["", "", "", "?", "*", "+", "{2}", "{0,2}", "{1,}", "{0}", "{1,3}", "+?", "*?", "??", "{2}?"]
)
_BRANCHES = st.lists(st.tuples(_ATOMS, _QUANTIFIERS), min_size=0, max_size=5).map(
    lambda parts: "".join(a + ("" if a.startswith("{") else q) for a, q in parts)
)
REGEXES = st.lists(_BRANCHES, min_size=1, max_size=3).map("|".join).filter(bool)
TEXTS = st.text(alphabet="ab x01-:_,]}{\t\n\r\f.AZé\\", max_size=12)
#: Short texts over a small alphabet: enough for the z3 encoding to stay fast.
SHORT_TEXTS = st.text(alphabet="ab0 -\n\r]", max_size=5)
