"""Every benchmark module imports: ``make bench`` runs them rarely, so a renamed engine
module would otherwise break one unseen (``benchmarks/stages.py`` did, once)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

MODULES = sorted(
    p.stem
    for p in (Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py")
    if p.stem != "__init__"
)


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_module_imports(name: str) -> None:
    importlib.import_module(f"benchmarks.{name}")
