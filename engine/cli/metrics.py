"""``metrics`` and ``alarm``: what a metric filter would have published, and what
an alarm on it would have done, replayed over CloudTrail archives.

Exit codes (grep-like, as ``scan``): 0 datapoints published / the alarm fired,
1 none / it never fired, 2 bad input or settings.
"""

from __future__ import annotations

import io
import sys
from typing import Annotated, Any

from engine.cli import MaxDocumentSize
from engine.cli import commandline as cl
from engine.cli.options import FormatChoice, epilog, time_window

EXIT_OK, EXIT_NONE, EXIT_INPUT = 0, 1, 2
METRICS_FORMATS = FormatChoice(["table", "csv", "json"])
ALARM_FORMATS = FormatChoice(["text", "json"], aliases={"table": "text"})
# CloudWatch keeps datapoints of at most 1 day per period for these replays' purposes; a
# period past a year is a typing mistake, and huge values only make arithmetic slow.
MAX_PERIOD = 366 * 86400
# PutMetricAlarm bounds evaluation periods x period by 7 days, so N <= 60,480 (10 s periods).
MAX_EVALUATION = 100_000


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


METRICS_EXAMPLES = (
    "trailreplay metrics samples/ -c root-usage",
    "trailreplay metrics samples/ -e '{ $.eventName = Create* }' --format csv",
)
METRICS_EXIT = "0 datapoints published, 1 none, 2 usage error or unreadable input"
ALARM_EXAMPLES = (
    "trailreplay alarm samples/ -c root-usage",
    "trailreplay alarm samples/ -c organizations-changes --format json",
)
ALARM_EXIT = "0 the alarm fired, 1 it never fired, 2 usage error or unreadable input"


def register(app: cl.App) -> None:
    app.command("metrics", epilog=epilog(METRICS_EXAMPLES, METRICS_EXIT))(metrics)
    app.command("alarm", epilog=epilog(ALARM_EXAMPLES, ALARM_EXIT))(alarm)


def _fail(message: str) -> cl.Exit:
    _err(f"trailreplay: {message}")
    return cl.Exit(EXIT_INPUT)


def _sigma_pattern(sigma: str) -> str:
    """``--sigma RULE_OR_DIR``: the pattern of the one rule there (a metric filter has one)."""
    try:
        from engine.sigma import rule_patterns

        loaded = rule_patterns([sigma])
    except ImportError:
        raise _fail("--sigma needs the 'sigma' extra: pip install 'trailreplay[sigma]'") from None
    for line in loaded.problems:
        _err(f"trailreplay: {line}")
    if loaded.unreadable or len(loaded.patterns) != 1:
        raise _fail(
            f"--sigma {sigma}: needs exactly one convertible rule (a metric filter has one pattern)"
        )
    rp = loaded.patterns[0]
    _err(f"trailreplay: Sigma rule {rp.id}: {rp.title} [{rp.exactness}]")
    return rp.pattern


def _resolve(control: str | None, pattern: str | None, sigma: str | None = None) -> tuple[Any, Any]:
    """(compiled pattern, catalog entry or None) from --control / --pattern / --sigma."""
    import engine
    from engine import catalog

    if sigma is not None:
        if control is not None or pattern is not None:
            raise _fail("give exactly one of --control ID, --pattern PATTERN or --sigma RULE")
        pattern = _sigma_pattern(sigma)
    if (control is None) == (pattern is None):
        raise _fail("give exactly one of -c/--control ID or -e/--pattern PATTERN")
    entry = None
    if control is not None:
        try:
            ref = catalog.resolve(control)  # ID: the intent; ID@V: that published text
        except KeyError as e:
            raise _fail(str(e.args[0])) from None
        except catalog.CatalogError as e:
            raise _fail(str(e)) from None
        entry, text = ref.entry, ref.pattern
    else:
        assert pattern is not None
        text = pattern
    try:
        return engine.compile(text), entry
    except engine.PatternError as e:
        raise _fail(f"invalid pattern: {e}") from None


# Inputs that could not be read in this command (one command per process).
_UNREADABLE: list[str] = []


