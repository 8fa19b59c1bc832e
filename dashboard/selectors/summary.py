from dashboard.models import WeeklySummary


def weekly_summary_get_by_token(*, token: str) -> WeeklySummary | None:
    """The sent summary this share link points at; None for an unknown or tampered token."""
    from core.tokens import token_digest

    if not token or len(token) > 200:
        return None
    return (
        WeeklySummary.objects.filter(token_hash=token_digest(token), sent_at__isnull=False)
        .exclude(token_hash="")
        .select_related("program")
        .first()
    )
