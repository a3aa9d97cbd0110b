"""Pieces every reader shares: decoded text with line numbers, numbers parsed with a located error,
and the shape a reader hands back (spectra plus where each came from in the file).

Readers never return part of a file: they either return every block or raise InputError.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class Block:
    """One spectrum as a reader found it, with the data-row line range and what the file states."""

    spectrum: ImpedanceSpectrum
    first_line: int | None = None  # 1-based, inclusive; None for binary files
    last_line: int | None = None
    instrument: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows: list[int] | None = None  # where each point is: 1-based file line, or data row for binary files
    row_label: str = "line"


@dataclass
class TextFile:
    """A decoded text file split into lines; index i is line i + 1 in an editor."""

    path: str
    lines: list[str]

    @classmethod
    def from_bytes(cls, path: Path | str, data: bytes) -> "TextFile":
        if b"\x00" in data[:4096]:
            raise InputError("not a text file", file=str(path), expected="text", found="binary data (NUL bytes)")
        text = decode_text(data)
        lines = _LINE_BREAK.split(text)
        if lines and lines[-1] == "":
            lines.pop()
        if not any(line.strip() for line in lines):
            raise InputError("empty file", file=str(path), expected="a header and data rows", found="no text")
        return cls(str(path), lines)

    def fail(self, message: str, line_index: int | None = None, **kw: Any) -> NoReturn:
        """Raise InputError located at 0-based line_index (shown 1-based)."""
        raise InputError(message, file=self.path, line=None if line_index is None else line_index + 1, **kw)

    def require(self, predicate: Callable[[str], bool], message: str, expected: str) -> int:
        """Index of the first line matching `predicate`; a located-nowhere InputError if none does."""
        found = self.find(predicate)
        if found is None:
            self.fail(message, None, expected=expected, found="none in the file")
        return found

    def find(self, predicate: Callable[[str], bool], start: int = 0) -> int | None:
        for i in range(start, len(self.lines)):
            if predicate(self.lines[i]):
                return i
        return None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes, else Latin-1, which vendors on Windows still write."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_fields(line: str, delimiter: str | None) -> list[str]:
    """Split on the delimiter (None: runs of whitespace); strip blanks and enclosing double quotes."""
    parts = line.split() if delimiter is None else line.split(delimiter)
    out = []
    for p in parts:
        p = p.strip()
        if len(p) >= 2 and p[0] == p[-1] == '"':
            p = p[1:-1].strip()
        out.append(p)
    if delimiter is not None:
        while out and out[-1] == "":
            out.pop()
    return out


def parse_number(token: str, decimal_comma: bool = False) -> float | None:
    """A float from a vendor token, or None. Stricter than float(): no underscores, no spaces inside."""
    if decimal_comma:
        token = token.replace(",", ".")
    if not _NUMBER.fullmatch(token):
        return None
    return float(token)


def is_numeric_row(fields: Sequence[str], decimal_comma: bool = False) -> bool:
    return bool(fields) and all(parse_number(f, decimal_comma) is not None for f in fields)


@dataclass
class Table:
    """Numeric columns read from consecutive data rows; lines are 0-based indices into the file."""

    columns: dict[str, list[float]]
    lines: list[int]
    end: int  # index of the first line after the table

    def __len__(self) -> int:
        return len(self.lines)

    def rows(self) -> list[int]:
        """1-based file line of each row (what a user sees in an editor)."""
        return [i + 1 for i in self.lines]

    def subset(self, rows: Sequence[int]) -> "Table":
        return Table({k: [v[r] for r in rows] for k, v in self.columns.items()}, [self.lines[r] for r in rows], self.end)


def read_table(
    tf: TextFile,
    start: int,
    wanted: dict[str, int],
    *,
    delimiter: str | None,
    n_fields: int | None = None,
    decimal_comma: bool = False,
    stop: Callable[[str], bool] | None = None,
    column_names: Sequence[str] | None = None,
    comment: str | None = None,
) -> Table:
    """Read rows from `start` until EOF or `stop(line)`; take the `wanted` columns (name -> field index).

    Columns are found by name, never by count: rows may hold more or fewer fields than the header
    names (`n_fields` is informative only), as long as every wanted column is there. A row shorter than
    the first data row is a cut row and rejects the whole file, as does a non-number in a wanted column,
    with the line, the column and what was found: a half-read table is never returned. Blank lines,
    and lines starting with `comment` when given, are skipped.
    """
    cols: dict[str, list[float]] = {k: [] for k in wanted}
    lines: list[int] = []
    need = max(wanted.values()) + 1 if wanted else 0
    width: int | None = None  # fields in the first data row: every later row has at least as many
    i = start
    while i < len(tf.lines):
        line = tf.lines[i]
        if stop is not None and stop(line):
            break
        if not line.strip() or (comment is not None and line.lstrip().startswith(comment)):
            i += 1
            continue
        fields = split_fields(line, delimiter)
        if width is None:
            width = len(fields)
        if len(fields) < max(need, width):
            tf.fail(
                "truncated or short data row" + ("" if len(fields) < need else ": fewer fields than the rows before it"),
                i,
                expected=f"{max(need, width)} fields",
                found=f"{len(fields)} fields: {line.strip()[:60]!r}",
            )
        for name, col in wanted.items():
            value = parse_number(fields[col], decimal_comma)
            if value is None:
                label = column_names[col] if column_names and col < len(column_names) else name
                tf.fail("not a number", i, column=col + 1, field=label, expected="a number", found=repr(fields[col][:40]))
            cols[name].append(value)
        lines.append(i)
        i += 1
    return Table(cols, lines, i)


def require_rows(tf: TextFile, table: Table, where: int, what: str) -> None:
    if len(table) == 0:
        tf.fail(f"no data rows after the {what}", where, expected="at least one numeric row", found="none")


def check_values(tf: TextFile, table: Table, names: Sequence[str], *, positive: Sequence[str] = ()) -> None:
    """Every value finite, and the `positive` ones > 0; the first offender is named with its line."""
    for name in names:
        for value, line in zip(table.columns[name], table.lines):
            if not math.isfinite(value) or (name in positive and value <= 0):
                tf.fail(
                    f"invalid {name}",
                    line,
                    field=name,
                    expected="a positive finite number" if name in positive else "a finite number",
                    found=repr(value),
                )


def stated_float(text: str | None, scale: float = 1.0, decimal_comma: bool = True) -> float | None:
    """A number stated in a header (settings), times `scale` (e.g. 1e-3 for mV); None when absent
    or not a plain number, because a setting we cannot read is unknown rather than an error."""
    value = None if text is None else parse_number(text.strip(), decimal_comma)
    return None if value is None else value * scale


def split_runs(keys: Sequence[float]) -> list[list[int]]:
    """Row indices grouped into runs of equal consecutive key (cycle number) values, in file order."""
    runs: list[list[int]] = []
    previous: float | None = None
    for i, k in enumerate(keys):
        if not runs or k != previous:
            runs.append([])
        runs[-1].append(i)
        previous = k
    return runs


def guess_decimal_comma(fields: Sequence[str]) -> bool:
    """True when a data row uses decimal commas (1,5E+03) and no decimal points."""
    joined = "".join(fields)
    return "," in joined and "." not in joined


def key_values(lines: Sequence[str], separator: str) -> dict[str, str]:
    """`key <sep> value` header lines as a dict (first occurrence wins); lines without the separator
    and keys with an empty value are left out."""
    out: dict[str, str] = {}
    for line in lines:
        if separator in line:
            key, _, value = line.partition(separator)
            key, value = key.strip(), value.strip()
            if key and value and key not in out:
                out[key] = value
    return out


def decimal_comma_from(tf: TextFile, start: int, delimiter: str | None, comment: str | None = None) -> bool:
    """Whether the table starting at `start` writes decimal commas (judged on its first row).

    Never with a comma delimiter, where a comma can only separate fields.
    """
    if delimiter == ",":
        return False
    first = tf.find(lambda s: bool(s.strip()) and not (comment is not None and s.lstrip().startswith(comment)), start)
    return first is not None and guess_decimal_comma(split_fields(tf.lines[first], delimiter))


def refuse_technique(tf: TextFile, technique: str | None, where: int | None) -> None:
    """Refuse a file whose stated technique is not impedance, naming it; do nothing when it is, or when
    the file states none (the caller's own column checks then speak)."""
    from ssbcert.importers.vocabulary import IMPEDANCE_TECHNIQUE_WORDS

    if not technique or any(w in technique.lower() for w in IMPEDANCE_TECHNIQUE_WORDS):
        return
    tf.fail(f"not an impedance file (technique: {technique.strip().lower()})", where,
            expected="an impedance (EIS) measurement", found=technique.strip())
