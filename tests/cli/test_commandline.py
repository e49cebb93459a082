"""engine.cli.commandline: click's parsing rules, errors that name the command, help layout.

A small app declared here exercises each rule; the real commands are walked by
test_flag_table.py and run end to end by the other CLI tests."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.cli import commandline as cl
from engine.cli.main import report_usage_error, run
from engine.cli.options import FormatChoice


class Kind(enum.Enum):
    local = "local"
    dask = "dask"


SEEN: list[dict[str, Any]] = []


def go(
    sources: Annotated[list[str] | None, cl.Argument(metavar="SOURCE...", help="Inputs.")] = None,
    pattern: Annotated[list[str] | None, cl.Option("--pattern", "-e", metavar="P")] = None,
    workers: Annotated[int | None, cl.Option("--workers", "-j", min=1, max=8)] = None,
    quiet: Annotated[bool, cl.Option("--quiet", "-q", help="Say less.")] = False,
    fmt: Annotated[str, cl.Option("--format", param_type=FormatChoice(["json", "text"]))] = "text",
    kind: Annotated[Kind, cl.Option("--kind")] = Kind.local,
    ratio: Annotated[float | None, cl.Option()] = None,
    since_when: Annotated[str | None, cl.Option(metavar="TIME")] = None,
) -> None:
    """Do the thing.

    More about it."""
    SEEN.append(dict(locals()))


def pair(
    a: Annotated[str, cl.Argument(help="First.")],
    b: Annotated[str, cl.Argument(help="Second.")],
    out: Annotated[Path, cl.Option("--out", "-o", metavar="FILE")],
) -> int:
    """Two words and a file."""
    SEEN.append({"a": a, "b": b, "out": out})
    return 3


def version(value: bool) -> None:
    if value:
        print("tool 1")
        raise cl.Exit(0)


def root(
    v: Annotated[bool, cl.Option("--version", "-V", callback=version, is_eager=True)] = False,
) -> None:
    """Root."""


def make_app() -> cl.App:
    app = cl.App("tool", help="A tool.", epilog="\b\nExamples:\n  tool go x")
    app.command("go")(go)
    sub = cl.App("sub", help="Grouped commands.")
    sub.command("pair")(pair)
    app.add_group(sub)
    app.options(root)
    return app


def call(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    SEEN.clear()
    status = run(make_app(), args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    "args",
    [
        ["go", "a", "-e", "p1", "b", "--pattern", "p2", "-j", "2", "-q"],
        ["go", "-qj2", "-ep1", "a", "--pattern=p2", "b"],
        ["go", "--workers=2", "a", "b", "-q", "-e", "p1", "-e", "p2"],
        ["go", "-q", "-e", "p1", "-e", "p2", "-j2", "--", "a", "b"],
    ],
)
def test_click_rules_give_the_same_values(args: list[str], capsys: Any) -> None:
    assert call(args, capsys)[0] == 0
    (seen,) = SEEN
    assert seen["sources"] == ["a", "b"] and seen["pattern"] == ["p1", "p2"]
    assert seen["workers"] == 2 and seen["quiet"] is True


def test_defaults_types_and_a_value_that_starts_with_a_dash(capsys: Any) -> None:
    assert call(["go", "-e", "-x", "--kind", "dask", "--ratio", "0.5"], capsys)[0] == 0
    (seen,) = SEEN
    assert seen["pattern"] == ["-x"] and seen["sources"] is None and seen["workers"] is None
    assert seen["kind"] is Kind.dask and seen["ratio"] == 0.5 and seen["fmt"] == "text"
    assert call(["go", "--since-when", "1d", "--", "-"], capsys)[0] == 0
    assert SEEN[0]["since_when"] == "1d" and SEEN[0]["sources"] == ["-"]


def test_group_and_return_status(capsys: Any) -> None:
    status, _, _ = call(["sub", "pair", "x", "y", "-o", "f.json"], capsys)
    assert status == 3 and [{"a": "x", "b": "y", "out": Path("f.json")}] == SEEN


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["go", "--work", "2"],
            "no such option: --work (Possible options: --workers) (see 'trailreplay go --help')",
        ),
        (["go", "-x"], "no such option: -x (see 'trailreplay go --help')"),
        (
            ["go", "-j", "0"],
            "invalid value for '--workers' / '-j': 0 is not in the range "
            "1<=x<=8 (see 'trailreplay go --help')",
        ),
        (["go", "-j", "two"], "'two' is not a valid integer"),
        (["go", "--ratio", "x"], "'x' is not a valid float"),
        (["go", "--format", "xml"], "invalid value for '--format': 'xml' is not one of json, text"),
        (["go", "--kind", "k8s"], "'k8s' is not one of 'local', 'dask'"),
        (["go", "-e"], "option '-e' requires an argument (see 'trailreplay go --help')"),
        (["go", "--quiet=1"], "option '--quiet' does not take a value"),
        (["nope"], "no such command 'nope' (see 'trailreplay --help')"),
        (["sub", "pair", "x"], "missing argument 'B' (see 'trailreplay sub pair --help')"),
        (["sub", "pair", "x", "y"], "missing option '--out' / '-o'"),
        (["sub", "pair", "x", "y", "z", "-o", "f"], "got unexpected extra argument(s) (z)"),
        (["-V", "--nope"], "no such option: --nope"),
    ],
)
def test_each_mistake_is_one_line_exit_2(args: list[str], message: str, capsys: Any) -> None:
    status, out, err = call(args, capsys)
    assert status == 2 and out == "" and not SEEN
    assert err.startswith("trailreplay: ")
    assert message in err and err.count("\n") == 1, err


def test_help_and_version(capsys: Any) -> None:
    status, out, _ = call(["sub", "pair", "-h"], capsys)  # help before "missing argument"
    assert status == 0 and out.startswith("Usage: trailreplay sub pair [OPTIONS] A B\n")
    assert "Arguments:\n  A  First.  [required]\n" in out
    assert "-o, --out FILE  [required]" in out and not SEEN
    status, out, _ = call(["go", "--help"], capsys)
    assert status == 0 and "Usage: trailreplay go [OPTIONS] [SOURCE...]\n\n  Do the thing." in out
    assert "--format [json|text]" in out and "[default: text]" in out
    assert "-j, --workers INTEGER" in out and "[1<=x<=8]" in out
    assert "[default: local]" in out and "-q, --quiet" in out and "Say less." in out
    assert call(["-V", "go"], capsys)[:2] == (0, "tool 1\n")


def test_a_group_without_a_command_prints_its_help_on_stderr(capsys: Any) -> None:
    status, out, err = call([], capsys)
    assert status == 2 and out == ""
    assert err.startswith("Usage: trailreplay [OPTIONS] COMMAND [ARGS]...\n")
    assert "Commands:\n  go   Do the thing.\n  sub  Grouped commands.\n" in err
    assert "\n  Examples:\n    tool go x\n" in err  # \b: kept as written
    assert call(["sub"], capsys)[2].startswith("Usage: trailreplay sub [OPTIONS] COMMAND")


def test_help_fits_the_width(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    _, out, _ = call(["go", "-h"], capsys)
    assert max(len(line) for line in out.splitlines()) <= 58
    monkeypatch.setenv("COLUMNS", "200")  # never wider than 80
    _, out, _ = call(["go", "-h"], capsys)
    assert max(len(line) for line in out.splitlines()) <= 78


def test_short_help_is_the_first_sentence_or_what_fits() -> None:
    assert cl._short_help("One sentence. Two.", 45) == "One sentence."
    assert cl._short_help("word " * 20, 20) == "word word word..."
    assert cl._short_help("fits", 20) == "fits"


def test_declaration_mistakes_fail_when_built() -> None:
    def bad_type(x: Annotated[dict[str, str], cl.Option()]) -> None: ...

    def twice(
        a: Annotated[str, cl.Option("--a", "-a")] = "", b: Annotated[str, cl.Option("-a")] = ""
    ) -> None: ...

    for fn in (bad_type, twice):
        with pytest.raises(TypeError):
            cl.params_of(fn)


def test_errors_raised_by_a_command_name_it(capsys: Any) -> None:
    def fails() -> None:
        raise cl.UsageError("--since 'x': not a time")

    app = cl.App("tool")
    app.command("fails")(fails)
    assert run(app, ["fails"]) == 2
    assert capsys.readouterr().err == (
        "trailreplay: --since 'x': not a time (see 'trailreplay fails --help')\n"
    )


def test_report_keeps_a_message_without_context(capsys: Any) -> None:
    report_usage_error(cl.UsageError("Bad thing."))
    assert capsys.readouterr().err == "trailreplay: bad thing\n"


WORDS = st.text(alphabet="abcxyz./", min_size=1, max_size=6)


@given(
    sources=st.lists(WORDS, max_size=3),
    patterns=st.lists(st.text(min_size=0, max_size=6), max_size=3),
    quiet=st.booleans(),
    order=st.randoms(use_true_random=False),
)
def test_any_order_of_options_and_arguments_parses_alike(
    sources: list[str], patterns: list[str], quiet: bool, order: Any
) -> None:
    """Options may come anywhere among the arguments (click's interspersed arguments), and
    a value is taken as given, whatever it looks like."""
    chunks: list[list[str]] = [["--pattern", p] for p in patterns]  # repeated: in order
    if quiet:
        chunks.insert(order.randint(0, len(chunks)), ["-q"])
    args = ["go"]
    words = list(sources)
    for chunk in chunks:  # interleave, keeping the arguments' own order
        if words and order.random() < 0.5:
            args.append(words.pop(0))
        args += chunk
    args += ["--", *words] if any(w.startswith("-") for w in words) else words
    SEEN.clear()
    assert make_app().build().main(args, "tool") is None
    (seen,) = SEEN
    assert (seen["sources"] or []) == sources
    assert (seen["pattern"] or []) == patterns and seen["quiet"] is quiet


TOKENS = st.sampled_from(
    [
        "-",
        "--",
        "-e",
        "--pattern",
        "--pattern=",
        "-j",
        "-j0",
        "-j2",
        "-qj2",
        "--workers=x",
        "-q",
        "--quiet=1",
        "-h",
        "--help",
        "--format",
        "json",
        "xml",
        "--since",
        "7d",
        "-x",
        "--nope",
        "--work",
        "samples/",
        "{ $.a = 1 }",
        "=",
        "-=",
        "--=",
        "é",
        "-é",
        "\x00",
    ]
)


@given(st.lists(TOKENS, max_size=8), st.sampled_from(["scan", "test", "metrics", "lint"]))
def test_no_command_line_raises_anything_but_a_usage_error(args: list[str], name: str) -> None:
    """Whatever the words, parsing ends in values, help or one usage error: never a
    traceback (the commands are parsed, not run)."""
    import contextlib
    import io

    from engine.cli.main import whole

    group = whole().build()
    command = group.commands[name]
    assert isinstance(command, cl.Command)
    ctx = cl.Context(name, cl.Context("trailreplay"))
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.suppress(cl.CommandLineError, cl.Exit),
    ):
        command.parse(args, ctx)
