"""Hypothesis strategies for filter patterns and the events they decide on.

Public, for your own property tests::

    from hypothesis import given
    from engine.strategies import patterns, events_for, cloudtrail_records, json_asts

    @given(patterns())                      # valid filter patterns of every kind
    def test_never_crashes(text): ...

    @given(st.data())
    def test_boundaries(data):
        event = data.draw(events_for("{ $.a > 10 }"))   # dict for JSON patterns, str otherwise

- :func:`patterns` draws pattern *text* (every kind: match-all, terms, regex,
  JSON, space-delimited), each accepted by :func:`engine.parse`.
- :func:`json_asts` draws JSON-pattern ASTs (:class:`engine.pattern.ast.JsonPattern`)
  over a small vocabulary, so two draws often share fields and literals.
- :func:`events_for` draws events concentrated on a pattern's decision boundaries:
  each literal, its near misses (one character off, case flipped), wildcard edges,
  numbers at and around thresholds, missing / null / boolean / object / array
  fields (bare, or set inside a realistic CloudTrail record), field counts around
  a space-delimited pattern's.
- :func:`cloudtrail_records` draws realistic CloudTrail records (decoded dicts).
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

import engine
from engine.pattern import ast
from engine.prove._pools import (
    DELETE,
    build_record,
    dumps,
    json_plan,
    message_tokens,
    render_field,
    space_shapes,
)

__all__ = ["cloudtrail_records", "events_for", "json_asts", "patterns"]

# --------------------------------------------------------------------------- vocabulary

_KEYS = ["eventName", "eventSource", "errorCode", "a", "b", "x-y", "c.d"]
_INNER_KEYS = ["type", "b", "c", "k 1"]
_STRINGS = [
    "CreateTrail",
    "UpdateTrail",
    "Update*",
    "*Trail",
    "*",
    "x",
    "true",
    "404",
    "4*",
    "a b",
    "s3.amazonaws.com",
    "",
    "1.5",
    "x*y",
    'q"t',
    "b\\s",
]
_NUMBER_TEXTS = [
    "0",
    "1",
    "1.5",
    "-2",
    "404",
    "1e3",
    "10",
    "+7",
    ".5",
    "2.",
    "10e-3",
    "9007199254740993",
]


def _number(text: str) -> tuple[str, int | float]:
    from engine.pattern.aws import parse_number

    return text, parse_number(text)


_NUMBERS = [_number(t) for t in _NUMBER_TEXTS]
_REGEXES = ["^Upd", "Trail$", "[0-9]+", "Create|Delete", "\\d{3}", "^a.c$"]
_TERMS = ["ERROR", "WARN", "DEBUG", "Access Denied", "404", "a", "Trail"]


@functools.cache
def _selectors(allow_wildcard: bool) -> st.SearchStrategy[ast.Selector]:
    first = st.sampled_from(_KEYS).map(ast.Key)
    more: st.SearchStrategy[ast.Step] = st.one_of(
        st.sampled_from(_INNER_KEYS).map(ast.Key),
        st.sampled_from([0, 1]).map(ast.Index),
    )
    concrete = st.tuples(first, st.lists(more, max_size=2)).map(
        lambda fm: ast.Selector((fm[0], *fm[1]))
    )
    if not allow_wildcard:
        return concrete

    def add_wildcard(args: tuple[ast.Selector, int, bool]) -> ast.Selector:
        sel, at, index = args
        steps = list(sel.steps)
        at = min(at, len(steps))
        steps.insert(max(1, at), ast.AnyIndex() if index else ast.AnyKey())
        return ast.Selector(tuple(steps))

    wild = st.tuples(concrete, st.integers(0, 3), st.booleans()).map(add_wildcard)
    return st.one_of(concrete, concrete, concrete, wild)


@functools.cache
def _values() -> st.SearchStrategy[tuple[ast.Value, bool]]:
    """A value and whether relational operators may use it."""
    strings = st.sampled_from(_STRINGS).map(lambda s: (ast.String(s, quoted=True), False))
    numbers = st.sampled_from(_NUMBERS).map(lambda tv: (ast.Number(tv[0], tv[1]), True))
    regexes = st.sampled_from(_REGEXES).map(lambda s: (ast.Regex(s), False))
    return st.one_of(strings, strings, numbers, numbers, regexes)


_SIXTH = st.integers(0, 5).map(lambda i: i == 0)
_CHECKS: st.SearchStrategy[ast.Check] = st.sampled_from(["NULL", "TRUE", "FALSE", "NOT EXISTS"])
_ALL_OPS: st.SearchStrategy[ast.CompareOp] = st.sampled_from(ast.COMPARE_OPS)
_EQ_OPS: st.SearchStrategy[ast.CompareOp] = st.sampled_from(["=", "!="])


@st.composite
def _json_atom(draw: st.DrawFn, wildcards: bool) -> ast.Comparison | ast.IsCheck:
    sel = draw(_selectors(wildcards))
    if draw(_SIXTH):
        return ast.IsCheck(sel, draw(_CHECKS))
    value, relational = draw(_values())
    return ast.Comparison(sel, draw(_ALL_OPS if relational else _EQ_OPS), value)


def _valid_quotas(p: ast.JsonPattern) -> bool:
    nodes = ast.walk(p)
    wild = sum(1 for n in nodes if isinstance(n, ast.Selector) and n.wildcards)
    regexes = sum(1 for n in nodes if isinstance(n, ast.Regex))
    return wild <= 3 and regexes <= 2


def json_asts(
    max_leaves: int = 6, wildcards: bool = True, regexes: bool = True
) -> st.SearchStrategy[ast.JsonPattern]:
    """JSON-pattern ASTs (``engine.format`` turns them into text)."""
    atom = _json_atom(wildcards)
    if not regexes:
        atom = atom.filter(
            lambda a: not (isinstance(a, ast.Comparison) and isinstance(a.value, ast.Regex))
        )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        items = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(items.map(ast.And), items.map(ast.Or))

    expr = st.recursive(atom, extend, max_leaves=max_leaves)
    return expr.map(ast.JsonPattern).filter(_valid_quotas)


def _term_patterns() -> st.SearchStrategy[ast.TermPattern]:
    term = st.builds(
        lambda text, op: ast.Term(text, quoted=not text.isalnum(), op=op),
        st.sampled_from(_TERMS),
        st.sampled_from(["", "", "?", "-"]),
    )
    return st.lists(term, min_size=1, max_size=4).map(lambda ts: ast.TermPattern(tuple(ts)))


@st.composite
def _space_patterns(draw: st.DrawFn) -> ast.SpacePattern:
    n = draw(st.integers(1, 5))
    entries: list[ast.Entry] = []
    for i in range(n):
        name = f"w{i + 1}"
        cond: ast.FieldComparison | None = None
        if draw(st.booleans()):
            value, relational = draw(_values())
            ops = list(ast.COMPARE_OPS) if relational else ["=", "!="]
            cond = ast.FieldComparison(name, draw(st.sampled_from(ops)), value)
        entries.append(ast.Field(name, cond))
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), ast.Ellipsis_())
    return ast.SpacePattern(tuple(entries))


def _valid(text: str) -> bool:
    try:
        engine.parse(text)
    except engine.PatternError:
        return False
    return True


def _regex_count_ok(p: ast.SpacePattern) -> bool:
    return sum(1 for n in ast.walk(p) if isinstance(n, ast.Regex)) <= 2


def patterns(
    kinds: tuple[str, ...] = ("all", "terms", "regex", "json", "space"),
) -> st.SearchStrategy[str]:
    """Valid filter-pattern text of the given kinds."""
    options: list[st.SearchStrategy[str]] = []
    if "all" in kinds:
        options.append(st.sampled_from(["", " "]))
    if "terms" in kinds:
        options.append(_term_patterns().map(engine.format))
    if "regex" in kinds:
        options.append(st.sampled_from(_REGEXES).map(lambda s: f"%{s}%"))
    if "json" in kinds:
        options.append(json_asts().map(engine.format))
    if "space" in kinds:
        options.append(_space_patterns().filter(_regex_count_ok).map(engine.format))
    return st.one_of(*options).filter(_valid)


# --------------------------------------------------------------------------- events

_MISSING = object()


def events_for(pattern: str | engine.CompiledPattern) -> st.SearchStrategy[Any]:
    """Events on the pattern's decision boundaries: dicts (decoded records) for
    a JSON pattern, message strings for every other kind."""
    compiled = pattern if isinstance(pattern, engine.CompiledPattern) else engine.compile(pattern)
    tree = compiled.ast
    if isinstance(tree, ast.JsonPattern):
        plan = json_plan([tree])
        if not plan.paths:
            return st.just({})
        per_path = [
            st.one_of(
                st.just(_MISSING),
                st.sampled_from(plan.pools[path]),
                st.sampled_from(plan.shared),
            )
            for path in plan.paths
        ]

        def build(values: tuple[object, ...]) -> dict[str, Any]:
            assign = [(p, v) for p, v in zip(plan.paths, values, strict=True) if v is not _MISSING]
            return build_record(assign)

        def on_record(args: tuple[dict[str, Any], tuple[object, ...]]) -> dict[str, Any]:
            base, values = args
            assign = [
                (p, DELETE if v is _MISSING else v) for p, v in zip(plan.paths, values, strict=True)
            ]
            return build_record(assign, base)

        bare = st.tuples(*per_path).map(build)
        # Also the same boundary values inside a realistic CloudTrail record.
        realistic = st.tuples(cloudtrail_records(), st.tuples(*per_path)).map(on_record)
        return st.one_of(bare, bare, realistic)
    tokens = message_tokens([tree])
    words = st.lists(st.sampled_from(tokens), max_size=4)
    joined = st.tuples(words, st.sampled_from([" ", "", ": ", "  "])).map(
        lambda ws: ws[1].join(ws[0])
    )
    options: list[st.SearchStrategy[str]] = [joined, st.text(max_size=8)]
    if isinstance(tree, ast.SpacePattern):
        options.insert(0, _space_events(tree, tokens))
    return st.one_of(*options)


def _space_events(pattern: ast.SpacePattern, tokens: list[str]) -> st.SearchStrategy[str]:
    fields = space_shapes(pattern)[0]
    per_field = [st.one_of(st.sampled_from(pool), st.sampled_from(tokens)) for pool in fields]
    extra = st.lists(st.sampled_from(["x", "1", *tokens]), max_size=3)

    @st.composite
    def draw_message(draw: st.DrawFn) -> str:
        words = [draw(s) for s in per_field]
        cut = draw(st.integers(0, 2))
        if cut and draw(st.booleans()):
            words = words[: max(0, len(words) - cut)]
        else:
            words += draw(extra)
        return " ".join(render_field(w) for w in words)

    return draw_message()


# --------------------------------------------------------------------------- CloudTrail

_SOURCES_NAMES = {
    "organizations.amazonaws.com": [
        "CreateAccount",
        "AttachPolicy",
        "CreatePolicy",
        "LeaveOrganization",
        "CloseAccount",
    ],
    "iam.amazonaws.com": ["CreatePolicy", "DeletePolicy", "PutUserPolicy", "CreateAccessKey"],
    "cloudtrail.amazonaws.com": ["CreateTrail", "UpdateTrail", "StopLogging", "DescribeTrails"],
    "signin.amazonaws.com": ["ConsoleLogin"],
    "kms.amazonaws.com": ["DisableKey", "ScheduleKeyDeletion", "Decrypt"],
    "s3.amazonaws.com": ["PutBucketPolicy", "GetObject", "HeadBucket"],
    "ec2.amazonaws.com": ["AuthorizeSecurityGroupIngress", "CreateVpc", "RunInstances"],
}
_IDENTITY_TYPES = ["Root", "IAMUser", "AssumedRole", "AWSService", "FederatedUser"]
_ERRORS = [None, "AccessDenied", "Client.UnauthorizedOperation", "AccessDeniedException"]


@st.composite
def _cloudtrail_record(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(st.sampled_from(sorted(_SOURCES_NAMES)))
    name = draw(st.sampled_from(_SOURCES_NAMES[source]))
    id_type = draw(st.sampled_from(_IDENTITY_TYPES))
    account = draw(st.sampled_from(["111122223333", "123456789012"]))
    identity: dict[str, Any] = {
        "type": id_type,
        "principalId": "AIDAEXAMPLE" if id_type != "Root" else account,
        "arn": f"arn:aws:iam::{account}:" + ("root" if id_type == "Root" else "user/Alice"),
        "accountId": account,
    }
    if draw(st.booleans()):
        identity["invokedBy"] = draw(st.sampled_from(["signin.amazonaws.com", "AWS Internal"]))
    day, second = draw(st.integers(1, 28)), draw(st.integers(0, 86399))
    record: dict[str, Any] = {
        "eventVersion": draw(st.sampled_from(["1.08", "1.09", "1.05"])),
        "userIdentity": identity,
        "eventTime": f"2024-03-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:"
        f"{second % 60:02d}Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": draw(st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"])),
        "sourceIPAddress": draw(
            st.sampled_from(["198.51.100.1", "203.0.113.7", "delivery.logs.amazonaws.com"])
        ),
        "userAgent": draw(st.sampled_from(["aws-cli/2.15.0", "console.amazonaws.com"])),
        "requestParameters": draw(
            st.one_of(st.none(), st.just({"bucketName": "amzn-s3-demo-bucket"}))
        ),
        "responseElements": None,
        "eventID": draw(st.uuids()).hex,
        "readOnly": name.startswith(("Describe", "Get", "Head")),
        "eventType": draw(st.sampled_from(["AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn"])),
        "managementEvent": True,
        "recipientAccountId": account,
    }
    error = draw(st.sampled_from(_ERRORS))
    if error is not None:
        record["errorCode"] = error
        record["errorMessage"] = "User is not authorized to perform this operation"
    if name == "ConsoleLogin":
        record["additionalEventData"] = {"MFAUsed": draw(st.sampled_from(["Yes", "No"]))}
        record["responseElements"] = {"ConsoleLogin": draw(st.sampled_from(["Success", "Failure"]))}
    return record


def cloudtrail_records() -> st.SearchStrategy[dict[str, Any]]:
    """Realistic CloudTrail records (as decoded JSON objects)."""
    return _cloudtrail_record()


def messages_for(pattern: str | engine.CompiledPattern) -> st.SearchStrategy[str]:
    """Like :func:`events_for`, but always message strings (JSON records dumped compactly)."""
    return events_for(pattern).map(lambda e: dumps(e) if isinstance(e, dict) else e)
