"""BioLogic EC-Lab ASCII export (.mpt).

Layout: `EC-Lab ASCII FILE`, `Nb header lines : N`, header text (device, technique settings), the
column-name row on line N, then tab-separated rows. A file holding several cycles (repeated sweeps)
gives one spectrum per `cycle number`, never one run-together spectrum.
"""
from __future__ import annotations

import re
from pathlib import Path

from ssbcert.importers.base import (
    Block, refuse_technique, TextFile, check_values, decimal_comma_from, key_values, read_table, require_rows, split_fields, split_runs,
    stated_float,
)
from ssbcert.importers.columns import FREQUENCY, build_spectrum, map_columns, require_columns

NAME = "biologic-mpt"
_HEADER_COUNT = re.compile(r"^\s*Nb header lines\s*:\s*(\d+)\s*$")
_CYCLE_COLUMN = "cycle number"
# Technique parameters are written as a 20-character key column followed by the value.
_TECHNIQUE_KEYS = ("Mode", "E (V)", "vs.", "fi", "unit fi", "ff", "unit ff", "Nd", "Points", "spacing", "Va (mV)", "Na")


def sniff(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first in ("EC-Lab ASCII FILE", "BT-Lab ASCII FILE")


def _settings(header: list[str]) -> tuple[str | None, dict[str, str]]:
    settings = {k: v for k, v in key_values(header, " : ").items() if not k.startswith("Nb header")}
    for line in header:
        key = line[:20].strip()
        if key in _TECHNIQUE_KEYS and len(line) > 20 and line[20:].strip():
            settings.setdefault(key, line[20:].strip())
    if len(header) > 3 and header[3].strip():
        settings.setdefault("technique", header[3].strip())
    device = settings.get("Device")
    return (f"BioLogic {device}" if device else "BioLogic (EC-Lab)"), settings


def _frequency_Hz(settings: dict[str, str], key: str) -> float | None:
    value = stated_float(settings.get(key))
    scale = {"Hz": 1.0, "kHz": 1e3, "MHz": 1e6, "mHz": 1e-3}.get(settings.get(f"unit {key}", "Hz"))
    return None if value is None or scale is None else value * scale


def read(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    header_index = 0
    count_line = tf.find(lambda s: bool(_HEADER_COUNT.match(s)), 0)
    if count_line is not None and count_line < 5:
        n = int(_HEADER_COUNT.match(tf.lines[count_line]).group(1))  # type: ignore[union-attr]
        if n < 2 or n > len(tf.lines):
            tf.fail("header line count does not fit the file", count_line,
                    expected=f"between 2 and {len(tf.lines)} header lines", found=str(n))
        header_index = n - 1
    names = split_fields(tf.lines[header_index], "\t")
    cmap = map_columns(names)
    instrument, settings = _settings(tf.lines[:header_index])
    if not cmap.has_impedance() or FREQUENCY not in cmap.specs:
        refuse_technique(tf, settings.get("technique"), 3)
    require_columns(tf, cmap, header_index)
    wanted = cmap.wanted()
    if _CYCLE_COLUMN in names:
        wanted["cycle"] = names.index(_CYCLE_COLUMN)
    decimal_comma = decimal_comma_from(tf, header_index + 1, "\t")
    table = read_table(tf, header_index + 1, wanted, delimiter="\t", n_fields=len(names),
                       decimal_comma=decimal_comma, column_names=names)
    require_rows(tf, table, header_index, "column header")
    if "cycle" in wanted:
        check_values(tf, table, ["cycle"])
    common = {"ac_amplitude_V": stated_float(settings.get("Va (mV)"), 1e-3),
              "dc_potential_V": stated_float(settings.get("E (V)"))}
    blocks: list[Block] = []
    runs = split_runs(table.columns["cycle"]) if "cycle" in wanted else [list(range(len(table)))]
    for run in runs:
        part = table.subset(run)
        cycle = part.columns.pop("cycle", [None])[0]
        meta = {**common, "cycle": None if cycle is None else int(cycle)}
        spectrum, warnings = build_spectrum(tf, part, cmap, meta)
        blocks.append(Block(spectrum, part.lines[0] + 1, part.lines[-1] + 1, instrument, settings, warnings,
                            rows=part.rows()))
    if len(blocks) > 1:
        blocks[0].warnings.append(f"{len(blocks)} cycles in one file: one spectrum per cycle")
    start, final = _frequency_Hz(settings, "fi"), _frequency_Hz(settings, "ff")
    for b in blocks:
        b.settings = {**settings, "start_frequency_Hz": start, "final_frequency_Hz": final}
    return blocks