def _records(
    sources: list[str], since: str | None, until: str | None, max_document_size: int | None
) -> Any:
    from engine.replay import iter_records

    _UNREADABLE.clear()

    def on_error(path: str, message: str) -> None:
        _UNREADABLE.append(path)
        from engine.inert import inert

        _err(f"trailreplay: {inert(f'{path}: {message}')}")

    from engine.replay.formats import MAX_DOCUMENT_SIZE

    return iter_records(
        sources,
        since=since,
        until=until,
        on_error=on_error,
        max_document_size=max_document_size or MAX_DOCUMENT_SIZE,
    )


def _number(text: str | None, what: str) -> float | None:
    if text is None:
        return None
    from engine.pattern.aws import finite_number

    value = finite_number(text.strip())
    if value is None:
        raise _fail(f"{what} {text!r} is not a number (finite, like 1, 0.5, 1e3)")
    return value


def _transformation(
    entry: Any,
    metric_value: str | None,
    default_value: str | None,
    dimension: list[str] | None,
    unit: str | None,
) -> Any:
    from engine.alarms.metrics import MetricTransformationError, Transformation, parse_dimension

    try:
        dims = tuple(parse_dimension(d) for d in dimension or [])
    except MetricTransformationError as e:
        raise _fail(str(e)) from None
    value = metric_value if metric_value is not None else (entry.metric.value if entry else "1")
    return Transformation(
        metric_value=value,
        default_value=_number(default_value, "default value"),
        dimensions=dims,
        unit=unit,
        metric_name=entry.metric.name if entry else "Metric",
        namespace=entry.metric.namespace if entry else "trailreplay",
    )


def _replay(
    sources: list[str],
    compiled: Any,
    t: Any,
    period: int,
    since: str | None,
    until: str | None,
    max_document_size: int | None = None,
) -> Any:
    from engine.alarms.metrics import MetricFilter, MetricTransformationError, replay_metric

    try:
        mf = MetricFilter(compiled, t)
        records = _records(sources, since, until, max_document_size)
        return replay_metric(records, mf, period=period)
    except MetricTransformationError as e:
        raise _fail(str(e)) from None
    except ValueError as e:  # e.g. a malformed --since
        raise _fail(str(e)) from None


def _exit_if_unreadable() -> None:
    """As ``scan``: results from the readable inputs are out; exit 2 says some were not."""
    if _UNREADABLE:
        _err(f"trailreplay: {len(_UNREADABLE)} input(s) could not be read")
        raise cl.Exit(EXIT_INPUT)


def _skipped_note(mr: Any) -> None:
    if mr.non_numeric:
        _err(
            f"trailreplay: {mr.non_numeric} matching event(s) had a non-numeric metric value "
            "and published nothing"
        )
    if mr.missing_dimension:
        _err(
            f"trailreplay: {mr.missing_dimension} matching event(s) lacked a dimension value "
            "and published nothing"
        )
    if mr.no_time:
        _err(f"trailreplay: {mr.no_time} record(s) had no valid eventTime and were skipped")
    if mr.undelivered:
        _err(
            f"trailreplay: {mr.undelivered} matching record(s) are over 256 KB, which CloudTrail "
            "never sends to CloudWatch Logs, and published nothing"
        )


def _check_plot(plot: str | None) -> None:
    """A bad --plot path or format is a usage error before anything is replayed."""
    if plot is None:
        return
    from engine.alarms.plot import PlotError, check_path

    try:
        check_path(plot)
    except PlotError as e:
        raise _fail(f"--plot {e}") from None


def _draw(plot: str, draw: Any) -> None:
    from engine.alarms.plot import PlotError

    try:
        draw(plot)
    except PlotError as e:
        raise _fail(str(e)) from None
    except OSError as e:
        raise _fail(f"{plot}: {e.strerror or e}") from None
    _err(f"wrote {plot}")


def _title(t: Any, entry: Any) -> str:
    return f"{t.namespace}/{t.metric_name}" + (f" (CIS {entry.number})" if entry else "")


