"""``equiv`` and ``covers``: compare two filter patterns by meaning.

Exit 0 when the answer is yes, 1 when it is no, 2 on error (an invalid pattern
is reported with its caret).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

from engine.cli import commandline as cl
from engine.cli.options import FormatChoice, epilog

if TYPE_CHECKING:
    import engine
    from engine.prove import ProofResult

EXIT_YES, EXIT_NO, EXIT_ERROR = 0, 1, 2
TEXT_OR_JSON = FormatChoice(["text", "json"])
EXIT_TEXT = "0 yes, 1 no (with a counterexample event), 2 usage error (an invalid pattern)"


def register(app: cl.App) -> None:
    app.command(
        "equiv",
        epilog=epilog(
            ["trailreplay equiv '{ $.a = 1 && $.b = x }' '{ $.b = x && $.a = 1 }'"], EXIT_TEXT
        ),
    )(equiv)
    app.command(
        "covers",
        epilog=epilog(
            ["trailreplay covers '{ $.eventName = \"Update*\" }' '{ $.eventName = Update }'"],
            EXIT_TEXT,
        ),
    )(covers)


def _compile(label: str, text: str) -> engine.CompiledPattern:
    import engine
    from engine import catalog

    try:
        text = catalog.pattern_text(text)  # `control:ID[@V]` names a catalog pattern
    except (KeyError, catalog.CatalogError) as exc:
        sys.stderr.write(f"trailreplay: pattern {label}: {exc.args[0] if exc.args else exc}\n")
        raise cl.Exit(EXIT_ERROR) from None
    try:
        return engine.compile(text)
    except engine.PatternError as exc:
        sys.stderr.write(f"trailreplay: invalid pattern {label}: {exc}\n")
        raise cl.Exit(EXIT_ERROR) from None


def _event_text(event: object) -> str:
    import orjson

    if isinstance(event, str):
        return orjson.dumps(event).decode() + "  (a raw message)"
    return orjson.dumps(event).decode()


def _render_text(r: ProofResult, a: engine.CompiledPattern, b: engine.CompiledPattern) -> str:
    verdict = {
        ("equivalent", True): "equivalent",
        ("equivalent", False): "NOT equivalent",
        ("covers", True): "A covers B: A matches every event B matches",
        ("covers", False): "A does NOT cover B",
    }[(r.question, r.holds)]
    how = "proved (z3)" if r.proved else f"not proved ({r.method}"
    if not r.proved:
        how += f": {r.reason}" if r.reason else ""
        how += ")"
    lines = [f"{verdict} — {how}"]
    if r.counterexample is not None:
        other = "B" if r.matched_by == "A" else "A"
        lines.append(f"counterexample: {_event_text(r.counterexample)}")
        lines.append(f"  matched by {r.matched_by}, not by {other}")
        if r.deciding_clause:
            from engine.prove.counterexample import clause_owner  # the prover loads on use

            owner = clause_owner(r.deciding_clause, a.ast, b.ast)
            where = f"  (in {owner})" if owner else ""
            lines.append(f"  deciding clause: {r.deciding_clause}{where}")
    elif r.holds and not r.proved:
        lines.append("no separating event was found; this is evidence, not a proof")
    return "\n".join(lines)


def _run(question: str, a: str, b: str, output: str) -> None:
    import orjson

    pa, pb = _compile("A", a), _compile("B", b)
    from engine.prove import covers as covers_fn
    from engine.prove import equiv as equiv_fn

    try:
        r = equiv_fn(pa, pb) if question == "equivalent" else covers_fn(pa, pb)
    except Exception as exc:  # the prover must never print a traceback
        sys.stderr.write(f"trailreplay: could not decide: {type(exc).__name__}: {exc}\n")
        raise cl.Exit(EXIT_ERROR) from None
    if output == "json":
        sys.stdout.write(orjson.dumps(r.to_json()).decode() + "\n")
    else:
        sys.stdout.write(_render_text(r, pa, pb) + "\n")
    raise cl.Exit(EXIT_YES if r.holds else EXIT_NO)


def equiv(
    a: Annotated[str, cl.Argument(metavar="A", help="Pattern A (or control:ID[@V]).")],
    b: Annotated[str, cl.Argument(metavar="B", help="Pattern B (or control:ID[@V]).")],
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Are patterns A and B true on exactly the same log events?"""
    _run("equivalent", a, b, output)


def covers(
    a: Annotated[
        str, cl.Argument(metavar="A", help="Pattern A, the wider one (or control:ID[@V]).")
    ],
    b: Annotated[str, cl.Argument(metavar="B", help="Pattern B (or control:ID[@V]).")],
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Does pattern A match every event pattern B matches (A covers B)?"""
    _run("covers", a, b, output)
