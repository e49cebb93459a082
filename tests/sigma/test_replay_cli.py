"""``scan/metrics/alarm --sigma`` and ``lint --sigma`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import engine
from engine.pattern.events import compact
from engine.sigma import convert_rule, load_rule
from tests.sigma.test_convert_cli import BAD, CORPUS, FIXTURES, UNSUPPORTED, needs_corpus, run

REPO = Path(__file__).parents[2]
SAMPLES = REPO / "samples"
ROOT_RULE = "aws_root_account_usage.yml"


def _rule_dir(tmp_path: Path) -> Path:
    """A root-usage rule of our own (corpus-independent)."""
    d = tmp_path / "rules"
    d.mkdir()
    (d / "root.yml").write_text(
        "title: Root user activity\n"
        "id: 0f6a1d5e-0003-4000-8000-000000000001\n"
        "logsource: {product: aws, service: cloudtrail}\n"
        "detection:\n"
        "    selection:\n"
        "        userIdentity.type: Root\n"
        "    filter:\n"
        "        eventType: AwsServiceEvent\n"
        "    condition: selection and not filter\n"
    )
    return d


def test_scan_sigma_envelope_ids_are_rule_ids(tmp_path: Path) -> None:
    rules = _rule_dir(tmp_path)
    proc = run("scan", "--sigma", str(rules), str(SAMPLES), "--format", "envelope", "-q")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    lines = [x for x in lines if "summary" not in x]  # the envelope's last line
    assert lines and {x["pattern"] for x in lines} == {"0f6a1d5e-0003-4000-8000-000000000001"}
    rule = load_rule(str(rules / "root.yml"))
    pattern = engine.compile(convert_rule(rule).patterns[0])
    assert all(pattern.matches(compact(x["record"])) for x in lines)
    assert all(x["record"]["userIdentity"]["type"] == "Root" for x in lines)


def test_scan_sigma_table_shows_titles(tmp_path: Path) -> None:
    proc = run("scan", "--sigma", str(_rule_dir(tmp_path)), str(SAMPLES), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert "Root user activity" in proc.stdout


def test_scan_sigma_bad_and_unsupported_rules_are_reported_and_the_rest_scanned(
    tmp_path: Path,
) -> None:
    rules = _rule_dir(tmp_path)
    proc = run(
        "scan",
        "--sigma",
        str(rules),
        "--sigma",
        str(BAD / "not_yaml.yml"),
        "--sigma",
        str(UNSUPPORTED / "fieldref.yml"),
        str(SAMPLES),
        "--format",
        "envelope",
        "-q",
    )
    assert proc.returncode == 2
    assert "not_yaml.yml: not YAML" in proc.stderr
    assert "fieldref.yml: unsupported, not replayed" in proc.stderr
    assert proc.stdout.strip()  # the good rule's matches are still written


@needs_corpus
def test_scan_sigma_corpus_on_samples() -> None:
    """The issue's end-to-end check: `scan --sigma ../shared/sigma/rules/ samples/`."""
    proc = run("scan", "--sigma", str(CORPUS), str(SAMPLES), "--format", "envelope")
    assert proc.returncode == 0, proc.stderr
    ids = {json.loads(x).get("pattern") for x in proc.stdout.splitlines()}
    root_id = load_rule(str(CORPUS / ROOT_RULE)).id
    assert root_id in ids
    assert proc.stderr.count("unsupported, not replayed") == 3
    assert "records: 307" in proc.stderr


def test_metrics_and_alarm_sigma(tmp_path: Path) -> None:
    rules = _rule_dir(tmp_path)
    metrics = run("metrics", "--sigma", str(rules), str(SAMPLES), "--format", "json")
    assert metrics.returncode == 0, metrics.stderr
    assert "Root user activity" in metrics.stderr
    pattern = engine.compile(convert_rule(load_rule(str(rules / "root.yml"))).patterns[0])
    via_pattern = run("metrics", "--pattern", pattern.text, str(SAMPLES), "--format", "json")
    assert json.loads(metrics.stdout) == json.loads(via_pattern.stdout)
    alarm = run("alarm", "--sigma", str(rules / "root.yml"), str(SAMPLES))
    assert alarm.returncode == 0, alarm.stderr
    assert "ALARM" in alarm.stdout


def test_metrics_sigma_needs_one_rule() -> None:
    proc = run("metrics", "--sigma", str(FIXTURES), str(SAMPLES))
    assert proc.returncode == 2
    assert "exactly one convertible rule" in proc.stderr


@pytest.mark.parametrize(
    ("filter_text", "code", "words"),
    [
        ('{ $.userIdentity.type = "Root" }', 0, "covers Sigma rule 0f6a1d5e-0003"),
        ('{ $.userIdentity.type = "IAMUser" }', 1, "no filter covers Sigma rule 0f6a1d5e-0003"),
    ],
)
def test_lint_sigma(tmp_path: Path, filter_text: str, code: int, words: str) -> None:
    rules = _rule_dir(tmp_path)
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "filters.pattern").write_text(filter_text + "\n")
    proc = run("lint", "--sigma", str(rules), str(infra))
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert words in proc.stdout


def test_lint_sigma_unreadable_and_unsupported_rules(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "filters.pattern").write_text('{ $.eventName = "x" }\n')
    proc = run(
        "lint",
        "--sigma",
        str(BAD / "unknown_modifier.yml"),
        "--sigma",
        str(UNSUPPORTED / "regex_group.yml"),
        str(infra),
    )
    assert proc.returncode == 2
    assert "unknown modifier 'sortof'" in proc.stdout
    assert "[sigma-unsupported]" in proc.stdout
