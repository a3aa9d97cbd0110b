"""Certificate figures with matplotlib's object API (no pyplot state: safe in threads and servers).

Each figure is built and drawn once and shared by both renderers: the HTML embeds its SVG (text as
paths, so it needs no font on the reader's machine), the PDF replays the primitives of that same
drawing as vector paths and embedded-font text (:mod:`figure_drawing`, :mod:`rl_figure`). No
raster image exists at all.

Speed (issue #10): fixed margins instead of ``tight_layout``, plain-text tick labels instead of
mathtext (log axes get "10⁵" in Unicode superscripts), and one Bode, one KK and one Arrhenius figure
for all spectra rather than one each. Nyquist plots draw −Z'' upward with equal axes, limits chosen
from the data (no wasted negative range), and impedance in Ω/kΩ/MΩ so axes carry no "1e4" offset.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, Locator, LogLocator, MaxNLocator, ScalarFormatter

from ssbcert.certificate.figure_drawing import Drawing, draw_once
from ssbcert.certificate.model import ArrheniusData, Certificate, FiguresData, NyquistData, PolarizationData
from ssbcert.certificate.units import K_B_EV
from ssbcert.heap import long_lived_frozen

KINDS = ("nyquist", "bode", "kk", "arrhenius", "dc")
# text as glyph paths: the figure needs no font wherever it is shown; fixed salt: reproducible ids
RC: dict[str, Any] = {"svg.fonttype": "path", "svg.hashsalt": "ssbcert", "font.family": "DejaVu Sans",
                      "axes.formatter.use_mathtext": False, "axes.unicode_minus": True, "font.size": 8}
_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_PREFIX = {-9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}


@dataclass(frozen=True)
class RenderedFigure:
    """One figure, drawn once: ``svg`` for the HTML, ``drawing`` (the same drawing's primitives)
    replayed as vectors into the PDF. The matplotlib Figure is not kept: once drawn it is ~6000
    dead objects per figure that every full garbage collection would walk."""

    key: str
    title: str
    svg: str
    drawing: Drawing | None = field(default=None, compare=False, repr=False)


def _power_of_ten(v: float, _pos: int | None = None) -> str:
    """Log-axis labels as plain text: 10⁵ (only decades are labelled)."""
    if v <= 0:
        return ""
    e = math.log10(v)
    return f"10{str(int(round(e))).translate(_SUP)}" if abs(e - round(e)) < 1e-6 else ""


class _InView(Locator):
    """Only the tick locations inside the axes: matplotlib builds a Tick (five artists) for every
    location a locator returns and drops those outside the view only afterwards (~30 % of them)."""

    def __init__(self, base: Locator) -> None:
        self.base = base

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.base.set_axis(axis)

    def tick_values(self, vmin: float, vmax: float) -> Any:
        return self.base.tick_values(vmin, vmax)

    def __call__(self) -> Any:
        locs = np.asarray(self.base())
        t = self.axis.get_transform()
        lo, hi = sorted(t.transform(np.asarray(self.axis.get_view_interval(), float)))
        with np.errstate(invalid="ignore", divide="ignore"):
            x = t.transform(locs.astype(float))
        tol = 1e-10 * max(hi - lo, 1e-300)
        return locs[(x >= lo - tol) & (x <= hi + tol)]


def _plain(ax: Axes) -> None:
    """Plain, offset-free tick labels on linear axes; decade labels on log axes."""
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log":
            axis.set_major_locator(_InView(LogLocator(base=10, numticks=12)))
            axis.set_major_formatter(FuncFormatter(_power_of_ten))
        else:
            fmt = ScalarFormatter(useOffset=False, useMathText=False)
            fmt.set_scientific(False)
            axis.set_major_formatter(fmt)
            axis.set_major_locator(_InView(MaxNLocator(6)))


def _style(ax: Axes, xlabel: str = "", ylabel: str = "", title: str = "", legend: bool = False) -> None:
    """Shared look, one place so all certificate figures match."""
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=9, y=1.0)  # fixed: no auto-placement pass over the decorations
    if legend:
        ax.legend(fontsize=7, frameon=False)
    ax.minorticks_off()  # log axes' minor ticks cost most of the drawing time and add little
    ax.grid(True, alpha=0.3, linewidth=0.5)
    ax.tick_params(labelsize=7)
    _plain(ax)


def engineering_scale(max_abs: float) -> tuple[float, str]:
    """(divisor, SI prefix) so the largest value shows as 1–999: plain ticks, no offset."""
    if not math.isfinite(max_abs) or max_abs <= 0:
        return 1.0, ""
    e = int(3 * math.floor(math.log10(max_abs) / 3))
    e = max(-9, min(9, e))
    return 10.0**e, _PREFIX[e]


def equal_aspect_limits(x: np.ndarray, y: np.ndarray, box_w: float, box_h: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Limits giving 1:1 data units on an axes box of box_w × box_h, starting at 0 when the data
    come close to it, otherwise just below the data: every point inside, no negative waste."""
    x_lo, x_hi = float(np.min(x)), float(np.max(x))
    y_hi = max(float(np.max(y)), 0.0)
    x0 = 0.0 if x_lo < 0.3 * (x_hi - min(x_lo, 0.0)) else x_lo - 0.05 * (x_hi - x_lo)
    x0 = min(x0, x_lo)
    span_x = max((x_hi - x0) * 1.05, y_hi * 1.08 * box_w / box_h, 1e-30)
    y0 = min(0.0, float(np.min(y)))
    return (x0, x0 + span_x), (y0, y0 + span_x * box_h / box_w)


def zoom_limit(f: np.ndarray, zr: np.ndarray, zi: np.ndarray) -> float:
    """Z' where the low-frequency tail starts: walk from the lowest frequency toward higher ones
    while −Z'' keeps falling; the valley found is where the arcs end. Without a tail: 35 % of Z'max."""
    if zr.size < 4:
        return float(np.max(zr, initial=1.0))
    order = np.argsort(f)  # low → high frequency
    y = zi[order]
    i = 0
    while i + 1 < y.size and y[i + 1] < y[i]:
        i += 1
    if i == 0 or i > 0.8 * y.size:
        return 0.35 * float(np.max(zr))
    return 1.4 * float(zr[order][i])


def nyquist_figure(d: NyquistData) -> Figure:
    """Nyquist (full and high-frequency zoom) with the fitted curve, and the fit's relative residuals."""
    fig = Figure(figsize=(7.0, 5.0))
    fig.subplots_adjust(left=0.09, right=0.98, top=0.93, bottom=0.09, wspace=0.25, hspace=0.38)
    grid = fig.add_gridspec(2, 2, height_ratios=[2.6, 1])
    ax, axz, axr = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])
    zr, zi = np.asarray(d.z_real_ohm), -np.asarray(d.z_imag_ohm)
    div, prefix = engineering_scale(float(np.max(np.abs(np.concatenate([zr, zi])), initial=0.0)))
    has_fit = bool(d.fit_z_real_ohm)
    fr, fi = (np.asarray(d.fit_z_real_ohm), -np.asarray(d.fit_z_imag_ohm)) if has_fit else (zr, zi)
    # the blocking-electrode tail dwarfs the arcs; the zoom keeps the points before it rises
    zoom = zr <= zoom_limit(np.asarray(d.frequency_Hz), zr, zi)
    w_in = fig.get_figwidth() * (0.98 - 0.09 - 0.25 * 0.445) / 2
    h_in = fig.get_figheight() * (0.93 - 0.09) * 2.6 / 3.6 * 0.86
    for a, sel, title in ((ax, np.ones_like(zr, bool), d.label or d.spectrum_ref), (axz, zoom, "high-frequency zoom")):
        a.plot(zr / div, zi / div, "o", ms=2.5, label="measured")
        if has_fit:
            a.plot(fr / div, fi / div, "-", lw=1.1, label="fit")
        if sel.any():
            xl, yl = equal_aspect_limits(zr[sel] / div, zi[sel] / div, w_in, h_in)
            a.set_xlim(*xl)
            a.set_ylim(*yl)
        _style(a, f"Z' / {prefix}Ω", f"−Z'' / {prefix}Ω", title, legend=a is ax)
    if has_fit:
        mod = np.abs(fr - 1j * fi)
        f = np.asarray(d.frequency_Hz)
        axr.semilogx(f, 100 * (zr - fr) / mod, ".", ms=3, label="ΔZ'")
        axr.semilogx(f, 100 * (zi - fi) / mod, ".", ms=3, label="ΔZ''")
        axr.axhline(0, color="k", lw=0.5)
        _style(axr, "f / Hz", "fit residual / %", legend=True)
    else:
        fig.delaxes(axr)  # raw data only: no residuals to show
    return fig


