"""The peers trailreplay is measured against, each run as its own process by ``benchmarks.run``.

- ``python``: what a competent user writes: isal gunzip + ``orjson.loads`` of each file + a Python
  predicate per record, matching records printed as compact JSON lines; ``--workers N`` uses a
  ``multiprocessing`` pool over files.
- ``duckdb``: ``read_json`` over the gzipped files with the same predicate in SQL, ``--workers``
  threads (the ``duckdb`` Python package; ``benchmarks.run`` falls back to the CLI or skips).
- floors: ``gunzip`` (isal decompression only) and ``search`` (isal + a raw byte search for
  ``organizations.amazonaws.com``, no parsing: not a correct matcher, a speed limit).

The count of matching records goes to ``--count-file`` as JSON ``{"count": N}``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import orjson

try:
    from isal.igzip import decompress as _decompress
except ImportError:  # pragma: no cover
    from gzip import decompress as _decompress


def gunzip(data: bytes) -> bytes:
    return bytes(_decompress(data))  # type: ignore[no-untyped-call,unused-ignore]


# Written out here, not imported from benchmarks.generate: importing the generator costs
# ~47 ms, which would be charged to the baseline's measured time.
ORG_NAMES = frozenset(
    [
        "AcceptHandshake",
        "AttachPolicy",
        "CreateAccount",
        "CreateOrganizationalUnit",
        "CreatePolicy",
        "DeclineHandshake",
        "DeleteOrganization",
        "DeleteOrganizationalUnit",
        "DeletePolicy",
        "DetachPolicy",
        "DisablePolicyType",
        "EnablePolicyType",
        "InviteAccountToOrganization",
        "LeaveOrganization",
        "MoveAccount",
        "RemoveAccountFromOrganization",
        "UpdatePolicy",
        "UpdateOrganizationalUnit",
    ]
)
INSTANCE = re.compile(rb"i-0[0-9a-f]{8}")
# "<ISO ts> <ip> <id> <user> [<time>] "<request>" <status> <rest...>"
APACHE = re.compile(r'^\S+ \S+ \S+ \S+ \[[^\]]*\] "[^"]*" (\S+)(?: |$)')


def _org(r: dict[str, Any]) -> bool:
    return r.get("eventSource") == "organizations.amazonaws.com" and r.get("eventName") in ORG_NAMES


def _controls() -> Callable[[dict[str, Any]], bool]:
    from benchmarks.generate import CONTROL_PREDICATES

    preds = tuple(CONTROL_PREDICATES.values())
    return lambda r: any(p(r) for p in preds)


RecordPred = Callable[[dict[str, Any]], bool]


def _record_predicate(pattern: str) -> tuple[RecordPred | None, Callable[[bytes], bool] | None]:
    """(predicate on the decoded record, predicate on its compact JSON text)."""
    if pattern == "cis_org":
        return _org, None
    if pattern == "controls":
        return _controls(), None
    if pattern == "term":
        return None, lambda t: b"AccessDenied" in t
    if pattern == "regex":
        return None, lambda t: INSTANCE.search(t) is not None
    if pattern == "all":
        return (lambda r: True), None
    raise SystemExit(f"baseline: unknown pattern {pattern!r}")


_STATE: dict[str, Any] = {}


def _init(pattern: str, tool: str) -> None:
    _STATE["pattern"] = pattern
    _STATE["tool"] = tool
    if pattern != "space" and tool == "python":
        _STATE["preds"] = _record_predicate(pattern)


def _work(path: str) -> tuple[int, bytes]:
    """Matches in one file and the lines to print."""
    tool = _STATE["tool"]
    data = gunzip(Path(path).read_bytes())
    if tool == "gunzip":
        return 0, b""
    if tool == "search":
        return data.count(b"organizations.amazonaws.com"), b""
    if _STATE["pattern"] == "space":
        out = []
        for line in data.decode().splitlines():
            m = APACHE.match(line)
            if m and m.group(1).startswith("4"):
                out.append(line.split(" ", 1)[1])
        return len(out), ("\n".join(out) + "\n").encode() if out else b""
    rec_pred, text_pred = _STATE["preds"]
    doc = orjson.loads(data)
    records = doc.get("Records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        return 0, b""  # a digest file
    lines = []
    for r in records:
        if rec_pred is not None:
            if rec_pred(r):
                lines.append(orjson.dumps(r))
        else:
            text = orjson.dumps(r)
            if text_pred is not None and text_pred(text):
                lines.append(text)
    return len(lines), (b"\n".join(lines) + b"\n") if lines else b""


def run_python(files: list[str], pattern: str, tool: str, workers: int) -> int:
    out = sys.stdout.buffer
    total = 0
    results: Iterable[tuple[int, bytes]]
    if workers <= 1:
        _init(pattern, tool)
        results = map(_work, files)
        for n, text in results:
            total += n
            out.write(text)
        return total
    with Pool(workers, initializer=_init, initargs=(pattern, tool)) as pool:
        for n, text in pool.imap_unordered(_work, files, chunksize=2):
            total += n
            out.write(text)
    return total


# -- DuckDB ------------------------------------------------------------------------------------

_ORG_SQL = ", ".join(f"'{n}'" for n in sorted(ORG_NAMES))


def duckdb_sql(pattern: str) -> str:
    """One query over ``$files`` (a list of paths) returning the match count.

    Each file is read as one JSON object (``read_json_objects``) and its records extracted as
    JSON values: measured faster here than ``read_json`` with typed columns or auto-detection,
    and it keeps every record whatever its shape.
    """
    if pattern == "space":
        return (
            "SELECT count(*) FROM read_csv($files, columns={'line': 'VARCHAR'}, header=false, "
            "delim=E'\\x01', quote='', escape='', compression='gzip', auto_detect=false) "
            'WHERE regexp_matches(line, \'^\\S+ \\S+ \\S+ \\S+ \\[[^\\]]*\\] "[^"]*" 4\\S*( |$)\')'
        )
    src = (
        "SELECT unnest(json_extract(json, '$.Records[*]')) AS r FROM read_json_objects($files, "
        "format='unstructured', maximum_object_size=1073741824)"
    )
    if pattern == "cis_org":
        where = f"r.eventSource = 'organizations.amazonaws.com' AND r.eventName IN ({_ORG_SQL})"
    elif pattern == "controls":
        where = " OR ".join(f"({c})" for c in _CONTROL_SQL)
    elif pattern == "term":
        where = "contains(CAST(r AS VARCHAR), 'AccessDenied')"
    elif pattern == "regex":
        where = "regexp_matches(CAST(r AS VARCHAR), 'i-0[0-9a-f]{8}')"
    elif pattern == "all":
        where = "true"
    else:
        raise SystemExit(f"baseline: unknown pattern {pattern!r}")
    return f"SELECT count(*) FROM ({src}) WHERE {_fields(where)}"


def _fields(sql: str) -> str:
    """``r.a.b`` / ``r.a`` (readable) to DuckDB's JSON operators on the record ``r``."""
    sql = re.sub(r"\br\.(\w+)\.(\w+)", r"(r->'\1'->>'\2')", sql)
    return re.sub(r"\br\.(\w+)", r"(r->>'\1')", sql)


