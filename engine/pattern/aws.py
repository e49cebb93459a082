"""AWS's facts: one home for every rule of CloudWatch Logs and CloudWatch that the engine applies.

The language (grammar, matcher, prover), the metric and alarm replay, ``lint`` and ``audit``
all read these; none keeps a copy.  Each fact names the AWS documentation it rests on; where
the documentation is silent the reading is ours, stated here and in docs/semantics.md §7.

* **Quotas** (PutMetricFilter, "Filter pattern syntax"): pattern length, regexes and wildcard
  selectors per pattern, metric value length, dimensions per metric.
* **Numbers**: the number syntax of the pattern language (also the numeric reading of a
  space-delimited field and of a metric value), and the text of a JSON number as a string
  test sees it.
* **Metric transformations** (MetricTransformation): what a ``metricValue`` or a dimension
  value may be: a number, ``$.path`` (JSON patterns), ``$name`` / ``$N`` (space-delimited).
* **Alarms** (PutMetricAlarm): comparison operators, statistics, missing-data treatments.

Invariants: this module imports nothing from ``engine`` but the base exception (it is the
ground floor: the grammar imports it); every function is pure; digits are ASCII ``0-9``
only (AWS's service is Java, whose ``\\d`` and number parsers take no other digits, where
Python's ``\\d`` and ``float`` take Arabic-Indic digits and ``1_000``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Final, Literal, TypeAlias

import msgspec
import orjson

from engine.pattern.errors import TrailreplayError

# --------------------------------------------------------------------------- quotas

#: API_PutMetricFilter / API_MetricFilter: filterPattern "Maximum length of 1024".
FILTER_PATTERN_MAX_LENGTH: Final = 1024
#: "Filter pattern syntax" (SEMANTICS.md §4): at most two regular expressions in a JSON or
#: space-delimited pattern.
MAX_REGEXES: Final = 2
#: "Filter pattern syntax", JSON selectors (SEMANTICS.md §2): at most three wildcard
#: selectors in a pattern, one wildcard each.
MAX_WILDCARD_SELECTORS: Final = 3
MAX_WILDCARDS_PER_SELECTOR: Final = 1
#: Not AWS's: AWS documents no size limit for a regex beyond the pattern's 1024 characters,
#: but counted repetitions multiply (``.{1000}.{1000}`` compiles to 16,000 RE2
#: instructions; eight of them took 292 s on one 256 KB event once RE2's DFA ran out of
#: memory).  trailreplay refuses a regex whose RE2 program exceeds this many instructions,
#: which bounds a 256 KB event to about 0.1 s (docs/semantics.md, "Regular expressions").
MAX_REGEX_PROGRAM_SIZE: Final = 5000
#: API_MetricTransformation: metricValue "Maximum length of 100".
METRIC_VALUE_MAX_LENGTH: Final = 100
#: API_MetricTransformation: metricName / metricNamespace "Maximum length of 255",
#: pattern ``[^:*$]*``.
METRIC_NAME_MAX_LENGTH: Final = 255
METRIC_NAME_FORBIDDEN: Final = frozenset(":*$")
#: API_MetricTransformation: "One metric filter can include as many as three dimensions."
MAX_DIMENSIONS: Final = 3
#: API_Dimension (CloudWatch): a dimension name is 1 to 255 characters, not starting with ':'.
DIMENSION_NAME_MAX_LENGTH: Final = 255

# --------------------------------------------------------------------------- numbers

_NUMBER_BODY = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
#: The number syntax of filter patterns ("Filter pattern syntax": integers, decimals and
#: exponents, with a sign): ``400``, ``-5``, ``1.5``, ``.5``, ``5.``, ``1e3``, ``+1000``.
NUMBER_RE: Final = re.compile(_NUMBER_BODY + r"\Z")
_INTEGER_RE = re.compile(r"[+-]?[0-9]+\Z")


def is_number(text: str) -> bool:
    """Is ``text`` (exactly, no blanks) a number of the pattern language?"""
    return NUMBER_RE.match(text) is not None


def parse_number(text: str) -> int | float:
    """The value of a number (``is_number(text)``): an ``int`` when it has no dot or
    exponent, so that ``= 10000000000000001`` compares exactly."""
    if _INTEGER_RE.match(text):
        return int(text)
    return float(text)


def number_text(value: int | float) -> str:
    """The text of a JSON number as string tests (wildcards, regexes, text patterns) read it.

    CloudWatch tests the event's text; a decoded number is written back the way JSON
    serialisers write numbers (shortest round-trip, no exponent padding): ``1e-7``, not
    Python's ``1e-07``; ``100.0``; ``1e+16``.  The matcher and the prover both use this."""
    return orjson.dumps(value).decode() if type(value) is float else str(value)


