"""``trailreplay audit collect|check``: CIS monitoring controls judged by meaning."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

from engine.cli import commandline as cl
from engine.cli.options import FormatChoice, epilog

# engine.audit.report.FORMATS; spelled here so that parsing the command line imports nothing.
AUDIT_FORMATS = FormatChoice(["text", "json", "sarif"])


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")


def collect_cmd(
    out: Annotated[
        Path,
        cl.Option("--out", "-o", metavar="FILE", help="Where to write the snapshot JSON."),
    ],
    profile: Annotated[
        str | None, cl.Option("--profile", metavar="NAME", help="AWS named profile.")
    ] = None,
    region: Annotated[
        list[str] | None,
        cl.Option(
            "--regions",
            "--region",
            metavar="NAMES",
            help="Regions to list trails in (comma-separated, repeatable).",
            show_default=False,
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None,
        cl.Option(
            "--endpoint-url",
            metavar="URL",
            help="AWS endpoint URL (tests, emulators); AWS_ENDPOINT_URL also works.",
        ),
    ] = None,
) -> None:
    """Build a snapshot with read-only AWS calls (needs the `aws` extra: boto3)."""
    import orjson

    from engine.audit.collect import CollectError, collect
    from engine.cli.options import id_list

    regions = sorted(id_list(region, "--regions") or [])
    try:
        snap = collect(regions, profile, endpoint_url, warn=lambda m: _err(f"warning: {m}"))
    except CollectError as exc:
        _err(f"trailreplay: {exc}")
        raise cl.Exit(2) from None
    try:
        out.write_bytes(orjson.dumps(snap, option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as exc:
        _err(f"trailreplay: {out}: cannot write: {exc.strerror or exc}")
        raise cl.Exit(2) from None
    trails = len(snap.get("cloudtrail describe-trails", {}).get("trailList", []))
    _err(f"wrote {out}: {trails} trail(s)")


def check_cmd(
    snapshot: Annotated[
        str, cl.Argument(metavar="SNAPSHOT", help="Snapshot JSON file ('-' for stdin).")
    ],
    control: Annotated[
        list[str] | None,
        cl.Option(
            "--control",
            "-c",
            metavar="ID",
            help="Catalog control id (repeatable).  [default: every control]",
            show_default=False,
        ),
    ] = None,
    cis_version: Annotated[
        str | None,
        cl.Option(
            "--cis-version",
            metavar="V",
            help="Judge against this CIS version's published text (e.g. 1.4.0), as Security "
            "Hub and the benchmark's auditors do, instead of the control's intent.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        cl.Option(
            "--format", param_type=AUDIT_FORMATS, metavar=AUDIT_FORMATS.metavar, help="Output form."
        ),
    ] = "text",
    verbose: Annotated[
        bool, cl.Option("--verbose", "-v", help="Show every step of every control.")
    ] = False,
) -> None:
    """Judge every catalog control (or those given) against a snapshot.

    A filter passes when it covers the control's intent and matches neither every event
    nor anything outside the intent's bound; with --cis-version V (or -c ID@V), when it
    covers V's published text.
    """
    from engine import catalog
    from engine.audit import report
    from engine.audit.judge import exit_code, judge
    from engine.audit.snapshot import SnapshotError, load

    try:
        snap = load(snapshot)
    except SnapshotError as exc:
        _err(f"trailreplay: {exc}")
        raise cl.Exit(2) from None
    try:
        controls = catalog.audit_references(control or [], cis_version, warn=_err)
    except LookupError as exc:
        _err(f"trailreplay: {exc.args[0] if exc.args else exc}")
        raise cl.Exit(2) from None
    except catalog.CatalogError as exc:
        _err(f"trailreplay: {exc}")
        raise cl.Exit(2) from None
    results = judge(snap, controls)
    sys.stdout.write(report.render(results, fmt, snapshot, verbose))
    raise cl.Exit(exit_code(results))


def register(app: cl.App) -> None:
    audit = cl.App(
        name="audit",
        help="Audit CIS monitoring controls (trail, filter, alarm, SNS) by what they match.",
    )
    audit.command(
        "collect",
        epilog=epilog(
            ["trailreplay audit collect -o snapshot.json --regions us-east-1,eu-west-1"],
            "0 written, 2 usage error, AWS refused, or the file cannot be written",
        ),
    )(collect_cmd)
    audit.command(
        "check",
        epilog=epilog(
            [
                "trailreplay audit check examples/snapshot.json",
                "trailreplay audit check examples/snapshot.json -c root-usage --format sarif",
            ],
            "0 every control passes, 1 a control fails or is UNKNOWN, 2 usage error or an\n"
            "unreadable snapshot",
        ),
    )(check_cmd)
    app.add_group(audit, name="audit")
