"""The certificate (ISO/IEC 17025 §7.8 test report) as one pydantic model.

The model is the source of truth: the published JSON Schema is generated from it
(:func:`certificate_json_schema`), and a certificate JSON is valid iff it round-trips through
:meth:`Certificate.model_validate`. Values are in domain units (S/cm, Ω·cm², µm, eV...) with the unit
in each result; inside ssbcert everything stays SI (see :mod:`ssbcert.certificate.units`).

Fields map to §7.8 items: a title, b issuer, c performed_at, d certificate_id + end_of_report,
e customer, f/n methods (+deviations), g item, h/i/j dates, k sampling, l statements, m results,
o authorization, p results[].external_provider, §7.8.2.2 results[].customer_supplied,
§7.8.6 conformity, §7.8.7 interpretations, §7.8.8 supersedes/amendment_reason.
"""
from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ssbcert.quantities import QUANTITIES

SCHEMA_ID = "https://ssbcert.example/schema/certificate/1.0.0"
SCHEMA_VERSION = "1.0.0"

Quantity = Literal[tuple(QUANTITIES)]  # type: ignore[valid-type]  # ids from ssbcert.quantities

Outcome = Literal["pass", "fail", "inconclusive", "conditional_pass", "conditional_fail"]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a certificate must not pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Accreditation(_Strict):
    body: str
    number: str
    scope: str = ""


class Issuer(_Strict):
    """§7.8.2.1 b — the laboratory."""

    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    accreditation: Accreditation | None = None
    fictitious: bool = Field(False, description="a made-up laboratory (the demo's); the certificate says so on every page")


class Customer(_Strict):
    """§7.8.2.1 e."""

    name: str = Field(min_length=1)
    contact: str = ""


class Method(_Strict):
    """§7.8.2.1 f and n — method identity and any deviation from it."""

    id: str
    title: str = ""
    standard: str = ""
    version: str = ""
    references: list[str] = Field(default_factory=list)
    deviations: list[str] = Field(default_factory=list)


class Specimen(_Strict):
    id: str
    dimensions: dict[str, float] = Field(default_factory=dict, description="name_unit -> value, e.g. thickness_um")
    electrodes: str = ""
    geometry: Literal["through_plane", "in_plane_strips", "in_plane_ide", "van_der_pauw", ""] = ""


class Item(_Strict):
    """§7.8.2.1 g — what was tested, unambiguously, with its condition on receipt."""

    sample_id: str
    material: str = Field(description="short material name used for queries, e.g. LLZO, LiPON")
    material_class: str = Field(description="garnet, NASICON, perovskite, LiPON, sulfide, ...")
    nominal_composition: str = ""
    analysed_composition: dict[str, Any] = Field(default_factory=dict)
    form: Literal["film", "pellet", "tape", "membrane", "powder"]
    substrate: str | None = None
    deposition_method: str = ""
    lot: str = ""
    specimens: list[Specimen] = Field(default_factory=list)
    condition_on_receipt: str = ""
    storage_atmosphere: str = ""
    customer_supplied_description: bool = Field(False, description="§7.8.2.2: item data as stated by the customer")


class Dates(_Strict):
    """§7.8.2.1 h, i, j."""

    received: dt.date
    sampled: dt.date | None = None
    tested_from: dt.datetime
    tested_to: dt.datetime
    issued: dt.datetime


class Sampling(_Strict):
    """§7.8.2.1 k."""

    plan: str
    method: str = ""


class Statements(_Strict):
    scope_limitation: str = "The results relate only to the items tested."
    reproduction: str = "This report shall not be reproduced except in full without written approval of the issuer."
    customer_supplied_disclaimer: str = ""


class Signatory(_Strict):
    """§7.8.2.1 o — a person who authorized release."""

    name: str
    role: str
    date: dt.date
    key_fingerprint: str = Field("", description="the signatory's key as stated in the lab profile; empty = not bound")


