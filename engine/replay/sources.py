"""Sources: what a scan reads, and the local lister (files, directories, globs, ``-``).

The items every location yields (:class:`Source`, :class:`Skipped`, :class:`Problem`) and the
naming rules every location applies (digests, the export write-test object, log-like names)
live here, at the bottom of ``engine/replay``: this module imports nothing of the replay but
:mod:`engine.replay.window`.

``expand_local`` walks one argument lazily, in a deterministic order (arguments as given, directory
entries sorted by name), and yields one item per file: a :class:`Source` to read, a
:class:`Skipped` (digest files, the CloudWatch export ``aws-logs-write-test`` object, files whose
date lies outside the window, non-log names inside directories) or a :class:`Problem` (missing
path, unreadable directory, symlink loop).  Nothing is opened here except directories.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

from engine.replay.window import TimeWindow, path_period

STDIN = "-"

# Inside a directory, only names that look like log data are read: a README or a .DS_Store in an
# archive tree is not an error.  Files named explicitly are always read.
LOG_SUFFIXES = (".json", ".json.gz", ".gz", ".jsonl", ".ndjson", ".log", ".txt")

DIGEST_MARK = "CloudTrail-Digest"
WRITE_TEST = "aws-logs-write-test"


@dataclass(frozen=True, slots=True)
class Source:
    """A file to read; ``path`` is what the user sees (``-`` for standard input)."""

    path: str
    size: int | None = None

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file recognised and deliberately not read; ``reason`` is a short key
    (``digest``, ``write-test``, ``outside-window``, ``not-a-log-name``)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A path that could not be read at all."""

    path: str
    message: str


Item = Source | Skipped | Problem


def skip_reason_for_name(path: str) -> str | None:
    """``digest`` / ``write-test`` when the path names one of those, else None."""
    norm = path.replace("\\", "/")
    name = norm.rsplit("/", 1)[-1]
    if f"/{DIGEST_MARK}/" in f"/{norm}" or f"_{DIGEST_MARK}_" in name:
        return "digest"
    if name == WRITE_TEST:
        return "write-test"
    return None


def describe_os_error(exc: OSError) -> str:
    """A short text for an OSError, without the path (the caller names the file)."""
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    if exc.errno == errno.ENOENT:
        return "no such file or directory"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    return exc.strerror or str(exc)


def expand_local(arg: str, window: TimeWindow | None = None, prune: bool = True) -> Iterator[Item]:
    """Yield one item per file named by one local argument (a path, a glob or ``-``).

    The local location's lister (:mod:`engine.replay.locations` dispatches by scheme)."""
    if arg == STDIN:
        yield Source(STDIN)
        return
    if not os.path.lexists(arg) and glob.has_magic(arg):
        matches = sorted(glob.glob(arg, recursive=True))
        if not matches:
            yield Problem(arg, "no files match this pattern")
        for path in matches:
            yield from _expand_path(path, window, prune, explicit=False)
        return
    yield from _expand_path(arg, window, prune, explicit=True)


def _pruned(path: str, window: TimeWindow | None, prune: bool) -> bool:
    if window is None or not prune:
        return False
    period = path_period(path)
    return period is not None and not window.may_overlap(*period)


def _expand_path(
    path: str, window: TimeWindow | None, prune: bool, explicit: bool
) -> Iterator[Item]:
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT and os.path.islink(path):
            yield Problem(path, "broken symbolic link")
        else:
            yield Problem(path, describe_os_error(exc))
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk(path, window, prune, ((st.st_dev, st.st_ino),))
        return
    yield from _file_item(path, st, window, prune, explicit)


def _file_item(
    path: str, st: os.stat_result, window: TimeWindow | None, prune: bool, explicit: bool
) -> Iterator[Item]:
    reason = skip_reason_for_name(path)
    if reason is not None:
        yield Skipped(path, reason)
    elif not explicit and not stat.S_ISREG(st.st_mode):
        return  # sockets, fifos, devices inside a tree are not logs
    elif not explicit and not path.lower().endswith(LOG_SUFFIXES):
        yield Skipped(path, "not-a-log-name")
    elif _pruned(path, window, prune):
        yield Skipped(path, "outside-window")
    else:
        yield Source(path, st.st_size if stat.S_ISREG(st.st_mode) else None)


def _walk(
    directory: str,
    window: TimeWindow | None,
    prune: bool,
    ancestors: tuple[tuple[int, int], ...],
) -> Iterator[Item]:
    if _pruned(directory, window, prune):
        yield Skipped(directory + os.sep, "outside-window")
        return
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Problem(directory, f"cannot list directory: {describe_os_error(exc)}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and directories (.git, .DS_Store) are not archive data
        path = entry.path
        try:
            st = os.stat(path)  # follows symlinks
        except OSError as exc:
            if exc.errno == errno.ENOENT and entry.is_symlink():
                yield Problem(path, "broken symbolic link")
            else:
                yield Problem(path, describe_os_error(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                yield Problem(path, "symlink loop (points back to a directory being walked)")
                continue
            yield from _walk(path, window, prune, (*ancestors, key))
        else:
            yield from _file_item(path, st, window, prune, explicit=False)
