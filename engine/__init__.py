"""trailreplay: CloudWatch Logs filter patterns, offline, for AWS CloudTrail.

The public API::

    import engine
    p = engine.compile(text)          # cached; raises engine.PatternError
    p.kind                            # "all" | "terms" | "regex" | "json" | "space"
    p.matches(message)                # a raw log event message
    p.matches_record(record)          # an already-decoded JSON object
    p.extract(message)                # TestMetricFilter's extractedValues
    engine.parse(text) -> AST;  engine.format(ast) -> canonical text
"""

from __future__ import annotations

from engine.pattern.analysis import Analysis, analyze
from engine.pattern.compiler import CompiledPattern, compile
from engine.pattern.errors import Finding, PatternError, TrailreplayError
from engine.pattern.grammar import parse
from engine.pattern.printer import format

__all__ = [
    "Analysis",
    "CompiledPattern",
    "Finding",
    "PatternError",
    "TrailreplayError",
    "analyze",
    "compile",
    "format",
    "parse",
]
__version__ = "0.1.0"
