import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recruiting.models import Application, Message, Posting, StageChange
from tests.accounts.factories import LanguageFactory
from tests.recruiting.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _docx_bytes(with_document=True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _data(posting, **overrides):
    english = LanguageFactory(code="en")
    data = {
        "full_name": "Ana Reyes",
        "email": "ana@example.test",
        "country": "PH",
        "time_zone": "Asia/Manila",
        "languages": [english.pk],
        "rate_asked": "12.50",
        "rate_currency": "USD",
        "profile_url": "https://www.upwork.com/freelancers/ana",
    }
    for index, _question in enumerate(posting.screening_questions):
        data[f"answer_{index}"] = f"A specific answer number {index} about support work."
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _apply(client, posting, **overrides):
    return client.post(f"/apply/{posting.slug}/", _data(posting, **overrides))


def test_apply_creates_the_application_records_the_stage_and_confirms_by_mail(
    client, posting, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _apply(client, posting)
    assert response.status_code == 302
    assert response.url == f"/apply/{posting.slug}/thanks/"
    application = Application.objects.get(posting=posting)
    assert application.email == "ana@example.test"
    assert application.rate_asked == Decimal("12.50")
    assert application.stage == Application.Stage.APPLIED
    assert [a["question"] for a in application.answers] == posting.screening_questions
    assert StageChange.objects.filter(application=application, to_stage="applied", from_stage="").count() == 1
    assert application.score_speed == Decimal("100.00")  # applied right after opening
    assert application.score_credibility == Decimal("40.00")  # profile link only
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana@example.test"]
    assert posting.title in mailoutbox[0].subject
    assert "Hi Ana," in mailoutbox[0].body
    assert Message.objects.get(application=application).sent_at is not None


def test_the_same_email_twice_says_the_application_exists_and_changes_nothing(client, posting, mailoutbox):
    ApplicationFactory(posting=posting, email="ana@example.test", full_name="First Try")
    response = _apply(client, posting, email="ANA@example.test", full_name="Second Try")
    assert response.status_code == 200
    assert "already applied" in response.content.decode()
    assert Application.objects.get(posting=posting).full_name == "First Try"
    assert mailoutbox == []


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"rate_asked": "0"}, "The hourly rate must be above zero."),
        ({"rate_asked": "-5"}, "The hourly rate must be above zero."),
        ({"answer_1": ""}, "Please answer this question."),
        ({"answer_3": "   "}, "Please answer this question."),
        ({"full_name": ""}, "This field is required."),
        ({"country": "Philippines"}, "2-letter code"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_saved(client, posting, overrides, field_message):
    response = _apply(client, posting, **overrides)
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not Application.objects.exists()


def test_html_in_text_fields_is_shown_escaped_to_the_manager(client, posting, manager_client):
    script = "<script>alert('x')</script>"
    client.post(f"/apply/{posting.slug}/", _data(posting, full_name=f"Eve {script}", answer_0=f"Hi {script}"))
    application = Application.objects.get()
    assert application.full_name == f"Eve {script}"
    page = manager_client.get(f"/manage/recruiting/applications/{application.pk}/").content.decode()
    assert script not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    board = manager_client.get(f"/manage/recruiting/postings/{posting.pk}/board/").content.decode()
    assert script not in board


def test_a_closed_posting_says_it_is_closed_and_takes_nothing(client, posting):
    posting.status = Posting.Status.CLOSED
    posting.save()
    response = client.get(f"/apply/{posting.slug}/")
    assert response.status_code == 200
    assert "This posting is closed" in response.content.decode()
    response = _apply(client, posting)
    assert "This posting is closed" in response.content.decode()
    assert not Application.objects.exists()


def test_draft_and_unknown_postings_are_not_found(client, posting):
    posting.status = Posting.Status.DRAFT
    posting.save()
    assert client.get(f"/apply/{posting.slug}/").status_code == 404
    assert client.get("/apply/no-such-posting/").status_code == 404


def test_a_real_pdf_is_accepted_and_stored_under_a_random_name(client, posting):
    pdf = SimpleUploadedFile("My CV.pdf", b"%PDF-1.7\n" + b"x" * 1000, content_type="application/pdf")
    response = client.post(f"/apply/{posting.slug}/", {**_data(posting), "resume": pdf})
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.resume_content_type == "application/pdf"
    assert application.resume.name.endswith(".pdf")
    assert "My CV" not in application.resume.name
    assert application.score_credibility == Decimal("70.00")  # profile link + resume


def test_a_real_docx_is_accepted(client, posting):
    docx = SimpleUploadedFile("cv.docx", _docx_bytes(), content_type="application/octet-stream")
    response = client.post(f"/apply/{posting.slug}/", {**_data(posting), "resume": docx})
    assert response.status_code == 302
    assert Application.objects.get().resume.name.endswith(".docx")


@pytest.mark.parametrize(
    "name, content",
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 500),  # an .exe renamed to .pdf
        ("cv.docx", b"%PDF-1.4 not a docx"),
        ("cv.docx", None),  # a zip without word/document.xml
        ("cv.txt", b"%PDF-1.4 right content, wrong kind"),
        ("cv.exe", b"%PDF-1.4"),
    ],
)
def test_uploads_are_checked_by_content_and_name(client, posting, name, content):
    content = _docx_bytes(with_document=False) if content is None else content
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(f"/apply/{posting.slug}/", {**_data(posting), "resume": upload})
    assert response.status_code == 200
    assert "PDF or Word (.docx)" in response.content.decode()
    assert not Application.objects.exists()


