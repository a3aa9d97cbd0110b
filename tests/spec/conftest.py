"""Make the bad-input corpus helpers of tests/sample importable here as `badcorpus`."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if "badcorpus" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("badcorpus", Path(__file__).parents[1] / "sample" / "badcorpus.py")
    _module = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
    sys.modules["badcorpus"] = _module
    _spec.loader.exec_module(_module)  # type: ignore[union-attr]
