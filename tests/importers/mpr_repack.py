"""Re-pack a real .mpr into the other documented layouts (no such real file is in the fixtures):
the newer module header (EC-Lab >= 11.50) and data-module versions 0, 2, 3, 10 and 11."""
from __future__ import annotations

import struct

import numpy as np

from ssbcert.importers.mpr import _NAMES, MAGIC, modules
from ssbcert.importers.mpr_columns import DATA_LAYOUTS


def _data_payload(payload: bytes, version: int, to: int) -> bytes:
    n_points, n_cols = struct.unpack_from("<IB", payload, 0)
    id_dtype, start = DATA_LAYOUTS[version]
    ids = np.frombuffer(payload, dtype=id_dtype, count=n_cols, offset=5).astype(int)
    rows = payload[start:]
    new_dtype, new_start = DATA_LAYOUTS[to]
    head = struct.pack("<IB", n_points, n_cols) + ids.astype(new_dtype).tobytes()
    return head + b"\x00" * (new_start - len(head)) + rows


def repack(data: bytes, *, new_header: bool, data_version: int | None = None) -> bytes:
    """The same modules with the chosen header layout and data-module version."""
    out = bytearray(data[:0x34])
    for m in modules(__file__, data):
        start = m.offset - (57 if m.layout == "EC-Lab < 11.50" else 65)
        names = data[start:start + _NAMES]
        payload, version = m.payload, m.version
        if m.name == "VMP data" and data_version is not None:
            payload, version = _data_payload(payload, m.version, data_version), data_version
        date = m.date.encode("latin-1").ljust(8, b"\x00")[:8]
        if new_header:
            old, ext = (0, version) if version >= 10 else (version, 0)
            out += names + struct.pack("<IIII", len(payload), len(payload), old, ext) + date + payload
        else:
            out += names + struct.pack("<II", len(payload), version) + date + payload
    assert out.startswith(MAGIC)
    return bytes(out)
