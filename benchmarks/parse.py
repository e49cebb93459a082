"""Parse time per pattern: the hand-written parser against the pyparsing grammar it replaced.

    python -m benchmarks.parse [--repeat 5] [--write-patterns FILE]

Three workloads, each parsed by both implementations alternately in the same run (the
machine is shared: the ratio is the result, the absolute times move with the load): the CIS
Organizations pattern, every pattern of the catalog, and 5,000 distinct generated patterns
(:func:`generated`, deterministic). Every parse is cold (the parsers' ``lru_cache`` is
cleared before each pass). The pyparsing grammar is the test oracle
(tests/pattern/pyparsing_oracle.py, dev extra); without it only the new parser is timed.
``--write-patterns`` writes the 5,000 patterns one per line, for
``trailreplay scan samples/ -f FILE``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from engine.pattern import grammar

ROOT = Path(__file__).resolve().parents[1]
EVENT_NAMES = [
    "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging", "PutBucketAcl",
    "PutBucketPolicy", "DeleteBucketPolicy", "AttachRolePolicy", "CreateAccessKey",
    "ConsoleLogin", "AuthorizeSecurityGroupIngress", "CreateNetworkAcl", "DisableKey",
]  # fmt: skip


def catalog_patterns() -> list[str]:
    """Every ``pattern`` / ``bound`` string of the catalog's TOML files."""
    out: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("pattern", "bound") and isinstance(v, str):
                    out.append(v)
                else:
                    visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    for path in sorted((ROOT / "patterns").glob("*.toml")):
        visit(tomllib.loads(path.read_text()))
    return [p for p in dict.fromkeys(out) if _valid(p)]


def _valid(text: str) -> bool:
    try:
        grammar.parse(text)
    except ValueError:
        return False
    return True


def generated(n: int = 5000, seed: int = 16) -> list[str]:
    """``n`` distinct patterns of every kind, shaped like real metric filters."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        k = rng.random()
        uniq = f"{len(out)}"
        if k < 0.6:
            names = rng.sample(EVENT_NAMES, rng.randint(1, 6))
            ors = " || ".join(f'($.eventName = "{e}{uniq}")' for e in names)
            extra = rng.choice(
                ["", ' && ($.errorCode = "AccessDenied*")', " && $.userIdentity.type = Root",
                 " && $.requestParameters.items[0].port > 22",
                 " && $.additionalEventData.MFAUsed != Yes", " && $.responseElements NOT EXISTS"]
            )  # fmt: skip
            p = f"{{ ($.eventSource = svc{uniq}.amazonaws.com) && ({ors}){extra} }}"
        elif k < 0.75:
            name = rng.choice(EVENT_NAMES)
            word = rng.choice(["ERROR", '"Access Denied"', "-DEBUG"])
            p = f"{name}{uniq} {word}"
        elif k < 0.9:
            p = (
                f"[ip, user, ..., status = 4* || status = {rng.randint(500, 599)}, "
                f"bytes > {uniq}, agent = %curl{uniq}%]"
            )
        else:
            p = f"%{rng.choice(EVENT_NAMES)}{uniq}|^x[0-9]{{{rng.randint(1, 9)}}}%"
        out[p] = None
    return list(out)


def _oracle() -> Callable[[str], Any] | None:
    try:
        from tests.pattern import pyparsing_oracle
    except ImportError:
        return None
    fn: Callable[[str], Any] = pyparsing_oracle.parse
    return fn


def _pass(parse: Any, texts: list[str]) -> float:
    parse.cache_clear()
    t0 = time.perf_counter()
    for t in texts:
        parse(t)
    return time.perf_counter() - t0


def measure(repeat: int) -> Iterator[tuple[str, int, float, float | None]]:
    """(workload, patterns, best seconds new, best seconds oracle) for each workload."""
    oracle = _oracle()
    cis = next(p for p in catalog_patterns() if "organizations.amazonaws.com) &&" in p)
    for name, texts in (
        ("CIS Organizations", [cis]),
        ("catalog", catalog_patterns()),
        ("5,000 generated", generated()),
    ):
        new: list[float] = []
        old: list[float] = []
        for _ in range(repeat):
            new.append(_pass(grammar.parse, texts))
            if oracle is not None:
                old.append(_pass(oracle, texts))
        yield name, len(texts), min(new), min(old) if old else None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write-patterns", type=Path)
    a = ap.parse_args(argv)
    if a.write_patterns:
        a.write_patterns.write_text("\n".join(generated()) + "\n")
        return
    print(f"load average {os.getloadavg()[0]:.1f}; best of {a.repeat}, cold (lru_cache cleared)")
    print("| workload | patterns | parser µs/pattern | pyparsing µs/pattern | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, n, new, old in measure(a.repeat):
        o = f"{old / n * 1e6:,.1f}" if old is not None else "–"
        r = f"{old / new:.1f}x faster" if old is not None else "–"
        print(f"| {name} | {n:,} | {new / n * 1e6:,.1f} | {o} | {r} |")


if __name__ == "__main__":
    main()
