"""Open/short fixture compensation. The session keeps the raw sample sweep and names the open and
short sweeps it is to be corrected with (meta["compensation"]); the correction is applied on
reading, so the recorded data stay exactly what the instrument said."""
from __future__ import annotations

import numpy as np

from ssbcert.records import ImpedanceSpectrum


def apply_open_short(sample: ImpedanceSpectrum, open_: ImpedanceSpectrum, short: ImpedanceSpectrum) -> ImpedanceSpectrum:
    """Z = (Zm − Zs) / (1 − (Zm − Zs)·Yo), Yo = 1/(Zo − Zs): series residue and stray admittance removed."""
    for name, ref in (("open", open_), ("short", short)):
        if not np.array_equal(ref.frequency_Hz, sample.frequency_Hz):
            raise ValueError(f"{name} fixture sweep has different frequencies from the sample sweep")
    zm, zo, zs = sample.z, open_.z, short.z
    z = (zm - zs) / (1 - (zm - zs) / (zo - zs))
    meta = {**sample.meta, "compensated": True}
    return ImpedanceSpectrum(sample.frequency_Hz, z.real, z.imag, sample.temperature_K, sample.time_s, meta)


def compensated(records: dict[str, ImpedanceSpectrum], point: str) -> ImpedanceSpectrum:
    """The corrected spectrum of `point`, given all spectra of its session by point id."""
    spec = records[point]
    refs = spec.meta.get("compensation")
    if not isinstance(refs, dict):
        return spec
    return apply_open_short(spec, records[refs["open"]], records[refs["short"]])
