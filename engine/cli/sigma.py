"""``trailreplay sigma convert RULE_OR_DIR...``: Sigma rules as CloudWatch Logs filter patterns.

Thin: reads the rules (engine.sigma), prints each conversion.  Exit 0 when every rule converted,
1 when any is unsupported, 2 when a file is not a readable Sigma rule (one stderr line naming
it; the others are still converted and printed).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

from engine.cli import commandline as cl
from engine.cli.options import FormatChoice, epilog

EXIT_OK = 0
EXIT_UNSUPPORTED = 1
EXIT_BAD_RULE = 2

SIGMA_FORMATS = FormatChoice(["text", "json"])
SIGMA_EXAMPLES = (
    "trailreplay sigma convert examples/sigma/",
    "trailreplay sigma convert examples/sigma/wildcards.yml --format json",
    "trailreplay sigma convert examples/sigma/ --split",
)
SIGMA_EXIT = (
    "0 every rule converted, 1 some rule is unsupported (no exact pattern), 2 some file is "
    "not a readable Sigma rule (the others are still converted)"
)


def _err(message: str) -> None:
    sys.stderr.write(f"trailreplay: {message}\n")


def _missing_extra() -> None:
    _err("Sigma rules need the 'sigma' extra: pip install 'trailreplay[sigma]'")
    raise cl.Exit(EXIT_BAD_RULE)


def _safe(text: str) -> str:
    """Untrusted text (titles, paths) on one line with no control characters."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def conversion_json(c: Any) -> list[dict[str, Any]]:
    """The issue-17 object for a conversion; one object per pattern when split."""
    base = {"rule": c.rule, "id": c.id, "title": c.title}
    if not c.patterns:
        return [{**base, "pattern": None, "exactness": c.exactness, "reason": c.reason}]
    return [
        {**base, "pattern": p, "exactness": c.exactness, "reason": c.reason} for p in c.patterns
    ]


def convert_cmd(
    rules: Annotated[
        list[str],
        cl.Argument(metavar="RULE_OR_DIR...", help="Sigma rule files or directories (*.yml)."),
    ],
    fmt: Annotated[
        str,
        cl.Option(
            "--format", param_type=SIGMA_FORMATS, metavar=SIGMA_FORMATS.metavar, help="Output form."
        ),
    ] = "text",
    split: Annotated[
        bool,
        cl.Option(
            "--split",
            help="When one pattern would break an AWS quota, print several whose union is the "
            "rule instead of reporting it unsupported.",
        ),
    ] = False,
) -> None:
    """Sigma rules as filter patterns, each with its exactness verdict.

    exact: the rule's events; case-sensitive: the same, comparing case as written (Sigma
    ignores case); unsupported: no exact pattern, with the reason (docs/sigma.md).
    """
    try:
        import yaml  # noqa: F401  (the `sigma` extra)
    except ImportError:
        _missing_extra()
    from engine.sigma import SigmaRuleError, convert_rule, load_rules

    out: list[dict[str, Any]] = []
    status = EXIT_OK
    for r in load_rules(rules):
        if isinstance(r, SigmaRuleError):
            _err(_safe(str(r)))
            status = EXIT_BAD_RULE
            continue
        c = convert_rule(r, split=split)
        if c.exactness == "unsupported" and status == EXIT_OK:
            status = EXIT_UNSUPPORTED
        if fmt == "json":
            out.extend(conversion_json(c))
        else:
            head = f"{_safe(c.rule)}  [{c.exactness}]  {_safe(c.title)}"
            sys.stdout.write(head + "\n")
            for p in c.patterns:
                sys.stdout.write(f"  {p}\n")
            if c.reason:
                sys.stdout.write(f"  reason: {_safe(c.reason)}\n")
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    raise cl.Exit(status)


def register(app: cl.App) -> None:
    sigma_app = cl.App(name="sigma", help="Sigma rules as CloudWatch Logs filter patterns.")
    sigma_app.command("convert", epilog=epilog(SIGMA_EXAMPLES, SIGMA_EXIT))(convert_cmd)
    app.add_group(sigma_app, name="sigma")
