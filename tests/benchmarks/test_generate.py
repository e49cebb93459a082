"""Smoke test of the benchmark generator: a tiny tree whose ground truth re-reads consistently.

The benchmarks themselves are not tests; this only guards the data they are checked against.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import generate as gen  # noqa: E402

CT_NAME = re.compile(
    r"AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
    r"\1_CloudTrail_\2_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$"
)
APACHE = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "[^"]*" (\S+)(?: |$)')


def _recount(out: Path) -> dict[str, Any]:
    """Recompute the truth from the files on disk, decoding with the stdlib ``json``."""
    counts = dict.fromkeys(("cis_org", "term", "regex", "all", "controls"), 0)
    per = dict.fromkeys(gen.CONTROL_PREDICATES, 0)
    files = digests = raw = 0
    for path in sorted((out / "cloudtrail").rglob("*.json.gz")):
        rel = path.relative_to(out / "cloudtrail").as_posix()
        data = gzip.decompress(path.read_bytes())
        if "CloudTrail-Digest" in rel:
            digests += 1
            assert "Records" not in json.loads(data)
            continue
        assert CT_NAME.search(rel), rel
        files += 1
        raw += len(data)
        records = json.loads(data)["Records"]
        assert 50 <= len(records) <= 500
        for r in records:
            text = orjson.dumps(r)  # the message CloudWatch Logs sees: the compact record
            counts["all"] += 1
            counts["cis_org"] += gen.pred_cis_org(r)
            counts["term"] += b"AccessDenied" in text
            counts["regex"] += re.search(rb"i-0[0-9a-f]{8}", text) is not None
            hits = [cid for cid, p in gen.CONTROL_PREDICATES.items() if p(r)]
            counts["controls"] += bool(hits)
            for cid in hits:
                per[cid] += 1
    events = space = 0
    for path in sorted((out / "cwexport").rglob("*.gz")):
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            ts, message = line.split(" ", 1)
            assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", ts)
            events += 1
            m = APACHE.match(message)
            space += bool(m and m.group(1).startswith("4"))
    return {
        "counts": counts,
        "per": per,
        "files": files,
        "digests": digests,
        "raw": raw,
        "events": events,
        "space": space,
    }


def test_tiny_tree_ground_truth_is_consistent(tmp_path: Path) -> None:
    truth = gen.generate(tmp_path / "t", 600_000, seed=7)
    assert json.loads((tmp_path / "t" / "truth.json").read_text()) == truth
    got = _recount(tmp_path / "t")
    pats = truth["patterns"]
    for name in ("cis_org", "term", "regex", "all", "controls"):
        assert got["counts"][name] == pats[name]["count"], name
    assert got["per"] == pats["controls"]["per_control"]
    assert pats["space"]["count"] == got["space"]
    ct = truth["cloudtrail"]
    assert (got["files"], got["digests"], got["raw"]) == (
        ct["files"],
        ct["digest_files"],
        ct["uncompressed_bytes"],
    )
    assert ct["records"] == pats["all"]["count"]
    assert ct["digest_files"] >= 1
    assert 0 < ct["escaped_records"] < ct["records"]
    assert truth["cwexport"]["events"] == got["events"]
    assert (tmp_path / "t/cwexport/exportedlogs/aws-logs-write-test").exists()
    # the patterns are exercised: something matches, not everything
    assert 0 < pats["term"]["count"] < ct["records"]
    assert 0 < pats["regex"]["count"] < ct["records"]
    assert 0 < pats["space"]["count"] < truth["cwexport"]["events"]


def test_same_seed_same_tree(tmp_path: Path) -> None:
    a = gen.generate(tmp_path / "a", 100_000, seed=11)
    b = gen.generate(tmp_path / "b", 100_000, seed=11)
    a.pop("generator_seconds")
    b.pop("generator_seconds")
    assert a == b
    names_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.gz"))
    names_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.gz"))
    assert names_a == names_b


def test_the_benchmark_replays_the_texts_the_ground_truth_counts() -> None:
    """``--control all`` is each control's intent; the peers and the ground truth implement each
    control's main published text, so the benchmark names that text by its CIS version."""
    from benchmarks.run import PUBLISHED_VERSION
    from engine import catalog

    facts = ROOT.parent / "shared" / "cis" / "cis-patterns.json"
    main = {c["id"]: c["pattern"] for c in json.loads(facts.read_text(encoding="utf-8"))}
    assert set(PUBLISHED_VERSION) == set(main) == set(gen.CONTROL_PREDICATES)
    for cid, version in PUBLISHED_VERSION.items():
        variant = catalog.resolve(f"{cid}@{version}").variant
        assert variant is not None and variant.pattern == main[cid], cid


def test_the_floor_prototype_counts_the_ground_truth(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """The stack's floor shown in ``make bench-shapes`` must be a right answer too: on a
    generated tree (escaped records among them) it counts what the ground truth counts."""
    from benchmarks import prototype

    truth = gen.generate(tmp_path / "t", 4_000_000, seed=7)
    files = [str(p) for p in gen.iter_files(tmp_path / "t" / "cloudtrail")]
    assert prototype.scan(files) == truth["patterns"]["cis_org"]["count"] > 0
    assert capsysbinary.readouterr().out.count(b"\n") == truth["patterns"]["cis_org"]["count"]
