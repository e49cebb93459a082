"""Standard output and standard error of one ``trailreplay`` run: closed pipes and full disks.

Every command writes through ``sys.stdout`` / ``sys.stderr`` (directly or through rich).
:func:`guard_std_streams` puts both over a :class:`_GuardedBuffer`, so a write that fails
anywhere raises :class:`OutputFailed` -- deliberately *not* an ``OSError``, which the commands
catch as an input or a file they cannot use (exit 1 or 2, which mean other things here).
:func:`run` turns it into one of two exit statuses a user can tell apart:

- :data:`EXIT_OUTPUT_CLOSED` (141 = 128 + SIGPIPE, what a shell shows for ``yes | head``): the
  reader went away (``| head -1``).  Quiet: the reader asked for no more.
- :data:`EXIT_OUTPUT_FAILED` (74, ``EX_IOERR`` of sysexits.h): the output could not be written
  (``> /dev/full``, a full disk, an I/O error).  One line on stderr names the stream and the error.

Invariants: after the first failure a stream's descriptor points at ``/dev/null``, so nothing later
(interpreter shutdown's flush included) prints "Exception ignored" or a traceback; a missing
standard stream (``>&-``) is replaced before anything can open a file on its descriptor.

The console script ends through :func:`leave`: once the streams are flushed and no other thread
runs, the exit handlers run and the process ends without tearing the interpreter down.
"""

from __future__ import annotations

import atexit
import errno
import io
import os
import shutil
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

EXIT_OUTPUT_CLOSED = 141
EXIT_OUTPUT_FAILED = 74

#: For the exit-status paragraph of each command's help and the README.
EXIT_STATUS_NOTE = (
    f"{EXIT_OUTPUT_CLOSED} when the reader of its output went away (| head), "
    f"{EXIT_OUTPUT_FAILED} when the output could not be written (a full disk)"
)

STREAM_NAMES = {1: "standard output", 2: "standard error"}


class OutputFailed(Exception):
    """A write to standard output or standard error failed (``errno``: why)."""

    def __init__(self, fd: int, code: int, reason: str) -> None:
        self.fd = fd
        self.errno = code
        self.reason = reason
        super().__init__(f"cannot write {self.stream}: {reason}")

    @property
    def stream(self) -> str:
        return STREAM_NAMES.get(self.fd, f"file descriptor {self.fd}")

    @property
    def closed(self) -> bool:
        """The reader went away (``| head``): not an error, the end of what was wanted."""
        return self.errno == errno.EPIPE

    @property
    def exit_status(self) -> int:
        return EXIT_OUTPUT_CLOSED if self.closed else EXIT_OUTPUT_FAILED


class _GuardedBuffer:
    """The binary buffer of a standard stream, whose write errors become :class:`OutputFailed`.

    A proxy *above* the C buffered writer, not a raw file below it: a Ctrl-C that lands just
    after a write then leaves the buffer's bookkeeping exact (below it, the bytes already
    written would be written again).  After a failure the descriptor is pointed at
    ``/dev/null``, so nothing later (interpreter shutdown's flush included) fails again."""

    def __init__(self, buffer: Any, fd: int, missing: bool = False) -> None:
        self._buffer = buffer
        self._fd = fd
        #: Raised by the first write: standard output was closed before we started (``>&-``).
        self._pending = OutputFailed(fd, errno.EBADF, os.strerror(errno.EBADF)) if missing else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._buffer, name)

    def _failed(self, exc: OSError) -> OutputFailed:
        code = exc.errno or errno.EIO
        _to_devnull(self._fd)
        return OutputFailed(self._fd, code, exc.strerror or os.strerror(code))

    def write(self, b: Any) -> int:
        if self._pending is not None:
            exc, self._pending = self._pending, None
            raise exc
        try:
            return int(self._buffer.write(b))
        except OSError as exc:
            raise self._failed(exc) from None

    def flush(self) -> None:
        try:
            self._buffer.flush()
        except OSError as exc:
            raise self._failed(exc) from None


