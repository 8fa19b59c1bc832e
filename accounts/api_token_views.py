"""/manage/api-tokens/: support managers issue, list and revoke the API tokens of their programs' team."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.views.generic import TemplateView

from accounts.api_tokens import api_token_issue, api_token_list, api_token_revoke, api_token_users
from accounts.mixins import SupportManagerRequiredMixin
from core.errors import DomainError
from core.scoping import not_found_in_scope


class ApiTokenListView(SupportManagerRequiredMixin, TemplateView):
    template_name = "accounts/manage/api_tokens.html"
    agent_refusal_message = "API tokens are issued by support managers."

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = api_token_list(manager=self.request.user)
        return context


class ApiTokenActionView(ApiTokenListView):
    """POST issue (a new key, shown once in this response and never again) or revoke."""

    def get(self, request, *args, **kwargs):
        return redirect("accounts:api_tokens")

    def post(self, request, user_id, action):
        user = api_token_users(manager=request.user).filter(pk=user_id).first()
        if user is None:
            raise not_found_in_scope(
                request, "accounts.User", pk=user_id, message="No such member of your team."
            )
        if action == "issue":
            try:
                key = api_token_issue(user=user, actor=request.user)
            except DomainError as exc:
                messages.error(request, f"Nothing was changed: {exc.message}")
                return redirect("accounts:api_tokens")
            # The key is in this page only: not in a message (the session) and not after a redirect.
            response = self.render_to_response(self.get_context_data(new_key=key, new_key_user=user))
            add_never_cache_headers(response)
            return response
        if action == "revoke":
            if api_token_revoke(user=user, actor=request.user):
                messages.success(request, f"{user}'s API token is revoked: it stops working now.")
            else:
                messages.info(request, f"{user} has no API token: nothing was changed.")
            return redirect("accounts:api_tokens")
        raise Http404("No such action.")
