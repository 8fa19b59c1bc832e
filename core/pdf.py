"""HTML to PDF with WeasyPrint, for the documents people download (statements, invoices, contracts).

The HTML is one of our templates, self-contained (its CSS inline). WeasyPrint may fetch what a page refers to;
our documents refer to nothing outside themselves, so every fetch except an inline data: URL is refused — a
link someone typed into a text field can never make the server fetch it.
"""

from __future__ import annotations

from django.http import HttpResponse

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


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    """A private PDF download."""
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
