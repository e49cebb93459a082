"""``trailreplay lint PATH...``: filter patterns in Terraform, CloudFormation and pattern files."""

from __future__ import annotations

import sys
from typing import Annotated

import typer


def lint_cmd(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files or directories: .tf, CloudFormation .yaml/.yml/.json, "
            "*.pattern / *.txt (one pattern per line)."
        ),
    ],
    require_covers: Annotated[
        list[str] | None,
        typer.Option(
            "--require-covers",
            help="Catalog control (ID or control:ID: its intent; ID@V: CIS V's published text): "
            "some filter among the inputs must cover it (repeatable).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or sarif.")] = "text",
    fail_level: Annotated[
        str, typer.Option("--fail-level", help="error or warning: the level that fails.")
    ] = "error",
) -> None:
    """Check filter patterns before deployment: syntax, AWS's deploy-time rules, analysis.

    Exit 0 clean, 1 findings at or above --fail-level, 2 unreadable input.
    """
    from engine.lint import report
    from engine.lint.run import lint

    if fmt not in report.FORMATS:
        sys.stderr.write(f"error: --format must be one of {', '.join(report.FORMATS)}\n")
        raise typer.Exit(2)
    if fail_level not in ("error", "warning"):
        sys.stderr.write("error: --fail-level must be error or warning\n")
        raise typer.Exit(2)
    controls = list(require_covers or [])
    if controls:
        from engine import catalog

        for cid in controls:
            try:
                catalog.resolve(cid)  # ID, control:ID, CloudWatch.N, 4.15, ID@V
            except KeyError as exc:
                sys.stderr.write(f"error: {exc.args[0] if exc.args else cid}\n")
                raise typer.Exit(2) from None
    result = lint(paths, controls)
    if fmt == "json":
        out = report.render_json(result.findings, result.files)
    elif fmt == "sarif":
        out = report.render_sarif(result.findings)
    else:
        out = report.render_text(result.findings, result.sources)
    sys.stdout.write(out)
    raise typer.Exit(report.exit_code(result.findings, result.unreadable, fail_level))


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_cmd)
