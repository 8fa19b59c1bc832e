"""Channel reads for the settings page (a constant number of queries)."""

from dataclasses import dataclass

from channels.models import ZendeskUserMap
from channels.services import program_people


@dataclass(frozen=True)
class PersonRow:
    user: object
    is_freelancer: bool
    zendesk_user_id: int | None
    zendesk_name: str
    checked: bool

    @property
    def matched(self) -> bool:
        return self.zendesk_user_id is not None


def zendesk_people_table(*, program) -> list[PersonRow]:
    """Every person of the program with their Zendesk user; the unmatched (and the never checked) first."""
    maps = {row.user_id: row for row in ZendeskUserMap.objects.filter(program=program)}
    rows = []
    for person in program_people(program):
        found = maps.get(person.pk)
        rows.append(PersonRow(user=person, is_freelancer=person.is_freelancer,
                              zendesk_user_id=found.zendesk_user_id if found else None,
                              zendesk_name=found.zendesk_name if found else "", checked=found is not None))
    return sorted(rows, key=lambda r: (r.matched, r.user.email))
