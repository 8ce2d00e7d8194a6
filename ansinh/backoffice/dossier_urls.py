"""The back office's dossier and API-key pages (issue 4), appended to ``backoffice.urls``."""

from django.urls import path

from . import dossiers, keys

urlpatterns = [
    path("dossiers/", dossiers.queue, name="queue"),
    path("dossiers/new/", dossiers.intake, name="intake"),
    path("dossiers/new/<str:person_id>/", dossiers.intake_person, name="intake_person"),
    path("dossiers/<str:dossier_id>/", dossiers.dossier, name="dossier"),
    path("dossiers/<str:dossier_id>/claim/", dossiers.claim, name="claim"),
    path("dossiers/<str:dossier_id>/dispute/", dossiers.resolve_dispute, name="resolve_dispute"),
    path(
        "dossiers/<str:dossier_id>/identity-check/",
        dossiers.identity_check,
        name="identity_check",
    ),
    path(
        "dossiers/<str:dossier_id>/attachments/<str:attachment_id>/",
        dossiers.attachment,
        name="attachment",
    ),
    path("keys/", keys.api_keys, name="api_keys"),
    path("keys/<str:key_id>/revoke/", keys.revoke_key, name="revoke_key"),
]
