"""A D02-LT report from an Excel workbook (.xlsx), read as a stream (docs/contributions.md).

``XlsxRows`` hands the lines of the workbook's first sheet to ``ingest_report`` exactly as
``parsing.CsvRows`` hands a CSV's: ``{column: text}`` under a header row of the fields' names
or their Vietnamese titles, blank rows skipped (``row_map`` keeps where they were), a row with
cells beyond the header ``{"\\x00wrong_width": n}``. Cells become the text a clerk sees:
a date cell in a month column ``YYYY-MM`` (Excel turns a typed "2026-11" into a date), a
number in the BHXH code column its 10 digits (Excel drops the leading zero of a number).

openpyxl reads it in read-only mode (the sheet's XML parsed row by row, through defusedxml;
the shared-string table is held in memory), so the checks before it bound the work: a zip
file whose parts unpack to at most ``REPORT_MAX_XLSX_UNPACKED`` bytes in all and whose
shared-string table to at most ``REPORT_MAX_XLSX_STRINGS``, no macros, at most Excel's
1,048,576 rows. Anything else is an ``XlsxFormatError`` with a stable code.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings

from .parsing import CsvFormatError, CsvRows, RowMap, check_header, csv_rows

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and other OLE2 files)
EXCEL_MAX_ROWS = 1_048_576
_MONTH_FIELDS = ("from_month", "to_month")


class XlsxFormatError(CsvFormatError):
    """The workbook as a whole is unusable (``error.fields["xlsx"]``)."""

    field = "xlsx"


def is_workbook(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a zip (an .xlsx) or an old .xls: the two
    kinds a clerk's Excel saves, read here rather than as a CSV."""
    return head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC)


def check_archive(file: IO[bytes]) -> None:
    """Refuse what is not an .xlsx without macros, or unpacks to too much."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(OLE_MAGIC):
        raise XlsxFormatError("xls_not_supported")
    if not head.startswith(ZIP_MAGIC):
        raise XlsxFormatError("not_a_workbook")
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise XlsxFormatError("not_a_workbook")
            if any("vbaproject" in name.lower() for name in names):
                raise XlsxFormatError("macros_not_allowed")
            types = archive.getinfo("[Content_Types].xml")
            if types.file_size > 1 << 20:
                raise XlsxFormatError("not_a_workbook")
            if b"macroenabled" in archive.read(types).lower():
                raise XlsxFormatError("macros_not_allowed")
    except XlsxFormatError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise XlsxFormatError("not_a_workbook") from exc
    finally:
        file.seek(0)
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.REPORT_MAX_XLSX_UNPACKED:
        raise XlsxFormatError("workbook_too_large", f"{unpacked} bytes")
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if strings > settings.REPORT_MAX_XLSX_STRINGS:
        raise XlsxFormatError("workbook_too_large", f"shared strings: {strings} bytes")


def cell_text(field: str, value: Any) -> str:
    """A cell's value as the text of a CSV field."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}" if field in _MONTH_FIELDS else f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and field == "bhxh_code" and 0 <= value < 10**10:
        return f"{value:010d}"
    return str(value)


def _blank(cells: tuple[Any, ...] | list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


class XlsxRows:
    """The lines of the first sheet of an .xlsx ``file`` (seekable), read when iterated."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.row_map = RowMap()
        self._rows: Iterator[dict[str, str]] | None = None

    def __iter__(self) -> XlsxRows:
        return self

    def __next__(self) -> dict[str, str]:
        if self._rows is None:
            self._rows = self._read()
        return next(self._rows)

    def _sheet_rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, cell values) of the first worksheet; ``XlsxFormatError`` for a file
        openpyxl cannot read."""
        from openpyxl import load_workbook

        check_archive(self.file)
        try:
            book = load_workbook(self.file, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise XlsxFormatError("not_a_workbook") from exc
        try:
            if not book.worksheets:
                raise XlsxFormatError("not_a_workbook")
            sheet: Any = book.worksheets[0]
            sheet.reset_dimensions()  # a stated size may be wrong: read every row there is
            rows = sheet.iter_rows(values_only=True)
            number = 0
            while True:
                try:
                    cells = next(rows, None)
                except Exception as exc:  # broken XML or cells, as above
                    raise XlsxFormatError("not_a_workbook") from exc
                if cells is None:
                    return
                number += 1
                if number > EXCEL_MAX_ROWS:
                    raise XlsxFormatError("workbook_too_large", f"> {EXCEL_MAX_ROWS} rows")
                yield number, cells
        finally:
            book.close()

    def _read(self) -> Iterator[dict[str, str]]:
        rows = self._sheet_rows()
        for number, cells in rows:  # noqa: B007 - the header's row number is kept below
            if not _blank(cells):
                break
        else:
            raise XlsxFormatError("empty_csv")
        header = [cell_text("", cell).strip() for cell in cells]
        while header and not header[-1]:
            header.pop()
        try:
            columns = check_header(header)
        except CsvFormatError as exc:
            raise XlsxFormatError(exc.code, exc.detail) from None
        self.row_map.header = number
        width, lines = len(columns), 0
        for _number, cells in rows:
            if _blank(cells):
                self.row_map.blank(lines + 1)
                continue
            lines += 1
            if len(cells) > width and not _blank(cells[width:]):
                yield {"\x00wrong_width": str(len(cells))}
                continue
            texts = [cell_text(name, cell) for name, cell in zip(columns, cells, strict=False)]
            texts += [""] * (width - len(texts))
            yield dict(zip(columns, texts, strict=True))


def uploaded_rows(file: Any) -> CsvRows | XlsxRows:
    """The lines of an uploaded report file (a Django ``UploadedFile``): an Excel workbook
    (or an old .xls, refused when read) by its first bytes, else a CSV."""
    head = file.read(8)
    file.seek(0)
    if not is_workbook(head):
        return csv_rows(file.chunks())
    if file.size is not None and file.size > settings.REPORT_MAX_XLSX_BYTES:
        raise XlsxFormatError("workbook_too_large", f"{file.size} bytes")
    return XlsxRows(file)


__all__ = ["XLSX_MEDIA_TYPE", "XlsxFormatError", "XlsxRows", "is_workbook", "uploaded_rows"]
