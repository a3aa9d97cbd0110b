"""Open/short compensation: fixture sweeps are recorded raw and referenced; correction on reading."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ssbcert.records import ImpedanceSpectrum
from ssbcert.runner.api import run
from ssbcert.runner.compensation import apply_open_short, compensated
from ssbcert.session import load_session

sys.path.insert(0, str(Path(__file__).parent))
from fakebench import fake_access, fake_config  # noqa: E402


def test_formula_recovers_the_device() -> None:
    f = np.array([1e3, 1e4])
    zdut = np.array([100 - 50j, 80 - 90j])
    zs, yo = 0.5 + 0.2j, 1j * 2 * np.pi * f * 1e-12
    zm = zs + 1 / (1 / zdut + yo)  # stray admittance across the sample, residue in series
    spec = lambda z: ImpedanceSpectrum(f, z.real, z.imag)  # noqa: E731
    got = apply_open_short(spec(zm), spec(zs + 1 / yo), spec(np.full(2, zs)))
    np.testing.assert_allclose(got.z, zdut, rtol=1e-9)


def test_session_references_fixture_sweeps(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(
        "name: c\nsteps:\n"
        + "".join(f"  - step: eis\n    frequencies: [1 kHz, 100 Hz]\n    amplitude: 10 mV\n    fixture: {fx}\n" for fx in ("open", "short"))
        + "  - step: eis\n    frequencies: [1 kHz, 100 Hz]\n    amplitude: 10 mV\n    compensation: open_short\n"
    )
    assert run(p, fake_config(), out=tmp_path / "s", access=fake_access()).exit_status == "success"
    recs = {r.point: r.record for r in load_session(tmp_path / "s").records}
    sample = recs["s02.eis.p0"]
    assert sample.meta["compensation"] == {"open": "s00.eis.p0", "short": "s01.eis.p0"}
    with np.errstate(all="ignore"):  # the fake has no fixture physics: open == short here
        assert compensated(recs, "s02.eis.p0").meta["compensated"] is True