Sources = Annotated[
    list[str],
    cl.Argument(
        metavar="SOURCE...", help="CloudTrail files, directories, globs or -.", show_default=False
    ),
]
Control = Annotated[
    str | None,
    cl.Option(
        "--control",
        "-c",
        metavar="ID",
        help="A catalog control (its intent), or ID@V: CIS V's published text.",
    ),
]
PatternOpt = Annotated[
    str | None, cl.Option("--pattern", "-e", metavar="PATTERN", help="A filter pattern.")
]
SigmaOpt = Annotated[
    str | None,
    cl.Option(
        "--sigma",
        metavar="RULE",
        help="A Sigma rule (a file, or a directory holding one): its converted pattern.",
    ),
]
MetricValue = Annotated[
    str | None,
    cl.Option(
        "--metric-value",
        metavar="VALUE",
        help="A number, $.field (JSON) or $name / $N (space-delimited).",
    ),
]
DefaultValue = Annotated[
    str | None,
    cl.Option("--default-value", metavar="NUMBER", help="Published for events that do not match."),
]
Since = Annotated[
    str | None,
    cl.Option(
        "--since",
        metavar="TIME",
        help="Only events at or after TIME: ISO 8601, a relative time (30m, 24h, 7d) or "
        "epoch seconds.",
    ),
]
Until = Annotated[
    str | None,
    cl.Option("--until", metavar="TIME", help="Only events at or before TIME (as --since)."),
]


