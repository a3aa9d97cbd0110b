"""A BattINFO-style JSON-LD record of the certificate: the film as a solid electrolyte with its
measured properties, each a quantity value with unit (QUDT/UCUM) and expanded uncertainty.

Terms come from schema.org (dataset metadata), QUDT (quantity values and units) and the EMMO-based
BattINFO vocabulary for the battery-domain classes; the document carries its own @context, so it
parses offline (the tests expand it with pyld).
"""
from __future__ import annotations

import json
from typing import Any

from ssbcert.certificate.model import Certificate, Result
from ssbcert.certificate.units import ucum
from ssbcert.certificate.view import quantity_label

CONTEXT: dict[str, Any] = {
    "@vocab": "https://ssbcert.example/vocab#",
    "schema": "https://schema.org/",
    "qudt": "http://qudt.org/schema/qudt/",
    "battinfo": "https://w3id.org/emmo/domain/battery#",
    "emmo": "https://w3id.org/emmo#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "name": "schema:name",
    "identifier": "schema:identifier",
    "dateIssued": {"@id": "schema:dateCreated", "@type": "xsd:dateTime"},
    "issuer": "schema:provider",
    "about": "schema:about",
    "hasProperty": {"@id": "emmo:hasProperty", "@container": "@set"},
    "value": {"@id": "qudt:numericValue", "@type": "xsd:double"},
    "unit": "qudt:ucumCode",
    "expandedUncertainty": {"@id": "qudt:expandedUncertainty", "@type": "xsd:double"},
    "standardUncertainty": {"@id": "qudt:standardUncertainty", "@type": "xsd:double"},
    "coverageFactor": {"@id": "qudt:coverageFactor", "@type": "xsd:double"},
    "coverageProbability": {"@id": "qudt:coverageProbability", "@type": "xsd:double"},
}
_CLASS = {"ionic_conductivity": "battinfo:IonicConductivity", "electronic_conductivity": "battinfo:ElectronicConductivity",
          "activation_energy": "battinfo:ActivationEnergy", "thickness": "emmo:Thickness", "density": "emmo:Density"}


def _type(r: Result) -> str:
    return next((v for k, v in _CLASS.items() if r.quantity.startswith(k) or k in r.quantity), "qudt:QuantityValue")


def jsonld_record(cert: Certificate) -> dict[str, Any]:
    it = cert.item
    outcome = {c.result_ref: c.outcome for c in cert.conformity}
    return {
        "@context": CONTEXT,
        "@id": cert.certificate_id,
        "@type": ["schema:Dataset", "schema:Certification"],
        "name": cert.title,
        "identifier": cert.certificate_id,
        "dateIssued": cert.dates.issued.isoformat(),
        "draft": cert.draft,
        "issuer": {"@type": "schema:Organization", "name": cert.issuer.name, "fictitious": cert.issuer.fictitious},
        "about": {
            "@id": f"urn:ssbcert:sample:{it.sample_id}",
            "@type": ["battinfo:SolidElectrolyte", "schema:Thing"],
            "name": it.sample_id,
            "material": it.material, "materialClass": it.material_class, "composition": it.nominal_composition,
            "form": it.form,
            "hasProperty": [{
                "@id": f"{cert.certificate_id}#{r.id}",
                "@type": _type(r),
                "name": quantity_label(r),
                "quantity": r.quantity,
                "value": r.value, "unit": ucum(r.unit),
                "standardUncertainty": r.u, "expandedUncertainty": r.U,
                "coverageFactor": r.k, "coverageProbability": r.coverage_probability,
                "temperature_K": r.conditions.get("temperature_K"),
                "informative": r.informative,
                "conformity": outcome.get(r.id),
            } for r in cert.results],
        },
    }


def jsonld_text(cert: Certificate) -> str:
    return json.dumps(jsonld_record(cert), indent=1, ensure_ascii=False) + "\n"
