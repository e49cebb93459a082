"""The shipped ``.pre-commit-hooks.yaml``, run by pre-commit itself.

``pre-commit try-repo`` installs this repository (at its committed HEAD) into a fresh
virtualenv, the way a user's pre-commit would, and runs the hook on a fixture
repository.  That needs PyPI for the dependencies: about 20 s with an empty cache, since
pre-commit-uv (a dev dependency) lets uv build the environment (a minute with pip).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import FIXTURES

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / ".pre-commit-hooks.yaml"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_manifest_is_valid() -> None:
    res = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def fixture_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("user-repo")
    shutil.copy(FIXTURES / "terraform" / "clean.tf", repo / "clean.tf")
    shutil.copy(FIXTURES / "terraform" / "broken.tf", repo / "broken.tf")
    shutil.copy(FIXTURES / "cloudformation" / "cis-alarms.yaml", repo / "cis-alarms.yaml")
    (repo / "README.md").write_text("not linted\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    return repo


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_hook_runs_under_pre_commit(
    fixture_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    try:
        head = _git(REPO, "rev-parse", "HEAD")
        committed = _git(REPO, "ls-tree", "--name-only", "HEAD", ".pre-commit-hooks.yaml")
    except subprocess.CalledProcessError:
        pytest.skip("not a git checkout")
    if not committed:
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("VIRTUAL_ENV", None)

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "pre_commit",
                "try-repo",
                str(REPO),
                "trailreplay-lint",
                "--ref",
                head,
                "--verbose",
                "--files",
                *files,
            ],
            cwd=fixture_repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    clean = try_repo("clean.tf", "README.md")
    output = clean.stdout + clean.stderr
    offline = (
        "Failed to establish a new connection",
        "Temporary failure in name resolution",
        "Network is unreachable",
        "No matching distribution found",
    )
    if clean.returncode != 0 and any(m in output for m in offline):
        pytest.skip("pre-commit could not install the hook: PyPI is not reachable")
    assert clean.returncode == 0, output
    assert "Passed" in clean.stdout

    # cis-alarms.yaml has deliberate errors; PyYAML is in the hook's environment
    yaml = try_repo("clean.tf", "cis-alarms.yaml", "README.md")
    assert yaml.returncode == 1, yaml.stdout + yaml.stderr
    assert "cis-alarms.yaml:70:" in yaml.stdout

    bad = try_repo("broken.tf")
    assert bad.returncode == 1
    assert "broken.tf:15:" in bad.stdout and "[syntax]" in bad.stdout
