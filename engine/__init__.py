"""trailreplay: CloudWatch Logs filter patterns, offline, for AWS CloudTrail.

The public API::

    import engine
    p = engine.compile(text)          # cached; raises engine.PatternError
    p.kind                            # "all" | "terms" | "regex" | "json" | "space"
    p.matches(message)                # a raw log event message
    p.matches_record(record)          # an already-decoded JSON object
    p.extract(message)                # TestMetricFilter's extractedValues
    engine.parse(text) -> AST;  engine.format(ast) -> canonical text

The names are loaded on first use (PEP 562): ``import engine.cli.main`` or
``import engine.replay`` does not load the parser, so a command's start-up pays only for
what it uses (docs/performance.md, "Start-up").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine._lazy import LazyNames

if TYPE_CHECKING:
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

_HOMES = {
    "Analysis": "engine.pattern.analysis",
    "analyze": "engine.pattern.analysis",
    "CompiledPattern": "engine.pattern.compiler",
    "compile": "engine.pattern.compiler",
    "Finding": "engine.pattern.errors",
    "PatternError": "engine.pattern.errors",
    "TrailreplayError": "engine.pattern.errors",
    "parse": "engine.pattern.grammar",
    "format": "engine.pattern.printer",
}

_NAMES = LazyNames(__name__, {name: (home, name) for name, home in _HOMES.items()}, __all__)


def __getattr__(name: str) -> Any:
    return _NAMES.get(name)


def __dir__() -> list[str]:
    return _NAMES.dir()
