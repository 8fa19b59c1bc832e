"""The <program:…> path converter: a program's slug, never one of the words the programs app reserves.

/manage/programs/<slug>/ is the program's own page (the dashboard's view), and /manage/programs/new/ is the
programs app's create page. With this converter the first pattern cannot match "new", so the two never compete
for a path and no include order in config/urls.py decides which view answers (docs/adr/0024-url-prefixes.md).
The reserved words are programs.services.RESERVED_SLUGS, which the create and edit forms refuse as slugs.
"""

import re

from django.urls import register_converter

from programs.services import RESERVED_SLUGS


class ProgramSlugConverter:
    # A slug (as Django's <slug:>), unless the whole segment is a reserved word ("new-york" is a slug).
    regex = "(?!(?:{})(?:/|$))[-a-zA-Z0-9_]+".format(
        "|".join(re.escape(word) for word in sorted(RESERVED_SLUGS))
    )

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ProgramSlugConverter, "program")