def _to_devnull(fd: int) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    if devnull != fd:
        os.dup2(devnull, fd)
        os.close(devnull)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def guard_std_streams() -> None:
    """Put ``sys.stdout`` and ``sys.stderr`` over :class:`_GuardedBuffer` (idempotent).

    A closed descriptor is first pointed at ``/dev/null`` so that no file the command opens can
    take its number; closed stdout then fails as "Bad file descriptor", closed stderr is silent.
    Streams a test harness or an embedding program put in place are left alone."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        if isinstance(getattr(old, "buffer", None), _GuardedBuffer):
            continue
        missing = old is None or not _is_open(fd)
        if missing:
            if not _is_open(fd):
                _to_devnull(fd)
            buffer: Any = io.BufferedWriter(io.FileIO(fd, "wb", closefd=False))
        elif _fileno(old) == fd and getattr(old, "buffer", None) is not None:
            old.flush()
            buffer = old.buffer
        else:
            continue
        setattr(
            sys,
            name,
            io.TextIOWrapper(
                _GuardedBuffer(buffer, fd, missing and fd == 1),
                encoding=getattr(old, "encoding", None) or "utf-8",
                errors=getattr(old, "errors", None) or "strict",
                line_buffering=bool(getattr(old, "line_buffering", False)) or _isatty(buffer),
                write_through=bool(getattr(old, "write_through", False)),
            ),
        )


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def plain_text_asked() -> bool:
    """``NO_COLOR`` (https://no-color.org: any non-empty value) or ``TERM=dumb``: nothing but
    text, not even bold."""
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


def styled(stream: Any) -> bool:
    """May ``stream`` receive escape sequences (bold, a progress bar)?  Only a terminal, and
    not when :func:`plain_text_asked`."""
    return _isatty(stream) and not plain_text_asked()


def table_width(stream: Any) -> int | None:
    """The width a table must fit: the terminal's (``COLUMNS`` overrides it, as everywhere);
    for a pipe or a file, ``COLUMNS`` when set, else None (natural widths, for ``less -S``)."""
    if _isatty(stream):
        return max(1, shutil.get_terminal_size().columns)
    columns = os.environ.get("COLUMNS", "")
    return max(1, int(columns)) if columns.isdigit() else None


def report(exc: OutputFailed) -> int:
    """The one stderr line for a failed output (none for a closed pipe); the exit status."""
    if not exc.closed and exc.fd != 2:
        try:
            sys.stderr.write(f"trailreplay: {exc}\n")
            sys.stderr.flush()
        except OutputFailed:
            pass
    return exc.exit_status


def run(app: Callable[[], Any]) -> NoReturn:
    """Run the command-line application with guarded streams; exit with the status it returns
    (or raises as ``SystemExit``).

    Both streams are flushed here, not at interpreter shutdown, so that output buffered until
    the end (a pipe or a file is block-buffered) still fails into an exit status."""
    guard_std_streams()
    status: Any = 0
    try:
        try:
            status = app()
        except SystemExit as exc:
            status = exc.code
        sys.stdout.flush()
        sys.stderr.flush()
    except OutputFailed as exc:
        status = report(exc)
    leave(status)


def leave(status: Any) -> NoReturn:
    """End the process with ``status`` as ``sys.exit`` would.

    When ``status`` is a number and no other thread runs (no S3 fetcher, no Dask client, no
    progress bar left), the ``atexit`` handlers run (``weakref.finalize``, multiprocessing's,
    a coverage collector's) and the process ends there (``os._exit``), as mypy's does: the
    interpreter's teardown, which frees every module and object one by one and writes
    nothing, was 9% of the instructions of ``trailreplay scan samples/`` (437 M -> 399 M,
    docs/performance.md).  Every file the commands write is closed before they return;
    the standard streams were flushed by :func:`run` and are flushed again after the
    handlers.  Otherwise -- another thread may still have work to finish, or a profiler,
    tracer or debugger (``python -m cProfile``) writes its report once the program returns
    -- ``sys.exit``."""
    code = 0 if status is None else status
    watched = sys.gettrace() is not None or sys.getprofile() is not None
    if type(code) is not int or threading.active_count() != 1 or watched:
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OutputFailed, OSError, ValueError):
            pass  # reported already, or nothing more can be said: the status stands
    os._exit(code)
