"""Benchmarks for trailreplay (issue 4 harness, issue 2 microbenchmark); not part of the tests.

- ``python -m benchmarks.generate --size small|medium|1g``: a seeded, realistic CloudTrail S3 tree,
  a CloudWatch Logs export tree and the ground truth (match counts per benchmark pattern).
- ``python -m benchmarks.run``: trailreplay side by side with hand-written Python, DuckDB, jq and
  the decompression floors; writes ``benchmarks/RESULTS.md``.
- ``python -m benchmarks.micro``: compile time and matches/second of the compiled matcher.
"""

from __future__ import annotations
