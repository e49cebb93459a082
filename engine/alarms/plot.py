"""The metric, the threshold and the alarm periods as a picture people can read.

One layout (:func:`plan`), two renderers: SVG written by hand (no dependency) and PNG through
matplotlib (the optional ``plot`` extra).  Both draw the same :class:`Plan`.

Invariants of the layout:

- archives span years while data comes in bursts of minutes: the time axis is cut at the widest
  gaps (at most :data:`MAX_PANELS` panels, one per burst, stacked), so no period with data is a
  hairline lost in years of nothing; a gap is cut only when it is at least :data:`MIN_CUT`
  seconds and :data:`MIN_CUT_PERIODS` periods wide; every datapoint and every ALARM span lies in
  a panel (a span across a cut is drawn in each panel it touches);
- each panel has 4 to 7 time ticks at round times, labelled in UTC without seconds;
- the value axis is shared by all panels (heights compare), starts at 0 (or below, for negative
  values), and has integer ticks when every value is an integer (counts);
- the picture has a title, axis labels, a legend (datapoint, threshold, ALARM) and a caption,
  inside the canvas: nothing is clipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from engine.alarms.alarm import AlarmTimeline, iso
from engine.alarms.metrics import MetricReplay, Stats

INSTALL_HINT = (
    "PNG output needs matplotlib: pip install 'trailreplay[plot]' (or write .svg instead)"
)
SUFFIXES = (".svg", ".png")

MAX_PANELS = 6
MIN_CUT = 86_400  # a gap of less than a day is part of the burst: people read days whole
MIN_CUT_PERIODS = 24
MIN_PANEL_PERIODS = 12  # a lone datapoint still gets a readable stretch of time around it

ALARM_RED = "#d62728"
BAR_BLUE = "#1f77b4"


class PlotError(RuntimeError):
    """The picture cannot be written (unknown format, missing matplotlib, bad path)."""


# --------------------------------------------------------------------------- the data


@dataclass(frozen=True, slots=True)
class Chart:
    """What is drawn: ``values`` (period start -> value) of one ``period``, an optional
    threshold and the ALARM spans ``(start, end)`` (end None: still in ALARM at the end)."""

    values: Mapping[int, float]
    period: int
    title: str = ""
    value_label: str = "value"
    caption: str = ""
    threshold: float | None = None
    threshold_label: str = ""
    spans: Sequence[tuple[int, int | None]] = ()
    start: int | None = None  # the replay's bounds (for spans still open at the end)
    end: int | None = None


def alarm_chart(timeline: AlarmTimeline, values: Mapping[int, float], title: str = "") -> Chart:
    """The chart of an alarm replay."""
    spec = timeline.spec
    slots = [e.slot for e in timeline.evaluations] + list(values)
    n = len(timeline.spans)
    return Chart(
        values=values,
        period=spec.period,
        title=title,
        value_label=f"{spec.statistic} per {_duration(spec.period)}",
        caption=(
            f"{spec.statistic} per {spec.period} s, ALARM when {spec.m} of the last "
            f"{spec.evaluation_periods} datapoints breach; missing data: "
            f"{spec.treat_missing_data}; {n} alarm period{'' if n == 1 else 's'}"
        ),
        threshold=spec.threshold,
        threshold_label=f"threshold {spec.threshold:g} ({spec.comparison})",
        spans=[(s.start, s.end) for s in timeline.spans],
        start=min(slots) if slots else None,
        end=max(slots) + spec.period if slots else None,
    )


def metric_chart(mr: MetricReplay, statistic: str = "Sum", title: str = "") -> Chart:
    """The chart of a metric replay: ``statistic`` per period, every dimension value together
    (the statistic of all the period's samples, as if published without dimensions)."""
    merged: dict[int, Stats] = {}
    for _dims, slot, st in mr.datapoints():
        m = merged.setdefault(slot, Stats())
        m.sample_count += st.sample_count
        m.sum += st.sum
        m.minimum = min(m.minimum, st.minimum)
        m.maximum = max(m.maximum, st.maximum)
    period = mr.period
    dims = mr.transformation.dimensions
    return Chart(
        values={slot: st.get(statistic) for slot, st in merged.items()},
        period=period,
        title=title,
        value_label=f"{statistic} per {_duration(period)}",
        caption=(
            f"{statistic} per {period} s; {len(merged)} period{'' if len(merged) == 1 else 's'} "
            "with data"
            + (
                f"; all values of the dimensions {', '.join(n for n, _ in dims)} together"
                if dims
                else ""
            )
        ),
        start=mr.first_time,
        end=mr.last_time,
    )


# --------------------------------------------------------------------------- the layout


@dataclass(frozen=True, slots=True)
class Panel:
    """One stretch of time: ``[t0, t1)``, its ticks ``(time, label)`` and a heading."""

    t0: int
    t1: int
    ticks: tuple[tuple[int, str], ...]
    heading: str


@dataclass(frozen=True, slots=True)
class Plan:
    panels: tuple[Panel, ...]
    vmin: float
    vmax: float
    yticks: tuple[tuple[float, str], ...]
    spans: tuple[tuple[int, int], ...] = field(default=())  # closed at the chart's end


def plan(chart: Chart) -> Plan:
    """The panels, ticks and value range of ``chart`` (see the module's invariants)."""
    p = chart.period
    finite = {s: v for s, v in chart.values.items() if math.isfinite(v)}
    last = max([*finite, *(s for s, _ in chart.spans)], default=None)
    end = max(x for x in (chart.end, last + p if last is not None else None, 0) if x is not None)
    spans = tuple((s, e if e is not None else max(end, s + p)) for s, e in chart.spans)
    points = sorted({*finite, *(s for s, _ in spans), *(e - p for _, e in spans)})
    if not points:
        start = chart.start if chart.start is not None else 0
        points = [start]
    panels = tuple(_panel(a, b + p, p) for a, b in _bursts(points, p))
    vmin, vmax, yticks = _value_axis(
        [*finite.values(), *(() if chart.threshold is None else (chart.threshold,))]
    )
    return Plan(panels, vmin, vmax, yticks, spans)


def _bursts(points: list[int], period: int) -> list[tuple[int, int]]:
    """``points`` (sorted) cut at the widest gaps into at most MAX_PANELS runs (first, last)."""
    min_cut = max(MIN_CUT, MIN_CUT_PERIODS * period)
    gaps = sorted(((points[i + 1] - points[i], i) for i in range(len(points) - 1)), reverse=True)
    cuts = sorted(i for gap, i in gaps[: MAX_PANELS - 1] if gap >= min_cut)
    runs, first = [], 0
    for i in cuts:
        runs.append((points[first], points[i]))
        first = i + 1
    runs.append((points[first], points[-1]))
    return runs


def _panel(a: int, b: int, period: int) -> Panel:
    """The panel around data from ``a`` to ``b``: padded, at least MIN_PANEL_PERIODS wide."""
    span = b - a
    pad = max(period, span // 20 // period * period)
    want = max(span + 2 * pad, MIN_PANEL_PERIODS * period)
    t0 = a - (want - span) // 2
    t0 -= t0 % period  # on period boundaries, as the datapoints are
    t1 = t0 + -(-want // period) * period
    ticks = _time_ticks(t0, t1)
    return Panel(t0, t1, ticks, _heading(t0, t1))


_MIN, _HOUR, _DAY = 60, 3600, 86_400
_STEPS = (
    [n * _MIN for n in (1, 2, 5, 10, 15, 20, 30)]
    + [n * _HOUR for n in (1, 2, 3, 4, 6, 8, 12)]
    + [n * _DAY for n in (1, 2, 3, 4, 7, 14)]
)
_MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 60, 120)


def _time_ticks(t0: int, t1: int) -> tuple[tuple[int, str], ...]:
    """4-7 round times in [t0, t1] (as close to 6 as the steps allow), labelled without
    repeating what the heading says."""
    best: list[int] = []
    for step in _STEPS:
        ticks = list(range(-(-t0 // step) * step, t1 + 1, step))
        if len(ticks) <= 7:
            best = ticks
            break
    else:
        for months in _MONTH_STEPS:
            best = _month_ticks(t0, t1, months)
            if len(best) <= 7:
                break
    if not best:
        best = [t0]
    step = best[1] - best[0] if len(best) > 1 else t1 - t0
    one_day = _date(t0) == _date(t1 - 1)
    if step < _DAY:
        fmt = "%H:%M" if one_day else "%m-%d %H:%M"
    elif step < 28 * _DAY:
        fmt = "%Y-%m-%d"
    else:
        fmt = "%Y-%m" if step < 360 * _DAY else "%Y"
    return tuple((t, _utc(t).strftime(fmt)) for t in best)


def _month_ticks(t0: int, t1: int, months: int) -> list[int]:
    d = _utc(t0)
    m = d.year * 12 + d.month - 1
    m = -(-m // months) * months
    out: list[int] = []
    while True:
        t = int(datetime(m // 12, m % 12 + 1, 1, tzinfo=UTC).timestamp())
        if t > t1:
            return out
        if t >= t0:
            out.append(t)
        m += months


def _heading(t0: int, t1: int) -> str:
    a, b = _utc(t0), _utc(t1)
    if a.date() == _utc(t1 - 1).date():
        return f"{a:%Y-%m-%d} {a:%H:%M}-{b:%H:%M} UTC"
    return f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M} UTC"


def _value_axis(values: list[float]) -> tuple[float, float, tuple[tuple[float, str], ...]]:
    """(vmin, vmax, ticks): round ticks from min(0, values) to above max(values)."""
    lo, hi = min([0.0, *values]), max([0.0, *values])
    if hi == lo:
        hi = lo + 1.0
    integers = all(float(v).is_integer() for v in values)
    raw = (hi - lo) / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integers:
        step = max(1.0, math.ceil(step))
    start = math.floor(lo / step) * step
    stop = math.ceil(hi / step) * step
    if stop <= hi:  # room above the highest bar
        stop += step
    n = round((stop - start) / step)
    ticks = tuple((start + k * step, _num(start + k * step)) for k in range(n + 1))
    return start, stop, ticks


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _utc(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _date(t: int) -> str:
    return _utc(t).strftime("%Y-%m-%d")


def _duration(seconds: int) -> str:
    for unit, n in (("day", _DAY), ("h", _HOUR), ("min", _MIN)):
        if seconds % n == 0:
            k = seconds // n
            return f"{k} {unit}" + ("s" if unit == "day" and k > 1 else "")
    return f"{seconds} s"


# --------------------------------------------------------------------------- SVG

WIDTH = 960
LEFT, RIGHT = 78, 48  # room for a time label centred on either edge
TOP = 64  # title and legend
PANEL_H, PANEL_GAP = 120, 58  # plot area of a panel; heading above, ticks below
BOTTOM = 44  # axis label and caption


def svg_height(n_panels: int) -> int:
    return TOP + n_panels * (PANEL_H + PANEL_GAP) + BOTTOM


def chart_svg(chart: Chart) -> str:
    """An SVG document (text) of ``chart``."""
    lay = plan(chart)
    height = svg_height(len(lay.panels))
    pw = WIDTH - LEFT - RIGHT
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
        'font-size="12">',
        f"<title>{escape(chart.title or 'trailreplay')}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="16" font-weight="bold">{escape(chart.title)}</text>',
    ]
    out += _svg_legend(chart, LEFT, 46)
    for k, panel in enumerate(lay.panels):
        top = TOP + k * (PANEL_H + PANEL_GAP) + 22
        out += _svg_panel(chart, lay, panel, top, pw)
    # The value axis label, once, along the left edge of all panels.
    mid = TOP + len(lay.panels) * (PANEL_H + PANEL_GAP) / 2
    out.append(
        f'<text x="16" y="{mid:.1f}" text-anchor="middle" transform="rotate(-90 16 {mid:.1f})">'
        f"{escape(chart.value_label)}</text>"
    )
    base = height - BOTTOM
    out.append(
        f'<text x="{LEFT + pw / 2:.1f}" y="{base + 14}" text-anchor="middle">time (UTC)</text>'
    )
    out.append(f'<text x="{LEFT}" y="{base + 34}" fill="#444">{escape(chart.caption)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_legend(chart: Chart, x: float, y: float) -> list[str]:
    items = [
        f'<rect x="{x}" y="{y - 10}" width="14" height="10" fill="{BAR_BLUE}"/>'
        f'<text x="{x + 20}" y="{y}">datapoint</text>'
    ]
    x += 100
    if chart.threshold is not None:
        items.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{ALARM_RED}" '
            'stroke-width="2" stroke-dasharray="6,4"/>'
            f'<text x="{x + 30}" y="{y}">{escape(chart.threshold_label or "threshold")}</text>'
        )
        x += 40 + 7 * len(chart.threshold_label or "threshold")
    if chart.threshold is not None or chart.spans:
        items.append(
            f'<rect x="{x}" y="{y - 11}" width="18" height="12" fill="{ALARM_RED}" '
            f'fill-opacity="0.18"/><text x="{x + 24}" y="{y}">ALARM</text>'
        )
    return items


def _svg_panel(chart: Chart, lay: Plan, panel: Panel, top: float, pw: float) -> list[str]:
    p = chart.period
    span_t = panel.t1 - panel.t0
    ph = PANEL_H

    def x(t: float) -> float:
        return LEFT + (t - panel.t0) / span_t * pw

    def y(v: float) -> float:
        return top + (lay.vmax - v) / (lay.vmax - lay.vmin) * ph

    out = [
        f'<text x="{LEFT}" y="{top - 8}" font-weight="bold" fill="#333">'
        f"{escape(panel.heading)}</text>"
    ]
    for v, label in lay.yticks:  # grid lines and value ticks
        out.append(
            f'<line x1="{LEFT}" y1="{y(v):.2f}" x2="{LEFT + pw}" y2="{y(v):.2f}" stroke="#e5e5e5"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.2f}" text-anchor="end">{label}</text>'
        )
    for n, (s, e) in enumerate(lay.spans):
        a, b = max(s, panel.t0), min(e, panel.t1)
        if a >= b:
            continue
        out.append(
            f'<rect class="alarm-span" data-span="{n}" x="{x(a):.2f}" y="{top}" '
            f'width="{max(2.0, x(b) - x(a)):.2f}" height="{ph}" fill="{ALARM_RED}" '
            f'fill-opacity="0.18"><title>ALARM {iso(s)} to {iso(e)}</title></rect>'
        )
    slot_w = pw * p / span_t
    bar_w = max(2.0, slot_w * 0.8)
    zero = y(0.0)
    for slot in sorted(chart.values):
        v = chart.values[slot]
        if not math.isfinite(v) or not panel.t0 <= slot < panel.t1:
            continue
        bx = x(slot) + (slot_w - bar_w) / 2
        yt, yb = sorted((y(v), zero))
        out.append(
            f'<rect class="datapoint" x="{bx:.2f}" y="{yt:.2f}" width="{bar_w:.2f}" '
            f'height="{max(1.0, yb - yt):.2f}" fill="{BAR_BLUE}">'
            f"<title>{iso(slot)}: {v:g}</title></rect>"
        )
    if chart.threshold is not None:
        ty = y(chart.threshold)
        out.append(
            f'<line class="threshold" x1="{LEFT}" y1="{ty:.2f}" x2="{LEFT + pw}" y2="{ty:.2f}" '
            f'stroke="{ALARM_RED}" stroke-width="1.5" stroke-dasharray="6,4"/>'
        )
    bottom = top + ph
    out.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{LEFT + pw}" y2="{bottom}" stroke="black"/>'
        f'<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}" stroke="black"/>'
    )
    for t, label in panel.ticks:
        tx = x(t)
        out.append(
            f'<line x1="{tx:.2f}" y1="{bottom}" x2="{tx:.2f}" y2="{bottom + 5}" stroke="black"/>'
            f'<text x="{tx:.2f}" y="{bottom + 18}" text-anchor="middle">{escape(label)}</text>'
        )
    return out


def render_svg(timeline: AlarmTimeline, values: Mapping[int, float], *, title: str = "") -> str:
    """An SVG document (text) of an alarm replay: the metric, the threshold, the ALARM spans."""
    return chart_svg(alarm_chart(timeline, values, title))


# --------------------------------------------------------------------------- PNG


def _pyplot() -> object:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError(INSTALL_HINT) from None
    return plt


def chart_png(chart: Chart, path: Path) -> None:
    """``chart`` as a PNG (matplotlib), placed pixel for pixel as the SVG is."""
    plt: Any = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lay = plan(chart)
    height = svg_height(len(lay.panels))
    pw = WIDTH - LEFT - RIGHT
    fig = plt.figure(figsize=(WIDTH / 100, height / 100), dpi=100)

    def fx(px: float) -> float:
        return px / WIDTH

    def fy(px: float) -> float:  # from the top, as in the SVG
        return 1 - px / height

    try:
        for k, panel in enumerate(lay.panels):
            top = TOP + k * (PANEL_H + PANEL_GAP) + 22
            ax = fig.add_axes((fx(LEFT), fy(top + PANEL_H), fx(pw), PANEL_H / height))
            _png_panel(ax, chart, lay, panel)
        fig.text(fx(LEFT), fy(22), chart.title, fontsize=13, fontweight="bold")
        handles: list[Any] = [Patch(color=BAR_BLUE, label="datapoint")]
        if chart.threshold is not None:
            handles.append(
                Line2D([], [], color=ALARM_RED, linestyle="--", label=chart.threshold_label)
            )
        if chart.threshold is not None or chart.spans:
            handles.append(Patch(color=ALARM_RED, alpha=0.18, label="ALARM"))
        fig.legend(
            handles=handles, loc="lower left", bbox_to_anchor=(fx(LEFT - 8), fy(56)),
            ncols=len(handles), frameon=False, fontsize=10, borderaxespad=0,
        )  # fmt: skip
        mid = TOP + len(lay.panels) * (PANEL_H + PANEL_GAP) / 2
        fig.text(fx(16), fy(mid), chart.value_label, rotation=90, ha="center", va="center")
        base = height - BOTTOM
        fig.text(fx(LEFT + pw / 2), fy(base + 14), "time (UTC)", ha="center")
        fig.text(fx(LEFT), fy(base + 34), chart.caption, fontsize=9, color="#444")
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)


def _png_panel(ax: Any, chart: Chart, lay: Plan, panel: Panel) -> None:
    p = chart.period
    slots = [s for s in sorted(chart.values) if panel.t0 <= s < panel.t1]
    vals = [chart.values[s] for s in slots]
    ax.bar(
        [s + p * 0.1 for s in slots], vals, width=p * 0.8, align="edge", color=BAR_BLUE,
        linewidth=0,
    )  # fmt: skip
    # A bar narrower than a pixel disappears: draw each as at least a 2-pixel line as well.
    ax.vlines([s + p / 2 for s in slots], 0, vals, color=BAR_BLUE, linewidth=2)
    for s, e in lay.spans:
        a, b = max(s, panel.t0), min(e, panel.t1)
        if a < b:
            ax.axvspan(a, b, color=ALARM_RED, alpha=0.18, linewidth=0)
    if chart.threshold is not None:
        ax.axhline(chart.threshold, color=ALARM_RED, linestyle="--", linewidth=1.5)
    ax.set_xlim(panel.t0, panel.t1)
    ax.set_ylim(lay.vmin, lay.vmax)
    ax.set_xticks([t for t, _ in panel.ticks], [label for _, label in panel.ticks])
    ax.set_yticks([v for v, _ in lay.yticks], [label for _, label in lay.yticks])
    ax.grid(axis="y", color="#e5e5e5")
    ax.set_axisbelow(True)
    ax.set_title(panel.heading, loc="left", fontsize=10, fontweight="bold", color="#333")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# --------------------------------------------------------------------------- files


def check_path(path: str | Path) -> Path:
    """Raise PlotError unless ``path`` can take a picture: a known suffix, an existing
    directory, matplotlib for PNG.  Called before any replay, so a typo costs nothing."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise PlotError(f"{path}: unknown picture format {suffix or '(none)'!r}; use .svg or .png")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise PlotError(f"{path}: no such directory {str(parent)!r}")
    if p.is_dir():
        raise PlotError(f"{path}: is a directory")
    if suffix == ".png":
        _pyplot()
    return p


def write_chart(path: str | Path, chart: Chart) -> None:
    """Write ``chart`` to ``path`` as SVG or PNG, chosen by its suffix."""
    p = check_path(path)
    if p.suffix.lower() == ".svg":
        p.write_text(chart_svg(chart), encoding="utf-8")
    else:
        chart_png(chart, p)


def write_plot(
    path: str | Path,
    timeline: AlarmTimeline,
    values: Mapping[int, float],
    *,
    title: str = "",
) -> None:
    """Write an alarm replay's picture to ``path`` (.svg or .png)."""
    write_chart(path, alarm_chart(timeline, values, title))
