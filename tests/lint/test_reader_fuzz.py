"""Every lint reader on damaged inputs: findings or one named error, never an exception
(issue 16: truncation, byte flips, nesting).  The seeds are the fixture files."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.lint.run import LintResult, lint_file

from .helpers import FIXTURES

SEEDS = sorted(
    p for p in FIXTURES.rglob("*") if p.suffix in (".tf", ".yaml", ".json", ".pattern", ".txt")
)
NESTING = [b"{", b"[", b"${", b"(", b"&a ", b"*a", b"<<EOF\n", b'"', b"\\", b"\xed\xa0\x80"]


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["truncate", "flip", "insert", "repeat"]))
        if how == "truncate":
            del data[at:]
        elif how == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            data[at:at] = draw(st.sampled_from(NESTING)) * draw(st.integers(1, 300))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 40))] * draw(st.integers(2, 50))
    return seed.suffix, bytes(data)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(damaged())
def test_a_damaged_file_gives_findings_never_an_exception(
    tmp_path: Path, case: tuple[str, bytes]
) -> None:
    suffix, data = case
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    result = LintResult()
    lint_file(str(path), result)
    unreadable = [f for f in result.findings if f.code == "unreadable"]
    assert len(unreadable) <= 1
    assert result.unreadable == bool(unreadable)
    for f in result.findings:
        assert f.path == str(path) and f.line >= 1 and f.col >= 1
