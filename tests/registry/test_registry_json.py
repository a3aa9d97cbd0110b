"""`--json` on the registry's listing commands: the same rows as the table, machine-readable."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ssbcert.certificate.example import example_certificate
from ssbcert.registry.cli import register
from ssbcert.registry.db import Registry


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SSBCERT_REGISTRY_URL", raising=False)
    with Registry() as reg:
        for i, h in enumerate([2.0, 20.0, 200.0]):
            reg.add_certificate(example_certificate(thickness_um=h, sigma_total_S_cm=1e-4 * (h / 20) ** 0.5,
                                                    sample_id=f"J{i}", with_figures=False))
    cli = typer.Typer()
    register(cli)
    return cli


def test_list_and_search_json(app: typer.Typer) -> None:
    res = CliRunner().invoke(app, ["registry", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert sorted(r["sample_id"] for r in rows) == ["J0", "J1", "J2"]
    assert sorted(r["thickness_um"] for r in rows) == pytest.approx([2.0, 20.0, 200.0]) and all("T" in r["issued_at"] for r in rows)
    found = json.loads(CliRunner().invoke(app, ["registry", "search", "J1", "--json"]).output)
    assert [r["sample_id"] for r in found] == ["J1"]


def test_study_json(app: typer.Typer, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["study", "thickness", "--material", "LLZO", "--json", "--plot", str(tmp_path / "s.png")])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["material"] == "LLZO" and len(doc["films"]) == 3 and doc["verdict"] == "thinner_lower_asr"
    assert doc["asr_slope"]["value"] == pytest.approx(0.5, abs=1e-6) and "Answer" in doc["summary"]
