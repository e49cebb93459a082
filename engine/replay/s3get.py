"""Lean S3 GETs: one whole object per request, on persistent ``http.client`` connections.

Why not aiobotocore (through s3fs) for the bodies: botocore builds, signs, sends and parses each
request through dozens of event hooks and several model-driven layers -- about 2.5 ms of CPU per
object on top of the request itself, which on a 2-core machine serving thousands of small
CloudTrail objects is the whole budget (docs/performance.md, "S3").  Here a GET is a path, four
headers and one HMAC: about 0.5 ms of CPU per object, measured the same way.

What stays with botocore (:class:`ObjectGetter` borrows a synchronous botocore client; the
aiobotocore stack s3fs brings costs ~0.3 s more to import and start): the credential chain
(profile, SSO, instance role, refreshing credentials -- the frozen credentials are read again
every :data:`CREDENTIALS_TTL` seconds, well inside botocore's own refresh margin), the region,
and the URL of an object (botocore's endpoint rules: ``--endpoint-url`` or
``AWS_ENDPOINT_URL``, virtual-host or path addressing, dotted bucket names), resolved once per
bucket by presigning a GET.  ``--anon`` sends the requests unsigned.

Invariants:

* a request is signed with Signature Version 4 exactly as botocore signs it (host,
  ``x-amz-content-sha256`` of the empty payload, ``x-amz-date``, ``x-amz-security-token``):
  :func:`sigv4_headers`, tested against botocore's signer;
* errors are typed so the caller can classify them without parsing text: 404 is
  :class:`FileNotFoundError`, 403 :class:`PermissionError`, any other status an
  :class:`S3StatusError` whose ``retryable`` says whether a retry may help (5xx, 429, SlowDown,
  RequestTimeout); network failures are the ``OSError`` s and ``http.client.HTTPException`` s
  of the standard library.  A connection that failed is dropped, never reused;
* a request that S3 redirects to another region (301/307, or 400 naming another
  ``x-amz-bucket-region``) is sent again to that region (the bucket's URL resolved by a botocore
  client of that region); a bucket that redirects again is handed to the fallback (s3fs) from
  then on, and so is every bucket when an HTTP proxy applies to S3 (botocore honours
  ``HTTPS_PROXY``; this client does not).

Each thread keeps its own connection per host (``http.client`` connections are not shared
between threads); the caller runs as many threads as it wants GETs in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import re
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import quote, unquote_plus, urlsplit
from urllib.request import getproxies, proxy_bypass
from xml.etree import ElementTree

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
"""The payload hash of a request with no body (every GET)."""
CREDENTIALS_TTL = 60.0
"""Seconds frozen credentials are used before they are read again from botocore's (refreshing)
credential object, which renews them 10-15 minutes before they expire -- so what is signed with
is always valid for 9 minutes more.  Not read per request: ``RefreshableCredentials.
get_frozen_credentials`` parses the expiry each call, 25-60 µs, a tenth of a GET's CPU here."""
TIMEOUT = 60.0
"""Connect and read timeout per request, botocore's default."""
_SENTINEL = "trailreplay-key-placeholder"
_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>")
_MESSAGE = re.compile(rb"<Message>([^<]{1,300})</Message>")
_REGION = re.compile(rb"<Region>([^<]{1,100})</Region>")
_RETRYABLE_CODES = frozenset({"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"})


