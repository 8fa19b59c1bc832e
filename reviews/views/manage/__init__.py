"""Manager views of the reviews app, split by topic; urls.py refers to them as manage.<Name>."""

from reviews.views.manage.calibration import (  # noqa: F401
    CalibrationCloseView,
    CalibrationDetailView,
    CalibrationListView,
)
from reviews.views.manage.people import (  # noqa: F401
    CheckInListView,
    EvaluationCreateView,
    EvaluationDetailView,
    EvaluationListView,
    FeedbackListView,
    FeedbackMarkView,
    LeaderboardView,
    SettingsView,
)
from reviews.views.manage.qa import (  # noqa: F401
    AssignmentListView,
    DisputeListView,
    DisputeResolveView,
    HomeView,
    PickTicketView,
    ReviewDetailView,
    ReviewListView,
    ReviewTicketView,
)
from reviews.views.manage.stakeholders import (  # noqa: F401
    StakeholderLinkActionView,
    StakeholderLinkListView,
)
from reviews.views.manage.surveys import (  # noqa: F401
    CsatReportView,
    NpsReportView,
    RunNowView,
)
