from django.http import Http404

from accounts.mixins import FreelancerRequiredMixin, ManagerRequiredMixin
from payments.selectors import managed_program_get


class PaymentsManagerMixin(ManagerRequiredMixin):
    """Support managers of the programs concerned (in-house agents do not approve time or money)."""

    role_check = "is_manager"
    wrong_role_message = "Time approval and payouts are for support managers."

    def selected_program(self):
        """The ?program=<slug> filter: a program this manager manages, None for all, 404 for anything else."""
        slug = self.request.GET.get("program") or self.request.POST.get("program") or ""
        if not slug:
            return None
        program = managed_program_get(user=self.request.user, slug=slug)
        if program is None:
            raise Http404("No such program.")
        return program


class PortalMixin(FreelancerRequiredMixin):
    pass
