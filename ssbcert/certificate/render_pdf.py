"""PDF rendering with reportlab: a one-page summary first, then details, figures and the end marker.

Every page carries the certificate id and "page i of n" (ISO/IEC 17025 §7.8.2.1 d: every part is
recognisable as part of one complete report, and the end is clearly identified). Text uses the
DejaVu Sans font that ships with matplotlib, because the core PDF fonts lack σ, Ω, ≥, ε.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ssbcert.certificate.build import overall_outcome
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.plots import RenderedFigure, certificate_figures
from ssbcert.certificate.view import OUTCOME_COLOUR, power_markup, result_rows, sig, signature_status, unit_text

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=8.5, leading=10.5)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=FONT_BOLD, fontSize=15, leading=18),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=11, spaceBefore=8),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7, leading=8.5),
        "cell_white": ParagraphStyle("cw", parent=body, textColor=colors.white, fontName=FONT_BOLD, alignment=1),
        "end": ParagraphStyle("end", parent=body, fontName=FONT_BOLD, fontSize=10, alignment=1, spaceBefore=14),
    }


class _NumberedCanvas(Canvas):
    """Holds pages until the end so each footer can say "page i of n"."""

    cert_id = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 7)
            self.setFillColor(colors.grey)
            self.drawString(15 * mm, 10 * mm, f"{self.cert_id}")
            self.drawRightString(A4[0] - 15 * mm, 10 * mm, f"page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list[Any]], widths: Sequence[float], extra: list[tuple[Any, ...]] | None = None) -> Table:
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
    ] + (extra or [])))
    return t


def _summary(cert: Certificate, s: dict[str, ParagraphStyle], verified: bool | None) -> list[Any]:
    overall = overall_outcome(cert.conformity)
    it = cert.item
    ident = f"{it.sample_id} — {it.material} ({it.material_class}) {it.form}" + (f" on {it.substrate}" if it.substrate else "")
    head = [
        [_p("Report id", s["body"]), _p(cert.certificate_id, s["body"])],
        [_p("Sample", s["body"]), _p(ident + (f", lot {it.lot}" if it.lot else ""), s["body"])],
        [_p("Customer", s["body"]), _p(cert.customer.name, s["body"])],
        [_p("Issued", s["body"]), _p(f"{cert.dates.issued:%Y-%m-%d} by {cert.issuer.name}", s["body"])],
        [_p("Signature", s["body"]), _p(signature_status(cert, verified), s["small"])],
        [_p("Overall", s["body"]), _p(overall.upper(), s["cell_white"])],
    ]
    colour = colors.HexColor(OUTCOME_COLOUR.get(overall, "#555555"))
    out: list[Any] = [_p(cert.title, s["title"]), _table(head, [30 * mm, 150 * mm], [("BACKGROUND", (1, 5), (1, 5), colour)]),
                      Spacer(1, 6 * mm)]
    rows: list[list[Any]] = [["Quantity", "Value ± U", "Unit", "k", "Limit (rule)", "Outcome"]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(result_rows(cert), start=1):
        label = r.label + (f" ({r.flags})" if r.flags else "")
        rows.append([_p(label, s["body"]), Paragraph(power_markup(r.value_text, "super"), s["body"]), _p(r.unit, s["body"]), f"{r.k:.2f}",
                     _p(r.limit_text, s["small"]), _p(r.outcome, s["cell_white"])])
        extra.append(("BACKGROUND", (5, i), (5, i), colors.HexColor(r.colour)))
    out += [_table(rows, [50 * mm, 42 * mm, 18 * mm, 10 * mm, 38 * mm, 22 * mm], extra), Spacer(1, 4 * mm),
            _p("U is the expanded uncertainty at ≈95 % coverage with the stated k (Student t on ν_eff). "
               + cert.statements.scope_limitation, s["small"])]
    if cert.supersedes:
        out.append(_p(f"Supersedes {cert.supersedes.certificate_id}: {cert.supersedes.reason}", s["body"]))
    return out


def _details(cert: Certificate, s: dict[str, ParagraphStyle]) -> list[Any]:
    b, sm = s["body"], s["small"]
    out: list[Any] = [_p("Laboratory, customer, item and dates", s["h2"])]
    it, d = cert.item, cert.dates
    info = [
        ["Issuer", f"{cert.issuer.name}, {cert.issuer.address}"],
        ["Performed at", cert.performed_at],
        ["Customer", f"{cert.customer.name} {cert.customer.contact}"],
        ["Item", f"{it.nominal_composition}; {it.deposition_method}; on receipt: {it.condition_on_receipt or 'not stated'}; "
                 f"storage: {it.storage_atmosphere or 'not stated'}" + (" (customer-supplied description)" if it.customer_supplied_description else "")],
        ["Specimens", "; ".join(f"{sp.id}: {sp.geometry} {sp.electrodes} " + ", ".join(f"{k}={v}" for k, v in sp.dimensions.items())
                                for sp in it.specimens) or "—"],
        ["Dates", f"received {d.received}; tested {d.tested_from:%Y-%m-%d %H:%M} – {d.tested_to:%Y-%m-%d %H:%M}; issued {d.issued:%Y-%m-%d %H:%M}"],
    ]
    out.append(_table([[_p(k, b), _p(v, b)] for k, v in info], [30 * mm, 150 * mm]))
    out.append(_p("Methods and instruments", s["h2"]))
    rows = [["Method", "Standard / version", "Deviations"]] + [
        [_p(m.id, b), _p(f"{m.standard} {m.version}", b), _p("; ".join(m.deviations) or "none", b)] for m in cert.methods]
    out.append(_table(rows, [40 * mm, 60 * mm, 80 * mm]))
    rows = [["Role", "*IDN?", "Settings / calibration"]] + [
        [_p(i.role + (" (simulated)" if i.simulated else ""), b), _p(i.idn, sm),
         _p(", ".join(f"{k}={v}" for k, v in i.settings.items()) + (f"; cal {i.calibration_certificate}" if i.calibration_certificate else ""), sm)]
        for i in cert.instruments]
    out.append(Spacer(1, 2 * mm))
    out.append(_table(rows, [25 * mm, 85 * mm, 70 * mm]))
    out.append(_p("Results with uncertainty", s["h2"]))
    rows = [["Id / quantity", "Value", "u", "U (k)", "ν_eff", "Method and budget"]]
    for r in cert.results:
        budget = "; ".join(f"{e.input} {e.contribution:.2g}" for e in r.budget)
        rows.append([_p(f"{r.id}\n{r.quantity} {r.direction}", sm), _p(f"{r.value:.6g} {unit_text(r.unit)}", sm),
                     _p(f"{r.u:.2g}", sm), _p(f"{r.U:.2g} ({r.k:.2f})", sm), _p("∞" if r.dof is None else f"{r.dof:.0f}", sm),
                     _p(r.method + (f" — budget: {budget}" if budget else ""), sm)])
    out.append(_table(rows, [40 * mm, 30 * mm, 16 * mm, 24 * mm, 12 * mm, 58 * mm]))
    if cert.fit_quality or cert.arc_assignments:
        out.append(_p("Fit quality, Kramers–Kronig and bulk/GB assignment", s["h2"]))
        for f in cert.fit_quality:
            out.append(_p(f"{f.label or f.spectrum_ref}: {f.circuit}; χ² = {sig(f.chi_square)}; residual RMS = {sig(f.residual_rms_pct)} %; "
                          f"KK max = {sig(f.kk_residual_max_pct)} % ({'pass' if f.kk_pass else 'fail' if f.kk_pass is False else '—'})", b))
        rows = [["Element", "Assigned", "C / F", "C·h/A / F cm⁻¹", "ε_r", "f_apex / Hz", "Evidence"]] + [
            [_p(a.element, sm), _p(a.assignment, sm), _p(f"{a.capacitance_F:.3g}" if a.capacitance_F else "—", sm),
             _p(f"{a.capacitance_normalised_F_per_cm:.3g}" if a.capacitance_normalised_F_per_cm else "—", sm),
             _p(f"{a.relative_permittivity:.3g}" if a.relative_permittivity else "—", sm),
             _p(f"{a.apex_frequency_Hz:.3g}" if a.apex_frequency_Hz else "—", sm), _p(a.evidence, sm)]
            for a in cert.arc_assignments]
        if cert.arc_assignments:
            out.append(_table(rows, [24 * mm, 22 * mm, 18 * mm, 22 * mm, 12 * mm, 20 * mm, 62 * mm]))
    for a in cert.arrhenius:
        out.append(_p(f"Arrhenius ({a.contribution}): E_a = result {a.activation_energy_ref}, convention "
                      f"{'σT' if a.convention == 'sigmaT' else 'σ'}, {a.n_points} points, "
                      f"{a.temperature_range_K[0]:.1f}–{a.temperature_range_K[1]:.1f} K", b))
    if cert.literature:
        out.append(_p("Comparison with the literature", s["h2"]))
        for lit in cert.literature:
            ratio = f"{lit.ratio_film_to_bulk:.3g}" if lit.ratio_film_to_bulk is not None else "—"
            bulk = f"{lit.bulk_value:.3g}" if lit.bulk_value is not None else "—"
            out.append(_p(f"{lit.result_ref} ({lit.material_class}): film {lit.film_value:.3g} {unit_text(lit.unit)}, "
                          f"bulk {bulk} {unit_text(lit.unit)}; σ_film/σ_bulk = {ratio}. {lit.source} {lit.note}", b))
    if cert.conformity:
        out.append(_p("Statements of conformity (ILAC-G8 / JCGM 106)", s["h2"]))
        for c in cert.conformity:
            out.append(_p(f"[{c.outcome.upper()}] {c.text or c.result_ref} — rule {c.decision_rule}, w = {c.guard_band:.2g}, "
                          f"k = {c.k:.2f}, {c.distribution} model", b))
    for i in cert.interpretations:
        out.append(_p(f"Opinion: {i.text} (basis: {i.basis}; {i.author})", b))
    out.append(_p("Raw data (SHA-256)", s["h2"]))
    rows = [["Id", "URI", "SHA-256"]] + [[_p(r.id, sm), _p(r.uri, sm), _p(r.sha256, sm)] for r in cert.raw_data]
    out.append(_table(rows, [22 * mm, 58 * mm, 100 * mm]) if cert.raw_data else _p("none referenced", b))
    return out


def _figures(figures: Sequence[RenderedFigure], s: dict[str, ParagraphStyle]) -> list[Any]:
    out: list[Any] = [PageBreak(), _p("Figures", s["h2"])]
    for f in figures:
        img = Image(io.BytesIO(f.png))
        scale = min(170 * mm / img.imageWidth, 110 * mm / img.imageHeight)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        out.append(KeepTogether([img, _p(f.title, s["small"]), Spacer(1, 4 * mm)]))
    return out


def render_pdf(cert: Certificate, *, figures: Sequence[RenderedFigure] | None = None, verified: bool | None = None) -> bytes:
    """The certificate as PDF bytes."""
    _register_fonts()
    s = _styles()
    figs = certificate_figures(cert) if figures is None else list(figures)
    story: list[Any] = _summary(cert, s, verified) + [PageBreak()] + _details(cert, s)
    if figs:
        story += _figures(figs, s)
    story += [_p("Statements and authorization", s["h2"]),
              _p(f"{cert.statements.scope_limitation} {cert.statements.reproduction} {cert.statements.customer_supplied_disclaimer}", s["body"])]
    story.append(_table([["Name", "Role", "Date"]] + [[a.name, a.role, str(a.date)] for a in cert.authorization], [60 * mm, 70 * mm, 50 * mm]))
    if cert.integrity:
        story.append(_p(f"Payload SHA-256 {cert.integrity.payload_sha256}; key {cert.integrity.key_fingerprint}; "
                        f"canonicalization {cert.integrity.canonicalization}", s["small"]))
    story.append(_p(f"— END OF REPORT {cert.certificate_id} —", s["end"]))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=18 * mm,
                            title=cert.title, author=cert.issuer.name, subject=cert.certificate_id, creator="ssbcert")
    canvas_cls = type("_CertCanvas", (_NumberedCanvas,), {"cert_id": cert.certificate_id})
    doc.build(story, canvasmaker=canvas_cls)
    return buf.getvalue()


def write_pdf(cert: Certificate, path: str | Path, **kwargs: Any) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(render_pdf(cert, **kwargs))
    return p
