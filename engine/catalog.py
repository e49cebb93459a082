"""The CIS AWS Foundations Benchmark monitoring controls, one TOML file each.

The files live in the repository's ``patterns/`` directory, which the wheel
ships as ``engine/_catalog`` (pyproject's force-include).  An installed wheel
reads them there; an editable install or a source checkout falls back to
``patterns/`` next to the ``engine`` package (:mod:`engine.catalog_files`).

Each control holds two kinds of pattern:

* the **intent** (``[intent]``): the pattern that says what the control is for,
  with the evidence for that reading (the benchmark's rationale, Security Hub's
  text, AWS's own examples) and a **bound**, the broadest filter still accepted
  as monitoring the control.  ``entry.pattern`` is the intent: ``scan``,
  ``metrics``, ``alarm``, ``lint --require-covers`` and ``audit`` use it;
* the **published texts** (``[[variants]]`` and ``[security_hub]``), kept
  verbatim (``../shared/cis/cis-patterns.json``), each with the CIS versions whose
  text it is, whether trailreplay's parser accepts it (``expect``), its relation
  to the intent (``equiv``, ``covers``, ``covered-by``, ``neither``), the event
  that separates them (``counterexample``) and what is wrong with it (``defect``).

Invariants: the catalog never normalises a published text; every CIS version of
a control names exactly one published text; :func:`check` proves every recorded
relation with :mod:`engine.prove` and re-runs every recorded counterexample, so a
relation that stops holding fails ``trailreplay patterns check``.

A control is named by :func:`resolve`: ``ID``, ``ID@V`` (a published text),
``control:ID``, Security Hub ids (``CloudWatch.2``), CIS numbers in any version
(``4.15``, ``5.15``, ``3.4@1.2.0``).

    >>> from engine import catalog
    >>> catalog.get("organizations-changes").number
    '4.15'
    >>> catalog.resolve("control:CloudWatch.2@1.2.0").label
    'CIS v1.2.0 published text'
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

# CatalogError, DEFAULT_CONTROL and catalog_dir live in the light engine.catalog_files (scan's
# start-up reads the default control through it) and are this module's names as well.
from engine.catalog_files import DEFAULT_CONTROL as DEFAULT_CONTROL
from engine.catalog_files import CatalogError as CatalogError
from engine.catalog_files import catalog_dir as catalog_dir
from engine.catalog_files import remember_default

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

Relation = Literal["equiv", "covers", "covered-by", "neither"]
RELATIONS: tuple[Relation, ...] = ("equiv", "covers", "covered-by", "neither")
RELATION_TEXT: dict[str, str] = {
    "equiv": "matches exactly the events the intent matches",
    "covers": "matches every event the intent matches, and more",
    "covered-by": "misses events the intent matches",
    "neither": "misses events the intent matches and matches others",
}
CONTROL_PREFIX = "control:"
SECURITY_HUB = "securityhub"


class UnknownControl(KeyError):
    """A control reference that names nothing in the catalog.

    ``args[0]`` is the whole message (with the closest ids as suggestions);
    ``suggestions`` the closest names.
    """

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        return str(self.args[0])


class _Fields:
    """Read access by key too (``entry.alarm["period"]``), for callers that
    treat the nested records as dicts."""

    def __getitem__(self, key: str) -> Any:
        if key in self.keys():
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.keys() else default

    def keys(self) -> list[str]:
        return [f.name for f in fields(self)]  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def as_dict(self) -> dict[str, Any]:
        return {k: _plain(getattr(self, k)) for k in self.keys()}


def _plain(v: Any) -> Any:
    if isinstance(v, _Fields):
        return v.as_dict()
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    return v


@dataclass(frozen=True, slots=True)
class Metric(_Fields):
    name: str
    namespace: str
    value: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AlarmSettings(_Fields):
    statistic: str
    period: int
    threshold: float
    comparison: str
    evaluation_periods: int
    datapoints_to_alarm: int


@dataclass(frozen=True, slots=True)
class Evidence(_Fields):
    """One source for the intent's reading: where, and what it says."""

    source: str
    text: str


