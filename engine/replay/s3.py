"""S3 sources: ``trailreplay scan s3://bucket/prefix/`` (the ``s3`` extra: botocore, s3fs).

Listing is cheap and targeted.  A CloudTrail archive is laid out as
``[prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail[-Digest|-Insight]/<region>/YYYY/MM/DD/<file>``:

* above ``AWSLogs/``, **one** listing of the given prefix with ``Delimiter="AWSLogs/"`` returns
  every object that is not part of a trail (CloudWatch Logs exports, loose files) flat, and one
  common prefix per ``.../AWSLogs/`` root however deep the trail prefix is;
* inside a root, delimiter (``/``) listings walk the few top levels -- organization, account,
  log type, region -- where ``--accounts`` and ``--regions`` choose folders without listing
  anything below the folders left out;
* at a region, **one flat listing** (no delimiter, paginated ListObjectsV2) of the whole region
  -- or, with ``--since/--until``, delimiter listings of the year and month folders and one flat
  listing per day folder that may hold events in the window (the same delivery-lag margin as a
  local run, :mod:`engine.replay.window`).  A folder wholly inside the window is listed flat in
  one go.  Days outside the window are never listed, and their objects never read.

Items come out in the order a local run of the same tree would produce (arguments as given, each
folder's entries sorted by name), so output and summary match a local scan of the same files.
Folders pruned by the window are reported as one ``outside-window`` skip each, as locally.

Reading is one read path with local files (:mod:`engine.replay.locations`): this module gives
the S3 location's lister, opener, transient errors and retry waits.  :func:`fetch_ahead` fetches
objects up to :data:`FETCH_WHOLE_BYTES` whole, ``config.concurrency`` GETs at a time (threads,
one GET in flight each) and at most ``config.max_bytes`` ahead, while the listing runs ahead;
the scan then reads a fetched object from its content like a local file.  Listings and GETs go
through the lean client of :mod:`engine.replay.s3get` (``http.client`` on persistent
connections, Signature Version 4 by hand, ListObjectsV2 parsed with ElementTree): about 0.5 ms
of client CPU per object where aiobotocore through s3fs took 2.2-2.6 ms, and no aiobotocore /
aiohttp import (~0.3 s) -- on a small machine the client's CPU is taken from the scan and from
the server.  botocore (synchronous) gives that client the credential chain and the endpoint
rules; s3fs takes what it does not (an HTTP proxy, a bucket that keeps redirecting) and
streams an object larger than :data:`FETCH_WHOLE_BYTES` (``S3FileSystem.open`` with a
read-ahead buffer) for whoever scans it.  A failed request that may be transient (by the
exception's type or HTTP status: network, 5xx, 429/SlowDown) is retried with exponential
backoff, :data:`READ_TRIES` tries in all (:func:`retrying`); then it is reported like any
unreadable input (one line on stderr naming the object -- ``no such object (HTTP 404
NoSuchKey)``, ``access denied (HTTP 403 AccessDenied)`` -- exit status 2) and the scan goes
on.  Corrupt content is not retried.

Credentials come from the usual AWS chain (environment, shared config, SSO, instance role,
refreshed as they expire); ``--profile``, ``--endpoint-url`` (S3-compatible stores, moto) and
``--anon`` (public buckets: requests unsigned) configure it.  Only the configuration travels to
worker processes, never a secret: each process builds its own (cached) clients.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import msgspec

from engine.replay.formats import (
    _BUFFER,
    _GZIP_MAGIC,
    FormatError,
    Opened,
    SkipFile,
    _Counting,
    _gzip_reader,
    _is_gzip_error,
    describe_error,
)
from engine.replay.layout import ORG as _ORG
from engine.replay.layout import LayoutPlace, filter_items, layout_keeps, layout_place
from engine.replay.s3config import S3Config, S3Scope
from engine.replay.s3get import Getter, Listed, S3StatusError
from engine.replay.sources import (
    LOG_SUFFIXES,
    Item,
    ItemOrRun,
    MissingExtra,
    Problem,
    Skipped,
    SkipReason,
    Source,
    skip_reason_for_name,
)
from engine.replay.window import TimeWindow, path_period

T = TypeVar("T")

SCHEME = "s3://"
INSTALL_HINT = "pip install 'trailreplay[s3]'"

READ_TRIES = 3
"""Tries per object before a read error is reported."""
BACKOFF_SECONDS = 0.5
"""Wait before the second try; doubled before each further one."""
LIST_AHEAD = 4
"""Flat listings (regions, days) fetched concurrently ahead of the one being scanned."""
BLOCK_SIZE = 8 << 20
"""Read-ahead per ranged GET: CloudTrail objects (a few KB to a few MB) take one request."""

_DIGITS = re.compile(r"^\d+$")
_DAY = timedelta(days=1)


def is_s3(path: str) -> bool:
    return path.startswith(SCHEME)


# --------------------------------------------------------------------------- configuration


class S3Object(Source, frozen=True):
    """An object to read (``path`` is its ``s3://`` URL, ``size`` from the listing;
    ``content``, its stored bytes once :func:`fetch_ahead` has fetched it)."""

    config: S3Config = msgspec.field(default_factory=S3Config)
    content: bytes | None = None

    def __repr__(self) -> str:  # the content (up to 16 MB) is not worth printing
        return f"S3Object(path={self.path!r}, size={self.size!r}, config={self.config!r})"


def filesystem(config: S3Config) -> Any:
    """The ``S3FileSystem`` for ``config`` (one per process: fsspec caches instances)."""
    try:
        import s3fs
    except ImportError as exc:
        raise MissingExtra(f"s3:// sources need s3fs: {INSTALL_HINT}") from exc
    return s3fs.S3FileSystem(**config.storage_options())


def _sync(fs: Any, coroutine_fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from fsspec.asyn import sync

    return sync(fs.loop, coroutine_fn, *args, **kwargs)


def split_url(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``(bucket, key)``."""
    rest = url[len(SCHEME) :] if is_s3(url) else url
    bucket, _, key = rest.partition("/")
    return bucket, key


