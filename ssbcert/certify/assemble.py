"""Assemble the certificate from the findings, the sample's own properties, the specification and
the session's snapshots. Everything here is bookkeeping: which number goes where, with which
evidence; the numbers themselves come from analysis/ and properties/, the decisions from spec/."""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ssbcert import __version__
from ssbcert.certificate.build import conformity_from_decision, literature_comparison, raw_data_ref, result_from_measured
from ssbcert.certificate.model import (
    Accreditation, ArcAssignment, ArrheniusData, ArrheniusFit, Certificate, Customer, Dates, FiguresData, FitQuality,
    Issuer, Item, Method, NyquistData, PolarizationData, ProtocolSnapshot, Signatory, Specimen,
)
from ssbcert.certificate.names import spectrum_names
from ssbcert.certify.calibration import apply_calibration_policy, instrument_snapshots, roles_by_result
from ssbcert.certify.findings import Finding, Findings
from ssbcert.certify.inputs import CertificateInputs
from ssbcert.certify.sampling import apply_sampling_plan
from ssbcert.errors import InputError
from ssbcert.lab import LabProfile
from ssbcert.lab.profile import LabPolicy
from ssbcert.plausibility import overrides_listed
from ssbcert.spec import Spec, evaluate
from ssbcert.uncertainty import Measured

_LABELS = {"bulk": "bulk", "grain_boundary": "grain_boundary", "electrode": "electrode", "unassigned": "unassigned"}
_GEOMETRY = {"through_plane": "through_plane", "in_plane_strips": "in_plane_strips", "interdigitated": "in_plane_ide"}


@dataclass
class IssuerInfo:
    """Who issues the report: the lab profile (None only for a draft), who signs, and the customer
    when the sample record names none."""

    lab: LabProfile | None = None
    draft: bool = False
    signatory: str | None = None
    customer: str = "internal"
    customer_contact: str = ""
    extra_deviations: list[str] = field(default_factory=list)

    def issuer(self) -> Issuer:
        if self.lab is None:
            if not self.draft:
                raise InputError("no lab profile: a certificate names its laboratory and authorised signatories",
                                 field="--lab", expected="a lab profile YAML (or --draft for a draft without sign-off)",
                                 found="none")
            return Issuer(name="no laboratory (draft without lab profile)", address="not stated")
        acc = self.lab.accreditation
        return Issuer(name=self.lab.name, address=self.lab.address, fictitious=self.lab.fictitious,
                      accreditation=Accreditation(body=acc.body, number=acc.number, scope=acc.scope) if acc else None)

    def authorization(self, date: dt.date) -> list[Signatory]:
        if self.lab is None:
            return [Signatory(name="not signed off (draft)", role="none", date=date)]
        s = self.lab.signatory(self.signatory)
        return [Signatory(name=s.name, role=s.role, date=date, key_fingerprint=s.key_fingerprint)]


def _session_times(inputs: CertificateInputs) -> tuple[dt.datetime, dt.datetime]:
    stamps = []
    for d in inputs.session.documents:
        w = d.get("wall_utc")
        if isinstance(w, str):
            try:
                stamps.append(dt.datetime.fromisoformat(w))
            except ValueError:
                pass
    created = inputs.session.info.get("created_utc")
    if not stamps and isinstance(created, str):
        stamps.append(dt.datetime.fromisoformat(created))
    if not stamps:
        now = dt.datetime.now(dt.timezone.utc)
        return now, now
    stamps = [s if s.tzinfo else s.replace(tzinfo=dt.timezone.utc) for s in stamps]
    return min(stamps), max(stamps)


