"""In-app notices: written in the person's language, listed newest first, marked read."""

import pytest
from django.utils.translation import gettext_lazy as _

from ansinh.conftest import make_citizen
from ansinh.notifications.services import mark_read, notices_of, notify

pytestmark = pytest.mark.django_db


def test_a_notice_is_written_in_the_persons_language(citizen):
    import datetime as dt

    english = make_citizen(
        bhxh_code="7912345671",
        cccd=None,
        full_name="Mai",
        dob=dt.date(1990, 1, 1),
        sex="F",
        language="en",
    )
    title = _("The identifier or password is incorrect.")
    notify(user=citizen, kind="test", title=title)
    notify(user=english, kind="test", title=title)
    assert notices_of(citizen).get().title == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert notices_of(english).get().title == "The identifier or password is incorrect."


def test_notices_are_listed_newest_first_and_marked_read_per_person(citizen, outsider):
    first = notify(user=citizen, kind="a", title="first")
    second = notify(user=citizen, kind="b", title="second")
    notify(user=outsider, kind="c", title="not yours")
    assert list(notices_of(citizen)) == [second, first]

    assert mark_read(user=citizen, public_ids=[str(first.public_id)]) == 1
    assert mark_read(user=citizen) == 1  # only the unread one left
    assert notices_of(outsider).get().read_at is None