# --------------------------------------------------------------------------- the layout


def _listing_period(path: str) -> tuple[datetime, datetime] | None:
    # Digest (and any CloudTrail-<kind>) folders have the same day layout as log folders: prune
    # them alike, so no object outside the window is even listed.
    return path_period(re.sub(r"/CloudTrail-[A-Za-z]+/", "/CloudTrail/", path))


def _fully_kept(window: TimeWindow, start: datetime, end: datetime) -> bool:
    # may_overlap is monotone in the day on each side: the first and the last day decide.
    return window.may_overlap(start, start + _DAY) and window.may_overlap(end - _DAY, end)


# --------------------------------------------------------------------------- listing


def expand_s3(
    url: str,
    *,
    window: TimeWindow | None = None,
    prune: bool = True,
    scope: S3Scope | None = None,
) -> Iterator[Item]:
    """One item per object named by ``url`` (a prefix or an object), in local-walk order."""
    scope = scope or S3Scope()
    bucket, key = split_url(url)
    if not bucket:
        yield Problem(url, "no bucket in this S3 URL")
        return
    try:
        client = _getter(scope.config)
    except MissingExtra as exc:
        yield Problem(url, str(exc))
        return
    except Exception as exc:  # bad profile, bad endpoint: one line, not a traceback
        yield Problem(url, f"cannot connect to S3: {_describe(exc)}")
        return
    lister = _Lister(client, bucket, scope, window if prune else None, window, prune)
    try:
        yield from lister.argument(key)
    finally:
        lister.close()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, FileNotFoundError | PermissionError) and exc.errno is None:
        return text  # the lean client's: "no such bucket (HTTP 404 NoSuchBucket)"
    if isinstance(exc, FileNotFoundError):
        return f"not found ({text})"
    if isinstance(exc, PermissionError):
        return f"access denied ({text})"
    return text.splitlines()[0]


