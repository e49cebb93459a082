"""A moto S3 server on 127.0.0.1 (free port) per test module, with a log of every request."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
from s3_support import Moto, Request


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }.items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        mp.delenv("AWS_ENDPOINT_URL", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        state = Moto(f"http://{host}:{port}")
        app = server._server.app  # count every request, whichever process sends it

        def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            path = unquote(environ.get("PATH_INFO", "")).lstrip("/")
            bucket, _, key = path.partition("/")
            query = {
                k: v[0]
                for k, v in parse_qs(
                    environ.get("QUERY_STRING", ""), keep_blank_values=True
                ).items()
            }
            signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Signature" in query
            state.requests.append(Request(environ["REQUEST_METHOD"], bucket, key, query, signed))
            return app(environ, start_response)

        server._server.app = counting
        state.client = boto3.client("s3", endpoint_url=state.endpoint, region_name="us-east-1")
        try:
            yield state
        finally:
            server.stop()
