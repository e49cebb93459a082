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


@pytest.mark.parametrize(
    ("ref", "want_id", "label"),
    [
        ("organizations-changes", "organizations-changes", "intent"),
        ("control:organizations-changes", "organizations-changes", "intent"),
        ("CloudWatch.2", "unauthorized-api-calls", "intent"),
        ("cloudwatch.14", "vpc-changes", "intent"),
        ("4.15", "organizations-changes", "intent"),
        ("5.15", "organizations-changes", "intent"),
        ("3.4@1.2.0", "iam-policy-changes@1.2.0", "CIS v1.2.0–v6.0.0 published text"),
        ("4.1@1.4", "unauthorized-api-calls@1.4", "CIS v1.3.0–v1.5.0 published text"),
        ("control:5.1@v6.0.0", "unauthorized-api-calls@v6.0.0", "CIS v6.0.0 published text"),
        ("unauthorized-api-calls@securityhub", "unauthorized-api-calls@securityhub",
         "Security Hub CloudWatch.2"),
        ("unauthorized-api-calls@nozaq", "unauthorized-api-calls@nozaq", "nozaq baseline"),
        ("root-usage@intent", "root-usage", "intent"),
    ],
)  # fmt: skip
def test_resolve_every_form(ref: str, want_id: str, label: str) -> None:
    r = catalog.resolve(ref)
    assert (r.id, r.label) == (want_id, label)
    if label == "intent":
        assert r.pattern == r.entry.pattern and r.bound == r.entry.intent.bound
    else:
        assert r.variant is not None and r.pattern == r.variant.pattern and r.bound is None


@pytest.mark.parametrize(
    ("ref", "says", "suggests"),
    [
        ("orgnizations-changes", "unknown control", "organizations-changes"),
        ("CloudWatch.15", "unknown control", "CloudWatch.1"),
        ("4.16", "unknown control", "4.1"),
        ("4.1@6.0.0", "numbers unauthorized-api-calls 5.1", "5.1@6.0.0"),
        ("organizations-changes@1.2.0", "not in CIS v1.2.0", "organizations-changes@1.3.0"),
        ("organizations-changes@securityhub", "no Security Hub control", ""),
        ("root-usage@nonesuch", "no published text", "root-usage@1.2.0"),
    ],
)
def test_resolve_unknown_suggests_the_closest(ref: str, says: str, suggests: str) -> None:
    with pytest.raises(catalog.UnknownControl) as info:
        catalog.resolve(ref)
    assert says in str(info.value)
    if suggests:
        assert suggests in info.value.suggestions


def test_pattern_text_passes_pattern_text_through() -> None:
    assert catalog.pattern_text("{ $.a = 1 }") == "{ $.a = 1 }"
    assert catalog.pattern_text("control:4.3") == catalog.get("root-usage").pattern
    assert catalog.is_reference(" control:4.3") and not catalog.is_reference("4.3")


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
    for v in entry.texts():
        assert v.expect in ("valid", "invalid")
        assert v["pattern"] == v.pattern
        assert (v.relation is None) == (v.expect == "invalid")
        assert v.relation == "equiv" or v.defect, f"{entry.id} {v.label}: defect not explained"
    for version in entry.cis:
        assert entry.published(version) is not None
    assert entry.intent.evidence and entry.intent.reading


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
    v13 = engine.compile(_variant("unauthorized-api-calls", "1.3.0").pattern)
    grouped = engine.compile(_variant("unauthorized-api-calls", "nozaq baseline").pattern)
    intent = engine.compile(e.pattern)
    delivery = {
        "eventName": "HeadBucket",
        "sourceIPAddress": "delivery.logs.amazonaws.com",
        "errorCode": "Client.UnauthorizedOperation",
    }
    # *UnauthorizedOperation alone suffices under precedence; the grouped text excludes delivery.
    assert v2.matches_record(delivery)
    assert not grouped.matches_record(delivery) and not intent.matches_record(delivery)
    denied_delivery = dict(delivery, errorCode="AccessDenied")
    assert not v2.matches_record(denied_delivery)  # B && C && D fails on C
    ordinary = {"eventName": "ListBuckets", "sourceIPAddress": "192.0.2.1"}
    assert v13.matches_record(ordinary)  # v1.3-v1.5: all ||
    assert not v2.matches_record(ordinary)
    assert not v12.matches_record(ordinary)
    assert not intent.matches_record(ordinary)


# The relation of every published text to the intent, as proved (docs/catalog.md's table).
RELATIONS = {
    "unauthorized-api-calls": ["covers", "covers", "covers", "covers", "equiv", "covers"],
    "console-signin-without-mfa": ["covers", "covers", "equiv", "covers", "equiv"],
    "root-usage": ["equiv", None, "equiv", "equiv"],
    "iam-policy-changes": ["covers", None, "covers", "covers"],
    "security-group-changes": ["covered-by", "covered-by", "covered-by", "equiv", "covered-by"],
    "organizations-changes": ["equiv", "equiv", None, "covers", "equiv", None],
}


