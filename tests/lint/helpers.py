from __future__ import annotations

from pathlib import Path

from engine.lint.model import LintFinding
from engine.lint.run import LintResult, lint

FIXTURES = Path(__file__).parent / "fixtures"


def run(*paths: Path | str, controls: tuple[str, ...] = ()) -> LintResult:
    return lint([str(p) for p in paths], controls)


def at(f: LintFinding, length: int = 1) -> str:
    """The source text a finding points at (``length`` characters)."""
    line = Path(f.path).read_text(encoding="utf-8").split("\n")[f.line - 1]
    return line[f.col - 1 : f.col - 1 + length]


def by_code(result: LintResult, code: str) -> list[LintFinding]:
    return [f for f in result.findings if f.code == code]


def one(result: LintResult, code: str, resource: str | None = None) -> LintFinding:
    found = [f for f in by_code(result, code) if resource is None or f.resource == resource]
    assert len(found) == 1, (code, resource, result.findings)
    return found[0]
