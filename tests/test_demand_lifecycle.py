"""Needs all the way (duty 5): routing by kind to a department, the department's inbox (accept, resolve,
hand back), the manager's feedback that alone closes a need, the timeline, escalation of overdue needs,
the visit checklist item, and the migration of needs raised before all this."""

import importlib
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone, translation

from fieldcrm.errors import ActionRefused
from fieldcrm.followup import actions
from fieldcrm.followup.models import Demand, DemandRoute, DemandStep
from fieldcrm.notices.models import Notice
from fieldcrm.org.models import Department, User
from fieldcrm.visits import checklist
from tests.factories import TODAY, make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _friday(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def shop(cast):
    return make_customer(cast["alice"], name="老王烟酒店")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the block left for the commit (notices are sent then)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _raise(cast, shop, kind="complaint", **kw):
    return actions.raise_demand(shop, kind=kind, description=f"{kind} 诉求", by=cast["alice"], **kw)


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


# --- routing -------------------------------------------------------------------------------------------


def test_each_kind_goes_to_its_default_department(cast, shop):
    expected = {"supply": "supply", "ordering": "supply", "delivery": "logistics", "marketing": "marketing",
                "price": "marketing", "licence": "monopoly", "equipment": "service", "legal": "service",
                "complaint": "service", "other": "service"}
    assert set(expected) == set(Demand.Kind.values)
    for kind, department in expected.items():
        assert _raise(cast, shop, kind).department.kind == department, kind


def test_the_company_setting_reroutes_a_kind(cast, shop):
    marketing = Department.objects.get(company=cast["company"], kind="marketing")
    DemandRoute.objects.create(company=cast["company"], kind="complaint", department=marketing)
    assert _raise(cast, shop, "complaint").department == marketing


def test_raising_routes_notifies_the_department_and_starts_the_timeline(cast, shop, committed):
    with committed():
        demand = _raise(cast, shop, "complaint")
    assert list(demand.steps.values_list("action", flat=True)) == ["raised", "routed"]
    notice = Notice.objects.get()
    assert notice.recipient == cast["dora"] and notice.kind == "demand_routed"
    assert notice.link == f"/demands/{demand.pk}/"
    with translation.override("en"):
        assert "老王烟酒店" in notice.rendered()


# --- who sees what: the department's inbox -------------------------------------------------------------


def test_the_inbox_shows_only_the_departments_own_needs(login, cast, shop):
    complaint = _raise(cast, shop, "complaint")
    supply = _raise(cast, shop, "supply")
    licence = _raise(cast, shop, "licence")
    dora = login(cast["dora"]).get("/demands/inbox/").content.decode()
    assert f'id="demand-{complaint.pk}"' in dora
    assert f'id="demand-{supply.pk}"' not in dora and f'id="demand-{licence.pk}"' not in dora
    max_ = login(cast["max"]).get("/demands/inbox/").content.decode()
    assert f'id="demand-{licence.pk}"' in max_ and f'id="demand-{complaint.pk}"' not in max_
    assert login(cast["dora"]).get(f"/demands/{supply.pk}/").status_code == 404
    assert login(cast["dora"]).get(f"/api/v1/demands/{supply.pk}").status_code == 404
    assert [d["id"] for d in login(cast["max"]).get("/api/v1/demands").json()] == [licence.pk]


def test_the_managers_inbox_lists_what_is_back_with_him(login, cast, shop):
    back = _raise(cast, shop, "complaint")
    actions.hand_back_demand(back, by=cast["dora"], reason="请直接答复")
    waiting = _raise(cast, shop, "equipment")
    html = login(cast["alice"]).get("/demands/inbox/").content.decode()
    assert f'id="demand-{back.pk}"' in html and f'id="demand-{waiting.pk}"' not in html


# --- the lifecycle -------------------------------------------------------------------------------------


def test_department_accepts_resolves_and_the_manager_closes_by_feedback(login, cast, shop, committed):
    demand = _raise(cast, shop, "complaint")
    dora, alice = login(cast["dora"]), login(cast["alice"])
    assert _post(dora, f"/api/v1/demands/{demand.pk}/accept").json()["status"] == "accepted"
    assert _post(dora, f"/api/v1/demands/{demand.pk}/accept").status_code == 200  # again: no change
    assert _post(alice, f"/api/v1/demands/{demand.pk}/accept").status_code == 403  # not the manager's step
    early = _post(alice, f"/api/v1/demands/{demand.pk}/close")
    assert early.status_code == 409 and "请先处理诉求" in early.json()["detail"]  # names the missing step
    with committed():
        resolved = _post(dora, f"/api/v1/demands/{demand.pk}/resolve", {"resolution": "已上门处理"})
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_by"] == "dora"
    assert Notice.objects.filter(recipient=cast["alice"], kind="demand_resolved").count() == 1
    early = _post(alice, f"/api/v1/demands/{demand.pk}/close")
    assert early.status_code == 409 and "请先登记对零售客户的反馈" in early.json()["detail"]
    assert Demand.objects.get(pk=demand.pk).is_open
    assert _post(dora, f"/api/v1/demands/{demand.pk}/feedback", {"channel": "visit"}).status_code == 403
    key = str(uuid.uuid4())
    body = {"channel": "phone", "retailer_response": "满意", "satisfied": True, "client_uuid": key}
    closed = _post(alice, f"/api/v1/demands/{demand.pk}/feedback", body)
    again = _post(alice, f"/api/v1/demands/{demand.pk}/feedback", body)  # a replay
    assert closed.status_code == again.status_code == 200 and closed.json() == again.json()
    got = alice.get(f"/api/v1/demands/{demand.pk}").json()
    assert got["status"] == "closed" and got["department"] == "service" and got["resolution"] == "已上门处理"
    assert got["feedback_at"] and got["feedback_channel"] == "phone" and got["satisfied"] is True
    assert [(s["action"], s["by"]) for s in got["timeline"]] == [
        ("raised", "alice"), ("routed", None), ("accepted", "dora"), ("resolved", "dora"), ("feedback", "alice")]
    assert _post(alice, f"/api/v1/demands/{demand.pk}/close").status_code == 200  # recorded: as it is


def test_handed_back_the_manager_settles_alone(login, cast, shop, committed):
    demand = _raise(cast, shop, "legal")
    dora, alice = login(cast["dora"]), login(cast["alice"])
    assert _post(dora, f"/api/v1/demands/{demand.pk}/hand-back", {"reason": " "}).status_code == 400
    with committed():
        back = _post(dora, f"/api/v1/demands/{demand.pk}/hand-back", {"reason": "政策咨询请客户经理答复"})
    assert back.json()["status"] == "handed_back"
    assert Notice.objects.filter(recipient=cast["alice"], kind="demand_handed_back").exists()
    assert _post(dora, f"/api/v1/demands/{demand.pk}/resolve", {"resolution": "x"}).status_code == 409
    with committed():
        assert _post(alice, f"/api/v1/demands/{demand.pk}/resolve", {"resolution": "已解释政策"}).status_code == 200
    assert not Notice.objects.filter(kind="demand_resolved").exists()  # he resolved it himself
    assert _post(alice, f"/api/v1/demands/{demand.pk}/feedback", {"channel": "wechat"}).json()["status"] == "closed"


def test_supervisor_reads_and_outsiders_do_not_see(login, cast, shop):
    demand = _raise(cast, shop, "complaint")
    assert login(cast["sam"]).get(f"/api/v1/demands/{demand.pk}").status_code == 200
    assert _post(login(cast["sam"]), f"/api/v1/demands/{demand.pk}/accept").status_code == 403
    for who in ("bob", "charlie", "max"):
        assert _post(login(cast[who]), f"/api/v1/demands/{demand.pk}/accept").status_code == 404, who


def test_steps_through_the_pages(login, cast, shop):
    demand = _raise(cast, shop, "complaint")
    dora, alice = login(cast["dora"]), login(cast["alice"])
    page = dora.get(f"/demands/{demand.pk}/").content.decode()
    assert 'id="accept-demand"' in page and 'id="hand-back-demand"' in page and 'id="feedback-demand"' not in page
    dora.post(f"/demands/{demand.pk}/accept")
    dora.post(f"/demands/{demand.pk}/resolve", {"resolution": "已更换灯箱"})
    page = alice.get(f"/demands/{demand.pk}/").content.decode()
    assert 'id="feedback-demand"' in page and 'data-step="resolved"' in page and "已更换灯箱" in page
    alice.post(f"/demands/{demand.pk}/feedback", {"channel": "visit", "satisfied": "true",
                                                   "client_uuid": str(uuid.uuid4())})
    demand.refresh_from_db()
    assert demand.status == Demand.Status.CLOSED and demand.feedback_channel == "visit"
    section = alice.get(f"/customers/{shop.customer_code}/demands/").content.decode()
    assert f'id="demand-{demand.pk}"' in section and 'data-status="closed"' in section


# --- escalation ----------------------------------------------------------------------------------------


def test_overdue_unresolved_needs_escalate_once_to_the_supervisor(cast, shop, time_machine, committed):
    late = _raise(cast, shop, "complaint")
    done = _raise(cast, shop, "equipment")
    actions.resolve_demand(done, by=cast["dora"], resolution="已修好")
    time_machine.move_to(late.due_at + timedelta(minutes=1), tick=False)
    with committed():
        assert actions.escalate_overdue() == 1
    late.refresh_from_db()
    assert late.escalated_at == timezone.now()
    assert list(late.steps.filter(action="escalated").values_list("action", flat=True)) == ["escalated"]
    notice = Notice.objects.get(kind="demand_overdue")
    assert notice.recipient == cast["sam"]
    with committed():
        call_command("escalate_demands", stdout=StringIO())
    assert Notice.objects.filter(kind="demand_overdue").count() == 1  # once
    assert not Demand.objects.get(pk=done.pk).escalated_at  # resolved: not escalated


# --- the visit checklist -------------------------------------------------------------------------------


def test_resolved_needs_are_on_the_next_visits_checklist_and_answering_closes_them(cast, shop):
    demand = _raise(cast, shop, "complaint")
    other = _raise(cast, shop, "supply")  # not resolved: not on the checklist
    actions.resolve_demand(demand, by=cast["dora"], resolution="已上门处理")
    items = [i for i in checklist.items_for(shop, TODAY.date(), cast["alice"]) if i.kind == "demand"]
    assert [i.code for i in items] == [f"demand:{demand.pk}"]

    class Visit:  # what the hook reads of a recorded visit
        customer_id = shop.pk
        checked_in_at = TODAY
        checked_out_at = None

    checklist.hook_for(items[0].code)(items[0].code, True, "店主表示满意", cast["alice"], Visit)
    demand.refresh_from_db()
    assert demand.status == Demand.Status.CLOSED and demand.feedback_channel == "visit"
    assert demand.retailer_response == "店主表示满意"
    checklist.hook_for(items[0].code)(items[0].code, True, "again", cast["alice"], Visit)  # a later visit: no-op
    assert Demand.objects.get(pk=other.pk).is_open


def test_a_recorded_visit_answering_the_item_closes_the_need(login, cast, shop):
    demand = _raise(cast, shop, "complaint")
    actions.resolve_demand(demand, by=cast["dora"], resolution="已上门处理")
    alice = login(cast["alice"])
    codes = [i["code"] for i in alice.get(f"/api/v1/customers/{shop.customer_code}/checklist").json()["items"]]
    assert f"demand:{demand.pk}" in codes
    visit = {"client_uuid": str(uuid.uuid4()), "customer_code": shop.customer_code,
             "checked_in_at": TODAY.isoformat(), "latitude": 34.72, "longitude": 116.94,
             "checklist": [{"code": f"demand:{demand.pk}", "done": True, "note": "店主已知悉"}]}
    first = _post(alice, "/api/v1/visits", visit)
    again = _post(alice, "/api/v1/visits", visit)  # a replay of the queued visit
    assert (first.status_code, again.status_code) == (201, 200), first.content
    demand.refresh_from_db()
    assert demand.status == Demand.Status.CLOSED and demand.feedback_channel == "visit"
    assert demand.retailer_response == "店主已知悉" and demand.feedback_at == TODAY
    assert demand.steps.filter(action="feedback").count() == 1


# --- the migration of needs raised before the lifecycle ------------------------------------------------


def test_existing_needs_get_their_department_and_timeline_and_back(cast, shop):
    migration = importlib.import_module("fieldcrm.followup.migrations.0003_route_and_timeline_existing_demands")
    open_one = _raise(cast, shop, "delivery")
    closed = _raise(cast, shop, "licence")
    quiet = _raise(cast, shop, "other")
    later = TODAY + timedelta(hours=3)
    Demand.objects.filter(pk=closed.pk).update(status="closed", closed_at=later, closed_by=cast["alice"],
                                               resolution="已告知流程", feedback_at=later)
    Demand.objects.filter(pk=quiet.pk).update(status="closed", closed_at=later, closed_by=cast["alice"],
                                              resolution="已答复")
    # As they were before: no department, no steps.
    DemandStep.objects.all().delete()
    Demand.objects.update(department=None)
    before = {d.pk: (d.closed_at, d.feedback_at) for d in Demand.objects.all()}
    answered = list(Demand.objects.answered_in_time())

    migration.forwards(apps, None)
    by_pk = {d.pk: d for d in Demand.objects.select_related("department")}
    assert by_pk[open_one.pk].department.kind == "logistics" and by_pk[closed.pk].department.kind == "monopoly"
    assert list(by_pk[open_one.pk].steps.values_list("action", flat=True)) == ["raised", "routed"]
    assert list(by_pk[closed.pk].steps.values_list("action", "at")) == [
        ("raised", TODAY), ("routed", TODAY), ("resolved", later), ("feedback", later)]
    assert list(by_pk[quiet.pk].steps.values_list("action", flat=True)) == ["raised", "routed", "resolved", "closed"]
    assert {d.pk: (d.closed_at, d.feedback_at) for d in by_pk.values()} == before
    assert list(Demand.objects.answered_in_time()) == answered  # demand_closure reads the same

    migration.backwards(apps, None)
    assert not DemandStep.objects.exists() and not Demand.objects.filter(department__isnull=False).exists()


def test_inactive_staff_are_not_notified(cast, shop, django_capture_on_commit_callbacks):
    gone = make_user("gone", User.Role.DEPARTMENT, cast["company"], department=cast["dora"].department,
                     is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _raise(cast, shop, "complaint")
    assert not Notice.objects.filter(recipient=gone).exists()


def test_feedback_before_resolution_is_refused(cast, shop):
    with pytest.raises(ActionRefused):
        actions.record_feedback(_raise(cast, shop), by=cast["alice"], channel="visit", satisfied=None)
