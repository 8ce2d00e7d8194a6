"""Electronic-transaction accounts (citizens) and staff accounts, and app tokens (DESIGN §3.2)."""

from __future__ import annotations

import secrets
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ansinh.people.models import Office, Person


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    CLERK = "clerk", _("Clerk")
    APPROVER = "approver", _("Approver")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = (Role.CLERK, Role.APPROVER, Role.ADMIN)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: object) -> User:
        """Low-level constructor; application code uses ``accounts.services`` (policy checks)."""
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One login: a citizen's e-transaction account or a staff member.

    A citizen's ``username`` is the BHXH code and ``person`` links the registry; login also
    accepts the CCCD (``backends.resolve_identifier``). Staff usernames are lower-case names
    that can never look like a BHXH code or CCCD.
    """

    username = models.CharField(max_length=32, unique=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CITIZEN)
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    full_name = models.CharField(max_length=100, blank=True)  # staff only; citizens use person
    email = models.CharField(max_length=254, blank=True)  # staff only; citizens use person
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The account may do nothing but change its password (temporary or reset password).
    password_change_required = models.BooleanField(default=False)
    # A temporary password stops working at this time (recovery, registration).
    password_expires_at = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # Rotated to end every web session at once (logout-all, password change, recovery).
    security_stamp = models.CharField(max_length=32, default=new_security_stamp)
    language = models.CharField(max_length=2, default="vi")
    # The WebAuthn user handle of the account's passkeys (accounts/passkeys.py): 32 random
    # bytes, made with the first passkey, never the username or the BHXH code.
    passkey_handle = models.BinaryField(max_length=32, null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="citizen", person__isnull=False)
                | (~models.Q(role="citizen") & models.Q(person__isnull=True)),
                name="citizen_has_person_staff_has_none",
            )
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff(self) -> bool:
        """Django admin access: administrators only."""
        return self.role == Role.ADMIN

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    @property
    def is_office_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def failed_logins(self) -> int:
        """Consecutive failed logins of the account, through any of its identifiers; reset by
        a successful login or a new password (``accounts.throttle``). Read-only."""
        from .throttle import account_failures

        return account_failures(self)

    @property
    def display_name(self) -> str:
        return self.person.full_name if self.person_id and self.person else self.full_name

    @property
    def contact_email(self) -> str:
        """Where account emails go: the person's verified address on record, or the staff email."""
        if self.person_id and self.person:
            return self.person.email if self.person.email_verified else ""
        return self.email

    def check_password(self, raw_password: str | None) -> bool:
        """Django's check, except that a hash upgrade (new parameters) is written only if the
        stored hash is still the one just verified: a reset or password change that committed
        meanwhile is never overwritten with the old password (issue 11 b)."""
        verified = self.password

        def upgrade(raw: str | None) -> None:
            self.set_password(raw)
            self._password = None  # an upgrade is not a password change
            User.objects.filter(pk=self.pk, password=verified).update(password=self.password)

        return check_password(raw_password, verified, upgrade)

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django binds sessions to the password hash; we add the security stamp so that
        # "log out everywhere" can end web sessions without changing the password.
        key_salt = "ansinh.accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.security_stamp}", secret=secret, algorithm="sha256"
        ).hexdigest()


class DeviceSession(models.Model):
    """One app login on one device: the unit of "log out this device" (DESIGN §3.2)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="devices")
    device_name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)
    # The account's ``security_stamp`` when this device signed in. Its tokens work only while
    # the account still has that stamp: a reset, a password change or logout-all rotates it,
    # which ends the device even if it was created after the revocation ran (issue 11 b).
    security_stamp = models.CharField(max_length=32, default="")

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.device_name}"


class TokenKind(models.TextChoices):
    ACCESS = "access", _("Access")
    REFRESH = "refresh", _("Refresh")


class AppToken(models.Model):
    """An opaque bearer token, stored as its SHA-256 digest only.

    The raw token (256 random bits) is shown to the client once and never stored; a plain
    digest suffices because the token cannot be guessed or brute-forced offline.
    """

    device = models.ForeignKey(DeviceSession, on_delete=models.CASCADE, related_name="tokens")
    kind = models.CharField(max_length=7, choices=TokenKind.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # For refresh tokens: when it was exchanged. Presenting it again means it was stolen.
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} token of device {self.device_id}"


class OrganisationKey(models.Model):
    """An API key of an employer unit or a collection organisation (DESIGN §1): the unit API
    (``/unit/*``) acts for exactly one of them. Stored as its SHA-256 digest only; the raw key
    is shown once when issued."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    organisation = models.ForeignKey(
        "people.CollectionOrganisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    digest = models.CharField(max_length=64, unique=True)
    # The first characters of the raw key, so people can tell their keys apart.
    prefix = models.CharField(max_length=12)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(unit__isnull=False) & models.Q(organisation__isnull=True))
                | (models.Q(unit__isnull=True) & models.Q(organisation__isnull=False)),
                name="key_belongs_to_a_unit_or_an_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.owner_code}"

    @property
    def owner_code(self) -> str:
        owner = self.unit or self.organisation
        return owner.code if owner else ""


class LoginFailureCounter(models.Model):
    """Consecutive failed logins counted under one key (``accounts.throttle``): a typed
    identifier (``i:`` + keyed digest; the back-off) or an account (``a:`` + id; the cap of
    ``LOGIN_MAX_FAILURES``). Registered and unknown identifiers get the same rows, so
    recording a failure is the same statement for both (issue 11 g, k). In the database, not
    a cache: no client can evict a counter, and nothing expires behind the schedule's back.
    """

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["last_failed_at"], name="login_failure_last_idx")]

    def __str__(self) -> str:
        return f"{self.key[:10]}… {self.failures}"


class Passkey(models.Model):
    """A passkey ("khóa truy cập"): one WebAuthn credential of one account, discoverable and
    user-verified, that signs in to the app without the password (accounts/passkeys.py). Only
    the public key is here; the private key never leaves the person's device."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    # base64url of the raw credential id (at most 1023 bytes, WebAuthn §5.1), as the app sends it.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField(max_length=2048)  # COSE_Key
    # The authenticator's signature counter; 0 for those that keep none (most synced passkeys).
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    # The authenticator model (all zeros when it does not say); backed up = a synced passkey.
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="passkey_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name}"


class ChallengePurpose(models.TextChoices):
    REGISTER = "register", _("Add a passkey")
    SIGN_IN = "sign_in", _("Sign in with a passkey")


class PasskeyChallenge(models.Model):
    """A WebAuthn challenge handed out and not yet used: single-use (the first answer deletes
    the row with one conditional DELETE, whatever the outcome), short-lived, bound to its
    purpose and, for adding a passkey, to the signed-in account. Only its digest is kept."""

    digest = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=10, choices=ChallengePurpose.choices)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="passkey_challenge_exp_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.digest[:10]}…"
