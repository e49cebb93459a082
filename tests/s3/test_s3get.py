"""The lean GET client (:mod:`engine.replay.s3get`): signatures equal botocore's, objects read
from moto, and every error status, dropped connection and redirect handled as documented
(a scripted HTTP server on 127.0.0.1 plays S3 for the cases moto cannot)."""

from __future__ import annotations

import datetime as dt
import http.client
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from s3_support import Moto

from engine.replay import s3 as s3mod
from engine.replay import s3get
from engine.replay.s3 import S3Config, S3Object
from engine.replay.s3get import Frozen, ObjectGetter, S3StatusError, quote_key, sigv4_headers
from engine.replay.sources import Problem

BUCKET = "lean-gets"
AMZ_DATE = "20240312T101112Z"
KEYS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40
)


# --------------------------------------------------------------------------- signing


def botocore_authorization(
    url: str, region: str, credentials: Frozen, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    from botocore import auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    fixed = dt.datetime.strptime(AMZ_DATE, "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(auth, "get_current_datetime", lambda *a, **k: fixed)
    request = AWSRequest(method="GET", url=url)
    creds = Credentials(credentials.access_key, credentials.secret_key, credentials.token)
    auth.S3SigV4Auth(creds, "s3", region).add_auth(request)
    return {k.lower(): v for k, v in request.headers.items()}


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEBYaDH//token+with/odd=chars"])
@pytest.mark.parametrize(
    ("host", "key", "region"),
    [
        ("127.0.0.1:9000", "trail/AWSLogs/111122223333/CloudTrail/f.json.gz", "us-east-1"),
        ("bucket.s3.eu-west-1.amazonaws.com", "a b/c+d~é/%41=x&y.json", "eu-west-1"),
        ("s3.amazonaws.com", "my.dotted.bucket/key with spaces", "us-east-1"),
    ],
)
def test_signature_equals_botocores(
    host: str, key: str, region: str, token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = Frozen("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    path = "/" + quote_key(key)
    ours = sigv4_headers("GET", host, path, "", region, credentials, AMZ_DATE)
    theirs = botocore_authorization(f"http://{host}{path}", region, credentials, monkeypatch)
    assert ours["Authorization"] == theirs["authorization"]
    assert {k: v for k, v in ours.items() if k != "Authorization"} == {
        k: theirs[k] for k in ("x-amz-content-sha256", "x-amz-date")
    } | ({"x-amz-security-token": token} if token else {})


@given(key=KEYS)
def test_signature_equals_botocores_for_any_key(key: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        credentials = Frozen("AKID", "secret", "token")
        path = "/bucket/" + quote_key(key)
        ours = sigv4_headers("GET", "127.0.0.1:9000", path, "", "us-east-2", credentials, AMZ_DATE)
        theirs = botocore_authorization(f"http://127.0.0.1:9000{path}", "us-east-2",
                                        credentials, mp)  # fmt: skip
        assert ours["Authorization"] == theirs["authorization"]


def test_a_query_string_is_signed_like_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    credentials = Frozen("AKID", "secret")
    query = "list-type=2&prefix=AWSLogs%2F"
    ours = sigv4_headers("GET", "h:1", "/b", query, "us-east-1", credentials, AMZ_DATE)
    theirs = botocore_authorization(f"http://h:1/b?{query}", "us-east-1", credentials, monkeypatch)
    assert ours["Authorization"] == theirs["authorization"]


# --------------------------------------------------------------------------- against moto


@pytest.fixture(scope="module")
def bucket(moto: Moto) -> str:
    moto.client.create_bucket(Bucket=BUCKET)
    for key in ("plain.json", "a b/c+d~é/%41=x&y.json", "dir//double"):
        moto.client.put_object(Bucket=BUCKET, Key=key, Body=key.encode() * 3)
    return BUCKET


def make_getter(moto: Moto, anon: bool = False) -> s3get.Getter:
    return s3mod.getter(S3Config(endpoint_url=moto.endpoint, anon=anon))


def test_objects_are_read_signed_with_the_session_token(moto: Moto, bucket: str) -> None:
    getter = make_getter(moto)
    moto.requests.clear()
    for key in ("plain.json", "a b/c+d~é/%41=x&y.json", "dir//double"):
        assert getter.get(bucket, key) == key.encode() * 3
    assert len(moto.requests) == 3  # one GET each, no HEAD, no retry
    assert all(r.signed and r.method == "GET" for r in moto.requests)
    getter.close()


def test_missing_and_denied_objects_are_named_clearly(moto: Moto, bucket: str) -> None:
    with pytest.raises(FileNotFoundError, match=r"no such object \(HTTP 404 NoSuchKey\)"):
        make_getter(moto).get(bucket, "nope.json")
    with pytest.raises(PermissionError, match=r"access denied \(HTTP 403 AccessDenied\)"):
        make_getter(moto, anon=True).get(bucket, "plain.json")  # private object, no signature


def test_fetch_ahead_reports_missing_and_denied_once_each(
    moto: Moto, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3mod, "_FETCHERS", {})
    monkeypatch.setattr(s3mod, "_GETTERS", {})
    config = S3Config(endpoint_url=moto.endpoint)
    anon = S3Config(endpoint_url=moto.endpoint, anon=True)
    items = [S3Object(f"s3://{bucket}/plain.json", 30, config),
             S3Object(f"s3://{bucket}/gone.json", 30, config),
             S3Object(f"s3://{bucket}/plain.json", 30, anon)]  # fmt: skip
    moto.requests.clear()
    out = list(s3mod.fetch_ahead(items))
    assert isinstance(out[0], S3Object) and out[0].content == b"plain.json" * 3
    assert out[1] == Problem(f"s3://{bucket}/gone.json", "no such object (HTTP 404 NoSuchKey)")
    assert out[2] == Problem(f"s3://{bucket}/plain.json", "access denied (HTTP 403 AccessDenied)")
    assert len(moto.requests) == 3  # neither is retried


# --------------------------------------------------------------------------- a scripted S3


@dataclass
class Script:
    """Per key, the responses to give in turn: (status, headers, body), or "drop" (close the
    connection with no answer), or "short" (announce more bytes than are sent)."""

    answers: dict[str, list[Any]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    connections: int = 0
    close_after_each: bool = False


@pytest.fixture
def scripted() -> Iterator[tuple[Script, int]]:
    script = Script()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            script.connections += 1
            super().setup()

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if "list-type=2" in self.path:  # a listing: answered from script.answers["?"]
                key = "?" + self.path.split("?", 1)[1]
                script.seen.append((key, dict(self.headers)))
                answer = script.answers["?"].pop(0)
                if answer == "drop":
                    self.close_connection = True
                    return
                status, body = answer
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            key = self.path.split("/", 2)[2]
            script.seen.append((key, dict(self.headers)))
            queue = script.answers.get(key) or [(200, {}, b"body of " + key.encode())]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if answer == "drop":
                self.close_connection = True
                return
            if answer == "short":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.write(b"only ten b")
                self.close_connection = True
                return
            status, headers, body = answer
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            if script.close_after_each:
                self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class FakeCredentials:
    """Credentials that change every time they are read (as refreshed ones do)."""

    def __init__(self) -> None:
        self.reads = 0

    def get_frozen_credentials(self) -> Frozen:
        self.reads += 1
        return Frozen(f"AKID{self.reads}", "secret", f"token{self.reads}")


class FakeClient:
    """What :class:`ObjectGetter` uses of a botocore client, pointing at the scripted server."""

    def __init__(self, port: int, region: str, creds: FakeCredentials) -> None:
        self.port = port
        self.meta = type("Meta", (), {"region_name": region})()
        self.creds = creds

    def _get_credentials(self) -> FakeCredentials:
        return self.creds

    def generate_presigned_url(self, op: str, Params: dict[str, str], **kw: Any) -> str:
        return f"http://127.0.0.1:{self.port}/{Params['Bucket']}/{quote_key(Params['Key'])}?x=1"


class FakeFallback:
    def __init__(self) -> None:
        self.gets: list[str] = []

    def get(self, bucket: str, key: str) -> bytes:
        self.gets.append(f"{bucket}/{key}")
        return b"through s3fs"

    def list_objects(self, bucket: str, prefix: str, delimiter: str) -> Any:
        return [], []


@dataclass
class Fakes:
    port: int
    anon: bool = False
    creds: FakeCredentials = field(default_factory=FakeCredentials)
    fallback: FakeFallback = field(default_factory=FakeFallback)
    regions: list[str | None] = field(default_factory=list)

    def getter(self) -> ObjectGetter:
        def client_for(region: str | None) -> FakeClient:
            self.regions.append(region)
            return FakeClient(self.port, region or "us-east-1", self.creds)

        return ObjectGetter(client_for, lambda: self.fallback, anon=self.anon)


def xml_error(code: str, message: str = "", region: str = "") -> bytes:
    extra = f"<Region>{region}</Region>" if region else ""
    return (f"<?xml version='1.0'?><Error><Code>{code}</Code><Message>{message}</Message>"
            f"{extra}</Error>").encode()  # fmt: skip


def test_requests_are_signed_with_credentials_read_again_after_their_ttl(
    scripted: tuple[Script, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, port = scripted
    fakes = Fakes(port)
    getter = fakes.getter()
    assert getter.get("b", "k1") == b"body of k1"
    assert getter.get("b", "k2") == b"body of k2"
    assert fakes.creds.reads == 1  # within the TTL: read once
    monkeypatch.setattr(s3get, "CREDENTIALS_TTL", -1.0)
    getter.get("b", "k3")
    assert fakes.creds.reads == 2
    auth = [headers["Authorization"] for _, headers in script.seen]
    assert [a.split("Credential=")[1].split("/")[0] for a in auth] == ["AKID1", "AKID1", "AKID2"]
    assert script.seen[-1][1]["x-amz-security-token"] == "token2"
    assert script.connections == 1  # one persistent connection


def test_anonymous_requests_are_not_signed(scripted: tuple[Script, int]) -> None:
    script, port = scripted
    getter = Fakes(port, anon=True).getter()
    assert getter.get("b", "k") == b"body of k"
    assert "Authorization" not in script.seen[0][1]


@pytest.mark.parametrize(
    ("answer", "kind", "retryable"),
    [
        ((503, {}, xml_error("SlowDown", "Please reduce your request rate.")), S3StatusError, True),
        ((500, {}, xml_error("InternalError")), S3StatusError, True),
        ((429, {}, b""), S3StatusError, True),
        ((400, {}, xml_error("RequestTimeout")), S3StatusError, True),
        ((400, {}, xml_error("InvalidArgument", "bad")), S3StatusError, False),
        ("drop", http.client.RemoteDisconnected, True),
        ("short", http.client.IncompleteRead, True),
    ],
)
def test_errors_are_typed_for_the_retry_decision(
    scripted: tuple[Script, int], answer: Any, kind: type[BaseException], retryable: bool
) -> None:
    script, port = scripted
    script.answers["k"] = [answer]
    getter = Fakes(port).getter()
    with pytest.raises(kind) as caught:
        getter.get("b", "k")
    assert s3mod.transient(caught.value) is retryable
    assert getter.get("b", "other") == b"body of other"  # the failed connection is not reused


def test_a_transient_status_is_retried_then_reported_in_one_line(
    scripted: tuple[Script, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, port = scripted
    slow = (503, {}, xml_error("SlowDown", "Please reduce your request rate."))
    script.answers["flaky"] = [slow, "drop", (200, {}, b"finally")]
    script.answers["dead"] = [slow]
    fake = Fakes(port).getter()
    monkeypatch.setattr(s3mod, "getter", lambda config: fake)
    monkeypatch.setattr(s3mod, "_FETCHERS", {})
    monkeypatch.setattr(s3mod, "_GETTERS", {})
    monkeypatch.setattr(s3mod, "BACKOFF_SECONDS", 0.0)
    items = [S3Object("s3://b/flaky", 7), S3Object("s3://b/dead", 7)]
    out = list(s3mod.fetch_ahead(items))
    assert isinstance(out[0], S3Object) and out[0].content == b"finally"
    assert out[1] == Problem(
        "s3://b/dead",
        "S3 read failed after 3 tries: HTTP 503 SlowDown: Please reduce your request rate.",
    )
    assert [k for k, _ in script.seen].count("dead") == 3


def test_a_keep_alive_connection_closed_by_the_server_is_replaced_at_once(
    scripted: tuple[Script, int],
) -> None:
    script, port = scripted
    script.close_after_each = True  # closes without saying so (no "Connection: close")
    getter = Fakes(port).getter()
    assert [getter.get("b", f"k{i}") for i in range(3)] == [b"body of k0", b"body of k1",
                                                            b"body of k2"]  # fmt: skip
    assert script.connections == 3


def test_a_region_redirect_is_followed_then_handed_to_s3fs(
    scripted: tuple[Script, int],
) -> None:
    script, port = scripted
    moved = (301, {"x-amz-bucket-region": "eu-west-1"}, xml_error("PermanentRedirect"))
    script.answers["first"] = [moved, (200, {}, b"first, in eu-west-1")]
    fakes = Fakes(port)
    getter = fakes.getter()
    assert getter.get("b", "first") == b"first, in eu-west-1"
    assert fakes.regions == [None, "eu-west-1"]  # the bucket placed by a client of its region
    assert "/eu-west-1/s3/aws4_request" in script.seen[-1][1]["Authorization"]
    assert getter.get("b", "second") == b"body of second"
    assert "/eu-west-1/s3/aws4_request" in script.seen[-1][1]["Authorization"]
    # A bucket that redirects again is read through s3fs from then on.
    script.answers["third"] = [moved]
    assert getter.get("b", "third") == b"through s3fs"
    assert getter.get("b", "fourth") == b"through s3fs"
    assert fakes.fallback.gets == ["b/third", "b/fourth"]


def test_a_proxied_endpoint_is_read_through_s3fs(
    scripted: tuple[Script, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, port = scripted
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", "")
    assert Fakes(port).getter().get("b", "k") == b"through s3fs"
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    assert Fakes(port).getter().get("b", "k") == b"body of k"


def listing_page(keys: list[str], prefixes: list[str], token: str | None) -> bytes:
    ns = "http://s3.amazonaws.com/doc/2006-03-01/"
    contents = "".join(f"<Contents><Key>{k}</Key><Size>{len(k)}</Size></Contents>" for k in keys)
    common = "".join(f"<CommonPrefixes><Prefix>{p}</Prefix></CommonPrefixes>" for p in prefixes)
    more = f"<IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>"
    end = "<IsTruncated>false</IsTruncated>"
    return (f'<ListBucketResult xmlns="{ns}"><Name>b</Name><EncodingType>url</EncodingType>'
            f"{contents}{common}{more if token else end}</ListBucketResult>").encode()  # fmt: skip


def test_a_listing_follows_every_page_and_decodes_keys(
    scripted: tuple[Script, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    script, port = scripted
    first = (200, listing_page(["logs/a+b%2Bc.json", "logs/%C3%A9.json"], ["logs/sub/"], "t/1="))
    last = (200, listing_page(["logs/z.json"], [], None))
    script.answers["?"] = [first, (503, xml_error("SlowDown")), first, last]
    fake = Fakes(port).getter()
    monkeypatch.setattr(s3mod, "BACKOFF_SECONDS", 0.0)
    files, folders = s3mod.retrying(fake.list_objects, "b", "logs/", "/")
    assert files == [("logs/a b+c.json", 17), ("logs/é.json", 16), ("logs/z.json", 11)]
    assert folders == ["logs/sub/"]
    queries = [k for k, _ in script.seen]
    # after a 503 the listing is retried from its first page
    assert queries[0] == "?delimiter=%2F&encoding-type=url&list-type=2&prefix=logs%2F"
    assert queries[1] == "?continuation-token=t%2F1%3D&" + queries[0][1:]
    assert queries == [queries[0], queries[1], queries[0], queries[1]]
