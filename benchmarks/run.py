"""Side-by-side throughput benchmark of ``trailreplay scan`` (issue 4), into benchmarks/RESULTS.md.

Every pipeline runs as its own process, in alternating repetitions, on the same generated tree
(``benchmarks.generate``); each one's match count is checked against the generator's ground truth
and a mismatch is shown loudly. Reported: MB/s of uncompressed JSON, records/s, ratio to each peer,
CPU seconds, peak RSS (largest single process from ``/usr/bin/time`` or ``wait4``; and the whole
process tree, sampled from /proc), and the start-up cost of a scan of a 1 MB archive.

    python -m benchmarks.run [--size 1g] [--repeat 2] [--only TOOL,...] [--patterns P,...]
    python -m benchmarks.run --render      # rewrite RESULTS.md from the last run's raw numbers

The ~1 GB tree (the default) is the one the issue's goals are stated on: on the smaller trees a
scan is dominated by the interpreter's start-up (0.3 s), and their results go to
RESULTS-<size>.md.

Tools: trailreplay-1, trailreplay-N (``trailreplay scan --workers``), python-1, python-N (isal +
orjson.loads + a Python predicate), duckdb-N (``read_json_objects``), jq (``zcat | jq -c
select(...)``), and the floors zcat, isal-gunzip, isal-search. Missing tools are skipped with a
note.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime as _dt
import importlib.util
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import generate as gen

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
README = Path(__file__).resolve().parent / "README.md"
HEAD_START, HEAD_END = "<!-- headline:start -->", "<!-- headline:end -->"
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None

PATTERN_ORDER = ("cis_org", "controls", "term", "regex", "space", "all")

#: ``--control all`` replays each control's intent (issue 13), while the peers' predicates and
#: the ground truth (``benchmarks.generate.CONTROL_PREDICATES``) implement each control's main
#: published text in ../shared/cis/cis-patterns.json: trailreplay replays that same text, named
#: by the CIS version that published it (tests/benchmarks/test_generate.py checks the texts).
PUBLISHED_VERSION = {
    "CIS-AWS-4.1": "1.3.0",
    "CIS-AWS-4.2": "1.2.0",
    "CIS-AWS-4.3": "1.2.0",
    "CIS-AWS-4.4": "1.2.0",
    "CIS-AWS-4.5": "1.2.0",
    "CIS-AWS-4.6": "1.2.0",
    "CIS-AWS-4.7": "1.2.0",
    "CIS-AWS-4.8": "1.2.0",
    "CIS-AWS-4.9": "1.2.0",
    "CIS-AWS-4.10": "2.0.0",
    "CIS-AWS-4.11": "2.0.0",
    "CIS-AWS-4.12": "2.0.0",
    "CIS-AWS-4.13": "2.0.0",
    "CIS-AWS-4.14": "1.2.0",
    "CIS-AWS-4.15": "2.0.0",
}
FLOORS = ("zcat", "isal-gunzip", "isal-search")
PEERS = ("python-1", "python-N", "duckdb-N", "jq")

_JQ_ORG = ", ".join(json.dumps(n) for n in gen.ORG_CIS_NAMES)
JQ_FILTERS: dict[str, str] = {
    "cis_org": (
        '.Records[]? | select(.eventSource == "organizations.amazonaws.com" '
        f"and (.eventName | IN({_JQ_ORG})))"
    ),
    "term": '.Records[]? | select(tojson | contains("AccessDenied"))',
    "regex": '.Records[]? | select(tojson | test("i-0[0-9a-f]{8}"))',
    "all": ".Records[]?",
    "space": r'select(test("^\\S+ \\S+ \\S+ \\S+ \\[[^\\]]*\\] \"[^\"]*\" 4\\S*( |$)"))',
}


@dataclass
class Measure:
    seconds: float
    max_rss_kb: int
    tree_rss_kb: int
    count: int | None
    per_pattern: dict[str, int] | None = None
    error: str | None = None
    cpu_seconds: float | None = None
    oversized: int | None = None


@dataclass
class Cell:
    tool: str
    pattern: str
    runs: list[Measure] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# process measurement


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(x) for x in f.read().split())
    except OSError:
        pass
    return out


def _tree_sample(pid: int, cpu: dict[int, int]) -> int:
    """RSS (KB) of the process tree under ``pid``; records each process's CPU ticks in ``cpu``."""
    total = 0
    stack = [pid]
    seen: set[int] = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE // 1024
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu[p] = max(cpu.get(p, 0), int(fields[11]) + int(fields[12]))  # utime + stime
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(p))
    return total


