"""{% may "app:url_name" [method] as name %}: whether the current user may use that /manage/ view.

The answer is the view's own rule (ManageAccessMixin.user_may), so a link or a form is shown exactly when
following it would not answer 403. Without `as`, it prints True/False.
"""

from django import template

from accounts.mixins import user_may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, url_name: str, method: str = "GET") -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return user is not None and user_may_open(user, url_name, method)
