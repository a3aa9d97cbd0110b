"""Plain CSV/TSV tables and ssbcert's own records CSV.

Generic tables: the delimiter is the one that splits the data rows most consistently; the header
(if any) is the non-numeric line just above the data, and its column names decide quantities,
units and signs (units.py). Without a header the columns are taken as frequency/Hz, Z'/ohm, Z''/ohm
with the physical sign (capacitive Z'' < 0) and a warning says so; a file that stores -Z'' must name
its columns. Decimal commas are accepted when the delimiter is not a comma.

Records CSV: what `write_records_csv` writes. Floats are written with repr (shortest round-trip
form) and temperature/meta as JSON in comment lines, so reading it back gives identical records.
"""
from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any, Sequence

from ssbcert.importers.base import (
    Block, TextFile, decimal_comma_from, guess_decimal_comma, is_numeric_row, parse_number, read_table, require_rows,
    split_fields,
)
from ssbcert.importers.text_tables import read_header_table
from ssbcert.importers.columns import (
    FREQUENCY, Z_IMAG, Z_REAL, ColumnMap, ColumnSpec, build_spectrum, header_facts, looks_like_header, map_columns,
    require_columns,
)
from ssbcert.records import ImpedanceSpectrum

GENERIC = "csv-table"
RECORDS = "ssbcert-records-csv"
RECORDS_MAGIC = "# ssbcert records csv v1"
_RECORD_COLUMNS = ["spectrum", "frequency_Hz", "z_real_ohm", "z_imag_ohm", "time_s"]
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)
_HEADERLESS = ColumnMap({FREQUENCY: (0, ColumnSpec(FREQUENCY)), Z_REAL: (1, ColumnSpec(Z_REAL)),
                         Z_IMAG: (2, ColumnSpec(Z_IMAG))}, ["frequency_Hz", "z_real_ohm", "z_imag_ohm"], [])


# ---------------------------------------------------------------- records CSV
def write_records_csv(spectra: Sequence[ImpedanceSpectrum], path: Path) -> None:
    """Write spectra so that reading the file back gives records equal to these (bit-exact floats)."""
    out = [RECORDS_MAGIC]
    for k, s in enumerate(spectra):
        head = {"temperature_K": s.temperature_K, "has_time": s.time_s is not None, "meta": s.meta}
        text = json.dumps(head, sort_keys=True, ensure_ascii=False)
        if json.loads(text) != head:
            raise ValueError(f"spectrum {k}: meta does not survive JSON unchanged (use str keys, lists, numbers)")
        out.append(f"# spectrum {k} {text}")
    out.append(",".join(_RECORD_COLUMNS))
    for k, s in enumerate(spectra):
        times = s.time_s if s.time_s is not None else [None] * len(s)
        for f, zr, zi, t in zip(s.frequency_Hz, s.z_real_ohm, s.z_imag_ohm, times):
            out.append(f"{k},{float(f)!r},{float(zr)!r},{float(zi)!r},{'' if t is None else repr(float(t))}")
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


_INDEX = re.compile(r"[0-9]{1,9}")
_HEAD_FORM = '# spectrum N {"temperature_K": number or null, "has_time": bool, "meta": {...}}'


def _valid_head(head: Any) -> bool:
    return (isinstance(head, dict) and isinstance(head.get("meta"), dict) and isinstance(head.get("has_time"), bool)
            and (head.get("temperature_K") is None or type(head.get("temperature_K")) in (int, float)))


def sniff_records(head: str) -> bool:
    return head.lstrip("\ufeff").startswith(RECORDS_MAGIC)


