"""A freelancer's standing in one program: their tier there and the program channels they take (issue #19).

The one way either changes (a manager on the freelancer's page, an evaluation's promotion). Each change is
audited, and published as "freelancer.standing_changed" so queues routes the program's waiting tickets at
once: a freelancer promoted to tier 2 gets tier-2 work the same minute.
"""

from django.db import transaction

from accounts.models import Freelancer
from accounts.services import freelancer_capacity_update
from contracts.errors import ContractError
from contracts.models import ProgramStanding
from contracts.selectors import standing_get
from core.audit import audit_record
from core.events import publish
from programs.models import Channel, Program

STANDING_CHANGED = "freelancer.standing_changed"


def _locked_standing(*, freelancer: Freelancer, program: Program) -> ProgramStanding:
    standing, _ = ProgramStanding.objects.get_or_create(freelancer=freelancer, program=program)
    return ProgramStanding.objects.select_for_update().get(pk=standing.pk)


def _published(freelancer: Freelancer, program: Program) -> None:
    publish(STANDING_CHANGED, freelancer_id=freelancer.pk, program_id=program.pk)


@transaction.atomic
def freelancer_tier_set(
    *, freelancer: Freelancer, program: Program, tier: int, actor, reason: str = "", **audit
) -> bool:
    """Set the freelancer's tier in the program; returns whether it changed. Routing reads it from the next
    routing on, which this change triggers."""
    if tier not in ProgramStanding.Tier.values:
        raise ContractError(f"Pick a tier from 1 to {max(ProgramStanding.Tier.values)}.", field="tier")
    standing = _locked_standing(freelancer=freelancer, program=program)
    before = standing.tier
    if tier == before:
        return False
    standing.tier = tier
    standing.save(update_fields=["tier", "updated_at"])
    audit_record(
        actor=actor,
        verb="freelancer.promoted" if tier > before else "freelancer.tier_lowered",
        target=freelancer,
        program=program.slug,
        tier=tier,
        tier_before=before,
        reason=reason,
        **audit,
    )
    _published(freelancer, program)
    return True


def _channels_clean(program: Program, channels) -> list[str]:
    offered = list(program.channels or Channel.values)
    chosen = sorted(set(channels or ()), key=lambda c: Channel.values.index(c) if c in Channel.values else 99)
    unknown = [c for c in chosen if c not in offered]
    if unknown:
        raise ContractError(
            f"{program.name} does not take {', '.join(unknown)}; pick from {', '.join(offered)}.",
            field="channels",
        )
    # every channel the program takes is stored as "all of them", so a channel added later is taken too
    return [] if set(chosen) == set(offered) else chosen


@transaction.atomic
def freelancer_channels_set(
    *, freelancer: Freelancer, program: Program, channels, actor, reason: str = ""
) -> bool:
    """The program channels the freelancer takes (none chosen, or all of them: every channel)."""
    chosen = _channels_clean(program, channels)
    standing = _locked_standing(freelancer=freelancer, program=program)
    if list(standing.channels or []) == chosen:
        return False
    before = list(standing.channels or [])
    standing.channels = chosen
    standing.save(update_fields=["channels", "updated_at"])
    audit_record(
        actor=actor,
        verb="freelancer.channels_changed",
        target=freelancer,
        program=program.slug,
        channels=chosen or "all",
        before=before or "all",
        reason=reason,
    )
    _published(freelancer, program)
    return True


@transaction.atomic
def freelancer_standing_update(
    *,
    freelancer: Freelancer,
    program: Program,
    max_open_tickets,
    tier,
    actor,
    channels=None,
    reason: str = "",
) -> list[str]:
    """A manager on the freelancer's page: capacity (global), tier and channels (in this program).

    A tier change needs a reason (it decides which tickets they get). Returns what changed ([] for nothing);
    a refusal changes nothing."""
    reason = (reason or "").strip()
    try:
        tier = int(tier)
    except (TypeError, ValueError):
        raise ContractError("Tier is a whole number.", field="tier") from None
    if tier not in ProgramStanding.Tier.values:
        raise ContractError(f"Pick a tier from 1 to {max(ProgramStanding.Tier.values)}.", field="tier")
    current = standing_get(freelancer_id=freelancer.pk, program_id=program.pk)
    if tier != current.tier and not reason:
        raise ContractError("Say why the tier changes.", field="reason")
    if channels is not None:
        _channels_clean(program, channels)  # refuse before anything is written
    changed = []
    if freelancer_tier_set(freelancer=freelancer, program=program, tier=tier, actor=actor, reason=reason):
        changed.append("tier")
    if channels is not None and freelancer_channels_set(
        freelancer=freelancer, program=program, channels=channels, actor=actor, reason=reason
    ):
        changed.append("channels")
    if freelancer_capacity_update(
        freelancer=freelancer, max_open_tickets=max_open_tickets, actor=actor, reason=reason
    ):
        changed.append("capacity")
        _published(freelancer, program)
    return changed
