"""Gamry Framework .DTA (EIS techniques).

Settings are `KEY<TAB>TYPE<TAB>VALUE<TAB>label` lines; the spectrum is the `ZCURVE TABLE` block
(column names, a units row, then tab-indented rows) that ends at the next unindented line.

Aborted runs: Gamry writes `EXPERIMENTABORTED` right after the last complete row. Those rows are
real measurements, so they are imported, with a warning and `meta["aborted"] = True`, stating where
the sweep stopped against the planned final frequency. A table with no complete row is rejected.
Decimal commas (European Windows locales) are read as decimal points; the file is tab-separated, so
a comma can mean nothing else.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ssbcert.importers.base import Block, refuse_technique, TextFile, decimal_comma_from, read_table, require_rows, split_fields, stated_float
from ssbcert.importers.vocabulary import GAMRY_TAGS
from ssbcert.importers.columns import FREQUENCY, build_spectrum, map_columns, require_columns

NAME = "gamry-dta"
_ABORT = "EXPERIMENTABORTED"
_UNIT_NAMES = {"Hz": "Hz", "ohm": "ohm", "s": "s", "°": "deg", "deg": "deg"}


def sniff(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    return first == "EXPLAIN" and "\nTAG\t" in head.replace("\r", "")


def _settings(lines: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines:
        if not line or line[0] in " \t":
            continue
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1] in ("LABEL", "QUANT", "IQUANT", "POTEN", "PSTAT", "TOGGLE", "SELECTOR"):
            out.setdefault(parts[0], parts[2].strip())
    return out


def _require_complete_sweep(tf: TextFile, last_line: int, columns: dict[str, list[float]], specs: dict[str, Any],
                            settings: dict[str, str]) -> None:
    """Without an abort marker the sweep must reach FREQFINAL (within 1.5 point steps); otherwise
    the table was cut (a truncated file), and a silently shorter spectrum would be wrong."""
    first, final = stated_float(settings.get("FREQINIT")), stated_float(settings.get("FREQFINAL"))
    per_decade = stated_float(settings.get("PTSPERDEC"))
    if not (first and final and per_decade and first > 0 and final > 0 and per_decade > 0):
        return
    last = columns[FREQUENCY][-1] * specs[FREQUENCY][1].scale
    if last <= 0:
        return
    steps = math.log10(last / final) * per_decade * (1 if first > final else -1)
    if steps > 1.5:
        tf.fail("impedance table ends before the planned final frequency, with no abort marker (file truncated?)",
                last_line, expected=f"a sweep down to {final:g} Hz or an {_ABORT} line", found=f"last point at {last:g} Hz")


def read(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    starts = [i for i, s in enumerate(tf.lines) if s.split("\t", 1)[0] == "ZCURVE"]
    if not starts:
        tag = next((i for i, s in enumerate(tf.lines[:50]) if s.startswith("TAG\t")), None)
        if tag is not None:
            code = tf.lines[tag].split("\t")[1].strip() if len(tf.lines[tag].split("\t")) > 1 else ""
            title = _settings(tf.lines).get("TITLE")
            refuse_technique(tf, GAMRY_TAGS.get(code.upper(), title or code), tag)
        tf.fail("no impedance table", None, expected="a 'ZCURVE TABLE' block", found="none in the file")
    settings = _settings(tf.lines)
    instrument = f"Gamry {settings['PSTAT']}" if settings.get("PSTAT") else "Gamry"
    final = stated_float(settings.get("FREQFINAL"))
    blocks: list[Block] = []
    for start in starts:
        if start + 2 >= len(tf.lines):
            tf.fail("impedance table header is cut off", start, expected="column names and units rows",
                    found="end of file")
        names = split_fields(tf.lines[start + 1], "\t")
        units = split_fields(tf.lines[start + 2], "\t")
        labelled = [f"{n}/{_UNIT_NAMES.get(u, u)}" if u in _UNIT_NAMES else n for n, u in zip(names, units)]
        cmap = map_columns(labelled)
        require_columns(tf, cmap, start + 1)
        comma = decimal_comma_from(tf, start + 3, "\t")
        table = read_table(tf, start + 3, cmap.wanted(), delimiter="\t", n_fields=len(names),
                           decimal_comma=comma, stop=lambda s: bool(s) and s[0] not in " \t", column_names=labelled)
        aborted = table.end < len(tf.lines) and tf.lines[table.end].split("\t", 1)[0] == _ABORT
        if aborted and len(table) == 0:
            tf.fail("experiment aborted before any impedance point", table.end,
                    expected="at least one complete ZCURVE row", found=_ABORT)
        require_rows(tf, table, start, "ZCURVE header")
        if not aborted:
            _require_complete_sweep(tf, table.lines[-1], table.columns, cmap.specs, settings)
        meta = {"ac_amplitude_V_rms": stated_float(settings.get("VAC"), 1e-3),
                "dc_potential_V": stated_float(settings.get("VDC")), "aborted": aborted}
        spectrum, warnings = build_spectrum(tf, table, cmap, meta)
        if aborted:
            last_f = spectrum.frequency_Hz[-1]
            planned = f"; planned final frequency {final:g} Hz" if final is not None else ""
            warnings.append(f"experiment aborted (line {table.end + 1}): imported the {len(table)} complete points "
                            f"measured before the abort, sweep stopped at {last_f:g} Hz{planned}")
        blocks.append(Block(spectrum, table.lines[0] + 1, table.lines[-1] + 1, instrument, dict(settings), warnings,
                            rows=table.rows()))
    return blocks
