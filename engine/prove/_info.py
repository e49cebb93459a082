"""What the prover needs to know about a pattern: its atoms, selectors and literals.

Shared by the solver (which encodes atoms), the search (which builds events from
literals) and the public strategies (``events_for``).
"""

from __future__ import annotations

import math
from typing import TypeAlias, assert_never

from engine.pattern import ast
from engine.pattern.aws import number_text
from engine.pattern.regex import witness

Atom: TypeAlias = ast.Comparison | ast.IsCheck | ast.FieldComparison
#: What the prover names as the deciding part of a pattern: a JSON condition or a term.
Clause: TypeAlias = "ast.Expr | ast.Term"
#: A concrete step of a path: ("k", name) into an object, ("i", n) into an array.
PathStep: TypeAlias = tuple[str, str | int]
Path: TypeAlias = tuple[PathStep, ...]


def atoms(expr: ast.AnyNode) -> list[Atom]:
    """The comparisons and checks of a boolean expression, in source order."""
    return [
        n
        for n in ast.walk(expr)
        if isinstance(n, ast.Comparison | ast.IsCheck | ast.FieldComparison)
    ]


def concrete_path(selector: ast.Selector) -> Path | None:
    """The selector as a path of concrete steps, or None if it has a wildcard step."""
    out: list[PathStep] = []
    for step in selector.steps:
        match step:
            case ast.Key():
                out.append(("k", step.name))
            case ast.Index():
                out.append(("i", step.index))
            case ast.AnyIndex() | ast.AnyKey():
                return None
            case _:
                assert_never(step)
    return tuple(out)


def split_wildcard(selector: ast.Selector) -> tuple[Path, str, Path] | None:
    """``(prefix, "[*]" | ".*", suffix)`` for a selector with one wildcard step."""
    for pos, step in enumerate(selector.steps):
        match step:
            case ast.Key() | ast.Index():
                continue
            case ast.AnyIndex():
                mark = "[*]"
            case ast.AnyKey():
                mark = ".*"
            case _:
                assert_never(step)
        prefix = concrete_path(ast.Selector(selector.steps[:pos]))
        suffix = concrete_path(ast.Selector(selector.steps[pos + 1 :]))
        if prefix is None or suffix is None:
            return None
        return prefix, mark, suffix
    return None


def clause_text(node: Clause) -> str:
    """Canonical text of one clause (an atom or a term), via the core's printer."""
    import engine

    match node:
        case ast.Comparison() | ast.IsCheck() | ast.And() | ast.Or():
            text = engine.format(ast.JsonPattern(node))
            inner = text.strip()
            if inner.startswith("{") and inner.endswith("}"):
                inner = inner[1:-1].strip()
            return inner
        case ast.Term():
            return engine.format(ast.TermPattern((node,))).strip()
        case ast.FieldComparison():
            return f"{node.name} {node.op} {_value_text(node.value)}"
        case _:
            assert_never(node)


def _value_text(value: ast.Value) -> str:
    match value:
        case ast.Regex():
            return f"%{value.source}%"
        case ast.Number():
            return value.text
        case ast.String():
            return '"' + value.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        case _:
            assert_never(value)


# --------------------------------------------------------------------------- literals


def string_instances(text: str) -> list[str]:
    """Concrete strings around a (possibly wildcarded) literal: matches and near misses."""
    out: list[str] = []
    if "*" in text:
        parts = text.split("*")
        out.append("".join(parts))  # every * empty
        out.append("x".join(parts))  # every * one character
        if parts[0]:
            out.append(parts[0][:-1] + "x" + "x".join(parts[1:]))  # breaks the prefix
        if parts[-1]:
            out.append("x".join(parts[:-1]) + "x" + parts[-1][1:])  # breaks the suffix
        out.append(text)  # the literal star itself
    else:
        out.append(text)
        if text:
            out.append(text[:-1])
            out.append(text + "x")
            swapped = text.swapcase()
            if swapped != text:
                out.append(swapped)
        else:
            out.append("x")
    seen: dict[str, None] = {}
    for s in out:
        seen.setdefault(s, None)
    return list(seen)


def number_instances(value: int | float) -> list[int | float]:
    """Numbers at and around a threshold."""
    if isinstance(value, int):
        return [value, value - 1, value + 1]
    if math.isnan(value) or math.isinf(value):
        return [0]
    return [value, value - 0.5, value + 0.5, math.floor(value), math.ceil(value)]


def value_pool(values: list[ast.Value]) -> list[object]:
    """JSON values on the decision boundaries of the given literals, plus wrong types."""
    pool: list[object] = []
    for v in values:
        match v:
            case ast.Number():
                nums = number_instances(v.value)
                pool.extend(nums)
                pool.extend(number_text(n) for n in nums[:1])  # the number as a string
            case ast.String():
                pool.extend(string_instances(v.text))
                stripped = v.text.replace("*", "")
                if _is_int_text(stripped):
                    pool.append(int(stripped))
                if "*" in v.text and v.text.strip("*") == "":
                    pool.extend([0, "x"])
            case ast.Regex():
                pool.extend(regex_instances(v.source))
            case _:
                assert_never(v)
    pool.extend([None, True, False, {}, [], "", 0])
    out: list[object] = []
    for item in pool:
        if not any(type(item) is type(o) and item == o for o in out):
            out.append(item)
    return out


def _is_int_text(s: str) -> bool:
    body = s[1:] if s.startswith("-") else s
    return body.isascii() and body.isdigit() and (body == "0" or not body.startswith("0"))


def regex_instances(source: str) -> list[str]:
    """A few strings that a regex matches or nearly matches: a witness read from its IR
    (engine.pattern.regex.witness), one character shorter, one longer, and ``x``."""
    found = witness(source)
    literal = found if found is not None else ""
    out = [literal, literal[:-1] if literal else "x", literal + "x", "x"]
    return list(dict.fromkeys(out))
