"""One unit system at every edge: spec limits print and compare in their result's unit, protocol
quantities parse through pint with file:line errors, every unit has a UCUM code, pint loads lazily."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ssbcert.certificate.build import conformity_from_decision, result_from_measured
from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.view import result_rows
from ssbcert.errors import InputError
from ssbcert.protocol import load_protocol
from ssbcert.protocol.units import UnitError, parse_quantity
from ssbcert.quantities import QUANTITIES
from ssbcert.spec import Requirement, decide, evaluate, load_spec_text
from ssbcert.numfmt import unit_text
from ssbcert.uncertainty import Measured
from ssbcert.units import DISPLAY_UNIT, EXAMPLES, QUANTITY_UNIT, SI_UNIT, convert, display_unit, ucum

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base_cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return example_certificate(raw_dir=tmp_path_factory.mktemp("raw"), with_figures=False)


def _judge(qid: str, spec_unit: str, limit: float, kind: str, si_value: float) -> tuple[object, list]:
    """A result (SI in, reported in the quantity's unit) judged against a limit written in spec_unit."""
    dim = QUANTITIES[qid]
    measured = Measured(si_value, abs(si_value) * 1e-4, SI_UNIT[dim], "test")
    result = result_from_measured(measured, id=qid, quantity=qid)  # type: ignore[arg-type]
    spec = load_spec_text(f"spec_id: S\nrequirements:\n  - {{quantity: {qid}, {kind}: {limit}, unit: '{spec_unit}'}}\n")
    (decision,) = evaluate(spec, {qid: measured}, {qid: result.unit})
    return result, conformity_from_decision(decision, result.id, result.unit)


@pytest.mark.parametrize("qid", sorted(QUANTITIES))
def test_every_quantity_and_spec_unit_prints_and_compares_in_the_result_unit(qid: str, base_cert: Certificate) -> None:
    dim = QUANTITIES[qid]
    for spec_unit in EXAMPLES[dim]:
        limit_si = convert(2.0, spec_unit, SI_UNIT[dim])
        for kind, si_value, want in (("lower", 3 * limit_si, "pass"), ("lower", limit_si / 3, "fail"),
                                     ("upper", limit_si / 3, "pass"), ("upper", 3 * limit_si, "fail")):
            result, conformity = _judge(qid, spec_unit, 2.0, kind, si_value)
            (c,) = conformity
            assert c.limit.unit == result.unit == display_unit(qid), (qid, spec_unit)
            assert c.limit.value == pytest.approx(convert(2.0, spec_unit, result.unit), rel=1e-12)
            assert c.limit.unit_ucum == result.unit_ucum == ucum(result.unit)
            assert c.outcome == want, (qid, spec_unit, kind, c.text)
            assert unit_text(result.unit) in c.text  # the reasoning is written in the result's unit too
            (row,) = result_rows(base_cert.model_copy(update={"results": [result], "conformity": [c]}))
            shown = unit_text(result.unit)
            assert row.unit == shown and (not shown or row.limit_text.split(" (")[0].endswith(shown)), row


def test_95_percent_against_a_relative_density_of_0_975() -> None:
    req = Requirement.model_validate({"quantity": "relative_density", "lower": 95, "unit": "%"})
    m = Measured(0.975, 0.0075, "1")
    d = decide(req, m)
    assert (d.outcome, d.unit, d.lower, d.value) == ("pass", "%", 95.0, pytest.approx(97.5))
    assert "97.5 ± 1.5 %" in d.reasoning and "≥ 95 %" in d.reasoning
    as_fraction = decide(req, m, unit="1")  # the same decision written in the result's own unit
    assert (as_fraction.outcome, as_fraction.lower, as_fraction.unit) == ("pass", 0.95, "1")
    result = result_from_measured(m, id="rho", quantity="relative_density")
    assert (result.unit, result.value, result.U) == ("%", pytest.approx(97.5), pytest.approx(1.5))


@pytest.mark.parametrize("unit, ucum_code", [("ohm*cm^2", "Ohm.cm2"), ("S/cm", "S/cm"), ("um", "um"), ("%", "%"),
                                             ("g/cm^3", "g/cm3"), ("MPa*m^0.5", "MPa.m1/2"), ("mAh/cm^2", "mA.h/cm2"),
                                             ("S*K/cm", "S.K/cm"), ("1", "1"), ("Wh/kg", "W.h/kg"), ("degC", "Cel")])
def test_ucum_codes(unit: str, ucum_code: str) -> None:
    assert ucum(unit) == ucum_code


def test_every_display_and_example_unit_has_a_ucum_code_and_a_display_spelling() -> None:
    for unit in {*DISPLAY_UNIT.values(), *QUANTITY_UNIT.values(), *(u for us in EXAMPLES.values() for u in us)}:
        assert ucum(unit), unit
    assert [unit_text(u) for u in ("ohm*cm^2", "mg/cm^2", "S/cm", "%", "um", "1")] == ["Ω·cm²", "mg/cm²", "S/cm", "%", "µm", ""]


@pytest.mark.parametrize("text, dim, si", [("20 mV", "voltage", 0.02), ("-20 degC", "temperature", 253.15),
                                           ("10 K/min", "ramp", 10.0), ("1 GHz", "frequency", 1e9), ("25 C", "temperature", 298.15),
                                           ("2 h", "time", 7200.0), ("5 µA", "current", 5e-6)])
def test_protocol_quantities_parse_through_pint(text: str, dim: str, si: float) -> None:
    assert parse_quantity(text, dim) == pytest.approx(si, rel=1e-12)


@pytest.mark.parametrize("text, dim, message", [("20 blorp", "voltage", "unknown unit 'blorp'"),
                                                ("20 mA", "voltage", "not a voltage unit"),
                                                ("5 degC", "temperature_difference", "must be in K")])
def test_protocol_unit_errors_say_what_was_expected(text: str, dim: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_quantity(text, dim)


def test_bad_protocol_unit_is_reported_with_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad_unit.yaml"
    p.write_text("name: bad\nsteps:\n  - step: eis\n    f_start: 100 kHz\n    f_stop: 10 Hz\n"
                 "    points_per_decade: 5\n    amplitude: 20 blorp\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_protocol(p)
    assert "bad_unit.yaml:7:" in str(info.value) and "unknown unit 'blorp'" in str(info.value)


def test_cli_start_up_does_not_load_pint() -> None:
    """pint costs ~0.6 s CPU to import and build; `ssbcert --help` must not pay for it."""
    code = "import sys, ssbcert.cli, ssbcert.spec, ssbcert.protocol, ssbcert.units; print('pint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "False"
