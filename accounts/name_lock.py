"""Whether a freelancer may still change their legal name: a question the apps above accounts answer.

A signed contract carries the freelancer's legal name (contracts checks the typed signature against it), so once
one is signed the name changes only through an admin. accounts sits below contracts and cannot import it:
contracts registers its answer in its AppConfig.ready() (see the README: upward questions without upward imports).
"""

_reasons = []


def register_legal_name_lock(reason_for) -> None:
    """reason_for(freelancer) -> str: why the legal name is locked, or "" when it is not."""
    if reason_for not in _reasons:
        _reasons.append(reason_for)


def legal_name_lock_reason(freelancer) -> str:
    for reason_for in _reasons:
        reason = reason_for(freelancer)
        if reason:
            return reason
    return ""
