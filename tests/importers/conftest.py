from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VENDOR = FIXTURES / "vendor_formats"


@pytest.fixture
def vendor() -> Path:
    return VENDOR
