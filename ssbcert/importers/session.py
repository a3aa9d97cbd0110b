"""The one place an import becomes a session directory.

`write_session(result, out_dir, sample_path)` is the single call point for the lead to wire or
replace. It writes through the session store (`ssbcert.session.store.SessionWriter`), so an
imported session loads, exports and re-analyses like a measured one: records under step `import`
(points `import-0000`, ...), the sample file as the runner stores it (source + text), a start and a
stop document, and `provenance.json` (one entry per record: file, sha256, reader, line range,
instrument, stated settings, temperature, warnings), all covered by the manifest.
"""
from __future__ import annotations

import json
from pathlib import Path

from ssbcert.errors import InputError
from ssbcert.importers.api import ImportResult
from ssbcert.session.files import write_atomic
from ssbcert.session.store import SessionWriter

PROVENANCE_FILE = "provenance.json"
STEP_ID = "import"


def write_session(result: ImportResult, out_dir: Path, sample_path: Path) -> Path:
    """Create the session directory `out_dir` holding the imported records; returns it.

    Refuses a directory that already holds a session, so nothing recorded is overwritten.
    """
    out_dir, sample_path = Path(out_dir), Path(sample_path)
    try:
        sample_text = sample_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read sample file", file=str(sample_path), expected="a UTF-8 YAML file",
                         found=getattr(exc, "strerror", None) or str(exc)) from None
    sources = list(dict.fromkeys(p.source_path for p in result.provenance))
    instruments = sorted({p.instrument for p in result.provenance if p.instrument})
    try:
        writer = SessionWriter.create(
            out_dir,
            [],
            {"kind": "import", "sources": sources},
            {"name": STEP_ID, "protocol_sha256": None, "steps": []},
            {"name": "imported files", "instruments": instruments},
            {"source": str(sample_path), "text": sample_text},
        )
    except FileExistsError:
        raise InputError("directory already holds a session", file=str(out_dir), expected="a new directory",
                         found="an existing session") from None
    try:
        writer.document({"doc": "start", "kind": "import", "sources": sources})
        for i, spectrum in enumerate(result.spectra):
            writer.add_record(STEP_ID, f"{STEP_ID}-{i:04d}", spectrum)
        provenance = {"records": [p.to_dict() for p in result.provenance], "warnings": list(result.warnings)}
        write_atomic(out_dir / PROVENANCE_FILE, (json.dumps(provenance, indent=2, ensure_ascii=False) + "\n").encode())
        writer.document({"doc": "stop", "exit_status": "success", "reason": "import",
                         "points_recorded": len(result.spectra)})
        writer.write_manifest()
    finally:
        writer.close()
    return out_dir
