"""Render audit verdicts as text, JSON or SARIF 2.1.0.

Every format names the reference each control was judged against (the intent, or a
published text) and, where that text is defective, its defect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import orjson

from engine.audit.judge import ControlResult, Finding
from engine.sarif import TOOL_URI, sarif_log

FORMATS = ("text", "json", "sarif")


def summary(results: Sequence[ControlResult]) -> dict[str, int]:
    counts = Counter(r.status for r in results)
    return {k: counts.get(k, 0) for k in ("PASS", "FAIL", "UNKNOWN")}


def to_json(results: Sequence[ControlResult]) -> dict[str, Any]:
    return {"controls": [r.to_json() for r in results], "summary": summary(results)}


def _evidence_line(f: Finding) -> str:
    keys = ("counterexample", "error", "proved")
    parts = [f"{k}={orjson.dumps(f.evidence[k]).decode()}" for k in keys if k in f.evidence]
    return "; ".join(parts)


def _reference_lines(r: ControlResult) -> list[str]:
    """Which text the filters were judged against and, for a defective published text,
    its defect: the verdict means nothing without them."""
    ref = r.reference
    if not ref:
        return []
    out = [f"  reference: {ref.get('label', 'intent')}"]
    if ref.get("relation_to_intent") and ref["relation_to_intent"] != "equiv":
        out[0] += f" ({ref['relation_to_intent']} the intent)"
    if ref.get("defect"):
        out.append(f"  defect of that text: {ref['defect']}")
    return out


def render_text(results: Sequence[ControlResult], verbose: bool = False) -> str:
    """One line per control; below a control that did not pass, the steps that did not
    (``verbose``: every step of every control)."""
    lines: list[str] = []
    for r in results:
        lines.append(f"{r.status:<7} {r.id}  {r.title}")
        lines.extend(_reference_lines(r))
        for f in r.findings:
            if not verbose and (r.status == "PASS" or f.status == "PASS"):
                continue
            lines.append(f"  [{f.status}] {f.step}: {f.resource}: {f.message}")
            extra = _evidence_line(f)
            if extra and f.status != "PASS":
                lines.append(f"      {extra}")
    s = summary(results)
    lines.append(f"{s['PASS']} passed, {s['FAIL']} failed, {s['UNKNOWN']} unknown")
    return "\n".join(lines) + "\n"


def render_json(results: Sequence[ControlResult]) -> str:
    return orjson.dumps(to_json(results), option=orjson.OPT_INDENT_2).decode() + "\n"


def to_sarif(results: Sequence[ControlResult], snapshot: str) -> dict[str, Any]:
    rules = [
        {
            "id": r.id,
            "name": r.id,
            "shortDescription": {"text": r.title},
            "helpUri": f"{TOOL_URI}/blob/main/docs/audit.md",
        }
        for r in results
    ]
    sarif_results: list[dict[str, Any]] = []
    for i, r in enumerate(results):
        if r.status == "PASS":
            continue
        broken = [f for f in r.findings if f.status == r.status]
        text = "; ".join(f"{f.step} {f.resource}: {f.message}" for f in broken[:5])
        label = r.reference.get("label")
        if label:
            text += f" (judged against the {label})" if text else ""
        sarif_results.append(
            {
                "ruleId": r.id,
                "ruleIndex": i,
                "level": "error" if r.status == "FAIL" else "warning",
                "kind": "fail" if r.status == "FAIL" else "review",
                "message": {"text": f"{r.status}: {text}" if text else r.status},
                "locations": [
                    {
                        "physicalLocation": {"artifactLocation": {"uri": snapshot}},
                        "logicalLocations": [
                            {"name": f.resource, "kind": "resource"} for f in broken[:5]
                        ],
                    }
                ],
                "properties": {
                    "status": r.status,
                    "reference": r.reference,
                    "findings": [f.to_json() for f in r.findings],
                },
            }
        )
    return sarif_log("audit", rules, sarif_results)


def render_sarif(results: Sequence[ControlResult], snapshot: str) -> str:
    return orjson.dumps(to_sarif(results, snapshot), option=orjson.OPT_INDENT_2).decode() + "\n"


def render(results: Sequence[ControlResult], fmt: str, snapshot: str, verbose: bool = False) -> str:
    if fmt == "json":
        return render_json(results)
    if fmt == "sarif":
        return render_sarif(results, snapshot)
    return render_text(results, verbose)
