"""Vendor text exports that are one header row plus a numeric table: Parstat, PowerSuite, CH
Instruments, VersaStudio .par (and Autolab NOVA / any headed table through `read_header_table`).

They differ only in where the header row is, the delimiter and what settings the preamble states,
so each vendor function finds those three and hands over to one shared table reader.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from ssbcert.importers.base import (
    Block, TextFile, decimal_comma_from, key_values, read_table, require_rows, split_fields, stated_float,
)
from ssbcert.importers.columns import FREQUENCY, build_spectrum, map_columns, require_columns

PARSTAT = "parstat-txt"
POWERSUITE = "powersuite-txt"
CHI = "chinstruments-txt"
VERSASTUDIO = "versastudio-par"


def read_header_table(
    tf: TextFile,
    header_index: int,
    delimiter: str | None,
    *,
    instrument: str | None,
    settings: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
    stop: Callable[[str], bool] | None = None,
    comment: str | None = None,
    names: list[str] | None = None,
    temperature_K: float | None = None,
) -> Block:
    """The table whose column names are on `header_index`, as one spectrum (columns found by name).

    Rows with frequency 0 (Parstat logs the DC part of a combined experiment in the same table) are
    dropped, with a flag, by the row-sanity rules (sanity.py) that every reader's blocks go through.
    """
    if names is None:
        names = split_fields(tf.lines[header_index], delimiter)
    cmap = map_columns(names)
    require_columns(tf, cmap, header_index)
    comma = decimal_comma_from(tf, header_index + 1, delimiter, comment)
    table = read_table(tf, header_index + 1, cmap.wanted(), delimiter=delimiter, n_fields=len(names),
                       decimal_comma=comma, stop=stop, column_names=names, comment=comment)
    require_rows(tf, table, header_index, "column header")
    spectrum, more = build_spectrum(tf, table, cmap, meta, temperature_K)
    return Block(spectrum, table.lines[0] + 1, table.lines[-1] + 1, instrument, dict(settings or {}), more, rows=table.rows())


def _first_line(head: str) -> str:
    return head.lstrip("\ufeff").replace("\r", "\n").split("\n", 1)[0]


def sniff_parstat(head: str) -> bool:
    first = _first_line(head)
    return "Zre (ohms)" in first and "Zim (ohms)" in first and "Frequency (Hz)" in first


def read_parstat(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    return [read_header_table(tf, 0, "\t", instrument="Princeton Applied Research (Parstat)")]


def sniff_powersuite(head: str) -> bool:
    return [f.strip() for f in _first_line(head).split("\t")] == ["Frequency", "Zre", "Zimg"]


def read_powersuite(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    return [read_header_table(tf, 0, "\t", instrument="Princeton Applied Research (PowerSuite)")]


def sniff_chi(head: str) -> bool:
    return "Instrument Model:" in head and "A.C. Impedance" in head and "Freq/Hz" in head


def read_chi(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    header = tf.require(lambda s: s.strip().startswith("Freq/Hz"), "no column header", "a line starting with 'Freq/Hz'")
    settings = {**key_values(tf.lines[:header], " = "), **key_values(tf.lines[:header], ":  ")}
    amplitude = stated_float(settings.get("Amplitude (V)"))
    model = settings.get("Instrument Model")
    return [read_header_table(tf, header, ",", instrument=f"CH Instruments {model}" if model else "CH Instruments",
                              settings=settings, meta={"ac_amplitude_V": amplitude,
                                                       "dc_potential_V": stated_float(settings.get("Init E (V)"))})]


_SECTION = re.compile(r"^<(/?)([A-Za-z][\w ]*)>\s*$")


def sniff_versastudio(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("<") and "VersaStudio" in head and "<Instrument>" in head


def _sections(tf: TextFile) -> list[tuple[str, int, int]]:
    """(name, first line index, closing line index) of each top-level <Name> ... </Name> section."""
    out, open_at = [], None
    for i, line in enumerate(tf.lines):
        m = _SECTION.match(line.strip())
        if not m:
            continue
        if not m.group(1) and open_at is None:
            open_at = (m.group(2), i)
        elif m.group(1) and open_at is not None and m.group(2) == open_at[0]:
            out.append((open_at[0], open_at[1], i))
            open_at = None
    if open_at is not None:
        tf.fail("section not closed: file truncated", open_at[1], expected=f"</{open_at[0]}>", found="end of file")
    return out


def read_versastudio(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    sections = _sections(tf)
    info = {name: key_values(tf.lines[a + 1:b], "=") for name, a, b in sections if not name.startswith("Segment")}
    inst = info.get("Instrument", {})
    instrument = " ".join(x for x in ("Princeton Applied Research", inst.get("Type"), inst.get("SN") and f"SN {inst['SN']}") if x)
    eis = next((v for k, v in info.items() if k.startswith("Action") and "EIS" in v.get("Name", "")), {})
    settings = dict(eis)
    blocks: list[Block] = []
    for name, a, b in sections:
        if not name.startswith("Segment"):
            continue
        definition = tf.find(lambda s: s.startswith("Definition="), a)
        if definition is None or definition >= b:
            tf.fail("segment without column definition", a, expected="a 'Definition=' line", found="none")
        names = split_fields(tf.lines[definition][len("Definition="):], ",")
        while names and stated_float(names[-1]) is not None:  # a trailing placeholder ("0"), not a column
            names.pop()
        if FREQUENCY not in map_columns(names).specs:
            continue  # a DC segment: no impedance in it
        meta = {"ac_amplitude_V_rms": stated_float(eis.get("Amplitude (mV RMS)"), 1e-3), "segment": name}
        blocks.append(read_header_table(tf, definition, ",", instrument=instrument, names=names,
                                        settings={**settings, "segment": name}, meta=meta,
                                        stop=lambda s: s.startswith("</")))
    if not blocks:
        tf.fail("no impedance segment", None, expected="a <SegmentN> with a Frequency column", found="none")
    return blocks
