"""``validate``, ``test`` and ``explain``: the pattern language on the command line."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

import engine
from engine import patternfile
from engine.findings import pattern_findings
from engine.pattern import ast
from engine.pattern.printer import format_expr

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def _read_lines(path: str) -> list[str]:
    """Lines of a file or of stdin (``-``); raises OSError/UnicodeDecodeError."""
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    return data.decode("utf-8").splitlines()


def _pattern_arg(arg: str) -> str:
    """Pattern text, or the pattern a ``control:ID[@V]`` argument names in the catalog."""
    from engine import catalog

    try:
        return catalog.pattern_text(arg)
    except (KeyError, catalog.CatalogError) as exc:
        _err(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}")
        raise typer.Exit(EXIT_INPUT) from None


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("test")(test)
    app.command("explain")(explain)


def validate(
    patterns: Annotated[
        list[str] | None,
        typer.Argument(help="Patterns to validate; '-' reads one per line from stdin."),
    ] = None,
    file: Annotated[
        list[str] | None, typer.Option("--file", "-f", help="Read patterns, one per line.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 on warnings too.")] = False,
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Check filter patterns as CloudWatch Logs would: 0 valid, 1 invalid, 2 unreadable input."""
    texts: list[tuple[str, str]] = []  # (origin, pattern)
    unreadable = False
    for p in patterns or []:
        if p == "-":
            try:
                texts += [(fp.where, fp.text) for fp in patternfile.read("-")]
            except patternfile.PatternFileError as exc:
                _err(f"trailreplay: {exc}")
                unreadable = True
        else:
            texts.append(("argument", p))
    for f in file or []:
        # The reader scan and lint use: the same formats, FILE:LINE for every pattern, one
        # named error for a file that is missing, not UTF-8 or holds a lone surrogate.
        try:
            texts += [(fp.where, fp.text) for fp in patternfile.read(f)]
        except patternfile.PatternFileError as exc:
            _err(f"trailreplay: {exc}")
            unreadable = True
    if not texts and not unreadable:
        _err("trailreplay validate: give patterns as arguments, --file F, or '-' for stdin")
        raise typer.Exit(EXIT_INPUT)
    invalid = warned = False
    results: list[dict[str, Any]] = []
    for origin, text in texts:
        where = "" if origin == "argument" else f"{origin}: "
        try:
            compiled = engine.compile(text)
        except engine.PatternError as exc:
            invalid = True
            results.append(
                {
                    "pattern": text,
                    "origin": origin,
                    "valid": False,
                    "error": {"message": exc.msg, "position": exc.position, "hint": exc.hint},
                }
            )
            if output == "text":
                _err(f"{where}error: {exc}")
            continue
        findings = pattern_findings(compiled)
        warned = warned or any(f.severity == "warning" for f in findings)
        results.append(
            {
                "pattern": text,
                "origin": origin,
                "valid": True,
                "kind": compiled.kind,
                "findings": [dataclasses.asdict(f) for f in findings],
            }
        )
        if output == "text":
            if not quiet:
                print(f"ok ({compiled.kind}): {text}")
            for finding in findings:
                _err(where + finding.render(text))
    if output == "json":
        sys.stdout.write(orjson.dumps({"results": results}, option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    if unreadable:
        raise typer.Exit(EXIT_INPUT)
    if invalid or (strict and warned):
        raise typer.Exit(EXIT_FINDINGS)


def test(
    pattern: Annotated[str, typer.Argument(help="The filter pattern.")],
    events: Annotated[
        str, typer.Option("--events", "-e", help="File of log events, one per line; '-' for stdin.")
    ] = "-",
) -> None:
    """Like `aws logs test-metric-filter`: which events match, with extractedValues.

    PATTERN may name a catalog control: `control:ID` (its intent) or `control:ID@V`.
    """
    try:
        compiled = engine.compile(_pattern_arg(pattern))
    except engine.PatternError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    try:
        lines = _read_lines(events)
    except FileNotFoundError:
        _err(f"trailreplay: {events}: no such file")
        raise typer.Exit(EXIT_INPUT) from None
    except (OSError, UnicodeDecodeError) as exc:
        _err(f"trailreplay: {events}: cannot read: {exc}")
        raise typer.Exit(EXIT_INPUT) from None
    # TestMetricFilter numbers events by their zero-based place in the request;
    # blank lines are not events (AWS requires each message to be non-empty).
    messages = [ln for ln in lines if ln != ""]
    matches = [
        {"eventNumber": i, "eventMessage": m, "extractedValues": compiled.extract(m)}
        for i, m in enumerate(messages)
        if compiled.matches(m)
    ]
    sys.stdout.write(orjson.dumps({"matches": matches}, option=orjson.OPT_INDENT_2).decode() + "\n")
    raise typer.Exit(EXIT_OK if matches else EXIT_FINDINGS)


def _node_json(node: object) -> Any:
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out: dict[str, Any] = {"node": type(node).__name__.rstrip("_")}
        for f in dataclasses.fields(node):
            out[f.name] = _node_json(getattr(node, f.name))
        return out
    if isinstance(node, tuple | list):
        return [_node_json(x) for x in node]
    if isinstance(node, frozenset):
        return sorted(node)
    return node


def explain(
    pattern: Annotated[str, typer.Argument(help="The filter pattern.")],
    output: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Show how trailreplay reads a pattern: kind, canonical form, AST, fields, literals.

    PATTERN may name a catalog control: `control:ID` (its intent) or `control:ID@V`.
    """
    try:
        compiled = engine.compile(_pattern_arg(pattern))
    except engine.PatternError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_FINDINGS) from None
    a = compiled.analysis
    info = {
        "kind": compiled.kind,
        "canonical": engine.format(compiled.ast),
        "fields": list(a.fields),
        "required_literals": [sorted(c) for c in a.needles],
        "literals_apply_to": a.needle_space,
        "regexes": a.regex_count,
        "findings": [dataclasses.asdict(f) for f in pattern_findings(compiled)],
        "ast": _node_json(compiled.ast),
    }
    if output == "json":
        sys.stdout.write(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    print(f"kind:       {info['kind']}")
    print(f"canonical:  {info['canonical']}")
    print(f"fields:     {', '.join(a.fields) or '-'}")
    if a.needles:
        print(f"requires ({a.needle_space} text), every line at least one of:")
        for clause in a.needles:
            print("  " + " | ".join(sorted(clause)))
    else:
        print("requires:   no literal (every event is a candidate)")
    print("ast:")
    _print_tree(compiled.ast, "  ")
    for f in info["findings"]:
        print(f"{f['severity']}[{f['code']}]: {f['message']}")


def _print_tree(node: object, indent: str) -> None:
    if isinstance(node, ast.JsonPattern):
        print(f"{indent}JsonPattern")
        _print_tree(node.expr, indent + "  ")
    elif isinstance(node, ast.And | ast.Or):
        print(f"{indent}{type(node).__name__}")
        for i in node.items:
            _print_tree(i, indent + "  ")
    elif isinstance(node, ast.SpacePattern):
        print(f"{indent}SpacePattern")
        for e in node.entries:
            _print_tree(e, indent + "  ")
    elif isinstance(node, ast.Field) and node.condition is not None:
        print(f"{indent}Field {node.name}")
        _print_tree(node.condition, indent + "  ")
    elif isinstance(node, ast.TermPattern):
        print(f"{indent}TermPattern")
        for t in node.terms:
            print(f"{indent}  Term {t.op or '+'}{t.text!r}")
    elif isinstance(node, ast.Comparison | ast.IsCheck | ast.FieldComparison):
        print(f"{indent}{type(node).__name__}  {format_expr(node)}")
    else:
        print(f"{indent}{node!r}")
