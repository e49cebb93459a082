"""Sources: what a scan reads, and the local lister (files, directories, globs, ``-``).

The items every location yields (:class:`Source`, :class:`Skipped`, :class:`Problem`) and the
naming rules every location applies (digests, the export write-test object, log-like names)
live here, at the bottom of ``engine/replay``: this module imports nothing of the replay but
:mod:`engine.replay.window`.

``expand_local`` walks one argument lazily, in a deterministic order (arguments as given, directory
entries sorted by name), and yields one item per file: a :class:`Source` to read, a
:class:`Skipped` (digest files, the CloudWatch export ``aws-logs-write-test`` object, files whose
date lies outside the window, non-log names inside directories) or a :class:`Problem` (missing
path, unreadable directory, symlink loop).  Nothing is opened here except directories.  Asked
for runs (a scan), it may give a directory's plain files as one :class:`FileRun` instead, whose
:meth:`FileRun.items` are the items the walk would have yielded.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Iterator
from enum import StrEnum
from typing import Literal, overload

import msgspec

from engine.replay.window import TimeWindow, path_period

STDIN = "-"

# Inside a directory, only names that look like log data are read: a README or a .DS_Store in an
# archive tree is not an error.  Files named explicitly are always read.
LOG_SUFFIXES = (".json", ".json.gz", ".gz", ".jsonl", ".ndjson", ".log", ".txt")

DIGEST_MARK = "CloudTrail-Digest"
WRITE_TEST = "aws-logs-write-test"


class Source(msgspec.Struct, frozen=True):
    """A file to read; ``path`` is what the user sees (``-`` for standard input)."""

    path: str
    size: int | None = None

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN


class SpecialFile(Source, frozen=True):
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


class Skipped(msgspec.Struct, frozen=True):
    """A file recognised and deliberately not read, and why."""

    path: str
    reason: SkipReason


class Problem(msgspec.Struct, frozen=True):
    """A path that could not be read at all."""

    path: str
    message: str


Item = Source | Skipped | Problem


RUN_NAMES = 64
"""A :class:`FileRun` holds at most this many names (a batch for a worker is up to 256 files:
runs this size still let the first, smaller batches spread a small tree over every worker)."""


class FileRun(msgspec.Struct, frozen=True):
    """Plain files of one directory, in the walk's order, not yet looked at one by one.

    What a walk yields, when asked (``runs=True``), for a run of entries whose directory entry
    says "regular file": a scan on worker processes then sends one small item (a directory and
    a tuple of names) instead of an item per file, and the parent's CPU, which shares the cores
    with the workers, is not spent on each file (issue 12: 7,000 files cost the parent ~0.1 s).
    :meth:`items` makes each file's item where it is read, by the same decision the walk makes
    (:func:`_file_item`), so the two orders of work give the same items."""

    directory: str
    names: tuple[str, ...]

    @property
    def path(self) -> str:
        """What a message about the whole run names: its directory."""
        return self.directory

    @property
    def files(self) -> int:
        return len(self.names)

    def items(self) -> list[Item]:
        """One item per name, exactly as the walk would have yielded it."""
        prefix = os.path.join(self.directory, "")  # join's separator rule, once per run
        return [
            _file_item(prefix + name, stat.S_IFREG, None, None, False, False) for name in self.names
        ]


ItemOrRun = Item | FileRun
"""What a walk asked for runs yields."""


def unit_items(item: ItemOrRun) -> list[Item]:
    """The items of one listed thing: a run's files, or the item itself."""
    return item.items() if isinstance(item, FileRun) else [item]


_DIGEST_IN_NAME = f"_{DIGEST_MARK}_"
_DIGEST_DIRECTORY = f"/{DIGEST_MARK}/"


def skip_reason_for_name(path: str) -> SkipReason | None:
    """``digest`` / ``write-test`` when the path names one of those, else None.  (Once per
    file of a scan: no copy of the path unless it holds a backslash.)"""
    norm = _slashed(path)
    name = norm[norm.rfind("/") + 1 :]
    if _DIGEST_IN_NAME in name or _in_digest_directory(norm):
        return SkipReason.DIGEST
    if name == WRITE_TEST:
        return SkipReason.WRITE_TEST
    return None


def _in_digest_directory(path: str) -> bool:
    """Whether a directory above ``path`` (a file's path, or a directory's ending in a
    separator) is a CloudTrail digest directory."""
    norm = _slashed(path)
    return norm.startswith(_DIGEST_DIRECTORY[1:]) or _DIGEST_DIRECTORY in norm


def _slashed(path: str) -> str:
    """``path`` with forward slashes (copied only when it holds a backslash)."""
    return path.replace("\\", "/") if "\\" in path else path


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


