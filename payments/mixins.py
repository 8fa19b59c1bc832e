from accounts.mixins import FreelancerRequiredMixin, SupportManagerRequiredMixin
from core.scoping import not_found_in_scope
from payments.selectors import managed_program_get


class PaymentsManagerMixin(SupportManagerRequiredMixin):
    """Support managers of the programs concerned (in-house agents do not approve time or money)."""

    agent_refusal_message = "Time approval and payouts are for support managers."

    def selected_program(self):
        """The ?program=<slug> filter: a program this manager manages, None for all, 404 for anything else."""
        slug = self.request.GET.get("program") or self.request.POST.get("program") or ""
        if not slug:
            return None
        program = managed_program_get(user=self.request.user, slug=slug)
        if program is None:
            raise not_found_in_scope(self.request, "programs.Program", slug=slug, message="No such program.")
        return program


class PortalMixin(FreelancerRequiredMixin):
    pass
