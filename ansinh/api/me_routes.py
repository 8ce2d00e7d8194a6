"""``/me``: the signed-in person's own data (DESIGN §4)."""

from django.http import HttpRequest
from ninja import Router

from ansinh.accounts.profile import profile_of

from .auth import current_user, token_auth
from .schemas import ErrorOut, ProfileOut

router = Router(tags=["me"], auth=token_auth)


@router.get("", response={200: ProfileOut, 401: ErrorOut, 403: ErrorOut})
def me(request: HttpRequest) -> ProfileOut:
    """The profile, with CCCD, phone and email masked."""
    return ProfileOut(**profile_of(current_user(request)))
