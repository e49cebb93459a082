"""Plots people can read (issue 14): bursts years apart get a panel each, ticks are round and few,
counts have integer ticks, labels and legend are there and inside the canvas, and a bad --plot
path is a usage error before anything is replayed."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.alarms.alarm import AlarmSpec, replay
from engine.alarms.plot import (
    MAX_PANELS,
    MIN_PANEL_PERIODS,
    WIDTH,
    Chart,
    alarm_chart,
    chart_svg,
    plan,
    render_svg,
    svg_height,
    write_plot,
)
from engine.cli.main import app
from tests.runner import CliRunner

SVG = "{http://www.w3.org/2000/svg}"
REPO = Path(__file__).resolve().parents[2]


def _t(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


# Root-usage-like bursts from 2014 to 2024, as in samples/.
BURSTS = {
    _t("2014-03-06T17:10:00"): 1.0,
    _t("2018-08-25T18:10:00"): 1.0,
    _t("2020-10-13T21:15:00"): 1.0,
    _t("2020-10-13T21:45:00"): 1.0,
    _t("2022-11-10T16:20:00"): 5.0,
    **{_t("2024-03-12T00:20:00") + k * 6 * 3600: float(1 + k % 3) for k in range(12)},
}


def _timeline(values: dict[int, float], **spec: object) -> tuple[object, dict[int, float]]:
    s = AlarmSpec(period=300, **spec)  # type: ignore[arg-type]
    return replay(values, s, start=min(values), end=max(values) + 300), values


def test_bursts_years_apart_get_a_panel_each() -> None:
    tl, values = _timeline(BURSTS)
    lay = plan(alarm_chart(tl, values))  # type: ignore[arg-type]
    assert 1 < len(lay.panels) <= MAX_PANELS
    assert len(lay.panels) == 5  # 2014, 2018, 2020, 2022, 2024
    for slot in values:  # every datapoint is drawn somewhere
        assert sum(p.t0 <= slot < p.t1 for p in lay.panels) == 1
    lone = lay.panels[0]
    assert lone.t1 - lone.t0 == MIN_PANEL_PERIODS * 300  # one datapoint: one hour, not 10 years
    for panel in lay.panels:
        assert 4 <= len(panel.ticks) <= 7, panel
        assert all(panel.t0 <= t <= panel.t1 for t, _ in panel.ticks)
        assert all(":" not in label[-3:] or label.count(":") == 1 for _, label in panel.ticks)
    assert [label for _, label in lay.yticks] == ["0", "1", "2", "3", "4", "5", "6"]


def test_fractional_values_get_fractional_ticks() -> None:
    chart = Chart(values={0: 0.25, 300: 0.7}, period=300)
    labels = [label for _, label in plan(chart).yticks]
    assert labels[0] == "0" and any("." in label for label in labels)
    assert 3 <= len(labels) <= 8


def test_a_span_across_a_cut_is_drawn_in_each_panel() -> None:
    far = _t("2024-01-01T00:00:00")
    values = {0: 1.0, far: 1.0}
    chart = Chart(values=values, period=300, threshold=1, spans=[(300, far)])
    lay = plan(chart)
    assert len(lay.panels) == 2
    root = ET.fromstring(chart_svg(chart))
    rects = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "alarm-span"]
    assert len(rects) == 2 and {r.get("data-span") for r in rects} == {"0"}


def test_svg_has_labels_legend_and_nothing_outside_the_canvas() -> None:
    tl, values = _timeline(BURSTS)
    text = render_svg(tl, values, title="CISBenchmark/RootUsage (CIS 4.3)")  # type: ignore[arg-type]
    root = ET.fromstring(text)
    height = int(root.get("height", "0"))
    assert int(root.get("width", "0")) == WIDTH and height == svg_height(5)
    words = [t.text or "" for t in root.iter(f"{SVG}text")]
    for needed in ("datapoint", "ALARM", "time (UTC)", "Sum per 5 min"):
        assert needed in words, needed
    assert any(w.startswith("threshold 1") for w in words)
    for el in root.iter(f"{SVG}text"):
        x, y = float(el.get("x", "0")), float(el.get("y", "0"))
        half = 3.5 * len(el.text or "")  # ~7 px a character at 12 px
        anchor = el.get("text-anchor", "start")
        lo = x - (half if anchor == "middle" else 2 * half if anchor == "end" else 0)
        hi = x + (half if anchor == "middle" else 0 if anchor == "end" else 2 * half)
        if el.get("transform"):  # the rotated value-axis label
            continue
        assert lo >= 0 and hi <= WIDTH and 0 < y <= height, (el.text, lo, hi, y)
    for r in root.iter(f"{SVG}rect"):
        if r.get("class") == "datapoint":
            assert float(r.get("width", "0")) >= 2  # no hairlines


def test_png_is_drawn_at_the_svg_size(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    tl, values = _timeline(BURSTS)
    out = tmp_path / "a.png"
    write_plot(out, tl, values, title="t")  # type: ignore[arg-type]
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, svg_height(5))


runner = CliRunner()


@pytest.mark.parametrize("command", ["alarm", "metrics"])
@pytest.mark.parametrize(
    ("plot", "message"),
    [("out.gif", "unknown picture format"), ("no/such/dir/a.svg", "no such directory")],
)
def test_bad_plot_path_is_a_usage_error_before_replaying(
    command: str, plot: str, message: str, tmp_path: Path
) -> None:
    missing = tmp_path / "never-read"
    res = runner.invoke(
        app, [command, str(missing), "--control", "root-usage", "--plot", str(tmp_path / plot)]
    )
    assert res.exit_code == 2, res.output
    assert message in res.stderr and "--plot" in res.stderr
    assert "never-read" not in res.stderr  # nothing was replayed


def test_metrics_plot(tmp_path: Path) -> None:
    out = tmp_path / "m.svg"
    res = runner.invoke(
        app,
        ["metrics", str(REPO / "samples"), "--control", "root-usage", "--plot", str(out)],
    )
    assert res.exit_code == 0, res.output
    root = ET.parse(out).getroot()
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "datapoint"]
    points = json.loads(
        runner.invoke(
            app,
            ["metrics", str(REPO / "samples"), "--control", "root-usage", "--format", "json"],
        ).stdout
    )["datapoints"]
    assert len(bars) == len(points) > 10
    assert "ALARM" not in [t.text for t in root.iter(f"{SVG}text")]  # a metric has no alarm
