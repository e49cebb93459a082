"""``trailreplay sigma convert`` end to end, the shared corpus, and sigma-cli with our backend."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import engine
from engine.sigma import convert_rule, load_rule, load_rules
from engine.sigma.rule import SigmaRuleError

HERE = Path(__file__).parent
FIXTURES = HERE / "rules"
UNSUPPORTED = HERE / "unsupported"
BAD = HERE / "bad"
CORPUS = HERE.parents[1].parent / "shared" / "sigma" / "rules"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/sigma/rules not beside")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("trailreplay")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "engine.cli.main"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, check=False)


def test_json_output_has_exactly_the_issue_fields() -> None:
    proc = run("sigma", "convert", "--format", "json", str(FIXTURES / "exact_values.yml"))
    assert proc.returncode == 0, proc.stderr
    [obj] = json.loads(proc.stdout)
    assert list(obj) == ["rule", "id", "title", "pattern", "exactness", "reason"]
    assert obj["rule"] == str(FIXTURES / "exact_values.yml")
    assert obj["id"] == "0f6a1d5e-0001-4000-8000-000000000008"
    assert obj["exactness"] == "exact"
    assert obj["reason"] is None
    engine.compile(obj["pattern"])


def test_case_sensitive_says_so() -> None:
    proc = run("sigma", "convert", "--format", "json", str(FIXTURES / "not_null.yml"))
    [obj] = json.loads(proc.stdout)
    assert obj["exactness"] == "case-sensitive"
    assert "case" in obj["reason"]


def test_exit_1_when_any_rule_is_unsupported() -> None:
    proc = run(
        "sigma", "convert", "--format", "json", str(FIXTURES / "nulls.yml"), str(UNSUPPORTED)
    )
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    bad = [o for o in out if o["exactness"] == "unsupported"]
    assert {Path(o["rule"]).name for o in bad} == {p.name for p in UNSUPPORTED.glob("*.yml")}
    assert all(o["pattern"] is None and o["reason"] for o in bad)
    assert len(out) == len(bad) + 1


def test_split_also_spreads_regexes_over_patterns() -> None:
    conv = convert_rule(load_rule(str(UNSUPPORTED / "three_regexes.yml")), split=True)
    assert conv.exactness == "case-sensitive"
    assert [p.count("%") // 2 for p in conv.patterns] == [2, 1]


def test_bad_files_one_line_each_exit_2_others_converted() -> None:
    proc = run("sigma", "convert", str(BAD), str(FIXTURES / "keywords.yml"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 4
    for name, words in [
        ("not_yaml.yml", "not YAML"),
        ("not_sigma.yml", "not a Sigma rule"),
        ("unknown_modifier.yml", "unknown modifier 'sortof'"),
        ("undefined_selection.yml", "undefined search identifier 'filter'"),
    ]:
        [line] = [ln for ln in lines if name in ln]
        assert words in line
    assert "?AccessDenied ?UnauthorizedOperation" in proc.stdout


def test_missing_path_is_a_bad_rule() -> None:
    proc = run("sigma", "convert", "no/such/rule.yml")
    assert proc.returncode == 2
    assert "no/such/rule.yml: no such file" in proc.stderr


def test_empty_directory_is_an_error(tmp_path: Path) -> None:
    proc = run("sigma", "convert", str(tmp_path), str(FIXTURES / "keywords.yml"))
    assert proc.returncode == 2
    assert f"{tmp_path}: no *.yml or *.yaml rule file" in proc.stderr
    assert "keywords.yml" in proc.stdout


def test_split_only_when_asked() -> None:
    rule = load_rule(str(FIXTURES / "conditions.yml"))
    one = convert_rule(rule)
    assert one.exactness == "unsupported" and "1024" in (one.reason or "")
    pieces = convert_rule(rule, split=True)
    assert pieces.exactness == "case-sensitive" and len(pieces.patterns) == 2
    for p in pieces.patterns:
        assert len(p) <= 1024
        engine.compile(p)
    proc = run("sigma", "convert", "--split", "--format", "json", str(FIXTURES / "conditions.yml"))
    assert proc.returncode == 0
    assert [o["pattern"] for o in json.loads(proc.stdout)] == list(pieces.patterns)


def test_text_output() -> None:
    proc = run("sigma", "convert", str(UNSUPPORTED / "fieldref.yml"))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{UNSUPPORTED / 'fieldref.yml'}  [unsupported]  Two fields of one event",
        "  reason: the modifier 'fieldref' is not converted",
    ]


# --------------------------------------------------------------------------- the shared corpus


@needs_corpus
def test_corpus_verdicts() -> None:
    """All 46 SigmaHQ rules convert or are unsupported with a true reason (docs/sigma.md)."""
    results = [r for r in load_rules([str(CORPUS)])]
    assert len(results) == 46
    assert not [r for r in results if isinstance(r, SigmaRuleError)]
    convs = [convert_rule(r) for r in results if not isinstance(r, SigmaRuleError)]
    verdicts = Counter(c.exactness for c in convs)
    assert verdicts == {"case-sensitive": 43, "unsupported": 3}
    for c in convs:
        for p in c.patterns:
            engine.compile(p)  # every quota respected
        if c.exactness == "unsupported":
            assert c.reason is not None
            field = "responseElements" if "export" in c.rule else "requestParameters"
            assert c.reason.startswith(f"{field} is a JSON object")


# --------------------------------------------------------------------------- sigma-cli


def _sigma_cli() -> str | None:
    exe = Path(sys.executable).with_name("sigma")
    return str(exe) if exe.exists() else shutil.which("sigma")


@pytest.mark.skipif(_sigma_cli() is None, reason="sigma-cli not installed (the sigma extra)")
def test_sigma_cli_uses_our_backend() -> None:
    """`sigma convert -t cloudwatch_logs` (pySigma discovers sigma.backends.cloudwatch_logs)
    prints the same patterns as `trailreplay sigma convert`."""
    rules = [str(FIXTURES), *([str(CORPUS)] if CORPUS.is_dir() else [])]
    cli = _sigma_cli()
    assert cli is not None
    proc = subprocess.run(
        [cli, "convert", "-t", "cloudwatch_logs", "--skip-unsupported", *rules],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = sorted(line for line in proc.stdout.splitlines() if line.strip())
    want = sorted(
        p
        for r in load_rules(rules)
        if not isinstance(r, SigmaRuleError)
        for p in convert_rule(r).patterns
    )
    assert got == want
    unsupported = subprocess.run(
        [cli, "convert", "-t", "cloudwatch_logs", str(UNSUPPORTED / "fieldref.yml")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert unsupported.returncode != 0
    assert "fieldref" in unsupported.stdout + unsupported.stderr
