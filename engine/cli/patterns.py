"""``patterns list | show | check``: the CIS catalog on the command line."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from engine.cli.options import FormatChoice, epilog

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
TABLE_OR_JSON = FormatChoice(["table", "json"])
TEXT_OR_JSON = FormatChoice(["text", "json"])


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _json(obj: Any) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode() + "\n")


def register(app: typer.Typer) -> None:
    sub = typer.Typer(
        name="patterns",
        help="The CIS AWS Foundations monitoring controls shipped with trailreplay.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    sub.command(
        "list",
        epilog=epilog(
            ["trailreplay patterns list", "trailreplay patterns list --format json"],
            "0 listed, 2 usage error or a broken catalog",
        ),
    )(list_)
    sub.command(
        "show",
        epilog=epilog(
            ["trailreplay patterns show root-usage", "trailreplay patterns show 4.3 --format json"],
            "0 shown, 2 usage error (an unknown control) or a broken catalog",
        ),
    )(show)
    sub.command(
        "check",
        epilog=epilog(
            ["trailreplay patterns check"],
            "0 every control passes, 1 a control fails, 2 usage error or a broken catalog",
        ),
    )(check)
    app.add_typer(sub, name="patterns")


def _load() -> list[Any]:
    from engine import catalog

    try:
        return catalog.entries()
    except (catalog.CatalogError, OSError) as e:
        _err(f"trailreplay: {e}")
        raise typer.Exit(EXIT_INPUT) from None


def _summary(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "cis": e.number,
        "cis_versions": e.cis,
        "security_hub": e.security_hub,
        "title": e.title,
        "pattern": e.pattern,
        "metric": e.metric.as_dict(),
        "alarm": e.alarm.as_dict(),
    }


def list_(
    output: Annotated[
        str,
        typer.Option(
            "--format", click_type=TABLE_OR_JSON, metavar=TABLE_OR_JSON.metavar, help="Output form."
        ),
    ] = "table",
) -> None:
    """List the catalog's controls, sorted by CIS number."""
    entries = _load()
    if output == "json":
        _json([_summary(e) for e in entries])
        return
    rows = [
        (e.number, e.cis.get("6.0.0", "-"), e.id, e.security_hub or "-", e.metric.name)
        for e in entries
    ]
    header = ("CIS", "v6", "ID", "SECURITY HUB", "METRIC")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        _out("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())


def show(
    control: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Control id (e.g. root-usage) or CIS number.", show_default=False
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--format", click_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Show one control: pattern, numbering, metric, alarm, variants, defects, samples."""
    from engine import catalog

    _load()
    try:
        e = catalog.get(control)
    except KeyError as ex:
        _err(f"trailreplay: {ex.args[0]}")
        raise typer.Exit(EXIT_INPUT) from None
    if output == "json":
        _json(e.as_dict())
        return
    lines = [
        f"{e.id}  (CIS {e.number}; {e.cis_id})",
        f"title: {e.title}",
        "numbering: " + ", ".join(f"v{v} {n}" for v, n in e.cis.items()),
        f"security hub: {e.security_hub or 'none'} — {e.security_hub_maps_to}",
        "pattern:",
        f"  {e.pattern}",
        f"metric: {e.metric.namespace}/{e.metric.name}, value {e.metric.value}",
        f"alarm: {e.alarm.statistic} {e.alarm.comparison} {e.alarm.threshold:g} per "
        f"{e.alarm.period} s, {e.alarm.datapoints_to_alarm} of {e.alarm.evaluation_periods}",
    ]
    if e.notes:
        lines.append(f"notes: {e.notes}")
    lines.append(f"source: {e.source}")
    for v in e.variants:
        lines.append(f"variant [{', '.join(v.versions)}] ({v.expect}):")
        lines.append(f"  {v.pattern}")
        if v.note:
            lines.append(f"  note: {v.note}")
    for d in e.defects:
        lines.append(f"defect [{', '.join(d.versions)}]: {d.what}")
        lines.append(f"  trailreplay: {d.handling}")
    lines.append(
        f"samples: {len(e.samples.must_match)} must match, "
        f"{len(e.samples.must_not_match)} must not match"
    )
    for why in e.samples.must_match_why:
        lines.append(f"  + {why}")
    for why in e.samples.must_not_match_why:
        lines.append(f"  - {why}")
    _out("\n".join(lines))


@dataclass
class CheckResult:
    id: str
    number: str
    problems: list[str] = field(default_factory=list)
    samples: int = 0
    variants: int = 0


def check_entry(e: Any) -> CheckResult:
    """Run one entry's samples and validate its pattern, variants, metric and alarm."""
    import engine
    from engine.alarms.alarm import AlarmConfigError, AlarmSpec
    from engine.alarms.metrics import MetricTransformationError, Transformation, validate

    res = CheckResult(e.id, e.number)
    try:
        p = engine.compile(e.pattern)
    except engine.PatternError as ex:
        res.problems.append(f"the canonical pattern is invalid:\n{ex}")
        return res
    if len(e.samples.must_match) < 2 or len(e.samples.must_not_match) < 2:
        res.problems.append("needs at least 2 must-match and 2 must-not-match samples")
    for which, want in (("must_match", True), ("must_not_match", False)):
        records = getattr(e.samples, which)
        whys = getattr(e.samples, f"{which}_why")
        for i, r in enumerate(records):
            res.samples += 1
            got = p.matches_record(r)
            if got != want:
                why = whys[i] if i < len(whys) else ""
                res.problems.append(
                    f"{which} sample {i + 1} {'did not match' if want else 'matched'}: {why}"
                )
    for v in e.variants:
        res.variants += 1
        try:
            engine.compile(v.pattern)
            got_v = "valid"
            err = ""
        except engine.PatternError as ex:
            got_v, err = "invalid", str(ex)
        if got_v != v.expect:
            detail = f"\n{err}" if err else ""
            res.problems.append(
                f"variant [{', '.join(v.versions)}] is {got_v}, expected {v.expect}{detail}"
            )
    try:
        validate(p, Transformation(metric_value=e.metric.value))
    except MetricTransformationError as ex:
        res.problems.append(f"metric: {ex}")
    try:
        AlarmSpec(
            statistic=e.alarm.statistic,
            period=e.alarm.period,
            threshold=e.alarm.threshold,
            comparison=e.alarm.comparison,
            evaluation_periods=e.alarm.evaluation_periods,
            datapoints_to_alarm=e.alarm.datapoints_to_alarm,
        ).validate()
    except AlarmConfigError as ex:
        res.problems.append(f"alarm: {ex}")
    return res


def check(
    output: Annotated[
        str,
        typer.Option(
            "--format", click_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Run every control's samples and validate every variant."""
    results = [check_entry(e) for e in _load()]
    failed = [r for r in results if r.problems]
    if output == "json":
        _json(
            [
                {
                    "id": r.id,
                    "cis": r.number,
                    "ok": not r.problems,
                    "samples": r.samples,
                    "variants": r.variants,
                    "problems": r.problems,
                }
                for r in results
            ]
        )
    else:
        for r in results:
            status = "ok  " if not r.problems else "FAIL"
            _out(f"{status} {r.number:<5} {r.id}  ({r.samples} samples, {r.variants} variants)")
            for prob in r.problems:
                _out("     " + prob.replace("\n", "\n     "))
        _err(f"{len(results) - len(failed)} of {len(results)} controls pass")
    if failed:
        raise typer.Exit(EXIT_FAILED)
