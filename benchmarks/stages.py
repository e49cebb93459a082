"""The decoder stack stage by stage: MB/s of uncompressed JSON per stage, one core, best of 3,
each stage timed alone over documents held in memory (after /work/shared/bench/stage_floors.py).

    python -m benchmarks.stages TREE

TREE holds ``*.json.gz`` CloudTrail files (digest files skipped).  Compares the gunzip of the
engine (``engine.replay.formats._inflate_whole``: libdeflate when installed, else ISA-L) with
ISA-L and libdeflate alone, and the validating passes the fast path uses: msgspec's typed
decode and raw split, the UTF-8 check of the fast path, simdjson's parse (structure and UTF-8
in one pass) and the simdjson route of documents nothing can match (parse, records counted
from the DOM), with the prefilter that proves it (the CIS Organizations pattern's needles
and the escape check).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

import msgspec
from isal import igzip

from engine import catalog
from engine.replay.fastpath import _count_records, _plan, _possible, _typed_decoder, _valid_utf8
from engine.replay.formats.opening import _inflate_whole


def _files(tree: str) -> list[str]:
    return sorted(
        os.path.join(r, f)
        for r, _, fs in os.walk(tree)
        for f in fs
        if f.endswith(".json.gz") and "Digest" not in r
    )


class _Split(msgspec.Struct):
    Records: list[msgspec.Raw]


def main() -> None:
    raws = [open(p, "rb").read() for p in _files(sys.argv[1])]  # noqa: SIM115
    docs = [igzip.decompress(r) for r in raws]
    total = sum(map(len, docs))
    typed = _typed_decoder((("eventSource", None), ("eventName", None)))
    plan = _plan((catalog.default().pattern,))
    split = msgspec.json.Decoder(_Split)
    stages: list[tuple[str, list[bytes], Callable[[bytes], Any]]] = [
        ("gunzip, ISA-L (igzip.decompress)", raws, igzip.decompress),
        ("gunzip, engine (_inflate_whole)", raws, lambda r: _inflate_whole(r, 1 << 30)),
        ("msgspec typed decode (2 keys)", docs, typed.decode),
        ("msgspec raw split", docs, split.decode),
        ("UTF-8 check (fast path)", docs, lambda d: d.isascii() or _valid_utf8(d)),
        ("needle search", docs, lambda d: d.find(b"organizations.amazonaws.com")),
        ("prefilter: needles + escapes (CIS)", docs, lambda d: _possible(d, plan)),
        ("simdjson route: parse + count", docs, _count_records),
    ]
    try:
        import deflate

        stages.insert(1, ("gunzip, libdeflate", raws, deflate.gzip_decompress))
    except ImportError:
        print("deflate not installed: libdeflate not measured")
    try:
        import simdjson

        parser = simdjson.Parser()

        def simd(d: bytes) -> int:
            doc = parser.parse(d)
            n = len(doc["Records"])
            del doc
            return n

        stages.append(("simdjson validating parse", docs, simd))
    except ImportError:
        print("pysimdjson not installed: simdjson not measured")
    print(f"{len(raws)} files, {total / 1e6:.0f} MB of JSON, {sum(map(len, raws)) / 1e6:.0f} MB gz")
    for name, inputs, fn in stages:
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            for x in inputs:
                fn(x)
            best = min(best, time.perf_counter() - t)
        print(f"{name:36s} {total / best / 1e6:7.0f} MB/s  {best:6.2f} s")


if __name__ == "__main__":
    main()
