"""Certificate model: schema validity, strictness, unit conversion from Measured, decision rules."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from ssbcert.certificate.build import evaluate_conformity, overall_outcome, result_from_measured
from ssbcert.certificate.canonical import canonical_bytes
from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.model import Certificate, certificate_json_schema
from ssbcert.certificate.signing import certificate_bytes, read_certificate
from ssbcert.errors import InputError
from ssbcert.uncertainty import Measured


def test_generated_certificate_validates_against_published_schema(signed: tuple[Certificate, Path]) -> None:
    cert, path = signed
    doc = json.loads(path.read_text())
    # 1) the model is the schema's source: the stored JSON round-trips through it unchanged
    again = Certificate.model_validate(doc)
    assert canonical_bytes(again.document()) == canonical_bytes(doc)
    # 2) and a JSON Schema validator agrees with the generated schema
    import jsonschema
    schema = certificate_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(doc)
    broken = dict(doc, results=[dict(doc["results"][0], value="high")])
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_schema_lists_17025_items_as_required() -> None:
    required = set(certificate_json_schema()["required"])
    assert {"title", "issuer", "performed_at", "customer", "item", "dates", "methods", "results", "authorization"} <= required


def test_unknown_field_and_dangling_reference_are_rejected() -> None:
    doc = example_certificate(with_figures=False).payload()
    with pytest.raises(ValidationError, match="extra"):
        Certificate.model_validate(dict(doc, colour="blue"))
    doc["conformity"][0]["result_ref"] = "nope"
    with pytest.raises(ValidationError, match="conformity\\[0\\].result_ref='nope'"):
        Certificate.model_validate(doc)


def test_read_certificate_names_file_and_field(tmp_path: Path) -> None:
    doc = example_certificate(with_figures=False).payload()
    doc["results"][0]["u"] = -1
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        read_certificate(p)
    assert "bad.json" in str(err.value) and "results.0.u" in str(err.value)


@pytest.mark.parametrize(
    ("value", "u", "si", "want_unit", "factor"),
    [(2e-2, 5e-4, "S/m", "S/cm", 1e-2), (1e-3, 3e-5, "ohm*m^2", "ohm*cm^2", 1e4), (2e-5, 4e-7, "m", "um", 1e6),
     (5100.0, 40.0, "kg/m^3", "g/cm^3", 1e-3), (1.5e11, 5e9, "Pa", "GPa", 1e-9),
     (6.7e-20, 1e-21, "J", "eV", 1 / 1.602176634e-19)],
)
def test_result_from_measured_converts_si_to_domain(value: float, u: float, si: str, want_unit: str, factor: float) -> None:
    r = result_from_measured(Measured(value, u, si, "m", budget={"x": u}), id="r", quantity="thickness_mean")
    assert r.unit == want_unit
    assert r.value == pytest.approx(value * factor, rel=1e-12)
    assert r.u == pytest.approx(u * factor, rel=1e-12)
    assert r.U == pytest.approx(2 * r.u) and r.k == 2.0 and r.dof is None
    assert r.budget[0].contribution == pytest.approx(u * factor)


def test_explicit_domain_unit_and_student_t_k() -> None:
    r = result_from_measured(Measured(1e6, 5e4, "Pa", "3 bends", dof=2.0), id="s", quantity="flexural_strength_3pt", unit="MPa")
    assert (r.unit, r.value) == ("MPa", pytest.approx(1.0))
    assert r.k == pytest.approx(4.5266, abs=1e-3) and r.dof == 2.0  # t₉₅.₄₅(2), EA-4/02 Table E.1
    with pytest.raises(InputError, match="S/m->GPa"):
        result_from_measured(Measured(1.0, 0.1, "S/m"), id="x", quantity="youngs_modulus", unit="GPa")


def _sigma(value_S_cm: float, rel_u: float) -> Measured:
    return Measured(value_S_cm * 100, value_S_cm * 100 * rel_u, "S/m", "EIS")


@pytest.mark.parametrize(
    ("value", "rule", "outcome"),
    [(2e-4, "guarded", "pass"), (1.02e-4, "guarded", "inconclusive"), (0.98e-4, "guarded", "inconclusive"),
     (0.5e-4, "guarded", "fail"), (1.02e-4, "simple", "pass"), (0.98e-4, "simple", "fail")],
)
def test_decision_rules_on_a_lower_limit(value: float, rule: str, outcome: str) -> None:
    r = result_from_measured(_sigma(value, 0.05), id="s", quantity="ionic_conductivity_total")
    c = evaluate_conformity(r, limit_type="lower", limit=1e-4, spec_ref="spec A", rule=rule)  # type: ignore[arg-type]
    assert c.outcome == outcome
    assert c.distribution == "lognormal" and c.limit.unit == "S/cm"
    assert c.guard_band == pytest.approx(r.U / r.value if rule == "guarded" else 0.0)  # relative on ln σ


def test_upper_limit_normal_model_and_overall() -> None:
    asr = result_from_measured(Measured(25e-4, 1e-4, "ohm*m^2", "h/sigma"), id="a", quantity="asr_electrolyte")
    c = evaluate_conformity(asr, limit_type="upper", limit=20.0, spec_ref="spec B")
    assert (c.distribution, c.outcome) == ("normal", "fail")
    assert "≤ 20" in c.text
    assert overall_outcome([c]) == "fail" and overall_outcome([]) == "none"


def test_file_form_is_deterministic() -> None:
    a = example_certificate(with_figures=False)
    b = Certificate.model_validate(json.loads(certificate_bytes(a)))
    assert certificate_bytes(a) == certificate_bytes(b)
    assert not math.isnan(a.results[0].value)


def test_literature_comparison_uses_shipped_tables() -> None:
    from ssbcert.certificate.build import literature_comparison

    cert = example_certificate(with_figures=False, sigma_total_S_cm=2e-4)
    comp = literature_comparison(cert.result("sigma_total"), "garnet", "LLZO")
    assert comp is not None, "ssbcert.literature must have bulk data for garnet"
    lo, hi = comp.bulk_range  # type: ignore[misc]
    assert lo <= comp.bulk_value <= hi  # type: ignore[operator]
    assert comp.ratio_film_to_bulk == pytest.approx(2e-4 / comp.bulk_value)  # type: ignore[operator]
    assert comp.literature_film_points and cert.literature[0].bulk_range == comp.bulk_range
    assert literature_comparison(cert.result("asr_25C"), "garnet") is None  # not a conductivity


def test_conformity_from_spec_decision() -> None:
    from ssbcert.spec import decision as spec_decision
    from ssbcert.spec import model as spec_model

    req = spec_model.Requirement.model_validate(
        {"quantity": "ionic_conductivity_total", "lower": 1e-4, "unit": "S/cm", "rule": "guarded", "scale": "log"})
    from ssbcert.certificate.build import conformity_from_decision

    d = spec_decision.decide(req, Measured(1.02e-2, 5e-4, "S/m", "EIS"), spec_ref="spec X rev A")
    (c,) = conformity_from_decision(d, "sigma_total")
    assert (c.result_ref, c.spec_ref, c.limit.type, c.limit.value) == ("sigma_total", "spec X rev A", "lower", 1e-4)
    assert c.outcome in {"conditional_pass", "inconclusive"} and c.distribution == "lognormal"
    assert c.text == d.reasoning
