"""Where the importer tests find their data: shared fixtures are read in place from ../shared
(next to the repository), never copied into the project."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared" / "fixtures"
VENDOR = SHARED / "vendor_formats"  # impedance.py example files (MIT)
ECLAB = SHARED / "real_vendor" / "eclab"  # real EC-Lab files from a GPL-3.0 project's test data
PROJECT_FIXTURES = REPO / "tests" / "fixtures"  # the project's own small files (records CSV, samples...)
