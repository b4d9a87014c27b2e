"""Shared ReportLab pieces for Recaudo's PDF documents (statements, agreements, interest liquidations): the A4
page with its margins, "page N of M" footers and the style of tables with a header row and a totals row."""

from __future__ import annotations

from collections.abc import Callable


def a4_document(buffer, *, title: str, author: str, compress: bool = True):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    return SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                             bottomMargin=18 * mm, title=title, author=author, pageCompression=1 if compress else 0)


def numbered_canvas(page_label: Callable[[int, int], str], footer: str):
    """A canvas class (for doc.build(canvasmaker=...)) that prints `footer` on the left and
    page_label(page, pages) on the right of every page, once the total number of pages is known."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdfcanvas

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved = []

        def showPage(self):  # noqa: N802 (ReportLab API)
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.setFillColor(colors.grey)
                self.drawRightString(A4[0] - 15 * mm, 10 * mm, page_label(self._pageNumber, total))
                self.drawString(15 * mm, 10 * mm, footer)
                super().showPage()
            super().save()

    return NumberedCanvas


def totals_table_style(first_numeric_column: int, *extra):
    """Small font, shaded bold header row, bold totals row, numbers right-aligned from the given column."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle([
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
        ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.grey),
        ("ALIGN", (first_numeric_column, 0), (-1, -1), "RIGHT"),
        *extra,
    ])
