"""Many patterns share compilation: a pattern set is compiled once per process.

With more patterns than ``engine.compile``'s cache holds (1,024), every file of a scan
compiled every pattern again (5,000 patterns: 243 s on a 60 KB archive).  ``compile_all``
caches the set as a whole; the scan, the fast path's plan and the CLI's check all use it.
Counted, not timed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.pattern import compiler
from engine.replay.results import ScanOptions
from engine.replay.scan import scan_file
from engine.replay.sources import Source


def test_compile_all_shares_equal_texts_and_caches_the_set() -> None:
    texts = ("{ $.a = 1 }", '"x"', "{ $.a = 1 }")
    first = compiler.compile_all(texts)
    assert first[0] is first[2]
    assert compiler.compile_all(texts) is first


def test_a_scan_compiles_each_pattern_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 1100  # more than engine.compile's cache
    patterns = [f'{{ $.eventName = "Op{i}" }}' for i in range(n)] + ['{ $.eventName = "Op7" }']
    for k in range(3):
        record = {"eventName": f"Op{k}", "eventTime": "2024-03-01T00:00:00Z"}
        (tmp_path / f"f{k}.json").write_text(json.dumps({"Records": [record]}))
    built = 0
    init = compiler.CompiledPattern.__init__

    def counting(self: compiler.CompiledPattern, text: str, node: object) -> None:
        nonlocal built
        built += 1
        init(self, text, node)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler.CompiledPattern, "__init__", counting)
    compiler.compile.cache_clear()
    compiler.compile_all.cache_clear()
    matched = 0
    for k in range(3):
        result = scan_file(Source(str(tmp_path / f"f{k}.json")), patterns, ScanOptions())
        matched += sum(result.matches_per_pattern)
    assert matched == 3
    assert built == n
