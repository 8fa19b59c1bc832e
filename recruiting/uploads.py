"""Resume uploads: PDF or DOCX, checked by their content (core.uploads), at most 5 MB."""

from core.uploads import DOCX, PDF, upload_content_type
from recruiting.errors import RecruitingError

MAX_RESUME_BYTES = 5 * 1024 * 1024
RESUME_TYPES = (PDF, DOCX)


def check_resume(upload) -> str:
    """Return the content type of a valid resume, else raise. The size is checked before reading anything."""
    size = getattr(upload, "size", None)
    if size is None or size > MAX_RESUME_BYTES:
        raise RecruitingError("The resume must be at most 5 MB.", field="resume")
    if size == 0:
        raise RecruitingError("The resume file is empty.", field="resume")
    content_type = upload_content_type(upload)
    if content_type in RESUME_TYPES:
        return content_type
    raise RecruitingError("Upload your resume as a PDF or Word (.docx) document.", field="resume")
