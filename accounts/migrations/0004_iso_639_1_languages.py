"""The ISO 639-1 languages, from pycountry (the Debian iso-codes data), so a fresh install can take applications.

Adds every two-letter language that is missing; rows already there (an admin's name, regional codes such as
pt-br) are kept as they are. Safe to run again; going back removes nothing (the rows may be in use).
"""

import re

from django.db import migrations

QUALIFIER = re.compile(r"\s*\([^)]*\)$")  # "Swahili (macrolanguage)", "Modern Greek (1453-)"


def iso_639_1_languages() -> list[tuple[str, str]]:
    import pycountry

    found = []
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if code:
            name = getattr(language, "common_name", None) or QUALIFIER.sub("", language.name)
            found.append((code.lower(), name[:80]))
    return sorted(found)


def add_languages(apps, schema_editor):
    Language = apps.get_model("accounts", "Language")
    existing = {code.lower() for code in Language.objects.values_list("code", flat=True)}
    Language.objects.bulk_create(
        [Language(code=code, name=name) for code, name in iso_639_1_languages() if code not in existing]
    )


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_program_skills_capacity_bounds_legal_name_requests"),
    ]

    operations = [
        migrations.RunPython(add_languages, migrations.RunPython.noop),
    ]
