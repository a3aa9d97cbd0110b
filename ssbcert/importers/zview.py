"""Scribner ZPlot/ZView .z files, in their two layouts.

* `ZPLOT2 ASCII`: an indented settings header ending in `End Comments`; the line before it names the
  tab-separated columns (`Freq(Hz) Ampl Bias Time(Sec) Z'(a) Z''(b) GD Err Range`).
* `ZPlotW Data File` / `Z60W Data File` (older, comma-separated): a few quoted header lines, free text,
  optionally a settings row and a point count, then rows in the same column order as above.

`Data Points` (or the bare count line) is what the header announces. Fewer complete rows than
announced is a sweep stopped early: imported with a warning. More rows than announced means the
file is not what it claims and is rejected.
"""
from __future__ import annotations

from pathlib import Path

from ssbcert.importers.base import Block, Table, TextFile, is_numeric_row, key_values, read_table, require_rows, split_fields, stated_float
from ssbcert.importers.columns import FREQUENCY, TIME, Z_IMAG, Z_REAL, ColumnMap, ColumnSpec, build_spectrum, map_columns, require_columns

NAME = "zplot-z"
NAME_CSV = "zplot-csv"
_MIN_FIELDS = 7  # data rows carry 9 values; the settings row above them has 6
# The fixed ZPlot column order, used when the file names no columns.
_DEFAULT = ColumnMap({FREQUENCY: (0, ColumnSpec(FREQUENCY)), TIME: (3, ColumnSpec(TIME)),
                      Z_REAL: (4, ColumnSpec(Z_REAL)), Z_IMAG: (5, ColumnSpec(Z_IMAG))},
                     ["Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range"], [])


def sniff(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("ZPLOT2 ASCII")


def sniff_csv(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    return "Data File" in first and "Version" in first and first.lstrip().startswith('"')


def _check_count(tf: TextFile, table: Table, announced: int | None, where: int) -> list[str]:
    if announced is None or announced == len(table):
        return []
    if len(table) > announced:
        tf.fail("more data rows than the header announces", where, expected=f"{announced} rows",
                found=f"{len(table)} rows")
    return [f"header announces {announced} points, file has {len(table)} complete rows: sweep stopped early"]


def _blocks(tf: TextFile, table: Table, cmap: ColumnMap, settings: dict[str, str], instrument: str,
            warnings: list[str]) -> list[Block]:
    meta = {"ac_amplitude_V": stated_float(settings.get("Potential-AC"), 1e-3), "dc_potential_V": stated_float(settings.get("Potential-DC"))}
    spectrum, more = build_spectrum(tf, table, cmap, meta)
    return [Block(spectrum, table.lines[0] + 1, table.lines[-1] + 1, instrument, settings, warnings + more,
                  rows=table.rows())]


def read(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    end = tf.require(lambda s: s.strip().startswith("End Comments"), "no end of the ZPlot header",
                     "an 'End Comments' line")
    settings = key_values(tf.lines[:end], ":")
    names = split_fields(tf.lines[end - 1], "\t") if end > 0 else []
    cmap = map_columns(names) if FREQUENCY in map_columns(names).specs else _DEFAULT
    require_columns(tf, cmap, end - 1)
    table = read_table(tf, end + 1, cmap.wanted(), delimiter="\t", column_names=cmap.names)
    require_rows(tf, table, end, "End Comments line")
    warnings = _check_count(tf, table, _count_line(settings.get("Data Points", "")), end)
    version = settings.get("Measured Data, ZPlot")
    return _blocks(tf, table, cmap, settings, f"ZPlot {version}" if version else "ZPlot", warnings)


def _count_line(line: str) -> int | None:
    """The bare point-count line of ZPlotW/Z60W headers (a single non-negative integer)."""
    value = stated_float(line.strip().strip('"'), decimal_comma=False)
    return int(value) if value is not None and value.is_integer() and 0 <= value < 1e9 else None


def read_csv(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    first = tf.require(lambda s: len(split_fields(s, ",")) >= _MIN_FIELDS and is_numeric_row(split_fields(s, ",")),
                       "no data rows", f"comma-separated rows of at least {_MIN_FIELDS} numbers")
    header = tf.lines[:first]
    count = _count_line(header[-1]) if header else None
    if count is None and len(header) > 1 and "Freq" in header[-1]:
        count = _count_line(header[-2])
    table = read_table(tf, first, _DEFAULT.wanted(), delimiter=",", n_fields=_MIN_FIELDS, column_names=_DEFAULT.names)
    require_rows(tf, table, first, "header")
    warnings = _check_count(tf, table, count, first)
    title = (split_fields(tf.lines[0], ",") or [""])[0]
    text = [s.strip().strip('"') for s in header if s.strip().strip('"')]
    settings = {"title": title, "header_text": " | ".join(text[1:])}
    return _blocks(tf, table, _DEFAULT, settings, title.split(" Data File")[0] or "ZPlot", warnings)