class InstrumentSnapshot(_Strict):
    """What the instrument said it was (*IDN?) and how it was set, plus calibration (§6.4/§6.5)."""

    role: str
    idn: str = Field(description="the *IDN? (or equivalent) reply, verbatim")
    resource: str = ""
    serial: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    calibration_certificate: str = ""
    calibration_date: dt.date | None = None
    calibration_due: dt.date | None = None
    calibration_by: str = ""
    calibration_status: Literal["in_date", "expired", "not_stated"] = Field(
        "not_stated", description="against the last test date: expired when the due date is before it")
    simulated: bool = False


class ProtocolSnapshot(_Strict):
    name: str
    version: str = ""
    sha256: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)


class RawDataRef(_Strict):
    """A file the results come from; verify re-hashes it. Relative URIs resolve from the certificate's folder."""

    id: str
    uri: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int | None = None
    description: str = ""


class BudgetEntry(_Strict):
    """One line of a GUM budget (§6.3); contribution is |c_i|·u(x_i) in the result's unit."""

    input: str
    value: float | None = None
    unit: str = ""
    u: float | None = None
    sensitivity: float | None = None
    contribution: float
    type: Literal["A", "B", ""] = ""
    source: str = ""


class Result(_Strict):
    """One reported quantity (§7.8.2.1 m, §7.8.3.1 c)."""

    id: str = Field(description="stable reference used by conformity, figures and comparisons")
    quantity: Quantity
    kind: str = Field("", description="bulk, gb_apparent, gb_specific, total, electronic, ...")
    direction: Literal["through_plane", "in_plane", ""] = ""
    value: float
    unit: str
    unit_ucum: str = Field("", description="the unit as a UCUM code (https://ucum.org), for machine readers")
    u: float = Field(ge=0, description="standard uncertainty, same unit as value")
    U: float = Field(ge=0, description="expanded uncertainty U = k·u")
    k: float = Field(gt=0)
    coverage_probability: float = Field(0.95, gt=0, lt=1)
    dof: float | None = Field(None, description="effective degrees of freedom; null = infinite")
    method: str
    budget: list[BudgetEntry] = Field(default_factory=list)
    conditions: dict[str, Any] = Field(default_factory=dict)
    specimen_ids: list[str] = Field(default_factory=list)
    raw_data: list[str] = Field(default_factory=list, description="ids of raw_data entries")
    customer_supplied: bool = False
    external_provider: str | None = None
    informative: bool = False

    @field_validator("value", "u", "U", "k")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be finite")
        return v


class FitQuality(_Strict):
    """How well the circuit fit and the Kramers–Kronig test went for one spectrum."""

    spectrum_ref: str
    label: str = Field("", description="human name of the spectrum, e.g. '25 °C, heating, sweep 1'")
    circuit: str
    chi_square: float | None = None
    residual_rms_pct: float | None = None
    kk_residual_max_pct: float | None = None
    kk_pass: bool | None = None
    n_points: int | None = None
    temperature_K: float | None = None
    parameters: dict[str, float] = Field(default_factory=dict)
    stationarity: str = Field("", description="this sweep against the next repeat of its step: whether the two "
                                              "agree within their noise (empty: not repeated)")
    weighting: str = Field("", description="how the fit weighted its points where that departs from its plain "
                                           "weighting (empty: no per-point factors)")


class ArcAssignment(_Strict):
    """Why an arc was called bulk or grain boundary: the evidence, not just the label (§2.4.2)."""

    spectrum_ref: str
    element: str = Field(description="circuit element, e.g. p(R1,CPE1)")
    assignment: Literal["bulk", "grain_boundary", "electrode", "bulk_plus_gb", "unassigned"]
    capacitance_F: float | None = None
    capacitance_normalised_F_per_cm: float | None = Field(None, description="C·h/A")
    relative_permittivity: float | None = None
    apex_frequency_Hz: float | None = None
    resistance_ohm: float | None = None
    evidence: str = ""


