"""Reading CSV files that people make in Excel: UTF-8 with or without BOM, line numbers kept."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from lms.refusals import N_, Problem, Refused
from lms.turns import taking_turns


@dataclass(frozen=True)
class CsvRow:
    """One data row with the file line it started on."""

    line: int
    values: dict[str, str]


def read_csv_rows(data: bytes, required: set[str], optional: set[str]) -> list[CsvRow]:
    """Decode and parse a CSV file, checking its header against the allowed columns.

    A file that cannot be read as a whole is `Refused`, with the line where it goes wrong.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Refused(Problem(N_("the file is not UTF-8 text; save it as 'CSV UTF-8'")), line=line) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise Refused(Problem(N_("the file is empty")), line=1)
    missing = required - set(header)
    unknown = set(header) - required - optional
    if missing:
        raise Refused(Problem(N_("missing column(s): %(columns)s"), columns=", ".join(sorted(missing))), line=1)
    if unknown:
        raise Refused(Problem(N_("unknown column(s): %(columns)s"), columns=", ".join(sorted(unknown))), line=1)
    reader.fieldnames = header
    rows = []
    line = reader.line_num
    try:
        for record in taking_turns(reader):  # a large file is read while other requests keep running
            if None in record:
                raise Refused(Problem(N_("more values than columns")), line=line + 1)
            values = {k: (v or "").strip() for k, v in record.items()}
            if any(values.values()):
                rows.append(CsvRow(line + 1, values))
            line = reader.line_num
    except csv.Error as exc:
        raise Refused(Problem(N_("malformed CSV: %(error)s"), error=str(exc)), line=line + 1) from None
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """Keep a cell from being read as a formula by Excel or LibreOffice."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# The CSV downloads offered: `?format=csv` separates with commas; `?format=csv-semicolon` with
# semicolons, which is what Excel expects where the decimal separator is a comma (Vietnamese
# regional settings), so a double-click opens it in columns. Numbers stay machine-readable in both.
CSV_FORMATS = {"csv": ",", "csv-semicolon": ";"}


def csv_for_excel(header: list[str], rows, delimiter: str = ",") -> bytes:
    """CSV that Excel opens with the right accents (UTF-8 with BOM), formula cells escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")