class S3StatusError(OSError):
    """S3 answered with an error status (other than 404 and 403, which are
    :class:`FileNotFoundError` and :class:`PermissionError`)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        detail = f"HTTP {status} {code}".rstrip() + (f": {message}" if message else "")
        super().__init__(detail)
        self.status = status
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.status >= 500 or self.status == 429 or self.code in _RETRYABLE_CODES


class NoCredentials(PermissionError):
    """Signed requests wanted (no ``--anon``) and no credentials anywhere in the chain."""


class _Redirected(Exception):
    """S3 says the bucket lives in ``region``: botocore must take this request."""

    def __init__(self, region: str | None) -> None:
        super().__init__(region)
        self.region = region


@dataclass(frozen=True, slots=True)
class Frozen:
    """One set of credentials, as signed with."""

    access_key: str
    secret_key: str
    token: str | None = None


# --------------------------------------------------------------------------- signing


@lru_cache(maxsize=16)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    # Derived once per day, region and secret (four HMACs), not per request.
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sigv4_headers(
    method: str,
    host: str,
    path: str,
    query: str,
    region: str,
    credentials: Frozen,
    amz_date: str,
    service: str = "s3",
) -> dict[str, str]:
    """The headers that sign a request without a body with AWS Signature Version 4.

    ``path`` is the URI-encoded path as sent (S3 does not encode it again), ``query`` the
    canonical query string (names sorted, each name and value URI-encoded), ``amz_date``
    ``YYYYMMDDTHHMMSSZ`` (UTC).  The ``Host`` header is signed but not returned:
    ``http.client`` sends it."""
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    if credentials.token:
        headers["x-amz-security-token"] = credentials.token
    names = sorted(headers)
    signed = ";".join(names)
    canonical = "\n".join(
        [method, path, query, *(f"{n}:{headers[n]}" for n in names), "", signed, EMPTY_SHA256]
    )
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{digest}"
    key = _signing_key(credentials.secret_key, day, region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    del headers["host"]
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    return headers


def _amz_date() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


# --------------------------------------------------------------------------- where a bucket is


@dataclass(frozen=True, slots=True)
class _Target:
    """How objects of one bucket are reached: ``scheme://host{prefix}{quoted key}``."""

    https: bool
    host: str
    prefix: str
    region: str


def _target_from_url(url: str, region: str) -> _Target:
    """A presigned URL for the placeholder key -> the bucket's target."""
    parts = urlsplit(url)
    quoted = quote(_SENTINEL)
    if not parts.path.endswith(quoted):
        raise ValueError(f"unexpected presigned URL shape: {url}")
    return _Target(parts.scheme == "https", parts.netloc, parts.path[: -len(quoted)], region)


Listed = tuple[list[tuple[str, int]], list[str]]
"""``(files as (key, size), folders)`` of one listing."""

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _quote_param(value: str) -> str:
    # SigV4's query encoding: everything but the unreserved characters.
    return quote(value, safe="-_.~")


def _parse_listing(body: bytes, files: list[tuple[str, int]], folders: list[str]) -> str | None:
    """Adds one ListObjectsV2 page's objects and common prefixes; returns the continuation
    token, or None on the last page."""
    root = ElementTree.fromstring(body)
    ns = _NS if root.tag.startswith(_NS) else ""
    decode = unquote_plus if root.findtext(f"{ns}EncodingType") == "url" else _same
    for entry in root.iterfind(f"{ns}Contents"):
        files.append((decode(entry.findtext(f"{ns}Key") or ""),
                      int(entry.findtext(f"{ns}Size") or 0)))  # fmt: skip
    for entry in root.iterfind(f"{ns}CommonPrefixes"):
        folders.append(decode(entry.findtext(f"{ns}Prefix") or ""))
    if (root.findtext(f"{ns}IsTruncated") or "").strip().lower() != "true":
        return None
    token = root.findtext(f"{ns}NextContinuationToken")
    if not token:
        raise S3StatusError(200, "BadListing", "a truncated listing without a continuation token")
    return token


def _same(text: str) -> str:
    return text


def quote_key(key: str) -> str:
    """An object key as it goes into the path (what botocore sends: ``/`` and ``~`` kept)."""
    return quote(key, safe="/~")


def _proxied(scheme: str, host: str) -> bool:
    proxies = getproxies()
    return scheme in proxies and not proxy_bypass(host.rsplit(":", 1)[0])


# --------------------------------------------------------------------------- the getter


class Getter(Protocol):
    """What fetching needs: an object's bytes, or the typed errors of :class:`ObjectGetter`."""

    def get(self, bucket: str, key: str) -> bytes: ...

    def list_objects(self, bucket: str, prefix: str, delimiter: str) -> Listed: ...


