"""The certificate as a PTB Digital Calibration Certificate (DCC 3.0.0) XML document.

administrativeData carries software, core data (id, dates, performance location), the item, the
laboratory, the responsible persons and the conformity statements; measurementResults carries one
result per certificate result as a D-SI ``si:real`` with value, unit, and ``si:expandedUnc``
(U, k, coverage probability). Values are written with Python's repr, so they round-trip exactly.
Validated against the PTB XSD in the tests (offline, ``../shared/schemas/dcc-3.0.0``).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ssbcert.certificate.exports.dsi import dsi_unit
from ssbcert.certificate.model import Certificate, Result
from ssbcert.certificate.view import quantity_label

DCC = "https://ptb.de/dcc"
SI = "https://ptb.de/si"
ET.register_namespace("dcc", DCC)
ET.register_namespace("si", SI)
COUNTRY = "XX"  # ISO 3166 user-assigned "unknown": the certificate model does not record the lab's country
_CONFORMITY = {"pass": "pass", "fail": "fail", "conditional_pass": "conditionalPass", "conditional_fail": "conditionalFail"}


def _el(parent: ET.Element, tag: str, text: str | None = None, ns: str = DCC, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        e.text = text
    return e


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """A dcc:textType element: <tag><dcc:content lang="en">text</dcc:content></tag>."""
    e = _el(parent, tag)
    _el(e, "content", text, lang="en")
    return e


def _contact(parent: ET.Element, tag: str, name: str, address: str, strict: bool = True) -> None:
    c = _el(parent, tag)
    _text(c, "name", name)
    if strict:
        _el(c, "eMail", "not stated")
    loc = _el(c, "location")
    further = _el(loc, "further")
    _el(further, "content", address or "not stated", lang="en")


def _real(parent: ET.Element, r: Result) -> None:
    real = _el(parent, "real", ns=SI)
    _el(real, "label", r.id, ns=SI)
    _el(real, "value", repr(float(r.value)), ns=SI)
    _el(real, "unit", dsi_unit(r.unit), ns=SI)
    unc = _el(real, "expandedUnc", ns=SI)
    _el(unc, "uncertainty", repr(float(r.U)), ns=SI)
    _el(unc, "coverageFactor", repr(float(r.k)), ns=SI)
    _el(unc, "coverageProbability", f"{r.coverage_probability:.4f}".rstrip("0"), ns=SI)
    _el(unc, "distribution", "normal", ns=SI)


def _administrative(root: ET.Element, cert: Certificate) -> None:
    adm = _el(root, "administrativeData")
    sw = _el(_el(adm, "dccSoftware"), "software")
    _text(sw, "name", "ssbcert")
    _el(sw, "release", cert.software.get("ssbcert", "unknown"))
    core = _el(adm, "coreData")
    _el(core, "countryCodeISO3166_1", COUNTRY)
    _el(core, "usedLangCodeISO639_1", "en")
    _el(core, "mandatoryLangCodeISO639_1", "en")
    _el(core, "uniqueIdentifier", cert.certificate_id)
    ids = _el(core, "identifications")
    ident = _el(ids, "identification")
    _el(ident, "issuer", "calibrationLaboratory")
    _el(ident, "value", "DRAFT: issued without sign-off by a laboratory, not a valid report" if cert.draft else "final")
    _text(ident, "name", "report status")
    _el(core, "receiptDate", cert.dates.received.isoformat())
    _el(core, "beginPerformanceDate", cert.dates.tested_from.date().isoformat())
    _el(core, "endPerformanceDate", cert.dates.tested_to.date().isoformat())
    _el(core, "performanceLocation", "laboratory")
    if cert.supersedes is not None:
        prev = _el(core, "previousReport")
        _text(prev, "referral", cert.supersedes.reason)
        _el(prev, "referralID", cert.supersedes.certificate_id)
        _el(prev, "procedure", "SHA-256 of the canonical signed payload")
        _el(prev, "value", cert.supersedes.payload_sha256 or "not stated")
    items = _el(adm, "items")
    item = _el(items, "item")
    it = cert.item
    _text(item, "name", f"{it.material} {it.form} {it.sample_id}")
    desc = _el(item, "description")
    _el(desc, "content", f"{it.nominal_composition}; {it.deposition_method}".strip("; "), lang="en")
    man = _el(item, "manufacturer")
    _text(man, "name", cert.customer.name)
    item_ids = _el(item, "identifications")
    iid = _el(item_ids, "identification")
    _el(iid, "issuer", "customer")
    _el(iid, "value", it.sample_id)
    _text(iid, "name", "sample id")
    lab = _el(adm, "calibrationLaboratory")
    if cert.issuer.accreditation is not None:
        _el(lab, "calibrationLaboratoryCode", f"{cert.issuer.accreditation.body} {cert.issuer.accreditation.number}")
    name = cert.issuer.name + (" (fictitious laboratory)" if cert.issuer.fictitious else "")
    _contact(lab, "contact", name, cert.issuer.address)
    persons = _el(adm, "respPersons")
    for i, s in enumerate(cert.authorization):
        rp = _el(persons, "respPerson")
        person = _el(rp, "person")
        _text(person, "name", s.name)
        _el(rp, "role", s.role)
        _el(rp, "mainSigner", "true" if i == 0 else "false")
        _el(rp, "cryptElectronicSignature", "true" if cert.integrity is not None else "false")
    _contact(adm, "customer", cert.customer.name, cert.customer.contact)
    if cert.conformity:
        st = _el(adm, "statements")
        for c in cert.conformity:
            s_el = _el(st, "statement", refType=f"ssbcert_conformity_{c.result_ref}")
            _el(s_el, "norm", "ILAC-G8:09/2019" if c.decision_rule == "guarded" else "simple acceptance")
            decl = _el(s_el, "declaration")
            _el(decl, "content", c.text or f"{c.result_ref}: {c.outcome}", lang="en")
            if c.outcome in _CONFORMITY:
                _el(s_el, "conformity", _CONFORMITY[c.outcome])


def dcc_xml(cert: Certificate) -> str:
    """The DCC XML text (UTF-8, with declaration)."""
    root = ET.Element(f"{{{DCC}}}digitalCalibrationCertificate", {"schemaVersion": "3.0.0"})
    _administrative(root, cert)
    results_el = _el(root, "measurementResults")
    mr = _el(results_el, "measurementResult")
    _text(mr, "name", cert.title)
    if cert.methods:
        used = _el(mr, "usedMethods")
        for m in cert.methods:
            um = _el(used, "usedMethod")
            _text(um, "name", f"{m.id}: {m.title}" if m.title else m.id)
            if m.deviations:
                d = _el(um, "description")
                _el(d, "content", "deviations: " + "; ".join(m.deviations), lang="en")
            if m.standard:
                _el(um, "norm", m.standard)
    if cert.instruments:
        eq = _el(mr, "measuringEquipments")
        for i in cert.instruments:
            me = _el(eq, "measuringEquipment", refType=f"ssbcert_role_{i.role}")
            _text(me, "name", i.idn or i.role)
            if i.calibration_certificate:
                h = _el(me, "certificate")
                _text(h, "referral", f"calibration {i.calibration_date} – due {i.calibration_due} ({i.calibration_status})")
                _el(h, "referralID", i.calibration_certificate)
                _el(h, "procedure", "calibration certificate id")
                _el(h, "value", i.calibration_certificate)
    rl = _el(mr, "results")
    for r in cert.results:
        res = _el(rl, "result", refType=f"ssbcert_{r.quantity}")
        _text(res, "name", quantity_label(r))
        d = _el(res, "description")
        _el(d, "content", r.method + (" (informative)" if r.informative else ""), lang="en")
        q = _el(_el(res, "data"), "quantity", refType=f"ssbcert_result_{r.id}")
        _real(q, r)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