@dataclass(frozen=True, slots=True)
class Intent(_Fields):
    """What the control is for.

    ``pattern``: every event the control exists to catch (a deployed filter must
    cover it); ``bound``: the broadest filter still accepted as monitoring the
    control (a deployed filter must match nothing outside it), ``None`` for no
    bound beyond "not every event"; ``reading``: why; ``evidence``: the sources.
    """

    pattern: str
    bound: str | None
    reading: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Variant(_Fields):
    """A published text, verbatim, and what it is relative to the intent."""

    versions: tuple[str, ...]  # as the source labels it ("1.3.0", "nozaq baseline", ...)
    pattern: str
    source: str
    note: str | None
    expect: str  # "valid" | "invalid": what trailreplay's parser makes of the text
    cis: tuple[str, ...] = ()  # the CIS versions whose published text this is
    relation: str | None = None  # to the intent; None for an invalid text
    defect: str | None = None  # what is wrong with it, if anything
    counterexample: dict[str, Any] | None = None  # an event separating it from the intent

    @property
    def label(self) -> str:
        if self.versions and self.versions[0].startswith("Security Hub"):
            return self.versions[0]
        if self.cis:
            return f"CIS {_spans(self.cis)} published text"
        return ", ".join(self.versions)


# Every benchmark version with monitoring controls, in order: "v1.2.0, v2.0.0–v5.0.0".
VERSIONS = ("1.2.0", "1.3.0", "1.4.0", "1.5.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0", "6.0.0")


def _spans(versions: Sequence[str]) -> str:
    known = [v for v in VERSIONS if v in versions]
    runs: list[list[str]] = []
    for v in known:
        if runs and VERSIONS.index(v) == VERSIONS.index(runs[-1][-1]) + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    parts = [f"v{r[0]}" if len(r) == 1 else f"v{r[0]}–v{r[-1]}" for r in runs]
    parts += [v for v in versions if v not in VERSIONS]
    return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Samples(_Fields):
    must_match: list[dict[str, Any]]
    must_not_match: list[dict[str, Any]]
    must_match_why: tuple[str, ...] = ()
    must_not_match_why: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry(_Fields):
    id: str
    key: str
    cis_id: str
    title: str
    pattern: str  # the intent's pattern: what trailreplay replays and audits by default
    intent: Intent
    cis: dict[str, str]
    security_hub: str | None
    security_hub_pattern: str | None
    security_hub_maps_to: str
    metric: Metric
    alarm: AlarmSettings
    variants: list[Variant]
    samples: Samples
    source: str
    notes: str | None
    path: str
    security_hub_text: Variant | None = None

    @property
    def number(self) -> str:
        """The v1.3-v5.0 number, e.g. ``"4.15"``."""
        return self.cis_id.removeprefix("CIS-AWS-")

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.number.split("."))

    def published(self, version: str) -> Variant | None:
        """The text CIS published for this control in ``version`` (``"1.4.0"``)."""
        for v in self.variants:
            if version in v.cis:
                return v
        return None

    def texts(self) -> list[Variant]:
        """Every published text: the variants, then Security Hub's."""
        return [*self.variants, *([self.security_hub_text] if self.security_hub_text else [])]


# --------------------------------------------------------------------------- loading


