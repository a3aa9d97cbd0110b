"""Certificate fixtures: an isolated SSBCERT_HOME and one signed example certificate with raw files."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.signing import sign, write_certificate


@pytest.fixture(autouse=True)
def ssbcert_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SSBCERT_HOME", str(home))
    return home


@pytest.fixture
def signed(tmp_path: Path) -> tuple[Certificate, Path]:
    """(certificate, path) written next to its raw/ folder, figures omitted to keep it small."""
    cert = sign(example_certificate(raw_dir=tmp_path / "cert" / "raw", with_figures=False))
    return cert, write_certificate(cert, tmp_path / "cert" / "LLZO-F-0001.json")
