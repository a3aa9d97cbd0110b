"""Measured records: the one data shape shared by drivers, the session store, importers and analysis.

SI units inside (Hz, ohm, K, s, A, V); the unit is in every field name. Sign convention:
Z = z_real_ohm + j*z_imag_ohm, capacitive z_imag_ohm < 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


def _as_float_array(name: str, values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence of numbers, found shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class ImpedanceSpectrum:
    """One impedance sweep. `meta` holds what the instrument or file states (amplitude, bias, model...)."""

    frequency_Hz: np.ndarray
    z_real_ohm: np.ndarray
    z_imag_ohm: np.ndarray
    temperature_K: float | None = None
    time_s: np.ndarray | None = None  # instrument time of each point, seconds since session start
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        f = _as_float_array("frequency_Hz", self.frequency_Hz)
        zr = _as_float_array("z_real_ohm", self.z_real_ohm)
        zi = _as_float_array("z_imag_ohm", self.z_imag_ohm)
        if not (len(f) == len(zr) == len(zi)):
            raise ValueError(
                f"spectrum arrays differ in length: frequency_Hz={len(f)}, z_real_ohm={len(zr)}, z_imag_ohm={len(zi)}"
            )
        object.__setattr__(self, "frequency_Hz", f)
        object.__setattr__(self, "z_real_ohm", zr)
        object.__setattr__(self, "z_imag_ohm", zi)
        if self.time_s is not None:
            t = _as_float_array("time_s", self.time_s)
            if len(t) != len(f):
                raise ValueError(f"time_s has {len(t)} values, frequency_Hz has {len(f)}")
            object.__setattr__(self, "time_s", t)

    @property
    def z(self) -> np.ndarray:
        return self.z_real_ohm + 1j * self.z_imag_ohm

    def __len__(self) -> int:
        return len(self.frequency_Hz)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImpedanceSpectrum):
            return NotImplemented
        same_t = (self.time_s is None and other.time_s is None) or (
            self.time_s is not None and other.time_s is not None and np.array_equal(self.time_s, other.time_s)
        )
        return (
            np.array_equal(self.frequency_Hz, other.frequency_Hz)
            and np.array_equal(self.z_real_ohm, other.z_real_ohm)
            and np.array_equal(self.z_imag_ohm, other.z_imag_ohm)
            and self.temperature_K == other.temperature_K
            and same_t
            and self.meta == other.meta
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; floats are written with repr precision so a round trip is bit-exact."""
        return {
            "kind": "impedance_spectrum",
            "frequency_Hz": self.frequency_Hz.tolist(),
            "z_real_ohm": self.z_real_ohm.tolist(),
            "z_imag_ohm": self.z_imag_ohm.tolist(),
            "temperature_K": self.temperature_K,
            "time_s": None if self.time_s is None else self.time_s.tolist(),
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ImpedanceSpectrum":
        return cls(
            frequency_Hz=d["frequency_Hz"],
            z_real_ohm=d["z_real_ohm"],
            z_imag_ohm=d["z_imag_ohm"],
            temperature_K=d.get("temperature_K"),
            time_s=d.get("time_s"),
            meta=dict(d.get("meta") or {}),
        )


@dataclass(frozen=True, eq=False)
class PolarizationTrace:
    """Current vs time at a held DC voltage (Hebb-Wagner style electronic-conductivity measurement)."""

    time_s: np.ndarray
    current_A: np.ndarray
    voltage_V: float
    temperature_K: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        t = _as_float_array("time_s", self.time_s)
        i = _as_float_array("current_A", self.current_A)
        if len(t) != len(i):
            raise ValueError(f"time_s has {len(t)} values, current_A has {len(i)}")
        object.__setattr__(self, "time_s", t)
        object.__setattr__(self, "current_A", i)

    def __len__(self) -> int:
        return len(self.time_s)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PolarizationTrace):
            return NotImplemented
        return (
            np.array_equal(self.time_s, other.time_s)
            and np.array_equal(self.current_A, other.current_A)
            and self.voltage_V == other.voltage_V
            and self.temperature_K == other.temperature_K
            and self.meta == other.meta
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "polarization_trace",
            "time_s": self.time_s.tolist(),
            "current_A": self.current_A.tolist(),
            "voltage_V": self.voltage_V,
            "temperature_K": self.temperature_K,
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PolarizationTrace":
        return cls(
            time_s=d["time_s"],
            current_A=d["current_A"],
            voltage_V=float(d["voltage_V"]),
            temperature_K=d.get("temperature_K"),
            meta=dict(d.get("meta") or {}),
        )


def record_from_dict(d: dict[str, Any]) -> ImpedanceSpectrum | PolarizationTrace:
    kind = d.get("kind")
    if kind == "impedance_spectrum":
        return ImpedanceSpectrum.from_dict(d)
    if kind == "polarization_trace":
        return PolarizationTrace.from_dict(d)
    raise ValueError(f"record kind: expected 'impedance_spectrum' or 'polarization_trace', found {kind!r}")
