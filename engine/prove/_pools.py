"""Candidate values on a pattern's decision boundaries.

One source of truth for the search (:mod:`engine.prove.search`, seeded
``random``) and the public strategies (:mod:`engine.strategies`, hypothesis).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, assert_never

import orjson

from engine.pattern import ast
from engine.pattern.aws import number_text
from engine.prove._info import (
    Path,
    atoms,
    concrete_path,
    regex_instances,
    split_wildcard,
    string_instances,
    value_pool,
)


@dataclass
class JsonPlan:
    """Paths to assign and, for each, the values worth trying."""

    paths: list[Path] = field(default_factory=list)
    pools: dict[Path, list[object]] = field(default_factory=dict)
    shared: list[object] = field(default_factory=list)


def _instantiate(selector: ast.Selector) -> list[Path]:
    cp = concrete_path(selector)
    if cp is not None:
        return [cp]
    sw = split_wildcard(selector)
    if sw is None:
        return []
    prefix, kind, suffix = sw
    if kind == "[*]":
        return [(*prefix, ("i", 0), *suffix), (*prefix, ("i", 1), *suffix)]
    return [(*prefix, ("k", "any"), *suffix)]


def json_plan(patterns: Sequence[ast.Pattern]) -> JsonPlan:
    plan = JsonPlan()
    values: dict[Path, list[ast.Value]] = {}
    all_values: list[ast.Value] = []
    for pattern in patterns:
        if not isinstance(pattern, ast.JsonPattern):
            continue
        for atom in atoms(pattern.expr):
            match atom:
                case ast.Comparison() | ast.IsCheck():
                    tested = [atom.value] if isinstance(atom, ast.Comparison) else []
                case ast.FieldComparison():
                    raise AssertionError("a JSON pattern has no space-delimited condition")
                case _:
                    assert_never(atom)
            for path in _instantiate(atom.selector):
                if path not in values:
                    values[path] = []
                    plan.paths.append(path)
                values[path].extend(tested)
                all_values.extend(tested)
    for path, vals in values.items():
        plan.pools[path] = value_pool(vals)
    plan.shared = value_pool(all_values) + message_tokens(patterns)
    return plan


#: An assignment value that removes the path from the base record.
DELETE = object()


def build_record(
    assign: Sequence[tuple[Path, object]], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A nested record (a deep copy of ``base``, or empty) with each path set to
    its value, or removed for :data:`DELETE` (conflicting paths skipped)."""
    root: dict[str, Any] = copy.deepcopy(base) if base is not None else {}
    for path, value in sorted(assign, key=lambda pv: len(pv[0])):
        if value is DELETE:
            _delete(root, path)
        else:
            _set(root, path, value)
    return root


def _delete(root: dict[str, Any], path: Path) -> None:
    node: Any = root
    for kind, name in path[:-1]:
        if kind == "k" and isinstance(node, dict) and str(name) in node:
            node = node[str(name)]
        elif kind == "i" and isinstance(node, list) and int(name) < len(node):
            node = node[int(name)]
        else:
            return
    kind, name = path[-1]
    if kind == "k" and isinstance(node, dict):
        node.pop(str(name), None)
    elif kind == "i" and isinstance(node, list) and int(name) == len(node) - 1:
        node.pop()


def _set(root: dict[str, Any], path: Path, value: object) -> None:
    node: Any = root
    for depth, (kind, name) in enumerate(path):
        last = depth == len(path) - 1
        nxt = path[depth + 1][0] if not last else None
        fresh: Any = value if last else ({} if nxt == "k" else [])
        if kind == "k":
            if not isinstance(node, dict):
                return
            if last:
                node[str(name)] = value
                return
            node = node.setdefault(str(name), fresh)
        else:
            if not isinstance(node, list):
                return
            index = int(name)
            while len(node) <= index:
                node.append(None)
            if last:
                node[index] = value
                return
            if node[index] is None:
                node[index] = fresh
            node = node[index]


# --------------------------------------------------------------------------- messages


def message_tokens(patterns: Sequence[ast.Pattern]) -> list[str]:
    """Words worth putting in a message: every literal, near misses, noise."""
    out: list[str] = []
    for pattern in patterns:
        for node in ast.walk(pattern):
            if isinstance(node, ast.Term):
                out.extend(string_instances(node.text.replace("*", "")) if node.text else [""])
                out.append(node.text)
            elif isinstance(node, ast.Value):
                out.extend(_value_tokens(node))
    out.extend(["x", "ERROR", "0", "-1", "1.5"])
    return list(dict.fromkeys(o for o in out if isinstance(o, str)))


def space_shapes(pattern: ast.SpacePattern) -> list[list[list[str]]]:
    """For each entry of a space-delimited pattern, the field texts worth trying."""
    fields: list[list[str]] = []
    for entry in pattern.entries:
        match entry:
            case ast.Ellipsis_():
                fields.append(["x", "1"])
                continue
            case ast.Field():
                pass
            case _:
                assert_never(entry)
        pool: list[str] = []
        if entry.condition is not None:
            for node in ast.walk(entry.condition):
                if isinstance(node, ast.Value):
                    pool.extend(_value_tokens(node, near=True))
        pool.extend(["x", "1"])
        fields.append(list(dict.fromkeys(p for p in pool if p)))
    return [fields]


def _value_tokens(node: ast.Value, near: bool = False) -> list[str]:
    """Texts worth trying against a literal: itself and its near misses (``near``: a
    number's neighbours too)."""
    match node:
        case ast.String():
            return string_instances(node.text)
        case ast.Number():
            v = node.value
            if not near:
                return [node.text, number_text(v)]
            around = [v, v - 1, v + 1] if isinstance(v, int) else [v, v - 0.5, v + 0.5]
            return [*(number_text(n) for n in around), node.text]
        case ast.Regex():
            return regex_instances(node.source)
        case _:
            assert_never(node)


def render_field(text: str) -> str:
    """A field as it must appear in a message to be read back as ``text``."""
    if " " in text or text == "" or text.startswith(("[", '"')):
        return f'"{text}"' if '"' not in text else f"[{text}]"
    return text


def dumps(record: dict[str, Any]) -> str:
    return orjson.dumps(record).decode()
