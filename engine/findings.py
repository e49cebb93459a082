"""Every finding about one valid pattern, from one place: analysis, then the prover.

``validate``, ``explain`` and ``lint`` all report :func:`pattern_findings`, so a pattern
gets the same findings whichever command looks at it (issue 15: "findings have three
homes").  Two sources:

    analysis   engine.compile(p).findings: undocumented readings (A1, A2, ...), shapes
               that can never match or match everything, found syntactically
    prover     engine.prove: ``never-matches`` (no event satisfies the pattern),
               ``matches-everything`` (every event of its kind does), ``redundant-clause``
               (a clause whose removal leaves the meaning unchanged)

Invariants: analysis findings come first, in their order, then the prover's; the prover
is advisory, so when it is not installed (the ``prove`` extra), cannot decide, or fails,
its findings are left out and nothing is raised; a pattern the prover shows can never
match gets no further prover finding (every other statement about it would be vacuous).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.pattern.errors import Finding

if TYPE_CHECKING:
    import engine

__all__ = ["Finding", "pattern_findings", "prover_findings"]


def prover_findings(compiled: engine.CompiledPattern) -> list[Finding]:
    """What the prover finds about a valid pattern (possibly nothing)."""
    try:
        from engine.prove import matches_everything, never_matches, redundant_clauses
    except ImportError:
        return []
    out: list[Finding] = []
    end = len(compiled.text)
    events = "JSON event" if compiled.kind == "json" else "event"
    try:
        if compiled.kind in ("json", "terms") and never_matches(compiled) is True:
            out.append(Finding("never-matches", "this pattern can never match any event", 0, end))
            return out
        if compiled.kind != "all" and matches_everything(compiled) is True:
            out.append(
                Finding("matches-everything", f"this pattern matches every {events}", 0, end)
            )
        for start, stop in redundant_clauses(compiled) or []:
            out.append(
                Finding(
                    "redundant-clause",
                    "this clause changes nothing: the pattern means the same without it",
                    start,
                    stop,
                )
            )
    except Exception:  # advisory: a prover failure must not break validate or lint
        return out
    return out


def pattern_findings(compiled: engine.CompiledPattern) -> list[Finding]:
    """Every finding about ``compiled``: the analysis', then the prover's."""
    return [*compiled.findings, *prover_findings(compiled)]
