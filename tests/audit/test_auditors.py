"""The comparison table of docs/audit.md: every cell is computed here.

Each table row names a case (first column, in backticks).  For each case the test
builds a snapshot, runs trailreplay's judge and the re-implemented checks of today's
auditors (tests/audit/auditors.py), and asserts the table says what they say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine import catalog
from engine.audit.judge import judge
from engine.audit.snapshot import from_data

from . import auditors as aud
from . import builders as b

JSON = dict[str, Any]
DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
COLUMNS = ["Prowler", "Steampipe", "Cloudsploit", "Trivy", "Security Hub", "trailreplay"]


def cis() -> str:
    return catalog.get(b.ORG).pattern


def contradiction(pattern: str) -> str:
    """The same text plus a second, different eventSource: nothing can match."""
    head, _, _ = pattern.rstrip().rpartition("}")
    return head.rstrip() + " && ($.eventSource = iam.amazonaws.com) }"


def reordered() -> str:
    names = " || ".join(f'($.eventName = "{n}")' for n in sorted(aud.CIS_NAMES))
    return f'{{ ({names}) && ($.eventSource = "organizations.amazonaws.com") }}'


def missing_name() -> str:
    return cis().replace('($.eventName = "MoveAccount") || ', "")


def advanced(snap: JSON) -> None:
    snap["cloudtrail get-event-selectors"][b.TRAIL] = b.advanced_selectors(
        [{"Field": "eventCategory", "Equals": ["Management"]}]
    )


def pending(snap: JSON) -> None:
    snap["sns list-subscriptions-by-topic"][b.TOPIC]["Subscriptions"] = [
        b.subscription(confirmed=False)
    ]


def other_namespace(snap: JSON) -> None:
    b.org_alarm(snap)["Namespace"] = "LogMetrics"


def single_region(snap: JSON) -> None:
    snap["cloudtrail describe-trails"]["trailList"][0]["IsMultiRegionTrail"] = False


Case = tuple[Callable[[], str] | None, Callable[[JSON], None] | None]
CASES: dict[str, Case] = {
    "cis-1.3": (lambda: aud._variant("1.3.0"), None),
    "cis-2.0": (cis, None),
    "cis-6.0": (lambda: aud._variant("6.0.0"), None),
    "unquoted": (lambda: aud.CLOUDSPLOIT_PATTERN, None),
    "reordered": (reordered, None),
    "stronger": (lambda: aud._variant("prowler"), None),
    "missing-name": (missing_name, None),
    "never-cis": (lambda: contradiction(cis()), None),
    "never-prowler": (lambda: contradiction(aud._variant("prowler")), None),
    "wrong-case": (lambda: aud.CLOUDSPLOIT_PATTERN.replace("$.eventName", "$.EventName"), None),
    "advanced-selectors": (None, advanced),
    "unconfirmed": (None, pending),
    "other-namespace": (None, other_namespace),
    "single-region": (None, single_region),
}


def snapshot_for(case: str, column: str) -> JSON:
    pattern, mutate = CASES[case]
    snap = b.passing()
    b.org_filter(snap)["filterPattern"] = (pattern or aud.OWN_PATTERN[column])()
    if mutate is not None:
        mutate(snap)
    return snap


def verdict(case: str, column: str) -> str:
    snap = snapshot_for(case, column)
    if column == "trailreplay":
        (r,) = judge(from_data(snap), [catalog.get(b.ORG)])
        return r.status
    return aud.AUDITORS[column](snap)


def table_rows() -> dict[str, dict[str, str]]:
    """The rows of the comparison table in docs/audit.md, by case id."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| case |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"`([^`]+)`", cells[0])
        assert m, line
        rows[m.group(1)] = {h: re.sub(r"\*", "", c) for h, c in zip(header, cells, strict=True)}
    return rows


def render_table() -> str:
    """The table as it should read (used to write docs/audit.md)."""
    out = ["| case | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for case in CASES:
        out.append(f"| `{case}` | " + " | ".join(verdict(case, c) for c in COLUMNS) + " |")
    return "\n".join(out)


def test_table_lists_every_case() -> None:
    assert list(table_rows()) == list(CASES)


@pytest.mark.parametrize("case", list(CASES))
def test_table_row(case: str) -> None:
    row = table_rows()[case]
    got = {c: verdict(case, c) for c in COLUMNS}
    want = {c: row[c] for c in COLUMNS}
    assert got == want


def test_the_emulated_patterns_are_the_published_ones() -> None:
    assert aud._variant("cloudsploit") == aud.CLOUDSPLOIT_PATTERN
    assert re.search(aud.PROWLER_RE, aud._variant("prowler"))
    assert re.search(aud.STEAMPIPE_RE, cis())
