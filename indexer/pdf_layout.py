"""Reading order of one PDF page from its text runs and rules: pure functions, no PDF library.

A run is a piece of text on one line (pdfium's text rects: runs of characters split at large gaps,
so table cells and columns come apart); rules are thin path objects (table rulings). The layout is
a one-level XY cut:

1. ruled tables: horizontal and vertical rules that touch form a grid; its cells become rows
   "a | b | c", one line each, taken out of the body;
2. page furniture: lines in the top/bottom `furniture_zone` of the page cut off from the body by a
   wide gap (running header, footer, page number) are read first/last, where
   `cleaning.remove_repeated_page_lines` looks for them;
3. gutters: x ranges that almost no run covers, between text on both sides, each column at least
   `min_column_width` of the page wide;
4. bands: a run that crosses a gutter's middle (a full-width heading, table or caption) cuts the
   page into horizontal bands; each band is read column by column, top to bottom;
5. lines: runs on the same baseline are joined; a line farther below the previous one than the
   column's line pitch (top to top or bottom to bottom, whichever moved less: glyph boxes grow with
   ascenders and descenders, the pitch does not) starts a paragraph.

A paragraph that goes on in the next column is joined with a single newline (no paragraph break)
when the column ends without final punctuation and the next one starts in lower case.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapporteur.parameters import EXTRACTION, ExtractionParams

_SENTENCE_END = re.compile(r"[.!?:;»)\]]\s*$")
_HYPHENATED_END = re.compile(r"[^\W\d_]{2}-$")  # "dépar-", "Aix-en-"; not "I-", "2024-"


@dataclass
class Run:
    """A run of text on one line, in points; y grows downwards (top < bottom)."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    table: bool = False  # a whole table, already formatted as rows

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Rule:
    """A thin path object (a table rule), in points; y grows downwards."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def vertical(self) -> bool:
        return (self.x1 - self.x0) < (self.bottom - self.top)


@dataclass(frozen=True)
class _Line:
    text: str
    top: float
    bottom: float
    height: float
    table: bool


def _merge_positions(values: Iterable[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _touch(a: Rule, b: Rule, tol: float = 2.0) -> bool:
    return a.x0 <= b.x1 + tol and b.x0 <= a.x1 + tol and a.top <= b.bottom + tol and b.top <= a.bottom + tol


def _rule_groups(rules: Sequence[Rule]) -> list[list[Rule]]:
    """Rules that touch, directly or through others."""
    groups: list[list[Rule]] = []
    for rule in rules:
        hits = [g for g in groups if any(_touch(rule, r) for r in g)]
        merged = [rule] + [r for g in hits for r in g]
        groups = [g for g in groups if all(g is not h for h in hits)] + [merged]
    return groups


def group_lines(runs: Sequence[Run]) -> list[list[Run]]:
    """Runs whose vertical centres are within half a line of each other, top to bottom, each line
    left to right."""
    lines: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: r.middle):
        if lines:
            last = lines[-1]
            last_middle = sum(r.middle for r in last) / len(last)
            if abs(run.middle - last_middle) <= 0.5 * max(run.height, last[0].height, 1.0):
                last.append(run)
                continue
        lines.append([run])
    return [sorted(line, key=lambda r: r.x0) for line in lines]


def _row_cells(runs: list[Run], xs: list[float]) -> list[str]:
    """Cells of one table row: by grid columns when there are vertical rules, else by runs."""
    runs = sorted(runs, key=lambda r: r.x0)
    if len(xs) >= 3:
        cells = [""] * (len(xs) - 1)
        for run in runs:
            cx = (run.x0 + run.x1) / 2
            i = max(0, min(len(cells) - 1, sum(1 for x in xs[1:-1] if x <= cx)))
            cells[i] = (cells[i] + " " + run.text).strip()
        return [c.replace("|", "/") for c in cells]
    return [r.text.replace("|", "/") for r in runs]


def extract_tables(runs: list[Run], rules: Sequence[Rule]) -> tuple[list[Run], list[Run]]:
    """Replace the runs inside ruled grids by one table run each; returns (other runs, table runs)."""
    tables: list[Run] = []
    remaining = runs
    for group in _rule_groups(rules):
        hs = _merge_positions(r.top for r in group if not r.vertical)
        xs = _merge_positions(r.x0 for r in group if r.vertical)
        if len(hs) < 3:  # a box or a single rule, not a grid
            continue
        x0, x1 = min(r.x0 for r in group), max(r.x1 for r in group)
        top, bottom = min(r.top for r in group), max(r.bottom for r in group)
        inside = [r for r in remaining if x0 - 1 <= (r.x0 + r.x1) / 2 <= x1 + 1 and top <= r.middle <= bottom]
        if not inside:
            continue
        rows: list[str] = []
        for line in group_lines(inside):
            cells = _row_cells(line, xs)
            if len(cells) < 2 and len(xs) < 3:
                break
            rows.append(" | ".join(cells))
        else:
            if len(rows) >= 2:
                tables.append(Run(x0, top, x1, bottom, "\n".join(rows), table=True))
                ids = {id(r) for r in inside}
                remaining = [r for r in remaining if id(r) not in ids]
    return remaining, tables


def find_gutters(
    runs: Sequence[Run], page_width: float, params: ExtractionParams = EXTRACTION
) -> list[tuple[float, float]]:
    """Vertical white strips between columns, as (start, end) x ranges."""
    if not runs:
        return []
    n = int(page_width) + 2
    counts = [0] * n
    for r in runs:
        for x in range(max(0, int(r.x0)), min(n, int(r.x1) + 1)):
            counts[x] += 1
    threshold = params.gutter_density * max(counts)
    covered = [i for i, c in enumerate(counts) if c > threshold]
    if not covered:
        return []
    lo, hi = covered[0], covered[-1]
    gutters: list[tuple[float, float]] = []
    start: int | None = None
    for x in range(lo, hi + 1):
        if counts[x] <= threshold:
            start = x if start is None else start
        elif start is not None:
            if x - start >= params.min_gutter:
                gutters.append((float(start), float(x)))
            start = None
    # Every column between two gutters (or the text edges) must be wide enough to be a column.
    min_width = params.min_column_width * page_width
    kept: list[tuple[float, float]] = []
    left = float(lo)
    for i, (g0, g1) in enumerate(gutters):
        right = gutters[i + 1][0] if i + 1 < len(gutters) else float(hi)
        if g0 - left >= min_width and right - g1 >= min_width:
            kept.append((g0, g1))
            left = g1
    return kept


def _crosses(run: Run, gutters: Sequence[tuple[float, float]]) -> bool:
    """Covers a gutter's middle: ragged line ends may enter a gutter, but not reach its middle."""
    return any(run.x0 < (g0 + g1) / 2 - 1 and run.x1 > (g0 + g1) / 2 + 1 for g0, g1 in gutters)


