"""Hostile inputs too large for the test suite (issue 16, memory): each is scanned by the
console script with ``--workers 1`` beside nothing else, and the peak RSS of the whole process
tree is reported with the outcome (the named error, or the records read).

    python -m benchmarks.hostile [--scale 1.0] [--out benchmarks/RESULTS-hostile.md]

Cases (sizes at ``--scale 1``):

* a gzip bomb: 1 MB of gzip inflating to 1 GiB of zeros, format detected and forced;
* JSON Lines of 500 MB whose first line is over 64 KB (100 KB);
* one CloudTrail ``{"Records": [...]}`` document of 2 GB, gzipped (streamed record by record);
* ``/dev/zero`` with a forced format.

The goal: every case ends (records, or one line naming the problem) with the process tree under
300 MB.  Inputs are generated once under ``benchmarks/data/hostile`` (streamed, never held).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from benchmarks.run import measure

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data" / "hostile"
CLI = str(Path(sys.executable).with_name("trailreplay"))
GOAL_MB = 300
ORG = '{ $.eventSource = "organizations.amazonaws.com" }'


def _record(i: int, pad: int = 0) -> dict[str, object]:
    rec: dict[str, object] = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/Mary"},
        "eventTime": "2024-03-12T10:00:00Z",
        "eventSource": "organizations.amazonaws.com" if i % 1000 == 0 else "ec2.amazonaws.com",
        "eventName": "CreateAccount" if i % 1000 == 0 else "DescribeInstances",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.1",
        "requestID": f"{i:032x}",
        "recipientAccountId": "111122223333",
    }
    if pad:
        rec["requestParameters"] = {"blob": "x" * pad}
    return rec


def gzip_bomb(path: Path, size: int) -> None:
    """``size`` bytes of zeros, gzipped in pieces (never held)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    piece = bytes(1 << 24)
    with path.open("wb") as f:
        left = size
        while left:
            n = min(left, len(piece))
            f.write(z.compress(piece[:n]))
            left -= n
        f.write(z.flush())


def json_lines(path: Path, size: int) -> int:
    """JSON Lines of about ``size`` bytes, the first line 100 KB; returns the record count."""
    n = 0
    with path.open("wb") as f:
        f.write(json.dumps(_record(0, 100_000)).encode() + b"\n")
        written = 100_000
        line = json.dumps(_record(1)).encode() + b"\n"
        batch = line * 1000
        while written < size:
            f.write(batch)
            written += len(batch)
            n += 1000
    return n + 1


def big_document(path: Path, size: int) -> int:
    """One ``{"Records": [...]}`` document of about ``size`` bytes, gzipped (level 1)."""
    z = zlib.compressobj(1, zlib.DEFLATED, 31)
    records = [json.dumps(_record(i), separators=(",", ":")).encode() for i in range(1000)]
    batch = b",".join(records)
    n = 0
    with path.open("wb") as f:
        f.write(z.compress(b'{"Records":['))
        written = 0
        while written < size:
            if n:
                f.write(z.compress(b","))
            f.write(z.compress(batch))
            written += len(batch) + 1
            n += 1000
        f.write(z.compress(b"]}"))
        f.write(z.flush())
    return n


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str


def cases(scale: float) -> list[Case]:
    DATA.mkdir(parents=True, exist_ok=True)
    gib = int((1 << 30) * scale)
    bomb = DATA / f"bomb-{gib}.json.gz"
    if not bomb.exists():
        gzip_bomb(bomb, gib)
    lines = DATA / f"lines-{int(500e6 * scale)}.jsonl"
    if not lines.exists():
        json_lines(lines, int(500e6 * scale))
    doc = DATA / f"document-{int(2e9 * scale)}.json.gz"
    if not doc.exists():
        big_document(doc, int(2e9 * scale))
    scan = [CLI, "scan", "--workers", "1", "-q", "-e", ORG, "--format", "records"]
    out = [
        Case("gzip bomb (1 GiB of zeros), detected", [*scan, str(bomb)], "a named error"),
        *(
            Case(
                f"gzip bomb, --input-format {f}",
                [*scan, "--input-format", f, str(bomb)],
                "a named error",
            )
            for f in ("cloudtrail", "ndjson", "cwl-export")
        ),
        Case("JSON Lines, first line 100 KB", [*scan, str(lines)], "every record read"),
        Case("one 2 GB CloudTrail document, gzipped", [*scan, str(doc)], "every record read"),
    ]
    if os.path.exists("/dev/zero"):
        out += [
            Case(
                f"/dev/zero, --input-format {f}",
                [*scan, "--input-format", f, "/dev/zero"],
                "a named error",
            )
            for f in ("cloudtrail", "ndjson", "cwl-export")
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", default=str(ROOT / "RESULTS-hostile.md"))
    args = parser.parse_args()
    rows = []
    for case in cases(args.scale):
        m = measure(case.argv)
        mb = m.tree_rss_kb / 1024
        outcome = (m.error or "exit 0/1").replace("|", "/")
        verdict = "ok" if mb < GOAL_MB else "OVER"
        rows.append(
            f"| {case.name} | {case.expect} | {m.seconds:.1f} | {mb:.0f} | {verdict} | {outcome} |"
        )
        print(rows[-1], flush=True)
    text = "\n".join(
        [
            "# Hostile inputs: peak memory (`python -m benchmarks.hostile`)",
            "",
            f"Each case scanned alone, `--workers 1`; peak RSS of the whole process tree (goal "
            f"< {GOAL_MB} MB). Scale {args.scale}.",
            "",
            "| case | expected | wall s | CPU s | peak RSS MB | goal | outcome (exit, stderr) |",
            "|---|---|---:|---:|---:|---|---|",
            *rows,
            "",
        ]
    )
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
