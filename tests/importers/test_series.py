"""Series import: temperatures from a list, from file names, or as each file states; one ordered
session; a missing temperature warned about and recorded; import -> reanalyze -> Arrhenius."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from ssbcert.analysis.arrhenius import K_B_EV_PER_K
from ssbcert.errors import InputError
from ssbcert.importers.cli import register, run_import
from ssbcert.importers.series import name_pattern
from ssbcert.importers.session import PROVENANCE_FILE
from ssbcert.session.reader import load_session

SAMPLE = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "default_sample.yaml"
EA_EV = 0.40
TEMPS_C = [25, 35, 45, 55, 65, 75, 85]


def _spectrum(t_c: float) -> tuple[np.ndarray, np.ndarray]:
    """Bulk R||CPE with an Arrhenius R (E_a = 0.40 eV, sigma*T convention) and a blocking electrode."""
    t_k = t_c + 273.15
    r = 2e4 * (t_k / 298.15) * math.exp(EA_EV / K_B_EV_PER_K * (1 / t_k - 1 / 298.15))
    f = np.logspace(7, -1, 33)  # the bulk apex (~0.6 MHz at 25 °C) a decade inside the window
    jw = 2j * np.pi * f
    z = r / (1 + r * 1e-10 * jw ** 0.95) + 1 / (2e-6 * jw ** 0.9)
    noise = np.random.default_rng(int(t_c)).normal(0.0, 1e-3, (2, f.size))  # 0.1 %: a measured spectrum
    return f, z * (1 + noise[0] + 1j * noise[1])


def _write_csv(path: Path, t_c: float, header_temperature: bool = False) -> Path:
    f, z = _spectrum(t_c)
    lines = [f"# Temperature: {t_c} °C"] if header_temperature else []
    lines.append("freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm")
    lines += [f"{float(a)!r},{float(b.real)!r},{float(-b.imag)!r}" for a, b in zip(f, z)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _series(tmp_path: Path) -> list[Path]:
    order = [55, 25, 85, 45, 65, 35, 75]  # files given out of temperature order
    return [_write_csv(tmp_path / f"LLZO_film_{t}deg_run.csv", t) for t in order]


def _cli(args: list[str]):
    app = typer.Typer()
    register(app)
    return CliRunner().invoke(app, args)


def test_list_is_matched_to_files_in_order(tmp_path):
    files = _series(tmp_path)
    stated = ",".join(str(int(f.name.split("_")[2][:-3])) for f in files)
    result = run_import(files, temperature_C=stated)
    assert [s.temperature_K for s in result.spectra] == [t + 273.15 for t in TEMPS_C]
    assert all(s.meta["temperature_source"] == "operator-stated" for s in result.spectra)
    assert all(any("stated by the operator" in w for w in p.warnings) for p in result.provenance)


def test_list_count_mismatch_is_an_error(tmp_path):
    files = _series(tmp_path)
    with pytest.raises(InputError, match="temperature count does not match") as exc:
        run_import(files, temperature_C="140,150")
    assert "1 or 7 values" in str(exc.value)
    with pytest.raises(InputError, match="entry 2"):
        run_import(files, temperature_C="140,hot")


def test_name_pattern_is_a_pattern_not_a_regex(tmp_path):
    files = _series(tmp_path)
    result = run_import(files, temperature_from_name="{T}deg")
    assert [s.temperature_K for s in result.spectra] == [t + 273.15 for t in TEMPS_C]
    assert result.spectra[0].meta["temperature_source"] == "file-name"
    rx = name_pattern("a.b_{T}C*")
    assert rx.search("a.b_37,5C_x.txt").group("T") == "37,5" and rx.search("axb_37C") is None  # '.' is literal
    assert name_pattern("T={T}").search("run T=-20.txt").group("T") == "-20"
    with pytest.raises(InputError, match="exactly one"):
        name_pattern("deg")
    with pytest.raises(InputError, match="does not match") as exc:
        run_import([*files, _write_csv(tmp_path / "nameless.csv", 25)], temperature_from_name="{T}deg")
    assert exc.value.file.endswith("nameless.csv")


def test_each_files_stated_temperature_orders_the_series(tmp_path):
    files = [_write_csv(tmp_path / f"run{k}.csv", t, header_temperature=True) for k, t in enumerate([65, 25, 45])]
    result = run_import(files)
    assert [s.temperature_K for s in result.spectra] == [298.15, 318.15, 338.15]
    assert result.provenance[0].settings["stated"]["temperature_K"] == 298.15  # the header line, in provenance
    # an operator value never replaces what the file states; the difference is noted
    again = run_import(files, temperature_C="100")
    assert [s.temperature_K for s in again.spectra] == [298.15, 318.15, 338.15]
    assert any("is not used" in w for w in again.provenance[0].warnings)


def test_missing_temperature_is_warned_and_recorded(tmp_path):
    path = _write_csv(tmp_path / "plain.csv", 25)
    res = _cli([str(path), "--sample", str(SAMPLE), "--out", str(tmp_path / "ses")])
    assert res.exit_code == 0, res.output
    assert "have no temperature" in res.output and "certify will refuse" in res.output
    prov = json.loads((tmp_path / "ses" / PROVENANCE_FILE).read_text())
    assert any("no temperature" in w for w in prov["records"][0]["warnings"])
    assert any("have no temperature" in w for w in prov["warnings"])


def test_two_temperature_sources_are_refused(tmp_path):
    files = _series(tmp_path)
    res = _cli([*map(str, files), "--sample", str(SAMPLE), "--temperature-C", "25", "--temperature-from-name", "{T}deg"])
    assert res.exit_code == 2 and "at most one" in res.output


def test_import_reanalyze_arrhenius_over_seven_files_without_stated_temperatures(tmp_path):
    """The re-analysis runs on what `reanalyze` gathers from the session; the circuit is given (as
    `analyse_series` allows) to keep this test's CPU time small: model choice is the analysis' own test."""
    from ssbcert.analysis import analyse_series
    from ssbcert.certify import gather
    from ssbcert.sample import load_default_sample

    files = _series(tmp_path)
    res = _cli([*map(str, files), "--sample", str(SAMPLE), "--out", str(tmp_path / "ses"),
                "--temperature-from-name", "{T}deg"])
    assert res.exit_code == 0, res.output
    session = load_session(tmp_path / "ses")
    temps = [r.record.temperature_K for r in session.records]
    assert temps == [t + 273.15 for t in TEMPS_C]  # one session, one ordered set
    inputs = gather(session, load_default_sample(), "<embedded demo sample>")
    series = analyse_series(inputs.series, inputs.geometry, circuit="p(R1,CPE1)-CPE2")
    arr = series.arrhenius
    fit = arr.get("bulk") or arr.get("total")
    assert fit is not None and fit.activation_energy_eV.value == pytest.approx(EA_EV, abs=0.01)
