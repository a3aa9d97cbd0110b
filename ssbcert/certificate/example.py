"""A complete, physically plausible example certificate (a 20 µm LLZO film).

Used by tests, by the renderers' self-check and as a template for whoever assembles certificates
from real analysis output: it shows every section filled from plain numbers and ``Measured``.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from ssbcert.certificate.build import evaluate_conformity, literature_comparison, raw_data_ref, result_from_measured
from ssbcert.certificate.units import K_B_EV
from ssbcert.certificate.model import (
    ArcAssignment, ArrheniusData, ArrheniusFit, Certificate, Customer, Dates, FiguresData, FitQuality,
    InstrumentSnapshot, Issuer, Item, LiteratureComparison, Method, NyquistData, PolarizationData,
    ProtocolSnapshot, Signatory, Specimen,
)
from ssbcert.uncertainty import Measured
from ssbcert.units import E_CHARGE



def _rc_cpe(f: np.ndarray, r: float, q: float, n: float) -> np.ndarray:
    w = 2 * np.pi * f
    return r / (1 + r * q * (1j * w) ** n)


def synthetic_spectrum(r_b: float = 120.0, r_gb: float = 380.0, seed: int = 1) -> dict[str, list[float]]:
    """Bulk and GB arcs plus a blocking-electrode tail, with 0.3 % noise (plain lists)."""
    f = np.logspace(7, -1, 60)
    z_fit = _rc_cpe(f, r_b, 2e-11, 0.95) + _rc_cpe(f, r_gb, 5e-9, 0.85) + 1 / (2e-6 * (1j * 2 * np.pi * f) ** 0.8)
    rng = np.random.default_rng(seed)
    z = z_fit * (1 + 0.003 * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)))
    kk = 0.2 * rng.standard_normal((2, f.size))
    return {
        "frequency_Hz": f.tolist(), "z_real_ohm": z.real.tolist(), "z_imag_ohm": z.imag.tolist(),
        "fit_z_real_ohm": z_fit.real.tolist(), "fit_z_imag_ohm": z_fit.imag.tolist(),
        "kk_residual_real_pct": kk[0].tolist(), "kk_residual_imag_pct": kk[1].tolist(),
    }


def example_certificate(
    *,
    thickness_um: float = 20.0,
    sigma_total_S_cm: float = 2.0e-4,
    material: str = "LLZO",
    raw_dir: Path | None = None,
    sample_id: str = "LLZO-F-0001",
    with_figures: bool = True,
) -> Certificate:
    """Build an unsigned example. With ``raw_dir`` it writes two raw files there and references them."""
    h_m = thickness_um * 1e-6
    sigma_si = sigma_total_S_cm * 100
    raw_refs, raw_ids = [], []
    spectrum = synthetic_spectrum() if with_figures else None
    if raw_dir is not None:
        raw_dir.mkdir(parents=True, exist_ok=True)
        eis = raw_dir / "eis_298K.csv"
        eis.write_text("f_Hz,zr_ohm,zi_ohm\n" + "".join(
            f"{a!r},{b!r},{c!r}\n" for a, b, c in zip(*(synthetic_spectrum()[k] for k in ("frequency_Hz", "z_real_ohm", "z_imag_ohm")))))
        dc = raw_dir / "dc_polarization.csv"
        dc.write_text("t_s,i_A\n" + "".join(f"{t},{1e-9 * (1 + 9 * math.exp(-t / 300))!r}\n" for t in range(0, 3600, 60)))
        raw_refs = [raw_data_ref(eis, id="eis-298K", relative_to=raw_dir.parent),
                    raw_data_ref(dc, id="dc-pol", relative_to=raw_dir.parent)]
        raw_ids = [r.id for r in raw_refs]
    cond = {"temperature_K": 298.15, "u_temperature_K": 0.3, "atmosphere": "Ar", "frequency_range_Hz": [0.1, 1e7],
            "amplitude_V_rms": 0.02, "electrodes": "Au sputtered 100 nm"}
    sig_t = Measured(sigma_si, sigma_si * 0.026, "S/m", "EIS, sigma = h/(R A), GUM propagation", dof=48.0,
                     budget={"h": sigma_si * 0.02, "A": sigma_si * 0.012, "R": sigma_si * 0.011})
    sig_b = Measured(sigma_si * 4.2, sigma_si * 4.2 * 0.05, "S/m", "EIS fit, bulk arc", dof=50.0)
    sig_gb = Measured(sigma_si * 1.3, sigma_si * 1.3 * 0.07, "S/m", "EIS fit, GB arc (apparent)", dof=50.0)
    asr = Measured(h_m / sigma_si, h_m / sigma_si * 0.033, "ohm*m^2", "ASR = h/sigma_total at 25 C")
    sig_e = Measured(2.0e-9 * 100, 0.3e-9 * 100, "S/m", "DC polarization (Hebb-Wagner), blocking Au")
    ea = Measured(0.42 * E_CHARGE, 0.01 * E_CHARGE, "J", "Arrhenius fit, sigmaT convention", dof=8.0)
    thick = Measured(h_m, h_m * 0.02, "m", "profilometry, 9 points", dof=8.0)
    rho = Measured(4950.0, 40.0, "kg/m^3", "gravimetric film density")
    results = [
        result_from_measured(sig_t, id="sigma_total", quantity="ionic_conductivity_total", kind="total",
                             direction="through_plane", conditions=cond, specimen_ids=["S1"], raw_data=raw_ids[:1]),
        result_from_measured(sig_b, id="sigma_bulk", quantity="ionic_conductivity_bulk", kind="bulk",
                             direction="through_plane", conditions=cond, raw_data=raw_ids[:1]),
        result_from_measured(sig_gb, id="sigma_gb", quantity="ionic_conductivity_gb_apparent", kind="gb_apparent",
                             direction="through_plane", conditions=cond, raw_data=raw_ids[:1]),
        result_from_measured(asr, id="asr_25C", quantity="asr_electrolyte", conditions={"temperature_K": 298.15}),
        result_from_measured(sig_e, id="sigma_e", quantity="electronic_conductivity", kind="electronic",
                             conditions={"temperature_K": 298.15, "voltage_V": 0.5}, raw_data=raw_ids[1:]),
        result_from_measured(ea, id="ea_total", quantity="activation_energy_total", kind="total"),
        result_from_measured(thick, id="h_mean", quantity="thickness_mean", specimen_ids=["S1"]),
        result_from_measured(rho, id="rho_film", quantity="film_density_gravimetric", customer_supplied=True),
    ]
    by_id = {r.id: r for r in results}
    conformity = [
        evaluate_conformity(by_id["sigma_total"], limit_type="lower", limit=1e-4, spec_ref="ssbcert default §8 bulk-type separator"),
        evaluate_conformity(by_id["asr_25C"], limit_type="upper", limit=20.0, spec_ref="ssbcert default §8 ASR acceptable"),
        evaluate_conformity(by_id["sigma_e"], limit_type="upper", limit=1e-8, spec_ref="ssbcert default §8 oxides"),
    ]
    figures = FiguresData()
    if spectrum is not None:
        temps = np.array([298.15, 323.15, 348.15, 373.15, 398.15, 423.15])
        st = sigma_total_S_cm * 298.15 * np.exp(-0.42 / K_B_EV * (1 / temps - 1 / 298.15)) / temps
        figures = FiguresData(
            nyquist=[NyquistData(spectrum_ref="eis-298K", label="25 °C", **spectrum)],
            arrhenius=[ArrheniusData(label="total", temperature_K=temps.tolist(), sigma_S_per_cm=st.tolist(),
                                     u_sigma_S_per_cm=(st * 0.03).tolist(), convention="sigmaT", activation_energy_eV=0.42,
                                     ln_prefactor=math.log(sigma_total_S_cm * 298.15) + 0.42 / (K_B_EV * 298.15))],
            polarization=[PolarizationData(label="0.5 V, Au|LLZO|Au", time_s=list(map(float, range(0, 3600, 30))),
                                           current_A=[1e-9 * (1 + 9 * math.exp(-t / 300)) for t in range(0, 3600, 30)],
                                           voltage_V=0.5, steady_state_current_A=1e-9)],
        )
    issued = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
    return Certificate(
        title=f"Test Report – {material} thin film {sample_id}",
        issuer=Issuer(name="ssbcert demo laboratory", address="1 Example Road, Testville"),
        performed_at="ssbcert demo laboratory, glovebox bench 2 (simulated instruments)",
        customer=Customer(name="Example Battery GmbH", contact="qa@example.invalid"),
        item=Item(sample_id=sample_id, material=material, material_class="garnet",
                  nominal_composition="Li6.4La3Zr1.4Ta0.6O12", form="film", substrate="MgO(100)",
                  deposition_method="magnetron sputtering", lot="2026-017",
                  specimens=[Specimen(id="S1", dimensions={"thickness_um": thickness_um, "electrode_area_cm2": 0.0314},
                                      electrodes="Au", geometry="through_plane")],
                  condition_on_receipt="intact, no visible cracks", storage_atmosphere="Ar, H2O < 0.1 ppm"),
        dates=Dates(received=dt.date(2026, 11, 20), tested_from=dt.datetime(2026, 11, 23, 9, tzinfo=dt.timezone.utc),
                    tested_to=dt.datetime(2026, 11, 24, 17, tzinfo=dt.timezone.utc), issued=issued),
        methods=[Method(id="EIS-THROUGH-PLANE", standard="in-house SOP-EIS-01", version="3",
                        deviations=["upper frequency limited to 10 MHz by the analyser"]),
                 Method(id="DC-POLARIZATION", standard="in-house SOP-DC-01", version="1")],
        protocol=ProtocolSnapshot(name="film-certification", version="1.0", settings={"amplitude_V_rms": 0.02}),
        instruments=[InstrumentSnapshot(role="impedance", idn="KEYSIGHT TECHNOLOGIES,E4990A,MY54100001,A.02.10",
                                        resource="TCPIP::127.0.0.1::5025::SOCKET", settings={"points": 60}, simulated=True),
                     InstrumentSnapshot(role="temperature", idn="LSCI,MODEL336,LSA1234,2.9", simulated=True)],
        raw_data=raw_refs,
        results=results,
        fit_quality=[FitQuality(spectrum_ref="eis-298K", circuit="p(R1,CPE1)-p(R2,CPE2)-CPE3", chi_square=2.1e-5,
                                residual_rms_pct=0.31, kk_residual_max_pct=0.6, kk_pass=True, n_points=60, temperature_K=298.15)],
        arc_assignments=[
            ArcAssignment(spectrum_ref="eis-298K", element="p(R1,CPE1)", assignment="bulk", capacitance_F=1.6e-11,
                          capacitance_normalised_F_per_cm=1.0e-12, relative_permittivity=60.0, apex_frequency_Hz=8.3e7,
                          resistance_ohm=120.0, evidence="C ~ 1e-12 F/cm and eps_r ~ 60: grain interior"),
            ArcAssignment(spectrum_ref="eis-298K", element="p(R2,CPE2)", assignment="grain_boundary", capacitance_F=1.2e-9,
                          capacitance_normalised_F_per_cm=7.6e-11, apex_frequency_Hz=3.5e5, resistance_ohm=380.0,
                          evidence="C ~ 1e-10 F/cm: grain boundary"),
        ],
        arrhenius=[ArrheniusFit(contribution="total", convention="sigmaT", activation_energy_ref="ea_total",
                                temperature_range_K=(298.15, 423.15), n_points=6, r_squared=0.998)],
        literature=[literature_comparison(by_id["sigma_total"], "garnet", material) or LiteratureComparison(
            result_ref="sigma_total", material_class="garnet", film_value=sigma_total_S_cm, unit="S/cm",
            bulk_value=5e-4, bulk_range=(1e-4, 1e-3), ratio_film_to_bulk=sigma_total_S_cm / 5e-4,
            source="Il'ina & Kalinina, Russ. Chem. Rev. 2025, Table 1")],
        conformity=conformity,
        authorization=[Signatory(name="A. Reviewer", role="technical manager", date=dt.date(2026, 11, 25))],
        software={"ssbcert": "0.1.0"},
        figures=figures,
    )