def finite_number(text: str) -> float | None:
    """A number's value as a finite float, or None (not a number, or out of float range)."""
    if not is_number(text):
        return None
    f = float(text)
    return f if math.isfinite(f) else None


# --------------------------------------------------------------------------- selectors

#: One step of a JSON selector ("Filter pattern syntax", JSON): ``.key``, ``.*``, ``[n]``,
#: ``[*]``, ``['any key']`` / ``.['any key']`` (``\\`` escapes inside the quotes).
SELECTOR_STEP: Final = re.compile(
    r"\.(?P<key>[A-Za-z0-9_\-]+)"
    r"|(?P<anykey>\.\*)"
    r"|\[\s*(?P<index>[0-9]+)\s*\]"
    r"|(?P<anyindex>\[\s*\*\s*\])"
    r"|\.?\[\s*'(?P<bracket>(?:[^'\\]|\\.)*)'\s*\]"
)
SELECTOR_RE: Final = re.compile(r"\$(?:" + SELECTOR_STEP.pattern + r")+")
#: A space-delimited field name (``[ip, user, ...]``).
FIELD_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def unescape_bracket_key(raw: str) -> str:
    """The key of a ``['...']`` step: a backslash takes the next character literally."""
    return re.sub(r"\\(.)", r"\1", raw)


# --------------------------------------------------------------------------- metric values

PatternKind: TypeAlias = Literal["all", "terms", "regex", "json", "space"]


class JsonRef(msgspec.Struct, frozen=True):
    """``$.a.b[0]``: a value of a JSON event, by concrete path (keys and indexes)."""

    text: str
    path: tuple[str | int, ...]


class FieldRef(msgspec.Struct, frozen=True):
    """``$name`` or ``$N`` (1-based): a field of a space-delimited event."""

    text: str
    name: str | None
    index: int | None


MetricValue: TypeAlias = float | JsonRef | FieldRef

MetricRuleCode: TypeAlias = Literal[
    "metric-value", "metric-value-length", "reference-kind", "reference-field"
]


class MetricRuleError(TrailreplayError, ValueError):
    """A metric value or dimension CloudWatch Logs would refuse, with a stable ``code``."""

    def __init__(self, code: MetricRuleCode, message: str) -> None:
        super().__init__(message)
        self.code: MetricRuleCode = code
        self.message = message


def _json_path(text: str) -> tuple[str | int, ...] | None:
    if SELECTOR_RE.fullmatch(text) is None:
        return None
    path: list[str | int] = []
    for m in SELECTOR_STEP.finditer(text, 1):
        if m.group("key") is not None:
            path.append(m.group("key"))
        elif m.group("index") is not None:
            path.append(int(m.group("index")))
        elif m.group("bracket") is not None:
            path.append(unescape_bracket_key(m.group("bracket")))
        else:
            raise MetricRuleError(
                "metric-value",
                f"{text!r} has a wildcard step ({m.group(0)}): a metric value or dimension "
                "selects one value, so its path has only keys and indexes",
            )
    return tuple(path)


def parse_reference(text: str, what: str = "metric value") -> JsonRef | FieldRef:
    """A field reference as PutMetricFilter takes it, independent of the pattern.

    ``$.path`` is written in the pattern language's own selector syntax (one grammar for
    selectors: ``$.a@b`` is no more a metric value than a selector; write ``$.['a@b']``)
    without wildcards.  ``$name`` is a space-delimited field name, ``$N`` (N >= 1) the
    N-th field.  AWS documents ``$.latency``, ``$size`` and ``$7`` (SEMANTICS.md §7);
    the rest is our reading (docs/semantics.md §7)."""
    if text.startswith("$.") or text.startswith("$["):
        path = _json_path(text)
        if path is None:
            raise MetricRuleError(
                "metric-value",
                f"{what} {text!r} is not a JSON selector ($.key, $.a.b[0], $.['any key'])",
            )
        return JsonRef(text, path)
    body = text[1:] if text.startswith("$") else None
    if body is not None and body.isascii() and body.isdigit():
        if int(body) < 1:
            raise MetricRuleError("metric-value", f"{what} {text}: fields count from $1")
        return FieldRef(text, None, int(body))
    if body is not None and FIELD_NAME_RE.fullmatch(body):
        return FieldRef(text, body, None)
    raise MetricRuleError(
        "metric-value",
        f"{what} {text!r} is not a field reference ($.field for JSON patterns, $name or $N "
        "for space-delimited ones)",
    )


