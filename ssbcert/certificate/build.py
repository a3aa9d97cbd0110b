"""Helpers that turn generic analysis outputs into certificate entries.

They accept the shared :class:`ssbcert.uncertainty.Measured` (SI) and plain numbers only, so the
certificate does not depend on how analysis, properties or spec compute things.
"""
from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ssbcert.certificate.model import BudgetEntry, Conformity, Limit, LiteratureComparison, Quantity, RawDataRef, Result
from ssbcert.certificate.units import conversion_factor
from ssbcert.units import UnitError, compatible, display_unit, factor as unit_factor, snap, ucum

if TYPE_CHECKING:  # runtime use is duck-typed; keeps scipy out of registry/verify start-up
    from ssbcert.uncertainty import Measured


def result_from_measured(
    measured: Measured,
    *,
    id: str,
    quantity: Quantity,
    unit: str | None = None,
    level: float = 0.95,
    kind: str = "",
    direction: Literal["through_plane", "in_plane", ""] = "",
    conditions: dict[str, Any] | None = None,
    specimen_ids: list[str] | None = None,
    raw_data: list[str] | None = None,
    customer_supplied: bool = False,
    external_provider: str | None = None,
    informative: bool = False,
) -> Result:
    """A certificate result from an SI ``Measured``: converts to the domain unit and expands u.

    ``unit`` picks the domain unit (default per SI unit: S/m→S/cm, Ω·m²→Ω·cm², m→µm, kg/m³→g/cm³,
    Pa→GPa, J→eV). Budget contributions are scaled by the same factor. k comes from the effective
    degrees of freedom (Student t), so a 3-reading Type A result gets k≈4.3, not 2.
    """
    if unit is None:  # the quantity's own display unit (relative density in %), if the result's unit fits it
        preferred = display_unit(quantity)
        unit = preferred if compatible(measured.unit, preferred) else None
    factor, dst = conversion_factor(measured.unit, unit)
    k = measured.coverage_factor(level)
    u = abs(measured.u * factor)
    budget = [
        BudgetEntry(input=name, contribution=abs(contrib * factor))
        for name, contrib in sorted(measured.budget.items(), key=lambda kv: -abs(kv[1]))
    ]
    return Result(
        id=id,
        quantity=quantity,
        kind=kind,
        direction=direction,
        value=measured.value * factor,
        unit=dst,
        unit_ucum=ucum(dst),
        u=u,
        U=k * u,
        k=k,
        coverage_probability=level,
        dof=None if math.isinf(measured.dof) else float(measured.dof),
        method=measured.method or "not stated",
        budget=budget,
        conditions=dict(conditions or {}),
        specimen_ids=list(specimen_ids or []),
        raw_data=list(raw_data or []),
        customer_supplied=customer_supplied,
        external_provider=external_provider,
        informative=informative,
    )


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Streaming SHA-256 so multi-GB session files do not have to fit in memory."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def raw_data_ref(path: str | Path, *, id: str, relative_to: str | Path | None = None, description: str = "") -> RawDataRef:
    """Hash a raw-data file. With ``relative_to`` (the folder the certificate will live in) the URI is
    relative, so a certificate and its session folder can be moved together."""
    p = Path(path).resolve()
    uri = p.as_uri()
    if relative_to is not None:
        uri = Path(os.path.relpath(p, Path(relative_to).resolve())).as_posix()
    return RawDataRef(id=id, uri=uri, sha256=file_sha256(p), bytes=p.stat().st_size, description=description)


