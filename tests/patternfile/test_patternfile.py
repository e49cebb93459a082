"""engine.patternfile: one reader of patterns files for scan, validate and lint."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.patternfile import FilePattern, PatternFileError, decode, parse, read


def test_lines_skip_blanks_and_comments_and_keep_where_each_was_written() -> None:
    text = "# CIS\n\n  { $.a = 1 }  \r\nERROR\n"
    got = parse("p.txt", text)
    assert [(p.text, p.where, p.offset) for p in got] == [
        ("{ $.a = 1 }", "p.txt:3", text.index("{")),
        ("ERROR", "p.txt:4", text.index("ERROR")),
    ]


def test_json_and_toml_entries_have_ids_and_lines() -> None:
    text = '[\n  {"id": "a", "pattern": "ERROR"},\n  "{ $.b = \\"x\\" }"\n]\n'
    a, b = parse("p.json", text)
    assert (a.id, a.text, a.where) == ("a", "ERROR", "p.json:2")
    assert (b.id, b.text, b.where, b.offset) == (None, '{ $.b = "x" }', "p.json:3", None)
    (t,) = parse("p.toml", 'patterns = [\n  {id = "t", pattern = "WARN"},\n]\n')
    assert (t.id, t.text, t.where) == ("t", "WARN", "p.toml:2")


def test_a_lone_surrogate_is_one_named_error() -> None:
    with pytest.raises(PatternFileError, match=r"p\.json:2: the pattern holds a lone surrogate"):
        parse("p.json", '[\n  "\\ud800 x"\n]')


def test_invalid_utf8_names_the_line_and_column() -> None:
    with pytest.raises(PatternFileError) as info:
        decode("p.txt", b"ERROR\nab\xed\xa0\x80\n")  # a UTF-8-encoded surrogate
    assert str(info.value).startswith("p.txt:2:3: not UTF-8 text (byte 0xed")
    assert (info.value.line, info.value.col) == (2, 3)


def test_read_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PatternFileError, match=r"nope\.txt: no such file"):
        read(str(tmp_path / "nope.txt"))


@pytest.mark.parametrize(
    ("name", "text", "why"),
    [
        ("p.json", "[1, 2]", "expected a list of {id, pattern}"),
        ("p.json", '[{"id": "x"}]', "entry 1 has no 'pattern' string"),
        ("p.json", "[", "p.json:1: invalid JSON"),
        ("p.toml", "patterns = [", "invalid TOML"),
    ],
)
def test_structured_errors(name: str, text: str, why: str) -> None:
    with pytest.raises(PatternFileError, match=why.replace("{", r"\{").replace("[", r"\[")):
        parse(name, text)


@given(st.binary(max_size=64), st.sampled_from(["p.txt", "p.json", "p.toml", "p.pattern"]))
def test_any_bytes_give_patterns_or_one_named_error(data: bytes, name: str) -> None:
    try:
        patterns = parse(name, decode(name, data))
    except PatternFileError as exc:
        assert str(exc).startswith(name)
        return
    for p in patterns:
        assert isinstance(p, FilePattern) and p.text.strip() == p.text and p.text
        p.text.encode("utf-8")  # never a lone surrogate