def measure(argv: list[str], stdout_path: str = os.devnull, cwd: Path | None = None) -> Measure:
    """Run ``argv``; wall time, peak RSS of its largest process and of its whole tree."""
    peak = [0]
    ticks: dict[int, int] = {}
    done = threading.Event()
    rss_file = None
    if TIME is not None:
        # ru_maxrss from wait4 would count the benchmark's own pages the child had before exec;
        # /usr/bin/time forks from a small process.
        fd, rss_file = tempfile.mkstemp(prefix="rss-")
        os.close(fd)
        argv = [TIME, "-f", "%M %U %S", "-o", rss_file, *argv]
    with open(stdout_path, "wb") as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd)

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], _tree_sample(proc.pid, ticks))

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        done.set()
        th.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    max_rss = int(usage.ru_maxrss)
    cpu = usage.ru_utime + usage.ru_stime
    if rss_file is not None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            rss, user, system = Path(rss_file).read_text().split()[-3:]
            max_rss, cpu = int(rss), float(user) + float(system)
        os.unlink(rss_file)
    # CPU of workers nobody waited for is only in the samples (up to 20 ms late per process)
    cpu = max(cpu, sum(ticks.values()) / TICKS)
    m = Measure(seconds, max_rss, max(peak[0], max_rss), None, cpu_seconds=cpu)
    if proc.returncode not in (0, 1):
        m.error = f"exit {proc.returncode}: " + " / ".join(tail)[:300]
    return m


# --------------------------------------------------------------------------------------------
# tools


@dataclass
class Env:
    data: Path
    truth: dict[str, Any]
    workers: int
    ct_list: Path
    cw_list: Path
    tmp: Path
    duckdb: str | None  # "python" | "cli" | None
    jq: str | None
    notes: list[str]
    machine: dict[str, str] = field(default_factory=dict)
    small: Path | None = None  # a 1 MB tree: start-up cost (`startup` pseudo-pattern)


def _tree(env: Env, pattern: str) -> str:
    return str(gen.PATTERNS[pattern][1])


def _lists(env: Env, pattern: str) -> Path:
    return env.cw_list if _tree(env, pattern) == "cwexport" else env.ct_list


def _summary_counts(path: Path) -> tuple[int | None, dict[str, int] | None, str | None]:
    """(matched records, per-pattern counts, problem) from ``--summary-json``, read defensively."""
    doc = _summary(path)
    if doc is None:
        return None, None, "summary missing or unreadable"
    per: dict[str, int] | None = None
    m = doc.get("matches")
    if isinstance(m, dict):
        per = {str(k): int(v) for k, v in m.items() if isinstance(v, int)}
    elif isinstance(doc.get("patterns"), list):
        per = {}
        for i, p in enumerate(doc["patterns"]):
            if isinstance(p, dict):
                n = p.get("matches", p.get("count"))
                if isinstance(n, int):
                    per[str(p.get("id", i))] = n
    total = None
    for key in ("matched_records", "records_matched", "matched"):
        if isinstance(doc.get(key), int):
            total = int(doc[key])
            break
    if total is None and isinstance(m, int):
        total = m
    if total is None and per and len(per) == 1:
        total = next(iter(per.values()))
    return total, per, None


