"""The CIS AWS Foundations Benchmark monitoring controls, one TOML file each.

The files live in the repository's ``patterns/`` directory, which the wheel
ships as ``engine/_catalog`` (pyproject's force-include).  An installed wheel
reads them through :mod:`importlib.resources`; an editable install or a source
checkout falls back to ``patterns/`` next to the ``engine`` package.

Each file holds the published facts (``../shared/cis/cis-patterns.json``): the
pattern exactly as CIS publishes it (never normalised), its number in every
benchmark version, the Security Hub control, the published variants with what
trailreplay makes of each (``expect = "valid" | "invalid"``), the known defects
of the published text with what trailreplay does about them, the metric and
alarm CIS prescribes, and sample CloudTrail records that must and must not match.

    >>> from engine import catalog
    >>> catalog.get("organizations-changes").number
    '4.15'
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


class CatalogError(ValueError):
    """A catalog file that cannot be read or lacks a required field."""


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
class Variant(_Fields):
    versions: tuple[str, ...]
    pattern: str
    source: str
    note: str | None
    expect: str  # "valid" | "invalid": what trailreplay's parser makes of the text


@dataclass(frozen=True, slots=True)
class Defect(_Fields):
    what: str
    versions: tuple[str, ...]
    handling: str


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
    pattern: str
    cis: dict[str, str]
    security_hub: str | None
    security_hub_pattern: str | None
    security_hub_maps_to: str
    metric: Metric
    alarm: AlarmSettings
    variants: list[Variant]
    defects: list[Defect]
    samples: Samples
    source: str
    notes: str | None
    path: str

    @property
    def number(self) -> str:
        """The v1.3-v5.0 number, e.g. ``"4.15"``."""
        return self.cis_id.removeprefix("CIS-AWS-")

    @property
    def sort_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.number.split("."))


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


def parse_entry(data: Mapping[str, Any], path: str) -> Entry:
    """Build an :class:`Entry` from one decoded TOML document."""
    w = path
    metric = _need(data, "metric", dict, w)
    alarm = _need(data, "alarm", dict, w)
    sh = data.get("security_hub", {})
    samples = _need(data, "samples", dict, w)
    mm = samples.get("must_match", [])
    mnm = samples.get("must_not_match", [])
    return Entry(
        id=_need(data, "id", str, w),
        key=_need(data, "key", str, w),
        cis_id=_need(data, "cis_id", str, w),
        title=_need(data, "title", str, w),
        pattern=_need(data, "pattern", str, w),
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
            Variant(
                versions=tuple(_need(v, "versions", list, f"{w} variant {i}")),
                pattern=_need(v, "pattern", str, f"{w} variant {i}"),
                source=_need(v, "source", str, f"{w} variant {i}"),
                note=v.get("note"),
                expect=v.get("expect", "valid"),
            )
            for i, v in enumerate(data.get("variants", []), 1)
        ],
        defects=[
            Defect(
                what=_need(d, "what", str, f"{w} defect {i}"),
                versions=tuple(_need(d, "versions", list, f"{w} defect {i}")),
                handling=_need(d, "handling", str, f"{w} defect {i}"),
            )
            for i, d in enumerate(data.get("defects", []), 1)
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
    )


def catalog_dir() -> Traversable:
    """``engine/_catalog`` in an installed wheel, else the checkout's ``patterns/``."""
    try:
        shipped = resources.files("engine").joinpath("_catalog")
        if shipped.is_dir():
            return shipped
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - defensive
        pass
    repo = Path(__file__).resolve().parent.parent / "patterns"
    if repo.is_dir():
        return repo
    raise CatalogError(
        "the CIS catalog is missing: neither engine/_catalog (installed wheel) nor "
        f"{repo} (source checkout) exists"
    )


def load(directory: Traversable | Path | None = None) -> list[Entry]:
    """Read every ``*.toml`` of the catalog, sorted by CIS number."""
    d = catalog_dir() if directory is None else directory
    out: list[Entry] = []
    for item in sorted(d.iterdir(), key=lambda t: t.name):
        if not item.name.endswith(".toml"):
            continue
        where = f"patterns/{item.name}"
        try:
            data = tomllib.loads(item.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise CatalogError(f"{where}: not valid TOML: {e}") from None
        out.append(parse_entry(data, where))
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


def get(id: str) -> Entry:
    """The entry with this id (``organizations-changes``); the CIS number
    (``4.15``, ``CIS-AWS-4.15``, ``5.15``) and the JSON key are accepted too."""
    want = id.strip()
    for e in _cached():
        if want in (e.id, e.key, e.cis_id, e.number) or want in e.cis.values():
            return e
    known = ", ".join(e.id for e in _cached())
    raise KeyError(f"unknown control {id!r}; known ids: {known}")
