from django.views.generic import TemplateView

from accounts.mixins import FreelancerRequiredMixin, ManagerRequiredMixin
from programs.selectors import program_list


class ManageHomeView(ManagerRequiredMixin, TemplateView):
    template_name = "dashboard/manage_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = program_list(user=self.request.user)
        return context


class PortalHomeView(FreelancerRequiredMixin, TemplateView):
    template_name = "dashboard/portal_home.html"