def metrics(
    sources: Sources,
    control: Control = None,
    pattern: PatternOpt = None,
    sigma: SigmaOpt = None,
    metric_value: MetricValue = None,
    default_value: DefaultValue = None,
    dimension: Annotated[
        list[str] | None,
        cl.Option(
            "--dimension", "-d", metavar="NAME=VALUE", help="NAME=$.field or NAME=$name; up to 3."
        ),
    ] = None,
    unit: Annotated[
        str | None, cl.Option("--unit", metavar="UNIT", help="A CloudWatch unit.")
    ] = None,
    period: Annotated[
        int,
        cl.Option("--period", min=1, max=MAX_PERIOD, metavar="SECONDS", help="Datapoint period."),
    ] = 60,
    output: Annotated[
        str,
        cl.Option(
            "--format",
            param_type=METRICS_FORMATS,
            metavar=METRICS_FORMATS.metavar,
            help="Output form.",
        ),
    ] = "table",
    plot: Annotated[
        str | None,
        cl.Option(
            "--plot", metavar="FILE", help="Also draw the Sum per period: FILE.svg or FILE.png."
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    max_document_size: MaxDocumentSize = None,
) -> None:
    """The datapoints the metric filter would have published, per period and dimensions."""
    import orjson

    from engine.alarms.report import metrics_report, metrics_table, summary

    since, until = time_window(since, until)
    _check_plot(plot)
    compiled, entry = _resolve(control, pattern, sigma)
    t = _transformation(entry, metric_value, default_value, dimension, unit)
    mr = _replay(sources, compiled, t, period, since, until, max_document_size)
    report = metrics_report(mr)
    if output == "json":
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output == "csv":
        import csv

        buf = io.StringIO()
        dim_names = [n for n, _ in t.dimensions]
        w = csv.writer(buf, lineterminator="\n")
        stats = ["Sum", "SampleCount", "Minimum", "Maximum", "Average"]
        w.writerow(["timestamp", *dim_names, *stats])
        for dp in report["datapoints"]:
            w.writerow(
                [dp["timestamp"], *(dp["dimensions"].get(n, "") for n in dim_names)]
                + [dp[s] for s in stats]
            )
        sys.stdout.write(buf.getvalue())
    else:
        sys.stdout.write(metrics_table(report))
    s = summary(mr)
    _err(
        f"{s['records']} records, {s['matched']} matched, {s['published']} published, "
        f"{len(report['datapoints'])} datapoints"
    )
    _skipped_note(mr)
    if plot:
        from engine.alarms.plot import metric_chart, write_chart

        _draw(plot, lambda path: write_chart(path, metric_chart(mr, title=_title(t, entry))))
    _exit_if_unreadable()
    if not report["datapoints"]:
        raise cl.Exit(EXIT_NONE)


def alarm(
    sources: Sources,
    control: Control = None,
    pattern: PatternOpt = None,
    sigma: SigmaOpt = None,
    statistic: Annotated[
        str | None,
        cl.Option(
            "--statistic",
            metavar="NAME",
            help="Sum, SampleCount, Minimum, Maximum or Average.  [default: the control's, "
            "else Sum]",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        int | None,
        cl.Option(
            "--period",
            min=1,
            max=MAX_PERIOD,
            metavar="SECONDS",
            help="[default: the control's, else 300]",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        cl.Option(
            "--threshold",
            metavar="NUMBER",
            help="[default: the control's, else 1]",
            show_default=False,
        ),
    ] = None,
    comparison: Annotated[
        str | None,
        cl.Option(
            "--comparison",
            metavar="OPERATOR",
            help="GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or "
            "LessThanOrEqualToThreshold.  [default: the control's, else "
            "GreaterThanOrEqualToThreshold]",
            show_default=False,
        ),
    ] = None,
    evaluation_periods: Annotated[
        int | None,
        cl.Option(
            "--evaluation-periods",
            min=1,
            max=MAX_EVALUATION,
            metavar="N",
            help="[default: the control's, else 1]",
            show_default=False,
        ),
    ] = None,
    datapoints_to_alarm: Annotated[
        int | None,
        cl.Option(
            "--datapoints-to-alarm",
            min=1,
            max=MAX_EVALUATION,
            metavar="M",
            help="[default: N]",
            show_default=False,
        ),
    ] = None,
    treat_missing_data: Annotated[
        str,
        cl.Option(
            "--treat-missing-data",
            metavar="HOW",
            help="missing, notBreaching, breaching or ignore.",
        ),
    ] = "notBreaching",
    evaluation_range: Annotated[
        int | None,
        cl.Option(
            "--evaluation-range",
            metavar="N",
            min=1,
            max=MAX_EVALUATION,
            help="Datapoints retrieved per evaluation.  [default: N + 2]",
            show_default=False,
        ),
    ] = None,
    metric_value: MetricValue = None,
    default_value: DefaultValue = None,
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=ALARM_FORMATS, metavar=ALARM_FORMATS.metavar, help="Output form."
        ),
    ] = "text",
    plot: Annotated[
        str | None,
        cl.Option("--plot", metavar="FILE", help="Also draw FILE.svg or FILE.png."),
    ] = None,
    since: Since = None,
    until: Until = None,
    max_document_size: MaxDocumentSize = None,
) -> None:
    """Replay CloudWatch's alarm evaluation: the OK / ALARM timeline and the events behind it."""
    import orjson

    from engine.alarms.alarm import AlarmConfigError, AlarmSpec, replay
    from engine.alarms.plot import write_plot
    from engine.alarms.report import alarm_report, alarm_text

    since, until = time_window(since, until)
    _check_plot(plot)
    compiled, entry = _resolve(control, pattern, sigma)
    base = entry.alarm if entry is not None else None
    spec = AlarmSpec(
        statistic=statistic or (base.statistic if base else "Sum"),
        period=period if period is not None else (base.period if base else 300),
        threshold=threshold if threshold is not None else (base.threshold if base else 1.0),
        comparison=comparison or (base.comparison if base else "GreaterThanOrEqualToThreshold"),
        evaluation_periods=evaluation_periods
        if evaluation_periods is not None
        else (base.evaluation_periods if base else 1),
        datapoints_to_alarm=datapoints_to_alarm
        if datapoints_to_alarm is not None
        else (base.datapoints_to_alarm if base and evaluation_periods is None else None),
        treat_missing_data=treat_missing_data,
        evaluation_range=evaluation_range,
    )
    try:
        spec.validate()
    except AlarmConfigError as e:
        raise _fail(str(e)) from None
    t = _transformation(entry, metric_value, default_value, None, None)
    mr = _replay(sources, compiled, t, spec.period, since, until, max_document_size)
    values = mr.values(spec.statistic)
    tl = replay(values, spec, start=mr.first_time, end=mr.last_time)
    report = alarm_report(mr, tl, name=t.metric_name)
    if output == "json":
        sys.stdout.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(alarm_text(report))
    _skipped_note(mr)
    if plot:
        _draw(plot, lambda path: write_plot(path, tl, values, title=_title(t, entry)))
    _exit_if_unreadable()
    if not tl.spans:
        raise cl.Exit(EXIT_NONE)
