"""Certificate figures with matplotlib's object API (no pyplot state: safe in threads and servers).

Inputs are the plain arrays of :class:`FiguresData`; outputs are PNG bytes that both the HTML and
the PDF renderer embed. Nyquist plots draw −Z'' upward with equal axes (design conventions).
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from ssbcert.certificate.units import K_B_EV
from ssbcert.certificate.model import ArrheniusData, Certificate, FiguresData, NyquistData, PolarizationData

DPI = 110


@dataclass(frozen=True)
class RenderedFigure:
    key: str
    title: str
    png: bytes


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)  # layout already tight; bbox="tight" would draw twice
    return buf.getvalue()


def _style(ax, xlabel: str = "", ylabel: str = "", title: str = "", legend: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Shared look: small labels, light grid; one place so all certificate figures match."""
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    if legend:
        ax.legend(fontsize=7)
    ax.minorticks_off()  # log axes' minor ticks cost most of the drawing time and add little
    ax.grid(True, alpha=0.3, linewidth=0.5)
    ax.tick_params(labelsize=8)


def nyquist_figure(d: NyquistData) -> Figure:
    """Nyquist with the fitted curve, and the fit's relative residuals underneath."""
    fig = Figure(figsize=(7.0, 5.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[3, 1])
    ax, axz, axr = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])
    zr, zi = np.asarray(d.z_real_ohm), np.asarray(d.z_imag_ohm)
    for a in (ax, axz):
        a.plot(zr, -zi, "o", ms=3, label="measured")
    if d.fit_z_real_ohm:
        fr, fi = np.asarray(d.fit_z_real_ohm), np.asarray(d.fit_z_imag_ohm)
        for a in (ax, axz):
            a.plot(fr, -fi, "-", lw=1.2, label="fit")
        mod = np.abs(fr + 1j * fi)
        f = np.asarray(d.frequency_Hz)
        axr.semilogx(f, 100 * (zr - fr) / mod, ".", ms=3, label="Δ Z'")
        axr.semilogx(f, 100 * (zi - fi) / mod, ".", ms=3, label="Δ Z''")
        axr.axhline(0, color="k", lw=0.5)
        axr.legend(fontsize=7, ncol=2)
    # the blocking-electrode tail dwarfs the arcs; the zoom shows the high-frequency part
    span = float(np.percentile(zr, 60)) * 1.2 if zr.size else 1.0
    axz.set_xlim(min(0.0, float(zr.min(initial=0))), span)
    axz.set_ylim(0.0, span * 0.6)
    ax.set_aspect("equal", adjustable="datalim")
    ax.ticklabel_format(style="sci", scilimits=(-3, 4))
    _style(ax, "Z' / Ω", "−Z'' / Ω", f"Nyquist {d.label}".strip(), legend=True)
    _style(axz, "Z' / Ω", "−Z'' / Ω", "high-frequency zoom")
    _style(axr, "f / Hz", "fit residual / %")
    fig.tight_layout()
    return fig


def bode_figure(d: NyquistData) -> Figure:
    fig = Figure(figsize=(6.0, 4.0))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    f = np.asarray(d.frequency_Hz)
    z = np.asarray(d.z_real_ohm) + 1j * np.asarray(d.z_imag_ohm)
    ax1.loglog(f, np.abs(z), "o", ms=3)
    ax2.semilogx(f, -np.degrees(np.angle(z)), "o", ms=3)
    if d.fit_z_real_ohm:
        zf = np.asarray(d.fit_z_real_ohm) + 1j * np.asarray(d.fit_z_imag_ohm)
        ax1.loglog(f, np.abs(zf), "-", lw=1)
        ax2.semilogx(f, -np.degrees(np.angle(zf)), "-", lw=1)
    _style(ax1, "", "|Z| / Ω", f"Bode {d.label}".strip())
    _style(ax2, "f / Hz", "−phase / °")
    fig.tight_layout()
    return fig