def read_records(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    heads: dict[int, dict[str, Any]] = {}
    header = None
    for i, line in enumerate(tf.lines[1:], start=1):
        if line.startswith("# spectrum "):
            key, _, text = line[len("# spectrum "):].partition(" ")
            try:
                head = json.loads(text)
            except ValueError:
                head = None
            if not (_INDEX.fullmatch(key) and _valid_head(head)):
                tf.fail("unreadable spectrum header", i, expected=_HEAD_FORM, found=line[:60])
            heads[int(key)] = head
        elif not line.startswith("#"):
            header = i
            break
    if header is None or split_fields(tf.lines[header], ",") != _RECORD_COLUMNS:
        tf.fail("records CSV column header missing", header, expected=",".join(_RECORD_COLUMNS),
                found=None if header is None else tf.lines[header][:80])
    rows: dict[int, list[tuple[int, list[str]]]] = {k: [] for k in heads}
    for i in range(header + 1, len(tf.lines)):
        fields = tf.lines[i].split(",")
        if not tf.lines[i].strip():
            continue
        if len(fields) != len(_RECORD_COLUMNS) or not _INDEX.fullmatch(fields[0]) or int(fields[0]) not in rows:
            tf.fail("bad records CSV row", i, expected="spectrum index of a declared spectrum and 4 values",
                    found=tf.lines[i][:60])
        rows[int(fields[0])].append((i, fields[1:]))
    blocks = []
    for k in sorted(heads):
        h = heads[k]
        cols: list[list[float]] = [[], [], [], []]
        for i, fields in rows[k]:
            for c, token in enumerate(fields):
                if c == 3 and not h.get("has_time"):
                    continue
                try:
                    cols[c].append(float(token))
                except ValueError:
                    tf.fail("not a number", i, column=c + 2, field=_RECORD_COLUMNS[c + 1], expected="a number",
                            found=repr(token[:40]))
        lines = [i for i, _ in rows[k]]
        if not lines:
            tf.fail(f"spectrum {k} has no rows", header, expected="at least one row", found="none")
        try:
            spectrum = ImpedanceSpectrum(cols[0], cols[1], cols[2], temperature_K=h.get("temperature_K"),
                                         time_s=cols[3] if h.get("has_time") else None, meta=dict(h.get("meta") or {}))
        except (ValueError, TypeError) as exc:
            tf.fail(f"spectrum {k} is inconsistent", lines[0], found=str(exc))
        blocks.append(Block(spectrum, lines[0] + 1, lines[-1] + 1, None, {}, []))
    return blocks


# ---------------------------------------------------------------- session store CSV export
SESSION_CSV = "ssbcert-session-csv"
_SESSION_MAGIC = "# ssbcert session "
_SESSION_COLUMNS = ("point", "kind", "temperature_K", "frequency_Hz", "z_real_ohm", "z_imag_ohm", "time_s")


def sniff_session_csv(head: str) -> bool:
    return head.lstrip("\ufeff").startswith(_SESSION_MAGIC)


def read_session_csv(path: Path, data: bytes) -> list[Block]:
    """`ssbcert.session.export.export_csv` output: one row per value, grouped back into one spectrum
    per point. Floats there are %.17g, so values are exact; `meta` is not in that export."""
    tf = TextFile.from_bytes(path, data)
    header = tf.require(lambda s: bool(s.strip()) and not s.startswith("#"), "no column header",
                        ",".join(_SESSION_COLUMNS))
    names = next(csv.reader([tf.lines[header]]))
    missing = [c for c in _SESSION_COLUMNS if c not in names]
    if missing:
        tf.fail("session CSV columns missing", header, field="column header", expected=", ".join(missing),
                found=tf.lines[header][:80])
    col = {c: names.index(c) for c in _SESSION_COLUMNS}
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    skipped = 0
    for i in range(header + 1, len(tf.lines)):
        if not tf.lines[i].strip():
            continue
        row = next(csv.reader([tf.lines[i]]))
        if len(row) != len(names):
            tf.fail("short or long row", i, expected=f"{len(names)} fields", found=f"{len(row)} fields")
        if row[col["kind"]] != "impedance_spectrum":
            skipped += 1
            continue
        groups.setdefault(row[col["point"]], []).append((i, row))
    blocks = []
    for point, rows in groups.items():
        values: dict[str, list[float | None]] = {c: [] for c in _SESSION_COLUMNS[2:]}
        for i, row in rows:
            for c in values:
                token = row[col[c]]
                value = None if token == "" and c in ("temperature_K", "time_s") else parse_number(token)
                if value is None and not (token == "" and c in ("temperature_K", "time_s")):
                    tf.fail("not a number", i, column=col[c] + 1, field=c, expected="a number", found=repr(token[:40]))
                values[c].append(value)
        times = values["time_s"]
        spectrum = ImpedanceSpectrum(values["frequency_Hz"], values["z_real_ohm"], values["z_imag_ohm"],
                                     temperature_K=values["temperature_K"][0],
                                     time_s=None if all(t is None for t in times) else [math.nan if t is None else t for t in times],
                                     meta={})
        warnings = [f"{skipped} non-impedance rows (polarization traces) not imported"] if skipped and not blocks else []
        blocks.append(Block(spectrum, rows[0][0] + 1, rows[-1][0] + 1, None, {"point": point}, warnings))
    return blocks


# ---------------------------------------------------------------- generic tables
def _numeric_lines(tf: TextFile, delimiter: str | None, limit: int = 200) -> list[int]:
    out = []
    for i, line in enumerate(tf.lines[:limit]):
        fields = split_fields(line, delimiter)
        comma = delimiter != "," and guess_decimal_comma(fields)
        if len(fields) >= 3 and is_numeric_row(fields, comma):
            out.append(i)
    return out


def _pick_delimiter(tf: TextFile) -> tuple[str | None, int]:
    """The delimiter giving the most numeric rows with >= 3 fields, and the first such row."""
    best: tuple[int, str | None, int] = (0, None, -1)
    for d in _DELIMITERS:
        rows = _numeric_lines(tf, d)
        if len(rows) > best[0]:
            best = (len(rows), d, rows[0])
    if best[0] == 0:
        tf.fail("no numeric table", None, expected="rows of at least 3 numbers (frequency, Z', Z'')",
                found="no such row in the first 200 lines")
    return best[1], best[2]


def read_generic(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    delimiter, first = _pick_delimiter(tf)
    above = first - 1
    while above >= 0 and not tf.lines[above].strip():
        above -= 1
    if above >= 0:
        text = tf.lines[above].lstrip().lstrip("#")
        names = split_fields(text, delimiter)
        if looks_like_header(names):
            stated = header_facts(tf.lines[:above])
            meta = {k: v for k, v in stated.items() if k != "temperature_K"}
            return [read_header_table(tf, above, delimiter, instrument=None, names=names, comment="#",
                                      settings={"stated": stated} if stated else None, meta=meta,
                                      temperature_K=stated.get("temperature_K"))]
        known = map_columns(names)
        if known.specs:
            require_columns(tf, known, above)  # names some quantities: say which one is missing
        if not is_numeric_row(names):
            tf.fail("column header not understood", above, field="column header",
                    expected="names for frequency and impedance columns (e.g. freq/Hz, Z'/ohm, -Z''/ohm)",
                    found=tf.lines[above].strip()[:80])
    comma = decimal_comma_from(tf, first, delimiter)
    table = read_table(tf, first, _HEADERLESS.wanted(), delimiter=delimiter, n_fields=3,
                       decimal_comma=comma, column_names=_HEADERLESS.names, comment="#")
    require_rows(tf, table, first, "start")
    spectrum, warnings = build_spectrum(tf, table, _HEADERLESS)
    warnings.insert(0, "no column header: columns taken as frequency/Hz, Z'/ohm, Z''/ohm with capacitive Z'' < 0")
    return [Block(spectrum, table.lines[0] + 1, table.lines[-1] + 1, None, {}, warnings, rows=table.rows())]

