"""The stack's floor for the CIS Organizations pattern: issue 12's 40-line prototype.

Reads each file in one call, inflates it with libdeflate, parses every document with
simdjson (structure and UTF-8 validated in one pass), tests the needle (or an escape that could
spell it) on the bytes, and reads ``eventSource``/``eventName`` lazily only in documents that
hold it; matching records are printed as compact JSON.  It is not a correct matcher in general
(one pattern, written by hand; no duplicate keys, no error reporting, nothing but
``{"Records": [...]}`` gzip files): it is the speed this stack allows a scan, which
``benchmarks.shapes`` shows beside trailreplay and the isal + orjson script, so a target past it
is seen, in the same run, to be past the stack.

    python -m benchmarks.prototype --files LIST   (LIST: NUL-separated paths)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import deflate
import simdjson

from benchmarks.baseline import ORG_NAMES

NEEDLE = b"organizations.amazonaws.com"


def scan(files: list[str]) -> int:
    parser = simdjson.Parser()
    out = sys.stdout.buffer
    count = 0
    for path in files:
        with open(path, "rb") as f:
            data = deflate.gzip_decompress(f.read())
        lines = _matches(parser, data)  # no proxy into the document outlives the call
        count += len(lines)
        out.writelines(lines)
    return count


def _matches(parser: simdjson.Parser, data: bytes) -> list[bytes]:
    doc = parser.parse(data)  # validates every document
    if (NEEDLE not in data and b"\\u" not in data) or not isinstance(doc, simdjson.Object):
        return []
    return [
        record.mini + b"\n"
        for record in doc.get("Records") or ()
        if record.get("eventSource") == "organizations.amazonaws.com"
        and record.get("eventName") in ORG_NAMES
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.prototype")
    ap.add_argument("--files", type=Path, required=True, help="NUL-separated list of files")
    a = ap.parse_args(argv)
    scan([f for f in a.files.read_text().split("\0") if f])
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
