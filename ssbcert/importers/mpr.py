"""BioLogic EC-Lab binary .mpr (own reader; layout facts from public reverse-engineering notes).

The file is `BIO-LOGIC MODULAR FILE` followed by modules. Each starts with `MODULE`, a 10-byte short
name and a 25-byte long name, then one of two headers:
* older EC-Lab: length u32, version u32, date[8] (57 bytes in all);
* EC-Lab >= 11.50: max length u32, length u32, version u32, version extension u32, date[8] (65 bytes);
  the module's version is the sum of the two version fields.
The layout is chosen by consistency (the module must end where the next `MODULE` or the file ends),
never by the date's spelling, which varies with the PC's locale.

`VMP Set` starts with the technique id (mpr_columns.TECHNIQUES), so a file of another technique is
refused by name. `VMP data` holds: point count u32, column count u8, column ids, then packed rows at
an offset fixed by the module version (mpr_columns.DATA_LAYOUTS). The row layout follows from the ids;
rows always end exactly at the module end, which lets one unknown id be skipped when the module's
size leaves a single possible width for it. Anything else that does not fit rejects the file.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ssbcert.errors import InputError
from ssbcert.importers.base import Block, split_runs
from ssbcert.importers.mpr_columns import COLUMNS, DATA_LAYOUTS, FLAGS, IMPEDANCE_TECHNIQUES, TECHNIQUES
from ssbcert.records import ImpedanceSpectrum

NAME = "biologic-mpr"
MAGIC = b"BIO-LOGIC MODULAR FILE\x1a"
_FILE_HEADER = 0x34
_NAMES = 6 + 10 + 25  # "MODULE", short name, long name
_OLD, _NEW = _NAMES + 16, _NAMES + 24  # header sizes of the two layouts
_FREQ, _RE, _MINUS_IM, _TIME, _CYCLE, _TEMP = ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm", "time/s", "cycle number",
                                               "Temperature/°C")


@dataclass
class Module:
    name: str
    version: int
    date: str
    payload: bytes
    offset: int  # of the payload in the file
    layout: str  # "EC-Lab < 11.50" or "EC-Lab >= 11.50" module header


def _fail(path: Path, message: str, offset: int | None = None, **kw: Any) -> InputError:
    where = f" at byte {offset:#x}" if offset is not None else ""
    return InputError(message + where, file=str(path), **kw)


def _header(data: bytes, pos: int, size: int) -> tuple[int, int, bytes] | None:
    """(payload length, version, date) read with header `size`, or None if the header is cut off."""
    if pos + size > len(data):
        return None
    if size == _OLD:
        length, version = struct.unpack_from("<II", data, pos + _NAMES)
        return length, version, data[pos + _NAMES + 8:pos + size]
    length, old, new = struct.unpack_from("<III", data, pos + _NAMES + 4)
    return length, old + new, data[pos + _NAMES + 16:pos + size]


def _fits(data: bytes, end: int) -> bool:
    return end == len(data) or data[end:end + 6] == b"MODULE"


def modules(path: Path, data: bytes) -> list[Module]:
    """Module headers and payloads, in file order; a cut-off or unreadable module rejects the file."""
    if not data.startswith(MAGIC):
        raise _fail(path, "not a BioLogic .mpr file", 0, expected=repr(MAGIC.decode()), found=repr(data[:23]))
    out: list[Module] = []
    pos = _FILE_HEADER
    while pos < len(data):
        if data[pos:pos + 6] != b"MODULE":
            raise _fail(path, "module header expected", pos, expected="'MODULE'", found=repr(data[pos:pos + 6]))
        short = data[pos + 6:pos + 16].decode("latin-1").strip()
        heads = {size: _header(data, pos, size) for size in (_OLD, _NEW)}
        fitting = [s for s, h in heads.items() if h is not None and _fits(data, pos + s + h[0])]
        if not fitting:
            cut = [s for s, h in heads.items() if h is not None and pos + s + h[0] > len(data)]
            if heads[_OLD] is None or cut:
                raise _fail(path, f"module {short!r} cut off (file truncated)", pos,
                            expected="a complete module", found=f"{len(data) - pos} bytes left")
            raise _fail(path, f"module {short!r} header not understood", pos,
                        expected="a length that ends at the next MODULE or the end of the file",
                        found=", ".join(str(h[0]) for h in heads.values() if h is not None))
        size = fitting[0]
        length, version, date = heads[size]  # type: ignore[misc]
        start = pos + size
        out.append(Module(short, version, date.decode("latin-1").strip("\x00 "), data[start:start + length], start,
                          "EC-Lab < 11.50" if size == _OLD else "EC-Lab >= 11.50"))
        pos = start + length
    return out


def technique(path: Path, mods: list[Module]) -> tuple[int | None, str]:
    """Technique id (first byte of `VMP Set`) and its name as EC-Lab writes it."""
    settings = next((m for m in mods if m.name == "VMP Set"), None)
    if settings is None or not settings.payload:
        return None, "unknown (no settings module)"
    tid = settings.payload[0]
    return tid, TECHNIQUES.get(tid, ("?", f"unknown technique id {tid:#04x}"))[1]


def _row_dtype(path: Path, ids: list[int], row_bytes: int | None, at: int) -> tuple[np.dtype, list[str]]:
    """Row dtype from the column ids. One unknown id is given the only width the module leaves for it
    (`row_bytes`: bytes per row, when the rows fill the module exactly); otherwise an unknown id rejects."""
    fields: list[tuple[str, str]] = []
    unknown = [i for i in ids if i not in COLUMNS and i not in FLAGS]
    known = sum(np.dtype(COLUMNS[i][1]).itemsize for i in ids if i in COLUMNS) + any(i in FLAGS for i in ids)
    width = None if row_bytes is None or len(unknown) != 1 else row_bytes - known
    if unknown and width not in (1, 2, 4, 8):
        raise _fail(path, "unknown data column id: row layout cannot be known", at, field="VMP data columns",
                    expected="known column ids (or a single unknown one whose width the module size fixes)",
                    found=", ".join(map(str, unknown)))
    notes = [f"column id {unknown[0]} is not in the id table: skipped ({width} bytes per row, from the module size)"
             ] if unknown else []
    for cid in ids:
        if cid in FLAGS:
            if all(f != "flags" for f, _ in fields):
                fields.append(("flags", "u1"))
            continue
        name, dt = COLUMNS[cid] if cid in COLUMNS else (f"unknown column id {cid}", f"V{width}")
        while any(f == name for f, _ in fields):
            name += "'"
        fields.append((name, dt))
    return np.dtype(fields), notes


def _data_rows(path: Path, mod: Module) -> tuple[np.ndarray, list[int], list[str]]:
    """The data module's rows (structured array), its column ids and notes on skipped columns."""
    p, base = mod.payload, mod.offset
    if mod.version not in DATA_LAYOUTS:
        raise _fail(path, "unsupported data module version", base, expected=", ".join(map(str, DATA_LAYOUTS)),
                    found=str(mod.version))
    id_dtype, start = DATA_LAYOUTS[mod.version]
    if len(p) < 5:
        raise _fail(path, "data module too short", base, expected="at least 5 bytes", found=str(len(p)))
    n_points, n_cols = struct.unpack_from("<IB", p, 0)
    if 5 + np.dtype(id_dtype).itemsize * n_cols > min(start, len(p)):
        raise _fail(path, "column list cut off or longer than its space", base, expected=f"{n_cols} column ids",
                    found=f"{len(p)} payload bytes")
    ids = np.frombuffer(p, dtype=id_dtype, count=n_cols, offset=5).astype(int).tolist()
    room = len(p) - start
    row_bytes = room // n_points if n_points and room >= 0 and room % n_points == 0 else None
    dtype, notes = _row_dtype(path, ids, row_bytes, base)
    need = start + n_points * dtype.itemsize
    if need > len(p):
        raise _fail(path, "data rows cut off (file truncated)", base + start,
                    expected=f"{n_points} rows of {dtype.itemsize} bytes", found=f"{max(0, room)} bytes")
    if need != len(p):
        raise _fail(path, "data rows do not fill the data module (layout not understood)", base + start,
                    expected=f"{n_points} rows of {dtype.itemsize} bytes = {n_points * dtype.itemsize} bytes",
                    found=f"{room} bytes")
    return np.frombuffer(p, dtype=dtype, count=n_points, offset=start), ids, notes


