"""Novocontrol-style text exports: header lines stating fixed AC voltage, temperature and sample
geometry, then a headed table; a file may repeat (header lines + table) once per temperature.

Header lines are `key: value unit` or `key = value unit`. A stated temperature applies to the tables
after it until another is stated. A temperature without a unit is not guessed (warning), since °C
and K both occur in these files.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ssbcert.importers.base import Block, TextFile, split_fields
from ssbcert.importers.text_tables import read_header_table
from ssbcert.importers.columns import looks_like_header

NAME = "novocontrol-txt"
_KEY_VALUE = re.compile(r"^\s*([A-Za-z][^:=]*?)\s*[:=]\s*(.*?)\s*$")
_QUANTITY = re.compile(r"^([+-]?(?:\d+[.,]?\d*|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(\S*)")
_LENGTH = {"m": 1.0, "cm": 1e-2, "mm": 1e-3, "µm": 1e-6, "um": 1e-6, "μm": 1e-6, "nm": 1e-9}
_VOLTAGE = {"V": 1.0, "Vrms": 1.0, "mV": 1e-3, "mVrms": 1e-3}
_TEMPERATURE = {"K": 0.0, "°C": 273.15, "C": 273.15, "degC": 273.15}
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)


def sniff(head: str) -> bool:
    low = head.lower()
    if "novocontrol" in low:
        return True
    keys = [m.group(1).lower() for m in map(_KEY_VALUE.match, head.splitlines()[:40]) if m]
    return any("temperature" in k for k in keys) and any("ac voltage" in k or "thickness" in k for k in keys)


def _quantity(text: str, units: dict[str, float]) -> tuple[float, str] | None:
    m = _QUANTITY.match(text.strip())
    if not m or (m.group(2) and m.group(2) not in units):
        return None
    return float(m.group(1).replace(",", ".")), m.group(2)


def _apply(key: str, value: str, state: dict[str, Any], warnings: list[str], line: int) -> None:
    k = key.lower()
    if "temperature" in k:
        q = _quantity(value, _TEMPERATURE)
        if q is None or not q[1]:
            warnings.append(f"line {line}: temperature {value!r} has no recognised unit (K or °C): not used")
            state["temperature_K"] = None
        else:
            state["temperature_K"] = q[0] + _TEMPERATURE[q[1]]
    elif "ac voltage" in k or "ac amplitude" in k:
        q = _quantity(value, _VOLTAGE)
        if q is not None:
            state["ac_amplitude_V_rms"] = q[0] * _VOLTAGE.get(q[1] or "V", 1.0)
    elif any(g in k for g in ("thickness", "diameter")):
        q = _quantity(value, _LENGTH)
        if q is not None and q[1]:
            state[f"{'thickness' if 'thickness' in k else 'diameter'}_m"] = q[0] * _LENGTH[q[1]]


def _header_delimiter(line: str) -> tuple[str | None, list[str]] | None:
    for d in _DELIMITERS:
        names = split_fields(line, d)
        if len(names) >= 2 and looks_like_header(names):
            return d, names
    return None


def read(path: Path, data: bytes) -> list[Block]:
    tf = TextFile.from_bytes(path, data)
    state: dict[str, Any] = {"temperature_K": None}
    settings: dict[str, str] = {}
    pending: list[str] = []
    blocks: list[Block] = []
    instrument = "Novocontrol" if any("novocontrol" in s.lower() for s in tf.lines[:50]) else None
    i = 0
    while i < len(tf.lines):
        line = tf.lines[i]
        header = _header_delimiter(line) if line.strip() else None
        if header is not None:
            delimiter, names = header
            meta = {k: v for k, v in state.items() if k != "temperature_K"}
            block = read_header_table(
                tf, i, delimiter, instrument=instrument, settings=dict(settings), meta=meta, names=names,
                temperature_K=state["temperature_K"],
                stop=lambda s: bool(_KEY_VALUE.match(s)) or _header_delimiter(s) is not None,
            )
            block.warnings = pending + block.warnings
            pending = []
            blocks.append(block)
            i = block.last_line or i + 1
            continue
        m = _KEY_VALUE.match(line)
        if m:
            settings[m.group(1)] = m.group(2)
            _apply(m.group(1), m.group(2), state, pending, i + 1)
        elif line.strip() and split_fields(line, None)[0][:1].isdigit():
            tf.fail("data row outside any table", i, expected="a column header before data rows", found=line[:60])
        i += 1
    if not blocks:
        tf.fail("no table", None, expected="a column header naming frequency and impedance columns", found="none")
    return blocks
