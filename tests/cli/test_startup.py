"""Start-up: what each command imports, and the cache of what start-up would otherwise
recompute (engine/pattern/cache.py: the default control).  Nothing here is timed: the numbers
are in docs/performance.md (``python -m benchmarks.startup``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.pattern import cache

REPO = Path(__file__).resolve().parents[2]
CT_DIR = REPO / "samples/AWSLogs/111122223333/CloudTrail/us-east-1"


def modules_after(args: list[str], cache_dir: Path) -> set[str]:
    """The modules loaded by the main process of ``trailreplay ARGS``."""
    code = (
        "import sys, atexit\n"
        "report = lambda: sys.__stderr__.write('MODULES ' + ' '.join(sys.modules) + '\\n')\n"
        "atexit.register(report)\n"
        "from engine.cli.main import main\n"
        f"sys.argv = ['trailreplay', *{args!r}]\n"
        "main()\n"
    )
    env = {**os.environ, "TRAILREPLAY_CACHE_DIR": str(cache_dir), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    line = next(ln for ln in r.stderr.splitlines() if ln.startswith("MODULES "))
    return set(line.split()[1:])


HEAVY = {"pyparsing", "rich", "z3", "boto3", "botocore", "dask", "distributed", "s3fs"}
# What a scan in one process needs none of: the pool's machinery (multiprocessing,
# concurrent.futures, ctypes for the workers' death signal), the catalog's TOML reader and
# records (the default control comes from the cache: engine.catalog_files), the S3 reader.
NOT_IN_A_LOCAL_SCAN = {
    "multiprocessing",
    "concurrent.futures",
    "ctypes",
    "tomllib",
    "importlib.resources",
    "engine.catalog",
    "engine.replay.s3",
    "asyncio",
    "ssl",
}


def test_help_loads_no_engine(tmp_path: Path) -> None:
    loaded = modules_after(["--help"], tmp_path)
    assert not loaded & HEAVY
    # The format registry (standard library only) gives --input-format its choices; the two
    # packages above it load their names lazily.
    registry = {"engine.replay", "engine.replay.formats", "engine.replay.formats.registry"}
    assert not {m for m in loaded if m.startswith(("engine.replay", "engine.pattern"))} - registry


def test_a_scan_never_loads_pyparsing(tmp_path: Path) -> None:
    args = ["scan", str(CT_DIR), "-q", "-j1", "--format", "json"]
    loaded = modules_after(args, tmp_path)
    assert "engine.pattern.grammar" in loaded  # parsed each run: faster than a stored tree
    assert "pyparsing" not in loaded  # the parser is hand-written: pyparsing is a test oracle
    assert not modules_after(args, tmp_path) & HEAVY


@pytest.mark.parametrize("output", ["json", "envelope", "table"])
def test_a_local_scan_in_one_process_loads_no_pool_nor_catalog(tmp_path: Path, output: str) -> None:
    args = ["scan", str(CT_DIR), "-q", "-j1", "--format", output]  # the default control
    modules_after(args, tmp_path)  # fills the cache: the default control
    again = modules_after(args, tmp_path)
    assert not again & (HEAVY | NOT_IN_A_LOCAL_SCAN), again & (HEAVY | NOT_IN_A_LOCAL_SCAN)


def test_only_the_command_run_is_built() -> None:
    from engine.cli.main import app, for_args

    assert for_args(["scan", "x", "-q"]).names() == ["scan"]
    assert not for_args(["scan"]).registered_groups
    only_group = for_args(["-V", "patterns", "list"])
    assert only_group.names() == ["patterns"]
    assert not only_group.registered_commands
    for args in (["--help"], [], ["scna"], ["-h"]):  # the listing, "no such command"
        assert for_args(args) is app
    assert len(app.registered_commands) > 1  # the app itself is left whole
    # A command not named like its module (validate's `test`) comes from the whole app.
    assert for_args(["test", "x"]).names() == ["test"]


def test_a_scan_imports_no_other_command_module(tmp_path: Path) -> None:
    from engine.cli.main import COMMAND_MODULES

    loaded = modules_after(["scan", "--help"], tmp_path)
    assert "engine.cli.scan" in loaded
    others = {f"engine.cli.{name}" for name in COMMAND_MODULES} - {"engine.cli.scan"}
    assert not loaded & others, loaded & others
    assert others <= modules_after(["--help"], tmp_path)  # the listing needs them all


def test_entries_round_trip_and_patterns_are_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    cache.store("kind", "key", ["a", 1])
    assert cache.lookup("kind", "key") == ["a", 1]
    assert cache.lookup("kind", "other") is None
    import engine

    engine.compile('{ $.eventSource = "s3.amazonaws.com" && $.a[0].b = 1.5 }')
    assert [p.name for p in tmp_path.iterdir()] == ["kind"]  # no parse trees on disk


def test_corrupt_entry_is_a_miss_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TRAILREPLAY_CACHE_WARNED", raising=False)
    cache.store("kind", "one", 1)
    cache.store("kind", "two", 2)
    for entry in (tmp_path / "kind").iterdir():
        entry.write_bytes(b'{"key": 1, "value": [')
    assert cache.lookup("kind", "one") is None
    assert cache.lookup("kind", "two") is None
    assert capsys.readouterr().err.count("trailreplay: warning: cache") == 1
    cache.store("kind", "one", 1)  # rewritten whole
    assert cache.lookup("kind", "one") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_cache_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path.chmod(0o500)
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("TRAILREPLAY_CACHE_WARNED", raising=False)
    cache.store("kind", "key", 1)
    assert cache.lookup("kind", "key") is None


def test_unwritable_cache_dir_warns_once(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {**os.environ, "TRAILREPLAY_CACHE_DIR": str(blocker / "cache")}
    env.pop("TRAILREPLAY_CACHE_WARNED", None)
    r = subprocess.run(
        [Path(sys.executable).with_name("trailreplay"), "scan", str(CT_DIR), "-q", "-j2"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode in (0, 1), r.stderr
    assert r.stderr.count("warning: cache") == 1, r.stderr


def test_values_json_cannot_hold_are_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    cache.store("kind", "key", float("inf"))  # JSON has no such number
    cache.store("kind", "big", 2**70)  # nor orjson an integer past 64 bits
    assert not (tmp_path / "kind").exists() or not list((tmp_path / "kind").iterdir())


def test_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", "")
    assert cache.cache_dir() is None
    cache.store("kind", "key", 1)
    assert cache.lookup("kind", "key") is None


def test_the_default_control_is_recorded_for_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine import catalog, catalog_files

    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path / "cache"))
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    name = f"{catalog_files.DEFAULT_CONTROL}.toml"
    source = (catalog.catalog_dir() / name).read_text(encoding="utf-8")
    (patterns / name).write_text(source, encoding="utf-8")
    monkeypatch.setattr(catalog_files, "catalog_dir", lambda: patterns)
    monkeypatch.setattr(catalog, "catalog_dir", lambda: patterns)

    assert catalog_files.default_pattern() is None  # never read yet
    entry = catalog.default()
    assert catalog_files.default_pattern() == (entry.id, entry.pattern)
    # An edited file is read again through the catalog, never answered from the cache.
    edited = source.replace(entry.pattern, "{ $.eventSource = edited }")
    assert edited != source
    (patterns / name).write_text(edited, encoding="utf-8")
    assert catalog_files.default_pattern() is None
    assert catalog.default().pattern == "{ $.eventSource = edited }"
    assert catalog_files.default_pattern() == (entry.id, "{ $.eventSource = edited }")

    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", "")
    assert catalog_files.default_pattern() is None


def test_scan_default_from_the_cache_is_the_catalogs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine import catalog
    from engine.cli.scan import default_pattern

    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    first = default_pattern()  # through engine.catalog
    again = default_pattern()  # from the cache
    assert first == again
    assert (again.id, again.text) == (catalog.DEFAULT_CONTROL, catalog.default().pattern)


def test_a_small_input_is_scanned_in_one_process_by_default(tmp_path: Path) -> None:
    args = ["scan", str(CT_DIR), "-q", "--format", "json"]  # no --workers
    modules_after(args, tmp_path)
    again = modules_after(args, tmp_path)
    assert not again & NOT_IN_A_LOCAL_SCAN, again & NOT_IN_A_LOCAL_SCAN


def test_small_input_looks_ahead_only_as_far_as_it_must(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.cli import scan
    from engine.replay.sources import Problem, Source

    files = []
    for n in range(5):
        f = tmp_path / f"f{n}.json"
        f.write_bytes(b"x" * 100)
        files.append(Source(str(f)))
    items = [*files[:2], Problem("missing", "no such file"), *files[2:]]
    small, same = scan.small_input(items)
    assert small and list(same) == items
    sized = [Source(str(tmp_path / "not-there"), size=50), Source(str(tmp_path / "gone"))]
    assert scan.small_input(sized)[0]  # a file that cannot be sized is the scan's to report

    monkeypatch.setattr(scan, "SMALL_INPUT_BYTES", 250)  # the third file passes it
    seen: list[object] = []

    def listing() -> Iterator[Any]:
        for item in items:
            seen.append(item)
            yield item

    small, same = scan.small_input(listing())
    assert not small
    assert len(seen) == 4  # two files, the problem, the third file: no further
    assert list(same) == items  # nothing lost, nothing reordered

    monkeypatch.setattr(scan, "SMALL_INPUT_BYTES", 1 << 20)
    monkeypatch.setattr(scan, "SMALL_INPUT_FILES", 3)
    small, same = scan.small_input(iter(items))
    assert not small and list(same) == items
