"""AWS's deploy-time rules for filters, and the analysis warnings, as lint findings.

Rules (PutMetricFilter / PutSubscriptionFilter, SEMANTICS.md §2 and §7):

    syntax          the pattern parses (engine.compile)            error
    length          at most 1024 characters                        error
    regex-quota     at most 2 regular expressions (JSON/space)     error
    wildcard-quota  selector wildcard limits                       error
    dimensions      only on JSON and space-delimited patterns      error
                    ("The specified filter pattern does not support dimensions")
    dimensions-max  at most 3 dimensions                           error
    default-dims    no default value together with dimensions      error
    metric-value    a number, or a reference ($.field / $name / $N) to a field of
                    the pattern; at most 100 characters            error
                    (a dimension naming a field outside the pattern: warning)
    metric-zero     a value <= 0 makes matching events add nothing warning
    unresolved      built at deploy time (${...}, !Ref, ...): not checked   info
    A*, never, ...  the pattern's findings, the same as ``validate`` reports
                    (engine.findings: the analysis, then the prover)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_never

import engine
from engine.findings import pattern_findings
from engine.lint.model import FilterDef, Level, LintFinding, Text, Transformation
from engine.pattern import ast, aws

# PatternError codes (engine.pattern.errors) that are lint rules of their own.
_QUOTA_CODES = {
    "length": "length",
    "regex-quota": "regex-quota",
    "selector-wildcards": "wildcard-quota",
    "wildcard-quota": "wildcard-quota",
}


def _rule_code(exc: engine.PatternError, text: str) -> str:
    """The lint rule an invalid pattern breaks: one of AWS's quotas, or the syntax,
    read from the error's stable code (never from its message)."""
    return _QUOTA_CODES.get(exc.code, "syntax")


