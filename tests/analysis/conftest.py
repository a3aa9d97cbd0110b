"""Session fixture: the seeded ground-truth suite, fitted once and shared by the acceptance tests."""
from __future__ import annotations

import pytest

from analysis_helpers import SuiteCase, fit_suite


@pytest.fixture(scope="session")
def suite_results() -> list[SuiteCase]:
    return fit_suite()
