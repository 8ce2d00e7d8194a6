"""Who acts, through which door, from where: the one value every service receives.

Adapters (``api/``, ``portal/``, ``backoffice/``, the admin, commands) build an ``Actor`` from
their request or invocation and pass it to services; services never see an ``HttpRequest``.
Roles, office scope and wrong-door rules are decided by the services and the apps' ``access.py``
helpers from this value, so one test of a service covers every door (docs/security.md).
(Zulip passes ``acting_user`` to every ``do_*`` action the same way.)
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ansinh.accounts.models import OrganisationKey, User

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Channel(models.TextChoices):
    """The door a request came through. Stored in audit rows and dossiers, so values stay."""

    API = "api", _("App or unit API")
    PORTAL = "portal", _("Portal")
    BACKOFFICE = "backoffice", _("Back office")
    CLI = "cli", _("Command line")


@dataclasses.dataclass(frozen=True, slots=True)
class Actor:
    """The acting party of one request or command.

    At most one of ``user`` (a citizen or a staff member) and ``key`` (a unit's or a collection
    organisation's API key) is set; neither for an anonymous request (login, recovery,
    registration, card verification). ``ip`` is the client address as ``lib.clientip`` decides
    it (``None`` for commands); ``user_agent`` is already cut to 200 printable characters.
    """

    channel: Channel
    ip: str | None = None
    user_agent: str = ""
    user: User | None = None
    key: OrganisationKey | None = None

    def __post_init__(self) -> None:
        if self.user is not None and self.key is not None:
            raise ValueError("an actor is a user or a key, not both")

    # -- who ---------------------------------------------------------------------------------
    @property
    def is_anonymous(self) -> bool:
        return self.user is None and self.key is None

    @property
    def is_staff(self) -> bool:
        return self.user is not None and bool(self.user.is_staff)

    @property
    def is_citizen(self) -> bool:
        return self.user is not None and not self.user.is_staff

    @property
    def ip_key(self) -> str:
        """The key per-address limits count by: the IPv4 address or the IPv6 /64 network."""
        if not self.ip:
            return "local"
        address = ipaddress.ip_address(self.ip)
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.IPv6Network((address, 64), strict=False))
        return str(address)

    def as_user(self, user: User | None) -> Actor:
        """The same door and address, now acting as ``user`` (after a login, for instance)."""
        return dataclasses.replace(self, user=user, key=None)

    # -- builders (adapters only) --------------------------------------------------------------
    @classmethod
    def from_request(
        cls,
        request: HttpRequest,
        channel: Channel,
        *,
        user: User | None = None,
        key: OrganisationKey | None = None,
    ) -> Actor:
        """Build the actor of a web request. ``user`` defaults to the request's signed-in user
        (anonymous users count as none); pass ``key`` for a unit API request."""
        from ansinh.lib.clientip import client_ip

        if user is None and key is None:
            request_user = getattr(request, "user", None)
            if request_user is not None and request_user.is_authenticated:
                user = request_user
        agent = _CONTROL.sub("?", request.META.get("HTTP_USER_AGENT", "")[:200])
        return cls(channel=channel, ip=client_ip(request), user_agent=agent, user=user, key=key)

    @classmethod
    def command(cls, user: User | None = None) -> Actor:
        """The actor of a management command or of the operator's shell."""
        return cls(channel=Channel.CLI, user=user)

    @classmethod
    def system(cls) -> Actor:
        """The platform itself (the task worker, scheduled jobs)."""
        return cls(channel=Channel.CLI)
