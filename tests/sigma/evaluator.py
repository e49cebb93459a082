"""An independent evaluator of Sigma's semantics, for the tests only (the oracle).

It reads the rule IR (engine.sigma.rule: structure only, no meaning) and decides a rule on a
decoded CloudTrail event without any of the converter's code, as docs/sigma.md states Sigma:

* a field name's dots step into nested objects; a step into anything else finds nothing;
* a value is compared with the field's text: a string as is, a number as its JSON text, a
  boolean as ``true``/``false``; null, objects and arrays have no text (no value matches them);
* strings compare whole, case-insensitively unless ``cased`` (or ``cased=True`` for the whole
  rule, which is what a ``case-sensitive`` verdict is judged against); ``*`` any run and ``?``
  one character, ``\\*`` ``\\?`` ``\\\\`` escapes; contains/startswith/endswith add ``*``;
* ``null``: the field is null or absent; ``exists``: the key is present (null included);
* ``re``: a Python ``re`` search (PCRE's ASCII classes: ``re.ASCII``), case-sensitive, flags
  ``i``/``m``/``s``; ``cidr``: the text parses as an IP address inside the network;
* keywords: the event's text (its compact JSON, the CloudWatch message) contains the value;
* values of one item OR (``all``: AND); items of a mapping AND; mappings of a list OR.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import orjson

from engine.sigma import rule as sr

_ABSENT = object()


def resolve(event: Any, field: str) -> Any:
    node = event
    for key in field.split("."):
        if type(node) is not dict or key not in node:
            return _ABSENT
        node = node[key]
    return node


def text_of(value: Any) -> str | None:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if type(value) is float:
        return orjson.dumps(value).decode()
    return None


def _sigma_glob(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def _written(value: sr.Scalar) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _value_matches(item: sr.Item, value: sr.Scalar, event: Any, cased: bool) -> bool:
    mods = item.modifiers
    assert item.field is not None
    found = resolve(event, item.field)
    if "exists" in mods:
        return (found is not _ABSENT) == value
    if value is None:
        return found is _ABSENT or found is None
    text = text_of(found) if found is not _ABSENT else None
    if text is None:
        return False
    if "re" in mods:
        flags = re.ASCII
        flags |= re.IGNORECASE if "i" in mods else 0
        flags |= re.MULTILINE if "m" in mods else 0
        flags |= re.DOTALL if "s" in mods else 0
        return re.search(str(value), text, flags) is not None
    if "cidr" in mods:
        try:
            return ipaddress.ip_address(text) in ipaddress.ip_network(str(value), strict=False)
        except ValueError:
            return False
    body = _sigma_glob(value) if isinstance(value, str) else re.escape(_written(value))
    if "contains" in mods:
        body = ".*" + body + ".*"
    elif "startswith" in mods:
        body = body + ".*"
    elif "endswith" in mods:
        body = ".*" + body
    flags = re.DOTALL | (0 if cased or "cased" in mods else re.IGNORECASE)
    return re.fullmatch(body, text, flags) is not None


def _keyword(value: sr.Scalar, event: Any, cased: bool) -> bool:
    text = orjson.dumps(event).decode()
    body = ".*" + (_sigma_glob(value) if isinstance(value, str) else re.escape(_written(value)))
    flags = re.DOTALL | (0 if cased else re.IGNORECASE)
    return re.fullmatch(body + ".*", text, flags) is not None


def _item(item: sr.Item, event: Any, cased: bool) -> bool:
    if item.field is None:
        hits = [_keyword(v, event, cased) for v in item.values]
    else:
        hits = [_value_matches(item, v, event, cased) for v in item.values]
    return all(hits) if "all" in item.modifiers else any(hits)


def _search(search: sr.Search, event: Any, cased: bool) -> bool:
    return any(all(_item(i, event, cased) for i in group) for group in search)


def _cond(rule: sr.Rule, cond: sr.Cond, event: Any, cased: bool) -> bool:
    if isinstance(cond, sr.Ref):
        return _search(rule.searches[cond.name], event, cased)
    if isinstance(cond, sr.Of):
        hits = [_search(rule.searches[n], event, cased) for n in cond.names]
        return all(hits) if cond.quant == "all" else any(hits)
    if isinstance(cond, sr.Not):
        return not _cond(rule, cond.item, event, cased)
    if isinstance(cond, sr.And):
        return all(_cond(rule, c, event, cased) for c in cond.items)
    return any(_cond(rule, c, event, cased) for c in cond.items)


def evaluate(rule: sr.Rule, event: dict[str, Any], cased: bool = False) -> bool:
    """Does ``rule`` match ``event``?  ``cased``: compare every string with its case."""
    return _cond(rule, rule.condition, event, cased)
