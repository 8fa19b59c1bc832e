def role(request):
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "is_manager_side": authenticated and user.is_inhouse,
        "is_portal_side": authenticated and user.is_freelancer,
    }