def read(path: Path, data: bytes) -> list[Block]:
    mods = modules(path, data)
    by_name = {m.name: m for m in mods}
    tid, tech = technique(path, mods)
    if "VMP data" not in by_name:
        raise _fail(path, "no data module", expected="a 'VMP data' module", found=", ".join(by_name) or "none")
    mod = by_name["VMP data"]
    rows, ids, notes = _data_rows(path, mod)
    names = rows.dtype.names or ()
    if not all(c in names for c in (_FREQ, _RE, _MINUS_IM)):
        if tid is not None and tid not in IMPEDANCE_TECHNIQUES:
            raise _fail(path, f"not an impedance file (technique: {tech.lower()})",
                        expected="PEIS or GEIS impedance data", found=f"{TECHNIQUES.get(tid, ('?',))[0]} data")
        raise _fail(path, "not an impedance data set", mod.offset, field="VMP data columns",
                    expected=f"{_FREQ}, {_RE} and {_MINUS_IM}", found=", ".join(names))
    if len(rows) == 0:
        raise _fail(path, "no data points", mod.offset, expected="at least one point", found="0")
    row_size, first_row = rows.dtype.itemsize, mod.offset + DATA_LAYOUTS[mod.version][1]
    settings: dict[str, Any] = {"technique": tech, "technique_id": tid, "modules": [m.name for m in mods],
                                "file_date": mod.date, "module_header": mod.layout, "data_module_version": mod.version,
                                "column_ids": ids}
    cycles = _cycles(path, rows, names, first_row, row_size)
    blocks = []
    for run in cycles:
        part = rows[run[0]:run[-1] + 1]
        f = part[_FREQ].astype(float)
        zr = part[_RE].astype(float)
        zi = -part[_MINUS_IM].astype(float)
        for label, arr in ((_FREQ, f), (_RE, zr), (_MINUS_IM, zi)):
            bad = ~np.isfinite(arr)
            if bad.any():
                k = int(np.argmax(bad)) + run[0]
                raise _fail(path, f"invalid value in data row {k}", first_row + k * row_size, field=label,
                            expected="a finite number", found=repr(float(arr[k - run[0]])))
        t = part[_TIME].astype(float) if _TIME in names else None
        cycle = int(part[_CYCLE][0]) if _CYCLE in names else None
        temperature = _temperature(part, names)
        spectrum = ImpedanceSpectrum(f, zr, zi, temperature_K=temperature, time_s=t, meta={"cycle": cycle})
        warnings = list(notes) if run is cycles[0] else []
        if len(cycles) > 1:
            warnings.append(f"cycle {cycle} of {len(cycles)} in one file")
        rows_at = first_row + run[0] * row_size  # binary: a byte range stands in for line numbers
        where = {"data_rows": [run[0], run[-1]], "data_bytes": [rows_at, rows_at + len(run) * row_size]}
        blocks.append(Block(spectrum, None, None, "BioLogic (EC-Lab .mpr)", {**settings, **where}, warnings,
                            rows=list(run), row_label="data row"))
    return blocks


def _cycles(path: Path, rows: np.ndarray, names: tuple[str, ...], first_row: int, row_size: int) -> list[list[int]]:
    if _CYCLE not in names:
        return [list(range(len(rows)))]
    cycle = rows[_CYCLE]
    if not np.all(np.isfinite(cycle)):
        k = int(np.argmax(~np.isfinite(cycle)))
        raise _fail(path, f"invalid cycle number in data row {k}", first_row + k * row_size, field=_CYCLE,
                    expected="a finite number", found=repr(float(cycle[k])))
    return split_runs(cycle.tolist())


def _temperature(part: np.ndarray, names: tuple[str, ...]) -> float | None:
    """Mean of a recorded temperature column (°C), when the file has one and it is finite."""
    if _TEMP not in names:
        return None
    t = part[_TEMP].astype(float)
    return float(np.mean(t)) + 273.15 if len(t) and np.all(np.isfinite(t)) else None