def _names(field: str, *names: str) -> str:
    return f"r.{field} IN ({', '.join(repr(n) for n in names)})"


_CONTROL_SQL = (
    "r.errorCode LIKE '%UnauthorizedOperation' OR r.errorCode LIKE 'AccessDenied%' OR "
    "r.sourceIPAddress != 'delivery.logs.amazonaws.com' OR r.eventName != 'HeadBucket'",
    "r.eventName = 'ConsoleLogin' AND r.additionalEventData.MFAUsed != 'Yes'",
    "r.userIdentity.type = 'Root' AND json_extract(r, '$.userIdentity.invokedBy') IS NULL "
    "AND r.eventType != 'AwsServiceEvent'",
    _names(
        "eventName",
        *[
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ],
    ),
    _names("eventName", "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    "r.eventName = 'ConsoleLogin' AND r.errorMessage = 'Failed authentication'",
    "r.eventSource = 'kms.amazonaws.com' AND "
    + _names("eventName", "DisableKey", "ScheduleKeyDeletion"),
    "r.eventSource = 's3.amazonaws.com' AND "
    + _names(
        "eventName",
        *[
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ],
    ),
    "r.eventSource = 'config.amazonaws.com' AND "
    + _names(
        "eventName",
        "StopConfigurationRecorder",
        "DeleteDeliveryChannel",
        "PutDeliveryChannel",
        "PutConfigurationRecorder",
    ),
    _names(
        "eventName",
        *[
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
        ],
    ),
    _names(
        "eventName",
        *[
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ],
    ),
    _names(
        "eventName",
        *[
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ],
    ),
    _names(
        "eventName",
        *[
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ],
    ),
    _names(
        "eventName",
        *[
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ],
    ),
    f"r.eventSource = 'organizations.amazonaws.com' AND r.eventName IN ({_ORG_SQL})",
)


def run_duckdb(files: list[str], pattern: str, workers: int) -> int:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={int(workers)}")
    row = con.execute(duckdb_sql(pattern), {"files": files}).fetchone()
    return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.baseline")
    ap.add_argument("tool", choices=("python", "duckdb", "gunzip", "search"))
    ap.add_argument("--files", type=Path, required=True, help="NUL-separated list of input files")
    ap.add_argument("--pattern", default="cis_org")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--count-file", type=Path)
    a = ap.parse_args(argv)
    files = [f for f in a.files.read_text().split("\0") if f]
    if a.tool == "duckdb":
        count = run_duckdb(files, a.pattern, a.workers)
    else:
        count = run_python(files, a.pattern, a.tool, a.workers)
    sys.stdout.flush()
    if a.count_file:
        a.count_file.write_text(json.dumps({"count": count}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
