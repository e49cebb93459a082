"""pySigma backend ``cloudwatch_logs``: Sigma rules as CloudWatch Logs filter patterns.

pySigma finds backends as modules of the ``sigma.backends`` namespace package, so this one is
shipped as ``sigma/backends/cloudwatch_logs`` in trailreplay's wheel (the ``sigma`` extra
installs pySigma and sigma-cli)::

    sigma convert -t cloudwatch_logs rules/            # one pattern per rule
    sigma convert -t cloudwatch_logs -f json rules/    # trailreplay's JSON, with verdicts

The conversion is trailreplay's own (``engine.sigma``), given the rule as pySigma read it
(``SigmaRule.to_dict()``): the same pattern and verdict as ``trailreplay sigma convert``.  A rule
with no exact pattern raises ``SigmaFeatureNotSupportedByBackendError`` with the reason, which
sigma-cli reports (and skips with ``--skip-unsupported``).  Processing pipelines are applied
first, so a field-mapping pipeline renames fields as it does for every backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from sigma.conversion.base import TextQueryBackend
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError
from sigma.rule import SigmaRule

from engine.cli.sigma import conversion_json
from engine.sigma import SigmaRuleError, convert_rule
from engine.sigma.rule import parse_rule


class CloudWatchLogsBackend(TextQueryBackend):
    """CloudWatch Logs filter patterns (metric and subscription filters), by trailreplay."""

    name: ClassVar[str] = "CloudWatch Logs filter patterns (trailreplay)"
    identifier: ClassVar[str] = "cloudwatch_logs"
    formats: ClassVar[dict[str, str]] = {
        "default": "One filter pattern per rule",
        "json": "trailreplay's JSON objects: pattern, exactness, reason",
    }
    requires_pipeline: ClassVar[bool] = False

    def convert_rule(
        self,
        rule: SigmaRule,
        output_format: str | None = None,
        callback: Callable[[SigmaRule | SigmaCorrelationRule, str | None, int, Any, Any], Any]
        | None = None,
    ) -> list[Any]:
        if not hasattr(self, "last_processing_pipeline") or self.last_processing_pipeline is None:
            self.init_processing_pipeline(output_format)
        self.last_processing_pipeline.apply(rule)
        path = str(rule.source.path) if rule.source is not None else "<rule>"
        try:
            import yaml

            parsed = parse_rule(yaml.safe_dump(rule.to_dict(), sort_keys=False), path)
        except SigmaRuleError as exc:
            raise SigmaFeatureNotSupportedByBackendError(exc.message, source=rule.source) from None
        conv = convert_rule(parsed, split=False)
        if output_format == "json":
            return conversion_json(conv)
        if conv.exactness == "unsupported":
            error = SigmaFeatureNotSupportedByBackendError(
                f"no exact CloudWatch Logs filter pattern: {conv.reason}", source=rule.source
            )
            if self.collect_errors:
                self.errors.append((rule, error))
                return []
            raise error
        return list(conv.patterns)

    def finalize_output_json(self, queries: list[Any]) -> str:
        return json.dumps(queries, indent=2, ensure_ascii=False)


backends = {"cloudwatch_logs": CloudWatchLogsBackend}
