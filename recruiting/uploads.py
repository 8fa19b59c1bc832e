"""Resume uploads: PDF or DOCX, checked by their content, at most 5 MB."""

import zipfile

from recruiting.errors import RecruitingError

MAX_RESUME_BYTES = 5 * 1024 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def check_resume(upload) -> str:
    """Return the content type of a valid resume, else raise. The size is checked before reading anything."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_RESUME_BYTES:
        raise RecruitingError("The resume must be at most 5 MB.", field="resume")
    if size == 0:
        raise RecruitingError("The resume file is empty.", field="resume")
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if name.endswith(".pdf") and head.startswith(b"%PDF-"):
        return PDF
    if name.endswith(".docx") and head.startswith(b"PK") and _is_docx(upload):
        return DOCX
    raise RecruitingError("Upload your resume as a PDF or Word (.docx) document.", field="resume")


def _is_docx(upload) -> bool:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "word/document.xml" in names and "[Content_Types].xml" in names
