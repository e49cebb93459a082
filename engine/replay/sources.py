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
from enum import StrEnum

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
class SpecialFile(Source):
    """A fifo, socket or device named on the command line: read, but opened without
    blocking, so a pipe nobody writes to is reported instead of waited on forever."""


class SkipReason(StrEnum):
    """Why a file is recognised and deliberately not read.  The value is the key the
    summary counts it under (text and JSON alike)."""

    DIGEST = "digest"  # a CloudTrail-Digest file (by its path, name or content)
    WRITE_TEST = "write-test"  # the CloudWatch Logs export's aws-logs-write-test object
    OUTSIDE_WINDOW = "outside-window"  # its path's date lies outside --since/--until
    OUTSIDE_SCOPE = "outside-scope"  # its account or region is not one asked for
    NOT_A_LOG_NAME = "not-a-log-name"  # inside a directory, a name that is not log data
    NOT_A_REGULAR_FILE = "not-a-regular-file"  # a fifo, socket or device inside a directory


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file recognised and deliberately not read, and why."""

    path: str
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Problem:
    """A path that could not be read at all."""

    path: str
    message: str


Item = Source | Skipped | Problem


def skip_reason_for_name(path: str) -> SkipReason | None:
    """``digest`` / ``write-test`` when the path names one of those, else None."""
    norm = path.replace("\\", "/")
    name = norm.rsplit("/", 1)[-1]
    if f"/{DIGEST_MARK}/" in f"/{norm}" or f"_{DIGEST_MARK}_" in name:
        return SkipReason.DIGEST
    if name == WRITE_TEST:
        return SkipReason.WRITE_TEST
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
        yield Problem(path, _stat_problem(path, exc))
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk(path, window, prune, (st.st_dev, st.st_ino))
        return
    yield _file_item(path, st.st_mode, st.st_size, window, prune, explicit)


def _stat_problem(path: str, exc: OSError) -> str:
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return "broken symbolic link"
    return describe_os_error(exc)


def _file_item(
    path: str,
    mode: int,
    size: int | None,
    window: TimeWindow | None,
    prune: bool,
    explicit: bool,
) -> Item:
    """What to do with one file: the same decisions for every file, named or walked."""
    reason = skip_reason_for_name(path)
    if reason is not None:
        return Skipped(path, reason)
    regular = stat.S_ISREG(mode)
    if not regular and not explicit:
        return Skipped(path, SkipReason.NOT_A_REGULAR_FILE)  # fifos, sockets, devices inside a tree
    if not explicit and not path.lower().endswith(LOG_SUFFIXES):
        return Skipped(path, SkipReason.NOT_A_LOG_NAME)
    if window is not None and _pruned(path, window, prune):
        return Skipped(path, SkipReason.OUTSIDE_WINDOW)
    if not regular:
        return SpecialFile(path)  # named explicitly: a pipe is read, without blocking on it
    return Source(path, size)


def _listing(directory: str) -> list[os.DirEntry[str]] | Problem:
    try:
        with os.scandir(directory) as it:
            return sorted(it, key=_name)
    except OSError as exc:
        return Problem(directory, f"cannot list directory: {describe_os_error(exc)}")


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _walk(
    root: str, window: TimeWindow | None, prune: bool, root_key: tuple[int, int]
) -> Iterator[Item]:
    """Every file below ``root`` in name order, depth first, from one generator frame.

    The directory entry's type (``d_type``) tells a file from a directory without a
    ``stat``; a symbolic link is followed with one (to name a broken link or a loop as
    before), and a directory is ``stat`` ed for the (device, inode) that detects a loop.
    A file's size is not known here (the reader learns it when it opens the file)."""
    if _pruned(root, window, prune):
        yield Skipped(root + os.sep, SkipReason.OUTSIDE_WINDOW)
        return
    listed = _listing(root)
    if isinstance(listed, Problem):
        yield listed
        return
    # A stack of (a directory's entries, the index of the next one, the directories above).
    stack: list[tuple[list[os.DirEntry[str]], int, frozenset[tuple[int, int]]]] = [
        (listed, 0, frozenset((root_key,)))
    ]
    while stack:
        entries, at, ancestors = stack[-1]
        if at == len(entries):
            stack.pop()
            continue
        stack[-1] = (entries, at + 1, ancestors)
        entry = entries[at]
        if entry.name[0] == ".":
            continue  # hidden files and directories (.git, .DS_Store) are not archive data
        path = entry.path
        size: int | None = None
        try:
            if entry.is_symlink():
                st = os.stat(path)  # follows the link
                mode, size = st.st_mode, st.st_size
            elif entry.is_file(follow_symlinks=False):
                mode = stat.S_IFREG
            elif entry.is_dir(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                mode = stat.S_IFDIR
            else:
                mode = 0  # a fifo, socket or device
        except OSError as exc:
            yield Problem(path, _stat_problem(path, exc))
            continue
        if not stat.S_ISDIR(mode):
            yield _file_item(path, mode, size, window, prune, explicit=False)
            continue
        key = (st.st_dev, st.st_ino)
        if key in ancestors:
            yield Problem(path, "symlink loop (points back to a directory being walked)")
        elif window is not None and _pruned(path, window, prune):
            yield Skipped(path + os.sep, SkipReason.OUTSIDE_WINDOW)
        else:
            below = _listing(path)
            if isinstance(below, Problem):
                yield below
            else:
                stack.append((below, 0, ancestors | {key}))


class MissingExtra(RuntimeError):
    """An optional extra (s3fs, dask) is not installed.

    Here, not in :mod:`engine.replay.s3`, so that a local scan can catch it without importing
    the S3 reader (asyncio, ssl: ~30 ms of start-up)."""
