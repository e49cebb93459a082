"""``patterns list | show | check``: the CIS catalog on the command line."""

from __future__ import annotations

import sys
from typing import Annotated, Any

from engine.cli import commandline as cl
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


def register(app: cl.App) -> None:
    sub = cl.App(
        name="patterns",
        help="The CIS AWS Foundations monitoring controls shipped with trailreplay.",
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
    app.add_group(sub, name="patterns")


def _load() -> list[Any]:
    from engine import catalog

    try:
        return catalog.entries()
    except (catalog.CatalogError, OSError) as e:
        _err(f"trailreplay: {e}")
        raise cl.Exit(EXIT_INPUT) from None


def _text_json(v: Any) -> dict[str, Any]:
    return {
        "label": v.label,
        "versions": list(v.versions),
        "cis": list(v.cis),
        "pattern": v.pattern,
        "valid": v.expect == "valid",
        "relation": v.relation,
        "defect": v.defect,
        "counterexample": v.counterexample,
        "note": v.note,
        "source": v.source,
    }


def _summary(e: Any) -> dict[str, Any]:
    """One control's provenance: intent, published texts, versions, Security Hub, sources."""
    return {
        "id": e.id,
        "cis": e.number,
        "cis_versions": e.cis,
        "security_hub": e.security_hub,
        "security_hub_maps_to": e.security_hub_maps_to,
        "title": e.title,
        "pattern": e.pattern,
        "intent": e.intent.as_dict(),
        "published": {v: (e.published(v).label if e.published(v) else None) for v in e.cis},
        "variants": [_text_json(v) for v in e.texts()],
        "metric": e.metric.as_dict(),
        "alarm": e.alarm.as_dict(),
        "source": e.source,
        "notes": e.notes,
    }


def list_(
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TABLE_OR_JSON, metavar=TABLE_OR_JSON.metavar, help="Output form."
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
        cl.Argument(
            metavar="ID",
            help="Control: id, CIS number, Security Hub id (CloudWatch.2).",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Show one control: intent and its evidence, published texts with their defects and
    relation to the intent, numbering, Security Hub, metric, alarm, samples."""
    import orjson

    from engine import catalog

    _load()
    try:
        e = catalog.get(control)
    except KeyError as ex:
        _err(f"trailreplay: {ex.args[0]}")
        raise cl.Exit(EXIT_INPUT) from None
    from engine.audit.judge import filter_verdict

    if output == "json":
        doc = {**_summary(e), "samples": e.samples.as_dict()}
        for v, out in zip(e.texts(), doc["variants"], strict=True):
            if v.expect == "valid":
                ok, why, _ = filter_verdict(v.pattern, e)
                out["audit"] = {"status": "PASS" if ok else "FAIL", "why": why}
        _json(doc)
        return
    lines = [
        f"{e.id}  (CIS {e.number}; {e.cis_id})",
        f"title: {e.title}",
        "numbering: " + ", ".join(f"v{v} {n}" for v, n in e.cis.items()),
        f"security hub: {e.security_hub or 'none'} — {e.security_hub_maps_to}",
        "intent (what trailreplay replays and audits by default):",
        f"  {e.pattern}",
    ]
    if e.intent.bound:
        lines += ["bound (the broadest filter accepted):", f"  {e.intent.bound}"]
    lines.append(f"reading: {e.intent.reading}")
    for ev in e.intent.evidence:
        lines.append(f"  evidence: {ev.text}")
        lines.append(f"    ({ev.source})")
    lines += [
        f"metric: {e.metric.namespace}/{e.metric.name}, value {e.metric.value}",
        f"alarm: {e.alarm.statistic} {e.alarm.comparison} {e.alarm.threshold:g} per "
        f"{e.alarm.period} s, {e.alarm.datapoints_to_alarm} of {e.alarm.evaluation_periods}",
    ]
    if e.notes:
        lines.append(f"notes: {e.notes}")
    lines.append(f"source: {e.source}")
    for v in e.texts():
        how = v.relation if v.expect == "valid" else "invalid"
        lines.append(f"text {v.label} [{', '.join(v.versions)}]: {how}")
        lines.append(f"  {v.pattern}")
        if v.expect == "valid":
            ok, why, _ = filter_verdict(v.pattern, e)
            lines.append(f"  as a deployed filter: {'PASS' if ok else 'FAIL'} ({why})")
        if v.defect:
            lines.append(f"  defect: {v.defect}")
        if v.counterexample is not None:
            lines.append(f"  counterexample: {orjson.dumps(v.counterexample).decode()}")
        if v.note:
            lines.append(f"  note: {v.note}")
    lines.append(
        f"samples: {len(e.samples.must_match)} must match, "
        f"{len(e.samples.must_not_match)} must not match"
    )
    for why in e.samples.must_match_why:
        lines.append(f"  + {why}")
    for why in e.samples.must_not_match_why:
        lines.append(f"  - {why}")
    _out("\n".join(lines))


def check(
    output: Annotated[
        str,
        cl.Option(
            "--format", param_type=TEXT_OR_JSON, metavar=TEXT_OR_JSON.metavar, help="Output form."
        ),
    ] = "text",
) -> None:
    """Prove every published text's recorded relation to the intent and run every sample."""
    from engine import catalog

    results = catalog.check_all(_load())
    failed = [r for r in results if r.problems]
    if output == "json":
        _json([r.to_json() for r in results])
    else:
        for r in results:
            status = "ok  " if not r.problems else "FAIL"
            rels = ", ".join(f"{x['relation']}" for x in r.relations)
            _out(
                f"{status} {r.number:<5} {r.id}  ({r.samples} samples, {r.variants} published "
                f"texts: {rels})"
            )
            for prob in r.problems:
                _out("     " + prob.replace("\n", "\n     "))
        _err(f"{len(results) - len(failed)} of {len(results)} controls pass")
    if failed:
        raise cl.Exit(EXIT_FAILED)