def test_a_50_mb_file_is_refused_before_it_is_read(client, posting):
    big = SimpleUploadedFile(
        "cv.pdf", b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024), content_type="application/pdf"
    )
    response = client.post(f"/apply/{posting.slug}/", {**_data(posting), "resume": big})
    assert response.status_code == 200
    assert "at most 5 MB" in response.content.decode()
    assert not Application.objects.exists()


def test_check_resume_refuses_an_oversized_upload_without_reading_it():
    from recruiting.errors import RecruitingError
    from recruiting.uploads import check_resume

    class Huge:
        name = "cv.pdf"
        size = 50 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("must not read")

        def seek(self, *args):
            raise AssertionError("must not seek")

    with pytest.raises(RecruitingError, match="5 MB"):
        check_resume(Huge())


def test_the_bot_trap_field_refuses_the_form(client, posting):
    response = _apply(client, posting, website="http://spam.example")
    assert response.status_code == 200
    assert not Application.objects.exists()


# Abuse: a burst from one client address ---------------------------------------------------------------------


def test_a_burst_from_one_address_gets_a_friendly_429_and_stores_nothing_more(client, posting, settings):
    settings.RECRUITING_APPLY_RATE = "3/10m"
    for number in range(3):
        assert _apply(client, posting, email=f"person{number}@example.test").status_code == 302
    response = _apply(client, posting, email="person3@example.test")
    assert response.status_code == 429
    assert "try again in" in response.content.decode() and posting.title in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 600
    assert Application.objects.count() == 3
    # Another address is not held back; the page itself still opens for the throttled one.
    other = client.post(
        f"/apply/{posting.slug}/", _data(posting, email="else@example.test"), REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 302 and Application.objects.count() == 4
    assert client.get(f"/apply/{posting.slug}/").status_code == 200


def test_invalid_posts_count_towards_the_throttle(client, posting, settings):
    settings.RECRUITING_APPLY_RATE = "2/10m"
    assert _apply(client, posting, email="not-an-email").status_code == 200
    assert _apply(client, posting, email="not-an-email").status_code == 200
    assert _apply(client, posting, email="fine@example.test").status_code == 429
    assert not Application.objects.exists()


def test_one_application_received_mail_per_client_address_per_posting_per_day(
    client, posting, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(3):
            assert _apply(client, posting, email=f"typed{number}@example.test").status_code == 302
    assert Application.objects.count() == 3
    assert [m.to for m in mailoutbox] == [["typed0@example.test"]]
    assert Message.objects.count() == 1  # no unsent message on the other timelines
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/apply/{posting.slug}/", _data(posting, email="other@example.test"), REMOTE_ADDR="198.51.100.7"
        )
    assert mailoutbox[-1].to == ["other@example.test"]
    # The next day the same address gets its mail again.
    from django.utils import timezone

    tomorrow = timezone.now() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    with django_capture_on_commit_callbacks(execute=True):
        assert _apply(client, posting, email="typed3@example.test").status_code == 302
    assert len(mailoutbox) == 3 and mailoutbox[-1].to == ["typed3@example.test"]
