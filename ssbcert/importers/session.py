"""The one place an import becomes a session directory.

`write_session(result, out_dir, sample_path)` is the single call point the lead will wire to the
session store. Until then it writes what the store will need: records as JSON lines (bit-exact
floats), one provenance entry per record, and the sample file's path and hash.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from ssbcert.errors import InputError
from ssbcert.importers.api import ImportResult, sha256_of

RECORDS_FILE = "records.jsonl"
PROVENANCE_FILE = "provenance.json"


def write_session(result: ImportResult, out_dir: Path, sample_path: Path) -> Path:
    """Write the imported records and provenance into a new directory `out_dir`; returns it.

    Refuses an existing non-empty directory so that nothing already recorded is overwritten.
    """
    out_dir = Path(out_dir)
    sample_path = Path(sample_path)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise InputError("session directory is not empty", file=str(out_dir), expected="a new or empty directory",
                         found="existing files")
    try:
        sample_bytes = sample_path.read_bytes()
    except OSError as exc:
        raise InputError("cannot read sample file", file=str(sample_path), found=exc.strerror or str(exc)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / RECORDS_FILE).open("w", encoding="utf-8") as fh:
        for spectrum in result.spectra:
            fh.write(json.dumps(spectrum.to_dict(), ensure_ascii=False) + "\n")
    provenance = {
        "kind": "import",
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sample": {"path": str(sample_path), "sha256": sha256_of(sample_bytes)},
        "records": [p.to_dict() for p in result.provenance],
        "warnings": list(result.warnings),
    }
    (out_dir / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out_dir
