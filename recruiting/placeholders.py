"""Message templates: {{ placeholder }} substitution without the template engine.

Templates are written by users, so they never reach Django's template engine (no tags,
filters or attribute lookups on user text): only known names are replaced by plain values.
"""

import re

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

PLACEHOLDERS = {
    "candidate_first_name": "The candidate's first name",
    "candidate_name": "The candidate's full name",
    "posting_title": "The posting's title",
    "program_name": "The program's name",
    "manager_name": "Your name",
    "trial_link": "The private link to the latest trial task",
    "trial_deadline": "The trial task's deadline, in the candidate's time zone",
    "apply_link": "The posting's public page",
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS})


def used_placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def render_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace each known {{ name }} by its value; anything else is left exactly as written."""

    def replace(match):
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return PLACEHOLDER.sub(replace, text or "")