def _complex(re_: Sequence[float], im: Sequence[float]) -> np.ndarray:
    return np.asarray(re_) + 1j * np.asarray(im)


def bode_figure(spectra: Sequence[NyquistData]) -> Figure:
    """|Z| and −phase against f for every spectrum, markers measured, lines fitted, with a legend."""
    fig = Figure(figsize=(6.4, 4.4))
    fig.subplots_adjust(left=0.11, right=0.72, top=0.94, bottom=0.11, hspace=0.12)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    for i, d in enumerate(spectra):
        f, z = np.asarray(d.frequency_Hz), _complex(d.z_real_ohm, d.z_imag_ohm)
        c = f"C{i}"
        ax1.loglog(f, np.abs(z), "o", ms=2.5, color=c, label=d.label or d.spectrum_ref)
        ax2.semilogx(f, -np.degrees(np.angle(z)), "o", ms=2.5, color=c)
        if d.fit_z_real_ohm:
            zf = _complex(d.fit_z_real_ohm, d.fit_z_imag_ohm)
            ax1.loglog(f, np.abs(zf), "-", lw=0.9, color=c, label="fit" if i == 0 else None)
            ax2.semilogx(f, -np.degrees(np.angle(zf)), "-", lw=0.9, color=c)
    _style(ax1, "", "|Z| / Ω", "Bode")
    _style(ax2, "f / Hz", "−phase / °")
    ax1.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0), title="markers: measured",
               title_fontsize=7)
    return fig