def parse_metric_value(text: str) -> MetricValue:
    """A ``metricValue``: a number (the pattern language's number syntax, finite) or a
    reference (:func:`parse_reference`).  Blanks around it are ignored; the length limit
    counts them, as the API does."""
    if len(text) > METRIC_VALUE_MAX_LENGTH:
        raise MetricRuleError(
            "metric-value-length",
            f"metric value is {len(text)} characters long; the maximum is "
            f"{METRIC_VALUE_MAX_LENGTH}",
        )
    body = text.strip()
    if not body:
        raise MetricRuleError("metric-value", "metric value is empty")
    if is_number(body):
        value = finite_number(body)
        if value is None:
            raise MetricRuleError("metric-value", f"metric value {body!r} is out of range")
        return value
    if not body.startswith("$"):
        raise MetricRuleError(
            "metric-value",
            f"metric value {body!r} is neither a number nor a field reference "
            "(a field reference starts with $)",
        )
    return parse_reference(body)


def check_reference_kind(
    ref: JsonRef | FieldRef, kind: PatternKind, what: str = "metric value"
) -> None:
    """Raise unless ``ref`` fits a pattern of ``kind``: ``$.path`` needs a JSON pattern,
    ``$name`` / ``$N`` a space-delimited one; other kinds have no fields (SEMANTICS.md §7)."""
    if kind == "json":
        if isinstance(ref, FieldRef):
            raise MetricRuleError(
                "reference-kind",
                f"{what} {ref.text!r}: a JSON pattern takes $.field references, not $name",
            )
        return
    if kind == "space":
        if isinstance(ref, JsonRef):
            raise MetricRuleError(
                "reference-kind",
                f"{what} {ref.text!r}: a space-delimited pattern takes $name or $N, not $.field",
            )
        return
    raise MetricRuleError(
        "reference-kind",
        f"{what} {ref.text!r} references a field, but a {kind} pattern has no fields: use a "
        "JSON or space-delimited pattern, or a number",
    )


def check_field_name(ref: FieldRef, names: frozenset[str], what: str = "metric value") -> None:
    """Raise when ``$name`` names no field of the space-delimited pattern."""
    if ref.name is not None and ref.name not in names:
        known = ", ".join(f"${n}" for n in sorted(names)) or "none"
        raise MetricRuleError(
            "reference-field",
            f"{what} {ref.text}: no field named {ref.name!r} in the pattern (named fields: "
            f"{known}; $N selects the N-th field)",
        )


def check_dimension_name(name: str) -> None:
    if not name or len(name) > DIMENSION_NAME_MAX_LENGTH or name.startswith(":"):
        raise MetricRuleError(
            "metric-value",
            f"dimension name {name!r}: 1 to {DIMENSION_NAME_MAX_LENGTH} characters, "
            "not starting with ':'",
        )


# CloudWatch StandardUnit (API_MetricDatum Unit / MetricTransformation.unit).
UNITS: Final = (
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
    "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
    "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
    "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
)  # fmt: skip

# --------------------------------------------------------------------------- alarms

#: API_PutMetricAlarm ComparisonOperator, the static-threshold values: "The specified
#: statistic value is used as the first operand."
COMPARISONS: Final[dict[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
#: The operators a larger statistic moves towards breaching (more matching events can
#: only bring such an alarm closer to ALARM).
RISING_COMPARISONS: Final = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold")
#: API_PutMetricAlarm: "used only for alarms based on anomaly detection models": they
#: compare with a band a model computes, not a static threshold.
BAND_COMPARISONS: Final = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
#: API_PutMetricAlarm Statistic (ExtendedStatistic holds percentiles instead).
STATISTICS: Final = ("Sum", "SampleCount", "Minimum", "Maximum", "Average")
#: API_PutMetricAlarm TreatMissingData: "Valid Values: breaching | notBreaching | ignore |
#: missing".
TREAT_MISSING_DATA: Final = ("missing", "notBreaching", "breaching", "ignore")
