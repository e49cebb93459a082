"""No import cycle inside ``engine/replay``: every import counts, at module level, inside a
function or under ``TYPE_CHECKING`` -- a cycle hidden in a function-local import is still a
cycle (two modules that each need the other), only postponed to run time."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "engine.replay"
ROOT = Path(__file__).resolve().parents[2] / "engine" / "replay"


def modules() -> dict[str, Path]:
    found = {f"{PACKAGE}.{p.stem}": p for p in ROOT.glob("*.py") if p.stem != "__init__"}
    found[PACKAGE] = ROOT / "__init__.py"
    return found


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``module`` imports anywhere in its text."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # ``from engine.replay import s3`` imports the submodule; any other name comes
            # from the package itself (its __init__).
            names = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for name in names:
            # ``import engine.replay.s3.x`` -> the innermost module of ours it names
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {m: imported(m, p, known) for m, p in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (one path per back edge)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle_in_engine_replay() -> None:
    found = cycles(graph())
    assert found == [], "import cycles: " + "; ".join(" -> ".join(c) for c in found)


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    # The checker itself: a cycle made only of a function-local import is found.
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    source = tmp_path / "x.py"
    source.write_text(
        "def f():\n    from engine.replay import scan\n    from .sources import Source\n"
        "if True:\n    import engine.replay.s3.deep\n"
    )
    known = {f"{PACKAGE}.{m}" for m in ("x", "scan", "sources", "s3")} | {PACKAGE}
    assert imported(f"{PACKAGE}.x", source, known) == {
        f"{PACKAGE}.scan",
        f"{PACKAGE}.sources",
        f"{PACKAGE}.s3",
    }
    assert ("engine.replay.sources" in graph()["engine.replay.scan"]) is True
