"""Thickness study: the verdict follows the physics (ASR ∝ h^(1−s) when σ ∝ h^s), plot and CLI work."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import typer
from matplotlib.image import imread
from typer.testing import CliRunner

from ssbcert.certificate.example import example_certificate
from ssbcert.registry.cli import register
from ssbcert.registry.db import Registry
from ssbcert.registry.study import LiteraturePoint, StudyPoint, analyse, loglog_slope, thickness_study

H = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]


def _films(exponent: float, noise: float = 0.02, seed: int = 3) -> list[StudyPoint]:
    rng = np.random.default_rng(seed)
    out = []
    for h in H:
        s = 3e-4 * (h / 50) ** exponent * (1 + noise * rng.standard_normal())
        out.append(StudyPoint(h, s, h * 1e-4 / s, 0.03 * s, 0.03 * h * 1e-4 / s, f"h{h}"))
    return out


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SSBCERT_REGISTRY_URL", raising=False)


def test_slope_recovers_power_law() -> None:
    s = loglog_slope(H, [h**0.7 for h in H])
    assert s is not None and s.value == pytest.approx(0.7) and s.u == pytest.approx(0, abs=1e-9)
    assert loglog_slope([5.0, 5.2], [1.0, 2.0]) is None  # no thickness spread


@pytest.mark.parametrize(
    ("exponent", "verdict", "word"),
    [(0.3, "thinner_lower_asr", "YES"), (1.6, "thinner_higher_asr", "NO"), (1.0, "inconclusive", "INCONCLUSIVE")],
)
def test_verdict_answers_the_central_question(exponent: float, verdict: str, word: str) -> None:
    study = analyse("LLZO", _films(exponent))
    assert study.verdict == verdict
    assert f"Answer: {word}" in study.summary
    assert study.asr_slope is not None and study.sigma_slope is not None
    assert study.asr_slope.value == pytest.approx(1 - study.sigma_slope.value, abs=1e-9)


def test_single_film_is_insufficient() -> None:
    study = analyse("LLZO", _films(0.5)[:1])
    assert study.verdict == "insufficient_data" and "Not enough films" in study.summary


def test_study_from_registry_with_literature_and_plot(tmp_path: Path) -> None:
    with Registry() as reg:
        for i, h in enumerate(H):
            sigma = 3e-4 * (h / 50) ** 0.4
            reg.add_certificate(example_certificate(thickness_um=h, sigma_total_S_cm=sigma, sample_id=f"F{i}", with_figures=False))
        pellet = example_certificate(sample_id="P", with_figures=False)
        reg.add_certificate(pellet.model_copy(update={"item": pellet.item.model_copy(update={"form": "pellet"})}))
        lit = [LiteraturePoint(1.0, 2.4e-6, "a"), LiteraturePoint(25.0, 1.4e-4, "b"), LiteraturePoint(100.0, 2.3e-4, "c")]
        study = thickness_study(reg, "LLZO", literature=lit, plot_path=tmp_path / "study.png")
        default_lit = thickness_study(reg, "LLZO").literature  # shipped CSVs via ssbcert.literature
    assert len(study.films) == len(H)  # the pellet is not a film
    assert study.verdict == "thinner_lower_asr" and study.literature_asr_slope is not None
    assert "Lowest ASR" in study.summary and "h = 1 µm" in study.summary
    img = imread(io.BytesIO((tmp_path / "study.png").read_bytes()))
    assert float(np.mean(img[..., :3].min(axis=-1) < 0.9)) > 0.02
    assert len(default_lit) >= 3 and all(p.thickness_um > 0 and p.sigma_S_cm > 0 for p in default_lit)


def test_cli_study_thickness(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    with Registry() as reg:
        for i, h in enumerate([2.0, 20.0, 200.0]):
            reg.add_certificate(example_certificate(thickness_um=h, sigma_total_S_cm=1e-4 * (h / 20) ** 2, sample_id=f"G{i}",
                                                    with_figures=False))
    res = CliRunner().invoke(app, ["study", "thickness", "--material", "LLZO", "--plot", str(tmp_path / "t.png")])
    assert res.exit_code == 0, res.output
    assert "Answer: NO" in res.output and (tmp_path / "t.png").stat().st_size > 10_000
