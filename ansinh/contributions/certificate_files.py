"""The participation certificate as a PDF (fpdf2, DejaVu Sans): the person, the totals and
the periods per scheme, and the signed QR that makes it a certificate (verified offline with
the card's public keys, or online on the portal's verify page)."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.utils.translation import gettext as _

from ansinh.cards.services import QR_QUIET_ZONE

from .certificates import history_of
from .models import ParticipationCertificate, Scheme
from .money import dong
from .statement_files import FONT, a4_pdf

QR_MM = 45


def _scheme(pdf: Any, label: str, part: dict[str, Any]) -> None:
    pdf.set_font(FONT, "B", 11)
    months = _("%(n)d months") % {"n": part["total_months"]}
    pdf.cell(0, 7, f"{label}: {months}", new_x="LMARGIN", new_y="NEXT")
    if not part["periods"]:
        pdf.set_font(FONT, "", 9)
        pdf.cell(0, 5, _("No period."), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=(18, 18, 62, 36, 30, 16),
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
        line_height=4.5,
        first_row_as_headings=True,
    ) as table:
        table.row((_("From"), _("To"), _("Unit"), _("Job title"), _("Salary"), _("Status")))
        for period in part["periods"]:
            table.row(
                (
                    period["from"],
                    period["to"],
                    f"{period['unit_code']} {period['unit_name']}",
                    period["job_title"],
                    dong(period["salary"]),
                    period["status"],
                )
            )
    pdf.ln(2)


def certificate_pdf(certificate: ParticipationCertificate) -> bytes:
    history = history_of(certificate)
    pdf = a4_pdf(f"C14-TS {history['bhxh_code']} {history['issued']}")
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(
        0, 7, _("CERTIFICATE OF PARTICIPATION IN SOCIAL INSURANCE, HEALTH INSURANCE AND "
                "UNEMPLOYMENT INSURANCE"), align="C", new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.ln(2)
    top = pdf.get_y()
    facts = (
        (_("Full name"), history["full_name"]),
        (_("Date of birth"), history["date_of_birth"]),
        (_("BHXH code"), history["bhxh_code"]),
        (_("Issued on"), history["issued"]),
        (_("Certificate number"), history["serial"]),
    )
    for label, value in facts:
        pdf.set_font(FONT, "", 10)
        pdf.cell(40, 6, f"{label}:", new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, "B", 10)
        pdf.cell(85, 6, value, new_x="LMARGIN", new_y="NEXT")
    png = io.BytesIO()
    segno.make(certificate.payload, error="m", micro=False).save(
        png, kind="png", scale=4, border=QR_QUIET_ZONE
    )
    pdf.image(png, x=pdf.w - pdf.r_margin - QR_MM, y=top, w=QR_MM)
    pdf.set_y(max(pdf.get_y(), top + QR_MM) + 3)
    for scheme in Scheme:
        _scheme(pdf, str(scheme.label), history["schemes"][scheme.value])
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(
        0, 4, _("This certificate is valid through its QR code, signed by BHXH: scan it on the "
                "An Sinh verify page, or verify it offline with the published public keys."),
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    return bytes(pdf.output())
