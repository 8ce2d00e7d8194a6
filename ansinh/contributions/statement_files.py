"""The C12-TS statement as files a unit keeps: a one-page A4 PDF (fpdf2, with the DejaVu Sans
font shipped in ``fonts/`` for the Vietnamese letters) and an XLSX workbook (openpyxl in
write-only mode, amounts as numbers with a thousands format). Both are drawn from one
``StatementDocument`` (``statement_doc.py``), so they state the figures of the JSON statement.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .money import dong
from .statement_doc import StatementDocument

if TYPE_CHECKING:
    from fpdf import FPDF
    from openpyxl.cell import WriteOnlyCell

FONTS = Path(__file__).resolve().parent / "fonts"
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel shows the separators of the reader's locale (dots in Vietnamese) and the unit.
MONEY_FORMAT = '#,##0 "đồng";-#,##0 "đồng"'
COUNT_FORMAT = "#,##0"
FONT = "DejaVuSans"


def _pdf_facts(pdf: FPDF, document: StatementDocument) -> None:
    facts = [
        (_("Unit"), document.unit_name),
        (_("Unit code"), document.unit_code),
        (_("BHXH office"), document.office_name),
        (_("Headcount"), str(document.headcount)),
        (_("Salary fund"), dong(document.salary_fund)),
        (_("Payment"), document.status_text),
    ]
    for label, value in facts:
        pdf.set_font(FONT, "", 10)
        pdf.cell(45, 6, f"{label}:", new_x="RIGHT", new_y="TOP")
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")


def _pdf_due(pdf: FPDF, document: StatementDocument) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 8, _("Amounts due this month, by scheme"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    headings = (_("Scheme"), _("Paid by the unit"), _("Paid by the employees"), _("Total"))
    with pdf.table(
        col_widths=(72, 36, 36, 36),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5.5,
        first_row_as_headings=True,
    ) as table:
        table.row(headings)
        for row in document.due_rows:
            label = f"{row.short} — {row.label}" if row.short else row.label
            if row.kind == "fund":
                label = f"    {label}"
            cells = (label, dong(row.employer), dong(row.employee), dong(row.total))
            if row.kind == "fund":
                pdf.set_font(FONT, "", 8)
            elif row.kind == "total":
                pdf.set_font(FONT, "B", 9)
            table.row(cells)
            pdf.set_font(FONT, "", 9)


def _pdf_balance(pdf: FPDF, document: StatementDocument) -> None:
    pdf.ln(4)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 8, _("Balance of the unit"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=(120, 60), text_align=("LEFT", "RIGHT"), line_height=6.5,
        first_row_as_headings=False,
    ) as table:  # fmt: skip
        for row in document.balance_rows:
            pdf.set_font(FONT, "B" if row.key == "carried_forward" else "", 10)
            table.row((row.label, dong(row.amount)))
    pdf.set_font(FONT, "", 8)
    pdf.ln(2)
    pdf.multi_cell(0, 4.5, document.note, new_x="LMARGIN", new_y="NEXT")


def a4_pdf(title: str) -> FPDF:
    """An A4 document (15 mm margins) with the DejaVu fonts, its first page added."""
    # fpdf2 (with fontTools) and openpyxl are imported when a file is drawn: together they are
    # ≈ 60 MiB of every web process that never draws one (bench/RESULTS.md, issue 16).
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("An Sinh")
    pdf.set_lang(get_language() or "vi")
    pdf.add_page()
    return pdf


def statement_pdf(document: StatementDocument) -> bytes:
    """One A4 page (15 mm margins): the unit, the month, the amounts due per scheme and the
    month's balance, amounts right-aligned as ``1.234.567 đồng``."""
    pdf = a4_pdf(f"{document.form_name} {document.unit_code} {document.month_text}")
    pdf.set_font(FONT, "", 9)
    top = pdf.get_y()
    pdf.cell(0, 5, _("Form %(form)s") % {"form": document.form_name}, align="R")
    pdf.set_xy(pdf.l_margin, top)
    pdf.multi_cell(130, 5, document.office_name, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(0, 7, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 7, document.period_text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _pdf_facts(pdf, document)
    pdf.ln(3)
    _pdf_due(pdf, document)
    _pdf_balance(pdf, document)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    printed = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    pdf.cell(0, 5, _("Printed by An Sinh on %(when)s.") % {"when": printed})
    return bytes(pdf.output())


def statement_xlsx(document: StatementDocument) -> bytes:
    """One sheet "C12-TS" with the same rows as the PDF; amounts are numbers (formatted
    ``#,##0 "đồng"``), so the unit's accountant can add them up."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(document.form_name)
    for column, width in zip("ABCD", (58, 22, 22, 22), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)

    def cell(value: object, *, money: bool = False, strong: bool = False) -> WriteOnlyCell:
        written = WriteOnlyCell(sheet, value=value)
        if money:
            written.number_format = MONEY_FORMAT
            written.alignment = Alignment(horizontal="right")
        elif isinstance(value, int):
            written.number_format = COUNT_FORMAT
        if strong:
            written.font = bold
        return written

    sheet.append([cell(document.title, strong=True)])
    sheet.append(
        [
            cell(document.period_text),
            None,
            None,
            cell(_("Form %(form)s") % {"form": document.form_name}),
        ]
    )
    sheet.append([])
    sheet.append([cell(_("Unit")), cell(document.unit_name, strong=True)])
    sheet.append([cell(_("Unit code")), cell(document.unit_code, strong=True)])
    sheet.append([cell(_("BHXH office")), cell(document.office_name)])
    sheet.append([cell(_("Headcount")), cell(document.headcount)])
    sheet.append([cell(_("Salary fund")), cell(document.salary_fund, money=True)])
    sheet.append([cell(_("Payment")), cell(document.status_text)])
    sheet.append([])
    sheet.append([cell(_("Amounts due this month, by scheme"), strong=True)])
    sheet.append(
        [
            cell(heading, strong=True)
            for heading in (
                _("Scheme"), _("Paid by the unit"), _("Paid by the employees"), _("Total"),
            )
        ]
    )  # fmt: skip
    for row in document.due_rows:
        label = f"{row.short} — {row.label}" if row.short else row.label
        strong = row.kind != "fund"
        sheet.append(
            [
                cell(label, strong=strong),
                cell(row.employer, money=True, strong=strong),
                cell(row.employee, money=True, strong=strong),
                cell(row.total, money=True, strong=strong),
            ]
        )
    sheet.append([])
    sheet.append([cell(_("Balance of the unit"), strong=True)])
    for balance in document.balance_rows:
        strong = balance.key == "carried_forward"
        sheet.append([cell(balance.label, strong=strong), None, None,
                      cell(balance.amount, money=True, strong=strong)])  # fmt: skip
    sheet.append([])
    sheet.append([cell(document.note)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
