"""The tour runs as written: every ``$ trailreplay ...`` line of README.md and docs/*.md, and
every command in the Examples section of every ``--help``, runs from a copy of the repository's
shipped files and ends as a user would expect (no traceback, no missing file, no usage error).

Table-driven: a new example in a new doc page is picked up without editing this file.  The
only examples not run are those that need a network or an AWS account (:data:`NEEDS_AWS`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.commandline import Group
from engine.cli.main import app

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Examples that need AWS or a network: s3:// archives, a Dask scheduler, `audit collect`.
NEEDS_AWS = re.compile(r"s3://|--scheduler|tcp://|audit collect|--executor dask")
# What the examples read; they run in a scratch directory holding links to these.
SHIPPED = ("samples", "examples", "patterns")


def doc_examples() -> list[tuple[str, str]]:
    """(where, command) for every ``$ `` line in a fenced block that runs trailreplay."""
    out = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        fenced = False
        for n, line in enumerate(doc.read_text().splitlines(), 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            text = line.strip()
            if fenced and text.startswith("$ ") and "trailreplay" in text:
                command = re.sub(r"\s+#\s.*$", "", text[2:]).strip()  # drop "# comment"
                out.append((f"{doc.relative_to(REPO)}:{n}", command))
    return out


def help_examples() -> list[tuple[str, str]]:
    """(command, example) for every line of every help's Examples section."""
    out = []

    def walk(path: list[str], cmd: object) -> None:
        if isinstance(cmd, Group):
            for name, sub in cmd.commands.items():
                walk([*path, name], sub)
            return
        epilog = getattr(cmd, "epilog", None) or ""
        section = epilog.split("Examples:", 1)[-1].split("\b", 1)[0] if epilog else ""
        for line in section.splitlines():
            if line.strip().startswith(("trailreplay ", "cat ", "zcat ", "printf ")):
                out.append((" ".join(path) + " --help", line.strip()))

    walk([], app.build())
    return out


EXAMPLES = doc_examples() + help_examples()


def test_the_tour_is_found() -> None:
    where = {w.split(":")[0] for w, _ in EXAMPLES}
    assert "README.md" in where and "scan --help" in where
    assert len(EXAMPLES) > 30


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tour")
    for name in SHIPPED:
        (root / name).symlink_to(REPO / name)
    return root


@pytest.mark.parametrize(("where", "command"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_example_runs_as_written(where: str, command: str, scratch: Path) -> None:
    if NEEDS_AWS.search(command):
        pytest.skip("needs AWS or a network")
    if "--plot" in command:
        pytest.importorskip("matplotlib")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    r = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    problem = f"{where}: {command}\nexit {r.returncode}\n{r.stderr[-2000:]}"
    stderr = r.stderr
    assert "Traceback" not in stderr, problem
    assert "No such file" not in stderr and "no such file" not in stderr, problem
    assert "see 'trailreplay" not in stderr, problem  # a usage error
    # 0 or 1 are answers (matched / not, valid / findings); 2 would be a mistake or bad input.
    assert r.returncode in (0, 1), problem
    assert shutil.which("trailreplay", path=env["PATH"])
