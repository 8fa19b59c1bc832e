"""The ISO 639-1 languages are there on a fresh install (a data migration from pycountry), so candidates can apply.

Tests run with --no-migrations, so each test runs the migration's function on the empty table itself."""

import importlib

import pytest
from django.apps import apps

from accounts.models import Language

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0004_iso_639_1_languages")


def test_a_fresh_database_has_every_iso_639_1_language_by_its_english_name():
    assert not Language.objects.exists()
    migration.add_languages(apps, None)
    names = dict(Language.objects.values_list("code", "name"))
    assert len(names) >= 180
    assert {code: names[code] for code in ("en", "es", "tl", "pl", "zu", "sw", "el")} == {
        "en": "English",
        "es": "Spanish",
        "tl": "Tagalog",
        "pl": "Polish",
        "zu": "Zulu",
        "sw": "Swahili",
        "el": "Modern Greek",  # "(macrolanguage)", "(1453-)" left out
    }
    assert all(len(code) == 2 and code.islower() for code in names)


def test_loading_again_keeps_existing_rows_and_adds_only_what_is_missing():
    migration.add_languages(apps, None)
    Language.objects.filter(code="en").update(name="English (house name)")
    Language.objects.create(code="pt-br", name="Brazilian Portuguese")
    Language.objects.filter(code="zu").delete()
    before = Language.objects.count()

    migration.add_languages(apps, None)
    migration.add_languages(apps, None)  # idempotent

    assert Language.objects.count() == before + 1
    assert Language.objects.get(code="zu").name == "Zulu"
    assert Language.objects.get(code="en").name == "English (house name)"
    assert Language.objects.get(code="pt-br").name == "Brazilian Portuguese"


def test_the_application_form_offers_the_languages(client):
    from tests.recruiting.factories import PostingFactory

    migration.add_languages(apps, None)
    posting = PostingFactory()
    page = client.get(f"/apply/{posting.slug}/")
    assert page.status_code == 200
    assert "Tagalog" in page.content.decode() and "Swahili" in page.content.decode()
