"""Recruiting views, split by topic. urls.py refers to them as views.<Name>."""

from recruiting.views.applications import (  # noqa: F401
    ApplicationDetailView,
    ApplicationFormView,
    HireView,
    InterviewCreateView,
    InterviewRecordView,
    MessageSendView,
    ReplyLogView,
    ResumeView,
    ScopedApplicationMixin,
    ScopedTrialMixin,
    ScoreOverrideView,
    TrialTaskCancelView,
    TrialTaskCreateView,
    TrialTaskGradeView,
)
from recruiting.views.interviews import (  # noqa: F401
    InterviewCancelView,
    InterviewPickView,
    InterviewRescheduleView,
    InterviewSlotsOfferView,
    InterviewSlotsWithdrawView,
)
from recruiting.views.messages import (  # noqa: F401
    MessageTemplateEditView,
    MessageTemplateListView,
)
from recruiting.views.postings import (  # noqa: F401
    ApplicationListView,
    ApplicationMoveView,
    BoardView,
    PostingCreateView,
    PostingDetailView,
    PostingFormMixin,
    PostingListView,
    PostingStatusView,
    PostingUpdateView,
    ScopedPostingMixin,
)
from recruiting.views.public import (  # noqa: F401
    ApplyThanksView,
    ApplyView,
    TrialPublicView,
)
from recruiting.views.referrals import (  # noqa: F401
    PortalReferralCreateView,
    PortalReferralDetailView,
    PortalReferralListView,
    ReferralBonusView,
)