Listing = tuple[list[tuple[str, int]], list[str]] | Problem
"""``(files as (key, size), folders)`` of one listing, or the problem listing it."""


def _sort_key(name: str) -> tuple[str, ...]:
    return tuple(name.split("/"))


class _Lister:
    def __init__(
        self,
        client: Getter,
        bucket: str,
        scope: S3Scope,
        prune_window: TimeWindow | None,
        window: TimeWindow | None,
        prune: bool,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.scope = scope
        self.prune_window = prune_window  # None: list everything
        self.window = window
        self.prune = prune
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def url(self, key: str) -> str:
        return f"{SCHEME}{self.bucket}/{key}"

    # ---- requests

    def listing(self, prefix: str, delimiter: str) -> Listing:
        """``(files, folders)`` directly under ``prefix`` (a key prefix ending in ``/`` or
        empty; everything below it when flat); keys are full object keys, folders end with
        the delimiter.  One ListObjectsV2, every page, retried like a read."""
        try:
            files, folders = retrying(self.client.list_objects, self.bucket, prefix, delimiter)
        except Exception as exc:
            return Problem(self.url(prefix), f"cannot list: {_describe(exc)}")
        # "folder" marker objects made by the console are not files
        return [f for f in files if not f[0].endswith("/")], folders

    # ---- the walk

    def argument(self, key: str) -> Iterator[Item]:
        if key and not key.endswith("/"):
            # An object, or a prefix given without its trailing slash: one listing tells.
            try:
                files, folders = retrying(self.client.list_objects, self.bucket, key, "/")
            except Exception as exc:
                yield Problem(self.url(key), _describe(exc))
                return
            sizes = [size for k, size in files if k == key]
            if sizes:
                yield from self.file(key, sizes[0], explicit=True)
                return
            if key + "/" not in folders:
                yield Problem(self.url(key), "no such object or prefix")
                return
            key += "/"
        found = False
        for item in self.prefix(key):
            found = True
            yield item
        if not found and not self._filtered_out(key):
            yield Problem(self.url(key), "no objects under this prefix")

    def _filtered_out(self, key: str) -> bool:
        return not layout_keeps(key, self.scope.accounts, self.scope.regions)

    def prefix(self, key: str) -> Iterator[Item]:
        """Everything under ``key`` (``""`` or ending in ``/``), by its place in the layout."""
        parts = key.rstrip("/").split("/") if key else []
        if "AWSLogs" not in parts:
            yield from self.above(key)
            return
        root = len(parts) - 1 - parts[::-1].index("AWSLogs")
        yield from self.layout(key, parts[root + 1 :])

    def above(self, key: str) -> Iterator[Item]:
        # One flat listing: objects outside any trail, and each .../AWSLogs/ root as a folder.
        listed = self.listing(key, "AWSLogs/")
        if isinstance(listed, Problem):
            yield listed
            return
        files, roots = listed
        entries: list[tuple[tuple[str, ...], str, int | None]] = [
            (_sort_key(k), k, size) for k, size in files
        ]
        entries += [(_sort_key(r.rstrip("/")), r, None) for r in roots]
        entries.sort()
        base = len(_sort_key(key.rstrip("/"))) if key else 0
        for _, k, size in entries:
            if _hidden(k, base):
                continue
            if size is not None:
                yield from self.file(k, size)
            elif k.rstrip("/").rsplit("/", 1)[-1] == "AWSLogs":
                yield from self.layout(k, [])
            else:  # "MyAWSLogs/": the delimiter matched inside a name
                yield from self.flat(k)

    def layout(self, key: str, after: list[str]) -> Iterator[Item]:
        """``key`` is ``.../AWSLogs/`` followed by the components ``after``."""
        rest = after[1:] if after and _ORG.match(after[0]) else after
        depth = len(rest)  # 0 AWSLogs or org, 1 account, 2 type, 3 region, 4+ dates
        if self._filtered_out(key):
            return
        if depth >= 3:
            yield from self.dated(key)
            return
        listed = self.listing(key, "/")
        if isinstance(listed, Problem):
            yield listed
            return
        if depth < 2:  # organizations, accounts, log types: no flat listing to fetch ahead
            files, folders = listed
            base = len(_sort_key(key.rstrip("/")))
            for k, size, is_folder in _merged(files, folders):
                if _hidden(k, base):
                    continue
                if not is_folder:
                    yield from self.file(k, size)
                    continue
                yield from self.layout(k, [*after, k.rstrip("/").rsplit("/", 1)[-1]])
            return
        for k, size, fetched in self._children(key, listed):  # regions
            if size >= 0:
                yield from self.file(k, size)
            elif fetched is not None:
                yield from self.flat(k, fetched)
            else:
                yield from self.layout(k, [*after, k.rstrip("/").rsplit("/", 1)[-1]])

    def _children(self, key: str, listed: Listing) -> Iterator[tuple[str, int, Listing | None]]:
        """The entries of a delimiter listing in local-walk order; the flat listings of the
        folders that will be listed flat (regions without a window, days in it) are fetched
        :data:`LIST_AHEAD` at a time, concurrently, while earlier ones are being scanned."""
        assert not isinstance(listed, Problem)
        files, folders = listed
        base = len(_sort_key(key.rstrip("/")))
        entries = [e for e in _merged(files, folders) if not _hidden(e[0], base)]
        ahead: deque[tuple[str, int, Future[Listing] | None]] = deque()
        rest = iter(entries)

        def push() -> None:
            for k, size, is_folder in rest:
                fetch = is_folder and not self._filtered_out(k) and self._lists_flat(k)
                ahead.append((k, size if not is_folder else -1, self._fetch(k) if fetch else None))
                return

        for _ in range(LIST_AHEAD):
            push()
        try:
            while ahead:
                k, size, future = ahead.popleft()
                push()
                yield k, size, future.result() if future is not None else None
        finally:
            for _k, _size, left in ahead:
                if left is not None:
                    left.cancel()

    def _fetch(self, key: str) -> Future[Listing]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(LIST_AHEAD, thread_name_prefix="s3-list")
        return self._pool.submit(self.listing, key, "")

    def _lists_flat(self, key: str) -> bool:
        """Whether :meth:`dated` lists the folder ``key`` in one flat listing."""
        window = self.prune_window
        if window is None:
            return True
        period = _listing_period(key.rstrip("/"))
        if period is not None and not window.may_overlap(*period):
            return False
        return _date_depth(key) >= 3 or (period is not None and _fully_kept(window, *period))

    def dated(self, key: str) -> Iterator[Item]:
        """A region folder or below: flat, unless the window can prune a part of it."""
        window = self.prune_window
        period = _listing_period(key.rstrip("/"))
        if window is not None:
            if period is not None and not window.may_overlap(*period):
                yield Skipped(self.url(key), SkipReason.OUTSIDE_WINDOW)
                return
            depth = _date_depth(key)
            if depth < 3 and not (period is not None and _fully_kept(window, *period)):
                listed = self.listing(key, "/")
                if isinstance(listed, Problem):
                    yield listed
                    return
                for k, size, fetched in self._children(key, listed):
                    if size >= 0:
                        yield from self.file(k, size)
                    elif fetched is not None:
                        yield from self.flat(k, fetched)
                    else:
                        yield from self.dated(k)
                return
        yield from self.flat(key)

    def flat(self, key: str, listed: Listing | None = None) -> Iterator[Item]:
        if listed is None:
            listed = self.listing(key, "")
        if isinstance(listed, Problem):
            yield listed
            return
        files, _ = listed
        base = len(_sort_key(key.rstrip("/"))) if key else 0
        for k, size in sorted(files, key=lambda f: _sort_key(f[0])):
            if not _hidden(k, base):
                yield from self.file(k, size)

    def file(self, key: str, size: int, explicit: bool = False) -> Iterator[Item]:
        """The same decisions as a local file (``sources._file_item``)."""
        url = self.url(key)
        if not layout_keeps(key, self.scope.accounts, self.scope.regions):
            return
        reason = skip_reason_for_name(key)
        if reason is not None:
            yield Skipped(url, reason)
        elif not explicit and not key.lower().endswith(LOG_SUFFIXES):
            yield Skipped(url, SkipReason.NOT_A_LOG_NAME)
        elif self.window is not None and self.prune and _outside(self.window, key):
            yield Skipped(url, SkipReason.OUTSIDE_WINDOW)
        else:
            yield S3Object(url, size, self.scope.config)


def _outside(window: TimeWindow, key: str) -> bool:
    period = path_period(key)
    return period is not None and not window.may_overlap(*period)


def _date_depth(key: str) -> int:
    """How many of YYYY/MM/DD a region-or-below folder already names (0 at the region)."""
    parts = key.rstrip("/").split("/")
    n = 0
    for part in reversed(parts):
        if _DIGITS.match(part) and n < 3:
            n += 1
        else:
            break
    return n


def _hidden(key: str, base: int) -> bool:
    # Like the local walk: hidden names below the listed folder are not archive data.
    return any(part.startswith(".") for part in key.rstrip("/").split("/")[base:])


def _merged(
    files: Sequence[tuple[str, int]], folders: Sequence[str]
) -> list[tuple[str, int, bool]]:
    entries = [(k, size, False) for k, size in files] + [(f, 0, True) for f in folders]
    entries.sort(key=lambda e: _sort_key(e[0].rstrip("/")))
    return entries


# --------------------------------------------------------------------------- reading


class S3Opened(Opened):
    """An S3 object as a stream of decompressed bytes (``raw_bytes`` counts bytes fetched)."""

    def __init__(self, source: Source) -> None:  # not Opened's: no local path to open
        self.path = source.path
        config = source.config if isinstance(source, S3Object) else S3Config()
        fs = filesystem(config)
        raw = fs.open(
            source.path, "rb", size=source.size, block_size=BLOCK_SIZE, cache_type="readahead"
        )
        if source.size is not None:
            # Known from the listing: without this, each ranged GET would first HEAD the object.
            raw.details = {"name": source.path[len(SCHEME) :], "size": source.size, "type": "file"}
        self._file = raw
        self._counter = _Counting(raw)
        try:
            buffered = io.BufferedReader(self._counter, _BUFFER)
            self.compressed = buffered.peek(2)[:2] == _GZIP_MAGIC
        except BaseException:
            self.close()
            raise
        self.stream = _gzip_reader(buffered) if self.compressed else buffered


def transient(exc: BaseException) -> bool:
    """Whether a read error may go away on a retry (network, throttling, server errors),
    decided by the exception's type: the lean GETs' statuses (:class:`S3StatusError`: 5xx,
    429, SlowDown) and ``http.client`` errors, the service errors s3fs translates into plain
    ``OSError`` s, the connection and payload errors of aiohttp and botocore, timeouts.
    Corrupt content, a missing object or a denied one is never retried."""
    if isinstance(exc, FormatError | SkipFile | EOFError | UnicodeDecodeError | ValueError):
        return False
    if _is_gzip_error(exc):  # gzip.BadGzipFile is an OSError
        return False
    if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
        return False
    if isinstance(exc, S3StatusError):  # the lean GETs' error statuses
        return exc.retryable
    return isinstance(exc, _transient_types())


@cache
def _transient_types() -> tuple[type[BaseException], ...]:
    import http.client

    types: list[type[BaseException]] = [
        OSError,
        TimeoutError,
        asyncio.TimeoutError,
        http.client.HTTPException,  # the lean GETs: IncompleteRead, BadStatusLine, ...
    ]
    try:
        import aiohttp
    except ImportError:  # pragma: no cover - comes with s3fs
        pass
    else:
        types += [aiohttp.ClientConnectionError, aiohttp.ClientPayloadError]
    try:
        from botocore import exceptions as boto
    except ImportError:  # pragma: no cover - comes with s3fs
        pass
    else:
        types += [boto.ConnectionError, boto.HTTPClientError, boto.IncompleteReadError]
    return tuple(types)


def retry_wait(attempt: int) -> float | None:
    """Seconds to wait before try ``attempt + 1`` after a transient error, or None when
    ``attempt`` was the last of :data:`READ_TRIES`."""
    return BACKOFF_SECONDS * 2 ** (attempt - 1) if attempt < READ_TRIES else None


def failure(exc: BaseException) -> str:
    """The stderr text of a read that failed for good (the caller names the object)."""
    if transient(exc):
        return f"S3 read failed after {READ_TRIES} tries: {_describe(exc)}"
    return describe_error(exc)


def open_object(source: Source) -> Opened:
    """A fetched object from its content (one read, no request), else a streamed one."""
    if isinstance(source, S3Object) and source.content is not None:
        return Opened(source.path, content=source.content)
    return S3Opened(source)


def fetched(source: Source) -> bool:
    """Whether the object's content is here already (the cheap path may read it)."""
    return isinstance(source, S3Object) and source.content is not None


# --------------------------------------------------------------------------- fetching ahead


FETCH_WHOLE_BYTES = 16 << 20
"""Objects up to this size (CloudTrail's are a few KB to a few MB) are fetched whole, many at a
time, ahead of the scan; a larger one is streamed by the worker that reads it."""


def fetch_ahead(items: Iterable[ItemOrRun]) -> Iterator[ItemOrRun]:
    """``items`` in order, the S3 objects among them fetched ahead, concurrently.

    Up to ``config.concurrency`` GETs are in flight at once (on s3fs's event loop, so they
    overlap with the listing, which this generator keeps pulling ahead, and with the CPU
    work of whoever consumes it); objects are fetched up to ``4 x concurrency`` items and
    ``config.max_bytes`` bytes (the sizes the listing gives) ahead of the one handed out.
    A fetched object comes out with its ``content``; one that fails for good (after the
    same retries of transient errors as a streamed read) comes out as a :class:`Problem`
    with the message a streamed read would have given.  Other items pass through."""
    pending: deque[tuple[ItemOrRun, Future[Item] | None, int]] = deque()
    reserved = 0
    config = S3Config()
    source = iter(items)
    held: ItemOrRun | None = None  # the next item, waiting for room in the byte budget
    try:
        while True:
            while len(pending) < 4 * config.concurrency:
                item = held if held is not None else next(source, None)
                held = None
                if item is None:
                    break
                if not _fetchable(item):
                    pending.append((item, None, 0))
                    continue
                assert isinstance(item, S3Object) and item.size is not None
                config = item.config
                if reserved and reserved + item.size > config.max_bytes:
                    held = item
                    break
                pending.append((item, _fetcher(config).submit(item), item.size))
                reserved += item.size
            if not pending:
                return
            item, future, size = pending.popleft()
            if future is not None:
                item = future.result()
                reserved -= size
            yield item
    finally:
        for _item, left, _size in pending:
            if left is not None:
                left.cancel()


def _fetchable(item: ItemOrRun) -> bool:
    return (
        isinstance(item, S3Object)
        and item.content is None
        and item.size is not None
        and item.size <= FETCH_WHOLE_BYTES
    )


class _Fetcher:
    """Whole-object GETs for one configuration, ``concurrency`` threads each with one GET in
    flight, on the lean client of :mod:`engine.replay.s3get` (about a fifth of the CPU per
    object of an aiobotocore GET: the fetching shares the cores with the scan)."""

    def __init__(self, config: S3Config) -> None:
        self.client = _getter(config)
        self.pool = ThreadPoolExecutor(config.concurrency, thread_name_prefix="s3-get")

    def submit(self, source: S3Object) -> Future[Item]:
        return self.pool.submit(self._get, source)

    def _get(self, source: S3Object) -> Item:
        bucket, key = split_url(source.path)
        try:
            return msgspec.structs.replace(source, content=retrying(self.client.get, bucket, key))
        except Exception as exc:
            return Problem(source.path, failure(exc))


def retrying(request: Callable[..., T], *args: Any) -> T:
    """``request(*args)``, tried again after a transient error (by :func:`transient`) with
    the waits of :func:`retry_wait`; the last error is raised."""
    attempt = 1
    while True:
        try:
            return request(*args)
        except Exception as exc:
            wait = retry_wait(attempt) if transient(exc) else None
            if wait is None:
                raise
            time.sleep(wait)
            attempt += 1


def getter(config: S3Config) -> Getter:
    """The lean S3 client for ``config``: botocore's credentials and endpoint rules, s3fs
    for what it does not take (:mod:`engine.replay.s3get`)."""
    from engine.replay.s3get import ObjectGetter

    try:
        import botocore.session
        from botocore import UNSIGNED
        from botocore.config import Config
    except ImportError as exc:
        raise MissingExtra(f"s3:// sources need botocore: {INSTALL_HINT}") from exc
    session = botocore.session.Session(profile=config.profile)
    signing: dict[str, Any] = {"signature_version": UNSIGNED} if config.anon else {}
    clients: dict[str | None, Any] = {}
    lock = threading.Lock()

    def client_for(region: str | None) -> Any:
        with lock:  # botocore sessions are not thread-safe
            if region not in clients:
                clients[region] = session.create_client(
                    "s3", region_name=region, endpoint_url=config.endpoint_url,
                    config=Config(**signing),
                )  # fmt: skip
            return clients[region]

    @cache
    def fallback() -> Getter:
        return S3fsGetter(filesystem(config))

    return ObjectGetter(client_for, fallback, anon=config.anon)


class S3fsGetter:
    """Objects and listings through s3fs (aiobotocore): what the lean client hands over (an
    HTTP proxy, a bucket that keeps redirecting)."""

    def __init__(self, fs: Any) -> None:
        self.fs = fs

    def get(self, bucket: str, key: str) -> bytes:
        # One GET (a larger max_concurrency would HEAD the object first).
        data = _sync(self.fs, self.fs._cat_file, f"{bucket}/{key}", max_concurrency=1)
        return bytes(data)

    def list_objects(self, bucket: str, prefix: str, delimiter: str) -> Listed:
        parent, _, stem = prefix.rpartition("/")
        path = f"{bucket}/{parent}" if parent else bucket
        entries = _sync(self.fs, self.fs._lsdir, path, delimiter=delimiter, prefix=stem)
        files: list[tuple[str, int]] = []
        folders: list[str] = []
        for entry in entries:
            key = str(entry["name"]).split("/", 1)[1] if "/" in entry["name"] else ""
            if entry.get("type") == "directory":
                folders.append(key + delimiter[-1:])  # s3fs drops the delimiter's last "/"
            else:
                files.append((key, int(entry.get("size") or 0)))
        return files, folders


_Made = TypeVar("_Made")


def _per_process(
    table: dict[tuple[int, S3Config], _Made], config: S3Config, make: Callable[[S3Config], _Made]
) -> _Made:
    """One ``make(config)`` per process and configuration: a forked worker must not reuse its
    parent's connections or event loop."""
    key = (os.getpid(), config)
    found = table.get(key)
    if found is None:
        found = table[key] = make(config)
    return found


_GETTERS: dict[tuple[int, S3Config], Getter] = {}
_FETCHERS: dict[tuple[int, S3Config], _Fetcher] = {}


def _getter(config: S3Config) -> Getter:
    """The lean client, shared by the listing and the fetching."""
    return _per_process(_GETTERS, config, getter)


def _fetcher(config: S3Config) -> _Fetcher:
    return _per_process(_FETCHERS, config, _Fetcher)


__all__ = [
    "INSTALL_HINT",
    "LayoutPlace",
    "MissingExtra",
    "S3Config",
    "S3Object",
    "S3Scope",
    "expand_s3",
    "failure",
    "fetch_ahead",
    "fetched",
    "filter_items",
    "is_s3",
    "layout_keeps",
    "layout_place",
    "open_object",
    "retry_wait",
    "transient",
]
