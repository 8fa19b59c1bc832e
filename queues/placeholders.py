"""Saved replies' placeholders: the one list of names, the check on save, and the filling in.

A saved reply's text is its author's own words (a manager's, or a freelancer's suggestion), so it is never
rendered as a Django template: that would hand its author template tags, filters and every variable of the
context. `{{ name }}` (spaces inside the braces optional) is replaced by a regular expression in one pass; the
values put in are never scanned again, and nothing else in the text means anything.
"""

import re

# name -> what it becomes (shown to the people who write saved replies)
PLACEHOLDERS: dict[str, str] = {
    "customer_first_name": "the customer's first name (“there” when the helpdesk has no name)",
    "customer_name": "the customer's full name (“there” when the helpdesk has no name)",
    "freelancer_first_name": "the first name of whoever sends the reply",
    "ticket_reference": "the ticket's id in the helpdesk (else Flexdesk's #id)",
    "ticket_subject": "the ticket's subject",
    "program_name": "the program's name",
}

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def placeholders_known_text() -> str:
    """The known placeholders as they are written: "{{customer_first_name}}, {{customer_name}}, …"."""
    return ", ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS)


def placeholders_unknown(text: str) -> list[str]:
    """The placeholder names in `text` that are not known, each once, in order of appearance."""
    found: list[str] = []
    for match in PLACEHOLDER.finditer(text or ""):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def placeholders_unclosed(text: str) -> bool:
    """Whether braces are left over once the placeholders are taken out ("{{customer_first_name}"): the customer
    would get them as they are."""
    rest = PLACEHOLDER.sub("", text or "")
    return "{{" in rest or "}}" in rest


def placeholders_problem(text: str) -> str:
    """Why `text` cannot be saved as a saved reply, or "" when it can."""
    unknown = placeholders_unknown(text)
    if unknown:
        names = ", ".join(f"{{{{{name}}}}}" for name in unknown)
        what = "Unknown placeholder" if len(unknown) == 1 else "Unknown placeholders"
        return f"{what}: {names}. The known ones are {placeholders_known_text()}."
    if placeholders_unclosed(text):
        return (
            "A placeholder is not closed (write it like {{customer_first_name}}). "
            f"The known ones are {placeholders_known_text()}."
        )
    return ""


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value (an unknown one is left as it is)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text or "")


def _first_name(full_name: str) -> str:
    words = (full_name or "").split()
    return words[0] if words else ""


def placeholder_values(*, ticket, user) -> dict[str, str]:
    """What each placeholder becomes in a reply on `ticket` (a queues Ticket with its program loaded) sent by
    `user`. The customer's name comes from outside (the helpdesk); it is put in as plain text."""
    customer = " ".join((ticket.requester_name or "").split())
    sender = " ".join((getattr(user, "display_name", "") or "").split())
    if not sender:
        sender = (getattr(user, "email", "") or "").split("@")[0].replace(".", " ").title()
    return {
        "customer_first_name": _first_name(customer) or "there",
        "customer_name": customer or "there",
        "freelancer_first_name": _first_name(sender),
        "ticket_reference": ticket.external_id or f"#{ticket.pk}",
        "ticket_subject": ticket.subject,
        "program_name": ticket.program.name,
    }