class ArrheniusFit(_Strict):
    """An activation-energy fit; the convention (σT or σ) changes E_a, so it is always stated."""

    contribution: Literal["total", "bulk", "gb"]
    convention: Literal["sigmaT", "sigma"]
    activation_energy_ref: str = Field(description="id of the activation_energy_* result")
    prefactor_ref: str | None = None
    temperature_range_K: tuple[float, float]
    n_points: int
    r_squared: float | None = None


class LiteratureComparison(_Strict):
    """Film value vs the published value for the material class (σ_film/σ_bulk)."""

    result_ref: str
    material_class: str
    film_value: float
    unit: str
    bulk_value: float | None = None
    bulk_range: tuple[float, float] | None = None
    ratio_film_to_bulk: float | None = None
    literature_film_points: list[dict[str, Any]] = Field(default_factory=list)
    source: str = ""
    note: str = ""


class Limit(_Strict):
    type: Literal["lower", "upper"]
    value: float
    unit: str = Field(description="always the unit of the result it limits")
    unit_ucum: str = Field("", description="the unit as a UCUM code (https://ucum.org)")


class Conformity(_Strict):
    """§7.8.6 statement: which result, which spec, which rule, what outcome."""

    result_ref: str
    spec_ref: str
    limit: Limit
    decision_rule: Literal["simple", "guarded"]
    guard_band: float = Field(0.0, ge=0, description="w: in the limit's unit (normal) or relative, on ln x (lognormal)")
    k: float = 2.0
    distribution: Literal["normal", "lognormal"] = "normal"
    outcome: Outcome
    text: str = ""
    informative: bool = Field(False, description="a goal reported for information, not a conformity statement")


class Interpretation(_Strict):
    """§7.8.7 — marked as opinion, with its grounds and author."""

    text: str
    basis: str
    author: str


class Supersedes(_Strict):
    """§7.8.8 — the certificate this one replaces, pinned by its signed payload hash."""

    certificate_id: str
    payload_sha256: str = ""
    reason: str


class NyquistData(_Strict):
    spectrum_ref: str
    label: str = ""
    frequency_Hz: list[float]
    z_real_ohm: list[float]
    z_imag_ohm: list[float]
    fit_z_real_ohm: list[float] = Field(default_factory=list)
    fit_z_imag_ohm: list[float] = Field(default_factory=list)
    kk_residual_real_pct: list[float] = Field(default_factory=list)
    kk_residual_imag_pct: list[float] = Field(default_factory=list)


class ArrheniusData(_Strict):
    label: str = ""
    temperature_K: list[float]
    sigma_S_per_cm: list[float]
    u_sigma_S_per_cm: list[float] = Field(default_factory=list)
    convention: Literal["sigmaT", "sigma"] = "sigmaT"
    activation_energy_eV: float | None = None
    ln_prefactor: float | None = Field(None, description="ln(A) of the fitted line, A in the convention's unit")


class PolarizationData(_Strict):
    label: str = ""
    time_s: list[float]
    current_A: list[float]
    voltage_V: float
    steady_state_current_A: float | None = None


class FiguresData(_Strict):
    """Plain arrays the renderers plot; keeps rendering independent of the analysis package."""

    nyquist: list[NyquistData] = Field(default_factory=list)
    arrhenius: list[ArrheniusData] = Field(default_factory=list)
    polarization: list[PolarizationData] = Field(default_factory=list)


class Integrity(_Strict):
    """The signature block. Not part of the signed payload; it signs a manifest of the payload."""

    algorithm: Literal["Ed25519"] = "Ed25519"
    canonicalization: str
    public_key: str = Field(description="raw 32-byte Ed25519 public key, base64")
    key_fingerprint: str
    signed_at: dt.datetime
    payload_sha256: str
    field_digests: dict[str, str] = Field(description="path -> truncated sha256 of that field's canonical JSON")
    signature: str = Field(description="base64 Ed25519 signature over the canonical manifest")


def new_certificate_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


