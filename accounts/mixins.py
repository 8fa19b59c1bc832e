"""Access rules every view builds on.

Role mixins answer a clear "not for you" page to the wrong role; object-level
scoping answers 404 (an object outside the user's scope does not exist for them).
The "manager of this program" mixin is in programs.mixins, since it needs the
Program model; it builds on ManagerRequiredMixin here.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.template.response import TemplateResponse
from django_htmx.http import HttpResponseClientRefresh


class _RoleRequiredMixin(LoginRequiredMixin):
    role_check = "is_inhouse"
    wrong_role_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                # A page polling in the background after the session ended: reload the whole page (which then
                # goes to the login page) rather than swap the login form into a part of it.
                return HttpResponseClientRefresh()
            return self.handle_no_permission()
        if not getattr(request.user, self.role_check, False):
            return TemplateResponse(
                request, "accounts/wrong_role.html", {"message": self.wrong_role_message}, status=403
            )
        return super().dispatch(request, *args, **kwargs)


class ManagerRequiredMixin(_RoleRequiredMixin):
    """Support managers and in-house agents: the /manage/ side."""

    role_check = "is_inhouse"
    wrong_role_message = "This part of Flexdesk is for support managers and the in-house team."


class FreelancerRequiredMixin(_RoleRequiredMixin):
    """The freelancer portal. Sets self.freelancer to the logged-in freelancer's profile."""

    role_check = "is_freelancer"
    wrong_role_message = "This part of Flexdesk is the freelancer portal."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.freelancer = getattr(request.user, "freelancer_profile", None)
            if request.user.is_freelancer and self.freelancer is None:
                return TemplateResponse(
                    request,
                    "accounts/wrong_role.html",
                    {"message": "Your freelancer profile is not set up yet. Ask your program manager."},
                    status=403,
                )
        return super().dispatch(request, *args, **kwargs)


class ScopedObjectMixin:
    """For DetailView/UpdateView: the object comes from a queryset already scoped to the user.

    Subclasses implement get_queryset() by calling a selector with request.user;
    anything outside that scope is not found (404), never forbidden.
    """

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        lookup = {self.slug_field: self.kwargs[self.slug_url_kwarg]} if self.slug_url_kwarg in self.kwargs else {
            "pk": self.kwargs.get(self.pk_url_kwarg)
        }
        try:
            return queryset.get(**lookup)
        except (queryset.model.DoesNotExist, ValueError, TypeError):
            raise Http404("Not found.")
