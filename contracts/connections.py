"""Other ways a freelancer is connected to a program, registered by the apps that know them.

Which freelancers a manager may see (contracts.selectors.freelancer_list_for_manager) depends on
connections that live above contracts: being hired through one of the program's postings is
recruiting's business. So contracts owns the question and recruiting registers its answer at start-up
(recruiting.apps.ready), as payments does for hours worked (contracts.hours).
"""

from collections.abc import Callable

from django.db.models import QuerySet

# source(program_ids=<a queryset of program ids>) -> a values_list queryset of freelancer ids (used as a subquery)
ConnectionSource = Callable[..., QuerySet]
_sources: dict[str, ConnectionSource] = {}


def register_freelancer_connection(name: str, source: ConnectionSource) -> None:
    """Register (or replace, by name, so a reload does not add it twice) a source of connected freelancers."""
    _sources[name] = source


def connection_sources() -> list[ConnectionSource]:
    return list(_sources.values())
