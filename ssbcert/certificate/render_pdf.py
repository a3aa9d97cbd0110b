"""PDF rendering with reportlab: a one-page summary, then annexes (A laboratory, item, methods and
equipment; B results with uncertainty budgets; C fit quality; D figures) and the end marker.

Every page carries the certificate id and "page i of n" (ISO/IEC 17025 §7.8.2.1 d: every part is
recognisable as part of one complete report, and the end is clearly identified), a DRAFT watermark
on drafts, and a notice on certificates of a fictitious laboratory. Text uses the DejaVu Sans font
that ships with matplotlib (embedded, subset), because the core PDF fonts lack σ, Ω, ≥, ε and are
not embedded. Figures are the shared SVGs turned into reportlab vector drawings: no raster image.
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
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ssbcert.certificate.build import overall_outcome
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.plots import RC, RenderedFigure, certificate_figures
from ssbcert.certificate.rl_figure import FigureFlowable
from ssbcert.certificate.view import (
    OUTCOME_COLOUR, equipment_rows, identity_lines, key_results, power_markup, result_rows, signature_status, unit_text,
)
from ssbcert.heap import long_lived_frozen

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
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName=FONT_BOLD, fontSize=13, spaceBefore=2, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=11, spaceBefore=8),
        "h3": ParagraphStyle("h3", parent=base["Heading3"], fontName=FONT_BOLD, fontSize=9.5, spaceBefore=6, spaceAfter=2),
        "banner": ParagraphStyle("banner", parent=body, fontName=FONT_BOLD, textColor=colors.white,
                                 backColor=colors.HexColor("#b3261e"), borderPadding=4, spaceAfter=6, alignment=1),
        "notice": ParagraphStyle("notice", parent=body, fontName=FONT_BOLD, textColor=colors.HexColor("#7a4a00"),
                                 backColor=colors.HexColor("#fff1d6"), borderPadding=4, spaceAfter=6, alignment=1),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7, leading=8.5),
        "cell_white": ParagraphStyle("cw", parent=body, textColor=colors.white, fontName=FONT_BOLD, alignment=1),
        "end": ParagraphStyle("end", parent=body, fontName=FONT_BOLD, fontSize=10, alignment=1, spaceBefore=14),
    }


class _NumberedCanvas(Canvas):
    """Holds pages until the end so each footer can say "page i of n"."""

    cert_id = ""
    draft = False
    notice = ""

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
            if self.notice:
                self.setFillColor(colors.HexColor("#b26a00"))
                self.drawCentredString(A4[0] / 2, 6 * mm, self.notice)
            if self.draft:
                self._watermark()
            super().showPage()
        super().save()


    def _watermark(self) -> None:
        self.saveState()
        self.setFillColor(colors.HexColor("#b3261e"))
        self.setFillAlpha(0.13)
        self.setFont(FONT_BOLD, 110)
        self.translate(A4[0] / 2, A4[1] / 2)
        self.rotate(50)
        self.drawCentredString(0, -35, "DRAFT")
        self.restoreState()


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
    """Page 1: identity, decision, key results with U and limits in the same unit, signatures."""
    overall = overall_outcome(cert.conformity)
    out: list[Any] = []
    if cert.draft:
        out.append(_p("DRAFT — issued without sign-off by a laboratory; not a valid test report", s["banner"]))
    if cert.issuer.fictitious:
        out.append(_p("FICTITIOUS LABORATORY — a demonstration certificate from simulated instruments; "
                      "not a real test report", s["notice"]))
    out.append(_p(cert.title, s["title"]))
    head = [[_p(k, s["body"]), _p(v, s["body"])] for k, v in identity_lines(cert, verified)]
    head.append([_p("Decision", s["body"]), _p(overall.upper(), s["cell_white"])])
    colour = colors.HexColor(OUTCOME_COLOUR.get(overall, "#555555"))
    out += [_table(head, [32 * mm, 148 * mm], [("BACKGROUND", (1, len(head) - 1), (1, len(head) - 1), colour)]),
            Spacer(1, 3 * mm), _p("Key results", s["h2"])]
    rows: list[list[Any]] = [["Quantity", "Value ± U", "Unit", "k", "Limit (rule)", "Outcome"]]
    extra: list[tuple[Any, ...]] = []
    for i, r in enumerate(result_rows(cert, key_results(cert)), start=1):
        label = r.label + (f" ({r.flags})" if r.flags else "")
        rows.append([_p(label, s["body"]), Paragraph(power_markup(r.value_text, "super"), s["body"]), _p(r.unit, s["body"]),
                     f"{r.k:.2f}", Paragraph(power_markup(r.limit_text, "super"), s["small"]), _p(r.outcome, s["cell_white"])])
        extra.append(("BACKGROUND", (5, i), (5, i), colors.HexColor(r.colour)))
    out += [_table(rows, [52 * mm, 38 * mm, 17 * mm, 10 * mm, 41 * mm, 22 * mm], extra), Spacer(1, 2 * mm),
            _p("U is the expanded uncertainty at ≈95 % coverage with the stated k (Student t on ν_eff). "
               "All results, budgets and methods are in the annexes. " + cert.statements.scope_limitation, s["small"])]
    reasons = [c for c in cert.conformity if c.outcome == "inconclusive" and not c.informative]
    if reasons:
        out.append(_p("Why inconclusive", s["h3"]))
        out += [_p(f"{c.result_ref}: {c.text or 'no valid result'}", s["small"]) for c in reasons]
    if cert.supersedes:
        out.append(_p(f"Supersedes {cert.supersedes.certificate_id}: {cert.supersedes.reason}", s["body"]))
    out.append(_p("Authorization", s["h3"]))
    out.append(_table([["Name", "Role", "Date", "Key"]] + [
        [_p(a.name, s["body"]), _p(a.role, s["body"]), str(a.date), _p(a.key_fingerprint or "not bound", s["small"])]
        for a in cert.authorization], [45 * mm, 50 * mm, 22 * mm, 63 * mm]))
    return out


def _annex_a(cert: Certificate, s: dict[str, ParagraphStyle]) -> list[Any]:
    """Laboratory, item, methods and the equipment table with calibration status."""
    b, sm = s["body"], s["small"]
    out: list[Any] = [_p("Annex A — Laboratory, item, methods and equipment", s["h1"])]
    it, d = cert.item, cert.dates
    acc = cert.issuer.accreditation
    info = [
        ["Issuer", f"{cert.issuer.name}, {cert.issuer.address}" + (" (fictitious)" if cert.issuer.fictitious else "")],
        ["Accreditation", f"{acc.body} no. {acc.number} {acc.scope}" if acc else "not stated"],
        ["Performed at", cert.performed_at],
        ["Customer", f"{cert.customer.name} {cert.customer.contact}"],
        ["Item", f"{it.nominal_composition}; {it.deposition_method}; on receipt: {it.condition_on_receipt or 'not stated'}; "
                 f"storage: {it.storage_atmosphere or 'not stated'}" + (" (customer-supplied description)" if it.customer_supplied_description else "")],
        ["Specimens", "; ".join(f"{sp.id}: {sp.geometry} {sp.electrodes} " + ", ".join(f"{k}={v:g}" for k, v in sp.dimensions.items())
                                for sp in it.specimens) or "—"],
        ["Dates", f"received {d.received}; tested {d.tested_from:%Y-%m-%d %H:%M} – {d.tested_to:%Y-%m-%d %H:%M}; issued {d.issued:%Y-%m-%d %H:%M}"],
    ]
    if cert.protocol:
        info.append(["Protocol", f"{cert.protocol.name} {cert.protocol.version} sha256 {cert.protocol.sha256[:16]}…"])
    out.append(_table([[_p(k, b), _p(v, b)] for k, v in info], [30 * mm, 150 * mm]))
    out.append(_p("Methods", s["h2"]))
    rows = [["Method", "Standard / version", "Deviations"]] + [
        [_p(f"{m.id}: {m.title}", sm), _p(f"{m.standard} {m.version}", sm), _p("; ".join(m.deviations) or "none", sm)] for m in cert.methods]
    out.append(_table(rows, [55 * mm, 45 * mm, 80 * mm]))
    out.append(_p("Equipment and calibration", s["h2"]))
    rows = [["Role", "Instrument (serial)", "Calibration certificate", "Calibrated", "Due", "Status"]]
    extra = []
    for i, e in enumerate(equipment_rows(cert), start=1):
        rows.append([_p(e.role, sm), _p(e.instrument, sm), _p(e.certificate, sm), e.date, e.due, _p(e.status, s["cell_white"])])
        extra.append(("BACKGROUND", (5, i), (5, i), colors.HexColor(e.colour)))
    out.append(_table(rows, [22 * mm, 58 * mm, 42 * mm, 19 * mm, 19 * mm, 20 * mm], extra) if len(rows) > 1
               else _p("no instrument recorded (imported data)", b))
    return out


def _annex_b(cert: Certificate, s: dict[str, ParagraphStyle]) -> list[Any]:
    """Every result with u, U, ν_eff, method and the GUM budget; conformity statements; literature."""
    b, sm = s["body"], s["small"]
    out: list[Any] = [_p("Annex B — Results and uncertainty budgets", s["h1"])]
    rows = [["Result", "Value ± U", "Unit", "k", "ν_eff", "Method and budget"]]
    for r, row in zip(cert.results, result_rows(cert)):
        budget = "; ".join(f"{e.input} {e.contribution:.2g}" for e in r.budget)
        rows.append([_p(row.label + (f" ({row.flags})" if row.flags else ""), sm), Paragraph(power_markup(row.value_text, "super"), sm),
                     _p(row.unit, sm), f"{r.k:.2f}", _p("∞" if r.dof is None else f"{r.dof:.0f}", sm),
                     _p(r.method + (f" — budget: {budget}" if budget else ""), sm)])
    out.append(_table(rows, [42 * mm, 34 * mm, 16 * mm, 10 * mm, 12 * mm, 66 * mm]))
    for a in cert.arrhenius:
        out.append(_p(f"Arrhenius ({a.contribution}): E_a = result {a.activation_energy_ref}, convention "
                      f"{'σT' if a.convention == 'sigmaT' else 'σ'}, {a.n_points} points, "
                      f"{a.temperature_range_K[0]:.1f}–{a.temperature_range_K[1]:.1f} K", b))
    if cert.conformity:
        out.append(_p("Statements of conformity (ILAC-G8 / JCGM 106)", s["h2"]))
        for c in cert.conformity:
            out.append(_p(f"[{c.outcome.upper()}] {c.text or c.result_ref} — rule {c.decision_rule}, w = {c.guard_band:.2g}, "
                          f"k = {c.k:.2f}, {c.distribution} model", sm))
    if cert.literature:
        out.append(_p("Comparison with the literature", s["h2"]))
        for lit in cert.literature:
            ratio = f"{lit.ratio_film_to_bulk:.3g}" if lit.ratio_film_to_bulk is not None else "—"
            bulk = f"{lit.bulk_value:.3g}" if lit.bulk_value is not None else "—"
            out.append(_p(f"{lit.result_ref} ({lit.material_class}): film {lit.film_value:.3g} {unit_text(lit.unit)}, "
                          f"bulk {bulk} {unit_text(lit.unit)}; σ_film/σ_bulk = {ratio}. {lit.source} {lit.note}", sm))
    for i in cert.interpretations:
        out.append(_p(f"Opinion: {i.text} (basis: {i.basis}; {i.author})", b))
    return out


def _annex_c(cert: Certificate, s: dict[str, ParagraphStyle]) -> list[Any]:
    """Fit quality and Kramers–Kronig per spectrum, and the evidence for each arc's assignment."""
    sm = s["small"]
    out: list[Any] = [_p("Annex C — Fit quality, Kramers–Kronig and arc assignment", s["h1"])]
    rows = [["Spectrum", "Circuit", "χ²", "residual RMS / %", "KK max / %", "KK"]] + [
        [_p(f.label or f.spectrum_ref, sm), _p(f.circuit, sm), _num3(f.chi_square), _num3(f.residual_rms_pct),
         _num3(f.kk_residual_max_pct), "pass" if f.kk_pass else "fail" if f.kk_pass is False else "—"]
        for f in cert.fit_quality]
    out.append(_table(rows, [40 * mm, 62 * mm, 18 * mm, 24 * mm, 20 * mm, 16 * mm]) if cert.fit_quality
               else _p("no impedance spectra", s["body"]))
    for f in cert.fit_quality:
        if f.stationarity:
            out.append(_p(f"Stationarity: {f.stationarity}", sm))
        if f.weighting:
            out.append(_p(f"Weighting ({f.label or f.spectrum_ref}): {f.weighting}", sm))
    if cert.arc_assignments:
        out.append(_p("Bulk / grain-boundary assignment", s["h2"]))
        rows = [["Element", "Assigned", "C / F", "C·h/A / F cm⁻¹", "ε_r", "f_apex / Hz", "Evidence"]] + [
            [_p(a.element, sm), _p(a.assignment, sm), _num3(a.capacitance_F), _num3(a.capacitance_normalised_F_per_cm),
             _num3(a.relative_permittivity), _num3(a.apex_frequency_Hz), _p(a.evidence, sm)]
            for a in cert.arc_assignments]
        out.append(_table(rows, [24 * mm, 22 * mm, 18 * mm, 22 * mm, 12 * mm, 20 * mm, 62 * mm]))
    out.append(_p("Raw data (SHA-256)", s["h2"]))
    rows = [["Id", "URI", "SHA-256"]] + [[_p(r.id, sm), _p(r.uri, sm), _p(r.sha256, sm)] for r in cert.raw_data]
    out.append(_table(rows, [22 * mm, 58 * mm, 100 * mm]) if cert.raw_data else _p("none referenced", s["body"]))
    return out


