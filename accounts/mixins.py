"""Access rules every view builds on.

Role mixins answer a clear "not for you" page (403) to the wrong role; object-level scoping answers 404
(an object outside the user's scope does not exist for them).

/manage/ has two roles (DESIGN.md, "Roles in /manage/"): support managers may do everything there, in-house
agents what each view declares in `agent_access`, enforced by ManageAccessMixin. Templates ask the same
question through `{% may "app:url_name" %}` (accounts.templatetags.access), so what an agent may not use is
never linked. The "program named by the URL" mixin is in programs.mixins, since it needs the Program model.
"""

import enum
import functools
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured
from django.template.response import TemplateResponse
from django.urls import URLResolver, get_resolver
from django_htmx.http import HttpResponseClientRefresh

from core.scoping import scoped_get_or_404


def wrong_role_response(request, message: str) -> TemplateResponse:
    return TemplateResponse(request, "accounts/wrong_role.html", {"message": message}, status=403)


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
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)

    def refusal(self, request):
        """The 403 page for a logged-in user this view is not for, or None."""
        if not getattr(request.user, self.role_check, False):
            return wrong_role_response(request, self.wrong_role_message)
        return None


class AgentAccess(enum.Enum):
    """What an in-house agent may do on a /manage/ view. Support managers may do everything."""

    NONE = "none"  # support managers only: the page and its actions answer 403 to agents
    READ = "read"  # agents look (GET, HEAD); changing anything (POST) is for support managers
    WORK = "work"  # agents work here like managers: the in-house queue, tickets, the QA reviews given to them


READ_METHODS = frozenset({"GET", "HEAD"})


class ManageAccessMixin(_RoleRequiredMixin):
    """Every /manage/ view. Each declares `agent_access` (itself or through its app's base mixin).

    Checked before anything is looked up, so an agent gets 403 for a manager-only page whatever it names;
    an object outside the user's programs is then a 404 (the selectors' scope).
    """

    role_check = "is_inhouse"
    wrong_role_message = "This part of Flexdesk is for support managers and the in-house team."
    agent_access: AgentAccess | None = None  # no default: a view that forgets to declare fails loudly
    agent_refusal_message = "This is for support managers."

    @classmethod
    def user_may(cls, user, method: str = "GET") -> bool:
        """The one rule: may this user use this view with this HTTP method?"""
        if cls.agent_access is None:
            raise ImproperlyConfigured(
                f"{cls.__name__} must declare agent_access (accounts.mixins.AgentAccess)."
            )
        if not (user.is_authenticated and user.is_inhouse):
            return False
        if user.is_manager:
            return True
        return cls.agent_access is AgentAccess.WORK or (
            cls.agent_access is AgentAccess.READ and method.upper() in READ_METHODS
        )

    def refusal(self, request):
        refusal = super().refusal(request)
        if refusal is None and not self.user_may(request.user, request.method):
            message = self.agent_refusal_message
            if self.agent_access is AgentAccess.READ:
                message = "In-house agents can look at this page; changing it is for support managers."
            refusal = wrong_role_response(request, message)
        return refusal


class SupportManagerRequiredMixin(ManageAccessMixin):
    """A /manage/ page or action for support managers only (agents: 403, and never linked)."""

    agent_access = AgentAccess.NONE


@functools.cache
def _views_by_url_name(resolver) -> dict:
    found: dict = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace,
                )
            elif pattern.name:
                view = getattr(pattern.callback, "view_class", pattern.callback)
                found.setdefault(f"{namespace}{pattern.name}", view)

    walk(resolver.url_patterns, "")
    return found


def user_may_open(user, url_name: str, method: str = "GET") -> bool:
    """Whether `user` may use the /manage/ view behind `url_name` ("app:name"); False for an unknown name.

    For templates (the {% may %} tag): a link or a form is shown only when its view would let the user in.
    """
    view = _views_by_url_name(get_resolver()).get(url_name)
    if view is None or not hasattr(view, "user_may"):
        return False
    return view.user_may(user, method)


class FreelancerRequiredMixin(_RoleRequiredMixin):
    """The freelancer portal. Sets self.freelancer to the logged-in freelancer's profile."""

    role_check = "is_freelancer"
    wrong_role_message = "This part of Flexdesk is the freelancer portal."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            from accounts.selectors import freelancer_profile_of

            self.freelancer: Any = freelancer_profile_of(user=request.user)  # None: refused just below
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

    # Declared by the Django view this mixes into (annotations only: no value here overrides the view's).
    kwargs: dict[str, Any]
    slug_field: str
    slug_url_kwarg: str
    pk_url_kwarg: str

    def get_object(self, queryset=None):
        queryset = self.get_queryset() if queryset is None else queryset
        lookup = (
            {self.slug_field: self.kwargs[self.slug_url_kwarg]}
            if self.slug_url_kwarg in self.kwargs
            else {"pk": self.kwargs.get(self.pk_url_kwarg)}
        )
        return scoped_get_or_404(queryset, request=self.request, message="Not found.", **lookup)
