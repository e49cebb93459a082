"""Hypothesis strategies: CloudTrail-shaped events built from a Sigma rule's own values.

For each field a rule names, the field is absent, null, a boolean, a number, the rule's value
(wildcards filled in, with prefixes/suffixes), a near miss of it (one character dropped, added
or changed), a case variant, ``true``/``false`` text, or short random text.  Keyword rules get
their keywords (and variants) inside a ``message`` field.  Paths through a non-object are drawn
too (an intermediate key holding a string).  No field a rule names holds an object or an array
(docs/sigma.md, "Scope of the verdicts").
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from engine.sigma import rule as sr
from engine.sigma.convert import QMARK, STAR, glob_parts

_FILL = st.sampled_from(["", "x", "Ab", " ", "\n", "*", "?", "é", "1"])


def _instances(value: sr.Scalar, exact: bool = False) -> st.SearchStrategy[str]:
    """Texts the rule's value matches (wildcards filled), and near misses and case variants
    (``exact``: only the first kind)."""
    if value is None or isinstance(value, bool):
        base = st.sampled_from(["true", "false", "null", "x"])
    elif not isinstance(value, str):
        base = st.just(str(value))
    else:
        parts = glob_parts(value)

        @st.composite
        def fill(draw: st.DrawFn) -> str:
            out = []
            for kind, text in parts:
                if kind == STAR:
                    out.append(draw(_FILL))
                elif kind == QMARK:
                    out.append(draw(st.sampled_from(["x", "\n", "é", "?", "*", "Q"])))
                else:
                    out.append(text)
            return "".join(out)

        base = fill()
    if exact:
        return base

    @st.composite
    def variant(draw: st.DrawFn) -> str:
        text = draw(base)
        how = draw(
            st.sampled_from(
                ["same", "same", "upper", "lower", "swap", "drop", "add", "change", "wrap", "nl"]
            )
        )
        if how == "upper":
            return text.upper()
        if how == "lower":
            return text.lower()
        if how == "swap":
            return text.swapcase()
        if how == "drop" and text:
            i = draw(st.integers(0, len(text) - 1))
            return text[:i] + text[i + 1 :]
        if how == "add":
            i = draw(st.integers(0, len(text)))
            return text[:i] + draw(st.sampled_from(["x", ".", " ", "Z"])) + text[i:]
        if how == "change" and text:
            i = draw(st.integers(0, len(text) - 1))
            return text[:i] + draw(st.sampled_from(["x", "0", "_"])) + text[i + 1 :]
        if how == "wrap":
            return draw(_FILL) + text + draw(_FILL)
        if how == "nl":
            return text + "\n"
        return text

    return variant()


def _field_value(values: list[sr.Scalar]) -> st.SearchStrategy[Any]:
    texts = st.one_of(*[_instances(v) for v in values]) if values else st.text(max_size=4)
    hits = st.one_of(*[_instances(v, exact=True) for v in values]) if values else texts
    numeric = [int(v) for v in values if isinstance(v, str) and v.lstrip("-").isdigit()]
    numeric += [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return st.one_of(
        hits,
        hits,
        hits,
        hits,
        texts,
        texts,
        st.none(),
        st.booleans(),
        st.sampled_from(["true", "false", "True", ""]),
        st.integers(-3, 3),
        st.sampled_from(numeric or [0]),
        st.text(max_size=5),
    )


_ABSENT = object()


def _fields(rule: sr.Rule) -> dict[str, list[sr.Scalar]]:
    out: dict[str, list[sr.Scalar]] = {}
    for search in rule.searches.values():
        for group in search:
            for item in group:
                if item.field is not None:
                    vals = out.setdefault(item.field, [])
                    if "cidr" in item.modifiers:
                        vals.extend(_cidr_samples(str(v)) for v in item.values)
                    else:
                        vals.extend(item.values)
    return out


def _cidr_samples(net: str) -> str:
    base = net.split("/")[0].rsplit(".", 1)[0]
    return base + ".?*"


def _keywords(rule: sr.Rule) -> list[sr.Scalar]:
    return [
        v
        for search in rule.searches.values()
        for group in search
        for item in group
        if item.field is None
        for v in item.values
    ]


def events(rule: sr.Rule) -> st.SearchStrategy[dict[str, Any]]:
    """Events for ``rule``; the per-field strategies are built once (building is the slow
    part of drawing)."""
    fields = _fields(rule)
    order = sorted(fields, key=lambda f: -f.count("."))
    values = {f: st.one_of(_field_value(fields[f]), st.just(_ABSENT)) for f in order}
    dotted = [f for f in fields if "." in f]
    kws = _keywords(rule)
    words = st.lists(st.one_of(*[_instances(v) for v in kws], st.text(max_size=4))) if kws else None

    @st.composite
    def draw_event(draw: st.DrawFn) -> dict[str, Any]:
        event: dict[str, Any] = {"eventVersion": "1.08", "awsRegion": "us-east-1"}
        for field in order:
            value = draw(values[field])
            keys = field.split(".")
            node = event
            ok = True
            for k in keys[:-1]:
                nxt = node.setdefault(k, {})
                if type(nxt) is not dict:
                    ok = False
                    break
                node = nxt
            if not ok or value is _ABSENT or type(node.get(keys[-1])) is dict:
                continue
            node[keys[-1]] = value
        if dotted and draw(st.booleans()):
            # A path through a non-object: the first step holds a string.
            first = draw(st.sampled_from(dotted)).split(".")[0]
            if first not in fields:
                event[first] = draw(st.sampled_from(["x", "", "true"]))
        if words is not None:
            event["message"] = " ".join(draw(words))
        return event

    return draw_event()
