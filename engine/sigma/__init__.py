"""Sigma rules as CloudWatch Logs filter patterns.

rule file --rule--> Rule (detections + parsed condition)
          --convert--> Conversion (pattern text or None, exactness verdict, reason)

``rule`` reads Sigma YAML into a typed IR (search identifiers, detection items with their
modifiers, the condition tree) and raises :class:`SigmaRuleError` for anything that is not a
readable Sigma rule.  ``convert`` turns the IR into a JSON (or terms) filter pattern and says how
exact it is (docs/sigma.md).  Nothing here imports the CLI; the pattern package is the floor.
"""

from __future__ import annotations

from engine.sigma.convert import (
    Conversion,
    Exactness,
    LoadedRules,
    RulePattern,
    convert,
    convert_rule,
    rule_patterns,
)
from engine.sigma.rule import Rule, SigmaRuleError, load_rule, load_rules, parse_rule, rule_files

__all__ = [
    "Conversion",
    "Exactness",
    "LoadedRules",
    "Rule",
    "RulePattern",
    "SigmaRuleError",
    "convert",
    "convert_rule",
    "load_rule",
    "load_rules",
    "parse_rule",
    "rule_files",
    "rule_patterns",
]