def _need(d: Mapping[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in d:
        raise CatalogError(f"{where}: missing field {key!r}")
    v = d[key]
    if not isinstance(v, typ):
        raise CatalogError(f"{where}: field {key!r} has the wrong type ({type(v).__name__})")
    return v


def _record(text: Any, where: str) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        raise CatalogError(f"{where}: record must be a JSON object in a string")
    try:
        r = json.loads(text)
    except json.JSONDecodeError as e:
        raise CatalogError(f"{where}: record is not valid JSON: {e}") from None
    if not isinstance(r, dict):
        raise CatalogError(f"{where}: record must be a JSON object")
    return r


def _variant(v: Mapping[str, Any], where: str) -> Variant:
    expect = v.get("expect", "valid")
    if expect not in ("valid", "invalid"):
        raise CatalogError(f"{where}: expect must be 'valid' or 'invalid', not {expect!r}")
    relation = v.get("relation")
    if relation is not None and relation not in RELATIONS:
        raise CatalogError(f"{where}: relation must be one of {', '.join(RELATIONS)}")
    ce = v.get("counterexample")
    return Variant(
        versions=tuple(_need(v, "versions", list, where)),
        pattern=_need(v, "pattern", str, where),
        source=_need(v, "source", str, where),
        note=v.get("note"),
        expect=expect,
        cis=tuple(v.get("cis", ())),
        relation=relation,
        defect=v.get("defect"),
        counterexample=None if ce is None else _record(ce, f"{where} counterexample"),
    )


def parse_entry(data: Mapping[str, Any], path: str) -> Entry:
    """Build an :class:`Entry` from one decoded TOML document."""
    w = path
    metric = _need(data, "metric", dict, w)
    alarm = _need(data, "alarm", dict, w)
    intent = _need(data, "intent", dict, w)
    sh = data.get("security_hub", {})
    samples = _need(data, "samples", dict, w)
    mm = samples.get("must_match", [])
    mnm = samples.get("must_not_match", [])
    sh_text = None
    if sh.get("pattern") is not None:
        sh_text = _variant(
            {**sh, "versions": [f"Security Hub {sh.get('id')}"]}, f"{w} [security_hub]"
        )
    return Entry(
        id=_need(data, "id", str, w),
        key=_need(data, "key", str, w),
        cis_id=_need(data, "cis_id", str, w),
        title=_need(data, "title", str, w),
        pattern=_need(intent, "pattern", str, f"{w} [intent]"),
        intent=Intent(
            pattern=_need(intent, "pattern", str, f"{w} [intent]"),
            bound=intent.get("bound"),
            reading=_need(intent, "reading", str, f"{w} [intent]"),
            evidence=tuple(
                Evidence(
                    _need(x, "source", str, f"{w} [intent] evidence {i}"),
                    _need(x, "text", str, f"{w} [intent] evidence {i}"),
                )
                for i, x in enumerate(intent.get("evidence", []), 1)
            ),
        ),
        cis=dict(_need(data, "cis", dict, w)),
        security_hub=sh.get("id"),
        security_hub_pattern=sh.get("pattern"),
        security_hub_maps_to=sh.get("maps_to", ""),
        metric=Metric(
            name=_need(metric, "name", str, f"{w} [metric]"),
            namespace=_need(metric, "namespace", str, f"{w} [metric]"),
            value=str(_need(metric, "value", (str, int, float), f"{w} [metric]")),
            examples=tuple(metric.get("examples", ())),
        ),
        alarm=AlarmSettings(
            statistic=_need(alarm, "statistic", str, f"{w} [alarm]"),
            period=_need(alarm, "period", int, f"{w} [alarm]"),
            threshold=float(_need(alarm, "threshold", (int, float), f"{w} [alarm]")),
            comparison=_need(alarm, "comparison", str, f"{w} [alarm]"),
            evaluation_periods=_need(alarm, "evaluation_periods", int, f"{w} [alarm]"),
            datapoints_to_alarm=_need(alarm, "datapoints_to_alarm", int, f"{w} [alarm]"),
        ),
        variants=[
            _variant(v, f"{w} variant {i}") for i, v in enumerate(data.get("variants", []), 1)
        ],
        samples=Samples(
            must_match=[
                _record(s.get("record"), f"{w} must_match {i}") for i, s in enumerate(mm, 1)
            ],
            must_not_match=[
                _record(s.get("record"), f"{w} must_not_match {i}") for i, s in enumerate(mnm, 1)
            ],
            must_match_why=tuple(str(s.get("why", "")) for s in mm),
            must_not_match_why=tuple(str(s.get("why", "")) for s in mnm),
        ),
        source=data.get("source", ""),
        notes=data.get("notes"),
        path=path,
        security_hub_text=sh_text,
    )


def _read(item: Traversable, raw: bytes | None = None) -> Entry:
    where = f"patterns/{item.name}"
    try:
        text = item.read_text(encoding="utf-8") if raw is None else raw.decode("utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"{where}: not valid TOML: {e}") from None
    return parse_entry(data, where)


def load(directory: Traversable | Path | None = None) -> list[Entry]:
    """Read every ``*.toml`` of the catalog, sorted by CIS number."""
    d = catalog_dir() if directory is None else directory
    out = [
        _read(item)
        for item in sorted(d.iterdir(), key=lambda t: t.name)
        if item.name.endswith(".toml")
    ]
    ids = [e.id for e in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogError(f"duplicate catalog ids: {', '.join(dupes)}")
    out.sort(key=lambda e: e.sort_key)
    return out


@functools.cache
def _cached() -> tuple[Entry, ...]:
    return tuple(load())


def entries() -> list[Entry]:
    """Every control, sorted by CIS number (4.1 … 4.15)."""
    return list(_cached())


def default() -> Entry:
    """The control ``scan`` replays by default, read from its file alone (the other
    fourteen are not parsed: start-up time).  Its id and pattern are recorded for
    :func:`engine.catalog_files.default_pattern`, which a scan asks first."""
    item = catalog_dir().joinpath(f"{DEFAULT_CONTROL}.toml")
    raw = item.read_bytes()
    entry = _read(item, raw)
    remember_default(raw, entry.id, entry.pattern)
    return entry


# --------------------------------------------------------------------------- naming


@dataclass(frozen=True, slots=True)
class Reference:
    """A control and the text chosen to stand for it: the intent, or one
    published text (``ID@V``)."""

    entry: Entry
    selector: str | None  # None: the intent; else the ``@V`` part as written
    variant: Variant | None  # the published text chosen, None for the intent

    @property
    def id(self) -> str:
        return self.entry.id if self.selector is None else f"{self.entry.id}@{self.selector}"

    @property
    def title(self) -> str:
        return self.entry.title

    @property
    def metric(self) -> Metric:
        return self.entry.metric

    @property
    def alarm(self) -> AlarmSettings:
        return self.entry.alarm

    @property
    def pattern(self) -> str:
        return self.entry.pattern if self.variant is None else self.variant.pattern

    @property
    def bound(self) -> str | None:
        """The upper bound a deployed filter must stay inside: the intent's; none when
        judging against a published text (as its own auditors do)."""
        return self.entry.intent.bound if self.variant is None else None

    @property
    def label(self) -> str:
        return "intent" if self.variant is None else self.variant.label

    @property
    def defect(self) -> str | None:
        return None if self.variant is None else self.variant.defect

    def describe(self) -> dict[str, Any]:
        """What the audit report says about the reference it judged against."""
        out: dict[str, Any] = {"label": self.label, "pattern": self.pattern}
        if self.bound is not None:
            out["bound"] = self.bound
        if self.variant is not None:
            out["relation_to_intent"] = self.variant.relation
            if self.variant.defect:
                out["defect"] = self.variant.defect
        return out


_VERSION = re.compile(r"v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", re.IGNORECASE)


def normalize_version(text: str) -> str | None:
    """``1.2`` / ``v1.2.0`` / ``6`` -> ``1.2.0`` / ``1.2.0`` / ``6.0.0``; else None."""
    m = _VERSION.fullmatch(text.strip())
    if m is None:
        return None
    return ".".join(g or "0" for g in m.groups())


def _names(e: Entry) -> list[str]:
    names = [e.id, e.key, e.cis_id, *e.cis.values()]
    if e.security_hub:
        names.append(e.security_hub)
    return names


def _lookup(name: str, pool: Sequence[Entry]) -> Entry | None:
    want = name.strip()
    low = want.lower()
    for e in pool:
        if want in (e.id, e.key, e.cis_id, e.number) or want in e.cis.values():
            return e
        if e.security_hub and low == e.security_hub.lower():
            return e
    return None


def _unknown(what: str, pool: Sequence[Entry]) -> UnknownControl:
    names = sorted({n for e in pool for n in _names(e)})
    close = difflib.get_close_matches(what, names, n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(what.lower(), [n.lower() for n in names], 3, 0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    known = ", ".join(e.id for e in pool)
    return UnknownControl(f"unknown control {what!r}{hint} (known ids: {known})", close)


def _select(e: Entry, selector: str, number: str | None) -> Variant:
    """The published text ``@selector`` names: a CIS version, ``securityhub``, or
    the first word of a third-party label (``nozaq``, ``prowler``)."""
    sel = selector.strip()
    version = normalize_version(sel)
    if version is not None:
        if version not in e.cis:
            have = ", ".join(e.cis)
            raise UnknownControl(
                f"{e.id} is not in CIS v{version} (it is in {have})", [f"{e.id}@{v}" for v in e.cis]
            )
        if number is not None and e.cis[version] != number:
            raise UnknownControl(
                f"CIS v{version} numbers {e.id} {e.cis[version]}, not {number}",
                [f"{e.cis[version]}@{version}"],
            )
        v = e.published(version)
        if v is None:  # pragma: no cover - check() asserts every version has a text
            raise UnknownControl(f"{e.id}: no published text recorded for CIS v{version}")
        return v
    low = sel.lower().replace(" ", "")
    if low in (SECURITY_HUB, "sh", "security-hub", (e.security_hub or "-").lower()):
        if e.security_hub_text is None:
            raise UnknownControl(f"{e.id} has no Security Hub control ({e.security_hub_maps_to})")
        return e.security_hub_text
    for v in e.variants:
        for label in v.versions:
            if label.lower().replace(" ", "").startswith(low):
                return v
    labels = [*(f"{e.id}@{x}" for x in e.cis), *([f"{e.id}@{SECURITY_HUB}"] * bool(e.security_hub))]
    raise UnknownControl(f"{e.id} has no published text {selector!r}", labels)


def resolve(ref: str, pool: Sequence[Entry] | None = None) -> Reference:
    """Name a control: ``ID``, ``ID@V``, ``control:ID``, ``CloudWatch.2``, ``4.15``,
    ``3.4@1.2.0``, ``ID@securityhub``, ``ID@nozaq``.

    Without ``@`` the reference is the intent; with it, the published text of that
    version (or source).  Raises :class:`UnknownControl` (a ``KeyError``) with the
    closest names as suggestions.
    """
    es = list(_cached() if pool is None else pool)
    text = ref.strip()
    if text.lower().startswith(CONTROL_PREFIX):
        text = text[len(CONTROL_PREFIX) :].strip()
    name, at, selector = text.partition("@")
    e = _lookup(name, es)
    if e is None:
        raise _unknown(name or ref, es)
    if not at:
        return Reference(e, None, None)
    if selector.strip().lower() == "intent":
        return Reference(e, None, None)
    number = name.strip() if name.strip() in e.cis.values() else None
    return Reference(e, selector.strip(), _select(e, selector, number))


def audit_references(
    refs: Sequence[str],
    cis_version: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[Reference]:
    """The references ``audit check`` judges: the named controls (all when none), each
    as its intent or, with ``cis_version``, as that version's published text.  A
    control the version does not have is skipped (with ``warn``) when not named, an
    error (:class:`UnknownControl`) when named."""
    version = None
    if cis_version is not None:
        version = normalize_version(cis_version)
        if version is None or not any(version in e.cis for e in _cached()):
            known = sorted({v for e in _cached() for v in e.cis})
            raise UnknownControl(
                f"unknown CIS version {cis_version!r} (known: {', '.join(known)})", known
            )
    out: list[Reference] = []
    named = list(refs) or [e.id for e in _cached()]
    for ref in named:
        r = resolve(ref)
        if version is not None and r.selector is None:
            if version not in r.entry.cis:
                if refs:
                    raise UnknownControl(f"{r.entry.id} is not in CIS v{version}")
                if warn is not None:
                    warn(f"note: {r.entry.id} is not in CIS v{version}; not judged")
                continue
            r = resolve(f"{r.entry.id}@{version}")
        out.append(r)
    return out


def get(id: str) -> Entry:
    """The entry a reference names (any form :func:`resolve` takes; an ``@V`` part
    is ignored here: use :func:`resolve` for the text it selects)."""
    return resolve(id).entry


def is_reference(text: str) -> bool:
    """Does this command-line argument name a control (``control:ID``) rather than
    hold pattern text?"""
    return text.strip().lower().startswith(CONTROL_PREFIX)


def pattern_text(arg: str) -> str:
    """The pattern an argument stands for: ``control:ID[@V]`` resolves through the
    catalog; anything else is pattern text already."""
    return resolve(arg).pattern if is_reference(arg) else arg


# --------------------------------------------------------------------------- self-check


@dataclass(frozen=True, slots=True)
class Proof:
    """The relation of a text to the intent, as proved."""

    relation: Relation
    proved: bool
    counterexample: dict[str, Any] | None  # an event separating them, if any


def prove_relation(text: str, intent: str) -> Proof:
    """Decide ``text`` against ``intent`` with two coverage questions."""
    from engine.prove import covers

    wider = covers(text, intent)  # text ⊇ intent
    narrower = covers(intent, text)  # intent ⊇ text
    table: dict[tuple[bool, bool], Relation] = {
        (True, True): "equiv",
        (True, False): "covers",
        (False, True): "covered-by",
        (False, False): "neither",
    }
    rel = table[(wider.holds, narrower.holds)]
    ce = wider.counterexample if not wider.holds else narrower.counterexample
    return Proof(
        rel,
        wider.proved and narrower.proved,
        ce if isinstance(ce, dict) else None,
    )


@dataclass
class CheckResult:
    id: str
    number: str
    problems: list[str] = field(default_factory=list)
    samples: int = 0
    variants: int = 0
    relations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cis": self.number,
            "ok": self.ok,
            "samples": self.samples,
            "variants": self.variants,
            "relations": self.relations,
            "problems": self.problems,
        }


def _check_text(v: Variant, intent: str, intent_matcher: Any, res: CheckResult) -> None:
    import engine

    where = f"{v.label} [{', '.join(v.versions)}]"
    try:
        matcher = engine.compile(v.pattern)
        got = "valid"
    except engine.PatternError as ex:
        got, matcher = "invalid", None
        if v.expect != "invalid":
            res.problems.append(f"{where} is invalid, expected valid\n{ex}")
    if got == "valid" and v.expect == "invalid":
        res.problems.append(f"{where} is valid, expected invalid")
    if matcher is None:
        if not v.defect:
            res.problems.append(f"{where} is invalid but its defect is not explained")
        res.relations.append({"text": where, "relation": "invalid", "expected": "invalid"})
        return
    if v.relation is None:
        res.problems.append(f"{where}: no relation to the intent is recorded")
        return
    if v.relation != "equiv" and not v.defect:
        res.problems.append(f"{where}: relation {v.relation} but no defect is explained")
    try:
        proof = prove_relation(v.pattern, intent)
    except Exception as ex:  # the prover is reported on, never crashed on
        res.problems.append(f"{where}: could not prove its relation: {type(ex).__name__}: {ex}")
        return
    res.relations.append(
        {
            "text": where,
            "relation": proof.relation,
            "expected": v.relation,
            "proved": proof.proved,
            "counterexample": proof.counterexample,
        }
    )
    if proof.relation != v.relation:
        shown = json.dumps(proof.counterexample) if proof.counterexample else "none"
        res.problems.append(
            f"{where}: recorded as {v.relation} the intent, proved {proof.relation} "
            f"(counterexample: {shown})"
        )
    elif not proof.proved:
        res.problems.append(f"{where}: {v.relation} holds but was not proved (searched only)")
    ce = v.counterexample
    if v.relation == "equiv":
        if ce is not None:
            res.problems.append(f"{where}: equivalent to the intent, yet has a counterexample")
        return
    if ce is None:
        res.problems.append(f"{where}: relation {v.relation} needs a recorded counterexample")
        return
    by_text, by_intent = matcher.matches_record(ce), intent_matcher.matches_record(ce)
    want = {
        "covers": by_text and not by_intent,
        "covered-by": by_intent and not by_text,
        "neither": by_text != by_intent,
    }[v.relation]
    if not want:
        res.problems.append(
            f"{where}: the recorded counterexample does not separate it from the intent "
            f"(text matches: {by_text}, intent matches: {by_intent})"
        )


def check(e: Entry) -> CheckResult:
    """Everything ``trailreplay patterns check`` asserts about one control: the intent
    compiles and sits inside its bound; the samples; every version has one published
    text; every text parses as ``expect`` says and stands in its recorded, proved
    relation to the intent, shown by its counterexample; the metric and alarm."""
    import engine
    from engine.alarms.alarm import AlarmConfigError, AlarmSpec
    from engine.alarms.metrics import MetricTransformationError, Transformation, validate

    res = CheckResult(e.id, e.number)
    try:
        p = engine.compile(e.pattern)
    except engine.PatternError as ex:
        res.problems.append(f"the intent pattern is invalid:\n{ex}")
        return res
    if e.intent.bound is not None:
        try:
            proof = prove_relation(e.intent.bound, e.pattern)
        except engine.PatternError as ex:
            res.problems.append(f"the intent's bound is invalid:\n{ex}")
        else:
            if proof.relation not in ("covers", "equiv"):
                res.problems.append(
                    f"the intent's bound does not cover the intent ({proof.relation}; "
                    f"counterexample: {json.dumps(proof.counterexample)})"
                )
    if not e.intent.evidence:
        res.problems.append("the intent gives no evidence for its reading")
    if len(e.samples.must_match) < 2 or len(e.samples.must_not_match) < 2:
        res.problems.append("needs at least 2 must-match and 2 must-not-match samples")
    for which, want in (("must_match", True), ("must_not_match", False)):
        records = getattr(e.samples, which)
        whys = getattr(e.samples, f"{which}_why")
        for i, r in enumerate(records):
            res.samples += 1
            if p.matches_record(r) != want:
                why = whys[i] if i < len(whys) else ""
                res.problems.append(
                    f"{which} sample {i + 1} {'did not match' if want else 'matched'}: {why}"
                )
    for version in e.cis:
        owners = [v.label for v in e.variants if version in v.cis]
        if len(owners) != 1:
            res.problems.append(
                f"CIS v{version} needs exactly one published text, has {len(owners)}"
            )
    for v in e.texts():
        res.variants += 1
        _check_text(v, e.pattern, p, res)
    try:
        validate(p, Transformation(metric_value=e.metric.value))
    except MetricTransformationError as ex:
        res.problems.append(f"metric: {ex}")
    try:
        AlarmSpec(
            statistic=e.alarm.statistic,
            period=e.alarm.period,
            threshold=e.alarm.threshold,
            comparison=e.alarm.comparison,
            evaluation_periods=e.alarm.evaluation_periods,
            datapoints_to_alarm=e.alarm.datapoints_to_alarm,
        ).validate()
    except AlarmConfigError as ex:
        res.problems.append(f"alarm: {ex}")
    return res


def check_all(pool: Sequence[Entry] | None = None) -> list[CheckResult]:
    """:func:`check` for every control (the catalog's own, or ``pool``)."""
    return [check(e) for e in (entries() if pool is None else pool)]