def _summary(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(doc, dict) and isinstance(doc.get("summary"), dict):
        doc = doc["summary"]
    return doc if isinstance(doc, dict) else None


def run_tool(env: Env, tool: str, pattern: str) -> Measure | None:
    """One measured run of ``tool`` on ``pattern`` (None when the tool cannot do it)."""
    py = str(BIN / "python")
    if pattern == "startup":  # the CIS pattern over a 1 MB archive: start-up dominates
        if env.small is None or not tool.startswith("trailreplay"):
            return None
        argv = [str(BIN / "trailreplay"), "scan", str(env.small / "cloudtrail"), "--workers"]
        argv += ["1" if tool.endswith("-1") else str(env.workers), "--format", "records", "-q"]
        argv += ["--pattern", gen.CIS_ORG_PATTERN]
        return measure(argv)
    lst = _lists(env, pattern)
    tree = env.data / _tree(env, pattern)
    count_file = env.tmp / "count.json"
    count_file.unlink(missing_ok=True)
    workers = 1 if tool.endswith("-1") else env.workers
    if tool.startswith("trailreplay"):
        exe = BIN / "trailreplay"
        summary = env.tmp / "summary.json"
        summary.unlink(missing_ok=True)
        argv = [str(exe), "scan", str(tree), "--workers", str(workers), "--format", "records"]
        argv += ["--summary-json", str(summary), "--quiet"]
        text = gen.PATTERNS[pattern][0]
        if text is None:  # the 15 controls, as the peers and the ground truth read them
            argv += [arg for c, v in PUBLISHED_VERSION.items() for arg in ("-c", f"{c}@{v}")]
        else:
            argv += ["--pattern", text]
        m = measure(argv)
        total, per, problem = _summary_counts(summary)
        m.count, m.per_pattern = total, per
        oversized = (_summary(summary) or {}).get("oversized")
        m.oversized = oversized if isinstance(oversized, int) else None
        if m.error is None and problem:
            m.error = problem
        return m
    if tool.startswith("python"):
        argv = [py, "-m", "benchmarks.baseline", "python", "--files", str(lst)]
        argv += ["--pattern", pattern, "--workers", str(workers), "--count-file", str(count_file)]
        return _with_count(measure(argv, cwd=ROOT), count_file)
    if tool.startswith("duckdb"):
        if env.duckdb is None:
            return None
        if env.duckdb == "python":
            argv = [py, "-m", "benchmarks.baseline", "duckdb", "--files", str(lst)]
            argv += ["--pattern", pattern, "--workers", str(workers)]
            argv += ["--count-file", str(count_file)]
            return _with_count(measure(argv, cwd=ROOT), count_file)
        from benchmarks.baseline import duckdb_sql

        files = [f for f in lst.read_text().split("\0") if f]
        sql = duckdb_sql(pattern).replace("$files", "[" + ", ".join(_sq(f) for f in files) + "]")
        script = env.tmp / "q.sql"
        script.write_text(f"SET threads={workers};\n{sql};\n")
        out = env.tmp / "duck.out"
        argv = [env.duckdb, "-csv", "-noheader", "-f", str(script)]
        m = measure(argv, stdout_path=str(out))
        m.count = _int(out.read_text().strip().splitlines()[-1:])
        return m
    if tool == "jq":
        flt = JQ_FILTERS.get(pattern)
        if env.jq is None or flt is None:
            return None
        out = env.tmp / "jq.out"
        raw = " -R" if pattern == "space" else ""
        cmd = f"xargs -0 -a {shlex.quote(str(lst))} zcat -- | {env.jq}{raw} -c {shlex.quote(flt)}"
        cmd += " | wc -l"
        m = measure(["/bin/sh", "-c", cmd], stdout_path=str(out))
        m.count = _int(out.read_text().split()[:1])
        return m
    if tool == "zcat":
        cmd = f"xargs -0 -a {shlex.quote(str(lst))} zcat -- > /dev/null"
        return measure(["/bin/sh", "-c", cmd])
    if tool in ("isal-gunzip", "isal-search"):
        kind = "gunzip" if tool == "isal-gunzip" else "search"
        argv = [py, "-m", "benchmarks.baseline", kind, "--files", str(lst)]
        argv += ["--pattern", pattern, "--count-file", str(count_file)]
        return measure(argv, cwd=ROOT)
    raise SystemExit(f"unknown tool {tool}")


def _sq(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _int(xs: list[str]) -> int | None:
    try:
        return int(xs[0])
    except (IndexError, ValueError):
        return None


def _with_count(m: Measure, count_file: Path) -> Measure:
    try:
        m.count = int(json.loads(count_file.read_text())["count"])
    except (OSError, ValueError, KeyError, TypeError):
        if m.error is None:
            m.error = "no count written"
    return m


# --------------------------------------------------------------------------------------------
# checking and reporting


def _norm(s: str) -> str:
    return s.lower().replace("-", "_").replace(".", "_")


def check(env: Env, tool: str, pattern: str, m: Measure) -> str:
    """'ok' or a loud description of how the tool's count differs from the ground truth."""
    if tool in FLOORS:
        return "floor (not a matcher)"
    if m.error:
        return f"**ERROR** {m.error}"
    truth = env.truth["patterns"][pattern]
    want = int(truth["count"])
    problems = []
    if pattern == "controls" and tool.startswith("trailreplay") and m.per_pattern is not None:
        keys = {}
        for cid, key in gen.CONTROL_KEYS.items():
            keys[_norm(key)] = cid
            keys[_norm(cid)] = cid
        # A published text is reported as ``control-id@version``.
        got_ids = {keys.get(_norm(k.partition("@")[0]), k): v for k, v in m.per_pattern.items()}
        for cid, n in truth["per_control"].items():
            if cid not in got_ids:
                problems.append(f"{cid} missing")
            elif got_ids[cid] != n:
                problems.append(f"{cid} got {got_ids[cid]} want {n}")
    want_big = env.truth[_tree(env, pattern)].get("oversized_records")
    # on the match-everything pattern, oversized matched == oversized read, whatever is counted
    if pattern == "all" and None not in (m.oversized, want_big) and m.oversized != want_big:
        problems.append(f"oversized records: got {m.oversized} want {want_big}")
    if m.count is None:
        problems.append("count unavailable")
    elif m.count != want:
        problems.append(f"got {m.count} want {want}")
    if not problems:
        return "ok"
    return "**MISMATCH** " + "; ".join(problems)


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("orjson", "isal", "duckdb"):
        try:
            versions[mod] = __import__(mod).__version__
        except (ImportError, AttributeError):
            versions[mod] = "-"
    jq = shutil.which("jq")
    jqv = (
        subprocess.run([jq, "--version"], capture_output=True, text=True).stdout.strip()
        if jq
        else "-"
    )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "orjson / isal / duckdb / jq": f"{versions['orjson']} / {versions['isal']} / "
        f"{versions['duckdb']} / {jqv}",
        "trailreplay commit": commit,
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 240 else text[:237] + "..."


def _fmt_ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}x"


def render(env: Env, cells: dict[tuple[str, str], Cell], patterns: list[str], args: Any) -> str:
    t = env.truth
    ct, cw = t["cloudtrail"], t["cwexport"]
    lines = ["# trailreplay throughput benchmark", ""]
    lines += [
        "Generated by `python -m benchmarks.run` (`make bench`); do not edit by hand. "
        "Each figure is the best of the repetitions (tools alternate within a repetition; the "
        "best run is the least disturbed by other load on the machine). MB/s is uncompressed "
        "JSON (or export text) per second of wall time, process start included; CPU s is user + "
        "system time of the whole process tree (from `/usr/bin/time`, or the 20 ms samples "
        "when larger) and MB/CPU-s the throughput per CPU-second: on a busy machine it is the "
        "steadier comparison of single-process pipelines. Peak RSS: largest single process "
        "(`/usr/bin/time -f %M`, else `wait4`) / whole process tree (sampled every 20 ms).",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in env.machine.items()]
    lines += [
        "",
        "## Data",
        "",
        f"`benchmarks/data/{args.size}` (seed {t['seed']}): CloudTrail tree {ct['files']} files + "
        f"{ct['digest_files']} digest files, {ct['records']:,} records, "
        f"{ct['uncompressed_bytes'] / 1e6:.1f} MB uncompressed / "
        f"{ct['gz_bytes'] / 1e6:.1f} MB gzipped, "
        f"{ct['escaped_records']:,} records written with JSON escapes; CloudWatch Logs export "
        f"{cw['files']} files, {cw['events']:,} events, {cw['uncompressed_bytes'] / 1e6:.1f} MB. "
        f"Repetitions: {args.repeat}; workers N = {env.workers}.",
        "",
    ]

    def speed(tool: str, pattern: str) -> float | None:
        c = cells.get((tool, pattern))
        ok = [r for r in c.runs if r.error is None] if c else []
        if not ok:
            return None
        return min(r.seconds for r in ok)

    def mbps(tool: str, pattern: str) -> float | None:
        s = speed(tool, pattern)
        cw_tree = pattern != "floor" and gen.PATTERNS[pattern][1] == "cwexport"
        tree = t["cwexport" if cw_tree else "cloudtrail"]
        return tree["uncompressed_bytes"] / s / 1e6 if s else None

    def cpu_rate(tool: str, pattern: str) -> float | None:
        c = cells.get((tool, pattern))
        cpus = [r.cpu_seconds for r in c.runs if r.error is None and r.cpu_seconds] if c else []
        if not cpus:
            return None
        cw_tree = pattern != "floor" and gen.PATTERNS[pattern][1] == "cwexport"
        return float(t["cwexport" if cw_tree else "cloudtrail"]["uncompressed_bytes"]) / min(cpus)

    # headline
    lines += ["## Headline ratios (issue 4 goals)", "", HEAD_START]
    lines += [
        "| goal | measured (wall) | per CPU-second | target |",
        "|---|---|---|---|",
    ]
    goals = [
        (
            "CIS Organizations, trailreplay 1 worker vs python-1",
            "trailreplay-1",
            "python-1",
            "cis_org",
            3.0,
        ),
        (
            "CIS Organizations, trailreplay N workers vs DuckDB N threads",
            "trailreplay-N",
            "duckdb-N",
            "cis_org",
            2.0,
        ),
        ("CIS Organizations, trailreplay N workers vs jq", "trailreplay-N", "jq", "cis_org", 10.0),
        (
            "match everything, trailreplay 1 worker vs python-1",
            "trailreplay-1",
            "python-1",
            "all",
            1.0,
        ),
    ]
    for label, a, b, p, target in goals:
        if p not in patterns:
            continue
        ra, rb = mbps(a, p), mbps(b, p)
        status = ""
        if ra and rb:
            status = " ✅" if ra / rb >= target else " ❌"
        ca, cb = cpu_rate(a, p), cpu_rate(b, p)
        lines.append(
            f"| {label} | {_fmt_ratio(ra, rb)}{status} | {_fmt_ratio(ca, cb)} | ≥ {target:g}x |"
        )
    for tool in ("trailreplay-1", "trailreplay-N"):
        st = cells.get((tool, "startup"))
        ok = [r.seconds for r in st.runs if r.error is None] if st else []
        if ok:
            best = min(ok)
            lines.append(
                f"| `{tool}` scan of a 1 MB archive (CIS pattern), wall | {best:.2f} s"
                f"{' ✅' if best < 0.5 else ' ❌'} | | well under 1 s |"
            )
    rss = [
        r.tree_rss_kb
        for (tool, _), c in cells.items()
        if tool.startswith("trailreplay")
        for r in c.runs
    ]
    if rss:
        mx = max(rss) / 1024
        lines.append(
            f"| peak RSS of trailreplay (process tree, any pattern) | {mx:.0f} MB"
            f"{' ✅' if mx < 300 else ' ❌'} | | < 300 MB |"
        )
    lines += [HEAD_END, ""]

    # floors
    floors = [f for f in FLOORS if (f, "floor") in cells]
    if floors:
        lines += ["## Floors (CloudTrail tree, no matching)", ""]
        lines += [
            "| pipeline | MB/s | records/s | peak RSS MB (proc / tree) |",
            "|---|---:|---:|---:|",
        ]
        for f in floors:
            s = speed(f, "floor")
            c = cells[(f, "floor")]
            if s is None:
                lines.append(f"| {f} | error: {c.runs[-1].error if c.runs else '-'} | | |")
                continue
            lines.append(
                f"| {f} | {ct['uncompressed_bytes'] / s / 1e6:,.0f} | {ct['records'] / s:,.0f} | "
                f"{max(r.max_rss_kb for r in c.runs) / 1024:.0f} / "
                f"{max(r.tree_rss_kb for r in c.runs) / 1024:.0f} |"
            )
        lines.append("")

    gunzip_floor = mbps("isal-gunzip", "floor") if ("isal-gunzip", "floor") in cells else None
    for p in patterns:
        text, tree_name = gen.PATTERNS[p]
        tree = t[tree_name]
        truth = t["patterns"][p]
        shown = "`--control all` (the 15 CIS controls)" if text is None else f"`{text}`"
        if text == "":
            shown = "`''` (match everything)"
        if len(shown) > 160:
            shown = shown[:150] + "…`"
        lines += [f"## {p}: {shown}", ""]
        lines += [f"Tree: {tree_name}; ground truth: {truth['count']:,} matching records.", ""]
        peer_cols = [x for x in PEERS if any(k[0] == x and k[1] == p for k in cells)]
        head = "| tool | MB/s | records/s | " + " | ".join(f"× {x}" for x in peer_cols)
        head += " | % of isal floor | CPU s | MB/CPU-s | peak RSS MB (proc / tree) | count check |"
        lines += [head, "|---|---:|---:|" + "---:|" * len(peer_cols) + "---:|---:|---:|---:|---|"]
        for (tool, pp), c in cells.items():
            if pp != p:
                continue
            v = mbps(tool, p)
            recs = tree["records"] if "records" in tree else tree["events"]
            s = speed(tool, p)
            verdicts = sorted({_cell(check(env, tool, p, r)) for r in c.runs})
            if v is None:
                lines.append(
                    f"| {tool} | – | – | "
                    + " | ".join("–" for _ in peer_cols)
                    + f" | – | – | – | – | {'; '.join(verdicts)} |"
                )
                continue
            ratios = " | ".join(_fmt_ratio(v, mbps(x, p)) for x in peer_cols)
            floor = (
                f"{100 * v / gunzip_floor:.0f}%"
                if gunzip_floor and tree_name == "cloudtrail"
                else "–"
            )
            cpu = min((r.cpu_seconds for r in c.runs if r.cpu_seconds is not None), default=None)
            cpu_s = f"{cpu:.2f}" if cpu is not None else "–"
            per_cpu = f"{tree['uncompressed_bytes'] / cpu / 1e6:,.0f}" if cpu else "–"
            lines.append(
                f"| {tool} | {v:,.0f} | {recs / s:,.0f} | {ratios} | {floor} | {cpu_s} | "
                f"{per_cpu} | "
                f"{max(r.max_rss_kb for r in c.runs) / 1024:.0f} / "
                f"{max(r.tree_rss_kb for r in c.runs) / 1024:.0f} | {'; '.join(verdicts)} |"
            )
        lines.append("")
    if env.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in env.notes] + [""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    # The goals are stated on the ~1 GB tree; on smaller ones start-up dominates.
    ap.add_argument("--size", choices=sorted(gen.SIZES), default="1g")
    ap.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="N (default: all cores)"
    )
    ap.add_argument(
        "--only",
        help="comma-separated tools (trailreplay-1, trailreplay-N, python-1, "
        "python-N, duckdb-N, jq, zcat, isal-gunzip, isal-search)",
    )
    ap.add_argument("--patterns", help=f"comma-separated, from {','.join(PATTERN_ORDER)}")
    ap.add_argument(
        "--output",
        type=Path,
        help="markdown file to write (default: RESULTS.md for 1g, RESULTS-<size>.md otherwise)",
    )
    ap.add_argument("--no-write", action="store_true", help="print the markdown, do not write it")
    ap.add_argument("--render", action="store_true", help="re-render the last run, no measuring")
    a = ap.parse_args(argv)
    if a.output is None:
        a.output = RESULTS if a.size == "1g" else RESULTS.with_name(f"RESULTS-{a.size}.md")
    if a.render:
        return rerender(a)
    load_before = _loadavg()
    # Bytecode for the package as it stands, as a wheel install has: with
    # PYTHONDONTWRITEBYTECODE set, an edited module would otherwise be recompiled at every start.
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "engine"), quiet=1)
    data, truth = gen.ensure(a.size, a.seed)
    notes: list[str] = []
    no_control = False
    tools = ["trailreplay-1", "trailreplay-N", "python-1", "python-N", "duckdb-N", "jq", *FLOORS]
    if a.only:
        wanted = [x.strip() for x in a.only.split(",") if x.strip()]
        unknown = set(wanted) - set(tools)
        if unknown:
            ap.error(f"unknown tools: {', '.join(sorted(unknown))}")
        tools = [x for x in tools if x in wanted]
    patterns = list(PATTERN_ORDER)
    if a.patterns:
        patterns = [x.strip() for x in a.patterns.split(",") if x.strip()]
        bad = set(patterns) - set(PATTERN_ORDER)
        if bad:
            ap.error(f"unknown patterns: {', '.join(sorted(bad))}")

    if not (BIN / "trailreplay").exists() and any(x.startswith("trailreplay") for x in tools):
        notes.append(f"trailreplay skipped: {BIN / 'trailreplay'} not installed")
        tools = [x for x in tools if not x.startswith("trailreplay")]
    elif any(x.startswith("trailreplay") for x in tools):
        probe = subprocess.run([str(BIN / "trailreplay"), "scan", "--help"], capture_output=True)
        if probe.returncode != 0:
            notes.append("trailreplay skipped: `trailreplay scan` is not available yet")
            tools = [x for x in tools if not x.startswith("trailreplay")]
        elif b"--control" not in probe.stdout and "controls" in patterns:
            notes.append(
                "trailreplay: `--control all` unsupported; controls pattern skipped for it"
            )
            no_control = True
    duck: str | None = "python" if importlib.util.find_spec("duckdb") else shutil.which("duckdb")
    if duck is None and "duckdb-N" in tools:
        notes.append("DuckDB skipped: neither the duckdb Python package nor the CLI is installed")
    jq = shutil.which("jq")
    if jq is None and "jq" in tools:
        notes.append("jq skipped: not installed")
    if "jq" in tools and jq and "controls" in patterns:
        notes.append("jq has no filter for the 15-control pattern set (skipped there)")
    if "duckdb-N" in tools and duck:
        notes.append(
            "DuckDB counts matches (`SELECT count(*)`) and prints no records; every other tool "
            "writes the matching records to /dev/null. DuckDB reads each file with "
            "`read_json_objects` and extracts `$.Records[*]` as JSON values (faster here than "
            "`read_json` with typed columns); term/regex match the value's JSON text."
        )
    if "jq" in tools and jq:
        notes.append(
            "jq matches term and regex patterns on its own `tojson` text of each record "
            "(its number formatting can differ from the compact JSON CloudWatch Logs sees)."
        )

    with tempfile.TemporaryDirectory(prefix="trailreplay-bench-") as tmpd:
        tmp = Path(tmpd)
        ct_list, cw_list = tmp / "cloudtrail.lst", tmp / "cwexport.lst"
        ct_list.write_text("\0".join(str(p) for p in gen.iter_files(data / "cloudtrail")))
        cw_list.write_text("\0".join(str(p) for p in sorted((data / "cwexport").rglob("*.gz"))))
        env = Env(data, truth, a.workers, ct_list, cw_list, tmp, duck, jq, notes)
        env.machine = machine()
        cells: dict[tuple[str, str], Cell] = {}
        plan: list[tuple[str, str]] = []
        for p in patterns:
            for tool in tools:
                if tool in FLOORS:
                    continue
                if tool == "jq" and (jq is None or p not in JQ_FILTERS):
                    continue
                if tool.startswith("duckdb") and duck is None:
                    continue
                if tool.startswith("trailreplay") and p == "controls" and no_control:
                    continue
                plan.append((tool, p))
        plan += [(f, "floor") for f in tools if f in FLOORS]
        if any(x.startswith("trailreplay") for x in tools):
            env.small, _ = gen.ensure("1mb", a.seed)
            plan += [(x, "startup") for x in tools if x.startswith("trailreplay")]
        for _, key in enumerate(plan):
            cells[key] = Cell(*key)
        for rep in range(a.repeat):
            for tool, p in plan:
                m = run_tool(env, tool, "cis_org" if p == "floor" else p)
                if m is None:
                    continue
                cells[(tool, p)].runs.append(m)
                verdict = "" if p in ("floor", "startup") else check(env, tool, p, m)
                print(
                    f"[{rep + 1}/{a.repeat}] {p:8} {tool:14} {m.seconds:7.2f}s "
                    f"rss {m.tree_rss_kb / 1024:6.0f} MB  count {m.count}  {verdict}",
                    file=sys.stderr,
                    flush=True,
                )
        env.machine["load average before / after"] = f"{load_before} / {_loadavg()}"
        raw = {
            "args": {"size": a.size, "repeat": a.repeat, "workers": env.workers},
            "patterns": patterns,
            "notes": notes,
            "machine": env.machine,
            "cells": [
                {"tool": c.tool, "pattern": c.pattern, "runs": [asdict(r) for r in c.runs]}
                for c in cells.values()
            ],
        }
        raw_path(a.size).write_text(json.dumps(raw, indent=1))
        md = render(env, cells, list(patterns), a)
    return _emit(md, a)