def evaluate_conformity(
    result: Result,
    *,
    limit_type: Literal["lower", "upper"],
    limit: float,
    spec_ref: str,
    rule: Literal["simple", "guarded"] = "guarded",
    distribution: Literal["normal", "lognormal"] | None = None,
) -> Conformity:
    """One ad-hoc limit on a result (limit in the result's unit), decided by ssbcert.spec — the
    project's single implementation of the ILAC-G8 rules — and mapped onto the certificate's entry.

    Conductivities (S/cm) default to the log-normal model (the rule is applied on ln σ with the
    relative U). Conditional zones are reported as inconclusive, the binary-plus-one outcome.
    """
    from ssbcert.spec import Requirement, decide
    from ssbcert.uncertainty import Measured

    if distribution is None:
        distribution = "lognormal" if result.unit.endswith("S/cm") and result.value > 0 else "normal"
    req = Requirement.model_validate({
        "quantity": result.quantity, limit_type: limit, "unit": result.unit, "rule": rule,
        "scale": "log" if distribution == "lognormal" else "linear", "informative": False,
    })
    measured = Measured(result.value, result.u, result.unit, result.method,
                        dof=math.inf if result.dof is None else result.dof)
    decision = decide(req, measured, level=result.coverage_probability, spec_ref=spec_ref, unit=result.unit)
    (entry,) = conformity_from_decision(decision, result.id)
    return entry.model_copy(update={"outcome": decision.outcome})


def conformity_from_decision(decision: Any, result_ref: str, result_unit: str | None = None) -> list[Conformity]:
    """Conformity entries from a :class:`ssbcert.spec.decision.Decision` (read by attribute name,
    so the certificate does not import the spec package): one entry per limit it checked.

    With ``result_unit`` the limits are written in the result's unit even if the decision was not
    (a limit and its result always print in the same unit)."""
    unit, scale = str(decision.unit), 1.0
    if result_unit is not None and result_unit != unit:
        try:
            unit, scale = result_unit, unit_factor(unit, result_unit)
        except UnitError:
            pass
    detail = str(getattr(decision, "detail", ""))
    outcome = {"conditional pass": "conditional_pass", "conditional fail": "conditional_fail"}.get(detail, decision.outcome)
    rule = "simple" if decision.rule == "simple" else "guarded"
    dist = "lognormal" if "log" in str(decision.distribution) else "normal"
    out = []
    for kind, value in (("lower", decision.lower), ("upper", decision.upper)):
        if value is None:
            continue
        out.append(Conformity(
            result_ref=result_ref, spec_ref=decision.spec_ref or "specification", decision_rule=rule,
            limit=Limit(type=kind, value=snap(float(value) * scale), unit=unit, unit_ucum=ucum(unit)),
            guard_band=float(decision.guard_band or 0.0) * (1.0 if dist == "lognormal" else scale),
            k=float(decision.coverage_factor or 2.0), distribution=dist,
            outcome=outcome, text=decision.reasoning, informative=bool(decision.informative)))
    return out


def overall_outcome(conformity: list[Conformity]) -> str:
    """One word for registries and summaries: any fail → fail, else any inconclusive → inconclusive."""
    outcomes = {c.outcome for c in conformity if not c.informative}
    if not outcomes:
        return "none"
    if outcomes & {"fail", "conditional_fail"}:
        return "fail"
    if outcomes & {"inconclusive", "conditional_pass"}:
        return "inconclusive"
    return "pass"


def literature_comparison(result: Result, material_class: str, family: str | None = None) -> LiteratureComparison | None:
    """σ_film/σ_bulk against the shipped literature (ssbcert.literature); None if no bulk data.

    The bulk reference is the geometric mean of the published range, so the ratio is read on the
    log scale that conductivities live on; the range itself is kept alongside.
    """
    try:
        from ssbcert import literature
    except ImportError:
        return None
    rng = literature.bulk_sigma_range(material_class, family)
    if rng is None or result.unit != "S/cm":
        return None
    bulk = math.sqrt(rng[0] * rng[1])
    films = [{"thickness_um": f.thickness_mid_um, "sigma_S_per_cm": f.sigma_S_per_cm, "ref": f.ref}
             for f in literature.films_for(material_class, family) if f.sigma_S_per_cm is not None]
    return LiteratureComparison(
        result_ref=result.id, material_class=material_class, film_value=result.value, unit="S/cm",
        bulk_value=bulk, bulk_range=rng, ratio_film_to_bulk=result.value / bulk, literature_film_points=films,
        source="Il'ina & Kalinina, Russ. Chem. Rev. 2025, 94(12), RCR5171 (Tables 1 and 3)",
        note=f"bulk reference = geometric mean of {rng[0]:.2g}–{rng[1]:.2g} S/cm",
    )