def kk_figure(d: NyquistData) -> Figure:
    fig = Figure(figsize=(6.0, 2.6))
    ax = fig.subplots()
    f = np.asarray(d.frequency_Hz)
    ax.semilogx(f, d.kk_residual_real_pct, "o-", ms=3, lw=0.6, label="real")
    ax.semilogx(f, d.kk_residual_imag_pct, "s-", ms=3, lw=0.6, label="imag")
    ax.axhline(0, color="k", lw=0.5)
    _style(ax, "f / Hz", "KK residual / %", f"Kramers–Kronig residuals {d.label}".strip(), legend=True)
    fig.tight_layout()
    return fig


def arrhenius_figure(d: ArrheniusData) -> Figure:
    """log10(σT) or log10(σ) vs 1000/T, with the fitted line when E_a and ln A are given."""
    fig = Figure(figsize=(6.0, 3.6))
    ax = fig.subplots()
    t = np.asarray(d.temperature_K)
    s = np.asarray(d.sigma_S_per_cm)
    y = s * t if d.convention == "sigmaT" else s
    ylab = "log10(σT / S K cm⁻¹)" if d.convention == "sigmaT" else "log10(σ / S cm⁻¹)"
    x = 1000.0 / t
    if d.u_sigma_S_per_cm:
        rel = np.asarray(d.u_sigma_S_per_cm) / s
        ax.errorbar(x, np.log10(y), yerr=2 * rel / math.log(10), fmt="o", ms=4, capsize=2, label=f"{d.label} (U, k=2)")
    else:
        ax.plot(x, np.log10(y), "o", ms=4, label=d.label)
    if d.activation_energy_eV is not None and d.ln_prefactor is not None:
        xs = np.linspace(x.min(), x.max(), 50)
        ax.plot(xs, (d.ln_prefactor - d.activation_energy_eV / (K_B_EV * 1000.0 / xs)) / math.log(10), "-", lw=1,
                label=f"fit, Ea = {d.activation_energy_eV:.3f} eV ({d.convention})")
    secax = ax.secondary_xaxis("top", functions=(lambda v: 1000.0 / np.maximum(v, 1e-9) - 273.15,
                                                 lambda c: 1000.0 / (np.asarray(c) + 273.15)))
    secax.set_xlabel("T / °C", fontsize=8)
    secax.tick_params(labelsize=7)
    _style(ax, "1000 / T / K⁻¹", ylab, legend=True)
    fig.tight_layout()
    return fig


def polarization_figure(d: PolarizationData) -> Figure:
    fig = Figure(figsize=(6.0, 3.0))
    ax = fig.subplots()
    i = np.asarray(d.current_A)
    ax.plot(np.asarray(d.time_s), i, "-", lw=1.2)
    if np.all(i > 0):
        ax.set_yscale("log")
    if d.steady_state_current_A is not None:
        ax.axhline(d.steady_state_current_A, ls="--", lw=0.8, color="C3", label=f"I_ss = {d.steady_state_current_A:.3g} A")
        ax.legend(fontsize=7)
    _style(ax, "t / s", "I / A", f"DC polarization at {d.voltage_V:g} V {d.label}".strip())
    fig.tight_layout()
    return fig


def certificate_figures(source: Certificate | FiguresData) -> list[RenderedFigure]:
    """Every figure the data supports, in reading order. ``source`` is a certificate (its
    ``figures`` section) or a stand-alone :class:`FiguresData`, e.g. to plot without embedding arrays."""
    data = source.figures if isinstance(source, Certificate) else source
    out: list[RenderedFigure] = []
    for i, n in enumerate(data.nyquist):
        out.append(RenderedFigure(f"nyquist{i}", f"Nyquist with fit and residuals – {n.spectrum_ref}", png_bytes(nyquist_figure(n))))
        out.append(RenderedFigure(f"bode{i}", f"Bode – {n.spectrum_ref}", png_bytes(bode_figure(n))))
        if n.kk_residual_real_pct:
            out.append(RenderedFigure(f"kk{i}", f"Kramers–Kronig residuals – {n.spectrum_ref}", png_bytes(kk_figure(n))))
    for i, a in enumerate(data.arrhenius):
        out.append(RenderedFigure(f"arrhenius{i}", f"Arrhenius plot – {a.label}", png_bytes(arrhenius_figure(a))))
    for i, p in enumerate(data.polarization):
        out.append(RenderedFigure(f"polarization{i}", f"DC polarization – {p.label}", png_bytes(polarization_figure(p))))
    return out
