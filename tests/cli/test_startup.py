"""Start-up: what each command imports, and the pattern cache that keeps the parser out of a
known pattern's run (engine/pattern/cache.py).  Nothing here is timed: the numbers are in
docs/performance.md (``python -m benchmarks.startup``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    # rich: engine/replay/table.py imports rich.cells at its top (a follow-up for the table's
    # owner); everything else heavy stays out.
    assert not again & (HEAVY - {"rich"}), again & HEAVY


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
