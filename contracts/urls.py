from django.urls import path

from contracts.views import freelancers, invitations, knowledge, manage, portal, vault
from programs import converters  # noqa: F401 — registers <program:…>, a slug that is never "new"

app_name = "contracts"

urlpatterns = [
    # Manager side
    path("manage/contracts/", manage.ContractListView.as_view(), name="contract_list"),
    path("manage/contracts/new/", manage.ContractCreateView.as_view(), name="contract_create"),
    path("manage/contracts/invitations/", invitations.InvitationListView.as_view(), name="invitation_list"),
    path(
        "manage/contracts/invitations/<int:pk>/revoke/",
        invitations.InvitationRevokeView.as_view(),
        name="invitation_revoke",
    ),
    path("manage/contracts/<int:pk>/", manage.ContractDetailView.as_view(), name="contract_detail"),
    path("manage/contracts/<int:pk>/edit/", manage.ContractEditView.as_view(), name="contract_edit"),
    *[
        path(
            f"manage/contracts/<int:pk>/{action}/",
            manage.ContractActionView.as_view(),
            {"action": action},
            name=f"contract_{action}",
        )
        for action in ("send", "withdraw", "activate")
    ],
    path(
        "manage/contracts/<int:pk>/rate-change/", manage.RateChangeView.as_view(), name="contract_rate_change"
    ),
    path("manage/contracts/<int:pk>/end/", manage.ContractEndView.as_view(), name="contract_end"),
    path("manage/contracts/<int:pk>/rating/", manage.ContractRatingView.as_view(), name="contract_rating"),
    path("manage/contracts/<int:pk>/documents/<int:doc_pk>/", manage.DocumentView.as_view(), name="document"),
    path(
        "manage/contracts/<int:pk>/onboarding/<int:step_pk>/confirm/",
        manage.OnboardingConfirmView.as_view(),
        name="onboarding_confirm",
    ),
    path(
        "manage/contracts/<int:pk>/access/request/", manage.AccessRequestView.as_view(), name="access_request"
    ),
    *[
        path(
            f"manage/contracts/<int:pk>/access/<int:grant_pk>/{action}/",
            manage.AccessUpdateView.as_view(),
            {"action": action},
            name=f"access_{action}",
        )
        for action in ("grant", "revoke")
    ],
    path(
        "manage/contracts/<int:pk>/offboarding/<int:item_pk>/done/",
        manage.OffboardingDoneView.as_view(),
        name="offboarding_done",
    ),
    path("manage/contracts/templates/", manage.TemplateListView.as_view(), name="template_list"),
    path(
        "manage/contracts/templates/<slug:scope>/<str:kind>/",
        manage.TemplateEditView.as_view(),
        name="template_edit",
    ),
    path("manage/contracts/rate-floors/", manage.RateFloorListView.as_view(), name="rate_floor_list"),
    path(
        "manage/contracts/rate-floors/<int:pk>/delete/",
        manage.RateFloorDeleteView.as_view(),
        name="rate_floor_delete",
    ),
    path(
        "manage/contracts/legal-names/",
        freelancers.LegalNameRequestListView.as_view(),
        name="legal_name_requests",
    ),
    path(
        "manage/contracts/legal-names/<int:pk>/<slug:action>/",
        freelancers.LegalNameDecideView.as_view(),
        name="legal_name_decide",
    ),
    path(
        "manage/programs/<program:program_slug>/freelancers/<int:freelancer_id>/capacity/",
        freelancers.FreelancerCapacityView.as_view(),
        name="freelancer_capacity",
    ),
    path("manage/contracts/vault/", vault.VaultView.as_view(), name="vault"),
    path("manage/contracts/vault/new/", vault.CredentialCreateView.as_view(), name="credential_create"),
    path(
        "manage/contracts/vault/<int:pk>/replace/",
        vault.CredentialReplaceView.as_view(),
        name="credential_replace",
    ),
    path(
        "manage/contracts/vault/<int:pk>/delete/",
        vault.CredentialDeleteView.as_view(),
        name="credential_delete",
    ),
    path(
        "manage/contracts/vault/links/new/",
        vault.CredentialLinkCreateView.as_view(),
        name="credential_link_create",
    ),
    # Public one-time link for a customer
    path("vault/submit/<str:token>/", vault.CredentialSubmitView.as_view(), name="vault_submit"),
    # Public invitation link for a freelancer (accepting needs their own account, made or logged in)
    path("invitations/<str:token>/", invitations.InvitationAcceptView.as_view(), name="invitation_accept"),
    # Freelancer portal
    path("portal/contracts/", portal.PortalContractListView.as_view(), name="portal_contracts"),
    path(
        "portal/contracts/<int:pk>/", portal.PortalContractDetailView.as_view(), name="portal_contract_detail"
    ),
    path(
        "portal/contracts/<int:pk>/rating/download/",
        portal.PortalRatingDownloadView.as_view(),
        name="portal_rating_download",
    ),
    path("portal/contracts/<int:pk>/sign/", portal.PortalSignView.as_view(), name="portal_sign"),
    path(
        "portal/contracts/<int:pk>/documents/<int:doc_pk>/",
        portal.PortalDocumentView.as_view(),
        name="portal_document",
    ),
    path(
        "portal/contracts/<int:pk>/onboarding/<int:step_pk>/",
        portal.PortalOnboardingView.as_view(),
        name="portal_onboarding",
    ),
    path(
        "portal/contracts/<int:pk>/onboarding/<int:step_pk>/read/",
        portal.PortalOnboardingReadView.as_view(),
        name="portal_onboarding_read",
    ),
    path(
        "portal/contracts/<int:pk>/onboarding/<int:step_pk>/quiz/",
        portal.PortalOnboardingQuizView.as_view(),
        name="portal_onboarding_quiz",
    ),
    # The Knowledge of the freelancer's programs (programs.knowledge; here as contracts knows their programs)
    path("portal/knowledge/", knowledge.PortalKnowledgeView.as_view(), name="portal_knowledge"),
    path(
        "portal/knowledge/<slug:program_slug>/<slug:slug>/",
        knowledge.PortalKnowledgeArticleView.as_view(),
        name="portal_knowledge_article",
    ),
    path(
        "portal/contracts/<int:pk>/credentials/<int:credential_pk>/reveal/",
        portal.PortalRevealView.as_view(),
        name="portal_reveal",
    ),
]
