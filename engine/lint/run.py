"""Lint files and directories: discover inputs, extract filters, apply the rules."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import engine
from engine import patternfile
from engine.lint import cloudformation, rules, terraform
from engine.lint.model import FilterDef, InputError, LintFinding, Source, Text

TERRAFORM = (".tf",)
TEMPLATES = (".yaml", ".yml", ".json", ".template")
PLAIN = (".pattern", ".txt")
# Walking a directory picks these; ``.txt`` only counts when named explicitly
# (a directory is full of unrelated text files).
WALKED = (*TERRAFORM, *TEMPLATES, ".pattern")
SKIP_DIRS = frozenset(
    {".git", ".terraform", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"}
)


@dataclass
class LintResult:
    findings: list[LintFinding] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    filters: list[FilterDef] = field(default_factory=list)
    unreadable: bool = False
    files: int = 0
    # id(FilterDef) -> its compiled pattern, for filters whose pattern is valid
    compiled: dict[int, engine.CompiledPattern] = field(default_factory=dict)


def discover(paths: Sequence[str], result: LintResult) -> list[str]:
    files: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                for name in sorted(names):
                    if name.endswith(WALKED):
                        files.append(os.path.join(root, name))
        elif path.is_file():
            files.append(p)
        else:
            result.unreadable = True
            result.findings.append(
                LintFinding(p, 1, 1, "error", "unreadable", "no such file or directory")
            )
    return files


def plain(source: Source) -> list[FilterDef]:
    """A patterns file, read as ``scan`` and ``validate`` read it (engine.patternfile)."""
    out: list[FilterDef] = []
    for fp in patternfile.parse(source.path, source.text):
        if fp.offset is not None:
            text = Text.literal(fp.text, fp.offset)
        else:  # a structured entry written with escapes: point at its line
            line_start = source.pos_of_line(fp.line) if fp.line is not None else 0
            text = Text(fp.text, [line_start] * (len(fp.text) + 1), line_start)
        start = text.start
        out.append(
            FilterDef(
                source,
                f"line {fp.line}" if fp.line else f"entry {fp.entry}",
                "pattern",
                start,
                text,
            )
        )
    return out


def extract(source: Source) -> list[FilterDef]:
    name = source.path.lower()
    if name.endswith(TERRAFORM):
        return terraform.extract(source)
    if name.endswith(TEMPLATES):
        return cloudformation.extract(source)
    return plain(source)


def lint_file(path: str, result: LintResult) -> None:
    result.files += 1
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        result.unreadable = True
        result.findings.append(
            LintFinding(path, 1, 1, "error", "unreadable", f"cannot read: {exc.strerror or exc}")
        )
        return
    try:
        text = patternfile.decode(path, raw)
    except patternfile.PatternFileError as exc:
        result.unreadable = True
        result.findings.append(
            LintFinding(path, exc.line or 1, exc.col or 1, "error", "unreadable", exc.reason)
        )
        return
    source = Source(path, text)
    result.sources[path] = source
    try:
        filters = extract(source)
    except InputError as exc:
        result.unreadable = True
        line, col = source.pos(exc.offset)
        result.findings.append(LintFinding(path, line, col, "error", "unreadable", exc.message))
        return
    except patternfile.PatternFileError as exc:
        result.unreadable = True
        result.findings.append(
            LintFinding(path, exc.line or 1, exc.col or 1, "error", "unreadable", exc.reason)
        )
        return
    except RecursionError:
        # The readers bound their nesting (model.MAX_DEPTH); this is the last line of
        # defence so that one file never costs the findings of the others.
        result.unreadable = True
        result.findings.append(
            LintFinding(path, 1, 1, "error", "unreadable", "nested too deeply to read")
        )
        return
    for f in filters:
        found, compiled = rules.check(f)
        result.findings.extend(found)
        result.filters.append(f)
        if compiled is not None:
            result.compiled[id(f)] = compiled


def require_covers(result: LintResult, control_ids: Sequence[str]) -> None:
    """For each control, at least one metric filter (or plain pattern) among the inputs
    must cover its pattern."""
    if not control_ids:
        return
    from engine import catalog

    # The intent, or with @V that version's published text.
    entries = [catalog.resolve(cid) for cid in control_ids]
    require_covering(
        result,
        [
            (f"control {e.id}", f"control {e.id} ({e.title})", e.pattern, "the control's pattern")
            for e in entries
        ],
    )


def require_covers_sigma(result: LintResult, sigma_paths: Sequence[str]) -> None:
    """``--sigma``: each Sigma rule's converted pattern must be covered by some filter.  An
    unreadable rule file or an unsupported rule is an error finding (nothing to check)."""
    if not sigma_paths:
        return
    from engine.sigma import SigmaRuleError, convert_rule, load_rules

    wanted: list[tuple[str, str, str, str]] = []
    for r in load_rules(sigma_paths):
        if isinstance(r, SigmaRuleError):
            result.unreadable = True
            result.findings.append(LintFinding(r.path, 1, 1, "error", "unreadable", r.message))
            continue
        conv = convert_rule(r)
        if conv.pattern is None:
            result.findings.append(
                LintFinding(
                    r.path, 1, 1, "error", "sigma-unsupported", f"no pattern: {conv.reason}"
                )
            )
            continue
        label = f"Sigma rule {r.id or Path(r.path).stem}"
        wanted.append((label, f"{label} ({r.title})", conv.pattern, "the rule's pattern"))
    require_covering(result, wanted)


def require_covering(result: LintResult, wanted: Sequence[tuple[str, str, str, str]]) -> None:
    """For each (label, description, pattern, what the pattern is), some metric filter (or
    plain pattern) among the inputs must cover the pattern: an info finding per covering
    filter, an error if none."""
    from engine.prove import covers

    # A subscription filter streams events elsewhere; it publishes no metric an alarm
    # could watch, so it does not monitor a control.
    candidates = [
        f for f in result.filters if id(f) in result.compiled and f.kind != "subscription"
    ]
    for label, described, pattern, what in wanted:
        covering: list[tuple[FilterDef, bool]] = []
        for f in candidates:
            r = covers(result.compiled[id(f)], pattern)
            if r.holds:
                covering.append((f, r.proved))
        for f, proved in covering:
            assert f.pattern is not None
            line, col = f.source.pos(f.pattern.offset(0))
            how = "" if proved else " (no counterexample found; not proved)"
            result.findings.append(
                LintFinding(
                    f.source.path,
                    line,
                    col,
                    "info",
                    "covers",
                    f"covers {label}{how}",
                    f.resource,
                )
            )
        if not covering:
            result.findings.append(
                LintFinding.whole(
                    "error",
                    "require-covers",
                    f"no filter covers {described}; checked {len(candidates)} valid pattern(s)",
                    hint=f"{what}: {pattern}",
                )
            )


def lint(
    paths: Sequence[str], controls: Sequence[str] = (), sigma: Sequence[str] = ()
) -> LintResult:
    result = LintResult()
    files = discover(paths, result)
    if not files and not result.unreadable:
        # "Nothing found" must not read as "nothing wrong" (issue 14): an empty
        # directory, or one holding no file lint reads, is an input error.
        result.unreadable = True
        result.findings.append(
            LintFinding.whole(
                "error",
                "no-input",
                f"no file to check in {', '.join(paths) or 'the arguments'} (looked for "
                f"{', '.join('*' + e for e in WALKED)}; .txt files only when named)",
            )
        )
    for path in files:
        lint_file(path, result)
    require_covers(result, controls)
    require_covers_sigma(result, sigma)
    return result