@overload
def expand_local(
    arg: str, window: TimeWindow | None = ..., prune: bool = ..., runs: Literal[False] = ...
) -> Iterator[Item]: ...
@overload
def expand_local(
    arg: str, window: TimeWindow | None = ..., prune: bool = ..., *, runs: bool
) -> Iterator[ItemOrRun]: ...
def expand_local(
    arg: str, window: TimeWindow | None = None, prune: bool = True, runs: bool = False
) -> Iterator[ItemOrRun]:
    """Yield one item per file named by one local argument (a path, a glob or ``-``).

    The local location's lister (:mod:`engine.replay.locations` dispatches by scheme).
    ``runs``: a directory's plain files may come as :class:`FileRun` items instead."""
    if arg == STDIN:
        yield Source(STDIN)
        return
    if not os.path.lexists(arg) and glob.has_magic(arg):
        matches = sorted(glob.glob(arg, recursive=True))
        if not matches:
            yield Problem(arg, "no files match this pattern")
        for path in matches:
            yield from _expand_path(path, window, prune, explicit=False, runs=runs)
        return
    yield from _expand_path(arg, window, prune, explicit=True, runs=runs)


def _pruned(path: str, window: TimeWindow | None, prune: bool) -> bool:
    if window is None or not prune:
        return False
    period = path_period(path)
    return period is not None and not window.may_overlap(*period)


def _expand_path(
    path: str, window: TimeWindow | None, prune: bool, explicit: bool, runs: bool
) -> Iterator[ItemOrRun]:
    try:
        st = os.stat(path)
    except OSError as exc:
        yield Problem(path, _stat_problem(path, exc))
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk(path, window, prune, (st.st_dev, st.st_ino), runs)
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
    root: str,
    window: TimeWindow | None,
    prune: bool,
    root_key: tuple[int, int],
    runs: bool = False,
) -> Iterator[ItemOrRun]:
    """Every file below ``root`` in name order, depth first, from one generator frame.

    The directory entry's type (``d_type``) tells a file from a directory without a
    ``stat``; a symbolic link is followed with one (to name a broken link or a loop as
    before), and a directory is ``stat`` ed for the (device, inode) that detects a loop.
    A file's size is not known here (the reader learns it when it opens the file).

    ``runs``: consecutive plain files of a directory come as one :class:`FileRun` (at most
    :data:`RUN_NAMES`), unless a date window prunes by path (decided file by file) or the
    directory is a digest directory (its files are skipped here, not sent anywhere)."""
    if _pruned(root, window, prune):
        yield Skipped(root + os.sep, SkipReason.OUTSIDE_WINDOW)
        return
    listed = _listing(root)
    if isinstance(listed, Problem):
        yield listed
        return
    runs = runs and (window is None or not prune)
    # A stack of (a directory's entries, the index of the next one, the directories above,
    # the directory, whether its files may form runs).
    stack: list[tuple[list[os.DirEntry[str]], int, frozenset[tuple[int, int]], str, bool]] = [
        (listed, 0, frozenset((root_key,)), root, runs and _runnable(root))
    ]
    run: list[str] = []
    while stack:
        entries, at, ancestors, directory, runnable = stack[-1]
        if at == len(entries):
            yield from _take_run(directory, run)
            stack.pop()
            continue
        stack[-1] = (entries, at + 1, ancestors, directory, runnable)
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
            yield from _take_run(directory, run)
            yield Problem(path, _stat_problem(path, exc))
            continue
        if runnable and mode == stat.S_IFREG and size is None:
            run.append(entry.name)  # a plain file (not a link): FileRun.items() decides
            if len(run) == RUN_NAMES:
                yield from _take_run(directory, run)
            continue
        yield from _take_run(directory, run)  # what comes next follows the run
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
                stack.append((below, 0, ancestors | {key}, path, runs and _runnable(path)))


def _take_run(directory: str, run: list[str]) -> Iterator[FileRun]:
    """The names gathered so far as one run (nothing when there are none), and the list
    emptied for the next."""
    if run:
        yield FileRun(directory, tuple(run))
        run.clear()


def _runnable(directory: str) -> bool:
    """Whether a directory's files may form runs: not a digest directory (whose files are
    skipped by name, in the walk, as every file of it would be)."""
    return not _in_digest_directory(directory + "/")


class MissingExtra(RuntimeError):
    """An optional extra (s3fs, dask) is not installed.

    Here, not in :mod:`engine.replay.s3`, so that a local scan can catch it without importing
    the S3 reader (asyncio, ssl: ~30 ms of start-up)."""
