"""Exhaustive AST dispatch in engine/prove: mypy names every prover function that misses
a node type.

The same check as tests/pattern/test_exhaustive.py, over the prover: copy engine/, add a
dummy node to the ``Pattern``, ``Value``, ``Expr``, ``Step`` and ``Entry`` unions of the
copy's AST, run ``mypy --strict`` on ``engine.prove`` and require an error inside each
function below.  Their ``match`` statements end in ``assert_never``, so a new node kind is a
type error there, not a silent default (a regex read as a string, an unknown pattern
treated as one without clauses).  The regex IR's consumers (``engine.pattern.regex``,
``engine.prove._regex``) dispatch the same way over its ``Piece`` union.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.pattern.test_exhaustive import _add_dummy, _mypy

ENGINE = Path(__file__).resolve().parents[2] / "engine"

CONSUMERS = {
    "_info.py": ["concrete_path", "split_wildcard", "clause_text", "_value_text", "value_pool"],
    "_messages.py": ["keys_of", "truth"],
    "_pools.py": ["space_shapes", "_value_tokens"],
    "counterexample.py": ["_atom_truth", "_evaluate", "_clauses", "_critical"],
    "solver.py": ["formula", "_atom_at", "atom_parents"],
    "__init__.py": ["redundant_clauses"],
}


def _function_lines(text: list[str], function: str) -> range:
    """The lines (1-based) of ``def function(`` at any depth, up to the next ``def`` or
    ``class`` indented no deeper."""
    start = next(i for i, line in enumerate(text, 1) if re.match(rf"\s*def {function}\(", line))
    indent = len(text[start - 1]) - len(text[start - 1].lstrip())
    end = next(
        (
            i
            for i, line in enumerate(text[start:], start + 1)
            if re.match(r"\s*(def|class) ", line) and len(line) - len(line.lstrip()) <= indent
        ),
        len(text) + 1,
    )
    return range(start, end)


def test_mypy_names_each_prover_function_that_misses_a_node(tmp_path: Path) -> None:
    shutil.copytree(ENGINE, tmp_path / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    ast_py = tmp_path / "engine" / "pattern" / "ast.py"
    ast_py.write_text(_add_dummy(ast_py.read_text()))
    out = _mypy(tmp_path, "engine.prove")
    for module, functions in CONSUMERS.items():
        text = (tmp_path / "engine" / "prove" / module).read_text().splitlines()
        lines = {
            int(m.group(1))
            for m in re.finditer(rf"engine/prove/{re.escape(module)}:(\d+): error", out)
        }
        for function in functions:
            span = _function_lines(text, function)
            assert any(n in span for n in lines), f"{module}:{function} not flagged\n{out}"
