"""Amendments (ISO/IEC 17025 §7.8.8): a change is a new certificate that names the one it replaces.

The original is never touched. The new one gets a fresh id, a new issue date, and a ``supersedes``
entry holding the original's id, the hash of its signed payload (so the link cannot be pointed at a
different version) and the reason.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ssbcert.certificate.model import Certificate, new_certificate_id
from ssbcert.certificate.signing import payload_sha256


def amend(original: Certificate, reason: str, changes: dict[str, Any] | None = None,
          issued: dt.datetime | None = None) -> Certificate:
    """An unsigned amended certificate; sign it with :func:`ssbcert.certificate.signing.sign`.

    ``changes`` maps top-level field names to new values (models or plain data); the result is
    re-validated so an amendment cannot produce an invalid certificate.
    """
    if not reason.strip():
        raise ValueError("an amendment needs a reason (§7.8.8)")
    data = original.model_copy(deep=True).model_dump(mode="python", by_alias=True, exclude={"integrity"})
    for name, value in (changes or {}).items():
        if name in {"certificate_id", "supersedes", "integrity"}:
            raise ValueError(f"{name} is set by amend(), not by the caller")
        data[name] = value.model_dump(mode="python", by_alias=True) if hasattr(value, "model_dump") else value
    data["certificate_id"] = new_certificate_id()
    data["supersedes"] = {
        "certificate_id": original.certificate_id,
        "payload_sha256": payload_sha256(original),
        "reason": reason,
    }
    dates = dict(data["dates"])
    dates["issued"] = issued or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    data["dates"] = dates
    return Certificate.model_validate(data)


def supersession_chain(cert: Certificate, lookup: dict[str, Certificate]) -> list[str]:
    """Ids from this certificate back to the first issue, following ``supersedes`` links."""
    chain, seen = [cert.certificate_id], {cert.certificate_id}
    cur: Certificate | None = cert
    while cur is not None and cur.supersedes is not None:
        prev = cur.supersedes.certificate_id
        if prev in seen:
            raise ValueError(f"supersedes loop at {prev}")
        chain.append(prev)
        seen.add(prev)
        cur = lookup.get(prev)
    return chain

