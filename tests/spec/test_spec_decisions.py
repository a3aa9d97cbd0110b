"""ILAC-G8 decision rules (certification.md §6.2) on hand-checked numbers."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssbcert.spec import Requirement, decide, evaluate, load_default_spec, load_spec_text
from ssbcert.uncertainty import Measured


def req(**kw: object) -> Requirement:
    return Requirement.model_validate(kw)


LOWER = req(quantity="relative_density", lower=95, unit="%")


@pytest.mark.parametrize("value, outcome, detail", [
    (0.970, "pass", "pass"),                  # ≥ 95 % + U (U = 1 %)
    (0.955, "inconclusive", "conditional pass"),
    (0.945, "inconclusive", "conditional fail"),
    (0.930, "fail", "fail"),
])
def test_guarded_lower_limit_zones(value: float, outcome: str, detail: str) -> None:
    d = decide(LOWER, Measured(value, 0.005, "1"), "guarded")
    assert (d.outcome, d.detail) == (outcome, detail)
    assert d.expanded_uncertainty == pytest.approx(1.0) and d.guard_band == pytest.approx(1.0)
    assert d.coverage_factor == 2.0 and d.unit == "%" and d.value == pytest.approx(value * 100)
    assert "ILAC-G8" in d.reasoning and "96" in d.reasoning  # acceptance limit 95 + 1


@pytest.mark.parametrize("value, outcome", [(0.955, "pass"), (0.945, "fail")])
def test_simple_acceptance_ignores_u(value: float, outcome: str) -> None:
    d = decide(LOWER, Measured(value, 0.005, "1"), "simple")
    assert d.outcome == outcome and d.guard_band == 0.0 and "shared risk" in d.reasoning


def test_upper_limit_and_unit_conversion() -> None:
    r = req(quantity="asr_electrolyte", upper=50, unit="Ω·cm²")
    d = decide(r, Measured(20e-4, 1e-4, "Ohm m^2"))  # 20 Ω cm² ± 1 → U = 2
    assert d.outcome == "pass" and d.value == pytest.approx(20.0) and d.expanded_uncertainty == pytest.approx(2.0)
    assert decide(r, Measured(49e-4, 1e-4, "Ohm m^2")).detail == "conditional pass"
    assert decide(r, Measured(60e-4, 1e-4, "Ohm m^2")).outcome == "fail"


def test_log_scale_uses_relative_uncertainty() -> None:
    r = req(quantity="ionic_conductivity_total", lower=1e-4, unit="S/cm", scale="log")
    # 1.2e-4 S/cm with 5 % relative u → w = 0.10 on ln σ; acceptance limit 1e-4·e^0.1 = 1.105e-4
    d = decide(r, Measured(1.2e-2, 6e-4, "S/m"))
    assert d.outcome == "pass" and d.distribution == "log-normal"
    assert d.guard_band == pytest.approx(0.10)
    assert "0.000111" in d.reasoning
    assert decide(r, Measured(1.05e-2, 5.25e-4, "S/m")).detail == "conditional pass"
    assert decide(r, Measured(0.95e-2, 4.75e-4, "S/m")).detail == "conditional fail"
    assert decide(r, Measured(0.5e-2, 2.5e-4, "S/m")).outcome == "fail"


def test_coverage_factor_follows_effective_dof() -> None:
    d = decide(LOWER, Measured(0.97, 0.005, "1", dof=5))
    assert d.coverage_factor == pytest.approx(2.6487, abs=1e-4)  # t₉₅.₄₅(5): EA-4/02 Table E.1 gives 2.65


def test_missing_result_unknown_u_and_foreign_unit_are_inconclusive() -> None:
    assert decide(LOWER, None).detail == "no result"
    assert decide(LOWER, Measured(0.97, math.nan, "1")).detail == "uncertainty unknown"
    assert decide(LOWER, Measured(0.97, math.nan, "1"), "simple").outcome == "pass"
    assert decide(LOWER, Measured(0.97, 0.01, "MPa")).detail == "unit mismatch"


def test_informative_quantities_are_marked() -> None:
    r = req(quantity="monroe_newman_ratio", lower=1, unit="1")
    d = decide(r, Measured(7.0, 0.7, "1"))
    assert d.informative and "informative" in d.reasoning
    assert not decide(LOWER, Measured(0.97, 0.005, "1")).informative


def test_default_spec_loads_and_evaluates_in_order() -> None:
    spec = load_default_spec()
    ids = [r.quantity for r in spec.requirements]
    assert ids[0] == "ionic_conductivity_total" and "relative_density" in ids
    assert spec.decision_rule == "guarded"
    assert spec.requirements[0].limits_si() == (pytest.approx(1e-2), None)
    decisions = evaluate(spec, {"relative_density": Measured(0.975, 0.004, "1")})
    assert [d.quantity for d in decisions] == ids
    by_id = {d.quantity: d for d in decisions}
    assert by_id["relative_density"].outcome == "pass"
    assert by_id["ionic_conductivity_total"].detail == "no result"
    assert by_id["relative_density"].spec_ref == "SSBCERT-DEFAULT-FILM rev 1"
    assert isinstance(by_id["relative_density"].to_dict()["reasoning"], str)


def test_per_requirement_rule_overrides_the_file_rule() -> None:
    spec = load_spec_text("spec_id: S\ndecision_rule: guarded\nrequirements:\n"
                          "  - {quantity: relative_density, lower: 95, unit: '%', rule: simple}\n")
    assert evaluate(spec, {"relative_density": Measured(0.955, 0.005, "1")})[0].outcome == "pass"


def test_every_computed_quantity_is_in_the_catalogue_with_a_matching_unit() -> None:
    """Results from sample records can always be judged by a spec: id known, unit of the right dimension."""
    from pathlib import Path

    from ssbcert.sample import compute_sample_properties, load_sample
    from ssbcert.quantities import QUANTITIES
    from ssbcert.units import lookup

    fixtures = Path(__file__).parents[1] / "fixtures" / "samples"
    for name in ("ta_llzo_film.yaml", "latp_pellet.yaml"):
        for qid, m in compute_sample_properties(load_sample(fixtures / name)).items():
            assert qid in QUANTITIES, qid
            dim, factor = lookup(m.unit) or (None, None)
            assert factor == 1.0, (qid, m.unit)  # SI inside
            assert {dim, QUANTITIES[qid]} <= {"fraction", "dimensionless"} or dim == QUANTITIES[qid], (qid, m.unit)


RANK = {"fail": 0, "conditional fail": 1, "conditional pass": 2, "pass": 3}


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 1.0), st.floats(0.5, 1.0), st.floats(0.0, 0.05), st.sampled_from(["simple", "guarded"]))
def test_a_larger_value_never_does_worse_against_a_lower_limit(a: float, b: float, u: float, rule: str) -> None:
    lo, hi = sorted((a, b))
    d_lo = decide(LOWER, Measured(lo, u, "1"), rule)
    d_hi = decide(LOWER, Measured(hi, u, "1"), rule)
    assert RANK[d_hi.detail] >= RANK[d_lo.detail]
