"""How an ``s3://`` source is reached and listed: plain settings, no S3 code.

Responsibility: the connection settings that travel to workers (:class:`S3Config`) and the
layout filters an ``s3://`` argument is listed with (:class:`S3Scope`).  Invariant: this module
imports nothing beyond the standard library, so the CLI can build these for every scan without
importing :mod:`engine.replay.s3` (asyncio, ssl) when no ``s3://`` source is given.
"""

from __future__ import annotations

from typing import Any

import msgspec

#: botocore's default connection pool per client.
_POOL_CONNECTIONS = 10

DEFAULT_CONCURRENCY = 32
"""S3 objects fetched at a time (``--s3-concurrency``)."""
DEFAULT_MAX_BYTES = 256 << 20
"""Bytes of objects fetched ahead of the scan, at most."""


class S3Config(msgspec.Struct, frozen=True):
    """How to reach S3 and how much to fetch at once: travels to workers (no secret in it)."""

    profile: str | None = None
    endpoint_url: str | None = None
    anon: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    max_bytes: int = DEFAULT_MAX_BYTES

    def storage_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"use_listings_cache": False}
        if self.concurrency > _POOL_CONNECTIONS:
            # botocore keeps 10 connections by default: more GETs in flight need more.
            options["config_kwargs"] = {"max_pool_connections": self.concurrency}
        if self.anon:
            options["anon"] = True
        if self.profile:
            options["profile"] = self.profile
        if self.endpoint_url:
            options["endpoint_url"] = self.endpoint_url
        return options


class S3Scope(msgspec.Struct, frozen=True):
    """What an ``s3://`` argument is listed with: the connection and the layout filters
    (``--accounts``/``--regions``; None means all)."""

    config: S3Config = msgspec.field(default_factory=S3Config)
    accounts: frozenset[str] | None = None
    regions: frozenset[str] | None = None
