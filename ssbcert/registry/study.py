"""Thickness study: σ vs h and ASR vs h across certified films, with the literature alongside.

It answers the review's central question — does a thinner film give a lower ASR = h/σ? — from a
log-log fit: if σ ∝ h^s then ASR ∝ h^(1−s). Thinner is better only while s < 1, i.e. while
conductivity falls more slowly than thickness. The verdict needs the slope's 95 % interval to
exclude zero; otherwise it says the data cannot tell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from ssbcert.certificate.plots import png_bytes
from ssbcert.registry.db import CertificateSummary, Registry

ROOM_T_K = (293.15, 303.15)  # films compared at 25 ± 5 °C


@dataclass(frozen=True)
class StudyPoint:
    thickness_um: float
    sigma_S_cm: float
    asr_ohm_cm2: float
    u_sigma_S_cm: float | None = None
    u_asr_ohm_cm2: float | None = None
    label: str = ""


@dataclass(frozen=True)
class LiteraturePoint:
    thickness_um: float
    sigma_S_cm: float
    label: str = ""

    @property
    def asr_ohm_cm2(self) -> float:
        return self.thickness_um * 1e-4 / self.sigma_S_cm


@dataclass(frozen=True)
class Slope:
    """log-log slope with its standard uncertainty (None when only two points)."""

    value: float
    u: float | None
    n: int

    def interval(self) -> tuple[float, float] | None:
        if self.u is None:
            return None
        t = _t95(self.n - 2)
        return self.value - t * self.u, self.value + t * self.u


@dataclass
class ThicknessStudy:
    material: str
    films: list[StudyPoint]
    literature: list[LiteraturePoint] = field(default_factory=list)
    sigma_slope: Slope | None = None
    asr_slope: Slope | None = None
    literature_asr_slope: Slope | None = None
    verdict: str = "inconclusive"  # "thinner_lower_asr", "thinner_higher_asr", "inconclusive", "insufficient_data"
    summary: str = ""
    superseded: int = 0  # certificates of these films not counted: superseded or replaced by a later issue


def _t95(dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.975, max(dof, 1)))


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> Slope | None:
    """Least-squares slope of log10 y vs log10 x; None when x has no spread."""
    lx, ly = np.log10(np.asarray(x, float)), np.log10(np.asarray(y, float))
    n = lx.size
    if n < 2 or np.ptp(lx) < math.log10(1.5):
        return None
    if n == 2:
        return Slope(float((ly[1] - ly[0]) / (lx[1] - lx[0])), None, 2)
    coef, cov = np.polyfit(lx, ly, 1, cov="unscaled" if n == 3 else True)
    if n == 3:  # scale by residual variance ourselves: polyfit's n-3 factor would divide by zero
        resid = ly - np.polyval(coef, lx)
        cov = cov * float(resid @ resid) / (n - 2)
    return Slope(float(coef[0]), float(math.sqrt(max(cov[0, 0], 0.0))), n)


def literature_points(material_class: str, family: str | None = None) -> list[LiteraturePoint]:
    """Film σ_RT vs h from :mod:`ssbcert.literature` (shipped CSVs); empty if that module is absent."""
    try:
        from ssbcert import literature
    except ImportError:
        return []
    out = []
    for f in literature.films_for(material_class, family) or literature.films_for(material_class):
        h, s = f.thickness_mid_um, f.sigma_S_per_cm
        if h and s:
            out.append(LiteraturePoint(h, s, f"{f.composition}, {f.deposition_method} [ref {f.ref}]"))
    return out


def films_from_registry(rows: Sequence[CertificateSummary], temperature_K: tuple[float, float] = ROOM_T_K) -> list[StudyPoint]:
    pts = []
    for r in rows:
        if r.form != "film" or not r.thickness_um or not r.sigma_total_S_cm:
            continue
        if r.temperature_K is not None and not temperature_K[0] <= r.temperature_K <= temperature_K[1]:
            continue
        asr = r.asr_ohm_cm2 or r.thickness_um * 1e-4 / r.sigma_total_S_cm
        pts.append(StudyPoint(r.thickness_um, r.sigma_total_S_cm, asr, r.u_sigma_total_S_cm, r.u_asr_ohm_cm2,
                              r.sample_id or r.certificate_id))
    return sorted(pts, key=lambda p: p.thickness_um)


def analyse(material: str, films: list[StudyPoint], literature: list[LiteraturePoint] | None = None,
            superseded: int = 0) -> ThicknessStudy:
    """Fit both slopes and write the verdict."""
    lit = list(literature or [])
    study = ThicknessStudy(material, films, lit, superseded=superseded)
    study.sigma_slope = loglog_slope([p.thickness_um for p in films], [p.sigma_S_cm for p in films])
    study.asr_slope = loglog_slope([p.thickness_um for p in films], [p.asr_ohm_cm2 for p in films])
    if len(lit) >= 3:
        study.literature_asr_slope = loglog_slope([p.thickness_um for p in lit], [p.asr_ohm_cm2 for p in lit])
    study.verdict, study.summary = _verdict(study)
    return study


def _verdict(s: ThicknessStudy) -> tuple[str, str]:
    n = len(s.films)
    lines = [f"Thickness study for {s.material}: {n} certified film(s) at 25 ± 5 °C, each counted once by its latest "
             f"certificate ({s.superseded} superseded certificate(s) not counted)."]
    if s.asr_slope is None or s.sigma_slope is None:
        lines.append("Not enough films with different thicknesses (need ≥ 2 spanning ≥ 1.5×) to say whether thinner is better.")
        return "insufficient_data", _finish(s, lines)
    hs = [p.thickness_um for p in s.films]
    best = min(s.films, key=lambda p: p.asr_ohm_cm2)
    lines.append(f"h = {min(hs):.3g}–{max(hs):.3g} µm; σ ∝ h^{s.sigma_slope.value:.2f}, so ASR = h/σ ∝ h^{s.asr_slope.value:.2f}"
                 + (f" (95 % interval {s.asr_slope.interval()[0]:.2f} … {s.asr_slope.interval()[1]:.2f})"  # type: ignore[index]
                    if s.asr_slope.interval() else " (two films: no interval)") + ".")
    ci = s.asr_slope.interval()
    if ci is not None and ci[0] > 0:
        verdict = "thinner_lower_asr"
        lines.append("Answer: YES — thinner films gave a lower ASR. Conductivity falls with thickness more slowly "
                     "than the thickness itself, so the thickness gain wins.")
    elif ci is not None and ci[1] < 0:
        verdict = "thinner_higher_asr"
        lines.append("Answer: NO — thinner films gave a HIGHER ASR: conductivity drops faster than thickness "
                     "(σ ∝ h^s with s > 1), so thinning does not pay.")
    else:
        verdict = "inconclusive"
        lines.append("Answer: INCONCLUSIVE — the ASR trend with thickness is not significant; the loss in σ roughly "
                     "cancels the gain from a thinner film, or there are too few films.")
    lines.append(f"Lowest ASR: {best.asr_ohm_cm2:.3g} Ω·cm² at h = {best.thickness_um:.3g} µm ({best.label}).")
    return verdict, _finish(s, lines)


def _finish(s: ThicknessStudy, lines: list[str]) -> str:
    if s.literature:
        msg = f"Literature: {len(s.literature)} film value(s) for comparison"
        if s.literature_asr_slope is not None:
            msg += f"; across them ASR ∝ h^{s.literature_asr_slope.value:.2f} (mixed routes and labs: indicative only)"
        lines.append(msg + ".")
    return "\n".join(lines)


def study_figure(s: ThicknessStudy) -> Figure:
    """σ vs h and ASR vs h, log-log; grey lines in the ASR panel are constant-σ references."""
    fig = Figure(figsize=(10.0, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    h = np.array([p.thickness_um for p in s.films])
    if s.films:
        sig = np.array([p.sigma_S_cm for p in s.films])
        asr = np.array([p.asr_ohm_cm2 for p in s.films])
        usig = np.array([2 * (p.u_sigma_S_cm or 0.0) for p in s.films])
        uasr = np.array([2 * (p.u_asr_ohm_cm2 or 0.0) for p in s.films])
        ax1.errorbar(h, sig, yerr=usig, fmt="o", capsize=2, label="certified films (U, k=2)")
        ax2.errorbar(h, asr, yerr=uasr, fmt="o", capsize=2, label="certified films (U, k=2)")
        for ax, slope, y in ((ax1, s.sigma_slope, sig), (ax2, s.asr_slope, asr)):
            if slope is not None:
                hs = np.geomspace(h.min(), h.max(), 20)
                c = np.mean(np.log10(y) - slope.value * np.log10(h))
                ax.plot(hs, 10 ** (c + slope.value * np.log10(hs)), "-", lw=1, label=f"fit ∝ h^{slope.value:.2f}")
    if s.literature:
        lh = np.array([p.thickness_um for p in s.literature])
        ax1.plot(lh, [p.sigma_S_cm for p in s.literature], "s", mfc="none", label="literature films")
        ax2.plot(lh, [p.asr_ohm_cm2 for p in s.literature], "s", mfc="none", label="literature films")
    all_h = np.concatenate([h, [p.thickness_um for p in s.literature]]) if (s.films or s.literature) else np.array([1.0, 100.0])
    hr = np.geomspace(max(all_h.min() / 2, 1e-3), all_h.max() * 2, 20)
    for sigma in (1e-3, 1e-4, 1e-5, 1e-6):
        ax2.plot(hr, hr * 1e-4 / sigma, color="0.75", lw=0.7, zorder=0)
        ax2.annotate(f"σ={sigma:.0e}", (hr[-1], hr[-1] * 1e-4 / sigma), fontsize=6, color="0.5")
    for ax, ylabel in ((ax1, "σ_total at 25 °C / S cm⁻¹"), (ax2, "ASR = h/σ / Ω cm²")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("thickness h / µm", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.minorticks_off()
        ax.grid(True, alpha=0.3, lw=0.5)
        ax.legend(fontsize=7)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"{s.material}: does a thinner film give a lower ASR? — {s.verdict.replace('_', ' ')}", fontsize=10)
    fig.tight_layout()
    return fig


def thickness_study(registry: Registry, material: str, *, literature: list[LiteraturePoint] | None = None,
                    plot_path: str | Path | None = None) -> ThicknessStudy:
    """Run the study on the registry's current (non-superseded) certificates of ``material``.

    ``literature=None`` loads the shipped literature for the films' material class; pass a list
    (possibly empty) to override.
    """
    rows = registry.list_certificates(material=material)
    films = films_from_registry(rows)
    if literature is None:
        cls = next((r.material_class for r in rows if r.material_class), "")
        literature = literature_points(cls, material) if cls else []
    study = analyse(material, films, literature, superseded=registry.superseded_count(material=material))
    if plot_path is not None:
        Path(plot_path).parent.mkdir(parents=True, exist_ok=True)
        Path(plot_path).write_bytes(png_bytes(study_figure(study)))
    return study