def kk_figure(spectra: Sequence[NyquistData]) -> Figure:
    """Lin-KK residuals (real and imaginary) of every spectrum."""
    fig = Figure(figsize=(6.4, 3.0))
    fig.subplots_adjust(left=0.11, right=0.72, top=0.9, bottom=0.16)
    ax = fig.subplots()
    for i, d in enumerate(spectra):
        f = np.asarray(d.frequency_Hz)
        ax.semilogx(f, d.kk_residual_real_pct, "o-", ms=2.5, lw=0.5, color=f"C{i}", label=f"{d.label or d.spectrum_ref}, real")
        ax.semilogx(f, d.kk_residual_imag_pct, "s--", ms=2.5, lw=0.5, color=f"C{i}", mfc="none", label="imag.")
    ax.axhline(0, color="k", lw=0.5)
    _style(ax, "f / Hz", "KK residual / %", "Kramers–Kronig residuals")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def arrhenius_figure(series: Sequence[ArrheniusData]) -> Figure:
    """log10(σT) or log10(σ) against 1000/T for each contribution, with its fitted line and E_a."""
    fig = Figure(figsize=(6.4, 3.8))
    fig.subplots_adjust(left=0.11, right=0.97, top=0.86, bottom=0.13)
    ax = fig.subplots()
    conv = series[0].convention if series else "sigmaT"
    for i, d in enumerate(series):
        t, s = np.asarray(d.temperature_K), np.asarray(d.sigma_S_per_cm)
        if t.size == 0:
            continue
        y = s * t if d.convention == "sigmaT" else s
        x = 1000.0 / t
        rel = np.asarray(d.u_sigma_S_per_cm) / s if d.u_sigma_S_per_cm else None
        ax.errorbar(x, np.log10(y), yerr=None if rel is None else 2 * rel / math.log(10), fmt="o", ms=3.5, capsize=2,
                    color=f"C{i}", label=d.label)
        if d.activation_energy_eV is not None and d.ln_prefactor is not None:
            xs = np.linspace(x.min(), x.max(), 50)
            ax.plot(xs, (d.ln_prefactor - d.activation_energy_eV / (K_B_EV * 1000.0 / xs)) / math.log(10), "-", lw=1,
                    color=f"C{i}", label=f"fit: Ea = {d.activation_energy_eV:.3f} eV")
    secax = ax.secondary_xaxis("top", functions=(lambda v: 1000.0 / np.maximum(v, 1e-9) - 273.15,
                                                 lambda c: 1000.0 / (np.asarray(c) + 273.15)))
    secax.set_xlabel("T / °C", fontsize=8)
    secax.tick_params(labelsize=7)
    ylab = "log10(σT / S K cm⁻¹)" if conv == "sigmaT" else "log10(σ / S cm⁻¹)"
    _style(ax, "1000 / T / K⁻¹", ylab, legend=True)
    return fig


