"""Start-up: ``trailreplay --help`` and a scan of a ~60 KB archive against the floor of the
stack, ``python -c "import orjson, msgspec"`` (issue 12's target: each within 3x).

    .venv/bin/python -m benchmarks.startup [--runs N]

Runs the three commands alternately (so load on a shared machine hits them alike), N times
each, and prints the median and the best wall time and each one's ratio to the floor, as a
Markdown table for docs/performance.md.  The scan runs twice before timing: the first run of
a pattern fills the pattern cache (engine/pattern/cache.py), as any user's second run finds it.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def small_archive(root: Path, limit: int = 60_000) -> Path:
    """A copy of the first sample log files, in their layout, up to ``limit`` bytes."""
    total = 0
    for src in sorted((REPO / "samples" / "AWSLogs").rglob("*_CloudTrail_*.json.gz")):
        size = src.stat().st_size
        if total + size > limit and total:
            continue
        dst = root / src.relative_to(REPO / "samples")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        total += size
    return root


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        archive = small_archive(Path(tmp))
        size = sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())
        tr = str(BIN / "trailreplay")
        commands = {
            'python -c "import orjson, msgspec"': [sys.executable, "-c", "import orjson, msgspec"],
            "trailreplay --help": [tr, "--help"],
            f"trailreplay scan (a {size // 1000} KB archive)": [tr, "scan", str(archive), "-q"],
        }
        for cmd in commands.values():
            wall(cmd)
            wall(cmd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(wall(cmd))
    floor = statistics.median(next(iter(times.values())))
    print(f"| command ({args.runs} runs each) | median | best | median / floor |")
    print("|---|---:|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"| `{name}` | {med:.3f} s | {min(ts):.3f} s | {med / floor:.1f}x |")


if __name__ == "__main__":
    main()