def raw_path(size: str) -> Path:
    return gen.DATA_ROOT / f"results-{size}.json"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _emit(md: str, a: Any) -> int:
    if a.no_write:
        print(md)
        return 0
    if a.output == RESULTS:
        _quote_headline(md, a.size)
    old = a.output.read_text() if a.output.exists() else ""
    from benchmarks.micro import MARKER

    if MARKER in old:  # keep the microbenchmark's section
        md = md.rstrip("\n") + "\n\n" + MARKER + old.split(MARKER, 1)[1]
    a.output.write_text(md)
    print(f"wrote {a.output}", file=sys.stderr)
    return 0


def _quote_headline(md: str, size: str) -> None:
    """Copy the headline table into benchmarks/README.md (between its markers)."""
    if HEAD_START not in md or not README.exists():
        return
    table = md.split(HEAD_START, 1)[1].split(HEAD_END, 1)[0].strip("\n")
    when = md.split("| date | ", 1)[1].split(" |", 1)[0] if "| date | " in md else "?"
    text = README.read_text()
    if HEAD_START not in text or HEAD_END not in text:
        return
    before, rest = text.split(HEAD_START, 1)
    after = rest.split(HEAD_END, 1)[1]
    quoted = (
        f"Last `make bench` ({size} tree, {when}; see RESULTS.md for the machine):\n\n{table}\n"
    )
    README.write_text(f"{before}{HEAD_START}\n{quoted}{HEAD_END}{after}")


def rerender(a: Any) -> int:
    """RESULTS.md from the raw numbers of the last run of this size (no measuring)."""
    raw = json.loads(raw_path(a.size).read_text())
    a.repeat = raw["args"]["repeat"]
    data, truth = gen.ensure(a.size, a.seed)
    env = Env(data, truth, raw["args"]["workers"], Path(), Path(), Path(), None, None, raw["notes"])
    env.machine = raw["machine"]
    cells = {}
    for c in raw["cells"]:
        cell = Cell(c["tool"], c["pattern"], [Measure(**r) for r in c["runs"]])
        cells[(cell.tool, cell.pattern)] = cell
    return _emit(render(env, cells, raw["patterns"], a), a)


if __name__ == "__main__":
    sys.exit(main())
