"""Closed pipes and full disks, for every command (issue 14 "Broken pipe", issue 16 item 16).

The reader is made to go away *before* the command writes (a pipe whose read end is closed), so
every write gets EPIPE whatever the output's size: the result does not depend on timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli._io import EXIT_OUTPUT_CLOSED, EXIT_OUTPUT_FAILED

REPO = Path(__file__).resolve().parents[2]
SAMPLES = str(REPO / "samples")
SCRIPT = Path(sys.executable).with_name("trailreplay")
CMD = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "engine.cli.main"]
ALL = "{ $.eventName = * }"

COMMANDS = {
    "scan": ["scan", SAMPLES, "-e", ALL, "-j", "1"],
    "scan-table": ["scan", SAMPLES, "-e", ALL, "-j", "1", "--format", "table"],
    "scan-envelope": ["scan", SAMPLES, "-e", ALL, "-j", "1", "--format", "envelope"],
    "patterns-check": ["patterns", "check"],
    "patterns-list": ["patterns", "list"],
    "explain": ["explain", "{ $.eventSource = s3.amazonaws.com && $.eventName = Put* }"],
    "validate": ["validate", "{ $.a = 1 }"],
    "alarm": ["alarm", SAMPLES, "--control", "root-usage"],
    "metrics": ["metrics", SAMPLES, "--control", "root-usage", "--format", "json"],
}


def _closed_pipe() -> int:
    """The write end of a pipe nobody reads any more."""
    r, w = os.pipe()
    os.close(r)
    return w


def _run(args: list[str], **streams: int) -> subprocess.CompletedProcess[bytes]:
    fds = list(streams.values())
    try:
        return subprocess.run(
            [*CMD, *args],
            stdin=subprocess.DEVNULL,
            stdout=streams.get("stdout", subprocess.PIPE),
            stderr=streams.get("stderr", subprocess.PIPE),
            timeout=120,
            check=False,
        )
    finally:
        for fd in fds:
            os.close(fd)


def _clean(err: bytes | None) -> None:
    text = (err or b"").decode("utf-8", "replace")
    assert "Traceback" not in text and "Exception ignored" not in text, text


@pytest.mark.parametrize("name", list(COMMANDS))
def test_stdout_closed_exits_141_quietly(name: str) -> None:
    r = _run(COMMANDS[name], stdout=_closed_pipe())
    assert r.returncode == EXIT_OUTPUT_CLOSED, r.stderr
    _clean(r.stderr)
    assert b"cannot write" not in r.stderr  # the reader asked for no more: not an error
    if name.startswith("scan"):
        assert b"interrupted: standard output was closed" in r.stderr


@pytest.mark.parametrize("name", ["scan", "scan-envelope", "patterns-check", "metrics"])
def test_stderr_closed_keeps_stdout_whole(name: str) -> None:
    complete = _run(COMMANDS[name])
    r = _run(COMMANDS[name], stderr=_closed_pipe())
    assert r.returncode == EXIT_OUTPUT_CLOSED
    if name == "scan-envelope":  # everything but the timing in the trailing summary
        assert r.stdout.splitlines()[:-1] == complete.stdout.splitlines()[:-1]
    else:
        assert r.stdout == complete.stdout


def test_both_streams_closed() -> None:
    w = _closed_pipe()
    r = _run(COMMANDS["scan"], stdout=w, stderr=os.dup(w))
    assert r.returncode == EXIT_OUTPUT_CLOSED


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("name", ["scan", "scan-table", "patterns-list", "explain", "alarm"])
def test_full_disk_is_one_line_and_exit_74(name: str) -> None:
    full = os.open("/dev/full", os.O_WRONLY)
    r = _run(COMMANDS[name], stdout=full)
    assert r.returncode == EXIT_OUTPUT_FAILED, r.stderr
    _clean(r.stderr)
    lines = [x for x in r.stderr.decode().splitlines() if x.startswith("trailreplay:")]
    assert lines == ["trailreplay: cannot write standard output: No space left on device"]


def test_summary_after_a_closed_pipe_is_marked_interrupted(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    r = _run([*COMMANDS["scan"], "--summary-json", str(summary)], stdout=_closed_pipe())
    assert r.returncode == EXIT_OUTPUT_CLOSED
    doc = json.loads(summary.read_text())
    assert doc["interrupted"] is True
    assert doc["output_error"] == "standard output was closed"


def test_missing_stdout_is_an_error_not_silence() -> None:
    r = subprocess.run(
        ["bash", "-c", 'exec "$@" >&-', "_", *CMD, *COMMANDS["scan"]],
        capture_output=False,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )
    assert r.returncode == EXIT_OUTPUT_FAILED
    assert b"cannot write standard output: Bad file descriptor" in r.stderr
    _clean(r.stderr)


def test_no_color_help_has_no_escape() -> None:
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env.update(NO_COLOR="1", TERM="xterm-256color")
    proc = subprocess.Popen(
        [*CMD, "scan", "--help"], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(master)
    assert b"Usage" in out and b"\x1b" not in out


# The end of a run (engine.cli._io.leave): with no other thread left, the exit handlers run and
# the process ends without the interpreter's teardown; with one, sys.exit as usual.


def _script(body: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys, atexit, threading, time\n"
        f"{body}\n"
        "from engine.cli.main import main\n"
        f"sys.argv = ['trailreplay', *{args!r}]\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["scan", SAMPLES, "-j", "1", "-q"], 0),
        (["scan", SAMPLES, "-j", "1", "-q", "-e", "{ $.eventName = NoSuchEvent }"], 1),
        (["scan", str(REPO / "no-such-dir"), "-j", "1", "-q"], 2),
        (["validate", "{ $.a = "], 1),
        (["scan", "--no-such-option"], 2),
        (["--help"], 0),
    ],
)
def test_exit_runs_the_exit_handlers_and_keeps_the_status(args: list[str], status: int) -> None:
    r = _script("atexit.register(lambda: print('HANDLER RAN', file=sys.stderr))", args)
    assert r.returncode == status, r.stderr
    assert r.stderr.rstrip().endswith("HANDLER RAN"), r.stderr
    _clean(r.stderr.encode())


def test_exit_waits_for_a_thread_still_working(tmp_path: Path) -> None:
    done = tmp_path / "done"
    r = _script(
        "threading.Thread(target=lambda: (time.sleep(0.3), "
        f"open({str(done)!r}, 'w').write('ok'))).start()",
        ["validate", "{ $.a = 1 }"],
    )
    assert r.returncode == 0, r.stderr
    assert done.read_text() == "ok"  # the normal exit joined the thread


def test_a_profiler_still_gets_its_report(tmp_path: Path) -> None:
    out = tmp_path / "profile"
    r = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "engine.cli.main", "--help"],
        capture_output=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0  # written after the program returned: no early exit
