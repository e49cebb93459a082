"""The input formats are a registry of objects (issue 15): each registered module defines its
format, the command line's ``--input-format`` choices are the registry's, the reader names
no format, a new format is one module and one registration, and each format decides what
it offers to a caller's fast scan."""

from __future__ import annotations

import importlib
import json
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from engine.replay.formats import Opened, Unit, read_units, registry
from engine.replay.formats.base import FastScanner, Head, InputFormat, nonblank_lines

from .helpers import ct_doc, org, write


def test_every_registration_defines_its_format() -> None:
    names = [r.name for r in registry.REGISTRY]
    assert len(set(names)) == len(names)
    for registration, fmt in zip(registry.REGISTRY, registry.formats(), strict=True):
        assert importlib.import_module(registration.module).FORMAT is fmt
        assert fmt.name == registration.name and isinstance(fmt, InputFormat)
    assert tuple(r.name for r in registry.REGISTRY if r.forcible) == registry.FORMATS
    assert "digest" not in registry.FORMATS  # only ever detected


def test_the_cli_choices_are_the_registry() -> None:
    from engine.cli.scan import INPUT_FORMAT_CHOICE

    assert INPUT_FORMAT_CHOICE.choices == ("auto", *registry.FORMATS)


def test_the_reader_names_no_format() -> None:
    """Every decision of the reader is a format object's: no format name in its code."""
    import engine.replay.formats.reader as reader

    text = Path(reader.__file__).read_text(encoding="utf-8")
    code = re.sub(r'"""(?:.|\n)*?"""|#[^\n]*', "", text)  # docstrings and comments may
    for registration in registry.REGISTRY:
        assert f'"{registration.name}"' not in code, registration.name


class _Tabbed(InputFormat):
    """A made-up line format: ``TAB<record as JSON>`` lines."""

    name = "tabbed"
    lines = True

    def sniff(self, head: Head) -> bool:
        return head.text.startswith(b"TAB{")

    def read(self, stream: IO[bytes], max_size: int) -> Iterator[Unit]:
        for index, (_lineno, line) in enumerate(nonblank_lines(stream, max_size)):
            yield Unit(index, json.loads(line[3:]))


@pytest.fixture
def tabbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[InputFormat]:
    module = types.ModuleType("tabbed_format")
    module.FORMAT = _Tabbed()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tabbed_format", module)
    monkeypatch.setattr(
        registry,
        "REGISTRY",
        (*registry.REGISTRY, registry.Registration("tabbed", "tabbed_format")),
    )
    monkeypatch.setattr(registry, "FORMATS", (*registry.FORMATS, "tabbed"))
    _clear_caches()
    yield module.FORMAT
    _clear_caches()


def _clear_caches() -> None:
    from engine.replay.formats import ndjson

    for cached in (registry.formats, registry.document_order, registry.skipped, ndjson._containers):
        cached.cache_clear()


def test_a_new_format_is_one_module_and_one_registration(
    tmp_path: Path, tabbed: InputFormat
) -> None:
    path = write(tmp_path / "x.tab.gz", b'TAB{"a": 1}\nTAB{"a": 2}\n')
    for forced in (None, "tabbed"):
        with Opened(str(path)) as opened:
            fmt, units = read_units(opened, forced)
            assert fmt == "tabbed"
            assert [u.record for u in units] == [{"a": 1}, {"a": 2}]


class _Recorder:
    """A fast scanner that records what it is offered and consumes nothing."""

    def __init__(self) -> None:
        self.offered: list[str] = []

    def records_document(self, data: bytes) -> bool:
        self.offered.append("records_document")
        return False

    def export_lines(self, stream: IO[bytes]) -> bool:
        self.offered.append("export_lines")
        return False


@pytest.mark.parametrize(
    ("content", "offered"),
    [
        (ct_doc([org()]), ["records_document"]),
        (b"2024-03-12T10:00:00.000Z hello\n", ["export_lines"]),
        (b'{"a": 1}\n{"a": 2}\n', []),
        (b'{"Events": []}', []),
    ],
)
def test_each_format_offers_its_content_to_its_fast_scan(
    tmp_path: Path, content: bytes, offered: list[str]
) -> None:
    path = write(tmp_path / "f", content)
    recorder = _Recorder()
    scanner: FastScanner = recorder
    with Opened(str(path)) as opened:
        _fmt, units = read_units(opened, None, scanner)
        list(units)
    assert recorder.offered == offered


def test_a_consumed_document_leaves_no_units(tmp_path: Path) -> None:
    class Consumer(_Recorder):
        def records_document(self, data: bytes) -> bool:
            return True

    path = write(tmp_path / "f.json", ct_doc([org()]))
    with Opened(str(path)) as opened:
        fmt, units = read_units(opened, None, Consumer())
        assert (fmt, list(units)) == ("cloudtrail", [])
