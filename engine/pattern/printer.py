"""The canonical printer: any AST back to pattern text.

Canonical means: one space around operators, string values always double
quoted, numbers as written, compound operands of ``&&``/``||`` parenthesised,
simple conditions not.  ``parse(format(ast)) == ast`` holds for every AST the
parser can produce (spans aside).
"""

from __future__ import annotations

import re
from typing import assert_never

from engine.pattern import ast

_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+\Z")
_BARE_TERM = re.compile(r"[A-Za-z0-9_]+\Z")


def format(node: ast.Pattern) -> str:
    match node:
        case ast.MatchAll():
            return ""
        case ast.TermPattern():
            return " ".join(format_term(t) for t in node.terms)
        case ast.RegexPattern():
            return format_regex(node.regex)
        case ast.JsonPattern():
            return "{ " + format_expr(node.expr) + " }"
        case ast.SpacePattern():
            return "[" + ", ".join(format_entry(e) for e in node.entries) + "]"
        case _:
            assert_never(node)


def format_term(term: ast.Term) -> str:
    body = term.text if _BARE_TERM.match(term.text) else quote(term.text)
    return term.op + body


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_regex(regex: ast.Regex) -> str:
    return "%" + regex.source + "%"


def format_value(value: ast.Value) -> str:
    match value:
        case ast.Regex():
            return format_regex(value)
        case ast.Number():
            return value.text
        case ast.String():
            return quote(value.text)
        case _:
            assert_never(value)


def format_selector(selector: ast.Selector) -> str:
    out = ["$"]
    for step in selector.steps:
        match step:
            case ast.Key() if _BARE_KEY.match(step.name):
                out.append("." + step.name)
            case ast.Key():
                out.append(".['" + step.name.replace("\\", "\\\\").replace("'", "\\'") + "']")
            case ast.Index():
                out.append(f"[{step.index}]")
            case ast.AnyIndex():
                out.append("[*]")
            case ast.AnyKey():
                out.append(".*")
            case _:
                assert_never(step)
    return "".join(out)


def format_expr(node: ast.Expr) -> str:
    match node:
        case ast.And():
            return " && ".join(_operand(i) for i in node.items)
        case ast.Or():
            return " || ".join(_operand(i) for i in node.items)
        case ast.Comparison():
            return f"{format_selector(node.selector)} {node.op} {format_value(node.value)}"
        case ast.IsCheck():
            check = "NOT EXISTS" if node.check == "NOT EXISTS" else f"IS {node.check}"
            return f"{format_selector(node.selector)} {check}"
        case ast.FieldComparison():
            return f"{node.name} {node.op} {format_value(node.value)}"
        case _:
            assert_never(node)


def _operand(node: ast.Expr) -> str:
    text = format_expr(node)
    return f"({text})" if isinstance(node, ast.And | ast.Or) else text


def format_entry(entry: ast.Entry) -> str:
    match entry:
        case ast.Ellipsis_():
            return "..."
        case ast.Field():
            if entry.name is None:
                return ""
            if entry.condition is None:
                return entry.name
            return format_space_condition(entry.condition)
        case _:
            assert_never(entry)


def format_space_condition(node: ast.Expr) -> str:
    # Parentheses are not part of the space-delimited syntax, so nested groups
    # are printed flat; the parser rebuilds the same precedence.
    match node:
        case ast.Or():
            return " || ".join(format_space_condition(i) for i in node.items)
        case ast.And():
            return " && ".join(format_space_condition(i) for i in node.items)
        case ast.FieldComparison() | ast.Comparison() | ast.IsCheck():
            return format_expr(node)
        case _:
            assert_never(node)
