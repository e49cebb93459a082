"""Lint filter patterns where they are written, before they are deployed.

terraform       a small HCL scanner: metric/subscription filter patterns, metric transformations
cloudformation  YAML (composed nodes, CFN tags) and JSON templates
rules           AWS's deploy-time rules and the pattern analysis warnings
run             discover inputs, extract, check, --require-covers
report          text with carets, JSON, SARIF 2.1.0
"""
