"""Referrals and tracking links: the application records its referrer and its source."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programs.models import SourcingPlatform
from recruiting.models import Application, Referral, ReferralBonus
from recruiting.referrals import referral_link, referral_token_make
from tests.accounts.factories import LanguageFactory
from tests.contracts.factories import ContractFactory
from tests.recruiting.factories import ApplicationFactory, PostingFactory

pytestmark = pytest.mark.django_db


def _data(posting, **overrides):
    data = {
        "full_name": "Ana Reyes",
        "email": "ana@example.test",
        "country": "PH",
        "time_zone": "Asia/Manila",
        "languages": [LanguageFactory(code="en").pk],
        "rate_asked": "12.50",
        "rate_currency": "USD",
        "profile_url": "https://www.linkedin.com/in/ana",
    }
    for index, _question in enumerate(posting.screening_questions):
        data[f"answer_{index}"] = f"A specific answer number {index} about support work."
    data.update(overrides)
    return data


def _apply(client, posting, query="", **overrides):
    return client.post(f"/apply/{posting.slug}/{query}", _data(posting, **overrides))


@pytest.fixture
def referrer(posting):
    return ContractFactory(program=posting.program).freelancer


def _ref_query(posting, freelancer) -> str:
    return "?ref=" + referral_token_make(posting_id=posting.pk, freelancer_id=freelancer.pk)


def test_a_tracking_link_records_its_platform_on_the_application(client, posting):
    response = _apply(client, posting, query="?src=upwork")
    assert response.status_code == 302
    application = Application.objects.get(posting=posting)
    # Recorded from the link, not guessed from the (LinkedIn) profile link.
    assert application.source == "upwork"
    assert application.referred_by is None


@pytest.mark.parametrize(
    ("query", "source"),
    [("?src=myspace", "other"), ("?src=", "direct"), ("", "direct"), ("?src=FIVERR", "fiverr")],
)
def test_an_unknown_source_is_kept_as_other_and_no_source_is_direct(client, posting, query, source):
    assert _apply(client, posting, query=query).status_code == 302
    assert Application.objects.get(posting=posting).source == source


def test_a_referral_link_records_the_referrer_and_shows_in_my_referrals(client, posting, referrer):
    response = _apply(client, posting, query=_ref_query(posting, referrer) + "&src=upwork")
    assert response.status_code == 302
    application = Application.objects.get(posting=posting)
    assert application.referred_by == referrer
    assert application.source == "referral"
    referral = Referral.objects.get(posting=posting)
    assert (referral.referrer, referral.application, referral.full_name) == (
        referrer,
        application,
        "Ana Reyes",
    )

    client.force_login(referrer.user)
    page = client.get(reverse("recruiting:portal_referrals"))
    assert page.status_code == 200
    assert [(r.pk, stage) for r, stage in page.context["referrals"]] == [(referral.pk, "Applied")]


def test_a_forged_or_foreign_referral_token_is_ignored(client, posting, referrer):
    other_posting = PostingFactory(program=posting.program)
    tampered = _ref_query(posting, referrer)[:-2] + "xx"
    assert _apply(client, posting, query=tampered).status_code == 302
    assert (
        _apply(
            client, posting, query=_ref_query(other_posting, referrer), email="bo@example.test"
        ).status_code
        == 302
    )
    assert set(Application.objects.values_list("referred_by", "source")) == {(None, "direct")}
    assert not Referral.objects.exists()


def test_the_referral_form_records_the_referral_and_emails_the_candidate_their_link(
    client, posting, referrer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(referrer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("recruiting:portal_refer", args=[posting.pk]),
            {"full_name": "Bo Lim", "email": "Bo@Example.test", "note": "Great with angry users."},
        )
    assert response.status_code == 302
    referral = Referral.objects.get(posting=posting)
    assert (referral.email, referral.referrer, referral.application) == ("bo@example.test", referrer, None)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["bo@example.test"]
    link = referral_link(posting_slug=posting.slug, posting_id=posting.pk, freelancer_id=referrer.pk)
    assert link in mail.body and "Great with angry users." in mail.body

    # The candidate applies later without the link: still the referral of the one who invited them.
    client.logout()
    assert _apply(client, posting, email="bo@example.test", full_name="Bo Lim").status_code == 302
    application = Application.objects.get(posting=posting)
    assert (application.referred_by, application.source) == (referrer, "referral")
    referral.refresh_from_db()
    assert referral.application == application


def test_a_second_referral_of_the_same_address_counts_once_for_the_first_referrer_and_says_so(
    client, posting, referrer, mailoutbox
):
    second = ContractFactory(program=posting.program).freelancer
    client.force_login(referrer.user)
    client.post(
        reverse("recruiting:portal_refer", args=[posting.pk]),
        {"full_name": "Bo Lim", "email": "bo@example.test"},
    )
    client.force_login(second.user)
    response = client.post(
        reverse("recruiting:portal_refer", args=[posting.pk]),
        {"full_name": "Bo Lim", "email": "BO@example.test"},
    )
    assert response.status_code == 200
    assert "first referral is the one that counts" in response.context["form"].errors["email"][0]
    # Through the second freelancer's link, the first referrer still wins.
    client.logout()
    assert (
        _apply(client, posting, query=_ref_query(posting, second), email="bo@example.test").status_code == 302
    )
    assert Application.objects.get(posting=posting).referred_by == referrer
    assert list(Referral.objects.values_list("referrer", flat=True)) == [referrer.pk]


def test_referring_an_address_that_already_applied_is_refused_and_counted_once(client, posting, referrer):
    ApplicationFactory(posting=posting, email="ana@example.test")
    client.force_login(referrer.user)
    response = client.post(
        reverse("recruiting:portal_refer", args=[posting.pk]),
        {"full_name": "Ana Reyes", "email": "ana@example.test"},
    )
    assert response.status_code == 200
    assert "already applied" in response.context["form"].errors["email"][0]
    assert not Referral.objects.exists()


def test_another_freelancers_referral_and_a_posting_outside_my_programs_answer_404(client, posting, referrer):
    referral = Referral.objects.create(
        posting=posting, referrer=referrer, full_name="Bo", email="bo@example.test"
    )
    outsider = ContractFactory().freelancer  # works in another program
    client.force_login(outsider.user)
    assert client.get(reverse("recruiting:portal_referral", args=[referral.pk])).status_code == 404
    assert client.get(reverse("recruiting:portal_refer", args=[posting.pk])).status_code == 404
    page = client.get(reverse("recruiting:portal_referrals"))
    assert page.context["referrals"] == [] and page.context["postings"] == []
    client.force_login(referrer.user)
    assert client.get(reverse("recruiting:portal_referral", args=[referral.pk])).status_code == 200


def test_my_referrals_page_does_a_constant_number_of_queries(
    client, posting, referrer, django_assert_max_num_queries
):
    client.force_login(referrer.user)
    for index in range(3):
        application = ApplicationFactory(posting=posting)
        Referral.objects.create(
            posting=posting,
            referrer=referrer,
            full_name=f"C {index}",
            email=application.email,
            application=application,
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("recruiting:portal_referrals")).status_code == 200
    for index in range(5):
        Referral.objects.create(
            posting=PostingFactory(program=posting.program),
            referrer=referrer,
            full_name=f"D {index}",
            email=f"d{index}@example.test",
        )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("recruiting:portal_referrals")).status_code == 200


def test_the_posting_page_shows_one_tracking_link_per_platform(client, posting, manager):
    upwork = SourcingPlatform.objects.create(program=posting.program, kind="upwork")
    referrals = SourcingPlatform.objects.create(program=posting.program, kind="referrals")
    posting.platforms.set([upwork, referrals])
    client.force_login(manager)
    response = client.get(reverse("recruiting:posting_detail", args=[posting.pk]))
    links = response.context["tracking_links"]
    assert [(name, link.endswith(f"/apply/{posting.slug}/?src=upwork")) for name, link in links] == [
        ("Upwork", True)
    ]


def test_the_manager_sets_the_programs_referral_bonus_and_sees_its_referrals(
    client, posting, manager, referrer
):
    application = ApplicationFactory(posting=posting)
    Referral.objects.create(
        posting=posting, referrer=referrer, full_name="Bo", email=application.email, application=application
    )
    client.force_login(manager)
    url = reverse("recruiting:referral_bonus", args=[posting.program.slug])
    response = client.post(
        url, {"amount": "80.005", "currency": "USD", "after_hours": "40", "is_active": "on"}
    )
    assert response.status_code == 200  # three decimals: a field error, nothing saved
    assert not ReferralBonus.objects.exists()
    response = client.post(
        url, {"amount": "80.50", "currency": "USD", "after_hours": "40", "is_active": "on"}
    )
    assert response.status_code == 302
    bonus = ReferralBonus.objects.get(program=posting.program)
    assert (bonus.amount, bonus.currency, bonus.after_hours, bonus.is_active) == (
        Decimal("80.50"),
        "USD",
        Decimal("40.00"),
        True,
    )
    page = client.get(url)
    assert [(r.pk, stage) for r, stage in page.context["referrals"]] == [(application.referral.pk, "Applied")]


def test_another_programs_manager_gets_404_for_the_referral_page(client, posting):
    other_manager = PostingFactory().program.managers.first()
    client.force_login(other_manager)
    assert client.get(reverse("recruiting:referral_bonus", args=[posting.program.slug])).status_code == 404
