"""Locations: where sources live, chosen by scheme -- one read path for local files and S3.

A :class:`Location` is what the scan needs to know about a place: how one argument is listed
into items (``expand``), how a source is opened (``open``: a stream of decompressed bytes),
which read errors are transient (``transient``, decided by the exception's type) and how long
to wait before the next try (``retry_wait``), and how a read that failed for good is described
(``failure``).  :func:`location_for` picks one by the path's scheme: ``s3://`` is the S3
location (:mod:`engine.replay.s3`, imported on first use: listing and reading need the ``s3``
extra), anything else -- paths, globs, ``-`` -- the local one.  Adding a location is one module
and one entry in :data:`_SCHEMES`.

The per-file scan (:func:`engine.replay.scan.scan_file`), the driver and ``iter_records`` all
go through here, so every location has the same reading, matching, retries and reporting.
Layering: this module sits above ``sources``, ``formats``, ``layout`` and ``s3`` and below
``scan``; none of those imports it.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from itertools import chain
from typing import IO, TYPE_CHECKING, Literal, TypeVar, cast, overload

import msgspec

from engine.replay.formats import Opened, describe_error
from engine.replay.formats.opening import read_small_file
from engine.replay.layout import filter_items
from engine.replay.sources import Item, ItemOrRun, Source, SpecialFile, expand_local
from engine.replay.window import TimeWindow

if TYPE_CHECKING:
    from engine.replay.s3config import S3Scope

L = TypeVar("L", bound=ItemOrRun)


class Location(msgspec.Struct, frozen=True):
    """How sources of one scheme are listed, opened, retried and reported."""

    name: str
    #: (argument, window, prune, scope, runs): runs asks a lister for :class:`FileRun` items
    #: where it can make them (the local walk); another may ignore it.
    expand: Callable[[str, TimeWindow | None, bool, S3Scope | None, bool], Iterator[ItemOrRun]]
    open: Callable[[Source], Opened]
    transient: Callable[[BaseException], bool]
    retry_wait: Callable[[int], float | None]
    failure: Callable[[BaseException], str]
    #: Whether a source can be opened whole and cheaply (no request, no retry): the scan
    #: may then take its quick path.
    whole: Callable[[Source], bool]
    #: A stage that fetches this location's sources ahead of the scan, concurrently (other
    #: items pass through, in order), or None.
    ahead: Callable[[Iterable[ItemOrRun]], Iterator[ItemOrRun]] | None = None
    #: The content and stored size of a source ``whole`` accepts, read in one call with no
    #: stream objects (None: anything unusual, which ``open`` then reads and reports in
    #: full); without it the quick path takes what ``open`` read whole.
    read_whole: Callable[[Source], tuple[bytes, int] | None] | None = None


def _local_expand(
    arg: str, window: TimeWindow | None, prune: bool, scope: S3Scope | None, runs: bool
) -> Iterator[ItemOrRun]:
    if scope is not None and (scope.accounts is not None or scope.regions is not None):
        # The S3 lister never lists what --accounts/--regions leave out; locally, filter
        # (file by file: no runs).
        return filter_items(expand_local(arg, window, prune), scope.accounts, scope.regions)
    return expand_local(arg, window, prune, runs=runs)


PIPE_WAIT_SECONDS = 5.0
"""How long a named pipe (or other special file) may take to produce its first byte."""


class NoWriter(OSError):
    """A named pipe that nobody writes to."""


def _open_local(source: Source) -> Opened:
    if isinstance(source, SpecialFile):
        return Opened(source.path, file=_open_special(source.path))
    return Opened(source.path)


def _open_special(path: str) -> IO[bytes]:
    """Open a fifo (socket, device) named on the command line without blocking: opening a
    fifo for reading waits for a writer, forever if none comes.  Opened non-blocking, the
    file is waited on for :data:`PIPE_WAIT_SECONDS` at most; then it is read as usual."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        # Linux reports nothing for a fifo no writer has opened yet; data or the hang-up of
        # a writer that has come and gone both end the wait.
        if not poller.poll(int(PIPE_WAIT_SECONDS * 1000)):
            raise NoWriter(f"a named pipe with no writer (nothing after {PIPE_WAIT_SECONDS:g} s)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


def _never(exc: BaseException) -> bool:
    return False


def _no_retry(attempt: int) -> float | None:
    return None


def _plain_file(source: Source) -> bool:
    return type(source) is Source and not source.is_stdin


def _read_local(source: Source) -> tuple[bytes, int] | None:
    return read_small_file(source.path)


LOCAL = Location(
    "local",
    _local_expand,
    _open_local,
    _never,
    _no_retry,
    describe_error,
    _plain_file,
    read_whole=_read_local,
)
"""Files, directories, globs and standard input: a local read error is never retried."""


@cache
def _s3() -> Location:
    from engine.replay import s3

    def expand(
        arg: str, window: TimeWindow | None, prune: bool, scope: S3Scope | None, runs: bool
    ) -> Iterator[ItemOrRun]:
        return s3.expand_s3(arg, window=window, prune=prune, scope=scope)

    return Location(
        "S3",
        expand,
        s3.open_object,
        s3.transient,
        s3.retry_wait,
        s3.failure,
        s3.fetched,
        s3.fetch_ahead,
    )


_SCHEMES: dict[str, Callable[[], Location]] = {"s3://": _s3}


def location_for(path: str) -> Location:
    """The location of a path or argument, by its scheme."""
    for scheme, load in _SCHEMES.items():
        if path.startswith(scheme):
            return load()
    return LOCAL


@overload
def expand(
    sources: Sequence[str],
    *,
    window: TimeWindow | None = ...,
    prune: bool = ...,
    scope: S3Scope | None = ...,
    runs: Literal[False] = ...,
) -> Iterator[Item]: ...
@overload
def expand(
    sources: Sequence[str],
    *,
    window: TimeWindow | None = ...,
    prune: bool = ...,
    scope: S3Scope | None = ...,
    runs: bool,
) -> Iterator[ItemOrRun]: ...
def expand(
    sources: Sequence[str],
    *,
    window: TimeWindow | None = None,
    prune: bool = True,
    scope: S3Scope | None = None,
    runs: bool = False,
) -> Iterator[ItemOrRun]:
    """One item per file named by ``sources``, in input order (arguments as given, each
    folder's entries sorted by name, whatever the location).  ``scope`` holds the S3
    connection and the ``--accounts``/``--regions`` filters, which apply to every location.
    ``runs``: a folder's plain local files may come as :class:`FileRun` items (a scan;
    :func:`engine.replay.sources.unit_items` gives their items)."""
    for arg in sources:
        yield from location_for(arg).expand(arg, window, prune, scope, runs)


def fetch_ahead(items: Iterable[L]) -> Iterator[L]:
    """``items`` in order, with the sources of a location that fetches ahead (S3) fetched
    concurrently before they are handed out; local items pass through untouched."""
    rest = iter(items)
    for item in rest:
        stage = location_for(item.path).ahead if isinstance(item, Source) else None
        if stage is None:
            yield item
            continue
        # A stage hands back what it is given, fetched or as a problem: the same kind.
        yield from cast("Iterator[L]", stage(chain([item], rest)))
        return