class Checker:
    def __init__(self, f: FilterDef) -> None:
        self.f = f
        self.out: list[LintFinding] = []

    def add(
        self,
        level: Level,
        code: str,
        message: str,
        offset: int,
        end: int | None = None,
        hint: str | None = None,
    ) -> None:
        line, col = self.f.source.pos(offset)
        end_col = None
        if end is not None and end > offset:
            eline, ecol = self.f.source.pos(end)
            end_col = ecol if eline == line else None
        self.out.append(
            LintFinding(
                self.f.source.path, line, col, level, code, message, self.f.resource, hint, end_col
            )
        )

    # ------------------------------------------------------------------ pattern

    def run(self) -> tuple[list[LintFinding], engine.CompiledPattern | None]:
        f = self.f
        compiled: engine.CompiledPattern | None = None
        pattern = f.pattern
        what = f.attribute
        if pattern is None:
            if f.kind != "pattern":
                self.add("error", "missing", f"{f.resource} has no {what}", f.start)
        elif pattern.value is None:
            self.add(
                "info",
                "unresolved",
                f"{what} is only known at deploy time ({', '.join(pattern.unresolved)}); "
                "not checked",
                pattern.start,
            )
        else:
            compiled = self.pattern(pattern)
        for tr in f.transformations:
            self.transformation(tr, pattern, compiled)
        return self.out, compiled

    def pattern(self, t: Text) -> engine.CompiledPattern | None:
        assert t.value is not None
        if t.note:
            self.add("info", "resolved", f"{self.f.attribute} taken {t.note}", t.offset(0))
        try:
            compiled = engine.compile(t.value)
        except engine.PatternError as exc:
            code = _rule_code(exc, t.value)
            self.add("error", code, exc.msg, t.offset(exc.position), hint=exc.hint)
            return None
        for finding in pattern_findings(compiled):
            level: Level = "warning" if finding.severity == "warning" else "info"
            self.add(
                level,
                finding.code,
                finding.message,
                t.offset(finding.start),
                t.offset(finding.end),
            )
        return compiled

    # ------------------------------------------------------------------ metric transformation

    def transformation(
        self, tr: Transformation, pattern: Text | None, compiled: engine.CompiledPattern | None
    ) -> None:
        kind = compiled.kind if compiled is not None else None
        dims = tr.dimensions
        if tr.dimensions_unresolved:
            self.add(
                "info",
                "unresolved",
                f"dimensions are only known at deploy time ({tr.dimensions_unresolved}); "
                "not checked",
                tr.start,
            )
        if dims:
            first = next(iter(dims.values()))
            unsupported = kind is not None and kind not in ("json", "space")
            if unsupported:
                self.add(
                    "error",
                    "dimensions",
                    "The specified filter pattern does not support dimensions: dimensions need "
                    f"a JSON or space-delimited pattern, this one is {kind}",
                    first.start,
                )
            if len(dims) > 3:
                self.add(
                    "error",
                    "dimensions-max",
                    f"{len(dims)} dimensions; a metric filter allows at most 3",
                    first.start,
                )
            if tr.default_value is not None:
                self.add(
                    "error",
                    "default-dims",
                    "a default value cannot be set when dimensions are used",
                    tr.default_value.start,
                )
            for name, value in dims.items() if not unsupported else ():
                # AWS's docs show dimension values drawn from the pattern's fields but
                # do not say a foreign one is rejected: a warning, not an error.
                self.reference(value, compiled, f"dimension {name}", False, "warning")
        if tr.value is None:
            if self.f.kind == "metric":
                self.add("error", "metric-value", "metric transformation has no value", tr.start)
        else:
            self.reference(tr.value, compiled, "metric value", True, "error")

    def reference(
        self,
        t: Text,
        compiled: engine.CompiledPattern | None,
        what: str,
        number_ok: bool,
        foreign: Level,
    ) -> None:
        if t.value is None:
            self.add(
                "info",
                "unresolved",
                f"{what} is only known at deploy time ({', '.join(t.unresolved)}); not checked",
                t.start,
            )
            return
        text = t.value.strip()
        at = t.offset(0)
        if len(t.value) > aws.METRIC_VALUE_MAX_LENGTH:
            self.add("error", "metric-value", f"{what} is longer than 100 characters", at)
            return
        # The metric-value rules are AWS's, kept in engine.pattern.aws (one home).
        if number_ok and aws.is_number(text):
            number = aws.finite_number(text)
            if number is None:
                self.add("error", "metric-value", f"{what} {text} is out of range", at)
            elif number <= 0:
                self.add(
                    "warning",
                    "metric-zero",
                    f"{what} {text}: a matching event adds nothing to the metric",
                    at,
                )
            return
        if not text.startswith("$"):
            expected = "a number or a field reference" if number_ok else "a field reference"
            self.add(
                "error",
                "metric-value",
                f"{what} {text!r} is not {expected} ($.field for JSON patterns, $name or $N "
                "for space-delimited ones)",
                at,
            )
            return
        try:
            ref = aws.parse_reference(text, what)
        except aws.MetricRuleError as e:
            self.add("error", "metric-value", e.message, at)
            return
        if compiled is None:
            return  # pattern unknown or invalid: already reported
        try:
            aws.check_reference_kind(ref, compiled.kind, what)
        except aws.MetricRuleError as e:
            self.add("error", "metric-value", e.message, at)
            return
        node = compiled.ast
        if isinstance(ref, aws.JsonRef) and isinstance(node, ast.JsonPattern):
            used = {_concrete(n) for n in ast.walk(node) if isinstance(n, ast.Selector)}
            if ref.path not in used:
                self.add(
                    foreign,
                    "metric-value",
                    f"{what} {text} does not reference a field of the pattern (add "
                    f"{text} = * to the pattern so matching events have it)",
                    at,
                )
        elif isinstance(ref, aws.FieldRef) and isinstance(node, ast.SpacePattern):
            names = frozenset(e.name for e in node.entries if isinstance(e, ast.Field) and e.name)
            try:
                aws.check_field_name(ref, names, what)
            except aws.MetricRuleError as e:
                self.add(foreign, "metric-value", e.message, at)


def _concrete(selector: ast.Selector) -> tuple[str | int, ...] | None:
    """The selector's path as a metric value writes it, or None with a wildcard step."""
    path: list[str | int] = []
    for step in selector.steps:
        match step:
            case ast.Key():
                path.append(step.name)
            case ast.Index():
                path.append(step.index)
            case ast.AnyIndex() | ast.AnyKey():
                return None
            case _:
                assert_never(step)
    return tuple(path)


def check(f: FilterDef) -> tuple[list[LintFinding], engine.CompiledPattern | None]:
    """The findings for one filter, and its compiled pattern when it has a valid one."""
    return Checker(f).run()


def check_all(filters: Iterable[FilterDef]) -> list[LintFinding]:
    out: list[LintFinding] = []
    for f in filters:
        out.extend(check(f)[0])
    return out