def polarization_figure(d: PolarizationData) -> Figure:
    """Current decay under the DC step, on a linear axis in nA/µA (a log axis spanning less than
    a decade shows no tick labels at all)."""
    fig = Figure(figsize=(6.4, 3.0))
    fig.subplots_adjust(left=0.11, right=0.97, top=0.9, bottom=0.16)
    ax = fig.subplots()
    i = np.asarray(d.current_A)
    div, prefix = engineering_scale(float(np.max(np.abs(i), initial=0.0)))
    ax.plot(np.asarray(d.time_s), i / div, "-", lw=1.2, label="measured")
    if d.steady_state_current_A is not None:
        ax.axhline(d.steady_state_current_A / div, ls="--", lw=0.8, color="C3",
                   label=f"I_ss = {d.steady_state_current_A / div:.3g} {prefix}A")
    ax.set_ylim(bottom=min(0.0, float(np.min(i / div, initial=0.0))))
    title = f"DC polarization at {d.voltage_V:g} V" + (f" – {d.label}" if d.label else "")
    _style(ax, "t / s", f"I / {prefix}A", title, legend=True)
    return fig


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """PNG of a figure, for outputs that are pictures by nature (the registry's study plot), never certificates."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figures_by_kind(data: FiguresData) -> dict[str, list[tuple[str, str, Callable[[], Figure]]]]:
    """kind → [(key, caption, draw)]: the one list of what the certificate shows, for renderers and `plot`."""
    out: dict[str, list[tuple[str, str, Callable[[], Figure]]]] = {k: [] for k in KINDS}
    for i, n in enumerate(data.nyquist):
        out["nyquist"].append((f"nyquist{i}", f"Nyquist with fit and residuals – {n.label or n.spectrum_ref}",
                               lambda n=n: nyquist_figure(n)))
    if data.nyquist:
        names = ", ".join(n.label or n.spectrum_ref for n in data.nyquist)
        out["bode"].append(("bode", f"Bode – {names}", lambda: bode_figure(data.nyquist)))
        with_kk = [n for n in data.nyquist if n.kk_residual_real_pct]
        if with_kk:
            out["kk"].append(("kk", "Kramers–Kronig residuals – " + ", ".join(n.label or n.spectrum_ref for n in with_kk),
                              lambda: kk_figure(with_kk)))
    if data.arrhenius:
        out["arrhenius"].append(("arrhenius", "Arrhenius plot – " + ", ".join(a.label for a in data.arrhenius),
                                 lambda: arrhenius_figure(data.arrhenius)))
    for i, p in enumerate(data.polarization):
        out["dc"].append((f"polarization{i}", f"DC polarization – {p.label}", lambda p=p: polarization_figure(p)))
    return out


@long_lived_frozen()
def certificate_figures(source: Certificate | FiguresData) -> list[RenderedFigure]:
    """Every figure the data supports, in reading order, each drawn exactly once. ``source`` is a
    certificate (its ``figures`` section) or a stand-alone :class:`FiguresData`."""
    data = source.figures if isinstance(source, Certificate) else source
    out: list[RenderedFigure] = []
    with matplotlib.rc_context(RC):
        for kind in KINDS:
            for key, title, draw in figures_by_kind(data)[kind]:
                svg, drawing = draw_once(draw())
                out.append(RenderedFigure(key, title, svg, drawing))
    return out


def save_figure(data: FiguresData, kind: str, path: Path) -> list[Path]:
    """Write the figure(s) of one kind to ``path`` (.png, .svg or .pdf); several figures of a kind
    get numbered files. Returns the files written; an empty list when the data have no such figure."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"unsupported figure format {path.suffix!r}; expected .png, .svg or .pdf")
    items = figures_by_kind(data).get(kind, [])
    written = []
    rc = {**RC, "pdf.fonttype": 42}  # TrueType fonts embedded in the PDF
    with matplotlib.rc_context(rc):
        for j, (_, _, draw) in enumerate(items):
            target = path if len(items) == 1 else path.with_name(f"{path.stem}-{j + 1}{path.suffix}")
            target.parent.mkdir(parents=True, exist_ok=True)
            draw().savefig(target, format=fmt, dpi=200, metadata={"Date": None} if fmt in ("svg",) else None)
            written.append(target)
    return written
