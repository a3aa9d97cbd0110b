"""A session's raw records as the certificate's figure data (no fit, no analysis), for `ssbcert plot`."""
from __future__ import annotations

from pathlib import Path

from ssbcert.certificate.model import FiguresData, NyquistData, PolarizationData
from ssbcert.certificate.names import spectrum_names
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.session import load_session


def session_figures(session: str | Path) -> FiguresData:
    ses = load_session(session)
    spectra = [(r, r.record) for r in ses.records if isinstance(r.record, ImpedanceSpectrum)
               and r.record.meta.get("fixture") not in ("open", "short")]
    names = spectrum_names([s.temperature_K for _, s in spectra])
    data = FiguresData(nyquist=[
        NyquistData(spectrum_ref=f"{r.step}/{r.point}" if r.point else r.step, label=name,
                    frequency_Hz=s.frequency_Hz.tolist(), z_real_ohm=s.z_real_ohm.tolist(), z_imag_ohm=s.z_imag_ohm.tolist())
        for (r, s), name in zip(spectra, names)])
    for r in ses.records:
        tr = r.record
        if isinstance(tr, PolarizationTrace):
            data.polarization.append(PolarizationData(label=str(ses.info.get("id", "")), time_s=(tr.time_s - tr.time_s[0]).tolist(),
                                                      current_A=tr.current_A.tolist(), voltage_V=tr.voltage_V))
    return data
