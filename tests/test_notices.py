"""In-app notices: sent on commit, rendered in the reader's language, the inbox, the badge and the API."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from fieldcrm.notices import notify
from fieldcrm.notices.models import Notice

pytestmark = pytest.mark.django_db

ARGS = {"decision": "approved", "customer": "张兵烟酒店", "field": "phone"}


def test_notify_waits_for_commit_and_sends_once_per_user(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([cast["alice"], cast["alice"], None], "change_request_decided", args=ARGS, link="/customers/")
        assert not Notice.objects.exists()  # not before the commit
    notice = Notice.objects.get()
    assert (notice.recipient, notice.kind, notice.link) == (cast["alice"], "change_request_decided", "/customers/")


def test_a_rolled_back_action_notifies_nobody(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(cast["alice"], "plan_approved", args={"week": "2026-11-30"})
                raise RuntimeError
        except RuntimeError:
            pass
    assert not Notice.objects.exists()


def test_notice_reads_in_the_readers_language(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(cast["alice"], "change_request_decided", args=ARGS)
    notice = Notice.objects.get()
    with translation.override("en"):
        assert notice.rendered() == "Change request for 张兵烟酒店 approved: phone"


class Boom:
    def send(self, notices):
        raise RuntimeError("gateway down")


def test_a_failing_sender_keeps_the_inbox_and_the_action(cast, django_capture_on_commit_callbacks):
    with override_settings(NOTICE_SENDER="tests.test_notices.Boom"), \
            django_capture_on_commit_callbacks(execute=True):
        notify(cast["alice"], "plan_returned", args={"week": "2026-11-30", "comment": "太长"})
    assert Notice.objects.filter(recipient=cast["alice"]).count() == 1


def test_unknown_kind_is_a_programming_error(cast):
    with pytest.raises(ValueError):
        notify(cast["alice"], "no_such_kind")


def _send(user, kind="plan_approved", link="/visits/"):
    return Notice.objects.create(recipient=user, kind=kind, args={"week": "2026-11-30"}, link=link)


def test_inbox_badge_and_mark_read(cast, login):
    mine = _send(cast["alice"])
    _send(cast["bob"])
    c = login(cast["alice"])
    with translation.override("en"):
        page = c.get("/notices/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.content.decode().count('data-notice="plan_approved"') == 1
    assert 'id="unread-badge">1<' in page.content.decode()
    response = c.post(f"/notices/{mine.pk}/read")
    assert response.status_code == 302 and response["Location"] == "/visits/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'id="unread-badge"' not in c.get("/notices/").content.decode()


def test_someone_elses_notice_is_404(cast, login):
    theirs = _send(cast["bob"])
    assert login(cast["alice"]).post(f"/notices/{theirs.pk}/read").status_code == 404
    assert login(cast["alice"]).post(f"/api/v1/notices/{theirs.pk}/read").status_code == 404


def test_read_all(cast, login):
    _send(cast["alice"])
    _send(cast["alice"])
    login(cast["alice"]).post("/notices/read-all")
    assert not Notice.objects.unread().exists()


def test_api_lists_own_notices_and_read_is_replay_safe(cast, login):
    notice = _send(cast["alice"])
    _send(cast["bob"])
    c = login(cast["alice"])
    body = c.get("/api/v1/notices?unread=true").json()
    assert [n["id"] for n in body] == [notice.pk]
    first = c.post(f"/api/v1/notices/{notice.pk}/read").json()
    again = c.post(f"/api/v1/notices/{notice.pk}/read").json()
    assert first["read_at"] is not None and first["read_at"] == again["read_at"]
    assert c.get("/api/v1/notices?unread=true").json() == []
