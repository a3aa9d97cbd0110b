"""Protocol language: units, parameters, includes, plan ids, schema, pre-flight and estimate."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ssbcert.errors import InputError
from ssbcert.protocol import estimate, expand, load_protocol, load_protocol_text, preflight, protocol_json_schema, shipped_protocols
from ssbcert.protocol.units import UnitError, format_quantity, parse_quantity

sys.path.insert(0, str(Path(__file__).parents[1] / "runner"))
from fakebench import CLASSES  # noqa: E402


@pytest.mark.parametrize(
    "text,dim,si",
    [("20 mV", "voltage", 0.02), ("1 MHz", "frequency", 1e6), ("-20 degC", "temperature", 253.15), ("25 °C", "temperature", 298.15),
     ("10 min", "time", 600.0), ("5 K/min", "ramp", 5.0), ("0.1 K/s", "ramp", 6.0), ("100 uA", "current", 1e-4), ("0.5 K", "temperature_difference", 0.5)],
)
def test_quantities_convert_to_si(text: str, dim: str, si: float) -> None:
    assert parse_quantity(text, dim) == pytest.approx(si, rel=1e-12)


def test_format_quantity_round_trips_exactly() -> None:
    for v in (0.0123456789012345, 253.15, 1e-7):
        assert parse_quantity(format_quantity(v, "voltage"), "voltage") == v


def test_bare_number_is_missing_unit() -> None:
    with pytest.raises(UnitError, match="missing unit"):
        parse_quantity(20, "voltage")


def test_shipped_protocols_load_and_expand() -> None:
    assert {"rt-eis", "arrhenius", "dc-polarization", "film-certification"} <= set(shipped_protocols())
    arr = expand(load_protocol("arrhenius"))
    temps = [i.setpoint_K for i in arr if i.kind == "set_temperature"]
    assert temps[0] == 253.15 and max(temps) == 373.15 and temps[12] == 373.15 and temps[24] == 253.15  # up and back down
    assert temps[-1] == 298.15
    full = expand(load_protocol("film-certification"))
    kinds = [i.kind for i in full]
    assert kinds.index("eis") < kinds.index("dc_polarization")
    assert len(full) == sum(len(expand(load_protocol(n))) for n in ("rt-eis", "arrhenius", "dc-polarization"))


def test_plan_ids_are_stable_and_unique() -> None:
    a, b = expand(load_protocol("film-certification")), expand(load_protocol("film-certification"))
    ids = [i.id for i in a]
    assert ids == [i.id for i in b]
    assert len(set(ids)) == len(ids)
    assert "s01.s1.t2.s1.eis" in ids  # include 1 → loop step 1 → temperature 2 → body step 1


def test_parameters_override_and_change_the_hash() -> None:
    base = load_protocol("rt-eis")
    low = load_protocol("rt-eis", {"amplitude": "5 mV"})
    eis = [i for i in expand(low) if i.kind == "eis"][0]
    assert eis.step.amplitude_V == pytest.approx(0.005)
    assert base.sha256 != low.sha256


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(InputError, match="unknown parameter 'nope'"):
        load_protocol("rt-eis", {"nope": "1 V"})


def test_include_passes_parameters(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text("name: c\nparameters:\n  amp: 10 mV\nsteps:\n  - step: eis\n    frequencies: [1 kHz]\n    amplitude: $amp\n")
    (tmp_path / "main.yaml").write_text("name: m\nsteps:\n  - step: include\n    protocol: child.yaml\n    parameters: {amp: 3 mV}\n")
    plan = expand(load_protocol(tmp_path / "main.yaml"))
    assert [i.id for i in plan] == ["s00.s0.eis"]
    assert plan.instances[0].step.amplitude_V == pytest.approx(0.003)


def test_repeat_loop_ids() -> None:
    plan = expand(load_protocol_text("name: r\nsteps:\n  - step: loop\n    repeats: 2\n    steps:\n      - step: hold\n        duration: 1 s\n"))
    assert [i.id for i in plan] == ["s00.r0.s0.hold", "s00.r1.s0.hold"]


def test_json_schema_describes_steps_and_units() -> None:
    schema = protocol_json_schema()
    text = str(schema)
    for kind in ("identify", "set_temperature", "eis", "dc_polarization", "hold", "loop", "checkpoint", "include"):
        assert kind in text
    eis = schema["$defs"]["Eis"]["properties"]
    assert "amplitude" in eis and "mV" in eis["amplitude"]["pattern"]


def test_preflight_passes_shipped_protocols_on_the_fake_bench_and_estimates() -> None:
    loaded = load_protocol("arrhenius")
    plan = expand(loaded)
    est = preflight(plan, dict(CLASSES), loaded.protocol.limits)
    assert 3600 < est.total_s < 48 * 3600
    assert set(est.per_step_s) == {i.id for i in plan}


def test_bench_limits_are_enforced_too() -> None:
    loaded = load_protocol("rt-eis")
    with pytest.raises(InputError, match=r"safety limit \(bench max_ac_amplitude_V\)"):
        preflight(expand(loaded), dict(CLASSES), loaded.protocol.limits, {"max_ac_amplitude_V": 0.01})


def test_missing_role_is_reported_once() -> None:
    loaded = load_protocol("rt-eis")
    with pytest.raises(InputError, match="no 'temperature' instrument"):
        preflight(expand(loaded), {"impedance": CLASSES["impedance"]}, loaded.protocol.limits)


def test_estimate_uses_driver_timing_model() -> None:
    plan = expand(load_protocol_text("name: e\nsteps:\n  - step: eis\n    frequencies: [1 Hz, 10 Hz]\n    amplitude: 10 mV\n    repeats: 3\n"))
    assert estimate(plan, dict(CLASSES)).total_s == pytest.approx(3 * (2.0 + 0.2))


def test_shipped_protocol_files_validate_against_the_published_schema() -> None:
    import jsonschema
    import yaml
    from importlib import resources

    schema = protocol_json_schema()
    for name in shipped_protocols():
        data = yaml.safe_load((resources.files("ssbcert.protocols") / f"{name}.yaml").read_text())
        jsonschema.validate(data, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "steps": [{"step": "eis", "amplitude": 20}]}, schema)
