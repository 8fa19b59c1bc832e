from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]


def find_document(contract, doc_pk):
    for document in contract.documents.all():  # prefetched
        if document.pk == doc_pk:
            return document
    raise Http404("No such document.")


def document_download_response(document, *, as_text: bool) -> HttpResponse:
    """The document as a file. The .txt is the exact signed text: its SHA-256 equals the recorded hash."""
    base = f"{slugify(document.contract.program.name)}-{document.kind}-{document.contract_id}-v{document.version}"
    if as_text:
        response = HttpResponse(document.text.encode("utf-8"), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.txt"'
    else:
        body = render_to_string("contracts/document_file.html", {"document": document, "contract": document.contract})
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{base}.html"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