@pytest.mark.parametrize("entry_id", sorted(RELATIONS))
def test_recorded_relations(entry_id: str) -> None:
    assert [v.relation for v in catalog.get(entry_id).texts()] == RELATIONS[entry_id]


def test_every_other_control_is_its_published_text() -> None:
    for e in ENTRIES:
        if e.id not in RELATIONS:
            assert {v.relation for v in e.texts()} <= {"equiv", None}, e.id


def test_every_named_defect_is_described() -> None:
    described = {(e.id, c) for e in ENTRIES for v in e.texts() if v.defect for c in v.cis}
    assert ("unauthorized-api-calls", "2.0.0") in described
    assert ("unauthorized-api-calls", "1.4.0") in described
    assert ("organizations-changes", "6.0.0") in described
    assert ("security-group-changes", "4.0.0") in described
    iam = catalog.get("iam-policy-changes")
    assert any("$eventName" in (v.defect or "") for v in iam.variants)


def test_security_hub() -> None:
    assert catalog.get("root-usage").security_hub == "CloudWatch.1"
    assert catalog.get("organizations-changes").security_hub is None
    assert catalog.get("unauthorized-api-calls").security_hub_pattern is not None


@pytest.mark.skipif(not FACTS.exists(), reason="shared CIS facts not available")
def test_matches_the_published_facts_verbatim() -> None:
    facts = {f["key"]: f for f in json.loads(FACTS.read_text())}
    for e in ENTRIES:
        f = facts[e.key]
        published = [f["pattern"], *(v["pattern"] for v in f["pattern_variants"])]
        assert {v.pattern for v in e.variants} == set(published)  # every text, verbatim
        for v in f["pattern_variants"]:
            assert any(list(x.versions) == v["versions"] for x in e.variants)
        assert e.cis == f["versions"]
        assert e.cis_id == f["id"]
        assert e.title == f["title"]
        assert e.security_hub == f["security_hub"].get("id")
        assert e.security_hub_pattern == f["security_hub"].get("pattern")


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


def test_scan_default_comes_from_the_catalog() -> None:
    from engine.cli.scan import default_pattern

    spec = default_pattern()
    assert (spec.id, spec.text) == ("organizations-changes", catalog.default().pattern)
    assert catalog.default() == catalog.get("organizations-changes")


def _fixture(tmp: Path, entry_id: str, old: str, new: str) -> list[Entry]:
    src = (REPO / "patterns" / f"{entry_id}.toml").read_text()
    assert old in src
    (tmp / f"{entry_id}.toml").write_text(src.replace(old, new, 1), encoding="utf-8")
    return catalog.load(tmp)


def test_check_fails_when_a_recorded_relation_is_wrong(tmp_path: Path) -> None:
    """A deliberately broken fixture: the v1.3.0 text of 4.1 recorded as equivalent."""
    pool = _fixture(
        tmp_path,
        "unauthorized-api-calls",
        "relation = 'covers'\ndefect = 'All four clauses",
        "relation = 'equiv'\ndefect = 'All four clauses",
    )
    (res,) = catalog.check_all(pool)
    assert not res.ok
    assert any("recorded as equiv the intent, proved covers" in p for p in res.problems)


def test_check_fails_when_the_intent_changes_under_a_relation(tmp_path: Path) -> None:
    """Dropping MoveAccount from the intent makes every recorded 'equiv' false."""
    pool = _fixture(tmp_path, "organizations-changes", '($.eventName = "MoveAccount") || ', "")
    (res,) = catalog.check_all(pool)
    assert any("proved covers" in p for p in res.problems)
    assert any("must_match" in p or "proved" in p for p in res.problems)


def test_check_fails_on_a_counterexample_that_does_not_separate(tmp_path: Path) -> None:
    pool = _fixture(tmp_path, "security-group-changes", '"ModifySecurityGroupRules",', '"X",')
    (res,) = catalog.check_all(pool)
    assert any("does not separate it from the intent" in p for p in res.problems)


def test_check_fails_on_a_bound_that_does_not_cover_the_intent(tmp_path: Path) -> None:
    pool = _fixture(
        tmp_path, "root-usage", "bound = '{ $.userIdentity.type = \"Root\" }'",
        "bound = '{ $.userIdentity.type = \"IAMUser\" }'",
    )  # fmt: skip
    (res,) = catalog.check_all(pool)
    assert any("bound does not cover the intent" in p for p in res.problems)
