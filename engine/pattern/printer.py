"""The canonical printer: any AST back to pattern text.

Canonical means: one space around operators, string values always double
quoted, numbers as written, compound operands of ``&&``/``||`` parenthesised,
simple conditions not.  ``parse(format(ast)) == ast`` holds for every AST the
parser can produce (spans aside).
"""

from __future__ import annotations

import re

from engine.pattern import ast

_BARE_KEY = re.compile(r"[A-Za-z0-9_\-]+\Z")
_BARE_TERM = re.compile(r"[A-Za-z0-9_]+\Z")


def format(node: ast.Pattern) -> str:
    if isinstance(node, ast.MatchAll):
        return ""
    if isinstance(node, ast.TermPattern):
        return " ".join(format_term(t) for t in node.terms)
    if isinstance(node, ast.RegexPattern):
        return format_regex(node.regex)
    if isinstance(node, ast.JsonPattern):
        return "{ " + format_expr(node.expr) + " }"
    return "[" + ", ".join(format_entry(e) for e in node.entries) + "]"


def format_term(term: ast.Term) -> str:
    body = term.text if _BARE_TERM.match(term.text) else quote(term.text)
    return term.op + body


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_regex(regex: ast.Regex) -> str:
    return "%" + regex.source + "%"


def format_value(value: ast.Value) -> str:
    if isinstance(value, ast.Regex):
        return format_regex(value)
    if isinstance(value, ast.Number):
        return value.text
    return quote(value.text)


def format_selector(selector: ast.Selector) -> str:
    out = ["$"]
    for step in selector.steps:
        if isinstance(step, ast.Key):
            if _BARE_KEY.match(step.name):
                out.append("." + step.name)
            else:
                out.append(".['" + step.name.replace("\\", "\\\\").replace("'", "\\'") + "']")
        elif isinstance(step, ast.Index):
            out.append(f"[{step.index}]")
        elif isinstance(step, ast.AnyIndex):
            out.append("[*]")
        else:
            out.append(".*")
    return "".join(out)


def format_expr(node: ast.Expr) -> str:
    if isinstance(node, ast.And | ast.Or):
        sep = " && " if isinstance(node, ast.And) else " || "
        return sep.join(_operand(i) for i in node.items)
    if isinstance(node, ast.Comparison):
        return f"{format_selector(node.selector)} {node.op} {format_value(node.value)}"
    if isinstance(node, ast.IsCheck):
        check = "NOT EXISTS" if node.check == "NOT EXISTS" else f"IS {node.check}"
        return f"{format_selector(node.selector)} {check}"
    return f"{node.name} {node.op} {format_value(node.value)}"


def _operand(node: ast.Expr) -> str:
    text = format_expr(node)
    return f"({text})" if isinstance(node, ast.And | ast.Or) else text


def format_entry(entry: ast.Entry) -> str:
    if isinstance(entry, ast.Ellipsis_):
        return "..."
    if entry.name is None:
        return ""
    if entry.condition is None:
        return entry.name
    return format_space_condition(entry.condition)


def format_space_condition(node: ast.Expr) -> str:
    # Parentheses are not part of the space-delimited syntax, so nested groups
    # are printed flat; the parser rebuilds the same precedence.
    if isinstance(node, ast.Or):
        return " || ".join(format_space_condition(i) for i in node.items)
    if isinstance(node, ast.And):
        return " && ".join(format_space_condition(i) for i in node.items)
    return format_expr(node)
