"""``trailreplay scan``: replay CloudTrail archives through filter patterns."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from engine.cli import MaxDocumentSize, _io
from engine.cli import commandline as cl
from engine.cli.options import EXIT_USAGE, FormatChoice, epilog, id_list, time_window
from engine.inert import inert
from engine.replay.formats.registry import FORMATS

if TYPE_CHECKING:
    from engine.replay.run import PatternSpec
    from engine.replay.s3config import S3Scope
    from engine.replay.scan import FileResult, ScanOptions
    from engine.replay.sources import Item, ItemOrRun

# The engine is imported when the command runs, not when the command line is parsed:
# `--help` and usage errors stay fast (docs/performance.md, "Start-up").
EXIT_ERROR = EXIT_USAGE


class OutputFormat(StrEnum):
    json = "json"  # each matching record once, compact JSON, one per line (JSON Lines)
    envelope = "envelope"  # one JSON line per (pattern, record) match, then the summary
    table = "table"


# `records` was the name of `json` before the formats were named alike in every command.
FORMAT_CHOICE = FormatChoice([f.value for f in OutputFormat], aliases={"records": "json"})


# The registry lists the formats without loading any reader (standard library only).
INPUT_FORMAT_CHOICE = FormatChoice(["auto", *FORMATS])


class ExecutorKind(StrEnum):
    local = "local"
    dask = "dask"


class UsageError(Exception):
    """A problem with the command line itself (exit 2 before scanning)."""


def _err(message: str) -> None:
    sys.stderr.write(f"trailreplay: {message}\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------- patterns


def load_patterns_file(
    path: str, first_number: int, origins: dict[str, str] | None = None
) -> list[PatternSpec]:
    """Patterns from a file (engine.patternfile: one pattern per line, or a JSON/TOML list
    of ``{id, pattern}``); patterns without an id are numbered ``p<n>`` after the
    ``--pattern`` ones.  ``origins`` receives ``id -> FILE:LINE`` so an invalid pattern is
    reported where it was written."""
    from engine import patternfile
    from engine.replay.run import PatternSpec

    try:
        entries = patternfile.read(path)
    except patternfile.PatternFileError as exc:
        raise UsageError(str(exc)) from exc
    number = first_number
    specs: list[PatternSpec] = []
    for fp in entries:
        pid = fp.id
        if pid is None:
            pid = f"p{number}"
            number += 1
        specs.append(PatternSpec(pid, fp.text))
        if origins is not None:
            origins[pid] = fp.where
    return specs


def control_patterns(ids: list[str]) -> list[PatternSpec]:
    """``--control ID`` / ``--control all`` from the pattern catalog."""
    from engine.replay.run import PatternSpec

    try:
        from engine import catalog  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:
        raise UsageError(
            "--control needs the pattern catalog (engine.catalog), which is not installed"
        ) from exc
    specs: list[PatternSpec] = []
    for cid in ids:
        if cid == "all":
            try:
                specs.extend(PatternSpec(e.id, e.pattern) for e in catalog.entries())
            except ValueError as exc:
                raise UsageError(f"--control: {exc}") from exc
            continue
        try:
            ref = catalog.resolve(cid)  # ID: the intent; ID@V: that version's published text
        except LookupError as exc:
            raise UsageError(f"--control {cid}: {exc.args[0] if exc.args else 'unknown'}") from exc
        except ValueError as exc:  # the catalog itself is broken (CatalogError)
            raise UsageError(f"--control: {exc}") from exc
        specs.append(PatternSpec(ref.id, ref.pattern))
    return specs


def default_pattern() -> PatternSpec:
    """No pattern given: the catalog's default control (CIS "AWS Organizations changes"),
    recorded in the cache by the last run that read it (engine.catalog_files)."""
    from engine.catalog_files import default_pattern as recorded
    from engine.replay.run import PatternSpec

    known = recorded()
    if known is not None:
        return PatternSpec(*known)
    from engine import catalog

    try:
        entry = catalog.default()
    except ValueError as exc:  # CatalogError: the catalog itself is unreadable
        raise UsageError(f"the default pattern: {exc}") from exc
    return PatternSpec(entry.id, entry.pattern)


def gather_patterns(
    patterns: list[str],
    patterns_file: str | None,
    controls: list[str],
    origins: dict[str, str] | None = None,
    extra: list[PatternSpec] | None = None,
) -> list[PatternSpec]:
    from engine.replay.run import PatternSpec

    specs = [PatternSpec(f"p{n}", text) for n, text in enumerate(patterns, 1)]
    if patterns_file is not None:
        specs.extend(load_patterns_file(patterns_file, len(specs) + 1, origins))
    if controls:
        specs.extend(control_patterns(controls))
    specs.extend(extra or [])  # --sigma rules: patterns given, so no default
    if not specs and not patterns_file and extra is None:
        specs = [default_pattern()]
    if not specs:
        raise UsageError(f"{patterns_file}: no patterns in the file")
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise UsageError(f"pattern id {spec.id!r} is used twice")
        seen.add(spec.id)
    return specs


def sigma_patterns(paths: list[str]) -> tuple[list[PatternSpec], dict[str, str], bool]:
    """``--sigma``: (a spec per converted rule, id -> title, whether some file was unreadable).

    Unreadable files and unsupported rules get one stderr line each; the rest are scanned.
    """
    from engine.replay.run import PatternSpec

    try:
        from engine.sigma import rule_patterns

        loaded = rule_patterns(paths)
    except ImportError:
        raise UsageError(
            "--sigma needs the 'sigma' extra: pip install 'trailreplay[sigma]'"
        ) from None
    for line in loaded.problems:
        _err(line)
    if not loaded.patterns:
        raise UsageError("--sigma: no rule gave a pattern")
    specs = [PatternSpec(p.id, p.pattern) for p in loaded.patterns]
    return specs, {p.id: p.title for p in loaded.patterns}, loaded.unreadable > 0


def check_patterns(specs: list[PatternSpec], origins: dict[str, str] | None = None) -> bool:
    """Compile every pattern; print each PatternError (with its caret) on stderr, naming
    where the pattern was written (``FILE:LINE`` for a patterns file)."""
    import engine
    from engine.pattern.compiler import compile_all

    try:
        # The whole set at once, as the scan will use it: compiled once (compile_all).
        compile_all(tuple(spec.text for spec in specs))
        return True
    except engine.PatternError:
        pass
    ok = True
    for spec in specs:
        try:
            engine.compile(spec.text)
        except engine.PatternError as exc:
            where = (origins or {}).get(spec.id)
            _err(f"invalid pattern {spec.id}" + (f" ({where})" if where else "") + f": {exc}")
            ok = False
    return ok


# --------------------------------------------------------------------------- progress


class _ProgressDisplay:
    """A rich progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, items: list[Item], console: Any) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        from engine.replay.sources import Source

        self.total_bytes = sum(i.size or 0 for i in items if isinstance(i, Source))
        self.files = len(items)
        self.matches = 0
        self.done_files = 0
        self.progress = Progress(
            TextColumn("{task.fields[files]}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[matches]} matches"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task(
            "scan", total=self.total_bytes or None, files=self._files(), matches=0
        )

    def _files(self) -> str:
        return f"{self.done_files}/{self.files} files"

    def __enter__(self) -> _ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, result: FileResult) -> None:
        self.done_files += result.files
        self.matches += result.matched_records
        self.progress.update(
            self.task,
            advance=result.raw_bytes,
            files=self._files(),
            matches=self.matches,
        )


# --------------------------------------------------------------------------- command


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


SCAN_EXAMPLES = (
    "trailreplay scan samples/",
    "trailreplay scan samples/ -c all --format envelope --since 2024-03-01",
    "trailreplay scan samples/ -e '{ $.eventName = ConsoleLogin }' --since 7d",
    "zcat samples/AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz | trailreplay scan -",
)
SCAN_EXIT = (
    "0 something matched, 1 nothing matched, 2 usage error or an input could not be\n"
    "read (matches from the readable inputs are still written), 130 interrupted"
)


def register(app: cl.App) -> None:
    @app.command("scan", epilog=epilog(SCAN_EXAMPLES, SCAN_EXIT))
    def scan(
        sources: Annotated[
            list[str] | None,
            cl.Argument(
                metavar="SOURCE...",
                help="Files, directories (recursive), globs, s3:// URLs, or - for standard input.",
                show_default=False,
            ),
        ] = None,
        pattern: Annotated[
            list[str] | None,
            cl.Option(
                "--pattern",
                "-e",
                metavar="PATTERN",
                help="A filter pattern (repeatable; ids p1, p2...).  [default: the CIS "
                "Organizations changes pattern]",
                show_default=False,
            ),
        ] = None,
        patterns_file: Annotated[
            str | None,
            cl.Option(
                "--patterns-file",
                "-f",
                metavar="FILE",
                help="Patterns, one per line, or a JSON/TOML list of {id, pattern}.",
            ),
        ] = None,
        control: Annotated[
            list[str] | None,
            cl.Option(
                "--control",
                "-c",
                metavar="ID",
                help="A catalog control (its intent), ID@V for CIS version V's published "
                "text, or 'all' (repeatable).",
                show_default=False,
            ),
        ] = None,
        sigma: Annotated[
            list[str] | None,
            cl.Option(
                "--sigma",
                metavar="RULE_OR_DIR",
                help="Sigma rule file or directory (repeatable; the sigma extra): each rule's "
                "pattern, under the rule's id (docs/sigma.md).",
                show_default=False,
            ),
        ] = None,
        input_format: Annotated[
            str,
            cl.Option(
                "--input-format",
                param_type=INPUT_FORMAT_CHOICE,
                metavar="FORMAT",
                help=f"auto (detect per file), {', '.join(FORMATS[:-1])} or {FORMATS[-1]}.",
            ),
        ] = "auto",
        max_document_size: MaxDocumentSize = None,
        since: Annotated[
            str | None,
            cl.Option(
                metavar="TIME",
                help="Keep events at or after TIME: ISO 8601 (UTC if no zone), a relative "
                "time (30m, 24h, 7d) or epoch seconds.",
            ),
        ] = None,
        until: Annotated[
            str | None,
            cl.Option(
                metavar="TIME",
                help="Keep events at or before TIME (a date alone: the whole day).",
            ),
        ] = None,
        output_format: Annotated[
            str | None,
            cl.Option(
                "--format",
                param_type=FORMAT_CHOICE,
                metavar=FORMAT_CHOICE.metavar,
                help="json: each matching record once, as JSON Lines; envelope: one JSON "
                "line per pattern match with the file and pattern id, then the summary; "
                "table: for people.  [default: table on a terminal, json in a pipe]",
                show_default=False,
            ),
        ] = None,
        summary_json: Annotated[
            str | None,
            cl.Option(
                "--summary-json",
                metavar="FILE",
                help="Also write the summary as JSON to FILE ('-': one {\"summary\": ...} line "
                "on stdout, after the output).",
            ),
        ] = None,
        no_envelope_summary: Annotated[
            bool,
            cl.Option(
                "--no-envelope-summary",
                help='--format envelope: no trailing {"summary": ...} object.',
            ),
        ] = False,
        workers: Annotated[
            int | None,
            cl.Option(
                "--workers",
                "-j",
                min=1,
                max=MAX_WORKERS,
                metavar="N",
                help="Worker processes.  [default: all cores; one for an input under 1 MiB]",
                show_default=False,
            ),
        ] = None,
        no_prune: Annotated[
            bool,
            cl.Option("--no-prune", help="Open every file even if its path date is outside."),
        ] = False,
        quiet: Annotated[bool, cl.Option("--quiet", "-q", help="No summary on stderr.")] = False,
        executor: Annotated[
            ExecutorKind,
            cl.Option(
                "--executor",
                metavar="KIND",
                help="local (processes) or dask (a Dask cluster; the dask extra).",
            ),
        ] = ExecutorKind.local,
        scheduler: Annotated[
            str | None,
            cl.Option(
                "--scheduler",
                metavar="ADDRESS",
                help="Dask scheduler address; implies --executor dask.  [default: a LocalCluster]",
            ),
        ] = None,
        profile: Annotated[
            str | None,
            cl.Option("--profile", metavar="NAME", help="AWS profile for s3:// sources."),
        ] = None,
        endpoint_url: Annotated[
            str | None,
            cl.Option(
                "--endpoint-url", metavar="URL", help="S3-compatible endpoint for s3:// sources."
            ),
        ] = None,
        s3_concurrency: Annotated[
            int | None,
            cl.Option(
                "--s3-concurrency",
                min=1,
                max=MAX_S3_CONCURRENCY,
                metavar="N",
                help="S3 objects fetched at a time (s3:// sources).  [default: 32]",
                show_default=False,
            ),
        ] = None,
        anon: Annotated[
            bool, cl.Option("--anon", help="Read s3:// sources without credentials.")
        ] = False,
        accounts: Annotated[
            list[str] | None,
            cl.Option(
                "--accounts",
                metavar="IDS",
                help="Only these 12-digit account ids (comma-separated, repeatable).",
                show_default=False,
            ),
        ] = None,
        regions: Annotated[
            list[str] | None,
            cl.Option(
                "--regions",
                metavar="NAMES",
                help="Only these regions, such as us-east-1 (comma-separated, repeatable).",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Replay CloudTrail archives through filter patterns; print the events that match."""
        since, until = time_window(since, until)
        account_ids = id_list(accounts, "--accounts")
        region_names = id_list(regions, "--regions")
        from engine.replay.formats import MAX_DOCUMENT_SIZE
        from engine.replay.s3config import S3Config, S3Scope
        from engine.replay.scan import ScanOptions
        from engine.replay.window import TimeWindow

        origins: dict[str, str] = {}
        titles: dict[str, str] = {}
        sigma_failed = False
        try:
            extra = None
            if sigma:
                extra, titles, sigma_failed = sigma_patterns(sigma)
            specs = gather_patterns(pattern or [], patterns_file, control or [], origins, extra)
        except UsageError as exc:
            _err(str(exc))
            raise cl.Exit(EXIT_ERROR) from None
        window = TimeWindow.from_text(since, until)
        if not check_patterns(specs, origins):
            raise cl.Exit(EXIT_ERROR)
        args = list(sources or [])
        if not args:
            if _isatty(sys.stdin):
                _err("no input: name files or directories, or - for standard input")
                raise cl.Exit(EXIT_ERROR)
            args = ["-"]
        code = _run(
            args,
            specs,
            ScanOptions(
                input_format=None if input_format == "auto" else input_format,
                window=window,
                max_document_size=max_document_size or MAX_DOCUMENT_SIZE,
            ),
            OutputFormat(output_format) if output_format else None,
            summary_json,
            workers,
            not no_prune,
            quiet,
            scope=S3Scope(
                S3Config(profile, endpoint_url, anon, **_concurrency(s3_concurrency)),
                account_ids,
                region_names,
            ),
            dask=executor is ExecutorKind.dask or scheduler is not None,
            scheduler=scheduler,
            envelope_summary=not no_envelope_summary,
            titles=titles,
        )
        # An unreadable --sigma rule file is bad input: exit 2 once the rest is scanned.
        raise cl.Exit(EXIT_ERROR if sigma_failed and code in (0, 1) else code)


# More processes than this is a typing mistake (each one costs ~30 MB and a start-up).
MAX_WORKERS = 256
MAX_S3_CONCURRENCY = 1024


def _concurrency(value: int | None) -> dict[str, int]:
    # The default lives in engine.replay.s3config (DEFAULT_CONCURRENCY).
    return {} if value is None else {"concurrency": value}


def _warn_nothing_read(summary: Any, sources: list[str]) -> None:
    """A scan that read no file says so: "nothing matched" must not mean "nothing was read"."""
    if summary.files_read or summary.files_failed or summary.interrupted:
        return
    if summary.files_skipped:
        why = ", ".join(f"{k} {v}" for k, v in sorted(summary.skipped.items()))
        _err(f"warning: every file was skipped ({why}): nothing was read")
    else:
        _err(f"warning: no log file found in {' '.join(sources)}")


#: An input this small (as stored, and in files) is scanned in one process when ``--workers`` is
#: not given: starting worker processes costs more than they save (~40 ms of CPU, and more wall
#: time on a busy machine, against ~0.1 s to scan 1 MB of small CloudTrail files in one).
SMALL_INPUT_BYTES = 1 << 20
SMALL_INPUT_FILES = 256


def small_input(items: Iterable[ItemOrRun]) -> tuple[bool, Iterable[ItemOrRun]]:
    """Whether ``items`` hold at most :data:`SMALL_INPUT_BYTES` and :data:`SMALL_INPUT_FILES`,
    and the same items to scan (looking stops at the first item past either bound; those
    looked at are put back in front).  A local file the listing did not size is sized by
    ``stat``; one that cannot be is left to the scan to report."""
    from engine.replay.sources import Source, unit_items

    iterator = iter(items)
    head: list[ItemOrRun] = []
    total = 0
    files = 0
    for listed in iterator:
        head.append(listed)
        for item in unit_items(listed):
            files += 1
            if isinstance(item, Source) and not item.is_stdin:
                size = item.size
                if size is None:
                    try:
                        size = os.stat(item.path).st_size
                    except (OSError, ValueError):
                        size = 0
                total += size
            if total > SMALL_INPUT_BYTES or files > SMALL_INPUT_FILES:
                return False, itertools.chain(head, iterator)
    return True, head


def _run(
    sources: list[str],
    specs: list[PatternSpec],
    options: ScanOptions,
    output_format: OutputFormat | None,
    summary_json: str | None,
    workers: int | None,
    prune: bool,
    quiet: bool,
    *,
    scope: S3Scope | None = None,
    dask: bool = False,
    scheduler: str | None = None,
    envelope_summary: bool = True,
    titles: dict[str, str] | None = None,
) -> int:
    from engine.replay.executors import Executor, make_executor
    from engine.replay.locations import expand
    from engine.replay.run import exit_status, run_scan
    from engine.replay.sinks import EnvelopeSink, RecordsSink, Sink, Summary, TableSink
    from engine.replay.sources import MissingExtra

    stdout_tty = _isatty(sys.stdout)
    fmt = output_format or (OutputFormat.table if stdout_tty else OutputFormat.json)
    ids = [s.id for s in specs]
    out = sys.stdout.buffer
    sink: Sink
    if fmt is OutputFormat.json:
        sink = RecordsSink(out)
    elif fmt is OutputFormat.envelope:
        sink = EnvelopeSink(out, ids, summary=envelope_summary)
    else:
        # Sigma rules are shown by title (their ids are UUIDs).
        labels = [(titles or {}).get(i, i) for i in ids]
        sink = TableSink(
            sys.stdout,
            labels,
            width=_io.table_width(sys.stdout),
            bold=_io.styled(sys.stdout),
            label_column=bool(titles),
        )
    show_progress = _io.styled(sys.stderr) and not quiet  # NO_COLOR: no escape at all

    items: list[Item] | None = None
    progress: _ProgressDisplay | None = None
    scoped: Iterable[ItemOrRun]
    if show_progress:  # the bar counts files: every file its own item
        items = list(expand(sources, window=options.window, prune=prune, scope=scope))
        scoped = items
    else:
        scoped = expand(sources, window=options.window, prune=prune, scope=scope, runs=True)
    if workers is None and not dask:
        small, scoped = small_input(scoped)
        if small:
            workers = 1
    texts = [s.text for s in specs]
    executor: Executor
    if dask:
        from engine.replay.dask_executor import make_dask_executor

        try:
            executor = make_dask_executor(scheduler, workers, texts)
        except MissingExtra as exc:
            _err(str(exc))
            return EXIT_ERROR
    else:
        from engine.replay.executors import MAX_WORKERS_PER_CORE, worker_cap

        if workers is not None and workers > worker_cap():
            _err(f"--workers {workers}: starting {worker_cap()} processes (at most "
                 f"{MAX_WORKERS_PER_CORE} per core)")  # fmt: skip
        executor = make_executor(workers, texts)
    summary = Summary(ids)
    output_status: int | None = None

    def on_problem(line: str) -> None:
        line = inert(line)  # file names and messages hold untrusted text
        if progress is not None:
            progress.progress.console.print(f"trailreplay: {line}", markup=False, highlight=False)
        else:
            _err(line)

    try:
        if items is not None:
            from rich.console import Console

            progress = _ProgressDisplay(items, Console(file=sys.stderr, stderr=True))
            if isinstance(sink, TableSink):  # the table and the bar share the terminal
                sink.before_output = progress.progress.stop
            with progress:
                run_scan(
                    sources, specs, options, sink=sink, executor=executor,
                    on_problem=on_problem, prune=prune, items=items,
                    on_result=progress.advance, summary=summary,
                )  # fmt: skip
        else:
            run_scan(
                sources, specs, options, sink=sink, executor=executor,
                on_problem=on_problem, prune=prune, items=scoped, summary=summary,
            )  # fmt: skip
    except KeyboardInterrupt:  # between results, e.g. during shutdown
        summary.interrupted = True
    except _io.OutputFailed as exc:  # `| head` went away, or a full disk: stop, say so
        summary.interrupted = True
        summary.output_error = f"{exc.stream} was closed" if exc.closed else str(exc)
        output_status = _io.report(exc)
    _silence_closed_stdout()
    _warn_nothing_read(summary, sources)
    if not quiet:
        sys.stderr.write(summary.render_text() + "\n")
    if summary_json is not None:
        import orjson

        if summary_json == "-":  # one line, so that JSON lines on stdout stay JSON lines
            if output_status is None:
                out.write(orjson.dumps({"summary": summary.to_dict()}) + b"\n")
                out.flush()
        else:
            try:
                Path(summary_json).write_bytes(
                    orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"
                )
            except OSError as exc:
                _err(f"{summary_json}: cannot write summary: {exc.strerror or exc}")
                return EXIT_ERROR
    return output_status if output_status is not None else exit_status(summary)


def _silence_closed_stdout() -> None:
    """After `| head` closed the pipe, make interpreter shutdown's flush a no-op."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
