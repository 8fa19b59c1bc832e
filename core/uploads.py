"""The one rule for files people send us (résumés, e-mail attachments): what a file is, judged by its content.

A file is accepted only when its name says one of the types below and its bytes are that type: a PDF starts
with %PDF-, a Word document is a zip holding word/document.xml, a picture has its format's signature, a text or
CSV file is text (no NUL bytes, readable as UTF-8 or Windows-1252). Whatever the name, a program, an archive or
an HTML page is refused. Callers add their own narrower list and size (a résumé: PDF or Word, 5 MB).
"""

from __future__ import annotations

import mimetypes
import os
import zipfile

from core.errors import DomainError

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
TEXT = "text/plain"
CSV = "text/csv"

TYPE_BY_EXTENSION = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".gif": GIF,
    ".txt": TEXT,
    ".csv": CSV,
}
ALLOWED_LABEL = "PDF, Word (.docx), PNG, JPEG, GIF, plain text or CSV"


class UploadRefused(DomainError):
    """A file that is not one of the accepted types, is empty, or is too large."""


def upload_content_type(upload) -> str | None:
    """The content type of `upload` (a Django File: name, size, seek, read) when its content is what its name
    says and one of TYPE_BY_EXTENSION; else None. Reads only the first bytes, except for text (all of it)."""
    name = (getattr(upload, "name", "") or "").lower()
    expected = TYPE_BY_EXTENSION.get(os.path.splitext(name)[1])
    if expected is None:
        return None
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if expected == PDF:
        ok = head.startswith(b"%PDF-")
    elif expected == DOCX:
        ok = head.startswith(b"PK") and _is_docx(upload)
    elif expected == PNG:
        ok = head.startswith(b"\x89PNG\r\n\x1a\n")
    elif expected == JPEG:
        ok = head.startswith(b"\xff\xd8\xff")
    elif expected == GIF:
        ok = head.startswith((b"GIF87a", b"GIF89a"))
    else:
        ok = _is_text(upload)
    return expected if ok else None


def upload_check(upload, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> str:
    """The content type of an acceptable file, else UploadRefused saying why. The size is checked first."""
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise UploadRefused(f"it is larger than {max_bytes // (1024 * 1024)} MB", code="too_big")
    if size == 0:
        raise UploadRefused("it is empty", code="empty")
    content_type = upload_content_type(upload)
    if content_type is None:
        raise UploadRefused(f"only {ALLOWED_LABEL} files are accepted, checked by their content", code="type")
    return content_type


def filename_for(filename: str, content_type: str) -> str:
    """A name for a file that came without one (an inline picture): "attachment" with its type's extension."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()
    if filename:
        return filename[:255]
    extension = (
        {JPEG: ".jpg", TEXT: ".txt"}.get(content_type) or mimetypes.guess_extension(content_type or "") or ""
    )
    return f"attachment{extension}"


def _is_docx(upload) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "word/document.xml" in names and "[Content_Types].xml" in names


def _is_text(upload) -> bool:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not any(ord(char) < 32 and char not in "\t\n\r\f" for char in text)
