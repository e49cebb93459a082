"""``trailreplay lint PATH...``: filter patterns in Terraform, CloudFormation and pattern files."""

from __future__ import annotations

import sys
from typing import Annotated

from engine.cli import commandline as cl
from engine.cli.options import FormatChoice, epilog

# engine.lint.report.FORMATS; spelled here so that parsing the command line imports nothing.
LINT_FORMATS = FormatChoice(["text", "json", "sarif"])
LEVELS = FormatChoice(["error", "warning"])
LINT_EXAMPLES = (
    "trailreplay lint examples/infra/",
    "trailreplay lint examples/infra/ --require-covers root-usage --format sarif",
)
LINT_EXIT = (
    "0 clean, 1 findings at or above --fail-level, 2 usage error, unreadable input,\n"
    "or no file to check"
)


def lint_cmd(
    paths: Annotated[
        list[str],
        cl.Argument(
            metavar="PATH...",
            help="Files or directories: .tf, CloudFormation .yaml/.yml/.json, "
            "*.pattern / *.txt (one pattern per line).",
        ),
    ],
    require_covers: Annotated[
        list[str] | None,
        cl.Option(
            "--require-covers",
            metavar="ID",
            show_default=False,
            help="Catalog control (ID or control:ID: its intent; ID@V: CIS V's published text): "
            "some filter among the inputs must cover it (repeatable).",
        ),
    ] = None,
    sigma: Annotated[
        list[str] | None,
        cl.Option(
            "--sigma",
            metavar="RULE_OR_DIR",
            help="Sigma rule file or directory: some filter among the inputs must cover each "
            "rule's converted pattern (repeatable; the sigma extra).",
        ),
    ] = None,
    fmt: Annotated[
        str,
        cl.Option(
            "--format", param_type=LINT_FORMATS, metavar=LINT_FORMATS.metavar, help="Output form."
        ),
    ] = "text",
    fail_level: Annotated[
        str,
        cl.Option(
            "--fail-level",
            param_type=LEVELS,
            metavar=LEVELS.metavar,
            help="The finding level that fails.",
        ),
    ] = "error",
) -> None:
    """Check filter patterns before deployment: syntax, AWS's deploy-time rules, analysis."""
    from engine.lint import report
    from engine.lint.run import lint

    controls = list(require_covers or [])
    if controls:
        from engine import catalog

        for cid in controls:
            try:
                catalog.resolve(cid)  # ID, control:ID, CloudWatch.N, 4.15, ID@V
            except KeyError as exc:
                sys.stderr.write(f"trailreplay: {exc.args[0] if exc.args else cid}\n")
                raise cl.Exit(2) from None
    result = lint(paths, controls, list(sigma or []))
    if fmt == "json":
        out = report.render_json(result.findings, result.files)
    elif fmt == "sarif":
        out = report.render_sarif(result.findings)
    else:
        out = report.render_text(result.findings, result.sources)
    sys.stdout.write(out)
    raise cl.Exit(report.exit_code(result.findings, result.unreadable, fail_level))


def register(app: cl.App) -> None:
    app.command("lint", epilog=epilog(LINT_EXAMPLES, LINT_EXIT))(lint_cmd)
