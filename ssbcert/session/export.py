"""CSV export for bench users: a `#` header (session, protocol, sample) then one row per value."""
from __future__ import annotations

from pathlib import Path

from ssbcert.session.reader import Session, load_session


def export_csv(session: Session | str | Path, out: str | Path) -> Path:
    s = session if isinstance(session, Session) else load_session(session)
    out = Path(out)
    header = [
        f"# ssbcert session {s.info.get('id', '')}",
        f"# protocol: {s.plan.get('name', '')} sha256={s.plan.get('protocol_sha256', '')}",
        f"# operator: {s.info.get('operator', '')}  created: {s.info.get('created_utc', '')}",
        f"# bench: {s.bench.get('name', '')}",
        f"# complete: {s.complete}",
        "# units: SI (Hz, ohm, s, A, V, K); Z = z_real_ohm + j*z_imag_ohm",
    ]
    df = s.dataframe()
    with open(out, "w", encoding="utf-8", newline="") as fh:
        fh.write("\n".join(header) + "\n")
        df.to_csv(fh, index=False, float_format="%.17g")
    return out
