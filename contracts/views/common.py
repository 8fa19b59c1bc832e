from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify

from contracts.models import Contract, ContractDocument, ContractRating
from core.pdf import html_to_pdf, pdf_response
from core.scoping import not_found_in_scope


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def find_document(request, contract, doc_pk):
    for document in contract.documents.all():  # prefetched
        if document.pk == doc_pk:
            return document
    raise not_found_in_scope(request, ContractDocument, pk=doc_pk, message="No such document.")


def document_download_response(document, *, as_text: bool, as_pdf: bool = False) -> HttpResponse:
    """The document as a file. The .txt is the exact signed text: its SHA-256 equals the recorded hash; the PDF
    is the printable HTML file through WeasyPrint (core.pdf)."""
    base = f"{slugify(document.contract.program.name)}-{document.kind}-{document.contract_id}-v{document.version}"
    if as_pdf:
        body = render_to_string(
            "contracts/document_file.html", {"document": document, "contract": document.contract}
        )
        return pdf_response(lambda: html_to_pdf(body), filename=f"{base}.pdf")
    if as_text:
        response = HttpResponse(document.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.txt"'
    else:
        body = render_to_string(
            "contracts/document_file.html", {"document": document, "contract": document.contract}
        )
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.html"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def rating_download_response(*, rating: ContractRating, contract: Contract, as_text: bool) -> HttpResponse:
    """The rating and testimonial as a file the freelancer keeps: printable HTML, or plain text."""
    base = f"{slugify(contract.program.name)}-rating-{contract.pk}"
    context = {"rating": rating, "contract": contract}
    if as_text:
        body = render_to_string("contracts/rating_file.txt", context)
        response = HttpResponse(body.encode("utf-8"), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.txt"'
    else:
        body = render_to_string("contracts/rating_file.html", context)
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.html"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
