"""Exports of a recorded session's raw data: records CSV, ZView/ZPlot `.z` spectra, and BDF traces.

* ``zview``: one ``ZPLOT2 ASCII`` file per spectrum (Scribner's layout: settings header, column
  names, ``End Comments``, tab-separated rows), which ZView and ssbcert's own importer read back.
* ``bdf``: the Battery Data Alliance's Battery Data Format for time series, for the DC
  polarization traces: its required columns ``Test Time / s``, ``Voltage / V``, ``Current / A``,
  plus ``Ambient Temperature / degC`` when the trace states it. One CSV per trace.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.session import load_session
from ssbcert.session.export import export_csv

BDF_COLUMNS = ("Test Time / s", "Voltage / V", "Current / A")
BDF_TEMPERATURE = "Ambient Temperature / degC"
ZPLOT_COLUMNS = ("Freq(Hz)", "Ampl", "Bias", "Time(Sec)", "Z'(a)", "Z''(b)", "GD", "Err", "Range")


def _numbered(out: Path, i: int, n: int) -> Path:
    return out if n == 1 else out.with_name(f"{out.stem}-{i + 1}{out.suffix}")


def zplot_text(s: ImpedanceSpectrum, title: str) -> str:
    amp = s.meta.get("amplitude_V", 0.0) or 0.0
    t = s.time_s if s.time_s is not None else [0.0] * len(s.frequency_Hz)
    head = ["ZPLOT2 ASCII", "  Measured Data, ZPlot:       ssbcert export", f"  Title:                      {title}"]
    if s.temperature_K is not None:
        head.append(f"  Temperature (K):            {s.temperature_K!r}")
    head += [f"  Data Points:                {len(s.frequency_Hz)}", "  " + "\t".join(ZPLOT_COLUMNS), "End Comments"]
    rows = [f"{float(f)!r}\t{float(amp)!r}\t0.0\t{float(ti)!r}\t{float(zr)!r}\t{float(zi)!r}\t0.0\t0\t0"
            for f, ti, zr, zi in zip(s.frequency_Hz, t, s.z_real_ohm, s.z_imag_ohm)]
    return "\n".join(head + rows) + "\n"


def export_session(session: str | Path, fmt: str, out: Path) -> list[Path]:
    """Write the session's data in ``fmt`` (csv, zview, bdf); returns the files written."""
    ses = load_session(session)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return [export_csv(ses, out)]
    if fmt == "zview":
        spectra = [(r.step, r.record) for r in ses.records if isinstance(r.record, ImpedanceSpectrum)]
        if not spectra:
            raise InputError("the session holds no impedance spectrum", file=str(session), expected="EIS records")
        files = []
        for i, (step, s) in enumerate(spectra):
            p = _numbered(out, i, len(spectra))
            p.write_text(zplot_text(s, f"{ses.info.get('id', '')} {step}"), encoding="utf-8")
            files.append(p)
        return files
    if fmt == "bdf":
        traces = [r.record for r in ses.records if isinstance(r.record, PolarizationTrace)]
        if not traces:
            raise InputError("the session holds no DC trace for the Battery Data Format", file=str(session),
                             expected="a DC polarization record")
        files = []
        for i, tr in enumerate(traces):
            p = _numbered(out, i, len(traces))
            with open(p, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                temp = tr.temperature_K is not None
                w.writerow(BDF_COLUMNS + ((BDF_TEMPERATURE,) if temp else ()))
                for t, c in zip(tr.time_s, tr.current_A):
                    w.writerow([repr(float(t)), repr(float(tr.voltage_V)), repr(float(c))]
                               + ([repr(tr.temperature_K - 273.15)] if temp else []))  # type: ignore[operator]
            files.append(p)
        return files
    raise InputError("unknown session export format", field="--format", expected="csv, zview or bdf", found=fmt)
