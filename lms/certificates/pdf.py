"""The certificate as a PDF: A4 landscape, Noto Sans embedded, a QR code to its verification page.

The fonts ship with the application (fonts/, SIL Open Font License) so every Vietnamese letter
prints the same on any server, whatever fonts the machine has. reportlab embeds the subset it
uses with a Unicode map, so the text can be searched and copied from the PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from lms.certificates.issuing import PrintedFacts, format_hours
from lms.text import clean_name

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "NotoSans"
BOLD = "NotoSans-Bold"
RED = Color(0.70, 0.15, 0.12)
GREY = Color(0.36, 0.40, 0.44)
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)


@dataclass(frozen=True)
class Document:
    """Everything printed on one certificate besides its facts."""

    facts: PrintedFacts
    serial: str
    issuer: str
    verify_url: str
    issued_on: date


def _register_fonts() -> None:
    """Register the vendored fonts once per process."""
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "NotoSans-Regular.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "NotoSans-Bold.ttf")))


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _fitted_size(text: str, font: str, size: float, width: float, smallest: float = 12) -> float:
    """The largest size up to `size` at which the text fits the width (a long name shrinks)."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _centred(canvas: Canvas, text: str, y: float, font: str, size: float, width: float, color=black) -> None:
    size = _fitted_size(text, font, size, width)
    canvas.setFont(font, size)
    canvas.setFillColor(color)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, text)


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, side: float) -> None:
    """Draw the QR code of the URL as vector squares, `side` wide, bottom-left at (x, y)."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    count = len(matrix) + 8  # the quiet zone of four modules on each side
    cell = side / count
    canvas.setFillColor(Color(1, 1, 1))
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.setFillColor(black)
    path = canvas.beginPath()
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                path.rect(x + (col + 4) * cell, y + side - (row + 5) * cell, cell, cell)
    canvas.drawPath(path, stroke=0, fill=1)


def certificate_pdf(document: Document) -> bytes:
    """Render one certificate and return the PDF's bytes."""
    _register_fonts()
    facts = document.facts
    buffer = io.BytesIO()
    width, height = PAGE_WIDTH, PAGE_HEIGHT
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1, invariant=1)
    canvas.setTitle(f"Chứng chỉ {document.serial} — {clean_name(facts.recipient_name)}")
    canvas.setAuthor(document.issuer)
    canvas.setSubject(facts.course_title)
    text_width = width - 60 * mm

    canvas.setStrokeColor(RED)
    canvas.setLineWidth(3)
    canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)

    # The issuing authority on the left, the national motto on the right, as on official papers.
    canvas.setFillColor(black)
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(75 * mm, height - 27 * mm, document.issuer.upper()[:60])
    canvas.drawCentredString(width - 80 * mm, height - 27 * mm, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    canvas.setFont(BOLD, 10.5)
    canvas.drawCentredString(width - 80 * mm, height - 33 * mm, "Độc lập - Tự do - Hạnh phúc")

    _centred(canvas, "CHỨNG CHỈ", height - 58 * mm, BOLD, 34, text_width, RED)
    _centred(canvas, "CERTIFICATE OF COMPLETION", height - 66 * mm, REGULAR, 12, text_width, GREY)
    _centred(canvas, "Chứng nhận Ông/Bà · This is to certify that", height - 80 * mm, REGULAR, 13, text_width)
    _centred(canvas, clean_name(facts.recipient_name), height - 95 * mm, BOLD, 30, text_width)
    if facts.unit_name:
        _centred(canvas, f"Đơn vị công tác · Unit: {facts.unit_name}", height - 106 * mm, REGULAR, 13, text_width)
    _centred(
        canvas, "đã hoàn thành khóa bồi dưỡng · has completed the course", height - 118 * mm, REGULAR, 13, text_width
    )
    _centred(canvas, facts.course_title, height - 130 * mm, BOLD, 19, text_width)

    period = " – ".join(d for d in (_day(facts.starts_on), _day(facts.ends_on)) if d)
    details = [f"Lớp · Class: {facts.class_name}"]
    if period:
        details.append(f"Thời gian học · Dates: {period}")
    details.append(f"Hoàn thành ngày · Completed on: {_day(facts.completed_on)}")
    if facts.minutes:
        details.append(f"Thời lượng · Study time: {format_hours(facts.minutes)} giờ (hours)")
    y = height - 142 * mm
    for line in details:
        _centred(canvas, line, y, REGULAR, 12, text_width)
        y -= 6.5 * mm

    qr_side = 34 * mm
    _draw_qr(canvas, document.verify_url, 22 * mm, 22 * mm, qr_side)
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 9)
    canvas.drawString(60 * mm, 36 * mm, f"Số hiệu · Serial: {document.serial}")
    canvas.drawString(60 * mm, 31 * mm, "Xác minh · Verify:")
    canvas.setFont(REGULAR, 8)
    canvas.drawString(60 * mm, 26.5 * mm, document.verify_url)

    canvas.setFillColor(black)
    canvas.setFont(REGULAR, 11)
    canvas.drawCentredString(width - 75 * mm, 34 * mm, f"Ngày cấp · Issued on {_day(document.issued_on)}")
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(width - 75 * mm, 27 * mm, document.issuer[:70])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
