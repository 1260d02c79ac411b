"""The PDF: the name comes back from the text with its diacritics; the QR code decodes to the URL."""

from datetime import date

import pypdfium2 as pdfium
import pytest
import zxingcpp

from lms.certificates.issuing import PrintedFacts
from lms.certificates.pdf import Document, certificate_pdf

URL = "https://lms.example.gov.vn/verify/Zx9_-abcdefghijklmnopqrstuvwxyz0"


def read_pdf(data: bytes):
    """(page size in points, extracted text, QR texts) of a one-page PDF."""
    document = pdfium.PdfDocument(data)
    try:
        assert len(document) == 1
        page = document[0]
        size = page.get_size()
        textpage = page.get_textpage()
        text = textpage.get_text_bounded()
        bitmap = page.render(scale=2)
        image = bitmap.to_pil()
        codes = [r.text for r in zxingcpp.read_barcodes(image)]
        for item in (bitmap, textpage, page):
            item.close()
    finally:
        document.close()
    return size, text, codes


def facts(name: str, **kwargs) -> PrintedFacts:
    values = {
        "unit_name": "Phường Bến Thành",
        "course_title": "Cải cách hành chính cơ bản",
        "class_name": "Lớp CCHC-01",
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 4, 30),
        "completed_on": date(2026, 4, 20),
        "minutes": 750,
    }
    return PrintedFacts(recipient_name=name, **{**values, **kwargs})


def render(name: str, **kwargs) -> bytes:
    return certificate_pdf(
        Document(facts(name, **kwargs), "CCHC-2026-000123", "Sở Nội vụ Thành phố Hồ Chí Minh", URL, date(2026, 4, 21))
    )


@pytest.mark.parametrize("name", ["Nguyễn Thị Hồng Ánh", "Trần Văn Đức", "Lê Thị Ngọc Hương", "Phạm Ưng Ỷ"])
def test_name_and_facts_come_back_with_diacritics(name):
    data = render(name)
    assert data.startswith(b"%PDF")
    (width, height), text, codes = read_pdf(data)
    assert round(width) == 842 and round(height) == 595  # A4 landscape, in points
    lines = [line.strip() for line in text.splitlines()]
    assert name in lines
    for fact in (
        "Cải cách hành chính cơ bản",
        "CCHC-2026-000123",
        "Phường Bến Thành",
        "Lớp CCHC-01",
        "01/03/2026",
        "30/04/2026",
        "12,5",
        "Sở Nội vụ Thành phố Hồ Chí Minh",
    ):
        assert fact in text
    assert codes == [URL]


def test_a_very_long_name_shrinks_to_fit_and_stays_whole():
    name = "Tôn Nữ Thị " + "Hoàng Phương " * 6 + "Thảo"
    _size, text, codes = read_pdf(render(name))
    assert name in text
    assert codes == [URL]


def test_a_formula_like_name_is_printed_as_text():
    name = '=HYPERLINK("http://x")'
    _size, text, _codes = read_pdf(render(name, unit_name="", starts_on=None, ends_on=None, minutes=0))
    assert name in text
