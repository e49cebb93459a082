"""Start-up: what each command imports, and the pattern cache that keeps the parser out of a
known pattern's run (engine/pattern/cache.py).  Nothing here is timed: the numbers are in
docs/performance.md (``python -m benchmarks.startup``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from engine import strategies
from engine.pattern import cache
from engine.pattern.grammar import parse as grammar_parse

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
    # NO_COLOR / TERM=dumb make engine.cli._io switch typer's rich colours off (importing it).
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


def test_a_known_pattern_never_loads_the_parser(tmp_path: Path) -> None:
    args = ["scan", str(CT_DIR), "-q", "-j1", "--format", "json"]
    first = modules_after(args, tmp_path)
    assert "engine.pattern.grammar" in first  # the first run parses and fills the cache
    assert "pyparsing" not in first  # the parser is hand-written: pyparsing is a test oracle
    again = modules_after(args, tmp_path)
    assert not again & HEAVY, again & HEAVY


@pytest.mark.parametrize("output", ["json", "envelope", "table"])
def test_a_local_scan_in_one_process_loads_no_pool_nor_catalog(tmp_path: Path, output: str) -> None:
    args = ["scan", str(CT_DIR), "-q", "-j1", "--format", output]  # the default control
    modules_after(args, tmp_path)  # fills the caches: the pattern's tree, the default control
    again = modules_after(args, tmp_path)
    assert not again & (HEAVY | NOT_IN_A_LOCAL_SCAN), again & (HEAVY | NOT_IN_A_LOCAL_SCAN)


def test_only_the_command_run_is_built() -> None:
    from engine.cli.main import app, for_args

    assert [c.name for c in for_args(["scan", "x", "-q"]).registered_commands] == ["scan"]
    assert not for_args(["scan"]).registered_groups
    only_group = for_args(["-V", "patterns", "list"])
    assert [g.name for g in only_group.registered_groups] == ["patterns"]
    assert not only_group.registered_commands
    for args in (["--help"], [], ["scna"], ["-h"]):  # the listing, click's own errors
        assert for_args(args) is app
    assert len(app.registered_commands) > 1  # the app itself is left whole
    # A command not named like its module (validate's `test`) comes from the whole app.
    assert [c.name for c in for_args(["test", "x"]).registered_commands] == ["test"]


def test_a_scan_imports_no_other_command_module(tmp_path: Path) -> None:
    from engine.cli.main import COMMAND_MODULES

    loaded = modules_after(["scan", "--help"], tmp_path)
    assert "engine.cli.scan" in loaded
    others = {f"engine.cli.{name}" for name in COMMAND_MODULES} - {"engine.cli.scan"}
    assert not loaded & others, loaded & others
    assert others <= modules_after(["--help"], tmp_path)  # the listing needs them all


def test_cache_hits_give_the_parsers_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    text = '{ $.eventSource = "s3.amazonaws.com" && ($.a[0].b = 1.5 || $.c NOT EXISTS) }'
    assert cache.parse(text) == grammar_parse(text)
    assert len(list((tmp_path / "patterns").iterdir())) == 1
    assert cache.parse(text) == grammar_parse(text)  # from the file


@settings(max_examples=50, deadline=None)
@given(strategies.patterns())
def test_round_trip_is_the_parsers_tree(text: str) -> None:
    node = grammar_parse(text)
    try:
        back = cache.decode(cache.encode(node))
    except (ValueError, TypeError):  # pragma: no cover - such a tree is not stored
        return
    assert back == node


def test_corrupt_entry_is_reparsed_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TRAILREPLAY_CACHE_WARNED", raising=False)
    cache.parse("ERROR")
    cache.parse("{ $.a = 1 }")
    for entry in (tmp_path / "patterns").iterdir():
        entry.write_bytes(b'{"key": 1, "tree": [')
    assert cache.parse("ERROR") == grammar_parse("ERROR")
    assert cache.parse("{ $.a = 1 }") == grammar_parse("{ $.a = 1 }")
    err = capsys.readouterr().err
    assert err.count("trailreplay: warning: pattern cache") == 1
    assert cache.parse("ERROR") == grammar_parse("ERROR")  # rewritten whole


def test_hostile_entry_cannot_name_other_classes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="not a pattern node"):
        cache.decode({"_": "Path", "x": 1})


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_cache_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp_path.chmod(0o500)
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("TRAILREPLAY_CACHE_WARNED", raising=False)
    assert cache.parse("ERROR") == grammar_parse("ERROR")


def test_unwritable_cache_dir_warns_once(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    env = {**os.environ, "TRAILREPLAY_CACHE_DIR": str(blocker / "cache")}
    env.pop("TRAILREPLAY_CACHE_WARNED", None)
    r = subprocess.run(
        [Path(sys.executable).with_name("trailreplay"), "scan", str(CT_DIR), "-e", "ERROR",
         "-e", "{ $.a = 1 }", "-q", "-j2"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert r.returncode in (0, 1), r.stderr
    assert r.stderr.count("warning: pattern cache") == 1, r.stderr


def test_values_json_cannot_hold_are_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", str(tmp_path))
    text = "{ $.a = 1e400 }"  # infinity: JSON has no such number
    assert cache.parse(text) == grammar_parse(text)
    assert not (tmp_path / "patterns").exists() or not list((tmp_path / "patterns").iterdir())


def test_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAILREPLAY_CACHE_DIR", "")
    assert cache.cache_dir() is None
    assert cache.parse("ERROR") == grammar_parse("ERROR")


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