def _flat(lines: list[list[Run]]) -> list[Run]:
    return [r for line in lines for r in line]


def split_furniture(
    runs: list[Run], page_height: float, params: ExtractionParams = EXTRACTION
) -> tuple[list[Run], list[Run], list[Run]]:
    """(header, body, footer): lines in the outer `furniture_zone` of the page cut off by a wide gap."""
    lines = group_lines(runs)
    if len(lines) < 3:
        return [], runs, []
    heights = sorted(r.height for r in runs)
    min_gap = params.furniture_gap * heights[len(heights) // 2]
    head_end = 0
    for i in range(len(lines) - 1):
        bottom = max(r.bottom for r in lines[i])
        if bottom > params.furniture_zone * page_height:
            break
        if min(r.top for r in lines[i + 1]) - bottom >= min_gap:
            head_end = i + 1
    foot_start = len(lines)
    for i in range(len(lines) - 1, head_end, -1):
        top = min(r.top for r in lines[i])
        if top < (1 - params.furniture_zone) * page_height:
            break
        if top - max(r.bottom for r in lines[i - 1]) >= min_gap:
            foot_start = i
    return _flat(lines[:head_end]), _flat(lines[head_end:foot_start]), _flat(lines[foot_start:])


def _column_of(run: Run, gutters: Sequence[tuple[float, float]]) -> int:
    return sum(1 for _, g1 in gutters if run.x0 >= g1 - 1)


def _render_lines(runs: list[Run]) -> list[_Line]:
    """The lines of one column; a table is one line."""
    out: list[_Line] = []
    for line in group_lines(runs):
        table = next((r for r in line if r.table), None)
        if table is not None:
            out.append(_Line(table.text, table.top, table.bottom, 0.0, True))
            continue
        text = " ".join(r.text.strip() for r in line if r.text.strip())
        if text:
            out.append(
                _Line(text, min(r.top for r in line), max(r.bottom for r in line), max(r.height for r in line), False)
            )
    return out


def _pitch(above: _Line, below: _Line) -> float:
    """How far `below` sits under `above`: the smaller of the moves of their tops and of their
    bottoms (a line without descenders or ascenders moves only one edge of its glyph box)."""
    return min(below.top - above.top, below.bottom - above.bottom)


def _paragraph_starts(lines: Sequence[_Line], params: ExtractionParams = EXTRACTION) -> list[bool]:
    """Whether each line of a column starts a paragraph: the first, a table and the line after one,
    and a line farther below the previous one than `paragraph_pitch` times the column's line pitch
    (distances under `min_line_pitch` line heights, such as a superscript's, are not line pitches)."""
    heights = sorted(line.height for line in lines if not line.table) or [10.0]
    body_height = heights[len(heights) // 2]
    pitches = sorted(
        pitch
        for a, b in itertools.pairwise(lines)
        if not (a.table or b.table) and (pitch := _pitch(a, b)) >= params.min_line_pitch * body_height
    )
    line_pitch = min(pitches[len(pitches) // 4] if pitches else body_height, params.max_line_pitch * body_height)
    starts = [True]
    for above, below in itertools.pairwise(lines):
        far = _pitch(above, below) > params.paragraph_pitch * line_pitch
        starts.append(above.table or below.table or far)
    return starts


def column_text(runs: list[Run], params: ExtractionParams = EXTRACTION) -> str:
    """Text of one column: lines joined by newlines, paragraphs (`_paragraph_starts`) by blank lines."""
    lines = _render_lines(runs)
    if not lines:
        return ""
    parts: list[str] = []
    for line, start in zip(lines, _paragraph_starts(lines, params), strict=True):
        if parts:
            parts.append("\n\n" if start else "\n")
        parts.append(line.text)
    return "".join(parts)


def _goes_on(text: str, block: str) -> bool:
    """Whether `block` goes on the sentence that `text` leaves open: no final punctuation, and the
    block starts in lower case or with a figure, or the text ends on a lower-case word ("du") or on
    a word hyphenated at the line end ("dépar-", "Aix-en-")."""
    if _SENTENCE_END.search(text):
        return False
    if _HYPHENATED_END.search(text) and (block[:1].islower() or block[1:2].islower()):
        return True
    last = text.split()[-1].strip(",'\"-") if text.split() else ""
    return block[:1].islower() or block[:1].isdigit() or (last.isalpha() and last.islower())


def join_blocks(blocks: Sequence[str]) -> str:
    """Blocks in reading order; one that goes on the sentence the previous one left open is joined by
    a single newline, others by a blank line."""
    out = ""
    for block in blocks:
        if not block:
            continue
        if out:
            out += "\n" if _goes_on(out, block) else "\n\n"
        out += block
    return out


def plain_order(runs: list[Run]) -> str:
    """The runs top to bottom, left to right, a line break where the baseline changes (linear time
    after the sort)."""
    out: list[str] = []
    last_bottom: float | None = None
    for run in sorted(runs, key=lambda r: (round(r.bottom), r.x0)):
        if last_bottom is not None:
            out.append(" " if abs(run.bottom - last_bottom) < 1 else "\n")
        out.append(run.text.strip())
        last_bottom = run.bottom
    return "".join(out)


def layout_page(
    runs: list[Run],
    rules: Sequence[Rule],
    page_width: float,
    page_height: float,
    params: ExtractionParams = EXTRACTION,
) -> str:
    """Reading-order text of one page (see the module docstring). A page with more runs or rules than
    a report page has (a map, a chart drawn in vector, a hostile file) is read in plain top-to-bottom
    order, and its rules are not read as tables: the layout's cost grows faster than linearly."""
    runs = [r for r in runs if r.text.strip()]
    if len(runs) > params.max_runs_per_page:
        return plain_order(runs)
    if len(rules) > params.max_rules_per_page:
        rules = ()
    body, tables = extract_tables(runs, rules)
    header, items, footer = split_furniture(body + tables, page_height, params)
    gutters = find_gutters(items, page_width, params)
    blocks: list[str] = []
    band: list[Run] = []

    def flush() -> None:
        for col in range(len(gutters) + 1):
            blocks.append(column_text([r for r in band if _column_of(r, gutters) == col], params))
        band.clear()

    for run in sorted(items, key=lambda r: (r.top, r.x0)):
        if gutters and _crosses(run, gutters):
            flush()
            blocks.append(column_text([run], params))
        else:
            band.append(run)
    flush()
    furniture = (column_text(header, params), join_blocks(blocks), column_text(footer, params))
    return "\n\n".join(part for part in furniture if part)  # a running line never goes on a sentence