class ObjectGetter:
    """Whole-object GETs and listings for the buckets one configuration reaches; thread-safe.

    ``client_for(region)`` gives a (synchronous) botocore S3 client of the configuration --
    ``None``: its own region -- whose credentials sign the requests and whose endpoint rules
    place a bucket; ``fallback()`` the client that takes what this one does not (s3fs)."""

    def __init__(
        self,
        client_for: Callable[[str | None], Any],
        fallback: Callable[[], Getter],
        *,
        anon: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._client_for = client_for
        self._fallback = fallback
        self.client = client_for(None)
        self.region: str = self.client.meta.region_name or "us-east-1"
        self.anon = anon
        self._credentials = None if anon else self.client._get_credentials()
        self._frozen: Frozen | None = None
        self._frozen_at = 0.0
        self._lock = threading.Lock()
        self._targets: dict[str, _Target | None] = {}  # None: through the fallback
        self._redirects: dict[str, int] = {}
        self._local = threading.local()
        self._ssl = ssl_context

    # ---- credentials and targets

    def credentials(self) -> Frozen | None:
        """The credentials to sign with now (None: unsigned), re-read every
        :data:`CREDENTIALS_TTL` seconds so refreshed credentials are picked up."""
        if self._credentials is None:
            if self.anon:
                return None
            raise NoCredentials(
                "no AWS credentials found (environment, --profile, SSO or instance role); "
                "--anon reads a public bucket"
            )
        now = time.monotonic()
        with self._lock:
            if self._frozen is None or now - self._frozen_at > CREDENTIALS_TTL:
                got = self._credentials.get_frozen_credentials()
                self._frozen = Frozen(got.access_key, got.secret_key, got.token or None)
                self._frozen_at = now
            return self._frozen

    def target(self, bucket: str) -> _Target | None:
        with self._lock:
            if bucket in self._targets:
                return self._targets[bucket]
        target = self._resolve(bucket, None)
        with self._lock:
            self._targets.setdefault(bucket, target)
            return self._targets[bucket]

    def _resolve(self, bucket: str, region: str | None) -> _Target | None:
        client = self.client if region is None else self._client_for(region)
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": _SENTINEL}, ExpiresIn=60
        )
        target = _target_from_url(url, region or self.region)
        if _proxied("https" if target.https else "http", target.host):
            return None
        return target

    def _moved(self, bucket: str, region: str | None) -> _Target | None:
        """After a redirect: the bucket's target in the region S3 named, once; a bucket that
        redirects again goes through the fallback from then on."""
        with self._lock:
            tries = self._redirects[bucket] = self._redirects.get(bucket, 0) + 1
        target = self._resolve(bucket, region) if tries == 1 and region else None
        with self._lock:
            self._targets[bucket] = target
        return target

    # ---- requests

    def get(self, bucket: str, key: str) -> bytes:
        """The object's bytes.  Raises as the module docstring says."""
        target = self.target(bucket)
        while target is not None:
            try:
                return self._request(target, target.prefix + quote_key(key), "")
            except _Redirected as redirect:
                target = self._moved(bucket, redirect.region)
        return self._fallback().get(bucket, key)

    def list_objects(self, bucket: str, prefix: str, delimiter: str) -> Listed:
        """``(files as (key, size), folders)`` under ``prefix``: ListObjectsV2, every page
        (folders are the common prefixes, ending with the delimiter).  Raises as :meth:`get`."""
        target = self.target(bucket)
        while target is not None:
            try:
                return self._list(target, prefix, delimiter)
            except _Redirected as redirect:
                target = self._moved(bucket, redirect.region)
        return self._fallback().list_objects(bucket, prefix, delimiter)

    def _list(self, target: _Target, prefix: str, delimiter: str) -> Listed:
        path = target.prefix.rstrip("/") or "/"
        files: list[tuple[str, int]] = []
        folders: list[str] = []
        params = {"list-type": "2", "encoding-type": "url", "prefix": prefix}
        if delimiter:
            params["delimiter"] = delimiter
        while True:
            query = "&".join(f"{k}={_quote_param(v)}" for k, v in sorted(params.items()))
            token = _parse_listing(self._request(target, path, query), files, folders)
            if token is None:
                return files, folders
            params["continuation-token"] = token

    def _connection(self, target: _Target, fresh: bool) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to the target's host, and whether it was used before."""
        pool: dict[tuple[bool, str], http.client.HTTPConnection] = (
            getattr(self._local, "pool", None) or {}
        )
        self._local.pool = pool
        slot = (target.https, target.host)
        conn = pool.get(slot)
        if conn is not None and not fresh:
            return conn, True
        if conn is not None:
            conn.close()
        if target.https:
            conn = http.client.HTTPSConnection(
                target.host, timeout=TIMEOUT, context=self._ssl or _default_ssl()
            )
        else:
            conn = http.client.HTTPConnection(target.host, timeout=TIMEOUT)
        pool[slot] = conn
        return conn, False

    def _drop(self, target: _Target) -> None:
        pool = getattr(self._local, "pool", None) or {}
        conn = pool.pop((target.https, target.host), None)
        if conn is not None:
            conn.close()

    def _request(self, target: _Target, path: str, query: str) -> bytes:
        """The body of a 200 answer to ``GET path?query``; a connection the server closed
        while idle is replaced at once, any other failure raised (typed)."""
        url = f"{path}?{query}" if query else path
        fresh = False
        while True:
            conn, reused = self._connection(target, fresh)
            credentials = self.credentials()
            headers = (
                sigv4_headers(
                    "GET", target.host, path, query, target.region, credentials, _amz_date()
                )
                if credentials is not None
                else {}
            )
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (ConnectionError, http.client.RemoteDisconnected) as exc:
                self._drop(target)
                if reused and not fresh and not isinstance(exc, ConnectionRefusedError):
                    # The server closed an idle keep-alive connection: a new one, at once.
                    fresh = True
                    continue
                raise
            except BaseException:
                self._drop(target)
                raise
            if response.will_close:
                self._drop(target)
            if response.status == 200:
                return body
            region = response.getheader("x-amz-bucket-region")
            raise _status_error(response.status, body, region, target.region)

    def close(self) -> None:
        pool = getattr(self._local, "pool", None) or {}
        for conn in pool.values():
            conn.close()
        pool.clear()


