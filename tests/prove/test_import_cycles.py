"""No import cycle anywhere in engine/ (tools/import_cycles.py, also run by ``make lint``);
the prover's solver and regex encoding no longer import each other."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOL = Path(__file__).resolve().parents[2] / "tools" / "import_cycles.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_cycles", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_cycles"] = module
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_in_engine() -> None:
    tool = _tool()
    found = tool.cycles(tool.graph())
    assert found == [], found


def test_the_tool_finds_a_cycle_and_counts_function_imports(tmp_path: Path) -> None:
    tool = _tool()
    pkg = tmp_path / "engine"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from engine import b\n")
    (pkg / "b.py").write_text("from engine.a import f\n")
    assert tool.cycles(tool.graph(tmp_path)) == [["engine.a", "engine.b", "engine.a"]]


def test_one_version_source() -> None:
    import tomllib

    import engine

    project = tomllib.loads((TOOL.parents[1] / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert engine.__version__
    assert (TOOL.parents[1] / "engine" / "py.typed").exists()


def test_the_tool_sees_relative_and_nested_imports(tmp_path: Path) -> None:
    # Moved from the replay-only copy of this checker, which the tool replaced.
    tool = _tool()
    source = tmp_path / "x.py"
    source.write_text(
        "def f():\n    from engine.replay import scan\n    from .sources import Source\n"
        "if True:\n    import engine.replay.s3.deep\n"
    )
    package = "engine.replay"
    known = {f"{package}.{m}" for m in ("x", "scan", "sources", "s3")} | {package}
    assert tool.imported(f"{package}.x", source, known) == {
        f"{package}.scan",
        f"{package}.sources",
        f"{package}.s3",
    }
