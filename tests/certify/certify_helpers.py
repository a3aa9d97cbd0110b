"""Assertions shared by the certify tests."""
from __future__ import annotations

from typing import Any


def assert_sigma_total_inconclusive(issued: Any) -> list[Any]:
    """No σ_total is reported, its required item is inconclusive, and so is the certificate;
    returns the σ_total conformity statements for further checks."""
    cert = issued.certificate
    assert issued.outcome == "inconclusive"
    assert not any(r.quantity == "ionic_conductivity_total" for r in cert.results)
    sigma = [c for c in cert.conformity if c.result_ref == "ionic_conductivity_total"]
    assert sigma and all(c.outcome == "inconclusive" for c in sigma)
    return sigma
