from django.utils.functional import cached_property

from accounts.mixins import ManageAccessMixin
from core.scoping import not_found_in_scope
from programs.models import Program


class ProgramAccessMixin(ManageAccessMixin):
    """A /manage/ page of the program named by the URL's `program_slug` (or `slug`).

    Sets self.program: a program on whose in-house team the user is (managers and agents alike; what an
    agent may do there is the view's `agent_access`). Any other program answers 404, after the role check.
    """

    program_url_kwarg = "program_slug"
    program_related: tuple[str, ...] = ()  # one-to-one relations of the program that the page reads

    @cached_property
    def program(self) -> Program:
        from programs.selectors import program_get

        slug = self.kwargs.get(self.program_url_kwarg) or self.kwargs.get("slug")
        program = program_get(user=self.request.user, slug=slug, related=self.program_related)
        if program is None:
            raise not_found_in_scope(self.request, Program, slug=slug, message="No such program.")
        return program

    def refusal(self, request):
        refusal = super().refusal(request)
        if refusal is None:
            self.program  # noqa: B018 — resolve now so an unknown program is a 404 before any work
        return refusal

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        return context
