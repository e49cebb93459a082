"""Start-up: ``trailreplay --help`` and a scan of a ~60 KB archive against the floor of the
stack, ``python -c "import orjson, msgspec"`` (issue 12's target: each within 3x).

    .venv/bin/python -m benchmarks.startup [--runs N]

Runs the three commands alternately (so load on a shared machine hits them alike), N times
each, and prints the median and the best wall time, the median CPU time (user + system of the
command's processes: steadier than the wall clock on a busy machine) and each one's ratios to
the floor, as a Markdown table for docs/performance.md, with the load average.  Each command
runs twice before timing: the scan's first run fills the user cache (the default control's
pattern and its parse tree: engine/pattern/cache.py), as any user's second run finds it.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` (CPU: every process it waited for)."""
    cpu = _cpu()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, _cpu() - cpu


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
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        load = os.getloadavg()[0]
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(wall(cmd))
        load = max(load, os.getloadavg()[0])
    floor = next(iter(times.values()))
    floor_wall = statistics.median(w for w, _ in floor)
    floor_cpu = statistics.median(c for _, c in floor)
    print(f"{args.runs} runs each, load average up to {load:.1f}")
    print()
    print("| command | median | best | median / floor | CPU (median) | CPU / floor |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, ts in times.items():
        med = statistics.median(w for w, _ in ts)
        cpu = statistics.median(c for _, c in ts)
        print(
            f"| `{name}` | {med:.3f} s | {min(w for w, _ in ts):.3f} s | {med / floor_wall:.1f}x "
            f"| {cpu:.3f} s | {cpu / floor_cpu:.1f}x |"
        )


if __name__ == "__main__":
    main()
