"""Readable OpenAPI ``operationId``\\ s for ``/api/v1`` (issue 12 §2).

Code generators name a client's methods after them (``api.login()``, ``api.getParticipation()``),
so they are short camelCase verbs, stable and unique, never Django-Ninja's default
module-path form (``ansinh_api_auth_routes_login``). Each route's id is listed here, keyed by
its module (without ``ansinh.api.``) and its function; a route that is not listed gets its
function's name in camelCase, and ``ansinh/api/tests/test_openapi.py`` checks that every id
is camelCase and unique, so a clash shows up as a failing test, not as a client that cannot
be generated. OpenAPI links name their target with ``operation_id(...)``.
"""

from __future__ import annotations

import re

OPERATION_IDS: dict[str, str] = {
    # /auth
    "auth_routes.login": "login",
    "auth_routes.refresh": "refreshTokens",
    "auth_routes.logout": "logout",
    "auth_routes.logout_all": "logoutAllDevices",
    "auth_routes.change_password": "changePassword",
    "auth_routes.list_devices": "listDevices",
    "auth_routes.sign_out_device": "signOutDevice",
    # /auth/recovery
    "recovery_routes.start": "startRecovery",
    "recovery_routes.verify": "verifyRecovery",
    "recovery_routes.resend": "resendRecoveryCode",
    # /auth/registration (01/ĐK-GD) and /offices
    "registration_routes.captcha": "getRegistrationCaptcha",
    "registration_routes.start": "startRegistration",
    "registration_routes.verify": "verifyRegistration",
    "registration_routes.resend": "resendRegistrationCode",
    "registration_routes.offices": "listOffices",
    # /me
    "me_routes.me": "getProfile",
    # passkeys: /me/passkeys and /auth/passkey
    "passkey_routes.passkey_options": "startAddingPasskey",
    "passkey_routes.add_passkey": "addPasskey",
    "passkey_routes.list_passkeys": "listPasskeys",
    "passkey_routes.remove_passkey": "removePasskey",
    "passkey_routes.passkey_sign_in_options": "startPasskeySignIn",
    "passkey_routes.passkey_sign_in": "signInWithPasskey",
    # dossiers and the email address
    "dossier_routes.unit_file": "fileUnitDossier",
    "dossier_routes.staff_queue": "listStaffDossiers",
    "dossier_routes.staff_file": "fileStaffDossier",
    "dossier_routes.staff_dossier": "getStaffDossier",
    "dossier_routes.staff_decide": "decideDossier",
    "dossier_routes.staff_identity_check": "checkDossierIdentity",
    "dossier_routes.staff_resolve_dispute": "resolveDossierDispute",
    "dossier_routes.staff_attachment": "getStaffDossierAttachment",
    "dossier_routes.my_dossiers": "listMyDossiers",
    "dossier_routes.my_change_request": "fileChangeRequest",
    "dossier_routes.my_dossier": "getMyDossier",
    "dossier_routes.my_withdraw": "withdrawMyDossier",
    "dossier_routes.my_confirm": "confirmMyDossier",
    "dossier_routes.my_attachment": "getMyDossierAttachment",
    "dossier_routes.my_email": "getMyEmail",
    "dossier_routes.my_email_confirm": "confirmMyEmail",
    "dossier_routes.my_email_resend": "resendMyEmailCode",
    # notices and the data-access log
    "notice_routes.notifications": "listNotifications",
    "notice_routes.notifications_read": "markNotificationsRead",
    "notice_routes.access_log": "getAccessLog",
    # participation and the card
    "participation_routes.participation": "getParticipation",
    "participation_routes.card": "getCard",
    # the unit's reports and statements
    "unit_report_routes.submit_report": "submitReport",
    "unit_report_routes.get_report": "getReport",
    "unit_template_routes.report_template_xlsx": "getReportTemplateXlsx",
    "unit_template_routes.report_template_csv": "getReportTemplateCsv",
    "statement_routes.statement": "getStatement",
    # /cards (public)
    "card_routes.verify": "verifyCard",
    "card_routes.revocations": "listRevocations",
    # participation certificates
    "certificate_routes.issue_certificate": "issueCertificate",
    "certificate_routes.list_certificates": "listCertificates",
    "certificate_routes.certificate_file": "getCertificatePdf",
    "certificate_routes.get_certificate": "getCertificate",
    "certificate_routes.revoke_certificate": "revokeCertificate",
    "certificate_routes.verify_certificate": "verifyCertificate",
    "certificate_routes.certificate_revocations": "listCertificateRevocations",
    # /calculators (public)
    "calculator_routes.voluntary_bhxh": "calculateVoluntaryBhxh",
    "calculator_routes.household_bhyt": "calculateHouseholdBhyt",
    "calculator_routes.salary_deductions": "calculateSalaryDeductions",
    # correction cases (issue 15 §2)
    "case_routes.my_file_case": "fileCorrectionCase",
    "case_routes.my_cases": "listMyCorrectionCases",
    "case_routes.my_case": "getMyCorrectionCase",
    "case_routes.unit_cases": "listUnitCorrectionCases",
    "case_routes.unit_case": "getUnitCorrectionCase",
    "case_routes.unit_answer": "answerCorrectionCase",
    "case_routes.staff_cases": "listStaffCorrectionCases",
    "case_routes.staff_case": "getStaffCorrectionCase",
    "case_routes.staff_decide": "decideCorrectionCase",
}

_PREFIX = "ansinh.api."
_WORD = re.compile(r"_+([a-z0-9])")


def camel_case(name: str) -> str:
    """``sign_out_device`` → ``signOutDevice``."""
    return _WORD.sub(lambda m: m.group(1).upper(), name.strip("_"))


def operation_id(module: str, function: str) -> str:
    """The ``operationId`` of the route ``function`` in ``ansinh.api.<module>``."""
    module = module.removeprefix(_PREFIX)
    return OPERATION_IDS.get(f"{module}.{function}") or camel_case(function)
