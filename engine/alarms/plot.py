"""The metric, the threshold and the alarm periods as a picture.

SVG is written by hand (no dependency): one bar per period with data, a dashed
threshold line, and one translucent ``<rect class="alarm-span">`` per stay in
ALARM.  PNG needs matplotlib, the optional ``plot`` extra.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from engine.alarms.alarm import AlarmTimeline, iso

INSTALL_HINT = (
    "PNG output needs matplotlib: pip install 'trailreplay[plot]' (or write .svg instead)"
)


class PlotError(RuntimeError):
    """The picture cannot be written (unknown format, missing matplotlib)."""


def _bounds(timeline: AlarmTimeline, values: Mapping[int, float]) -> tuple[int, int]:
    p = timeline.spec.period
    slots = [e.slot for e in timeline.evaluations] + list(values)
    if not slots:
        return 0, p
    return min(slots), max(slots) + p


def render_svg(
    timeline: AlarmTimeline,
    values: Mapping[int, float],
    *,
    title: str = "",
    width: int = 960,
    height: int = 360,
) -> str:
    """An SVG document (text) of the metric, the threshold and the ALARM spans."""
    left, right, top, bottom = 70, 20, 40, 50
    pw, ph = width - left - right, height - top - bottom
    t0, t1 = _bounds(timeline, values)
    span_t = max(1, t1 - t0)
    threshold = timeline.spec.threshold
    finite = [v for v in values.values() if math.isfinite(v)]
    vmax = max([threshold, *finite, 0.0])
    vmin = min([threshold, *finite, 0.0])
    if vmax == vmin:
        vmax = vmin + 1.0
    vmax += (vmax - vmin) * 0.1

    def x(t: float) -> float:
        return left + (t - t0) / span_t * pw

    def y(v: float) -> float:
        return top + (vmax - v) / (vmax - vmin) * ph

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title or 'trailreplay alarm replay')}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
    ]
    # ALARM spans first, so bars and lines draw on top.
    for sp in timeline.spans:
        end = sp.end if sp.end is not None else t1
        sx, ex = x(sp.start), x(end)
        out.append(
            f'<rect class="alarm-span" x="{sx:.2f}" y="{top}" width="{max(1.0, ex - sx):.2f}" '
            f'height="{ph}" fill="#d62728" fill-opacity="0.18">'
            f"<title>ALARM {iso(sp.start)} to {iso(end) if sp.end is not None else 'end'}"
            "</title></rect>"
        )
    p = timeline.spec.period
    bar_w = max(1.0, pw * p / span_t * 0.8)
    zero = y(0.0)
    for slot in sorted(values):
        v = values[slot]
        if not math.isfinite(v):
            continue
        bx = x(slot) + (pw * p / span_t - bar_w) / 2
        yt, yb = sorted((y(v), zero))
        out.append(
            f'<rect class="datapoint" x="{bx:.2f}" y="{yt:.2f}" width="{bar_w:.2f}" '
            f'height="{max(0.5, yb - yt):.2f}" fill="#1f77b4">'
            f"<title>{iso(slot)}: {v:g}</title></rect>"
        )
    ty = y(threshold)
    out.append(
        f'<line class="threshold" x1="{left}" y1="{ty:.2f}" x2="{left + pw}" y2="{ty:.2f}" '
        'stroke="#d62728" stroke-width="1.5" stroke-dasharray="6,4"/>'
    )
    out.append(
        f'<text x="{left + pw - 4}" y="{ty - 4:.2f}" text-anchor="end" fill="#d62728">'
        f"threshold {threshold:g} ({escape(timeline.spec.comparison)})</text>"
    )
    # Axes and labels.
    out.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="black"/>'
    )
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="black"/>')
    for frac in (0.0, 0.5, 1.0):
        v = vmin + (vmax - vmin) * frac
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.2f}" text-anchor="end">{v:.3g}</text>')
    for frac, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        t = t0 + span_t * frac
        out.append(
            f'<text x="{x(t):.2f}" y="{top + ph + 16}" text-anchor="{anchor}">{iso(int(t))}</text>'
        )
    spec = timeline.spec
    caption = (
        f"{spec.statistic} per {spec.period}s, {spec.m} of {spec.evaluation_periods} "
        f"datapoints, missing data: {spec.treat_missing_data}; "
        f"{len(timeline.spans)} alarm period(s)"
    )
    out.append(f'<text x="{left}" y="{top + ph + 36}">{escape(caption)}</text>')
    out.append(f'<text x="{left}" y="{top - 14}" font-size="14">{escape(title)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _write_png(
    path: Path, timeline: AlarmTimeline, values: Mapping[int, float], title: str
) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError(INSTALL_HINT) from None
    from datetime import UTC, datetime

    def dt(t: int) -> datetime:
        return datetime.fromtimestamp(t, UTC)

    t0, t1 = _bounds(timeline, values)
    p = timeline.spec.period
    fig, ax = plt.subplots(figsize=(10, 3.6))
    try:
        xs = [dt(s) for s in sorted(values)]
        ys = [values[s] for s in sorted(values)]
        ax.bar(
            xs,
            ys,
            width=p / 86400 * 0.8,
            align="edge",
            color="#1f77b4",
            edgecolor="#1f77b4",
            linewidth=0.8,
            label="datapoint",
        )
        ax.axhline(timeline.spec.threshold, color="#d62728", linestyle="--", label="threshold")
        for sp in timeline.spans:
            ax.axvspan(
                dt(sp.start), dt(sp.end if sp.end is not None else t1), color="#d62728", alpha=0.18
            )
        ax.set_xlim(dt(t0), dt(t1))
        ax.set_title(title)
        ax.legend(loc="upper right")
        fig.autofmt_xdate()
        fig.savefig(path, format="png", dpi=100)
    finally:
        plt.close(fig)


def write_plot(
    path: str | Path,
    timeline: AlarmTimeline,
    values: Mapping[int, float],
    *,
    title: str = "",
) -> None:
    """Write ``path`` as SVG or PNG, chosen by its suffix."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".svg":
        p.write_text(render_svg(timeline, values, title=title), encoding="utf-8")
    elif suffix == ".png":
        _write_png(p, timeline, values, title)
    else:
        raise PlotError(f"{path}: unknown picture format {suffix or '(none)'!r}; use .svg or .png")