def _arc_figures(inputs: CertificateInputs, findings: Findings, refs: dict[str, str]) -> list[NyquistData]:
    out: list[NyquistData] = []
    if findings.series is None:
        return out
    picks = [findings.room] if findings.room is not None else []
    temps = [s.temperature_K for s in findings.series.spectra]
    if temps:  # also the coldest and the hottest spectrum of the series
        for i in (int(np.argmin(temps)), int(np.argmax(temps))):
            if findings.series.spectra[i] not in picks:
                picks.append(findings.series.spectra[i])
    names = spectrum_names([s.temperature_K for s in inputs.series])
    for a in picks:
        i = findings.series.spectra.index(a)
        z_fit = a.fit.z_fit
        kk = a.kk
        out.append(NyquistData(
            spectrum_ref=inputs.spectrum_ids[i], label=names[i],
            frequency_Hz=a.fit.frequency_Hz.tolist(), z_real_ohm=a.fit.z_data.real.tolist(), z_imag_ohm=a.fit.z_data.imag.tolist(),
            fit_z_real_ohm=np.real(z_fit).tolist(), fit_z_imag_ohm=np.imag(z_fit).tolist(),
            kk_residual_real_pct=(100 * np.asarray(kk.residuals_real)).tolist(),
            kk_residual_imag_pct=(100 * np.asarray(kk.residuals_imag)).tolist()))
    return out


def _arrhenius_figures(inputs: CertificateInputs, findings: Findings) -> list[ArrheniusData]:
    out: list[ArrheniusData] = []
    if findings.series is None:
        return out
    fields = {"total": "sigma_total_S_per_m", "bulk": "sigma_bulk_S_per_m", "grain_boundary": "sigma_gb_apparent_S_per_m"}
    for kind, arr in findings.series.arrhenius.items():
        t, s, u = [], [], []
        for a in findings.series.spectra:
            m: Measured | None = getattr(a.conductivity, fields[kind])
            if m is not None and a.valid and a.conductivity.is_valid(fields[kind]) and a.temperature_K is not None:
                t.append(float(a.temperature_K))
                s.append(m.value / 100.0)
                u.append(m.u / 100.0)
        conv = "sigmaT" if arr.convention == "sigma_T" else "sigma"
        # ln A in the figure's units: S·K/cm (σT) or S/cm (σ)
        out.append(ArrheniusData(label=kind.replace("_", " "), temperature_K=t, sigma_S_per_cm=s, u_sigma_S_per_cm=u,
                                 convention=conv, activation_energy_eV=arr.activation_energy_eV.value,
                                 ln_prefactor=arr.ln_prefactor.value - math.log(100.0)))
    return out


def _residual_rms_pct(z: np.ndarray, z_fit: np.ndarray) -> float:
    """RMS of the complex residual relative to |Z|, in % (the figure reviewers compare with KK)."""
    return float(100 * np.sqrt(np.mean(np.abs(z - z_fit) ** 2 / np.abs(z) ** 2)))


def _result(f: Finding, refs: dict[str, str], direction: str) -> Any:
    return result_from_measured(
        f.measured, id=f.id, quantity=f.quantity, kind=f.kind,  # type: ignore[arg-type]
        direction=direction if f.quantity.startswith(("ionic_conductivity", "electronic")) else "",  # type: ignore[arg-type]
        conditions=f.conditions, raw_data=sorted({refs[r] for r in f.raw if r in refs}), informative=f.informative)


