"""Opening a source: a buffered binary stream of its decompressed bytes (gzip or not), read
in one call when it is small (:class:`Opened`), and the one-line description of any error
raised while reading one (:func:`describe_error`).

Decompression is bounded: a gzip member is inflated whole only up to ``base.STREAM_ABOVE``
bytes; anything else streams.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Callable
from enum import StrEnum
from typing import IO, Any, assert_never, cast

import orjson

from engine.replay.formats import base
from engine.replay.formats.base import FormatError, describe_json_error
from engine.replay.sources import describe_os_error


def _gzip_reader(fileobj: IO[bytes]) -> IO[bytes]:
    """A gunzip stream of every member of ``fileobj`` (:class:`_Members`), buffered."""
    return cast("IO[bytes]", io.BufferedReader(_Members(fileobj), _BUFFER))


_READ = 128 * 1024  # compressed bytes read at a time
_INFLATE = 256 * 1024  # the most content one inflating call makes


class _Members(io.RawIOBase):
    """The content of a gzip stream, member after member, as gzip(1) reads it: zero bytes
    after a member are padding, read past; other bytes there that do not start a member
    raise :class:`FormatError` naming them (trailing garbage), and a stream that ends inside
    a member raises ``EOFError`` (truncated).  Inflating is ISA-L's (several times faster
    than zlib's) when importable, a bounded amount at a time, so a gzip bomb streams in
    bounded memory like anything else."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._inflate = _inflater()
        self._d = self._inflate.decompressobj(31)
        self._out = memoryview(b"")
        self._started = False  # the current member has consumed input
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._out and not self._ended:
            self._out = memoryview(self._step())
        n = min(len(buffer), len(self._out))
        buffer[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def _step(self) -> bytes:
        """Inflate some more: the next bytes of content (maybe none)."""
        d = self._d
        if d.eof:
            return self._next_member(d.unused_data)
        data = d.unconsumed_tail or self._raw.read(_READ)
        if not data:
            if self._started:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            self._ended = True
            return b""
        self._started = True
        content: bytes = d.decompress(data, _INFLATE)
        return content

    def _next_member(self, rest: bytes) -> bytes:
        """After a member: the next one's first content, or the end."""
        rest = _after_member(rest, self._raw.read)
        if not rest:
            self._ended = True
            return b""
        self._d = self._inflate.decompressobj(31)
        content: bytes = self._d.decompress(rest, _INFLATE)
        return content


def _after_member(rest: bytes, read: Callable[[int], bytes]) -> bytes:
    """What follows a gzip member, as gzip(1) reads it: the bytes from the next member's
    header on, or ``b""`` at the end; zero bytes (padding) are read past.  ``rest`` is what
    inflating left, ``read`` gives more of the stream.  Anything else raises
    :class:`FormatError` naming how many bytes follow (counted, not held)."""
    rest = rest.lstrip(b"\0")
    while len(rest) < 2:
        more = read(_READ)
        if not more:
            if rest:
                raise FormatError(_garbage(len(rest)))
            return b""
        rest = (rest + more).lstrip(b"\0")
    if rest[:2] != _GZIP_MAGIC:
        size = len(rest)
        while more := read(_READ):
            size += len(more)
        raise FormatError(_garbage(size))
    return rest


def _nothing_more(size: int) -> bytes:
    return b""


def _garbage(size: int) -> str:
    return (
        f"{size:,} bytes after the end of the gzip data that are not a gzip member "
        "(trailing garbage)"
    )


def _inflater() -> Any:
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency, but optional in spirit
        return zlib
    return isal_zlib


_libdeflate: Any
try:  # libdeflate: whole-buffer gunzip, faster than ISA-L's (docs/performance.md)
    import deflate as _libdeflate
except ImportError:  # pragma: no cover - depends on the installed extras
    _libdeflate = None


def _inflate_whole(raw: bytes, limit: int) -> bytes | None:
    """The content of a gzip file of one member inflating to at most ``limit`` bytes, in
    one call; None for anything else (larger, several members, corrupt or truncated), which
    the streaming reader takes, in bounded memory.  The size in the gzip trailer is only a
    hint (it may lie, or wrap at 4 GiB, or be trailing bytes): inflating stops at ``limit``
    whatever it says.

    Zero bytes after the member are padding, read past as gzip(1) and Python's gzip do; any
    other bytes there, not a gzip member, raise :class:`FormatError` naming them (gzip(1):
    "trailing garbage")."""
    if len(raw) < 18:
        return None
    trailer = raw[-8:]  # the member's CRC and size, when the file ends with its member
    size = int.from_bytes(trailer[4:], "little")
    if _libdeflate is not None and 0 < size <= limit and raw.rfind(trailer, 10, len(raw) - 8) < 0:
        # libdeflate inflates the first member into a buffer of ``size`` bytes, checking that
        # member's own CRC and size, and stops at its end whatever follows.  So its answer
        # is taken only when the file ends with that very member: the CRC and size it
        # checked are the file's last eight bytes (~1% of the inflating), and those bytes
        # occur nowhere before (else a member with the same trailer ends earlier: a file
        # holding the same member twice).  Anything else -- several members, garbage or
        # padding after the member, a damaged member -- takes the exact reading below,
        # which names what follows instead of dropping it.  (The search costs what the
        # search for a second member's header did, which it replaces: 25 ms against 34 ms
        # on 50 MB of large files.)  A size of 0 (zero padding) goes there directly: the
        # deflate package answers an empty buffer for it.
        try:
            whole: bytes | None = _libdeflate.gzip_decompress(raw)
        except Exception:
            whole = None
        if (
            whole is not None
            and len(whole) == size
            and _libdeflate.crc32(whole) == int.from_bytes(trailer[:4], "little")
        ):
            return whole
    d = _inflater().decompressobj(31)
    try:
        data: bytes = d.decompress(raw, limit + 1)
    except Exception:
        return None
    if not d.eof or len(data) > limit:
        return None
    if _after_member(d.unused_data, _nothing_more):
        return None  # another member: the streaming reader reads them all
    return data


# Gzip files up to this size are read in one call (and inflated in one call when their
# content is at most STREAM_ABOVE bytes) rather than streamed.
WHOLE_GZIP_BYTES = 16 * 1024 * 1024


@functools.cache
def _gzip_errors() -> tuple[type[BaseException], ...]:
    """The exception types of a corrupt gzip stream: the standard library's, and ISA-L's
    (its ``IsalError`` is not a ``zlib.error``) when ISA-L is installed."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency
        return (gzip.BadGzipFile, zlib.error)
    return (gzip.BadGzipFile, zlib.error, cast("type[BaseException]", isal_zlib.error))


def _is_gzip_error(exc: BaseException) -> bool:
    return isinstance(exc, _gzip_errors())


HEAD_SIZE = 64 * 1024
_BUFFER = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


class _Counting(io.RawIOBase):
    """Counts the (compressed) bytes read from the underlying stream."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.count += n
        return n or 0


class _Prefixed(io.RawIOBase):
    """Serves ``head`` and then the rest of ``stream``: lets us look before we choose."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._stream.readinto(buffer)  # type: ignore[attr-defined,no-any-return]


class Opened:
    """An open source: ``stream`` yields decompressed bytes; ``raw_bytes`` counts bytes read
    from disk (or standard input) so far.  ``data`` holds the whole decompressed content when
    it was read in one call (then ``stream`` serves the same bytes).

    ``file`` is an already open binary file to read instead of opening ``path`` (a pipe
    opened without blocking); ``content`` the stored bytes of the source, already read in
    one call (an S3 object fetched whole)."""

    data: bytes | None = None

    def __init__(
        self, path: str, file: IO[bytes] | None = None, content: bytes | None = None
    ) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        if content is not None:
            self._counter = _Counting(io.BytesIO(content))
            if self._take_whole(content):
                return
        elif path == "-":
            self._counter = _Counting(sys.stdin.buffer)
        else:
            self._file = file if file is not None else open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
            self._counter = _Counting(self._file)
            if self._whole_file():
                return
        buffered = io.BufferedReader(self._counter, _BUFFER)
        self.compressed = buffered.peek(2)[:2] == _GZIP_MAGIC
        self.stream: IO[bytes] = _gzip_reader(buffered) if self.compressed else buffered

    def _whole_file(self) -> bool:
        """Read a small regular file in one call, and decompress it in one call if it is
        gzip: ~1.6x faster than streaming (a CloudTrail file is a few MB).  Anything
        unusual (a large or special file, a content over ``base.STREAM_ABOVE`` such as a gzip
        bomb, several gzip members, a corrupt or truncated gzip stream) keeps the streaming
        reader, which holds a bounded amount and salvages what it can."""
        assert self._file is not None
        fd = self._file.fileno()
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > WHOLE_GZIP_BYTES:
            return False
        return self._take_whole(os.pread(fd, info.st_size + 1, 0))

    def _take_whole(self, raw: bytes) -> bool:
        """Serve ``raw`` (the whole stored content), decompressed in one call; False (the
        caller streams) when it is a gzip stream that does not decompress whole."""
        self.compressed = raw[:2] == _GZIP_MAGIC
        data = whole_content(raw)
        if data is None:
            return False
        self._counter.count = len(raw)
        self.data = data
        self.stream = io.BytesIO(data)
        return True

    @property
    def raw_bytes(self) -> int:
        return self._counter.count

    def close(self) -> None:
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> Opened:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def whole_content(raw: bytes) -> bytes | None:
    """The content of a source stored as ``raw``: ``raw`` itself, or gunzipped in one call;
    None for a gzip stream that does not inflate whole (several members, corrupt, over
    ``base.STREAM_ABOVE``), which the streaming reader takes."""
    if raw[:2] == _GZIP_MAGIC:
        return _inflate_whole(raw, base.STREAM_ABOVE)
    return raw


def read_small_file(path: str) -> tuple[bytes, int] | None:
    """A small regular file read in one call (``open``, ``fstat``, ``pread``, ``close``: no
    file object) and decompressed in one call: its content and its size as stored.  None
    for anything else -- a special or large file, a gzip stream that does not inflate whole,
    a read error -- which :class:`Opened` then reads, and reports, in full."""
    try:
        # Non-blocking: a fifo (swapped in since the listing) must not wait for a writer
        # here; a regular file reads the same either way.
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > WHOLE_GZIP_BYTES:
            return None
        raw = os.pread(fd, info.st_size + 1, 0)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        data = whole_content(raw)
    except FormatError:
        return None  # Opened reads it again, and names the problem
    return None if data is None else (data, len(raw))


class ReadError(StrEnum):
    """What kind of error ended the reading of a file (:func:`classify`)."""

    FORMAT = "format"  # the content is not the format it claims or was forced to
    TRUNCATED_GZIP = "truncated-gzip"
    CORRUPT_GZIP = "corrupt-gzip"
    JSON = "json"  # invalid, truncated or not UTF-8 (describe_json_error says which)
    NOT_UTF8 = "not-utf8"
    OS = "os"  # the operating system's error (permission, missing, I/O)
    OTHER = "other"


def classify(exc: BaseException) -> ReadError:
    """The kind of an error raised while reading a file, by its type."""
    if isinstance(exc, FormatError):
        return ReadError.FORMAT
    if isinstance(exc, EOFError):
        return ReadError.TRUNCATED_GZIP
    if _is_gzip_error(exc):
        return ReadError.CORRUPT_GZIP
    if isinstance(exc, orjson.JSONDecodeError):
        return ReadError.JSON
    if isinstance(exc, UnicodeDecodeError):
        return ReadError.NOT_UTF8
    if isinstance(exc, OSError):
        return ReadError.OS
    return ReadError.OTHER


def describe_error(exc: BaseException) -> str:
    """A one-line description of an error raised while reading a file."""
    kind = classify(exc)
    match kind:
        case ReadError.FORMAT:
            return str(exc)
        case ReadError.TRUNCATED_GZIP:
            return "truncated gzip: the compressed data ends before its end marker"
        case ReadError.CORRUPT_GZIP:
            return f"corrupt gzip: {exc}"
        case ReadError.JSON:
            assert isinstance(exc, orjson.JSONDecodeError)
            return describe_json_error(exc)
        case ReadError.NOT_UTF8:
            return "not valid UTF-8"
        case ReadError.OS:
            assert isinstance(exc, OSError)
            return describe_os_error(exc)
        case ReadError.OTHER:
            return f"{type(exc).__name__}: {exc}"
        case _:
            assert_never(kind)
