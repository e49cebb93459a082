"""The table fits the terminal (issue 14, "Output people read"): no line wider than the width, no
token broken, columns give way before rows wrap, blocks when too narrow, NO_COLOR means no escape,
rows in time order within a file, JSON lines when piped."""

from __future__ import annotations

import fcntl
import functools
import os
import pty
import re
import select
import struct
import subprocess
import termios
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from engine.replay.table import ELLIPSIS, Column, elide, plan, render_header, render_rows

from .helpers import REPO, RunCli, cli_command, ct_doc, org, write

SAMPLES = REPO / "samples"
WIDTHS = (60, 80, 120)


def _tokens(text: str) -> set[str]:
    return set(text.split())


def _check(lines: list[str], width: int, allowed: set[str]) -> None:
    for line in lines:
        assert cell_len(line) <= width, line
        for token in line.split():
            assert token in allowed or ELLIPSIS in token, (token, line)


TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@functools.cache
def _scan_table(*args: str, columns: int | None) -> str:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    proc = subprocess.run(
        [*cli_command(), "scan", *args, "--format", "table", "-q", "-j", "1"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.decode()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("patterns", [(), ("-c", "all"), ("-e", "{ $.eventName = * }")])
def test_samples_table_fits_without_breaking_a_token(width: int, patterns: tuple[str, ...]) -> None:
    wide = _scan_table(str(SAMPLES), *patterns, columns=None)  # a pipe: natural widths
    allowed = _tokens(wide)
    text = _scan_table(str(SAMPLES), *patterns, columns=width)
    assert text.strip()
    _check(text.splitlines(), width, allowed)
    # every record is there: one row each, or one block each
    assert TIME.findall(text) == TIME.findall(wide)


def test_columns_give_way_before_blocks() -> None:
    text = _scan_table(str(SAMPLES), columns=80)
    header = text.splitlines()[0].split()
    assert header[:2] == ["time", "event"] and "principal" in header  # a table, not blocks
    assert "IP" not in header and "account" not in header
    wide = _scan_table(str(SAMPLES), columns=None).splitlines()[0].split()
    assert wide == ["time", "account", "region", "source", "event", "principal", "IP", "error"]


def test_too_narrow_gives_one_block_per_record() -> None:
    text = _scan_table(str(SAMPLES), "-c", "all", columns=60)
    blocks = text.strip().split("\n\n")
    assert len(blocks) > 5
    for block in blocks:
        first, *fields = block.splitlines()
        assert first[:2] == "20"  # the time, then the event
        assert all(f.startswith("  ") for f in fields)


def test_rows_in_time_order_within_a_file(tmp_path: Path, run_cli: RunCli) -> None:
    times = ["2024-03-12T10:05:00Z", "2024-03-12T10:01:00Z", "2024-03-12T10:03:00Z"]
    write(tmp_path / "a.json", ct_doc([org(time=t) for t in times]))
    write(tmp_path / "b.json", ct_doc([org(time="2024-03-12T09:00:00Z")]))
    r = run_cli(tmp_path, "--format", "table")
    shown = [line.split()[0] for line in r.stdout.splitlines()[1:]]
    assert shown == [*sorted(times), "2024-03-12T09:00:00Z"]  # sorted per file, files in order


def test_piped_default_is_json_lines(tmp_path: Path, run_cli: RunCli) -> None:
    write(tmp_path / "a.json", ct_doc([org()]))
    r = run_cli(tmp_path)
    assert r.lines() == [org()]


# --------------------------------------------------------------------------- on a terminal


def _run_in_terminal(args: list[str], columns: int, **env: str) -> bytes:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    environ.update(env, TERM="xterm-256color")
    proc = subprocess.Popen(
        [*cli_command(), *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=environ
    )
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(master)
    return out


@pytest.mark.parametrize("width", WIDTHS)
def test_terminal_default_is_a_table_that_fits(width: int) -> None:
    out = _run_in_terminal(["scan", str(SAMPLES), "-j", "1", "-q"], width, NO_COLOR="1")
    text = out.decode().replace("\r\n", "\n")
    assert "\x1b" not in text  # NO_COLOR: no escape at all (no bold, no progress bar)
    lines = text.splitlines()
    assert lines and (lines[0].split()[0] == "time" or TIME.match(lines[0]))  # table or blocks
    assert all(cell_len(line) <= width for line in lines)


def test_terminal_without_no_color_may_use_bold() -> None:
    out = _run_in_terminal(["scan", str(SAMPLES), "-j", "1", "-q"], 120)
    assert b"\x1b[1mtime" in out


# --------------------------------------------------------------------------- the layout itself

_word = st.text(alphabet=st.sampled_from("abcXYZ019/-_:.漢字é"), min_size=0, max_size=40).filter(
    lambda s: s == "" or s.strip() == s
)
_cell = st.lists(_word.filter(bool), min_size=0, max_size=3).map(" ".join)
COLUMNS = (
    Column("time", title=True),
    Column("source"),
    Column("event", title=True),
    Column("principal"),
    Column("IP"),
)
GIVE = (("IP", None), ("principal", 12), ("event", 10), ("source", None))


@given(
    st.lists(st.tuples(_cell, _cell, _cell, _cell, _cell), min_size=1, max_size=8),
    st.sampled_from([*WIDTHS, 30, 200]),
)
def test_layout_never_exceeds_the_width_nor_breaks_a_token(
    rows: list[tuple[str, ...]], width: int
) -> None:
    layout = plan(COLUMNS, rows, width, GIVE)
    lines = render_header(COLUMNS, layout, bold=False) + render_rows(COLUMNS, rows, layout)
    allowed = {t for r in rows for c in r for t in c.split()} | {c.name for c in COLUMNS}
    _check(lines, width, allowed)


@given(st.text(max_size=60), st.integers(min_value=0, max_value=70))
def test_elide_fits(text: str, width: int) -> None:
    shown = elide(text, width)
    assert cell_len(shown) <= max(width, 0)
    if cell_len(text) <= width:
        assert shown == text


def test_elide_keeps_the_ends_of_a_path() -> None:
    arn = "assumed-role/OrganizationAccountAccessRole/alice"
    assert elide(arn, 20) == "assumed-role/…/alice"
    assert elide(arn, 10) == "…/alice"
    assert elide("DescribeOrganization", 12) == "Des…nization"
