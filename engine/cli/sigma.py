"""``trailreplay sigma convert RULE_OR_DIR...``: Sigma rules as CloudWatch Logs filter patterns.

Thin: reads the rules (engine.sigma), prints each conversion.  Exit 0 when every rule converted,
1 when any is unsupported, 2 when a file is not a readable Sigma rule (one stderr line naming
it; the others are still converted and printed).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

EXIT_OK = 0
EXIT_UNSUPPORTED = 1
EXIT_BAD_RULE = 2


class Format(StrEnum):
    text = "text"
    json = "json"


def _err(message: str) -> None:
    sys.stderr.write(f"trailreplay: {message}\n")


def _missing_extra() -> None:
    _err("Sigma rules need the 'sigma' extra: pip install 'trailreplay[sigma]'")
    raise typer.Exit(EXIT_BAD_RULE)


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
    rules: Annotated[list[str], typer.Argument(help="Sigma rule files or directories (*.yml).")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text,
    split: Annotated[
        bool,
        typer.Option(
            "--split",
            help="When one pattern would break an AWS quota, print several whose union is the "
            "rule instead of reporting it unsupported.",
        ),
    ] = False,
) -> None:
    """Convert Sigma rules to filter patterns, each with its exactness verdict.

    exact: same events as the rule; case-sensitive: the same, but compared with the case as
    written (Sigma ignores case); unsupported: not expressible, with the reason.
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
        if fmt == Format.json:
            out.extend(conversion_json(c))
        else:
            head = f"{_safe(c.rule)}  [{c.exactness}]  {_safe(c.title)}"
            sys.stdout.write(head + "\n")
            for p in c.patterns:
                sys.stdout.write(f"  {p}\n")
            if c.reason:
                sys.stdout.write(f"  reason: {_safe(c.reason)}\n")
    if fmt == Format.json:
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    raise typer.Exit(status)


def register(app: typer.Typer) -> None:
    sigma_app = typer.Typer(
        name="sigma", help="Sigma rules as CloudWatch Logs filter patterns.", no_args_is_help=True
    )
    sigma_app.command("convert")(convert_cmd)
    app.add_typer(sigma_app, name="sigma")
