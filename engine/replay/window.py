"""The ``--since`` / ``--until`` window on ``eventTime``, and the date an S3 key encodes.

CloudTrail names each delivered object by its *delivery* time (``.../YYYY/MM/DD/`` and
``..._YYYYMMDDTHHmmZ_...``), and "a log file delivered at a specific time can contain records
written at any point before that time" (CloudTrail User Guide, "CloudTrail log file name
format").  So a file dated day D holds events from before the end of D, usually minutes before
it.  Pruning therefore keeps a margin: a file is skipped unopened only when it cannot hold any
event inside the window even if it was delivered :data:`DELIVERY_LAG` late.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

# How late CloudTrail may deliver an event and still have it in a file dated by delivery.
DELIVERY_LAG = timedelta(days=1)
# Clock skew between eventTime and the delivery clock.
CLOCK_SKEW = timedelta(hours=1)

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_instant(text: str, *, end: bool = False) -> tuple[datetime, bool]:
    """Parse an ISO 8601 instant given by the user.

    Returns ``(instant, inclusive)``.  A date alone means the start of that day (UTC) for
    ``--since``; for ``--until`` (``end=True``) it means the whole day, so the bound is the next
    midnight, exclusive.  A time without a zone is UTC.  Raises ``ValueError``.
    """
    text = text.strip()
    if _DATE_ONLY.match(text):
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        if end:
            return day + timedelta(days=1), False
        return day, True
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC), True


def parse_event_time(value: Any) -> datetime | None:
    """``eventTime`` of a record (``2014-03-06T21:22:54Z``) as an aware datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class TimeWindow(msgspec.Struct, frozen=True):
    """``since <= eventTime`` and ``eventTime <= until`` (``<`` when ``until_inclusive`` is
    false, as for a date-only ``--until``).  Either bound may be None."""

    since: datetime | None = None
    until: datetime | None = None
    until_inclusive: bool = True

    @classmethod
    def from_text(cls, since: str | None, until: str | None) -> TimeWindow | None:
        """Build from ``--since``/``--until`` text; None when neither is given."""
        if since is None and until is None:
            return None
        start = parse_instant(since)[0] if since is not None else None
        stop, inclusive = parse_instant(until, end=True) if until is not None else (None, True)
        return cls(start, stop, inclusive)

    def contains(self, when: datetime | None) -> bool:
        if when is None:
            return False
        if self.since is not None and when < self.since:
            return False
        if self.until is not None:
            return when <= self.until if self.until_inclusive else when < self.until
        return True

    def contains_record(self, record: dict[str, Any]) -> bool:
        """Whether the record's ``eventTime`` lies in the window (a record without a readable
        ``eventTime`` cannot be placed, so it is outside)."""
        return self.contains(parse_event_time(record.get("eventTime")))

    def may_overlap(self, start: datetime, end: datetime) -> bool:
        """Whether a file delivered during ``[start, end)`` may hold an event in the window."""
        if self.since is not None and end + CLOCK_SKEW <= self.since:
            return False
        if self.until is None:
            return True
        earliest = start - DELIVERY_LAG
        return earliest <= self.until if self.until_inclusive else earliest < self.until


# AWSLogs/[o-org/]<account>/CloudTrail[-Insight|-Digest]/<region>/YYYY[/MM[/DD]]
_LAYOUT = re.compile(
    r"(?:^|/)CloudTrail(?:-Insight|-Digest)?/[^/]+/(?P<y>\d{4})(?:/(?P<m>\d{2})(?:/(?P<d>\d{2}))?)?(?:/|$)"
)


def path_period(path: str) -> tuple[datetime, datetime] | None:
    """The delivery period ``[start, end)`` a CloudTrail S3 path encodes (a year, month or day
    directory, or a file under a day directory), or None when the path has no such layout."""
    matches = list(_LAYOUT.finditer(path.replace("\\", "/")))
    if not matches:
        return None
    try:
        found = matches[-1]
        year = int(found["y"])
        if found["m"] is None:
            return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        month = int(found["m"])
        first = datetime(year, month, 1, tzinfo=UTC)
        if found["d"] is None:
            nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            return first, nxt
        day = datetime(year, month, int(found["d"]), tzinfo=UTC)
        return day, day + timedelta(days=1)
    except ValueError:  # 2024/13/40 is not a date: do not prune on it
        return None
