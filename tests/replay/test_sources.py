from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.replay.locations import expand
from engine.replay.sources import (
    DIGEST_MARK,
    RUN_NAMES,
    WRITE_TEST,
    FileRun,
    Item,
    ItemOrRun,
    Problem,
    Skipped,
    SkipReason,
    Source,
    skip_reason_for_name,
    unit_items,
)
from engine.replay.window import TimeWindow

from .helpers import ct_doc, ct_path, record, write


def paths(items: list[object]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        if isinstance(item, Source):
            out.append(("read", item.path))
        elif isinstance(item, Skipped):
            out.append((item.reason, item.path))
        else:
            assert isinstance(item, Problem)
            out.append(("problem", item.path))
    return out


def test_directories_recursive_sorted_and_filtered(tmp_path: Path) -> None:
    doc = ct_doc([record()])
    write(tmp_path / "b" / "2.json.gz", doc)
    write(tmp_path / "b" / "1.json", doc)
    write(tmp_path / "a.jsonl", doc)
    write(tmp_path / "README.md", b"# notes")
    write(tmp_path / ".hidden.json", doc)
    write(tmp_path / ".git" / "x.json", doc)
    got = paths(list(expand([str(tmp_path)])))
    assert got == [
        ("not-a-log-name", str(tmp_path / "README.md")),
        ("read", str(tmp_path / "a.jsonl")),
        ("read", str(tmp_path / "b" / "1.json")),
        ("read", str(tmp_path / "b" / "2.json.gz")),
    ]


def test_arguments_keep_their_order_and_explicit_files_are_always_read(tmp_path: Path) -> None:
    z = write(tmp_path / "z.data", b"{}")
    a = write(tmp_path / "a.json", b"{}")
    got = paths(list(expand([str(z), "-", str(a)])))
    assert got == [("read", str(z)), ("read", "-"), ("read", str(a))]


def test_globs(tmp_path: Path) -> None:
    for name in ("x1.json", "x2.json", "y.json"):
        write(tmp_path / "d" / name, b"{}")
    got = paths(list(expand([str(tmp_path / "d" / "x*.json"), str(tmp_path / "**" / "y.json")])))
    assert [p for _, p in got] == [
        str(tmp_path / "d" / "x1.json"),
        str(tmp_path / "d" / "x2.json"),
        str(tmp_path / "d" / "y.json"),
    ]
    assert paths(list(expand([str(tmp_path / "nothing*.json")]))) == [
        ("problem", str(tmp_path / "nothing*.json"))
    ]


def test_digest_and_write_test_are_skipped(tmp_path: Path) -> None:
    digest = tmp_path / "AWSLogs/1/CloudTrail-Digest/us-east-1/2024/03/12/d.json.gz"
    write(digest, b"{}")
    write(tmp_path / "export" / "aws-logs-write-test", b"Permission Check Successful")
    got = paths(list(expand([str(tmp_path)])))
    assert ("digest", str(digest)) in got
    assert ("write-test", str(tmp_path / "export" / "aws-logs-write-test")) in got


def test_missing_broken_and_looping_paths(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "broken.json").symlink_to(tmp_path / "nowhere")
    sub = tmp_path / "d" / "sub"
    sub.mkdir(parents=True)
    (sub / "up").symlink_to(tmp_path / "d")
    write(sub / "f.json", b"{}")
    items = list(expand([str(tmp_path / "missing.json"), str(tmp_path)]))
    problems = {i.path: i.message for i in items if isinstance(i, Problem)}
    assert "no such file" in problems[str(tmp_path / "missing.json")]
    assert "symlink loop" in problems[str(tmp_path / "loop")]
    assert "broken symbolic link" in problems[str(tmp_path / "broken.json")]
    assert "symlink loop" in problems[str(sub / "up")]
    assert ("read", str(sub / "f.json")) in paths(items)


def test_symlinked_directory_that_is_not_a_loop_is_walked(tmp_path: Path) -> None:
    write(tmp_path / "real" / "f.json", b"{}")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    got = paths(list(expand([str(tmp_path)])))
    assert ("read", str(tmp_path / "link" / "f.json")) in got
    assert ("read", str(tmp_path / "real" / "f.json")) in got


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_directory(tmp_path: Path) -> None:
    d = tmp_path / "closed"
    d.mkdir()
    d.chmod(0)
    try:
        items = list(expand([str(tmp_path)]))
    finally:
        d.chmod(0o755)
    assert any(isinstance(i, Problem) and "permission denied" in i.message for i in items)


def test_date_pruning_skips_directories_and_files(tmp_path: Path) -> None:
    for day in ("2024/03/01", "2024/03/12", "2024/03/13", "2024/03/20"):
        write(ct_path(tmp_path, day), ct_doc([record()]))
    write(tmp_path / "elsewhere" / "2024" / "01" / "01" / "f.json", b"{}")
    window = TimeWindow.from_text("2024-03-12", "2024-03-12")
    got = paths(list(expand([str(tmp_path)], window=window)))
    read = [p for kind, p in got if kind == "read"]
    assert [Path(p).parent.name for p in read] == ["12", "13", "01"]  # "elsewhere": no layout
    pruned = [p for kind, p in got if kind == "outside-window"]
    assert len(pruned) == 2
    # no pruning when asked
    got = paths(list(expand([str(tmp_path)], window=window, prune=False)))
    assert len([p for kind, p in got if kind == "read"]) == 5


def test_fifos_inside_a_directory_are_counted_as_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.json", b"{}")
    os.mkfifo(tmp_path / "pipe.json")
    got = paths(list(expand([str(tmp_path)])))
    assert got == [
        ("read", str(tmp_path / "a.json")),
        ("not-a-regular-file", str(tmp_path / "pipe.json")),
    ]


def test_an_explicit_fifo_with_no_writer_is_reported_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.replay import locations
    from engine.replay.scan import ScanOptions, scan_file

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    [item] = list(expand([str(fifo)]))
    assert isinstance(item, Source) and item.size is None
    monkeypatch.setattr(locations, "PIPE_WAIT_SECONDS", 0.2)
    result = scan_file(item, [""], ScanOptions())  # the old code blocked here forever
    assert result.status == "failed"
    assert result.error_line() == f"{fifo}: a named pipe with no writer (nothing after 0.2 s)"


def test_an_explicit_fifo_with_a_writer_is_read(tmp_path: Path) -> None:
    import threading

    from engine.replay.scan import ScanOptions, scan_file

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as out:
            out.write(ct_doc([record(), record()]))

    thread = threading.Thread(target=writer)
    thread.start()
    [item] = list(expand([str(fifo)]))
    result = scan_file(item, [""], ScanOptions())
    thread.join()
    assert (result.status, result.records, result.matched_records) == ("read", 2, 2)


def _reference_walk(root: Path) -> list[tuple[str, str]]:
    """What the walk must give, from os.walk: every non-hidden file in name order."""
    out: list[tuple[str, str]] = []

    def visit(d: str) -> None:
        for name in sorted(os.listdir(d)):
            if name.startswith("."):
                continue
            path = os.path.join(d, name)
            if os.path.isdir(path):
                visit(path)
            elif name.endswith((".json", ".json.gz")):
                out.append(("read", path))
            else:
                out.append(("not-a-log-name", path))

    visit(str(root))
    return out


def test_the_flat_walk_gives_the_order_of_a_recursive_one(tmp_path: Path) -> None:
    import random

    rng = random.Random(7)
    for n in range(300):
        depth = rng.randint(0, 4)
        parts = [rng.choice(["a", "b", "AWSLogs", "2024", "x.y", "z"]) for _ in range(depth)]
        name = (
            rng.choice(["f", "g", ".h", "README"])
            + str(n)
            + rng.choice([".json", ".json.gz", ".md"])
        )
        target = tmp_path.joinpath(*parts, name)
        if any(p.is_file() for p in target.parents):
            continue
        write(target, b"{}", gz=False)
    assert paths(list(expand([str(tmp_path)]))) == _reference_walk(tmp_path)


def _units(listed: list[ItemOrRun]) -> list[Item]:
    return [item for x in listed for item in unit_items(x)]


def test_runs_stand_for_exactly_the_items_of_the_walk(tmp_path: Path) -> None:
    """A walk asked for runs (a scan) gives, once each run is read file by file, the items
    of the plain walk in the same order: the worker that expands a run decides each file
    as the walk would have."""
    import random

    rng = random.Random(11)
    for n in range(400):
        parts = [rng.choice(["a", "b", "2024"]) for _ in range(rng.randint(0, 3))]
        name = rng.choice(["f", "g", ".h", "README", "x_CloudTrail-Digest_"]) + str(n)
        name += rng.choice([".json", ".json.gz", ".md"])
        target = tmp_path.joinpath(*parts, name)
        if any(p.is_file() for p in target.parents):
            continue
        write(target, b"{}", gz=False)
    for i in range(3):
        write(tmp_path / "AWSLogs/1/CloudTrail-Digest/us-east-1" / f"d{i}.json.gz", b"{}")
    (tmp_path / "a" / "zz-link.json").symlink_to(tmp_path / "a" / "nowhere.json")
    os.mkfifo(tmp_path / "a" / "fifo.json")
    plain = list(expand([str(tmp_path)]))
    with_runs = list(expand([str(tmp_path)], runs=True))
    assert _units(with_runs) == plain
    runs = [x for x in with_runs if isinstance(x, FileRun)]
    assert len(runs) > 5 and all(0 < x.files <= RUN_NAMES for x in runs)
    assert sum(x.files for x in runs) > len(plain) // 2
    # Never a digest directory's file (skipped in the walk), a link or a fifo.
    assert not [x for x in runs if "CloudTrail-Digest" in x.directory]
    assert not [n for x in runs for n in x.names if n in ("zz-link.json", "fifo.json")]


def test_runs_step_aside_where_the_walk_decides_file_by_file(tmp_path: Path) -> None:
    for day in ("2024/03/01", "2024/03/12", "2024/03/13"):
        write(ct_path(tmp_path, day), ct_doc([record()]))
    window = TimeWindow.from_text("2024-03-12", "2024-03-12")
    pruned = list(expand([str(tmp_path)], window=window, runs=True))
    assert not [x for x in pruned if isinstance(x, FileRun)]  # pruned by each path's date
    assert pruned == list(expand([str(tmp_path)], window=window))
    unpruned = list(expand([str(tmp_path)], window=window, prune=False, runs=True))
    assert _units(unpruned) == list(expand([str(tmp_path)], window=window, prune=False))
    # --accounts/--regions filter file by file: no runs.
    from engine.replay.s3config import S3Scope

    scope = S3Scope(accounts=frozenset({"111122223333"}))
    scoped = list(expand([str(tmp_path)], scope=scope, runs=True))
    assert scoped == list(expand([str(tmp_path)], scope=scope))
    assert not [x for x in scoped if isinstance(x, FileRun)]


def _skip_reason_as_first_written(path: str) -> SkipReason | None:
    """The first reading of the rule (path copies and all), kept to hold the faster one to."""
    norm = path.replace("\\", "/")
    name = norm.rsplit("/", 1)[-1]
    if f"/{DIGEST_MARK}/" in "/" + norm or f"_{DIGEST_MARK}_" in name:
        return SkipReason.DIGEST
    if name == WRITE_TEST:
        return SkipReason.WRITE_TEST
    return None


_PARTS = st.sampled_from(
    [
        "",
        "a",
        "CloudTrail-Digest",
        "CloudTrail",
        "x_CloudTrail-Digest_y.json.gz",
        "aws-logs-write-test",
        "b.json.gz",
        "/",
        "\\",
        "CloudTrail-Digest2",
        "_",
    ]
)


@given(st.lists(_PARTS, max_size=6).map("".join))
def test_the_skip_rule_reads_every_path_as_first_written(path: str) -> None:
    assert skip_reason_for_name(path) == _skip_reason_as_first_written(path)


@pytest.mark.parametrize("directory", ["d", "d/", "", "/abs/d", "./d//"])
def test_a_run_names_its_files_as_os_path_join(directory: str) -> None:
    run = FileRun(directory, ("a.json.gz", "b.json"))
    assert [item.path for item in run.items()] == [
        os.path.join(directory, n) for n in ("a.json.gz", "b.json")
    ]