def _num3(v: float | None) -> str:
    """Three significant digits (fit statistics, capacitances): enough to compare, no false precision."""
    return "—" if v is None else f"{v:.3g}"


def _annex_d(figures: Sequence[RenderedFigure], s: dict[str, ParagraphStyle]) -> list[Any]:
    out: list[Any] = [_p("Annex D — Figures", s["h1"])]
    for f in figures:
        if f.drawing is None:
            raise ValueError(f"figure {f.key!r} carries no recorded drawing; build it with certificate_figures")
        flow = FigureFlowable(f.drawing, 175 * mm, 115 * mm, FONT, FONT_BOLD)
        out.append(KeepTogether([flow, _p(f.title, s["small"]), Spacer(1, 4 * mm)]))
    return out


@long_lived_frozen()
def render_pdf(cert: Certificate, *, figures: Sequence[RenderedFigure] | None = None, verified: bool | None = None) -> bytes:
    """The certificate as PDF bytes. Pass ``figures`` to reuse the SVGs drawn for the HTML."""
    _register_fonts()
    s = _styles()
    figs = certificate_figures(cert) if figures is None else list(figures)
    story: list[Any] = _summary(cert, s, verified) + [PageBreak()] + _annex_a(cert, s) + [PageBreak()] + _annex_b(cert, s)
    story += [PageBreak()] + _annex_c(cert, s)
    if figs:
        story += [PageBreak()] + _annex_d(figs, s)
    story += [_p("Statements", s["h2"]),
              _p(f"{cert.statements.scope_limitation} {cert.statements.reproduction} {cert.statements.customer_supplied_disclaimer}", s["body"])]
    if cert.integrity:
        story.append(_p(f"Payload SHA-256 {cert.integrity.payload_sha256}; key {cert.integrity.key_fingerprint}; "
                        f"canonicalization {cert.integrity.canonicalization}", s["small"]))
    story.append(_p(f"— END OF REPORT {cert.certificate_id} —", s["end"]))
    buf = io.BytesIO()
    # reportlab's default initial font is Helvetica, which is never embedded: start in DejaVu
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=18 * mm,
                            title=("DRAFT " if cert.draft else "") + cert.title, author=cert.issuer.name,
                            subject=cert.certificate_id, creator="ssbcert", initialFontName=FONT, initialFontSize=8.5)
    notice = "Fictitious laboratory: demonstration certificate, not a real test report" if cert.issuer.fictitious else ""
    canvas_cls = type("_CertCanvas", (_NumberedCanvas,), {"cert_id": cert.certificate_id, "draft": cert.draft, "notice": notice})
    with matplotlib.rc_context(RC):
        doc.build(story, canvasmaker=canvas_cls)
    return buf.getvalue()


def write_pdf(cert: Certificate, path: str | Path, **kwargs: Any) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(render_pdf(cert, **kwargs))
    return p
