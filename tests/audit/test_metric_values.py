"""``audit`` reads a metric value as ``metrics`` and ``lint`` do (engine.pattern.aws): a
value they refuse FAILs the audit, a reference they accept is UNKNOWN (its value depends
on the event), a positive number PASSes (issue 15: `$.a@b`, `$.a[*]`, `1_000`)."""

from __future__ import annotations

import pytest

from engine.audit import judge
from tests.pattern.test_aws import JSON_P, METRIC_VALUES, _lint_ok, _metrics_ok


@pytest.mark.parametrize(("value", "ok"), [(v, ok) for p, v, ok in METRIC_VALUES if p == JSON_P])
def test_audit_settles_each_divergence_as_metrics_and_lint_do(value: str, ok: bool) -> None:
    assert _metrics_ok(JSON_P, value) is ok and _lint_ok(JSON_P, value) is ok
    status, number, message = judge.metric_value(value)
    if not ok:
        assert (status, number) == ("FAIL", None), message
    elif value.startswith("$"):
        assert status == "UNKNOWN"
    else:
        assert (status == "PASS") is (float(value) > 0)
