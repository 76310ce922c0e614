"""Issue 15 item 5: the manager's 待办诉求 includes the needs resolved by the department and awaiting the
feedback to the retailer, and the feedback is recorded from the inbox row itself (one form, no second page)."""

import re
import uuid

import pytest

from fieldcrm.followup import actions
from fieldcrm.followup.models import Demand
from tests.factories import TODAY, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _friday(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def resolved(cast):
    shop = make_customer(cast["alice"], name="老王烟酒店")
    demand = actions.raise_demand(shop, kind="complaint", description="条烟破损", by=cast["alice"])
    actions.resolve_demand(demand, by=cast["dora"], resolution="已补发两条")
    return demand


def test_the_managers_inbox_lists_needs_awaiting_feedback_with_a_form(login, cast, resolved):
    html = login(cast["alice"]).get("/demands/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'id="demand-{resolved.pk}"' in html and 'data-status="resolved"' in html
    assert 'id="awaiting-feedback"' in html and "1 条诉求已解决，待您反馈给零售客户" in html
    assert "记录向零售客户的反馈" in html
    form = re.search(rf'<form method="post" action="/demands/{resolved.pk}/feedback".*?</form>', html, re.S)
    assert form, "the row carries the feedback form"
    assert 'name="next" value="/demands/inbox/"' in form.group(0)
    # The department's inbox has nothing left to do with it; another manager sees neither the need nor a form.
    assert f'id="demand-{resolved.pk}"' not in login(cast["dora"]).get("/demands/inbox/").content.decode()
    bob = login(cast["bob"]).get("/demands/inbox/").content.decode()
    assert f'id="demand-{resolved.pk}"' not in bob and "/feedback" not in bob


def test_feedback_from_the_inbox_closes_the_need_and_comes_back(login, cast, resolved):
    response = login(cast["alice"]).post(f"/demands/{resolved.pk}/feedback", {
        "channel": "phone", "retailer_response": "满意", "satisfied": "true", "client_uuid": str(uuid.uuid4()),
        "next": "/demands/inbox/",
    })
    assert response.status_code == 302 and response["Location"] == "/demands/inbox/"
    resolved.refresh_from_db()
    assert resolved.status == Demand.Status.CLOSED and resolved.satisfied is True
    assert resolved.feedback_channel == "phone" and resolved.retailer_response == "满意"
    html = login(cast["alice"]).get("/demands/inbox/").content.decode()
    assert f'id="demand-{resolved.pk}"' not in html and 'id="awaiting-feedback"' not in html


def test_only_the_customers_manager_records_the_feedback(login, cast, resolved):
    for user in ("bob", "dora", "sam"):
        response = login(cast[user]).post(f"/demands/{resolved.pk}/feedback", {
            "channel": "phone", "satisfied": "unknown", "next": "/demands/inbox/"})
        assert response.status_code in (302, 403, 404)
    resolved.refresh_from_db()
    assert resolved.status == Demand.Status.RESOLVED
