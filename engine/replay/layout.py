"""The CloudTrail archive layout: where a path sits in
``[prefix/]AWSLogs/[o-orgid/]<account>/CloudTrail[-Digest|-Insight]/<region>/YYYY/MM/DD/<file>``.

``--accounts`` and ``--regions`` are decided here, once, for local paths and S3 keys alike: a
path that cannot be placed (outside any ``AWSLogs/`` tree, or above the level a filter is
about) is kept, so exports and loose files are never filtered out by a layout filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import msgspec

from engine.replay.sources import Item, Skipped, SkipReason, Source

ORG = re.compile(r"^o-[a-z0-9]{10,32}$")
"""An organization folder (``o-exampleorg1``) between ``AWSLogs/`` and the account."""


class LayoutPlace(msgspec.Struct, frozen=True):
    """Where a path sits in ``AWSLogs/[o-org/]<account>/<type>/<region>/...``."""

    account: str | None
    region: str | None


def layout_place(path: str) -> LayoutPlace | None:
    """The account and region a path names (None outside an ``AWSLogs/`` tree)."""
    parts = path.replace("\\", "/").split("/")
    try:
        root = len(parts) - 1 - parts[::-1].index("AWSLogs")
    except ValueError:
        return None
    after = parts[root + 1 :]
    if after and ORG.match(after[0]):
        after = after[1:]
    # A file directly in AWSLogs/ (or in an organization folder) names no account.
    account = after[0] if len(after) >= 2 else None
    region = after[2] if len(after) >= 4 else None
    return LayoutPlace(account, region)


def layout_keeps(
    path: str, accounts: frozenset[str] | None, regions: frozenset[str] | None
) -> bool:
    """Whether ``--accounts``/``--regions`` keep ``path``.  Paths outside the layout (exports,
    loose files) and above the level a filter is about cannot be placed, so they are kept."""
    if accounts is None and regions is None:
        return True
    place = layout_place(path)
    if place is None:
        return True
    if accounts is not None and place.account is not None and place.account not in accounts:
        return False
    return not (regions is not None and place.region is not None and place.region not in regions)


def filter_items(
    items: Iterable[Item], accounts: frozenset[str] | None, regions: frozenset[str] | None
) -> Iterator[Item]:
    """``--accounts``/``--regions`` over already expanded items (local paths: the S3 lister
    never lists what they leave out).  A file they leave out is counted as skipped
    (``outside-scope``), so a filter that excludes everything shows in the summary."""
    for item in items:
        if layout_keeps(item.path, accounts, regions):
            yield item
        elif isinstance(item, Source):
            yield Skipped(item.path, SkipReason.OUTSIDE_SCOPE)
