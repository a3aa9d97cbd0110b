"""A second certificate for the same sample supersedes the first; nothing signed is ever replaced.

Choice (issue #11, item 4): a re-issue is *automatic supersession*, not a refusal. The new
certificate gets a fresh report id and a ``supersedes`` link to the sample's latest certificate,
pinned by that certificate's signed payload hash, with a reason (given by ``--reason``, or one that
names the new session). The earlier file stays where it is, byte for byte, and still verifies; the
new one is written under the next free name (``certificate-ID.json``, ``certificate-ID.2.json``, …).
The registry and studies then count the film once, by its latest certificate.

The predecessor is the most recently issued certificate of the sample found in the registry or in
the output folder. One found in the folder must verify (signature and payload) before it is linked:
a chain is never extended from a tampered file. ``sample_lock`` serialises issues per sample on
this machine, so two concurrent issues cannot both supersede the same certificate.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from filelock import FileLock

from ssbcert.certificate.model import Certificate, Supersedes
from ssbcert.certificate.signing import payload_sha256, read_certificate, ssbcert_home
from ssbcert.errors import InputError


def certificate_stem(sample_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in sample_id)
    return f"certificate-{safe}"


def next_free_stem(out_dir: Path, sample_id: str) -> str:
    """``certificate-ID`` for the first issue, then ``certificate-ID.2``, ``.3``, … (never an existing name)."""
    base = certificate_stem(sample_id)
    stem, n = base, 1
    while any((out_dir / f"{stem}{ext}").exists() for ext in (".json", ".pdf", ".html")):
        n += 1
        stem = f"{base}.{n}"
    return stem


def sample_lock(sample_id: str) -> FileLock:
    """A per-sample lock under ``$SSBCERT_HOME/locks`` (waits up to 10 min for another issue)."""
    digest = hashlib.sha256(sample_id.encode("utf-8")).hexdigest()[:16]
    lock_dir = ssbcert_home() / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(lock_dir / f"sample-{digest}.lock"), timeout=600, is_singleton=False)


def _from_folder(out_dir: Path, sample_id: str) -> list[tuple[Certificate, Path]]:
    from ssbcert.certificate.verify import verify

    found = []
    own = re.compile(re.escape(certificate_stem(sample_id)) + r"(\.\d+)?\.json")
    for path in sorted(p for p in out_dir.glob("certificate-*.json") if own.fullmatch(p.name)):
        report = verify(path, allow_untrusted=True, check_raw_data=False)
        if not (report.signature_valid and report.payload_intact):
            raise InputError("the sample's earlier certificate does not verify, so a new one cannot supersede it "
                             f"({'; '.join(report.problems) or 'unsigned'}); move it away or restore it", file=str(path))
        found.append((read_certificate(path), path))
    return found


def latest_predecessor(out_dir: Path, sample_id: str, registry: object | None = None) -> Certificate | None:
    """The sample's most recently issued, not yet superseded certificate (folder and registry)."""
    candidates = [c for c, _ in _from_folder(out_dir, sample_id)]
    if registry is not None:
        latest = registry.latest_certificate(sample_id)  # type: ignore[attr-defined]
        if latest is not None:
            candidates.append(latest)
    replaced = {c.supersedes.certificate_id for c in candidates if c.supersedes is not None}
    live = [c for c in candidates if c.certificate_id not in replaced]
    return max(live, key=lambda c: c.dates.issued, default=None)


def link(cert: Certificate, previous: Certificate | None, reason: str) -> Certificate:
    """The unsigned certificate with its ``supersedes`` link (unchanged when there is no predecessor)."""
    if previous is None:
        return cert
    if not reason.strip():
        raise ValueError("a superseding certificate needs a reason (ISO/IEC 17025 §7.8.8)")
    return cert.model_copy(update={"supersedes": Supersedes(certificate_id=previous.certificate_id,
                                                            payload_sha256=payload_sha256(previous), reason=reason)})
