"""Plausibility bands: a unit slip (1 m thick film, a 1e12 s hold) is an error naming file:line and
field, unless the file overrides it with a reason; the override is carried to the certificate."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssbcert.errors import InputError
from ssbcert.plausibility import overrides_listed
from ssbcert.runner.api import check
from ssbcert.sample import load_sample, load_sample_text

ROOT = Path(__file__).resolve().parents[2]
FILM = ROOT / "tests" / "fixtures" / "samples" / "ta_llzo_film.yaml"


def _film_with(tmp_path: Path, old: str, new: str, extra: str = "") -> Path:
    """The fixture film with one line changed, written next to a copy of its curve files."""
    import shutil

    text = FILM.read_text()
    assert old in text
    shutil.copytree(FILM.parent / "curves", tmp_path / "curves")
    path = tmp_path / "film.yaml"
    path.write_text(text.replace(old, new, 1) + extra)
    return path


def _readings_line(text: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if "readings_um" in line)


def test_one_metre_thickness_is_rejected(tmp_path: Path) -> None:
    text = FILM.read_text()
    readings = next(line for line in text.splitlines() if "readings_um" in line)
    path = _film_with(tmp_path, readings, "  readings_um: [" + ", ".join(["1000000"] * 9) + "]")
    with pytest.raises(InputError) as info:
        load_sample(path)
    msg = str(info.value)
    assert f"{path}:{_readings_line(path.read_text())}:" in msg
    assert "thickness.readings_um[0]" in msg and "implausible thickness" in msg
    assert "1e-09..0.01 m" in msg and "found 1 m" in msg
    assert "plausibility_overrides: {thickness.readings_um: <reason>}" in msg


def test_override_accepts_and_is_listed(tmp_path: Path) -> None:
    text = FILM.read_text()
    readings = next(line for line in text.splitlines() if "readings_um" in line)
    path = _film_with(tmp_path, readings, "  readings_um: [" + ", ".join(["12000"] * 9) + "]",
                      "plausibility_overrides:\n  thickness.readings_um: stack of two 6 mm pellets\n")
    rec = load_sample(path)
    assert rec.plausibility_overrides == {"thickness.readings_um": "stack of two 6 mm pellets"}
    assert overrides_listed(rec.plausibility_overrides, None) == [
        "plausibility override in the sample record: thickness.readings_um (stack of two 6 mm pellets)"]


def test_reasonless_override_is_refused(tmp_path: Path) -> None:
    path = _film_with(tmp_path, "sample_id:", "sample_id:", "plausibility_overrides:\n  thickness.readings_um: ''\n")
    with pytest.raises(InputError, match="plausibility_overrides"):
        load_sample(path)


def test_electrode_area_band() -> None:
    text = FILM.read_text()
    assert "diameter_mm" in text
    import re

    bad = re.sub(r"diameter_mm: .*", "diameter_mm: 5000", text, count=1)
    with pytest.raises(InputError, match="implausible electrode dimension"):
        load_sample_text(bad, "film.yaml")


HOLD = "name: h\nsteps:\n  - step: hold\n    duration: {d}\n{extra}"


def test_hold_of_1e12_s_fails_check(tmp_path: Path) -> None:
    path = tmp_path / "hold.yaml"
    path.write_text(HOLD.format(d="1e12 s", extra=""))
    with pytest.raises(InputError) as info:
        check(path)
    msg = str(info.value)
    assert f"{path}:4:" in msg and "steps[0].duration" in msg and "implausible duration" in msg and "1e+12 s" in msg


def test_step_override_is_recorded_in_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "hold.yaml"
    path.write_text(HOLD.format(d="40 h", extra="    plausibility_override: {duration: long soak before the series}\n")
                    .replace("40 h", "1000 h"))
    loaded, plan, est = check(path)
    assert est.total_s == 3.6e6
    listed = overrides_listed(None, plan.to_dict())
    assert listed == ["plausibility override in protocol step s00.hold: duration (long soak before the series)"]


@pytest.mark.parametrize("field,value", [("amplitude", "20 V"), ("f_start", "1 THz"), ("amplitude", "0.1 uV")])
def test_eis_bands(tmp_path: Path, field: str, value: str) -> None:
    step = {"amplitude": "10 mV", "f_start": "1 MHz", "f_stop": "1 Hz", "points_per_decade": 5, field: value}
    body = "".join(f"    {k}: {v}\n" for k, v in step.items())
    path = tmp_path / "eis.yaml"
    path.write_text("name: e\nsteps:\n  - step: eis\n" + body)
    with pytest.raises(InputError) as info:
        check(path)
    assert f"steps[0].{field}" in str(info.value)
