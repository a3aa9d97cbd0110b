"""One row per result: id, quantity, value, u, U, k, coverage probability, unit (and its UCUM code),
the decision and the limit in the result's unit. For spreadsheets and LIMS imports."""
from __future__ import annotations

import csv
import io

from ssbcert.certificate.model import Certificate
from ssbcert.certificate.units import ucum
from ssbcert.certificate.view import limit_in_unit

COLUMNS = ("certificate_id", "result_id", "quantity", "kind", "value", "u", "U", "k", "coverage_probability", "dof",
           "unit", "ucum", "temperature_K", "informative", "outcome", "limit_type", "limit_value", "decision_rule", "method")


def results_csv(cert: Certificate) -> str:
    by_ref = {c.result_ref: c for c in cert.conformity}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in cert.results:
        c = by_ref.get(r.id)
        w.writerow([cert.certificate_id, r.id, r.quantity, r.kind, repr(r.value), repr(r.u), repr(r.U), repr(r.k),
                    r.coverage_probability, "" if r.dof is None else repr(r.dof), r.unit, ucum(r.unit),
                    r.conditions.get("temperature_K", ""), r.informative, c.outcome if c else "",
                    c.limit.type if c else "", repr(limit_in_unit(c, r.unit)) if c else "", c.decision_rule if c else "",
                    r.method])
    return buf.getvalue()
