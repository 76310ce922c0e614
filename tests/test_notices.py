"""In-app notices: sent on commit, rendered in the reader's language, the inbox, the badge and the API."""

from datetime import timedelta

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


def test_change_request_decision_notifies_the_proposer(cast, django_capture_on_commit_callbacks):
    from fieldcrm.customers import actions as customer_actions
    from tests.factories import make_customer

    shop = make_customer(cast["alice"], name="老王烟酒店")
    approved = customer_actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    rejected = customer_actions.propose_change(make_customer(cast["alice"]), "phone", "13800002222",
                                               by=cast["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        customer_actions.approve_change_request(approved, by=cast["dora"])
        customer_actions.reject_change_request(rejected, by=cast["dora"], note="空号")
    notices = list(Notice.objects.filter(recipient=cast["alice"], kind="change_request_decided")
                   .order_by("pk"))
    assert [n.args["decision"] for n in notices] == ["approved", "rejected"]
    assert notices[0].link == f"/customers/{shop.customer_code}/"


def test_plan_decision_notifies_the_manager(cast, django_capture_on_commit_callbacks):
    from fieldcrm.visits.actions import decide_plan
    from fieldcrm.visits.models import WeekPlan
    from tests.factories import WEEK

    def submitted(week):
        return WeekPlan.objects.create(manager=cast["alice"], week_start=week, status=WeekPlan.Status.SUBMITTED,
                                       depot_latitude=34.72, depot_longitude=116.94)

    with django_capture_on_commit_callbacks(execute=True):
        decide_plan(submitted(WEEK), by=cast["sam"], approve=True)
        returned = decide_plan(submitted(WEEK + timedelta(days=7)),
                               by=cast["sam"], approve=False, comment="周三多跑两家")
    kinds = list(Notice.objects.filter(recipient=cast["alice"]).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["plan_approved", "plan_returned"]
    with translation.override("en"):
        assert "周三多跑两家" in Notice.objects.get(kind="plan_returned").rendered()
    assert Notice.objects.get(kind="plan_returned").link == f"/visits/plans/{returned.pk}/"
