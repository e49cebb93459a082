"""``validate``, ``test`` and ``explain``: the pattern language on the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from engine.cli import commandline as cl
from engine.cli.options import FormatChoice, epilog

if TYPE_CHECKING:
    import engine

# The engine is imported when a command runs (fast --help and usage errors).

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
TEXT_OR_JSON = FormatChoice(["text", "json"])


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
        _err(f"trailreplay: {exc.args[0] if isinstance(exc, KeyError) else exc}")
        raise cl.Exit(EXIT_INPUT) from None


def register(app: cl.App) -> None:
    app.command("validate", epilog=epilog(VALIDATE_EXAMPLES, VALIDATE_EXIT))(validate)
    app.command("test", epilog=epilog(TEST_EXAMPLES, TEST_EXIT))(test)
    app.command("explain", epilog=epilog(EXPLAIN_EXAMPLES, EXPLAIN_EXIT))(explain)


def _compile_or_exit(text: str, what: str = "invalid pattern") -> engine.CompiledPattern:
    """Compile, or report the error with its caret and exit 2 (a usage error, as in every
    command that takes a pattern)."""
    import engine

    try:
        return engine.compile(_pattern_arg(text))
    except engine.PatternError as exc:
        _err(f"trailreplay: {what}: {exc}")
        raise cl.Exit(EXIT_INPUT) from None


VALIDATE_EXAMPLES = (
    "trailreplay validate '{ $.eventName = \"CreateAccount\" }'",
    "trailreplay validate -f examples/patterns.txt --format json",
    "printf '%s\\n' ERROR '{ $.a == 1 }' | trailreplay validate -",
)
VALIDATE_EXIT = (
    "0 every pattern is valid, 1 a pattern is invalid (or, with --strict, has a\n"
    "warning), 2 usage error or unreadable input"
)


def validate(
    patterns: Annotated[
        list[str] | None,
        cl.Argument(
            metavar="PATTERN...",
            help="Patterns to validate; '-' reads one per line from stdin.",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        list[str] | None,
        cl.Option(
            "--patterns-file",
            "--file",
            "-f",
            metavar="FILE",
            help="Read patterns, one per line (repeatable).",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[bool, cl.Option("--strict", help="Exit 1 on warnings too.")] = False,
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
    quiet: Annotated[bool, cl.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Check filter patterns as CloudWatch Logs would, with a caret under each error.

    An invalid pattern is what this command reports (exit 1), not a usage error.
    """
    import engine
    from engine import patternfile
    from engine.findings import pattern_findings

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
        _err("trailreplay: no pattern: give patterns as arguments, -f FILE, or '-' for stdin")
        raise cl.Exit(EXIT_INPUT)
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
                "findings": [f.to_dict() for f in findings],
            }
        )
        if output == "text":
            if not quiet:
                print(f"ok ({compiled.kind}): {text}")
            for finding in findings:
                _err(where + finding.render(text))
    if output == "json":
        import orjson

        sys.stdout.write(orjson.dumps({"results": results}, option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    if unreadable:
        raise cl.Exit(EXIT_INPUT)
    if invalid or (strict and warned):
        raise cl.Exit(EXIT_FINDINGS)


TEST_EXAMPLES = (
    "trailreplay test '[..., status_code=4*, size]' --events examples/access.log",
    "trailreplay test '{ $.a = Delete* }' --event '{\"a\":\"DeleteTrail\"}' --event x",
    "cat examples/access.log | trailreplay test '\"GET\" 404'",
)
TEST_EXIT = (
    "0 the test ran (matched or not, as aws logs test-metric-filter answers),\n"
    "1 with --grep-status: no event matched, 2 usage error (an invalid pattern) or\n"
    "unreadable input"
)


def test(
    pattern: Annotated[
        str, cl.Argument(metavar="PATTERN", help="The filter pattern.", show_default=False)
    ],
    events: Annotated[
        str | None,
        cl.Option(
            "--events",
            metavar="FILE",
            help="Log events, one per line; '-' for stdin.  [default: stdin when no "
            "--event is given]",
            show_default=False,
        ),
    ] = None,
    event: Annotated[
        list[str] | None,
        cl.Option(
            "--event",
            metavar="TEXT",
            help="One log event message (repeatable); numbered before the --events lines.",
            show_default=False,
        ),
    ] = None,
    grep_status: Annotated[
        bool,
        cl.Option("--grep-status", help="Exit 1 when no event matches, as grep does."),
    ] = False,
) -> None:
    """Like `aws logs test-metric-filter`: which events match, with extractedValues.

    eventNumber is the 0-based place of an event in the input, as TestMetricFilter numbers
    the messages of its request: the --event values first, then the lines of --events.
    Blank lines are not events (AWS refuses empty messages) but keep their place, so
    eventNumber + 1 is the line number in the file and answers can be found in it.

    PATTERN may name a catalog control: `control:ID` (its intent) or `control:ID@V`.
    """
    compiled = _compile_or_exit(pattern)
    messages: list[tuple[int, str]] = list(enumerate(event or []))
    if events is not None or not event:
        source = events or "-"
        try:
            lines = _read_lines(source)
        except FileNotFoundError:
            _err(f"trailreplay: {source}: no such file")
            raise cl.Exit(EXIT_INPUT) from None
        except (OSError, UnicodeDecodeError) as exc:
            _err(f"trailreplay: {source}: cannot read: {getattr(exc, 'strerror', None) or exc}")
            raise cl.Exit(EXIT_INPUT) from None
        first = len(messages)
        messages += [(first + i, ln) for i, ln in enumerate(lines) if ln != ""]
    matches = [
        {"eventNumber": i, "eventMessage": m, "extractedValues": compiled.extract(m)}
        for i, m in messages
        if compiled.matches(m)
    ]
    import orjson

    sys.stdout.write(orjson.dumps({"matches": matches}, option=orjson.OPT_INDENT_2).decode() + "\n")
    raise cl.Exit(EXIT_FINDINGS if grep_status and not matches else EXIT_OK)


def _node_json(node: object) -> Any:
    from engine.pattern.ast import Node

    if isinstance(node, Node):
        out: dict[str, Any] = {"node": type(node).__name__.rstrip("_")}
        for name in node.__struct_fields__:
            out[name] = _node_json(getattr(node, name))
        return out
    if isinstance(node, tuple | list):
        return [_node_json(x) for x in node]
    if isinstance(node, frozenset):
        return sorted(node)
    return node


EXPLAIN_EXAMPLES = (
    "trailreplay explain '{ $.eventSource = s3.* && $.eventName = Put* }'",
    "trailreplay explain '[ip, user, ..., status_code=4*]' --format json",
)
EXPLAIN_EXIT = "0 explained, 2 usage error (an invalid pattern)"


def explain(
    pattern: Annotated[
        str, cl.Argument(metavar="PATTERN", help="The filter pattern.", show_default=False)
    ],
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Show how trailreplay reads a pattern: kind, canonical form, tree, fields, literals.

    PATTERN may name a catalog control: `control:ID` (its intent) or `control:ID@V`.
    """
    import engine
    from engine.findings import pattern_findings

    compiled = _compile_or_exit(pattern)
    a = compiled.analysis
    findings = pattern_findings(compiled)
    info = {
        "kind": compiled.kind,
        "canonical": engine.format(compiled.ast),
        "fields": list(a.fields),
        "required_literals": [sorted(c) for c in a.needles],
        "literals_apply_to": a.needle_space,
        "regexes": a.regex_count,
        "findings": [f.to_dict() for f in findings],
        "ast": _node_json(compiled.ast),
    }
    if output == "json":
        import orjson

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
    print("tree:")
    for line in tree_lines(compiled.ast):
        print("  " + line)
    for f in findings:
        print(f.render(pattern))


def tree_lines(node: object, depth: int = 0) -> list[str]:
    """The pattern as an indented tree, every node in pattern syntax (never a Python repr)."""
    from engine.pattern import ast
    from engine.pattern.printer import (
        format,
        format_entry,
        format_expr,
        format_regex,
        format_term,
    )

    pad = "  " * depth
    if isinstance(node, ast.JsonPattern):
        return [f"{pad}JSON pattern {{ ... }}", *tree_lines(node.expr, depth + 1)]
    if isinstance(node, ast.And | ast.Or):
        word = "all of (&&)" if isinstance(node, ast.And) else "any of (||)"
        return [f"{pad}{word}"] + [ln for i in node.items for ln in tree_lines(i, depth + 1)]
    if isinstance(node, ast.Comparison | ast.IsCheck | ast.FieldComparison):
        return [f"{pad}{format_expr(node)}"]
    if isinstance(node, ast.TermPattern):
        return [f"{pad}terms, all of:"] + [f"{pad}  {format_term(t)}" for t in node.terms]
    if isinstance(node, ast.RegexPattern):
        return [f"{pad}regex {format_regex(node.regex)}"]
    if isinstance(node, ast.MatchAll):
        return [f'{pad}"" (matches every event)']
    if isinstance(node, ast.SpacePattern):
        out = [f"{pad}space-delimited {format(node)}"]
        for n, e in enumerate(node.entries, 1):
            if isinstance(e, ast.Field) and e.condition is not None:
                out.append(f"{pad}  field {n} ({e.name}): {format_entry(e)}")
            else:
                out.append(f"{pad}  field {n}: {format_entry(e) or '(unnamed)'}")
        return out
    return [f"{pad}{format(node)}"]  # type: ignore[arg-type]
