"""CloudFormation templates: YAML with CFN tags, JSON, resolution of intrinsics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.lint.cloudformation import extract
from engine.lint.model import InputError, Source

from .helpers import FIXTURES, at, by_code, one, run

YAML = FIXTURES / "cloudformation" / "cis-alarms.yaml"
JSON = FIXTURES / "cloudformation" / "cis-alarms.json"


def filters(path: Path) -> dict[str, str | None]:
    src = Source(str(path), path.read_text())
    return {f.resource: f.pattern.value if f.pattern else None for f in extract(src)}


def test_yaml_template_values() -> None:
    got = filters(YAML)
    assert got["Resources.OrganizationsChangesFilter"].startswith(  # type: ignore[union-attr]
        '{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake")'
    )
    assert got["Resources.RootUsageFilter"] == (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }'
    )
    assert got["Resources.CloudTrailChangesFilter"].startswith(  # type: ignore[union-attr]
        "{ ($.eventName = CreateTrail) ||\n  ($.eventName = UpdateTrail)"
    )
    assert got["Resources.TemplatedFilter"] is None
    assert got["Resources.SubLiteralFilter"] == (
        '{ $.eventName = "${NotAVariable}" && $.eventSource = %s3% }'
    )
    assert got["Resources.JoinedFilter"] == (
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) }"
    )
    assert got["Resources.FromParameterWithoutDefault"] is None
    assert "Resources.AlarmTopic" not in got


def test_yaml_findings_are_located() -> None:
    r = run(YAML)
    assert not r.unreadable
    syntax = one(r, "syntax")
    assert syntax.line == 70 and at(syntax, 11) == "StopLogging"  # third line of the block
    assert syntax.hint
    unresolved = by_code(r, "unresolved")
    assert {f.resource for f in unresolved} == {
        "Resources.TemplatedFilter",
        "Resources.FromParameterWithoutDefault",
    }
    assert all(f.level == "info" for f in unresolved)
    assert "${AWS::Region}" in one(r, "unresolved", "Resources.TemplatedFilter").message
    assert at(one(r, "dimensions"), 7) == "$.level"
    assert at(one(r, "default-dims")) == "0"
    resolved = one(r, "resolved")
    assert "RootPattern" in resolved.message and at(resolved, 2) == "{ "
    a1 = one(r, "A1")
    assert a1.line == 12 and at(a1, 11) == "$.eventType"  # inside the parameter default
    assert [f.level for f in r.findings if f.level == "error"] == ["error"] * 3


def test_json_template() -> None:
    r = run(JSON)
    syntax = one(r, "syntax")
    assert syntax.line == 22 and at(syntax) == "}"
    assert syntax.resource == "Resources.UnauthorizedApiCalls"
    a1 = one(r, "A1")
    assert at(a1, 29) == "$.additionalEventData.MFAUsed"
    unresolved = one(r, "unresolved")
    assert "${AWS::AccountId}" in unresolved.message


def test_json_template_that_yaml_refuses(tmp_path: Path) -> None:
    # a tab before a key: PyYAML rejects it, json does not
    p = tmp_path / "tabbed.json"
    p.write_text(
        '{\n\t"Resources": {\n\t\t"F": {"Type": "AWS::Logs::SubscriptionFilter",'
        ' "Properties": {"FilterPattern": "{ $.a = }"}}}}\n'
    )
    r = run(p)
    assert not r.unreadable
    syntax = one(r, "syntax")
    assert syntax.line == 3 and at(syntax) == "}"


@pytest.mark.parametrize(
    "text",
    [
        "name: ci\non:\n  push: {}\njobs: {}\n",
        '{"name": "package", "version": "1.0.0"}',
        "",
        "---\nResources: []\n",
        "{{- if .Values.enabled }}\nkind: ConfigMap\n{{- end }}\n",
        '// tsconfig\n{"compilerOptions": {}}',
    ],
)
def test_other_documents_are_skipped(tmp_path: Path, text: str) -> None:
    p = tmp_path / "other.yaml"
    p.write_text(text)
    r = run(p)
    assert r.findings == [] and not r.unreadable


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("bad.yaml", "Resources:\n  A: {Type: AWS::Logs::MetricFilter\n", "not valid YAML"),
        ("bad.json", '{"Resources": {"A": {"Type": "AWS::Logs::MetricFilter"', "not valid JSON"),
    ],
)
def test_unreadable_templates(tmp_path: Path, name: str, text: str, why: str) -> None:
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(InputError, match=why):
        extract(Source(str(p), text))
    r = run(p)
    assert r.unreadable
    assert one(r, "unreadable").message.startswith(why)


@given(st.text(max_size=30))
def test_double_quoted_values_are_located(value: str) -> None:
    """Any string written as a JSON/YAML double-quoted scalar decodes back, and each
    character points at itself or at the backslash of its escape."""
    encoded = json.dumps(value)
    text = (
        "Resources:\n  F:\n    Type: AWS::Logs::SubscriptionFilter\n"
        f"    Properties:\n      FilterPattern: {encoded}\n"
    )
    (f,) = extract(Source("t.yaml", text))
    assert f.pattern is not None and f.pattern.value == value
    offsets = f.pattern.offsets
    assert offsets == sorted(offsets)
    for i, c in enumerate(value):
        assert text[offsets[i]] in (c, "\\")