def build_certificate(
    inputs: CertificateInputs,
    findings: Findings,
    spec: Spec,
    issuer: IssuerInfo,
    raw_files: dict[str, Path],
    certificate_dir: Path,
) -> Certificate:
    """The unsigned certificate. `raw_files` maps raw-data id → file to hash and reference."""
    rec = inputs.sample
    refs: dict[str, str] = {}
    raw_refs = []
    for rid, path in raw_files.items():
        raw_refs.append(raw_data_ref(path, id=rid, relative_to=certificate_dir))
    for sid in inputs.spectrum_ids + inputs.trace_ids:
        refs[sid] = "records"
    direction = "in_plane" if findings.room is not None and inputs.geometry.direction != "through-plane" else "through_plane"
    if inputs.geometry.direction != "through-plane":
        direction = "in_plane"

    # results: analysis findings first, then the sample's own properties
    results = [_result(f, refs, direction) for f in findings.items]
    measured: dict[str, Measured] = findings.by_quantity()
    for qid, m in inputs.properties.items():
        informative = qid in inputs.properties.informative
        results.append(result_from_measured(m, id=qid, quantity=qid, informative=informative))  # type: ignore[arg-type]
        if not informative:
            measured.setdefault(qid, m)

    # decisions: one implementation (ssbcert.spec), mapped onto the certificate's conformity entries
    conformity = []
    not_tested: list[str] = []
    by_quantity = {r.quantity: r.id for r in results if not r.informative}
    required = {r.quantity for r in spec.requirements if r.required and not r.is_informative}
    units = {r.quantity: r.unit for r in results if not r.informative}  # limits are judged and printed in these
    for decision in evaluate(spec, measured, units):
        if decision.detail == "no result" and decision.quantity not in required:
            not_tested.append(decision.quantity)  # optional item, stated as an exclusion
            continue
        # a required item without a valid result stays in the report as inconclusive: never a silent pass
        if decision.detail == "no result" and decision.quantity in findings.withheld:
            decision = dataclasses.replace(decision, reasoning=findings.withheld[decision.quantity])
        conformity += conformity_from_decision(decision, by_quantity.get(decision.quantity, decision.quantity),
                                               units.get(decision.quantity))

    tested_from, tested_to = _session_times(inputs)
    instruments = instrument_snapshots(inputs, tested_to)
    policy = issuer.lab.policy if issuer.lab is not None else LabPolicy()
    conformity, calibration_deviations = apply_calibration_policy(conformity, instruments, roles_by_result(inputs, findings),
                                                                  policy.expired_calibration)
    conformity, sampling_deviations = apply_sampling_plan(conformity, inputs, findings,
                                                          policy.thickness_below_sampling_plan)

    fit_quality, arcs = [], []
    if findings.series is not None:
        names = spectrum_names([s.temperature_K for s in inputs.series])
        against_next = {c.first: c.sentence(names[c.first], names[c.second]) for c in findings.series.stationarity}
        for i, (sid, name, a) in enumerate(zip(inputs.spectrum_ids, names, findings.series.spectra)):
            fit_quality.append(FitQuality(
                spectrum_ref=sid, label=name, circuit=a.fit.circuit, chi_square=float(a.fit.chi2),
                residual_rms_pct=_residual_rms_pct(a.fit.z_data, a.fit.z_fit),
                kk_residual_max_pct=float(a.kk.max_residual_percent), kk_pass=bool(a.kk.passed),
                n_points=int(a.fit.frequency_Hz.size), temperature_K=a.temperature_K,
                parameters={n: float(v) for n, v in zip(a.fit.names, a.fit.params)},
                stationarity=against_next.get(i, ""), weighting=a.fit.weighting_note()))
        if findings.room is not None:
            for arc in findings.room.arcs.arcs:
                arcs.append(ArcAssignment(
                    spectrum_ref=findings.room_id or "", element="-".join(arc.param_names), assignment=_LABELS.get(arc.label, "unassigned"),  # type: ignore[arg-type]
                    capacitance_F=arc.c_eff_F.value, capacitance_normalised_F_per_cm=arc.c_norm_F,
                    relative_permittivity=arc.eps_r_apparent if math.isfinite(arc.eps_r_apparent) else None,
                    apex_frequency_Hz=arc.f0_Hz if math.isfinite(arc.f0_Hz) else None,
                    resistance_ohm=None if arc.r_ohm is None else arc.r_ohm.value,
                    evidence=f"{arc.c_eff_method}; C_norm = {arc.c_norm_F:.2e} F/cm, ε_r,app = {arc.eps_r_apparent:.3g}, "
                             f"f0 = {arc.f0_Hz:.3g} Hz{'' if arc.in_frequency_window else ' (outside the measured window)'}"))

    arrhenius = []
    if findings.series is not None:
        for kind, arr in findings.series.arrhenius.items():
            key = {"total": "total", "bulk": "bulk", "grain_boundary": "gb"}[kind]
            arrhenius.append(ArrheniusFit(contribution=key, convention="sigmaT" if arr.convention == "sigma_T" else "sigma",  # type: ignore[arg-type]
                                          activation_energy_ref=f"ea_{key}", temperature_range_K=arr.temperature_range_K,
                                          n_points=arr.n_points, r_squared=arr.r_squared))

    literature = []
    mat = rec.material
    for r in results:
        if r.quantity == "ionic_conductivity_total":
            cmp = literature_comparison(r, mat.material_class, getattr(mat, "family", None))
            if cmp is not None:
                literature.append(cmp)

    figures = FiguresData(nyquist=_arc_figures(inputs, findings, refs), arrhenius=_arrhenius_figures(inputs, findings))
    if findings.polarization is not None and inputs.traces:
        tr = inputs.traces[-1]
        figures.polarization.append(PolarizationData(
            label=rec.sample_id, time_s=(tr.time_s - tr.time_s[0]).tolist(), current_A=tr.current_A.tolist(),
            voltage_V=tr.voltage_V, steady_state_current_A=findings.polarization.decay.i_ss_A.value))

    deviations = list(issuer.extra_deviations) + calibration_deviations + sampling_deviations
    deviations += overrides_listed(rec.plausibility_overrides, inputs.session.plan)
    if findings.room is None and inputs.series:
        deviations.append("no spectrum within 25 ± 2 °C: room-temperature values from the Arrhenius fit")
    if findings.room is not None and not findings.room_repeats:
        deviations.append("the room-temperature sweep was not repeated: that the sample stayed the same while it "
                          "was measured (stationarity) is not shown")
    if findings.room is not None and not findings.room.arcs.bulk_gb_resolved:
        deviations.append("bulk and grain-boundary arcs not resolved: only σ_total is reported")
    if not_tested:
        deviations.append("not tested (specification items without a measurement): " + ", ".join(not_tested))
    methods = []
    if inputs.series:
        methods.append(Method(id="EIS", title="Electrochemical impedance spectroscopy, equivalent-circuit fit",
                              standard="ssbcert film-certification protocol", version=__version__,
                              references=["Lin-KK: Schönleber et al., Electrochim. Acta 131 (2014) 20",
                                          "arc assignment: Irvine, Sinclair & West, Adv. Mater. 2 (1990) 132"],
                              deviations=deviations))
    if inputs.traces:
        methods.append(Method(id="DC-POLARIZATION", title="DC polarization with ion-blocking electrodes (Hebb-Wagner)",
                              standard="ssbcert dc-polarization protocol", version=__version__))
    if inputs.properties:
        methods.append(Method(id="SAMPLE-PROPERTIES", title="Thickness, density and mechanics from the sample record",
                              standard="ISO 14577 / ASTM C1327 / GUM (per result)", version=__version__))
    if not methods:
        methods.append(Method(id="NONE", title="no method"))
    thickness = inputs.properties.get("thickness_mean")
    dims: dict[str, float] = {}
    if thickness is not None:
        dims["thickness_um"] = thickness.value * 1e6
    el = rec.electrodes
    protocol_doc = inputs.session.protocol or {}
    fab = rec.fabrication
    received = dt.date.fromisoformat(rec.received) if rec.received else tested_from.date()
    issued = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return Certificate(
        title=f"Test Report – {mat.family or mat.material_class} {rec.form} {rec.sample_id}",
        draft=issuer.lab is None or issuer.draft,
        issuer=issuer.issuer(),
        performed_at=(issuer.lab.performed_at or issuer.lab.address) if issuer.lab else "not stated (draft)",
        customer=Customer(name=rec.customer or issuer.customer, contact=issuer.customer_contact),
        item=Item(sample_id=rec.sample_id, material=str(mat.family or mat.material_class), material_class=mat.material_class,
                  nominal_composition=mat.composition or "", form=rec.form,
                  substrate=fab.substrate if fab is not None else None,
                  deposition_method=(fab.deposition_method or "") if fab is not None else "", lot=rec.lot or "",
                  specimens=[Specimen(id=rec.sample_id, dimensions=dims, electrodes=el.material if el else "",
                                      geometry=_GEOMETRY.get(el.layout, "") if el else "")],  # type: ignore[arg-type]
                  storage_atmosphere=rec.storage_atmosphere or ""),
        dates=Dates(received=received, tested_from=tested_from, tested_to=tested_to, issued=issued),
        methods=methods,
        protocol=ProtocolSnapshot(name=str(inputs.session.info.get("protocol_name", "")),
                                  sha256=str(inputs.session.info.get("protocol_sha256", "")),
                                  settings={"session_id": inputs.session.info.get("id", ""),
                                            "parameters": protocol_doc.get("parameters", {})}),
        instruments=instruments,
        raw_data=raw_refs,
        results=results,
        fit_quality=fit_quality,
        arc_assignments=arcs,
        arrhenius=arrhenius,
        literature=literature,
        conformity=conformity,
        authorization=issuer.authorization(issued.date()),
        software={"ssbcert": __version__},
        figures=figures,
    )
