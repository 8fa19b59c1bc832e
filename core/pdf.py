"""HTML to PDF with WeasyPrint, for the documents people download (statements, invoices, contracts).

The HTML is one of our templates, self-contained (its CSS inline). WeasyPrint may fetch what a page refers to;
our documents refer to nothing outside themselves, so every fetch except an inline data: URL is refused — a
link someone typed into a text field can never make the server fetch it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpResponse

logger = logging.getLogger(__name__)

PDF_CONTENT_TYPE = "application/pdf"


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document (bytes starting with %PDF-)."""
    # Imported here: loading pango takes a moment, and only downloads need it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return pdf


UNAVAILABLE = (
    "PDF downloads are not available on this server right now (WeasyPrint needs the pango library). "
    "The printable page has the same content."
)


def pdf_response(pdf: bytes | Callable[[], bytes], *, filename: str) -> HttpResponse:
    """A private PDF download; given a function that makes the PDF, a server without pango answers 503 with
    why, never a 500."""
    if callable(pdf):
        try:
            pdf = pdf()
        except (
            OSError
        ):  # WeasyPrint could not load pango (cairo/harfbuzz): the machine lacks a system library
            logger.exception("core.pdf: PDF rendering is unavailable")
            return HttpResponse(UNAVAILABLE, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
