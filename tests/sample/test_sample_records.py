"""Example records load, convert to SI and give the expected certified quantities."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ssbcert.sample import SampleRecord, load_sample, load_sample_text
from ssbcert.sample.compute import compute_sample_properties
from ssbcert.sample.loader import load_default_sample

FIX = Path(__file__).parents[1] / "fixtures" / "samples"


@pytest.fixture(scope="module")
def llzo() -> SampleRecord:
    return load_sample(FIX / "ta_llzo_film.yaml")


@pytest.fixture(scope="module")
def latp() -> SampleRecord:
    return load_sample(FIX / "latp_pellet.yaml")


def test_json_schema_is_published_and_serialisable() -> None:
    schema = SampleRecord.model_json_schema()
    text = json.dumps(schema)
    for name in ("readings_um", "diameter_mm", "dry_mass_g", "liquid_temperature_C", "fracture_loads_N", "a_A"):
        assert name in text
    assert schema["required"] == ["sample_id", "material", "form"]


def test_csv_curves_are_read_relative_to_the_sample_file(llzo: SampleRecord) -> None:
    curves = llzo.mechanics.indentation.curves
    assert len(curves) == 3
    assert curves[0].csv == "curves/llzo_indent_1.csv" and len(curves[0].depth_nm) == len(curves[0].load_mN) > 50


def test_electrode_area_in_si(llzo: SampleRecord) -> None:
    area = llzo.electrodes.area_m2
    assert area.value == pytest.approx(math.pi * 0.005**2 / 4)
    assert area.relative_u == pytest.approx(2 * 0.02 / 5.0, rel=1e-5)


def test_film_properties(llzo: SampleRecord) -> None:
    out = compute_sample_properties(llzo)
    assert out["thickness_mean"].value == pytest.approx(25.0e-6, abs=1e-9)
    assert out["density_theoretical"].value == pytest.approx(5453, abs=1)
    assert out["relative_density"].value == pytest.approx(13140e-9 / (100e-6 * 25e-6) / 5453.08, rel=1e-3)
    # synthetic curves made with H = 10.2/9.8/10.5 GPa and E = 150/146/153 GPa
    assert out["indentation_hardness"].value / 1e9 == pytest.approx(10.17, abs=0.05)
    assert out["indentation_modulus"].value / 1e9 == pytest.approx(149.7, abs=0.5)
    assert any("h_max/t_film" in n for n in out.notes["indentation_hardness"])
    assert {"monroe_newman_ratio", "electrolyte_areal_mass"} <= out.informative
    for qid, m in out.items():
        assert m.method, qid
        assert math.isfinite(m.value), qid


def test_pellet_properties(latp: SampleRecord) -> None:
    out = compute_sample_properties(latp)
    assert out["density_bulk_archimedes"].value == pytest.approx(2847.8, abs=0.5)
    assert out["density_geometric"].value < out["density_bulk_archimedes"].value  # geometric is biased low
    assert out["relative_density"].value == pytest.approx(0.9712, abs=2e-4)
    assert out["open_porosity"].value == pytest.approx(0.00406, abs=2e-5)
    assert out["closed_porosity"].value == pytest.approx(1 - 0.9712 - 0.00406, abs=3e-4)
    assert out["vickers_hardness"].value / 1e9 == pytest.approx(7.06, abs=0.02)
    assert "Anstis" in out["indentation_fracture_resistance"].method
    assert out["flexural_strength_4pt"].unit == "Pa"
    assert "weibull_modulus" in out and any("≥ 30" in n for n in out.notes["weibull_modulus"])
    assert out["shear_modulus"].value == pytest.approx(115e9 / 2.5)
    assert "water used" not in " ".join(out.notes.get("density_bulk_archimedes", []))


def test_default_demo_sample_matches_the_simulated_bench() -> None:
    rec = load_default_sample()
    assert rec.form == "film" and rec.material.family == "LLZO" and set(rec.material.dopants) == {"Ga", "Ta"}
    assert rec.electrodes.layout == "through_plane" and rec.electrodes.diameter_mm.value == 5.0
    out = compute_sample_properties(rec)
    assert out["thickness_mean"].value == pytest.approx(25e-6, rel=1e-3)
    assert out["relative_density"].value > 0.95


def test_water_with_garnet_is_flagged() -> None:
    text = (FIX / "latp_pellet.yaml").read_text().replace("material_class: NASICON", "material_class: garnet") \
        .replace("family: LATP", "family: LLZO")
    out = compute_sample_properties(load_sample_text(text, "x.yaml", FIX))
    assert any("water used with a garnet" in n for n in out.notes["density_bulk_archimedes"])


def test_minimal_record_computes_nothing_and_fails_nothing() -> None:
    rec = load_sample_text("sample_id: S\nmaterial: {material_class: sulfide, composition: Li6PS5Cl}\nform: pellet\n")
    assert dict(compute_sample_properties(rec)) == {}


def test_two_phase_theoretical_density() -> None:
    """Cubic + tetragonal LLZO: 1/ρ_th = Σ w_i/ρ_i with each ρ_i from its own cell (§3.4)."""
    text = """sample_id: MIX
material: {material_class: garnet, family: LLZO, composition: Li7La3Zr2O12}
form: pellet
density:
  theoretical:
    phases:
      - {name: tetragonal, weight_fraction: 0.1, lattice: {system: tetragonal, z: 8, a_A: 13.134, c_A: 12.663}}
      - name: cubic Al-LLZO
        composition: Li6.25Al0.25La3Zr2O12
        weight_fraction: 0.9
        lattice: {system: cubic, z: 8, a_A: {value: 12.97, u: 0.003}}
"""
    out = compute_sample_properties(load_sample_text(text))
    rho = out["density_theoretical"]
    assert rho.value == pytest.approx(1 / (0.1 / 5106.9 + 0.9 / 5122.3), rel=2e-5)
    assert rho.u > 0 and "tetragonal 10.0%" in rho.method


def test_fixtures_validate_against_the_published_json_schema() -> None:
    import jsonschema
    import yaml

    schema = SampleRecord.model_json_schema()
    for name in ("ta_llzo_film.yaml", "latp_pellet.yaml"):
        jsonschema.validate(yaml.safe_load((FIX / name).read_text()), schema)
    bad = yaml.safe_load((FIX / "bad" / "negative_thickness.yaml").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
