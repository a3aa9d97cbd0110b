"""Synthetic measurement sessions for the archive tests and benchmark.

Each session is what `ssbcert run` would leave for the embedded demo sample (25 µm LLZO film,
Ø 5 mm blocking electrodes): heating then cooling temperature steps, one R‖CPE bulk arc, one R‖CPE
grain-boundary arc and an electrode CPE, with Arrhenius laws (E_a 0.30 and 0.42 eV) and 0.3 %
complex noise, written through the session store so the archive re-analyses real session files.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from ssbcert.analysis.geometry import ThroughPlane
from ssbcert.analysis.model import compile_circuit
from ssbcert.records import ImpedanceSpectrum
from ssbcert.session.store import SessionWriter
from ssbcert.units import EPS0, K_B_EV

CIRCUIT = "p(R1,CPE1)-p(R2,CPE2)-CPE3"
GEOMETRY = ThroughPlane(thickness_m=25e-6, area_m2=np.pi * 2.5e-3**2)  # the demo sample's cell
ROOM_K = 298.15


def _spectrum(t_k: float, rng: np.random.Generator, noise: float = 0.003) -> ImpedanceSpectrum:
    k = GEOMETRY.cell_constant_per_m
    sig_b = 1e-2 * np.exp(-0.30 / K_B_EV * (1 / t_k - 1 / ROOM_K))  # S/m
    sig_gb = 2e-2 * np.exp(-0.42 / K_B_EV * (1 / t_k - 1 / ROOM_K))
    r_b, r_gb = k / sig_b, k / sig_gb
    c_b = EPS0 * 60 / k
    c_gb = 100 * c_b
    n_b, n_gb, n_el = 0.95, 0.88, 0.85
    q_b, q_gb = c_b**n_b / r_b ** (1 - n_b), c_gb**n_gb / r_gb ** (1 - n_gb)
    c_el = 1e-6 * GEOMETRY.area_m2 * 1e4  # 1 µF/cm²
    q_el = c_el**n_el / (r_b + r_gb) ** (1 - n_el)
    p = np.array([r_b, q_b, n_b, r_gb, q_gb, n_gb, q_el, n_el])
    f_hi = 100.0 / (2 * np.pi * r_b * c_b)
    f_lo = 1e-3 / (2 * np.pi * r_gb * c_gb)
    f = np.logspace(np.log10(f_hi), np.log10(f_lo), int(round(np.log10(f_hi / f_lo) * 12)) + 1)
    z = compile_circuit(CIRCUIT).impedance(p, f)
    z = z * (1 + noise / np.sqrt(2) * (rng.normal(size=f.size) + 1j * rng.normal(size=f.size)))
    return ImpedanceSpectrum(f, z.real, z.imag, temperature_K=float(t_k), meta={"synthetic": True})


def session_temperatures(n_spectra: int) -> list[float]:
    """Heating then cooling between 253 and 343 K, 25 °C included."""
    up = n_spectra - n_spectra // 2
    heat = list(np.linspace(253.15, 343.15, up))
    heat[int(np.argmin([abs(t - ROOM_K) for t in heat]))] = ROOM_K
    cool = list(np.linspace(343.15, 253.15, n_spectra // 2 + 1))[1:]
    return [float(t) for t in heat + cool]


def write_synthetic_session(out_dir: str | Path, n_spectra: int = 20, seed: int = 0) -> Path:
    """A complete session directory with `n_spectra` impedance spectra (seeded, reproducible)."""
    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    text = resources.files("ssbcert").joinpath("data/default_sample.yaml").read_text(encoding="utf-8")
    writer = SessionWriter.create(out, [], {"kind": "synthetic"}, {"name": "synthetic-archive", "steps": []},
                                  {"name": "synthetic"}, {"source": "ssbcert/data/default_sample.yaml", "text": text})
    try:
        writer.document({"doc": "start", "kind": "synthetic", "seed": seed})
        for i, t in enumerate(session_temperatures(n_spectra)):
            writer.add_record("eis", f"eis-{i:04d}", _spectrum(t, rng))
        writer.document({"doc": "stop", "exit_status": "success", "reason": "synthetic", "points_recorded": n_spectra})
        writer.write_manifest()
    finally:
        writer.close()
    return out


def write_synthetic_archive(root: str | Path, n_sessions: int, spectra_per_session: int = 20, seed: int = 0) -> list[Path]:
    """`n_sessions` sessions under root/<lot>/session-NNNN (a nested folder tree)."""
    root = Path(root)
    return [write_synthetic_session(root / f"lot-{i // 10:02d}" / f"session-{i:04d}", spectra_per_session, seed + i)
            for i in range(n_sessions)]
