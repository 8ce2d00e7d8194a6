"""The app's words (docs/app.md): the project's gettext catalogues, handed to the app per
language as JSON (``/app/i18n/<lang>.json``), so that the app and the portal say the same thing
in the same words, translators work in one place (``locale/*/LC_MESSAGES/django.po``), and the
service worker keeps both languages for offline use.

The keys are the English source strings the scripts pass to ``t()`` / ``tn()``
(``ansinh/app/static/app/i18n.js``); ``ansinh/app/tests`` fails when a script uses a string
that is not listed here. Reused portal strings keep the portal's wording, e.g. the paper-path
guidance of ``templates/portal/recovery/_paper_paths.html``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext

from ansinh.cards.reference import BENEFIT_LEVELS, GROUP_LABELS
from ansinh.contributions.models import Scheme
from ansinh.dossiers.case_models import Problem
from ansinh.dossiers.models import AttachmentKind, ChangeStatus, EventKind, FormKind, Status
from ansinh.dossiers.notify import FIELD_LABELS

# Used by the scripts with t("…"); also the shell page's (templates/app/shell.html).
STRINGS: tuple[str, ...] = (
    gettext_noop("%(count)s unread"),
    gettext_noop("%(unit)s %(name)s: %(months)s"),
    gettext_noop("12 to 128 characters. A long phrase is easier to remember and harder to guess."),
    gettext_noop(
        "A passkey lets this account sign in with a phone's fingerprint, face or screen lock, without the password. Remove the passkey of a phone you lost or gave away."
    ),
    gettext_noop("Account"),
    gettext_noop("Add a passkey"),
    gettext_noop("Added"),
    gettext_noop("A new code is on its way. The previous code no longer works."),
    gettext_noop("A withdrawn dossier cannot be reopened. To ask again, file a new request."),
    gettext_noop("Add a photo of your document."),
    gettext_noop("After the code"),
    gettext_noop(
        "After the dossier is approved by two BHXH staff, choose “Forgot password” and enter the email address registered in the dossier: the OTP code will be sent to that address. Entering the code confirms the address and recovers your account; you do not need to sign in first."
    ),
    gettext_noop("Ask to change my details"),
    gettext_noop("Ask to change your details, with a photo; follow your dossiers"),
    gettext_noop("Back"),
    gettext_noop("Back to my dossiers"),
    gettext_noop("Back to sign in"),
    gettext_noop("Back to the account"),
    gettext_noop("Beneficiary group"),
    gettext_noop("Benefit level"),
    gettext_noop("BHXH code"),
    gettext_noop("Cancel"),
    gettext_noop("BHXH code or CCCD number"),
    gettext_noop(
        "BHXH stops processing this dossier, and none of the changes it asks for is made."
    ),
    gettext_noop("Card code"),
    gettext_noop("CCCD number"),
    gettext_noop("Change password"),
    gettext_noop("Choose my new password now (recommended)"),
    gettext_noop("Close"),
    gettext_noop("Code from the email"),
    gettext_noop("Confirm"),
    gettext_noop("Continue"),
    gettext_noop("Current password"),
    gettext_noop("Date of birth"),
    gettext_noop("Devices"),
    gettext_noop("Day/month/year, for example 01/07/1995."),
    gettext_noop("Documents"),
    gettext_noop("Dossier"),
    gettext_noop("Due by"),
    gettext_noop("Electronic health-insurance card"),
    gettext_noop("Email"),
    gettext_noop("Email me a temporary password instead"),
    gettext_noop("Enlarge the QR code"),
    gettext_noop("Enter the code"),
    gettext_noop("Enter the code from the email."),
    gettext_noop("Enter the date as day/month/year, for example 01/07/1995."),
    gettext_noop("Enter the new password."),
    gettext_noop("Enter the personal email registered with BHXH."),
    gettext_noop(
        "Enter your BHXH code (or CCCD number) and the personal email registered with BHXH. If they match, we email you a one-time code."
    ),
    gettext_noop("Enter your BHXH code or CCCD number."),
    gettext_noop("Enter your password."),
    gettext_noop(
        "Every time BHXH staff, your employer or your collection organisation reads your record, it is listed here."
    ),
    gettext_noop("Fill in at least one detail to change."),
    gettext_noop(
        "Fill in only what should change, and attach images or PDFs of the documents that prove it. BHXH staff review every request."
    ),
    gettext_noop("Five continuous years from"),
    gettext_noop("For your safety, type your password again before adding a passkey."),
    gettext_noop("Forgot password"),
    gettext_noop("Form"),
    gettext_noop(
        "Form 01/ĐK-GD. Enter your details as they are on your CCCD card and add three photos: the front and the back of the card, and your face. We email a code to the address you enter; after you type it, BHXH staff compare your details and photos with the records and email you the result."
    ),
    gettext_noop("Full name"),
    gettext_noop("Give the passkey a name, for example “My phone”."),
    gettext_noop("Health card"),
    gettext_noop("Health-insurance card"),
    gettext_noop("Health-insurance card QR code"),
    gettext_noop("Hello, %(name)s"),
    gettext_noop("Home"),
    gettext_noop(
        "If the details matched, a new code is on its way. The previous code no longer works."
    ),
    gettext_noop("Initial health facility"),
    gettext_noop("Job title"),
    gettext_noop("Language"),
    gettext_noop("Last used"),
    gettext_noop("Listen to the verification code"),
    gettext_noop("Loading…"),
    gettext_noop("Locked"),
    gettext_noop("Main menu"),
    gettext_noop("Mark all as read"),
    gettext_noop("Messages about your dossiers and contributions"),
    gettext_noop("Name of the passkey"),
    gettext_noop("Mobile phone"),
    gettext_noop("My dossiers"),
    gettext_noop("New address"),
    gettext_noop("New CCCD number"),
    gettext_noop("New email"),
    gettext_noop("New mobile phone"),
    gettext_noop("New password"),
    gettext_noop("New password again"),
    gettext_noop("No account yet? Register (form 01/ĐK-GD)"),
    gettext_noop("No email after a minute? Check the spam folder, then:"),
    gettext_noop("No email on record?"),
    gettext_noop("No health-insurance card has been issued to you."),
    gettext_noop("No network connection. Check it and try again."),
    gettext_noop(
        "No network, and the card is not saved on this phone yet. Open it once with a network connection."
    ),
    gettext_noop("No network, and your history is not saved on this phone yet."),
    gettext_noop("No network: the card saved on this phone."),
    gettext_noop("No network: the history saved on this phone."),
    gettext_noop("No notifications yet."),
    gettext_noop("No participation has been reported for this scheme."),
    gettext_noop(
        "No passkey was added: the phone's prompt was closed. Try again when you are ready."
    ),
    gettext_noop("No passkey was used. Try again, or sign in with your password."),
    gettext_noop("Nobody has viewed your record."),
    gettext_noop("Not used yet"),
    gettext_noop("No, keep it"),
    gettext_noop("Note for BHXH staff"),
    gettext_noop("Notifications"),
    gettext_noop("Office"),
    gettext_noop("Open on the portal"),
    gettext_noop("Open the portal"),
    gettext_noop("or at any BHXH office: bring your CCCD and file form 02/SĐ-GD at the counter."),
    gettext_noop("Or your 12-digit CCCD number. Spaces are fine."),
    gettext_noop("OTP code"),
    gettext_noop("Paid"),
    gettext_noop("Participation"),
    gettext_noop("Participation history"),
    gettext_noop("Passkeys"),
    gettext_noop("Password"),
    gettext_noop("Password recovered"),
    gettext_noop("Password, language, signing out"),
    gettext_noop("Periods, units, salaries, paid and unpaid months"),
    gettext_noop("Personal email"),
    gettext_noop("Phone"),
    gettext_noop("Photo of the back of your CCCD card"),
    gettext_noop("Photo of the front of your CCCD card"),
    gettext_noop("Photo of your document"),
    gettext_noop("Photos for BHXH staff"),
    gettext_noop("Portrait photo (selfie)"),
    gettext_noop("Prepare form 02/SĐ-GD to print"),
    gettext_noop("QR code of health-insurance card %(code)s"),
    gettext_noop("Remove"),
    gettext_noop("Remove the passkey"),
    gettext_noop("Remove the passkey “%(name)s”? It will no longer sign in to your account."),
    gettext_noop("Receiving BHXH office"),
    gettext_noop("Register an account"),
    gettext_noop("Registration filed"),
    gettext_noop("Requested changes"),
    gettext_noop("Salary (đồng)"),
    gettext_noop("Schemes"),
    gettext_noop("Security"),
    gettext_noop("Send"),
    gettext_noop("Send a new code"),
    gettext_noop("Show my saved health-insurance card"),
    gettext_noop(
        "Show this QR code at the clinic. It is signed by BHXH and can be checked without a network connection."
    ),
    gettext_noop("Sign in"),
    gettext_noop("Sign in first."),
    gettext_noop("Sign in with a passkey"),
    gettext_noop("Sign in with another account"),
    gettext_noop("Sign out"),
    gettext_noop("Sign out everywhere"),
    gettext_noop(
        "Sign out on every device, this phone and the portal included? Your passkeys are kept."
    ),
    gettext_noop("Sign out this device"),
    gettext_noop("Signed in"),
    gettext_noop("Signing out removes your card, history and sign-in from this phone."),
    gettext_noop("Skip to content"),
    gettext_noop("So you recognise it later, for example “My phone”."),
    gettext_noop("Something went wrong. Try again."),
    gettext_noop("Start again"),
    gettext_noop("Status"),
    gettext_noop("Submitted"),
    gettext_noop("Take a photo with the camera, or choose up to 4 images or PDFs."),
    gettext_noop("Tap again to sign out on every device"),
    gettext_noop("Temporary password"),
    gettext_noop("The An Sinh app needs JavaScript. Without it, use the portal:"),
    gettext_noop(
        "The app keeps your sign-in in a service worker, which this browser does not allow here. Use the portal instead."
    ),
    gettext_noop("The app was locked after a while without use. Type your password again."),
    gettext_noop(
        "The code can only go to the personal email registered with BHXH. Without one, register an email first in one of two ways:"
    ),
    gettext_noop("The code has expired"),
    gettext_noop("The code is incorrect. Attempts left: %(left)d."),
    gettext_noop("The passkey “%(name)s” was added. Next time, choose “Sign in with a passkey”."),
    gettext_noop("The passkey “%(name)s” was removed."),
    gettext_noop(
        "The phones and apps signed in to your account. Sign out one you do not recognise, then change your password."
    ),
    gettext_noop("The QR code for the clinic, also without a network"),
    gettext_noop("The temporary password from the email."),
    gettext_noop("The two new passwords differ."),
    gettext_noop(
        "The unit owes these contributions, not you. You can ask it to pay, or contact your BHXH office."
    ),
    gettext_noop(
        "Then sign in with your phone's fingerprint, face or screen lock instead of the password."
    ),
    gettext_noop("The whole card, all four corners, readable."),
    gettext_noop("This app is for insured people. BHXH staff use the back office."),
    gettext_noop(
        "This browser cannot make passkeys. Open the app in your phone's own browser to add one."
    ),
    gettext_noop("This browser cannot run the app"),
    gettext_noop("This phone"),
    gettext_noop("This phone already has a passkey for your account."),
    gettext_noop(
        "This recovery has expired, was replaced by a newer one, or was already used. Start again to get a new code."
    ),
    gettext_noop("This registration has expired or was already used. Start again."),
    gettext_noop(
        "through your employer or collection organisation, which files form TK1-TS for you electronically;"
    ),
    gettext_noop("Timeline"),
    gettext_noop("Total time of participation"),
    gettext_noop("Type your password to sign this device out."),
    gettext_noop("Unit"),
    gettext_noop("Unnamed device"),
    gettext_noop("Unpaid"),
    gettext_noop("Unpaid — late"),
    gettext_noop("Unpaid — evasion by the unit"),
    gettext_noop("Unpaid months and the unit that owes them"),
    gettext_noop("Unpaid time"),
    gettext_noop("Unread"),
    gettext_noop("Updated at %(time)s"),
    gettext_noop("Valid from"),
    gettext_noop("Valid to"),
    gettext_noop("Verification code (Mã kiểm tra)"),
    gettext_noop("Get another code"),
    gettext_noop("Unlock with a passkey"),
    gettext_noop("A new code is shown. Type the new code."),
    gettext_noop("No new code could be made now. Try again in a moment."),
    gettext_noop("Type the characters in the image."),
    gettext_noop(
        "Verification code as a picture. If you cannot read it, listen to it below or ask for another code."
    ),
    gettext_noop(
        "We have emailed your account information and a temporary password. It works once, within 24 hours: right after signing in you will choose a new password."
    ),
    gettext_noop("Who viewed my record"),
    gettext_noop(
        "With your phone's fingerprint, face or screen lock, once you have added a passkey in the app."
    ),
    gettext_noop("We send a code to this address: you need it to file the registration."),
    gettext_noop("Withdraw this dossier"),
    gettext_noop("Within the payment period"),
    gettext_noop("Yes, withdraw this dossier"),
    gettext_noop("You are signed out on every device. Nothing of yours is left on this device."),
    gettext_noop("You are signed out. Nothing of yours is left on this device."),
    gettext_noop("You have no passkeys yet."),
    gettext_noop("You have no dossiers yet."),
    gettext_noop("You signed in with a temporary password. Choose your own password to continue."),
    gettext_noop("You were signed out. Sign in again."),
    gettext_noop("Your face from the front, in good light, without glasses or a hat."),
    gettext_noop(
        "Your new password is set. Every device and browser that was signed in has been signed out."
    ),
    gettext_noop(
        "Your passkeys are kept and still sign in. If you lost a phone, sign in and remove its passkey under Account → Passkeys."
    ),
    gettext_noop("Your password was changed. Other devices have been signed out."),
    gettext_noop("“%(name)s” is signed out."),
    gettext_noop(
        "Your registration was filed as dossier %(dossier_id)s. BHXH staff check it against the registry; you will get the result by email. If it is approved, the email brings your account information and a temporary password."
    ),
    # Issue 15: correction cases, participation certificates, calculators (the portal's words).
    gettext_noop("A case covers at most 120 months."),
    gettext_noop(
        "A certificate states your participation history (periods, units, months per scheme) as it stands today, signed by BHXH. Anyone can check its QR code, even without a network connection."
    ),
    gettext_noop(
        "A screenshot of this page proves nothing. The certificate is the signed PDF: its QR code is checked on the An Sinh check page or offline."
    ),
    gettext_noop("Ask for a correction"),
    gettext_noop("Back to my corrections"),
    gettext_noop("Between the rural poverty line and 20 times the reference level."),
    gettext_noop("Calculate"),
    gettext_noop("Certificate number"),
    gettext_noop("Certificate of %(day)s"),
    gettext_noop("Choose what is wrong."),
    gettext_noop("Chosen monthly income (đồng)"),
    gettext_noop("Contribution (%(rate)s)"),
    gettext_noop("Contribution calculators"),
    gettext_noop("Correction %(case_id)s"),
    gettext_noop("Correction of my contribution periods"),
    gettext_noop("Deductions from an employee's salary"),
    gettext_noop("Details"),
    gettext_noop("Download the signed PDF"),
    gettext_noop("Enter a month as YYYY-MM."),
    gettext_noop("Enter the salary as a whole number of đồng."),
    gettext_noop(
        "Estimates from the rates in force today, with the legal source of every figure. Amounts in đồng."
    ),
    gettext_noop("Ethnic minority"),
    gettext_noop("Evidence: payslips, contract, photos (PNG, JPEG or PDF)"),
    gettext_noop("Figures used and their legal sources"),
    gettext_noop("Filed"),
    gettext_noop("For %(n)s months"),
    gettext_noop("From month"),
    gettext_noop("Household health insurance"),
    gettext_noop("Household, per month"),
    gettext_noop("Issue a certificate"),
    gettext_noop("Issued on"),
    gettext_noop("Left of the salary"),
    gettext_noop("Member %(n)s"),
    gettext_noop("Members of the household"),
    gettext_noop("Monthly salary for contributions (đồng)"),
    gettext_noop("Months"),
    gettext_noop("Months missing, a wrong salary or unit, or contributions deducted but not paid"),
    gettext_noop(
        "Months missing, a wrong salary or unit, or contributions deducted from your pay but not paid: ask your unit to correct them. If it does not answer in time, or disagrees, your BHXH office decides."
    ),
    gettext_noop("Near-poor household"),
    gettext_noop("No"),
    gettext_noop("No unit has this code."),
    gettext_noop("On-screen view — not a certificate"),
    gettext_noop("Other participants"),
    gettext_noop("Participant group"),
    gettext_noop("Participation certificate"),
    gettext_noop("Participation certificates"),
    gettext_noop("Poor household"),
    gettext_noop("QR code of participation certificate %(serial)s"),
    gettext_noop("Reason"),
    gettext_noop("Region I"),
    gettext_noop("Region II"),
    gettext_noop("Region III"),
    gettext_noop("Region IV"),
    gettext_noop("Result"),
    gettext_noop(
        "Revoke it if you gave it to the wrong party: its check will then answer that it is revoked."
    ),
    gettext_noop("Revoke this certificate"),
    gettext_noop("Salary on the payslip (đồng)"),
    gettext_noop("Signed, with a QR code anyone can check; as a PDF"),
    gettext_noop("Some fields are missing or invalid."),
    gettext_noop("State support"),
    gettext_noop("The last month cannot be in the future."),
    gettext_noop("The last month is before the first month."),
    gettext_noop("The office decides by"),
    gettext_noop("The state support is paid for at most %(months)s months."),
    gettext_noop("The unit answers by"),
    gettext_noop("The unit may see my name"),
    gettext_noop(
        "Revoke this certificate? From now on its check answers “revoked”; this cannot be undone."
    ),
    gettext_noop("This certificate is revoked: its check now answers “revoked”."),
    gettext_noop("This field is required."),
    gettext_noop("To month"),
    gettext_noop("Too long: at most %(max)d characters."),
    gettext_noop("Total deducted"),
    gettext_noop("Unit code"),
    gettext_noop("Voluntary BHXH, household BHYT, deductions from a salary"),
    gettext_noop("Voluntary social insurance"),
    gettext_noop("Wage region"),
    gettext_noop("What is wrong"),
    gettext_noop("Yes"),
    gettext_noop("You have not asked for a correction yet."),
    gettext_noop("You have not been issued a certificate yet."),
    gettext_noop("You pay each month"),
    gettext_noop(
        "Your unit answers within 10 working days. It sees your name only if you allow it."
    ),
    gettext_noop("from %(day)s"),
    gettext_noop("month"),
    gettext_noop("revoked"),
)

# Used with tn("singular", count): the catalogue hands both forms (n = 1, n = 2).
PLURALS: dict[str, Callable[[int], str]] = {
    "%(count)d month": lambda n: ngettext("%(count)d month", "%(count)d months", n),
    "%(count)d year": lambda n: ngettext("%(count)d year", "%(count)d years", n),
    "You can ask for a new code in %(seconds)s second.": lambda n: ngettext(
        "You can ask for a new code in %(seconds)s second.",
        "You can ask for a new code in %(seconds)s seconds.",
        n,
    ),
}


def catalogue_for(language: str) -> dict[str, object]:
    """Every string of the app in ``language``, with the names of the schemes, beneficiary
    groups and benefit levels the card and the history show."""
    with translation.override(language):
        return {
            "language": language,
            "strings": {text: gettext(text) for text in STRINGS},
            "plurals": {key: [forms(1), forms(2)] for key, forms in PLURALS.items()},
            "schemes": {str(code): str(name) for code, name in Scheme.choices},
            "groups": {code: str(name) for code, name in GROUP_LABELS.items()},
            "levels": {str(level): str(info.label) for level, info in BENEFIT_LEVELS.items()},
            # My dossiers: the words the portal shows for the API's codes.
            "forms": {str(code): str(name) for code, name in FormKind.choices},
            "statuses": {str(code): str(name) for code, name in Status.choices},
            "change_statuses": {str(code): str(name) for code, name in ChangeStatus.choices},
            "events": {str(code): str(name) for code, name in EventKind.choices},
            "attachments": {str(code): str(name) for code, name in AttachmentKind.choices},
            "fields": {code: str(name) for code, name in FIELD_LABELS.items()},
            # Correction cases: the kinds of problem the form offers.
            "problems": {str(code): str(name) for code, name in Problem.choices},
        }