def _tag(pattern: re.Pattern[bytes], body: bytes) -> str:
    found = pattern.search(body)
    return found.group(1).decode("utf-8", "replace") if found else ""


def _status_error(status: int, body: bytes, region: str | None, signed_for: str) -> Exception:
    """The exception for an error response (``region``: its ``x-amz-bucket-region``)."""
    code, message = _tag(_CODE, body), _tag(_MESSAGE, body)
    region = region or _tag(_REGION, body) or None
    if status in (301, 307) or (status == 400 and region and region != signed_for):
        return _Redirected(region)
    if status == 404 and code == "NoSuchBucket":
        return FileNotFoundError("no such bucket (HTTP 404 NoSuchBucket)")
    if status == 404:
        return FileNotFoundError(f"no such object (HTTP 404 {code or 'NoSuchKey'})")
    if status == 403:
        return PermissionError(f"access denied (HTTP 403 {code or 'AccessDenied'})")
    return S3StatusError(status, code, message)


@lru_cache(maxsize=1)
def _default_ssl() -> ssl.SSLContext:
    # The CA bundle botocore would use (AWS_CA_BUNDLE, else certifi's or the system's).
    cafile = os.environ.get("AWS_CA_BUNDLE")
    if cafile is None:
        try:
            from botocore.httpsession import get_cert_path

            cafile = get_cert_path(True)
        except ImportError:  # pragma: no cover - botocore comes with s3fs
            cafile = None
    return ssl.create_default_context(cafile=cafile)


__all__ = [
    "EMPTY_SHA256",
    "Frozen",
    "Getter",
    "Listed",
    "NoCredentials",
    "ObjectGetter",
    "S3StatusError",
    "quote_key",
    "sigv4_headers",
]
