"""The CIS catalog: loading, the API other code relies on, every sample and variant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import engine
from engine import catalog
from engine.catalog import CatalogError, Entry

REPO = Path(__file__).resolve().parents[2]
FACTS = REPO.parent / "shared" / "cis" / "cis-patterns.json"
ENTRIES = catalog.entries()
IDS = [e.id for e in ENTRIES]


def test_fifteen_controls_sorted_by_cis_number() -> None:
    assert [e.number for e in ENTRIES] == [f"4.{i}" for i in range(1, 16)]
    assert len(set(IDS)) == 15
    assert IDS[0] == "unauthorized-api-calls" and IDS[-1] == "organizations-changes"


def test_get_by_id_number_and_key() -> None:
    e = catalog.get("organizations-changes")
    assert isinstance(e, Entry)
    assert catalog.get("4.15") is e
    assert catalog.get("5.15") is e  # v6.0 numbering
    assert catalog.get("CIS-AWS-4.15") is e
    assert catalog.get("organizations_changes") is e
    assert catalog.get("3.1").id == "unauthorized-api-calls"  # v1.2.0 numbering


def test_unknown_id_lists_the_known_ones() -> None:
    with pytest.raises(KeyError) as info:
        catalog.get("no-such-control")
    msg = info.value.args[0]
    assert "no-such-control" in msg
    assert all(i in msg for i in IDS)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_shape(entry: Entry) -> None:
    assert entry.id == entry.key.replace("_", "-")
    assert entry.metric.value == "1"
    assert entry.metric.namespace == "CISBenchmark"
    a = entry.alarm
    assert (a.statistic, a.period, a.threshold, a.comparison) == (
        "Sum",
        300,
        1.0,
        "GreaterThanOrEqualToThreshold",
    )
    assert (a.evaluation_periods, a.datapoints_to_alarm) == (1, 1)
    assert entry.alarm["period"] == 300  # dict-style access for callers that use it
    assert entry.cis["6.0.0"] == "5." + entry.number.split(".")[1]
    assert len(entry.samples.must_match) >= 2
    assert len(entry.samples.must_not_match) >= 2
    assert len(entry.samples.must_match_why) == len(entry.samples.must_match)
    for v in entry.variants:
        assert v.expect in ("valid", "invalid")
        assert v["pattern"] == v.pattern


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_samples(entry: Entry) -> None:
    p = engine.compile(entry.pattern)
    for r, why in zip(entry.samples.must_match, entry.samples.must_match_why, strict=True):
        assert p.matches_record(r), f"{entry.id}: should match: {why}"
    for r, why in zip(entry.samples.must_not_match, entry.samples.must_not_match_why, strict=True):
        assert not p.matches_record(r), f"{entry.id}: should not match: {why}"


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_samples_are_cloudtrail_records(entry: Entry) -> None:
    for r in [*entry.samples.must_match, *entry.samples.must_not_match]:
        assert isinstance(r["eventTime"], str) and r["eventTime"].endswith("Z")
        assert "eventVersion" in r
        if r.get("eventType") != "AwsCloudTrailInsight":
            assert r["userIdentity"]["accountId"] in ("111122223333",)
            assert r["recipientAccountId"] == "111122223333" if "recipientAccountId" in r else True


@pytest.mark.parametrize(
    ("entry", "variant"),
    [(e, v) for e in ENTRIES for v in e.variants],
    ids=[f"{e.id}:{v.versions[0]}" for e in ENTRIES for v in e.variants],
)
def test_variants_validate_as_expected(entry: Entry, variant: Any) -> None:
    if variant.expect == "valid":
        engine.compile(variant.pattern)
    else:
        with pytest.raises(engine.PatternError):
            engine.compile(variant.pattern)


def _variant(entry_id: str, version: str) -> Any:
    return next(v for v in catalog.get(entry_id).variants if v.versions[0] == version)


def test_defect_v6_5_15_missing_quote_is_rejected_with_a_caret() -> None:
    v = _variant("organizations-changes", "6.0.0")
    with pytest.raises(engine.PatternError) as info:
        engine.compile(v.pattern)
    stray = v.pattern.index('AcceptHandshake"')
    assert stray <= info.value.position <= stray + len('AcceptHandshake"')
    assert "^" in str(info.value)


def test_defect_v1_3_4_4_eventname_without_dot_is_rejected() -> None:
    v = _variant("iam-policy-changes", "1.3.0 (CLI text)")
    with pytest.raises(engine.PatternError) as info:
        engine.compile(v.pattern)
    at = v.pattern.index("$eventName")
    assert at <= info.value.position <= at + 1  # at the '$' or where the dot is missing


def test_defect_4_1_precedence() -> None:
    """&& binds tighter than ||: the v2.0+ text is A || (B && C && D)."""
    e = catalog.get("unauthorized-api-calls")
    v2 = engine.compile(_variant("unauthorized-api-calls", "2.0.0").pattern)
    v12 = engine.compile(_variant("unauthorized-api-calls", "1.2.0").pattern)
    grouped = engine.compile(_variant("unauthorized-api-calls", "nozaq baseline").pattern)
    canonical = engine.compile(e.pattern)
    delivery = {
        "eventName": "HeadBucket",
        "sourceIPAddress": "delivery.logs.amazonaws.com",
        "errorCode": "Client.UnauthorizedOperation",
    }
    # *UnauthorizedOperation alone suffices under precedence; the grouped text excludes delivery.
    assert v2.matches_record(delivery)
    assert not grouped.matches_record(delivery)
    denied_delivery = dict(delivery, errorCode="AccessDenied")
    assert not v2.matches_record(denied_delivery)  # B && C && D fails on C
    ordinary = {"eventName": "ListBuckets", "sourceIPAddress": "192.0.2.1"}
    assert canonical.matches_record(ordinary)  # v1.3-v1.5: all ||
    assert not v2.matches_record(ordinary)
    assert not v12.matches_record(ordinary)
    assert {d.versions[0] for d in e.defects} == {"1.3.0", "2.0.0"}


def test_every_named_defect_is_described() -> None:
    described = {(e.id, v) for e in ENTRIES for d in e.defects for v in d.versions}
    assert ("unauthorized-api-calls", "2.0.0") in described
    assert ("organizations-changes", "6.0.0") in described
    assert ("iam-policy-changes", "1.3.0") in described
    for e in ENTRIES:
        for d in e.defects:
            assert d.what and d.handling


def test_security_hub() -> None:
    assert catalog.get("root-usage").security_hub == "CloudWatch.1"
    assert catalog.get("organizations-changes").security_hub is None
    assert catalog.get("unauthorized-api-calls").security_hub_pattern is not None


@pytest.mark.skipif(not FACTS.exists(), reason="shared CIS facts not available")
def test_matches_the_published_facts_verbatim() -> None:
    facts = {f["key"]: f for f in json.loads(FACTS.read_text())}
    for e in ENTRIES:
        f = facts[e.key]
        assert e.pattern == f["pattern"]
        assert e.cis == f["versions"]
        assert e.cis_id == f["id"]
        assert e.title == f["title"]
        assert [v.pattern for v in e.variants] == [v["pattern"] for v in f["pattern_variants"]]
        assert e.security_hub == f["security_hub"].get("id")


def test_catalog_dir_falls_back_to_the_checkout() -> None:
    d = catalog.catalog_dir()
    assert d.is_dir()
    assert sum(1 for x in d.iterdir() if x.name.endswith(".toml")) == 15


def test_as_dict_round_trips_to_json() -> None:
    doc = catalog.get("root-usage").as_dict()
    json.dumps(doc)
    assert doc["alarm"]["comparison"] == "GreaterThanOrEqualToThreshold"
    assert doc["samples"]["must_match"][0]["userIdentity"]["type"] == "Root"


def _write(tmp: Path, name: str, text: str) -> Path:
    (tmp / name).write_text(text, encoding="utf-8")
    return tmp


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    _write(tmp_path, "broken.toml", "id = ")
    with pytest.raises(CatalogError, match=r"broken\.toml: not valid TOML"):
        catalog.load(tmp_path)


def test_load_missing_field(tmp_path: Path) -> None:
    src = (REPO / "patterns" / "root-usage.toml").read_text()
    _write(tmp_path, "x.toml", src.replace("title = ", "titel = "))
    with pytest.raises(CatalogError, match=r"x\.toml: missing field 'title'"):
        catalog.load(tmp_path)


def test_load_bad_sample_json(tmp_path: Path) -> None:
    src = (REPO / "patterns" / "root-usage.toml").read_text()
    _write(tmp_path, "x.toml", src.replace('"eventVersion"', "eventVersion", 1))
    with pytest.raises(CatalogError, match="record is not valid JSON"):
        catalog.load(tmp_path)


def test_load_duplicate_ids(tmp_path: Path) -> None:
    src = (REPO / "patterns" / "root-usage.toml").read_text()
    _write(tmp_path, "a.toml", src)
    _write(tmp_path, "b.toml", src)
    with pytest.raises(CatalogError, match="duplicate catalog ids: root-usage"):
        catalog.load(tmp_path)


def test_scan_default_is_the_catalog_organizations_pattern() -> None:
    # scan keeps its own copy (no catalog load at start-up); they must not drift apart.
    from engine import catalog
    from engine.cli.scan import DEFAULT_PATTERN, DEFAULT_PATTERN_ID

    assert catalog.get(DEFAULT_PATTERN_ID).pattern == DEFAULT_PATTERN
