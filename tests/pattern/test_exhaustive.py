"""Exhaustive AST dispatch: mypy names every consumer that misses a node type.

The consumers of the pattern AST dispatch with ``match`` ending in ``assert_never``, so a
new node type that one of them does not handle is a type error, not a silent fall-through
(``kind_of`` used to call anything unknown "space", ``printer.format`` printed it
space-delimited, ``reference.evaluate`` aligned it).  The check: copy engine/, add a dummy
node to the ``Pattern``, ``Value``, ``Expr``, ``Step`` and ``Entry`` unions of the copy, and
run mypy on the AST's consumers (the pattern package, lint, sigma, prove); each function
listed in :data:`CONSUMERS` must be flagged.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
PACKAGES = ("engine.pattern", "engine.lint", "engine.sigma", "engine.prove")

# module (under engine/) -> functions ("Class.method" for a method) that dispatch on a node.
CONSUMERS = {
    "pattern/ast.py": ["kind_of", "walk"],
    "pattern/printer.py": [
        "format",
        "format_value",
        "format_selector",
        "format_expr",
        "format_entry",
        "format_space_condition",
    ],
    "pattern/reference.py": [
        "evaluate",
        "_json",
        "field_condition",
        "compare_json",
        "_field_comparison",
    ],
    "pattern/compiler.py": [
        "_build",
        "_field_expr",
        "_field_comparison",
        "Codegen.expr",
        "Codegen.value_of",
        "Codegen.compare",
        "composed",
        "_value_test",
    ],
    "pattern/analysis.py": ["analyze", "_json_needles", "_findings"],
    "pattern/select.py": ["select"],
    "lint/rules.py": ["_concrete"],
    "sigma/convert.py": ["_split"],
    "prove/_info.py": [
        "concrete_path",
        "split_wildcard",
        "clause_text",
        "_value_text",
        "value_pool",
    ],
    "prove/_messages.py": ["keys_of", "truth"],
    "prove/_pools.py": ["space_shapes", "_value_tokens"],
    "prove/counterexample.py": ["_atom_truth", "_evaluate", "_clauses", "_critical"],
    "prove/solver.py": ["Encoder.formula", "Encoder._atom_at", "atom_parents"],
    "prove/__init__.py": ["redundant_clauses"],
}


def _span_of(text: list[str], function: str) -> tuple[int, int]:
    """The 1-based line range [start, end) of a function or ``Class.method``."""
    owner, _, name = function.rpartition(".")
    indent = "    " if owner else ""
    first = 0
    if owner:
        first = next(i for i, line in enumerate(text) if line.startswith(f"class {owner}"))
    start = next(
        i
        for i, line in enumerate(text[first:], first + 1)
        if line.startswith(f"{indent}def {name}(")
    )
    end = next(
        (
            i
            for i, line in enumerate(text[start:], start + 1)
            if line.startswith(("def ", "class ", f"{indent}def ")) or (line and line[0] == "@")
        ),
        len(text) + 1,
    )
    return start, end


def _add_dummy(source: str) -> str:
    dummy = (
        "\n\n@dataclass(frozen=True, slots=True)\nclass Dummy:\n"
        "    span: Span = _span()\n    text: str = ''\n    name: str = ''\n"
    )
    marker = "\n# " + "-" * 75 + " values\n"
    source = source.replace(marker, dummy + marker, 1)
    source = source.replace(
        "Value: TypeAlias = String | Number | Regex",
        "Value: TypeAlias = String | Number | Regex | Dummy",
    )
    source = source.replace(
        "Step: TypeAlias = Key | Index | AnyIndex | AnyKey",
        "Step: TypeAlias = Key | Index | AnyIndex | AnyKey | Dummy",
    )
    source = source.replace(
        'Expr: TypeAlias = "And | Or | Comparison | IsCheck | FieldComparison"',
        'Expr: TypeAlias = "And | Or | Comparison | IsCheck | FieldComparison | Dummy"',
    )
    kinds = "MatchAll | TermPattern | RegexPattern | JsonPattern | SpacePattern"
    source = source.replace(
        f"Pattern: TypeAlias = {kinds}", f"Pattern: TypeAlias = {kinds} | Dummy"
    )
    source = source.replace(
        "Entry: TypeAlias = Field | Ellipsis_", "Entry: TypeAlias = Field | Ellipsis_ | Dummy"
    )
    assert source.count("Dummy") >= 6
    return source


def _mypy(root: Path, *packages: str) -> str:
    """mypy's report on ``packages`` of the copy at ``root`` (:data:`PACKAGES` by default)."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--ignore-missing-imports",
            "--cache-dir",
            str(root / ".mypy_cache"),
            *(arg for package in packages or PACKAGES for arg in ("-p", package)),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return run.stdout + run.stderr


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exhaustive")
    shutil.copytree(ENGINE, root / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_copy_is_clean(copy: Path) -> None:
    out = _mypy(copy)
    assert "Success" in out, out


def test_mypy_names_each_consumer_that_misses_a_node(copy: Path) -> None:
    ast_py = copy / "engine" / "pattern" / "ast.py"
    original = ast_py.read_text()
    modified = _add_dummy(original)
    ast_py.write_text(modified)
    try:
        out = _mypy(copy)
    finally:
        ast_py.write_text(original)
    for module, functions in CONSUMERS.items():
        path = copy / "engine" / module
        text = (modified if module == "pattern/ast.py" else path.read_text()).splitlines()
        lines = {int(m.group(1)) for m in re.finditer(rf"engine/{module}:(\d+): error", out)}
        for function in functions:
            start, end = _span_of(text, function)
            assert any(start <= n < end for n in lines), f"{module}:{function} not flagged\n{out}"