class Certificate(_Strict):
    """A solid-electrolyte film test report. Build it, then sign with :func:`ssbcert.certificate.signing.sign`."""

    schema_: str = Field(SCHEMA_ID, alias="schema")
    schema_version: str = SCHEMA_VERSION
    document_type: Literal[
        "test_report", "certificate_of_analysis", "inspection_certificate_3_1", "declaration_of_conformity"
    ] = "test_report"
    certificate_id: str = Field(default_factory=new_certificate_id)
    draft: bool = Field(False, description="issued without a lab profile (--draft): not a valid report, watermarked DRAFT")
    supersedes: Supersedes | None = None
    title: str
    issuer: Issuer
    performed_at: str
    customer: Customer
    item: Item
    dates: Dates
    sampling: Sampling | None = None
    methods: list[Method] = Field(min_length=1)
    protocol: ProtocolSnapshot | None = None
    instruments: list[InstrumentSnapshot] = Field(default_factory=list)
    raw_data: list[RawDataRef] = Field(default_factory=list)
    results: list[Result] = Field(min_length=1)
    fit_quality: list[FitQuality] = Field(default_factory=list)
    arc_assignments: list[ArcAssignment] = Field(default_factory=list)
    arrhenius: list[ArrheniusFit] = Field(default_factory=list)
    literature: list[LiteratureComparison] = Field(default_factory=list)
    conformity: list[Conformity] = Field(default_factory=list)
    interpretations: list[Interpretation] = Field(default_factory=list)
    statements: Statements = Field(default_factory=Statements)
    authorization: list[Signatory] = Field(min_length=1)
    software: dict[str, str] = Field(default_factory=dict)
    figures: FiguresData = Field(default_factory=FiguresData)
    end_of_report: Literal[True] = True
    integrity: Integrity | None = None

    def result(self, ref: str) -> Result:
        """The result with this id (conformity and figures refer to results by id)."""
        for r in self.results:
            if r.id == ref:
                return r
        raise KeyError(f"no result with id {ref!r}; have {[r.id for r in self.results]}")

    def find(self, quantity: str) -> Result | None:
        """First result for a catalogue quantity, or None."""
        return next((r for r in self.results if r.quantity == quantity), None)

    def payload(self) -> dict[str, Any]:
        """The signed part: the JSON document without its integrity block."""
        return self.model_dump(mode="json", by_alias=True, exclude={"integrity"})

    def document(self) -> dict[str, Any]:
        """The full JSON document (payload + integrity)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=False)

    @field_validator("results")
    @classmethod
    def _unique_ids(cls, results: list[Result]) -> list[Result]:
        ids = [r.id for r in results]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"result ids must be unique; repeated: {dup}")
        return results

    @model_validator(mode="after")
    def _references_resolve(self) -> "Certificate":
        """Dangling ids would make a conformity statement point at nothing (§7.8.6 must name its result)."""
        result_ids = {r.id for r in self.results}
        raw_ids = {r.id for r in self.raw_data}
        # a required item with no valid result names its quantity id and can only be inconclusive
        problems = [f"conformity[{i}].result_ref={c.result_ref!r}" for i, c in enumerate(self.conformity)
                    if c.result_ref not in result_ids and not (c.outcome == "inconclusive" and c.result_ref in QUANTITIES)]
        problems += [f"literature[{i}].result_ref={c.result_ref!r}" for i, c in enumerate(self.literature)
                     if c.result_ref not in result_ids]
        problems += [f"arrhenius[{i}].activation_energy_ref={a.activation_energy_ref!r}"
                     for i, a in enumerate(self.arrhenius) if a.activation_energy_ref not in result_ids]
        problems += [f"results[{i}].raw_data={ref!r}" for i, r in enumerate(self.results)
                     for ref in r.raw_data if ref not in raw_ids]
        if problems:
            raise ValueError("unknown references: " + ", ".join(problems))
        return self


def certificate_json_schema() -> dict[str, Any]:
    """The published JSON Schema (2020-12), generated from the model."""
    schema = Certificate.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema
