"""The HCL scanner: decoding, positions, and the Terraform fixtures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.lint.model import InputError, Source
from engine.lint.terraform import Lexer, extract

from .helpers import FIXTURES, at, by_code, one, run


def decode(hcl_literal: str) -> tuple[str | None, list[str]]:
    toks = Lexer(hcl_literal).run()
    assert toks[0].value is not None
    return toks[0].value.value, toks[0].value.unresolved


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"plain"', "plain"),
        (r'"a\"b"', 'a"b'),
        (r'"back\\slash"', "back\\slash"),
        (r'"tab\there\nnl\rcr"', "tab\there\nnl\rcr"),
        (r'"\u0022quoted\u0022"', '"quoted"'),
        (r'"\U0001F600"', "\U0001f600"),
        (r'"$${not.interp}"', "${not.interp}"),
        (r'"%%{not.directive}"', "%{not.directive}"),
        (r'"$.eventName = x"', "$.eventName = x"),
        (r'"100%"', "100%"),
        (r'"$"', "$"),
    ],
)
def test_quoted_string_escapes(literal: str, value: str) -> None:
    assert decode(literal) == (value, [])


@pytest.mark.parametrize(
    ("literal", "unresolved"),
    [
        (r'"{ $.a = ${var.x} }"', ["${var.x}"]),
        (r'"${jsonencode({a = "}"})} tail"', ['${jsonencode({a = "}"})}']),
        (r'"%{ if var.on }x%{ endif }"', ["%{ if var.on }", "%{ endif }"]),
    ],
)
def test_interpolations_are_unresolved(literal: str, unresolved: list[str]) -> None:
    assert decode(literal) == (None, unresolved)


def test_heredocs() -> None:
    src = (
        "a = <<EOT\n{ $.x = 1 }\n  $${y}\nEOT\n"
        "b = <<-EOT\n    { $.x = 1 &&\n      $.y = 2 }\n  EOT\n"
    )
    toks = [t for t in Lexer(src).run() if t.kind == "HEREDOC"]
    assert toks[0].value is not None and toks[1].value is not None
    assert toks[0].value.value == "{ $.x = 1 }\n  ${y}\n"
    assert toks[1].value.value == "{ $.x = 1 &&\n  $.y = 2 }\n"
    # every decoded character maps back to the same character in the file
    for t in toks:
        assert t.value is not None and t.value.value is not None
        for i, c in enumerate(t.value.value):
            if c != "\n":
                assert src[t.value.offset(i)] == c


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_encode_decode_round_trip(value: str) -> None:
    """Any string, written as an HCL literal, decodes back, each character located."""
    enc = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("${", "$${")
        .replace("%{", "%%{")
    )
    src = f'x = "{enc}"\n'
    (tok,) = [t for t in Lexer(src).run() if t.kind == "STRING"]
    assert tok.value is not None
    assert tok.value.value == value
    assert len(tok.value.offsets) == len(value) + 1
    assert all(5 <= o < len(src) for o in tok.value.offsets)
    assert tok.value.offsets == sorted(tok.value.offsets)


@pytest.mark.parametrize(
    ("src", "why"),
    [
        ('x = "open\n', "unterminated string"),
        ('x = "bad \\q escape"', "invalid escape"),
        ("x = <<EOT\nno end\n", "unterminated heredoc"),
        ("/* never closed", "unterminated /*"),
        ('resource "a" "b" {\n  x = 1\n', "missing '}'"),
    ],
)
def test_unreadable_terraform(src: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        extract(Source("x.tf", src))


def test_comments_do_not_confuse_the_scanner() -> None:
    src = (
        '# resource "aws_cloudwatch_log_metric_filter" "no" { pattern = "{" }\n'
        '// "unbalanced\n'
        '/* } { " */\n'
        'resource "aws_cloudwatch_log_metric_filter" "yes" { pattern = "ERROR" }\n'
    )
    (f,) = extract(Source("x.tf", src))
    assert f.resource == "aws_cloudwatch_log_metric_filter.yes"
    assert f.pattern is not None and f.pattern.value == "ERROR"


def test_clean_fixture() -> None:
    r = run(FIXTURES / "terraform" / "clean.tf")
    assert not r.unreadable
    assert [f for f in r.findings if f.level == "error"] == []
    assert len(r.filters) == 6
    kinds = sorted(f.kind for f in r.filters)
    assert kinds == ["metric"] * 5 + ["subscription"]
    # pattern = local.cloudtrail_changes is read from the locals block
    resolved = one(r, "resolved")
    assert "local.cloudtrail_changes" in resolved.message
    assert resolved.line == 6 and at(resolved, 2) == "{ "
    ct = next(f for f in r.filters if f.resource.endswith("cloudtrail_changes"))
    assert ct.transformations[0].namespace is not None
    assert ct.transformations[0].namespace.value == "CISBenchmark"
    root = next(f for f in r.filters if f.resource.endswith("root_usage"))
    # <<-EOT strips the common indentation; the provider trims the pattern
    assert root.pattern is not None and root.pattern.value is not None
    assert root.pattern.value.startswith("{\n  $.userIdentity.type")
    assert root.pattern.value.endswith("}")
    a1 = one(r, "A1")
    assert a1.line == 46 and at(a1, 11) == "$.eventType"


def test_broken_fixture_findings_point_at_the_problem() -> None:
    r = run(FIXTURES / "terraform" / "broken.tf")
    res = "aws_cloudwatch_log_metric_filter."
    syntax = one(r, "syntax")
    assert syntax.line == 15 and at(syntax) == ")"  # after \u0022 and \\ escapes
    assert at(one(r, "default-dims"), 1) == "0"
    dims = one(r, "dimensions")
    assert dims.resource == res + "dimensions_on_terms" and at(dims, 7) == "$.level"
    assert one(r, "dimensions-max").resource == res + "too_many_dimensions"
    value = one(r, "metric-value")
    assert value.resource == res + "value_not_in_pattern" and at(value, 9) == "$.latency"
    unresolved = one(r, "unresolved")
    assert "${var.event_source}" in unresolved.message and unresolved.level == "info"
    quota = one(r, "regex-quota")
    assert quota.line == 86 and at(quota, 3) == "%z%"  # inside the <<EOF heredoc
    assert one(r, "metric-zero").level == "warning"
    assert len(by_code(r, "syntax")) == 1
