"""The D02-LT templates a unit downloads (docs/contributions.md): an Excel workbook whose first
sheet has the Vietnamese column headers (``d02names.COLUMN_TITLES``) and whose second sheet
explains each column and each change type, and a CSV with the same header.

They are Vietnamese documents, like the paper form: the same in either language of the site.
"""

from __future__ import annotations

import io

from .d02names import COLUMN_TITLES, TYPE_WORDS
from .models import LineType

SHEET_TITLE = "D02-LT"
GUIDE_TITLE = "Hướng dẫn"
XLSX_NAME = "mau-d02-lt.xlsx"
CSV_NAME = "mau-d02-lt.csv"
TEMPLATE_ROWS = 1000  # rows of the first sheet offered the list of change types

# Column: (required, how to write it, example).
COLUMN_GUIDE = {
    "bhxh_code": ("Có", "10 chữ số (ô định dạng văn bản, giữ số 0 ở đầu).", "0123456789"),
    "full_name": (
        "Không",
        "Họ và tên người lao động, để đối chiếu khi đọc (không được kiểm tra, không lưu).",
        "Nguyễn Văn An",
    ),
    "type": (
        "Có",
        "Một trong: tăng, giảm, điều chỉnh lương, truy thu (có dấu hoặc không, chữ hoa hay "
        "thường đều được; mã tiếng Anh hire, leave, adjust_salary, correct_period cũng được).",
        "tăng",
    ),
    "from_month": (
        "Có",
        "Tháng bắt đầu áp dụng, dạng YYYY-MM; không sau kỳ báo cáo, không trước 1995-01.",
        "2026-11",
    ),
    "to_month": ("Chỉ dòng truy thu", "Tháng cuối của kỳ truy thu, dạng YYYY-MM.", "2026-09"),
    "salary": (
        "Trừ dòng giảm",
        "Tiền lương tháng đóng BHXH, số nguyên đồng (chỉ chữ số).",
        "8000000",
    ),
    "job_title": ("Không", "Chức danh, nghề hoặc công việc; tối đa 100 ký tự.", "Kế toán"),
    "schemes": (
        "Không",
        "Để trống là cả bốn loại; hoặc các tên BHXH, BHYT, BHTN, BHTNLD_BNN nối bằng |.",
        "BHXH|BHYT",
    ),
    "date_of_birth": (
        "Chỉ dòng tăng",
        "Ngày sinh của người lao động, dạng YYYY-MM-DD; phải khớp với sổ BHXH.",
        "1990-05-17",
    ),
}

TYPE_GUIDE = {
    LineType.HIRE: (
        "Tăng lao động: người lao động bắt đầu làm việc tại đơn vị từ tháng này.",
        "Mã số BHXH, Ngày sinh, Từ tháng, Mức lương",
    ),
    LineType.LEAVE: (
        "Giảm lao động: người lao động thôi việc; tháng cuối cùng là tháng trước Từ tháng.",
        "Mã số BHXH, Từ tháng (không ghi Mức lương, Chức danh, Loại bảo hiểm)",
    ),
    LineType.ADJUST_SALARY: (
        "Điều chỉnh mức lương (và chức danh, loại bảo hiểm nếu ghi) từ tháng này trở đi.",
        "Mã số BHXH, Từ tháng, Mức lương",
    ),
    LineType.CORRECT_PERIOD: (
        "Truy thu, điều chỉnh các tháng đã qua: các tháng Từ tháng – Đến tháng có đúng mức "
        "lương này; tháng còn thiếu được thêm vào.",
        "Mã số BHXH, Từ tháng, Đến tháng, Mức lương",
    ),
}

NOTES = (
    "Dòng 1 là dòng tiêu đề: giữ nguyên tên cột (có thể bỏ các cột không bắt buộc). Từ dòng "
    "2, mỗi dòng là một biến động; dòng trống được bỏ qua.",
    "Khi báo cáo bị từ chối, mỗi lỗi ghi số dòng như Excel hiển thị (dòng đầu tiên là "
    "Dòng 2) và mọi lỗi của dòng đó; không dòng nào được lưu cho đến khi sửa hết.",
    "Chỉ trang tính đầu tiên được đọc. Lưu dạng Excel Workbook (.xlsx), không dùng macro.",
)


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(list(COLUMN_TITLES.values()))
    bold = Font(bold=True)
    for index, field in enumerate(COLUMN_TITLES, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = bold
        sheet.column_dimensions[letter].width = 30 if field in ("full_name", "job_title") else 20
        # Text cells, so Excel keeps a code's leading zero and a month as typed.
        sheet.column_dimensions[letter].number_format = "#,##0" if field == "salary" else "@"
    sheet.freeze_panes = "A2"
    types = DataValidation(
        type="list",
        formula1='"' + ",".join(TYPE_WORDS.values()) + '"',
        allow_blank=True,
        showErrorMessage=False,
    )
    column = get_column_letter(list(COLUMN_TITLES).index("type") + 1)
    types.add(f"{column}2:{column}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(types)

    guide = book.create_sheet(GUIDE_TITLE)
    wrap = Alignment(wrap_text=True, vertical="top")
    guide.append(["Cột", "Bắt buộc", "Cách ghi", "Ví dụ"])
    for field, (required, how, example) in COLUMN_GUIDE.items():
        guide.append([COLUMN_TITLES[field], required, how, example])
    guide.append([])
    guide.append(["Loại biến động", "Mã (API)", "Nghĩa", "Các cột cần ghi"])
    types_header = guide.max_row
    for kind, (meaning, needs) in TYPE_GUIDE.items():
        guide.append([TYPE_WORDS[kind], kind, meaning, needs])
    guide.append([])
    for note in NOTES:
        guide.append([note])
        guide.merge_cells(
            start_row=guide.max_row, start_column=1, end_row=guide.max_row, end_column=4
        )
    for row in (1, types_header):
        for cell in guide[row]:
            cell.font = bold
    for letter, width in zip("ABCD", (18, 18, 70, 40), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows():
        for cell in row:
            cell.alignment = wrap
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    """The header line (UTF-8 with a BOM, so that Excel opens it with its diacritics)."""
    return ("\ufeff" + ",".join(COLUMN_TITLES.values()) + "\r\n").encode()
