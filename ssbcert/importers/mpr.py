"""BioLogic EC-Lab binary .mpr (own reader; layout facts from public reverse-engineering notes).

The file is `BIO-LOGIC MODULAR FILE` followed by modules. Each module starts with `MODULE`, a
10-byte short name, a 25-byte long name, then (older header) length u32, version u32, date[8], or
(newer header) max length u32, length u32, version u32, reserved u32, date[8]. The `VMP data`
module holds: point count u32, column count u8, column ids u16[n], and packed little-endian rows from
offset 0x195 (version 2) or 0x196 (version 3). Row layout follows from the column ids, so an id we
do not know makes the file unreadable rather than misread. Flag ids share one byte per row.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ssbcert.errors import InputError
from ssbcert.importers.base import Block, split_runs
from ssbcert.records import ImpedanceSpectrum

NAME = "biologic-mpr"
MAGIC = b"BIO-LOGIC MODULAR FILE\x1a"
_HEADER_SIZE = 0x34
_FLAG_IDS = {1, 2, 3, 21, 31, 65}
_DATA_OFFSET = {2: 0x195, 3: 0x196}
_DATE = re.compile(rb"\d\d/\d\d/\d\d")
_COLUMNS: dict[int, tuple[str, str]] = {
    4: ("time/s", "<f8"), 5: ("control/V/mA", "<f4"), 6: ("Ewe/V", "<f4"), 7: ("dQ/mA.h", "<f8"),
    8: ("I/mA", "<f4"), 9: ("Ece/V", "<f4"), 11: ("I/mA", "<f8"), 13: ("(Q-Qo)/mA.h", "<f8"),
    16: ("Analog IN 1/V", "<f4"), 19: ("control/V", "<f4"), 20: ("control/mA", "<f4"), 23: ("dQ/mA.h", "<f8"),
    24: ("cycle number", "<f8"), 26: ("Rapp/Ohm", "<f4"), 27: ("Ewe-Ece/V", "<f4"), 32: ("freq/Hz", "<f4"),
    33: ("|Ewe|/V", "<f4"), 34: ("|I|/A", "<f4"), 35: ("Phase(Z)/deg", "<f4"), 36: ("|Z|/Ohm", "<f4"),
    37: ("Re(Z)/Ohm", "<f4"), 38: ("-Im(Z)/Ohm", "<f4"), 39: ("I Range", "<u2"), 69: ("R/Ohm", "<f4"),
    70: ("P/W", "<f4"), 74: ("Energy/W.h", "<f8"), 75: ("Analog OUT/V", "<f4"), 76: ("<I>/mA", "<f4"),
    77: ("<Ewe>/V", "<f4"), 78: ("Cs-2/µF-2", "<f4"), 96: ("|Ece|/V", "<f4"), 98: ("Phase(Zce)/deg", "<f4"),
    99: ("|Zce|/Ohm", "<f4"), 100: ("Re(Zce)/Ohm", "<f4"), 101: ("-Im(Zce)/Ohm", "<f4"),
    123: ("Energy charge/W.h", "<f8"), 124: ("Energy discharge/W.h", "<f8"),
    125: ("Capacitance charge/µF", "<f8"), 126: ("Capacitance discharge/µF", "<f8"), 131: ("Ns", "<u2"),
    163: ("|Estack|/V", "<f4"), 168: ("Rcmp/Ohm", "<f4"), 169: ("Cs/µF", "<f4"), 172: ("Cp/µF", "<f4"),
    173: ("Cp-2/µF-2", "<f4"), 174: ("<Ewe>/V", "<f4"), 178: ("(Q-Qo)/C", "<f4"), 179: ("dQ/C", "<f4"),
    211: ("Q charge/discharge/mA.h", "<f8"), 212: ("half cycle", "<u4"), 213: ("z cycle", "<u4"),
    217: ("THD Ewe/%", "<f4"), 241: ("|E1|/V", "<f4"), 326: ("P/W", "<f4"), 438: ("step time/s", "<f8"),
}


def _fail(path: Path, message: str, offset: int | None = None, **kw: Any) -> InputError:
    where = f" at byte {offset:#x}" if offset is not None else ""
    return InputError(message + where, file=str(path), **kw)


def _modules(path: Path, data: bytes) -> list[dict[str, Any]]:
    """Module headers and payloads, in file order; a cut-off module rejects the file."""
    if not data.startswith(MAGIC):
        raise _fail(path, "not a BioLogic .mpr file", 0, expected=repr(MAGIC.decode()), found=repr(data[:23]))
    out, pos = [], _HEADER_SIZE
    while pos < len(data):
        if data[pos:pos + 6] != b"MODULE":
            raise _fail(path, "module header expected", pos, expected="'MODULE'", found=repr(data[pos:pos + 6]))
        old_style = bool(_DATE.fullmatch(data[pos + 49:pos + 57]))
        header_size = 57 if old_style else 65
        if pos + header_size > len(data):
            raise _fail(path, "module header cut off (file truncated)", pos, expected=f"{header_size} header bytes",
                        found=f"{len(data) - pos}")
        short = data[pos + 6:pos + 16].decode("latin-1").strip()
        if old_style:
            length, version = struct.unpack_from("<II", data, pos + 41)
            date, start = data[pos + 49:pos + 57], pos + 57
        else:
            length, version = struct.unpack_from("<II", data, pos + 45)
            date, start = data[pos + 57:pos + 65], pos + 65
        if start + length > len(data):
            raise _fail(path, f"module {short!r} cut off (file truncated)", pos,
                        expected=f"{length} payload bytes", found=f"{len(data) - start}")
        out.append({"name": short, "version": version, "date": date.decode("latin-1"),
                    "payload": data[start:start + length], "offset": start})
        pos = start + length
    return out


def _row_dtype(path: Path, ids: tuple[int, ...], offset: int) -> np.dtype:
    fields: list[tuple[str, str]] = []
    for cid in ids:
        if cid in _FLAG_IDS:
            if ("flags", "u1") not in fields:
                fields.append(("flags", "u1"))
            continue
        if cid not in _COLUMNS:
            raise _fail(path, "unknown data column id: row layout cannot be known", offset,
                        field="VMP data columns", expected="a known column id", found=str(cid))
        name = _COLUMNS[cid][0]
        while name in (f for f, _ in fields):
            name += "'"
        fields.append((name, _COLUMNS[cid][1]))
    return np.dtype(fields)


def read(path: Path, data: bytes) -> list[Block]:
    modules = _modules(path, data)
    by_name = {m["name"]: m for m in modules}
    if "VMP data" not in by_name:
        raise _fail(path, "no data module", expected="a 'VMP data' module", found=", ".join(by_name) or "none")
    mod = by_name["VMP data"]
    payload, base = mod["payload"], mod["offset"]
    if len(payload) < 5:
        raise _fail(path, "data module too short", base)
    n_points, n_cols = struct.unpack_from("<IB", payload, 0)
    if 5 + 2 * n_cols > len(payload):
        raise _fail(path, "column list cut off", base)
    ids = struct.unpack_from(f"<{n_cols}H", payload, 5)
    if mod["version"] not in _DATA_OFFSET:
        raise _fail(path, "unsupported data module version", base, expected="2 or 3", found=str(mod["version"]))
    dtype = _row_dtype(path, ids, base)
    start = _DATA_OFFSET[mod["version"]]
    need = start + n_points * dtype.itemsize
    if need > len(payload):
        raise _fail(path, "data rows cut off (file truncated)", base + start,
                    expected=f"{n_points} rows of {dtype.itemsize} bytes", found=f"{max(0, len(payload) - start)} bytes")
    rows = np.frombuffer(payload, dtype=dtype, count=n_points, offset=start)
    names = dtype.names or ()
    for required in ("freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"):
        if required not in names:
            raise _fail(path, "not an impedance data set", base, field="VMP data columns",
                        expected="freq/Hz, Re(Z)/Ohm and -Im(Z)/Ohm", found=", ".join(names))
    if n_points == 0:
        raise _fail(path, "no data points", base, expected="at least one point", found="0")
    settings_mod = by_name.get("VMP Set")
    settings: dict[str, Any] = {"modules": [m["name"] for m in modules], "file_date": mod["date"]}
    if settings_mod is not None and settings_mod["payload"]:
        settings["technique_id"] = settings_mod["payload"][0]
    if "cycle number" in names and not np.all(np.isfinite(rows["cycle number"])):
        k = int(np.argmax(~np.isfinite(rows["cycle number"])))
        raise _fail(path, f"invalid cycle number in data row {k}", base + start + k * dtype.itemsize,
                    field="cycle number", expected="a finite number", found=repr(float(rows["cycle number"][k])))
    cycles = split_runs(rows["cycle number"].tolist()) if "cycle number" in names else [list(range(n_points))]
    blocks = []
    for run in cycles:
        part = rows[run[0]:run[-1] + 1]
        f = part["freq/Hz"].astype(float)
        zr = part["Re(Z)/Ohm"].astype(float)
        zi = -part["-Im(Z)/Ohm"].astype(float)
        for label, arr in (("freq/Hz", f), ("Re(Z)/Ohm", zr), ("-Im(Z)/Ohm", zi)):
            bad = ~np.isfinite(arr) | ((arr <= 0) if label == "freq/Hz" else False)
            if bad.any():
                k = int(np.argmax(bad)) + run[0]
                raise _fail(path, f"invalid value in data row {k}", base + start + k * dtype.itemsize,
                            field=label, expected="a finite number" + (" > 0" if label == "freq/Hz" else ""),
                            found=repr(float(arr[k - run[0]])))
        t = part["time/s"].astype(float) if "time/s" in names else None
        cycle = int(part["cycle number"][0]) if "cycle number" in names else None
        spectrum = ImpedanceSpectrum(f, zr, zi, time_s=t, meta={"cycle": cycle})
        warnings = [] if len(cycles) == 1 else [f"cycle {cycle} of {len(cycles)} in one file"]
        rows_at = base + start + run[0] * dtype.itemsize  # binary: a byte range stands in for line numbers
        where = {"data_rows": [run[0], run[-1]], "data_bytes": [rows_at, rows_at + len(run) * dtype.itemsize]}
        blocks.append(Block(spectrum, None, None, "BioLogic (EC-Lab .mpr)", {**settings, **where}, warnings))
    return blocks
