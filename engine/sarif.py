"""The SARIF 2.1.0 envelope shared by ``lint`` and ``audit check`` (code hosts annotate from it)."""

from __future__ import annotations

from typing import Any

TOOL_URI = "https://github.com/trailreplay/trailreplay"


def sarif_log(
    tool: str, rules: list[dict[str, Any]], results: list[dict[str, Any]]
) -> dict[str, Any]:
    """One run of ``trailreplay-<tool>`` with its rules and results."""
    from engine import __version__

    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": f"trailreplay-{tool}",
                        "informationUri": TOOL_URI,
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
