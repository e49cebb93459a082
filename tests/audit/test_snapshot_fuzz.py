"""``audit check`` on mutated snapshots: a verdict, or one line naming the file and the
JSON path of the wrongly typed value (exit 2); never a traceback (issue 16, item 8).

The mutation fuzz takes valid snapshots (every branch the builders make), replaces one
value anywhere in the tree with a value of another JSON type, and runs the real command.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.audit import judge as judge_module
from engine.audit.snapshot import SnapshotError, from_data, load
from engine.cli.main import app
from tests.runner import CliRunner

from . import builders as b

runner = CliRunner()
Path_ = tuple[str | int, ...]

# One prover cache for every example: a mutation that leaves the patterns alone (all
# of them: a pattern of another type is rejected before the judge) proves nothing new.
_COVERS = judge_module._default_covers()


def _seeds() -> list[dict[str, Any]]:
    advanced = b.passing()
    advanced["cloudtrail get-event-selectors"][b.TRAIL] = b.advanced_selectors(
        [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]},
        ]
    )
    dims = b.passing()
    b.org_alarm(dims)["Dimensions"] = [{"Name": "A", "Value": "b"}]
    tr = b.org_filter(dims)["metricTransformations"][0]
    tr.update(dimensions={"A": "$.a"}, defaultValue=0.0, unit="Count")
    excluded = b.passing()
    sel = excluded["cloudtrail get-event-selectors"][b.TRAIL]["EventSelectors"][0]
    sel["ExcludeManagementEventSources"] = ["kms.amazonaws.com"]
    return [b.passing(), advanced, dims, excluded]


SEEDS = _seeds()


def _paths(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _kind(value: Any) -> str:
    """The JSON type of a value (an integer and a float are both numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _json_path(path: Path_) -> str:
    out = "$"
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier():
            out += f".{step}"
        else:
            out += f"[{json.dumps(step)}]"
    return out


_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
_leaf |= st.text(max_size=8)
_values = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[dict[str, Any], Path_]:
    snap = json.loads(json.dumps(draw(st.sampled_from(SEEDS))))
    paths = [p for p in _paths(snap) if p]
    path = draw(st.sampled_from(paths))
    parent = snap
    for step in path[:-1]:
        parent = parent[step]
    old = parent[path[-1]]
    parent[path[-1]] = draw(_values.filter(lambda v: _kind(v) != _kind(old)))
    return snap, path


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutations())
def test_a_wrongly_typed_value_anywhere_is_a_verdict_or_one_named_error(
    tmp_path: Path, mutation: tuple[dict[str, Any], Path_]
) -> None:
    snap, path = mutation
    file = tmp_path / "snapshot.json"
    file.write_text(json.dumps(snap))
    with mock.patch.object(judge_module, "_default_covers", return_value=_COVERS):
        res = runner.invoke(app, ["audit", "check", str(file), "-c", b.ORG, "--format", "json"])
    assert res.exit_code in (0, 1, 2), res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    if res.exit_code == 2:
        lines = res.stderr.splitlines()
        assert len(lines) == 1, res.stderr
        assert str(file) in lines[0]
        assert _json_path(path) in lines[0]
    else:
        json.loads(res.stdout)


# Crash sites the fuzz found on the judge before the snapshot was typed: each a
# traceback then, each one named error now.
@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda s: b.org_alarm(s).update(Threshold="1"), ".Threshold: expected a number"),
        (lambda s: b.org_alarm(s).update(DatapointsToAlarm="x"), ".DatapointsToAlarm"),
        (lambda s: b.org_alarm(s).update(Dimensions=[{"Name": []}]), ".Dimensions[0].Name"),
        (lambda s: b.org_alarm(s).update(Dimensions={}), ".Dimensions: expected an array"),
        (lambda s: b.org_alarm(s).update(AlarmActions=3), ".AlarmActions: expected an array"),
        (lambda s: b.org_filter(s).update(metricTransformations=[1]), ".metricTransformations[0]"),
        (lambda s: b.org_filter(s).update(metricTransformations="x"), ".metricTransformations"),
        (
            lambda s: s["cloudtrail get-event-selectors"][b.TRAIL]["EventSelectors"][0].update(
                ReadWriteType=["All"]
            ),
            ".EventSelectors[0].ReadWriteType: expected a string, got an array",
        ),
        (
            lambda s: s["cloudtrail get-event-selectors"][b.TRAIL].update(EventSelectors=[1]),
            ".EventSelectors[0]: expected an object, got an integer",
        ),
        (
            lambda s: s["sns list-subscriptions-by-topic"][b.TOPIC].update(Subscriptions=["x"]),
            ".Subscriptions[0]",
        ),
        (
            lambda s: s["cloudtrail describe-trails"]["trailList"].append("trail"),
            '$["cloudtrail describe-trails"].trailList[1]: expected an object, got a string',
        ),
        (
            lambda s: s["cloudtrail get-trail-status"].update({b.TRAIL: []}),
            f'$["cloudtrail get-trail-status"]["{b.TRAIL}"]: expected an object',
        ),
    ],
)
def test_known_crash_sites_are_named(tmp_path: Path, mutate: Any, where: str) -> None:
    snap = b.passing()
    mutate(snap)
    with pytest.raises(SnapshotError, match="not a snapshot") as info:
        from_data(snap, "snap.json")
    assert where in str(info.value)
    file = tmp_path / "s.json"
    file.write_text(json.dumps(snap))
    res = runner.invoke(app, ["audit", "check", str(file), "-c", b.ORG])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and where in res.stderr and str(file) in res.stderr


def test_every_problem_is_counted_in_the_one_line() -> None:
    snap = b.passing()
    b.org_alarm(snap).update(Threshold="1", Period="300")
    with pytest.raises(SnapshotError, match=r"\(and 1 more\)"):
        from_data(snap, "snap.json")


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_snapshot_bytes_are_a_snapshot_or_one_named_error(
    tmp_path: Path, data: st.DataObject
) -> None:
    raw = bytearray(json.dumps(data.draw(st.sampled_from(SEEDS))).encode())
    at = data.draw(st.integers(0, len(raw) - 1))
    how = data.draw(st.sampled_from(["truncate", "flip", "nest"]))
    if how == "truncate":
        del raw[at:]
    elif how == "flip":
        raw[at] ^= 1 << data.draw(st.integers(0, 7))
    else:
        raw[at:at] = b"[" * data.draw(st.integers(1, 5000))
    file = tmp_path / "snapshot.json"
    file.write_bytes(bytes(raw))
    try:
        load(file)
    except SnapshotError as exc:
        assert str(exc).startswith(str(file)) and "\n" not in str(exc)
