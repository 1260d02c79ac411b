"""A report as a table of cells, and that table as CSV (UTF-8 with BOM) or XLSX.

In CSV every text cell goes through `spreadsheet_safe`, so a name such as `=HYPERLINK(...)` stays
text in Excel and LibreOffice. XLSX has real types: every text cell is written as a string cell
(openpyxl would otherwise store a string starting with "=" as a formula), which no spreadsheet
evaluates, so the name is shown exactly as it is, with no apostrophe in front.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lms.csvfiles import csv_for_excel
from lms.reports.figures import Report, percent

COUNT_COLUMNS = (
    ("learners", _l("Learners")),
    ("places", _l("Learner-places")),
    ("not_started", _l("Not started")),
    ("in_progress", _l("In progress")),
    ("completed", _l("Completed")),
    ("certified", _l("Certified")),
)
FIRST_COLUMN = {"units": _l("Unit"), "classes": _l("Class"), "courses": _l("Course"), "levels": _l("Level")}
NOTE_COLUMN = {"units": _l("Unit level"), "classes": _l("Course")}


@dataclass(frozen=True)
class Table:
    """A report laid out for a file: header, rows of cells, and each row's tree depth."""

    header: list[str]
    rows: list[list[object]]
    depths: list[int]


def report_table(report: Report) -> Table:
    """Lay a report out as cells: name (and level or course), the counts, the rate in percent; a total last."""
    header = []
    if report.kind == "units":
        header.append(str(_l("Depth")))
    header.append(str(FIRST_COLUMN[report.kind]))
    if report.kind in NOTE_COLUMN:
        header.append(str(NOTE_COLUMN[report.kind]))
    header += [str(label) for _key, label in COUNT_COLUMNS] + [str(_l("Completion rate (%)"))]
    rows, depths = [], []
    for row in [*report.rows, None]:
        counts = report.total if row is None else row.counts
        cells: list[object] = []
        if report.kind == "units":
            cells.append("" if row is None else row.depth)
        label = str(_l("Total")) if row is None else row.label
        if row is not None and row.retired:
            label = f"{label} ({_l('retired')})"
        cells.append(label)
        if report.kind in NOTE_COLUMN:
            cells.append("" if row is None else row.note)
        cells += [getattr(counts, key) for key, _label in COUNT_COLUMNS]
        rate = percent(counts.rate)
        cells.append("" if rate is None else rate)
        rows.append(cells)
        depths.append(0 if row is None else row.depth)
    return Table(header, rows, depths)


def csv_bytes(table: Table, delimiter: str = ",") -> bytes:
    """The table as CSV for Excel: UTF-8 with BOM, formula-like cells neutralised."""
    return csv_for_excel(table.header, table.rows, delimiter)


def _append_row(sheet, values: list[object]) -> None:
    """Add a row: numbers as numbers, everything else as a string cell (never a formula)."""
    cells = []
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            cells.append(value)
            continue
        cell = WriteOnlyCell(sheet, "" if value is None else str(value))
        cell.data_type = "s"  # openpyxl guesses "f" (formula) for text starting with "="
        cells.append(cell)
    sheet.append(cells)


def xlsx_bytes(table: Table, sheet_title: str, name_column: int = 0) -> bytes:
    """The table as an XLSX workbook of one sheet; tree depth becomes the name cell's indent."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(sheet_title)
    _append_row(sheet, table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells, depth in zip(table.rows, table.depths, strict=True):
        _append_row(sheet, cells)
        if depth:
            sheet.cell(row=sheet.max_row, column=name_column + 1).alignment = Alignment(indent=min(depth, 15))
    for index, title in enumerate(table.header, start=1):
        width = max([len(str(title))] + [len(str(r[index - 1])) for r in table.rows]) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\ ."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in title).strip("'") or "Report"
    return cleaned[:31]


def name_column(kind: str) -> int:
    """Index of the column holding the row's name (after "Depth" in the unit report)."""
    return 1 if kind == "units" else 0
