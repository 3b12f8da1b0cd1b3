"""Human formatting: sizes, dates, aligned tables, key/value blocks, status symbols."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TextIO

__all__ = [
    "Symbols",
    "human_date",
    "human_size",
    "key_values",
    "printable",
    "symbols_for",
    "table",
]

# Characters a terminal acts on instead of showing: C0 controls (ESC starts ANSI sequences,
# CR rewrites the line, LF forges rows), DEL, C1 controls (0x9b is a one-byte CSI), and the
# bidirectional overrides that reorder what is shown.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """`text` (a server string: a name, a message) safe to show on a terminal: control
    characters become visible escapes (`"a\\x1b[2J"`, `"a\\nb"`); everything else is
    unchanged. Human output only: `--json` keeps strings exact."""
    return _CONTROL.sub(_escape, text)


_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")
_PLACEHOLDER = "-"


def human_size(size: int | None) -> str:
    """`1536` -> `"1.5 KiB"`; bytes below 1 KiB stay exact (`"512 B"`); None -> `"-"`."""
    if size is None:
        return _PLACEHOLDER
    if size < 1024:
        return f"{size} B"
    value = float(size) / 1024
    for unit in _UNITS[:-1]:
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {_UNITS[-1]}"


def human_date(moment: datetime | None) -> str:
    """An aware datetime as `YYYY-MM-DD HH:MM:SS UTC`; None -> `"-"`."""
    if moment is None:
        return _PLACEHOLDER
    if moment.tzinfo is None:  # the SDK always gives aware values; be lenient anyway
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Render rows as an aligned, space-separated table with a header line.

    Columns listed in `right` (indexes) are right-aligned, for numbers such as sizes. Trailing
    blanks are stripped so the output diffs and greps cleanly. Cells are made `printable`.
    """
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


def key_values(pairs: Sequence[tuple[str, str]]) -> str:
    """Render `(label, value)` pairs as an aligned block: `Label:   value` (`printable`)."""
    pairs = [(printable(label), printable(value)) for label, value in pairs]
    width = max((len(label) for label, _ in pairs), default=0) + 1
    return "\n".join(f"{(label + ':').ljust(width)}  {value}" for label, value in pairs)


@dataclass(frozen=True)
class Symbols:
    """Markers for status lines and tree drawing, in Unicode or plain ASCII."""

    ok: str
    fail: str
    arrow: str
    branch: str
    last: str
    pipe: str
    blank: str
    rule: str


_UNICODE = Symbols(
    ok="✔", fail="✘", arrow="→", branch="├── ", last="└── ", pipe="│   ", blank="    ", rule="─"
)
_ASCII = Symbols(
    ok="OK",
    fail="FAIL",
    arrow="->",
    branch="|-- ",
    last="`-- ",
    pipe="|   ",
    blank="    ",
    rule="-",
)


def symbols_for(stream: TextIO | None = None) -> Symbols:
    """Unicode markers when `stream` (stdout by default) can encode them, else ASCII.

    A Windows console in a legacy code page, or `PYTHONIOENCODING=ascii`, would otherwise
    crash with UnicodeEncodeError on the first check mark.
    """
    target = sys.stdout if stream is None else stream
    encoding = getattr(target, "encoding", None) or "ascii"
    sample = "".join(
        (_UNICODE.ok, _UNICODE.fail, _UNICODE.arrow, _UNICODE.branch, _UNICODE.pipe, _UNICODE.rule)
    )
    try:
        sample.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return _ASCII
    return _UNICODE
