"""Fit a table of cells to a width, for people: the layout behind ``scan --format table``.

Invariants of :func:`plan` + :func:`render_rows`:

- no line is wider than ``width`` terminal cells (wide characters count double);
- a cell is never split across lines: it fits, or it is *elided* in the middle (``…``), so every
  whitespace-separated token shown is either whole or visibly shortened;
- when the columns do not fit, the least useful give way first: columns blank in every row, then
  the caller's ``give_way`` steps (shorten a column, or drop it) in order; when even the
  essential columns do not fit, each record becomes a block of ``name  value`` lines;
- ``width=None`` (a pipe, a file) keeps every column at its natural width;
- cells are taken as given: callers pass text already made inert (engine.inert) and no markup is
  interpreted; the only escape sequence ever written is the bold header, when ``bold`` is set.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

ELLIPSIS = "…"
GAP = "  "


def cell_len(text: str) -> int:
    """Terminal cells ``text`` takes.  Printable ASCII is one cell a character; anything else
    (wide East Asian characters, controls) is measured by rich, imported only then: a table of
    plain ASCII, and every other output, starts without it (docs/performance.md, "Start-up")."""
    if text.isascii() and text.isprintable():
        return len(text)
    from rich.cells import cell_len as measure

    return measure(text)


class Column(msgspec.Struct, frozen=True):
    """A column; ``title``: in the one-record-per-block form, shown on the record's first line."""

    name: str
    title: bool = False


#: One step of giving way on a narrow terminal: shorten column ``name`` to ``floor`` cells (at
#: most, and only as much as needed), or drop it when ``floor`` is None.
GiveWay = tuple[str, int | None]


class Layout(msgspec.Struct, frozen=True):
    """Which columns are shown, how wide; ``blocks``: one record per block instead."""

    shown: tuple[int, ...]
    widths: tuple[int, ...]
    blocks: bool = False
    width: int | None = None


def elide(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: whole; else, for a path (an ARN's resource), its first
    and last segments around ``…``; else its start and end around ``…`` (more of the end, where
    names are)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    parts = text.split("/")
    if len(parts) > 2:
        for shorter in (f"{parts[0]}/{ELLIPSIS}/{parts[-1]}", f"{ELLIPSIS}/{parts[-1]}"):
            if cell_len(shorter) <= width:
                return shorter
    room = width - 1
    head = _take(text, room // 3)
    tail = _take(text[::-1], room - cell_len(head))[::-1]
    return head + ELLIPSIS + tail


def _take(text: str, cells: int) -> str:
    out: list[str] = []
    used = 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells:
            break
        out.append(ch)
        used += w
    return "".join(out)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def plan(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None,
    give_way: Sequence[GiveWay] = (),
) -> Layout:
    """The layout of ``rows`` under ``columns`` in ``width`` cells (None: unlimited).

    Columns blank in every row go first, then the ``give_way`` steps in order; when they are
    all taken and the row is still too wide: one record per block."""
    natural = [
        max([cell_len(c.name), *(cell_len(r[i]) for r in rows)]) for i, c in enumerate(columns)
    ]
    shown = list(range(len(columns)))
    widths = list(natural)
    if width is None:
        return Layout(tuple(shown), tuple(widths))

    def overflow() -> int:
        return sum(widths[i] for i in shown) + len(GAP) * (len(shown) - 1) - width

    if overflow() > 0:  # a column blank in every row tells nothing
        shown = [i for i in shown if any(r[i] for r in rows)]
    index = {c.name: i for i, c in enumerate(columns)}
    for name, floor in give_way:
        if overflow() <= 0:
            break
        i = index.get(name)
        if i is None or i not in shown:
            continue
        if floor is None:
            shown.remove(i)
        else:
            floor = max(floor, cell_len(columns[i].name))
            widths[i] = max(min(widths[i], floor), widths[i] - overflow())
    if overflow() > 0:
        return Layout(tuple(range(len(columns))), tuple(natural), blocks=True, width=width)
    # A later step (a dropped column) may have freed more room than needed: give it back to
    # the shortened columns, the last shortened first (the most valuable).
    for name, floor in reversed(give_way):
        i = index.get(name)
        if floor is not None and i is not None and i in shown and overflow() < 0:
            widths[i] = min(natural[i], widths[i] - overflow())
    return Layout(tuple(shown), tuple(widths[i] for i in shown), width=width)


def render_header(columns: Sequence[Column], layout: Layout, bold: bool) -> list[str]:
    if layout.blocks:
        return []
    line = GAP.join(
        _pad(columns[i].name, w) for i, w in zip(layout.shown, layout.widths, strict=True)
    ).rstrip()
    return [f"\x1b[1m{line}\x1b[0m" if bold else line]


def render_rows(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], layout: Layout, *, first: int = 0
) -> list[str]:
    """The lines of ``rows`` (``first``: how many records were rendered before, for blocks)."""
    if layout.blocks:
        return _blocks(columns, rows, layout.width or 80, first)
    lines = []
    for r in rows:
        cells = (_pad(elide(r[i], w), w) for i, w in zip(layout.shown, layout.widths, strict=True))
        lines.append(GAP.join(cells).rstrip())
    return lines


def _blocks(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int, first: int
) -> list[str]:
    """One record per block: its ``title`` columns on one line, the others as ``name  value``."""
    titles = [i for i, c in enumerate(columns) if c.title]
    label = max(cell_len(c.name) for c in columns)
    indent = "  "
    room = max(1, width - len(indent) - label - len(GAP))
    lines: list[str] = []
    for n, r in enumerate(rows, first):
        if n:
            lines.append("")
        head = GAP.join(r[i] for i in titles if r[i])
        rest = [i for i in range(len(columns)) if i not in titles]
        if cell_len(head) > width:  # the title alone, its other parts as fields
            rest = [i for i in range(len(columns)) if i != titles[0]]
            head = r[titles[0]]
        lines.append(head)
        for i in rest:
            if r[i]:
                name = _pad(columns[i].name, label)
                lines.append(f"{indent}{name}{GAP}{elide(r[i], room)}".rstrip())
    return [elide(line, width) for line in lines]  # a terminal narrower than the labels
