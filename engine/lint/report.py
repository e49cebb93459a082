"""Render lint findings: text (``path:line:col: level: message`` + caret), JSON, SARIF 2.1.0."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from engine.lint.model import LEVELS, LintFinding, Source
from engine.sarif import TOOL_URI, sarif_log

FORMATS = ("text", "json", "sarif")
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def sort_key(f: LintFinding) -> tuple[bool, str, int, int, int]:
    """By file, line, column; findings about the whole input last."""
    return (f.path is None, f.path or "", f.line, f.col, -LEVELS[f.level])


def summary(findings: Sequence[LintFinding]) -> dict[str, int]:
    counts = Counter(f.level for f in findings)
    return {k: counts.get(k, 0) for k in ("error", "warning", "info")}


_CONTEXT = 120  # characters of a source line shown around the caret


def _window(line: str, col: int) -> tuple[str, int]:
    """At most about ``_CONTEXT`` characters of ``line`` around index ``col``, and the
    caret's index in them: a minified template is one line of megabytes."""
    if len(line) <= _CONTEXT:
        return line, col
    start = max(0, min(col - _CONTEXT // 2, len(line) - _CONTEXT))
    shown = line[start : start + _CONTEXT]
    caret = col - start
    if start > 0:
        shown, caret = "…" + shown, caret + 1
    if start + _CONTEXT < len(line):
        shown += "…"
    return shown, caret


def render_text(findings: Sequence[LintFinding], sources: Mapping[str, Source]) -> str:
    lines: list[str] = []
    for f in sorted(findings, key=sort_key):
        if f.path is None:
            lines.append(f"{f.level}: {f.message} [{f.code}]")
            if f.hint:
                lines.append(f"  hint: {f.hint}")
            continue
        lines.append(f"{f.path}:{f.line}:{f.col}: {f.level}: {f.message} [{f.code}]")
        src = sources.get(f.path)
        context = src.line_text(f.line) if src is not None else ""
        if context.strip():
            shown, caret = _window(context.replace("\t", " "), f.col - 1)
            width = max(1, min((f.end_col or f.col + 1) - f.col, len(shown) - caret))
            lines.append(f"  {shown}")
            lines.append(f"  {' ' * caret}^{'~' * (width - 1)}")
        if f.hint:
            lines.append(f"  hint: {f.hint}")
    s = summary(findings)
    lines.append(f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} note(s)")
    return "\n".join(lines) + "\n"


def to_json(findings: Sequence[LintFinding], files: int) -> dict[str, Any]:
    return {
        "findings": [f.to_json() for f in sorted(findings, key=sort_key)],
        "summary": {**summary(findings), "files": files},
    }


def render_json(findings: Sequence[LintFinding], files: int) -> str:
    return orjson.dumps(to_json(findings, files), option=orjson.OPT_INDENT_2).decode() + "\n"


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_uri()
    return p.as_posix()


def to_sarif(findings: Sequence[LintFinding]) -> dict[str, Any]:
    codes = sorted({f.code for f in findings})
    index = {c: i for i, c in enumerate(codes)}
    results = []
    for f in sorted(findings, key=sort_key):
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVEL[f.level],
            "message": {"text": f.message + (f"\nhint: {f.hint}" if f.hint else "")},
        }
        # A finding about the whole input is a run-level result: SARIF results need no
        # location, and pinning one to an unrelated line would misplace the annotation.
        if f.path is not None:
            region: dict[str, Any] = {"startLine": f.line, "startColumn": f.col}
            if f.end_col is not None:
                region["endColumn"] = f.end_col
            location: dict[str, Any] = {
                "physicalLocation": {"artifactLocation": {"uri": _uri(f.path)}, "region": region}
            }
            if f.resource:
                location["logicalLocations"] = [{"name": f.resource, "kind": "resource"}]
            result["locations"] = [location]
        results.append(result)
    rules = [
        {
            "id": c,
            "name": c,
            "shortDescription": {"text": c},
            "helpUri": f"{TOOL_URI}/blob/main/docs/lint.md",
        }
        for c in codes
    ]
    return sarif_log("lint", rules, results)


def render_sarif(findings: Sequence[LintFinding]) -> str:
    return orjson.dumps(to_sarif(findings), option=orjson.OPT_INDENT_2).decode() + "\n"


def exit_code(findings: Sequence[LintFinding], unreadable: bool, fail_level: str) -> int:
    """2 when an input could not be read, 1 when a finding is at or above the fail level."""
    if unreadable:
        return 2
    floor = LEVELS[fail_level]
    return 1 if any(LEVELS[f.level] >= floor for f in findings) else 0
