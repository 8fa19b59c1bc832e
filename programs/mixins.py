from django.http import Http404
from django.utils.functional import cached_property

from accounts.mixins import ManagerRequiredMixin
from programs.models import Program


class ProgramManagerRequiredMixin(ManagerRequiredMixin):
    """A manager of the program named by the URL's `program_slug` (or `slug`).

    Sets self.program. A program the user does not manage answers 404.
    """

    program_url_kwarg = "program_slug"

    @cached_property
    def program(self) -> Program:
        from programs.selectors import program_get

        slug = self.kwargs.get(self.program_url_kwarg) or self.kwargs.get("slug")
        program = program_get(user=self.request.user, slug=slug)
        if program is None:
            raise Http404("No such program.")
        return program

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_inhouse:
            self.program  # noqa: B018 — resolve now so an unknown program is a 404 before any work
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        return context
