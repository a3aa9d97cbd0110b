"""Issue a certificate for a recorded session: analyse, assemble, sign, render, register.

    certify(session_dir, sample=..., spec=..., out=...) -> Issued

The session is used only while this process holds its lock and only if it matches its manifest
(every file hash, record and transcript counts); a changed session is refused, naming the file and
both hashes. The certificate references the session's manifest, raw files (records, instrument
transcript) and the sample record by SHA-256, so `ssbcert verify` detects a change to any of them
later. A second issue for the same sample supersedes the first (see :mod:`ssbcert.certify.supersede`);
no signed file is ever overwritten.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ssbcert.certificate import Certificate, overall_outcome, sign, write_certificate
from ssbcert.certify.assemble import IssuerInfo, build_certificate
from ssbcert.certify.findings import Findings, analyse
from ssbcert.certify.inputs import CertificateInputs, gather
from ssbcert.certify.supersede import latest_predecessor, link, next_free_stem, sample_lock
from ssbcert.certify.progress import report
from ssbcert.errors import InputError
from ssbcert.lab import LabProfile, load_lab_profile
from ssbcert.sample import load_default_sample, load_sample
from ssbcert.session import guard, load_session
from ssbcert.spec import load_default_spec, load_spec


@dataclass
class Issued:
    certificate: Certificate
    json_path: Path
    pdf_path: Path | None
    html_path: Path | None
    analysis_path: Path
    outcome: str
    registered: bool | None  # None: not asked to register (--no-register)
    inputs: CertificateInputs
    findings: Findings


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.ndarray):
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
    except ImportError:  # pragma: no cover
        pass
    return str(o)


def _sample_copy(sample: str | Path | None, out_dir: Path) -> Path:
    """The sample record as certified, named by its content so a later issue never changes it."""
    if sample is not None:
        data = Path(sample).read_bytes()
    else:
        from importlib import resources

        data = resources.files("ssbcert").joinpath("data/default_sample.yaml").read_bytes()
    target = out_dir / f"sample-{hashlib.sha256(data).hexdigest()[:12]}.yaml"
    if not target.exists():
        target.write_bytes(data)
    return target


def _issuer(issuer: IssuerInfo | None, lab: str | Path | LabProfile | None, draft: bool,
            signatory: str | None) -> IssuerInfo:
    """The issuing lab, refused before any analysis when there is none and no draft was asked for."""
    info = issuer or IssuerInfo()
    profile = load_lab_profile(lab) if isinstance(lab, (str, Path)) else lab
    info = replace(info, lab=profile or info.lab, draft=draft or info.draft, signatory=signatory or info.signatory)
    info.issuer()  # raises InputError without a lab profile unless draft
    if info.lab is not None:
        info.lab.signatory(info.signatory)  # an unknown signatory name is an error now, not after the analysis
    return info


def _check_signatory_key(cert: Certificate) -> None:
    """A signatory bound to a key (lab profile `key_fingerprint`) signs only with that key."""
    if cert.integrity is None:
        return
    for s in cert.authorization:
        if s.key_fingerprint and s.key_fingerprint != cert.integrity.key_fingerprint:
            raise InputError("the signing key is not the signatory's key", field="signatories.key_fingerprint",
                             expected=s.key_fingerprint, found=cert.integrity.key_fingerprint)


def certify(
    session: str | Path,
    sample: str | Path | None = None,
    spec: str | Path | None = None,
    out: str | Path | None = None,
    issuer: IssuerInfo | None = None,
    registry_url: str | None = None,
    register: bool = True,
    render: bool = True,
    key: Any = None,
    reason: str | None = None,
    lab: str | Path | LabProfile | None = None,
    draft: bool = False,
    signatory: str | None = None,
) -> Issued:
    """``lab`` is a lab profile (file or loaded); without one only a ``draft`` is issued."""
    session_dir = Path(session)
    if not (session_dir / "session.json").exists():
        raise InputError("not a session directory (no session.json)", file=str(session_dir))
    issuer = _issuer(issuer, lab, draft, signatory)
    with guard(session_dir, "ssbcert certify"):
        return _certify_locked(session_dir, sample, spec, out, issuer, registry_url, register, render, key, reason)


def _certify_locked(session_dir: Path, sample: str | Path | None, spec: str | Path | None, out: str | Path | None,
                    issuer: IssuerInfo, registry_url: str | None, register: bool, render: bool, key: Any,
                    reason: str | None) -> Issued:
    ses = load_session(session_dir)
    out_dir = Path(out) if out is not None else session_dir / "certificate"
    out_dir.mkdir(parents=True, exist_ok=True)

    record = load_sample(sample) if sample is not None else load_default_sample()
    sample_copy = _sample_copy(sample, out_dir)
    specification = load_spec(spec) if spec is not None else load_default_spec()

    inputs = gather(ses, record, sample_copy)
    report(f"analysis of {len(inputs.series)} spectra: KK, circuit fits, arcs, Arrhenius, DC polarization")
    findings = analyse(inputs)
    report("assembling and signing the certificate")
    raw_files = {"session_manifest": session_dir / "manifest.json", "records": session_dir / "records.jsonl",
                 "transcript": session_dir / "io.jsonl", "sample": sample_copy}
    raw_files = {k: v for k, v in raw_files.items() if v.exists()}
    cert = build_certificate(inputs, findings, specification, issuer, raw_files, out_dir)
    if key is None:
        from ssbcert.keys import signing_key

        key = signing_key()
    sid = str(ses.info.get("id", session_dir.name))
    reg = None
    if register:
        from ssbcert.registry import Registry

        reg = Registry(registry_url)
    with sample_lock(record.sample_id):
        previous = latest_predecessor(out_dir, record.sample_id, reg)
        cert = link(cert, previous, reason or f"re-issued from session {sid}: a new certification of the same sample")
        cert = sign(cert, key)
        _check_signatory_key(cert)
        stem = next_free_stem(out_dir, record.sample_id)
        registered: bool | None = None
        if reg is not None:
            # registered before it is written: a registry that refuses it (another machine superseded
            # the same certificate meanwhile) leaves no signed file that forks the chain; the session
            # is untouched, so issuing again links to the newer certificate
            reg.add_session(sid, sample_id=record.sample_id, protocol=str(ses.info.get("protocol_name", "")),
                            path=str(session_dir.resolve()))
            registered = reg.add_certificate(cert, session_id=sid)
        json_path = write_certificate(cert, out_dir / f"{stem}.json", jws_key=key)
    analysis_path = out_dir / f"analysis-{stem.removeprefix('certificate-')}.json"
    analysis = {
        "series": findings.series.as_dict() if findings.series else None,
        "polarization": findings.polarization.as_dict() if findings.polarization else None,
        "flags": findings.flags,
        "sample_property_notes": inputs.properties.notes,
        "sample_property_failures": inputs.properties.failures,
    }
    analysis_path.write_text(json.dumps(analysis, indent=1, default=_json_default), encoding="utf-8")
    pdf_path = html_path = None
    if render:
        from ssbcert.certificate.plots import certificate_figures
        from ssbcert.certificate.render_html import write_html
        from ssbcert.certificate.render_pdf import write_pdf

        report("drawing the figures")
        figures = certificate_figures(cert)  # drawn once, shared by both renderers
        report("rendering the PDF")
        pdf_path = write_pdf(cert, out_dir / f"{stem}.pdf", figures=figures)
        report("rendering the HTML")
        logo = issuer.lab.logo_svg() if issuer.lab is not None else None
        html_path = write_html(cert, out_dir / f"{stem}.html", figures=figures, logo_svg=logo)
    if reg is not None:
        reg.close()
    return Issued(cert, json_path, pdf_path, html_path, analysis_path, overall_outcome(cert.conformity), registered,
                  inputs, findings)
