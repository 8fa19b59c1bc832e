from django.utils.cache import patch_cache_control

PRIVATE_NO_STORE = "private, no-store"


class PrivateNoStoreMiddleware:
    """Pages Flexdesk renders are never kept by a browser's history cache or a shared proxy.

    Statements, payouts, contracts, applications, revealed credentials: nearly every page carries pay or
    personal data, and so do the token pages candidates, customers and stakeholders open without an account.
    So the rule is the default for every response the app renders, in this one place:
    - a logged-in user's response always gets `private, no-store` (merged into whatever the view set);
    - any other response gets it unless its view chose a Cache-Control of its own.
    Static files never reach this middleware: WhiteNoise answers them first, with their long-lived headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = PRIVATE_NO_STORE
        return response
