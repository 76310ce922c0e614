"""Retailer needs (duty 5's core): the deadline from the service standard, raising, resolving and closing by
feedback, who sees and acts on them (pages and API), and the visit-plan reason they give. The department
lifecycle (routing, inbox, hand back, escalation, timeline, migration) is tests/test_demand_lifecycle.py."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from fieldcrm.care.models import ServicePolicy, ServiceStandard
from fieldcrm.customers.models import CustomerClass
from fieldcrm.errors import ActionRefused, InvalidInput
from fieldcrm.followup import actions
from fieldcrm.followup.models import Demand
from fieldcrm.followup.reasons import DEMAND
from fieldcrm.visits import candidates, planning, reasons
from fieldcrm.visits.actions import generate_week_plan
from fieldcrm.visits.models import PlanningPolicy
from tests.factories import TODAY, WEEK, make_customer, make_store

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=False)  # Friday 2026-11-27 10:00 in Shanghai; WEEK is next week


def _class(cast, name):
    return CustomerClass.objects.get(company=cast["company"], name=name)


def _site_admin(login, cast):
    cast["ada"].is_staff = cast["ada"].is_superuser = True
    cast["ada"].save()
    return login(cast["ada"])


def _response_hours(cast, name, hours):
    ServiceStandard.objects.filter(customer_class=_class(cast, name)).update(response_hours=hours)


@pytest.fixture
def shop(cast):
    return make_customer(cast["alice"], name="老王烟酒店", customer_class=_class(cast, "重点客户"))  # 48 h


@pytest.fixture
def demand(cast, shop):
    return actions.raise_demand(shop, kind=Demand.Kind.SUPPLY, description="中华(硬)断货，希望增加投放",
                                by=cast["alice"])


def _settle(demand, by, at=None):
    """The manager settles the need alone and tells the retailer (at `at`, default now): it closes."""
    actions.resolve_demand(demand, by=by, resolution="已处理", resolved_at=at)
    return actions.record_feedback(demand, by=by, channel="phone", satisfied=True, given_at=at)


# --- the deadline and the actions -------------------------------------------------------------------------


def test_deadline_is_the_response_time_of_the_customers_class(cast, demand):
    assert demand.response_hours == 48
    assert demand.raised_at == TODAY
    assert demand.due_at.astimezone(SHANGHAI) == datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)
    core = make_customer(cast["alice"], customer_class=_class(cast, "核心客户"))
    heard = TODAY - timedelta(hours=3)
    urgent = actions.raise_demand(core, kind="delivery", description="送货晚到", by=cast["alice"], raised_at=heard)
    assert urgent.due_at == heard + timedelta(hours=24)


def test_a_class_without_a_standard_gets_the_default_response_time(cast):
    bare = CustomerClass.objects.create(company=cast["company"], name="试点客户")
    assert ServicePolicy.for_company(cast["company"]).default_response_hours == 48
    for customer in (make_customer(cast["alice"], customer_class=bare), make_customer(cast["alice"])):
        demand = actions.raise_demand(customer, kind="other", description="咨询", by=cast["alice"])
        assert demand.response_hours == 48
        assert demand.due_at == demand.raised_at + timedelta(hours=48)


def test_the_default_response_time_is_the_one_the_admin_set(login, cast):
    policy = ServicePolicy.for_company(cast["company"])
    admin = _site_admin(login, cast)
    form = {"company": cast["company"].pk, "license_notice_days": 30, "tier_change_follow_up_days": 7,
            "default_response_hours": 12, "festival_greeting_days_before": 3}
    assert admin.post(f"/admin/care/servicepolicy/{policy.pk}/change/", form).status_code == 302
    demand = actions.raise_demand(make_customer(cast["alice"]), kind="other", description="咨询", by=cast["alice"])
    assert demand.response_hours == 12 and demand.due_at == demand.raised_at + timedelta(hours=12)


def test_changing_the_standard_later_moves_no_deadline(cast, shop, demand):
    _response_hours(cast, "重点客户", 12)
    demand.refresh_from_db()
    assert demand.response_hours == 48 and demand.due_at == TODAY + timedelta(hours=48)
    shop.refresh_from_db()
    later = actions.raise_demand(shop, kind="other", description="再次咨询", by=cast["alice"])
    assert later.due_at == TODAY + timedelta(hours=12)


@pytest.mark.parametrize("kind,description,raised_at,message", [
    ("supply", "   ", None, "Describe"),
    ("weather", "下雨", None, "kind"),
    ("supply", "长" * 501, None, "too long"),
    ("supply", "补货", TODAY + timedelta(hours=1), "future"),
])
def test_raising_is_validated(cast, shop, kind, description, raised_at, message):
    with translation.override("en"), pytest.raises(InvalidInput, match=message):
        actions.raise_demand(shop, kind=kind, description=description, by=cast["alice"], raised_at=raised_at)
    assert not Demand.objects.exists()


def test_a_repeated_submission_records_the_need_once(cast, shop):
    key = uuid.uuid4()
    first = actions.raise_demand(shop, kind="supply", description="补货", by=cast["alice"], client_uuid=key)
    again = actions.raise_demand(shop, kind="supply", description="补货", by=cast["alice"], client_uuid=key)
    assert first.pk == again.pk and Demand.objects.count() == 1
    other = make_customer(cast["alice"])
    with pytest.raises(InvalidInput):
        actions.raise_demand(other, kind="supply", description="补货", by=cast["alice"], client_uuid=key)


def test_resolving_and_feedback_close_the_need_once(cast, demand, time_machine):
    with translation.override("en"), pytest.raises(InvalidInput, match="resolved"):
        actions.resolve_demand(demand, by=cast["alice"], resolution=" ")
    time_machine.move_to(TODAY + timedelta(hours=5), tick=False)
    actions.resolve_demand(demand, by=cast["alice"], resolution="已协调货源，下周增加投放")
    closed = actions.record_feedback(demand, by=cast["alice"], channel="visit", retailer_response="好的",
                                     satisfied=True)
    assert closed.status == Demand.Status.CLOSED and closed.closed_by == cast["alice"]
    assert closed.closed_at == closed.feedback_at == TODAY + timedelta(hours=5)
    assert not closed.closed_late
    assert list(Demand.objects.answered_in_time()) == [closed]
    with pytest.raises(ActionRefused):
        actions.record_feedback(demand, by=cast["alice"], channel="phone", satisfied=True)
    with pytest.raises(ActionRefused):
        actions.resolve_demand(demand, by=cast["alice"], resolution="再处理一次")
    assert actions.close_demand(demand, by=cast["alice"]).status == Demand.Status.CLOSED  # recorded: a no-op
    assert Demand.objects.get(pk=demand.pk).resolution == "已协调货源，下周增加投放"


def test_resolved_without_feedback_or_told_late_does_not_count_as_answered(cast, shop, demand, time_machine):
    other = actions.raise_demand(shop, kind="equipment", description="灯箱坏了", by=cast["alice"])
    time_machine.move_to(TODAY + timedelta(hours=49), tick=False)
    late = _settle(demand, cast["alice"])
    quiet = actions.resolve_demand(other, by=cast["alice"], resolution="已修好")
    assert late.closed_late and quiet.feedback_at is None and quiet.is_open
    assert not Demand.objects.answered_in_time().exists()
    with pytest.raises(InvalidInput):
        _settle(actions.raise_demand(shop, kind="other", description="x", by=cast["alice"]), cast["alice"],
                at=TODAY)  # before it was raised


# --- pages ------------------------------------------------------------------------------------------------


def test_customer_page_loads_the_needs_section(login, cast, shop, demand):
    alice = login(cast["alice"])
    page = alice.get(f"/customers/{shop.customer_code}/").content.decode()
    assert f'hx-get="/customers/{shop.customer_code}/demands/"' in page
    section = alice.get(f"/customers/{shop.customer_code}/demands/", headers={"HX-Request": "true"})
    html = section.content.decode()
    assert section.status_code == 200 and "<html" not in html
    assert "中华(硬)断货" in html and "2026-11-29 10:00" in html  # the deadline in Asia/Shanghai
    assert 'id="raise-demand"' in html and f'href="/demands/{demand.pk}/"' in html
    full = alice.get(f"/customers/{shop.customer_code}/demands/").content.decode()
    assert "<html" in full and "中华(硬)断货" in full  # a page of its own without JavaScript


def test_manager_raises_and_closes_a_need_through_the_pages(login, cast, shop):
    alice = login(cast["alice"])
    key = str(uuid.uuid4())
    form = {"kind": "delivery", "description": "希望上午送货", "client_uuid": key}
    response = alice.post(f"/customers/{shop.customer_code}/demands/raise", form)
    assert response.status_code == 302 and response["Location"].endswith(f"/customers/{shop.customer_code}/#demands")
    alice.post(f"/customers/{shop.customer_code}/demands/raise", form)  # a double tap
    demand = Demand.objects.get()
    assert demand.raised_by == cast["alice"] and demand.due_at == TODAY + timedelta(hours=48)
    refused = alice.post(f"/customers/{shop.customer_code}/demands/raise", {"kind": "delivery", "description": ""})
    assert refused.status_code == 302 and Demand.objects.count() == 1
    back = f"/customers/{shop.customer_code}/"
    early = alice.post(f"/demands/{demand.pk}/close", {"next": back})
    assert early["Location"] == back and Demand.objects.get(pk=demand.pk).is_open  # refused: not resolved
    alice.post(f"/demands/{demand.pk}/resolve", {"resolution": "已调整线路"})
    told = alice.post(f"/demands/{demand.pk}/feedback", {"channel": "phone", "retailer_response": "满意",
                                                         "satisfied": "true", "next": back})
    assert told["Location"] == back
    demand.refresh_from_db()
    assert demand.status == Demand.Status.CLOSED and demand.feedback_at is not None and demand.satisfied
    again = alice.post(f"/demands/{demand.pk}/feedback", {"channel": "sms", "next": "https://evil.example/"})
    assert again["Location"] == f"/demands/{demand.pk}/"  # refused (already closed), no redirect off the site


def test_demand_list_puts_overdue_first_and_filters_closed(login, cast, shop, demand, django_assert_num_queries):
    old = actions.raise_demand(shop, kind="equipment", description="灯箱坏了", by=cast["alice"],
                               raised_at=TODAY - timedelta(days=3))
    done = actions.raise_demand(shop, kind="other", description="咨询政策", by=cast["alice"])
    _settle(done, cast["alice"])
    sam = login(cast["sam"])
    sam.get("/demands/")
    with django_assert_num_queries(6):  # session, user, overdue count, page count, rows, unread notices
        page = sam.get("/demands/")
    html = page.content.decode()
    assert html.index("灯箱坏了") < html.index("中华(硬)断货") and "咨询政策" not in html
    assert f'id="demand-{old.pk}"' in html and "text-bg-danger" in html
    closed = sam.get("/demands/?status=closed").content.decode()
    assert "咨询政策" in closed and "灯箱坏了" not in closed
    assert 'href="/demands/"' in page.content.decode()  # in the navigation


def test_the_old_needs_addresses_redirect_for_good(login, cast, shop):
    alice = login(cast["alice"])
    moved = alice.get("/needs/?status=closed")
    assert moved.status_code == 301 and moved["Location"] == "/demands/?status=closed"
    moved = alice.get(f"/customers/{shop.customer_code}/needs/")
    assert moved.status_code == 301 and moved["Location"] == f"/customers/{shop.customer_code}/demands/"


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_another_manager_gets_404_on_every_page(login, cast, shop, demand, who):
    other = login(cast[who])
    assert other.get(f"/customers/{shop.customer_code}/demands/").status_code == 404
    assert other.post(f"/customers/{shop.customer_code}/demands/raise",
                      {"kind": "supply", "description": "x"}).status_code == 404
    assert other.post(f"/demands/{demand.pk}/close", {"resolution": "x"}).status_code == 404
    assert other.post("/demands/999999/close", {"resolution": "x"}).status_code == 404
    assert "中华(硬)断货" not in other.get("/demands/").content.decode()
    assert "中华(硬)断货" not in other.get("/demands/?status=closed").content.decode()
    assert Demand.objects.get(pk=demand.pk).is_open and Demand.objects.count() == 1


def test_supervisor_reads_the_teams_demands_but_does_not_act(login, cast, shop, demand):
    sam = login(cast["sam"])
    assert "中华(硬)断货" in sam.get("/demands/").content.decode()
    assert sam.get(f"/customers/{shop.customer_code}/demands/").status_code == 200
    assert sam.get(f"/demands/{demand.pk}/").status_code == 200
    assert sam.post(f"/demands/{demand.pk}/resolve", {"resolution": "主任协调解决"}).status_code == 403
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.OPEN


def test_department_staff_see_only_their_departments_needs(login, cast, shop, demand):
    lamp = actions.raise_demand(shop, kind="equipment", description="灯箱坏了", by=cast["alice"])  # service
    dora = login(cast["dora"])
    section = dora.get(f"/customers/{shop.customer_code}/demands/").content.decode()
    assert "灯箱坏了" in section and "中华(硬)断货" not in section and 'id="raise-demand"' not in section
    assert dora.post(f"/customers/{shop.customer_code}/demands/raise",
                     {"kind": "supply", "description": "x"}).status_code == 403
    assert dora.post(f"/demands/{demand.pk}/close").status_code == 404  # the supply department's
    assert dora.get(f"/demands/{lamp.pk}/").status_code == 200


def test_needs_read_in_chinese_by_default(login, cast, shop, demand):
    html = login(cast["alice"]).get("/demands/").content.decode()
    assert "客户诉求" in html and "货源与品规" in html and "答复期限" in html


# --- API --------------------------------------------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_api_lists_raises_and_closes(login, cast, shop, demand):
    alice = login(cast["alice"])
    listed = alice.get("/api/v1/demands?status=open").json()
    assert [d["id"] for d in listed] == [demand.pk]
    assert listed[0]["due_at"].startswith("2026-11-29T") and listed[0]["response_hours"] == 48
    created = _post(alice, "/api/v1/demands", {"customer_code": shop.customer_code, "kind": "marketing",
                                               "description": "需要陈列物料"})
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "open" and body["raised_by"] == "alice" and not body["overdue"]
    early = _post(alice, f"/api/v1/demands/{body['id']}/close", {"resolution": "物料已送达"})
    assert early.status_code == 409 and "反馈" in early.json()["detail"]  # names the missing step
    assert _post(alice, f"/api/v1/demands/{body['id']}/resolve", {"resolution": "物料已送达"}).status_code == 200
    closed = _post(alice, f"/api/v1/demands/{body['id']}/feedback", {"channel": "visit", "satisfied": True})
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["feedback_at"]
    assert _post(alice, f"/api/v1/demands/{body['id']}/close", {}).status_code == 200  # recorded: as it is
    assert [d["id"] for d in alice.get("/api/v1/demands?status=closed").json()] == [body["id"]]
    assert alice.get(f"/api/v1/demands/{demand.pk}").json()["description"] == "中华(硬)断货，希望增加投放"


def test_api_repeated_submission_and_overdue_filter(login, cast, shop, demand):
    alice = login(cast["alice"])
    payload = {"customer_code": shop.customer_code, "kind": "supply", "description": "补货",
               "raised_at": (TODAY - timedelta(days=3)).isoformat(), "client_uuid": str(uuid.uuid4())}
    first = _post(alice, "/api/v1/demands", payload)
    again = _post(alice, "/api/v1/demands", payload)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert [d["id"] for d in alice.get("/api/v1/demands?overdue=true").json()] == [first.json()["id"]]
    assert [d["id"] for d in alice.get("/api/v1/demands?overdue=false").json()] == [demand.pk]


def test_api_validates_input(login, cast, shop):
    alice = login(cast["alice"])
    code = shop.customer_code
    assert _post(alice, "/api/v1/demands", {"customer_code": code, "kind": "weather", "description": "x"}
                 ).status_code == 422
    assert _post(alice, "/api/v1/demands", {"customer_code": code, "kind": "supply", "description": ""}
                 ).status_code == 422
    blank = _post(alice, "/api/v1/demands", {"customer_code": code, "kind": "supply", "description": "   "})
    assert blank.status_code == 400 and blank.json()["detail"]
    future = _post(alice, "/api/v1/demands", {"customer_code": code, "kind": "supply", "description": "x",
                                             "raised_at": (TODAY + timedelta(days=1)).isoformat()})
    assert future.status_code == 400
    assert _post(alice, "/api/v1/demands", {"customer_code": "nope", "kind": "supply", "description": "x"}
                 ).status_code == 404
    assert alice.get("/api/v1/demands?status=pending").status_code == 422
    assert not Demand.objects.exists()


@pytest.mark.parametrize("who,statuses", [("bob", [404, 404]), ("charlie", [404, 404]), ("dora", [403, 404]),
                                          ("max", [403, 404]), ("sam", [201, 403])])
def test_api_others_cannot_act(login, cast, shop, demand, who, statuses):
    client = login(cast[who])
    calls = [
        _post(client, "/api/v1/demands", {"customer_code": shop.customer_code, "kind": "supply", "description": "x"}),
        _post(client, f"/api/v1/demands/{demand.pk}/resolve", {"resolution": "x"}),
    ]
    assert [c.status_code for c in calls] == statuses
    Demand.objects.exclude(pk=demand.pk).delete()
    assert Demand.objects.get(pk=demand.pk).is_open and Demand.objects.count() == 1


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_api_another_manager_cannot_read(login, cast, demand, who):
    client = login(cast[who])
    assert client.get(f"/api/v1/demands/{demand.pk}").status_code == 404
    assert client.get("/api/v1/demands").json() == []


def test_api_supervisor_sees_the_teams_demands(login, cast, demand):
    assert [d["id"] for d in login(cast["sam"]).get("/api/v1/demands").json()] == [demand.pk]


# --- a reason to visit ------------------------------------------------------------------------------------


def _candidate(cast, customer):
    policy = PlanningPolicy.for_company(cast["company"])
    found = [c for c in candidates.week_candidates(cast["alice"], WEEK, policy) if c.customer == customer]
    return found[0] if found else None


def test_a_need_due_next_week_brings_its_store_in_before_the_deadline(cast):
    _response_hours(cast, "培育客户", 120)  # raised Friday 10:00 → due Wednesday 10:00
    alice = cast["alice"]
    late_orderer = make_store(alice, 1, "培育客户", order_day=6)
    early_orderer = make_store(alice, 2, "培育客户", order_day=2)
    for store in (late_orderer, early_orderer):
        actions.raise_demand(store, kind="supply", description="中华(硬)断货，希望增加投放", by=alice)
    policy = PlanningPolicy.for_company(cast["company"])
    candidate = _candidate(cast, late_orderer)
    demand = [r for r in candidate.reasons if r["code"] == DEMAND]
    assert len(demand) == 1 and demand[0]["args"]["due"] == "12-02 10:00"
    assert demand[0]["text"] == "诉求12-02 10:00前答复（货源与品规）：中华(硬)断货，希望增加投放"
    assert candidate.priority == reasons.priority_of(DEMAND) and candidate.last_day == 2
    # Its order day (Saturday) would put the visit on Thu–Sat; the deadline wins.
    assert planning.patterns_for(candidate, policy) == [[0], [1], [2]]
    assert planning.patterns_for(_candidate(cast, early_orderer), policy) == [[0], [1]]
    with translation.override("en"):
        assert reasons.reason_text(demand[0]) == "Need due 12-02 10:00 (Supply and products): 中华(硬)断货，希望增加投放"


def test_overdue_need_asks_for_the_first_day_and_says_so(cast):
    store = make_store(cast["alice"], 3, "培育客户")
    actions.raise_demand(store, kind="equipment", description="灯箱损坏", by=cast["alice"],
                         raised_at=TODAY - timedelta(days=4))  # 72 h: due Tuesday, before the week
    candidate = _candidate(cast, store)
    assert candidate.last_day == 0
    with translation.override("en"):
        assert reasons.reason_text(candidate.reasons[-1]).startswith("Need overdue since 11-26 10:00 (Equipment)")


def test_need_due_before_the_week_but_not_yet_overdue_reads_due(cast):
    _response_hours(cast, "培育客户", 24)  # due tomorrow (Saturday), before the planned week
    store = make_store(cast["alice"], 6, "培育客户")
    actions.raise_demand(store, kind="delivery", description="周六前要补货", by=cast["alice"])
    candidate = _candidate(cast, store)
    assert candidate.last_day == 0  # as early in the week as possible
    with translation.override("en"):
        assert reasons.reason_text(candidate.reasons[-1]).startswith("Need due ")


def test_closed_and_far_off_needs_give_no_reason(cast):
    alice = cast["alice"]
    _response_hours(cast, "普通客户", 24 * 14)
    far = make_store(alice, 4, "普通客户")
    closed = make_store(alice, 5, "培育客户")
    actions.raise_demand(far, kind="supply", description="下月补货", by=alice)
    done = actions.raise_demand(closed, kind="supply", description="补货", by=alice)
    _settle(done, alice)
    for store in (far, closed):
        candidate = _candidate(cast, store)
        assert candidate is None or all(r["code"] != DEMAND for r in candidate.reasons)
        assert candidate is None or candidate.last_day is None


def test_another_managers_need_is_not_in_her_plan(cast):
    bobs = make_store(cast["bob"], 6, "培育客户")
    actions.raise_demand(bobs, kind="supply", description="补货", by=cast["bob"])
    policy = PlanningPolicy.for_company(cast["company"])
    assert all(c.customer != bobs for c in candidates.week_candidates(cast["alice"], WEEK, policy))


def test_generated_plan_visits_the_store_by_the_deadline_with_the_need_to_solve(cast, time_machine):
    time_machine.move_to(TODAY, tick=True)  # the planner's clock must run
    alice = cast["alice"]
    alice.start_latitude, alice.start_longitude = 34.7216, 116.9372
    alice.save()
    for n in range(6):
        make_store(alice, 10 + n, "重点客户")
    _response_hours(cast, "培育客户", 96)  # due Tuesday 10:00
    store = make_store(alice, 20, "培育客户", order_day=6)
    need = actions.raise_demand(store, kind="delivery", description="希望固定上午送货", by=alice)
    plan = generate_week_plan(alice, WEEK)
    visit = plan.visits.get(customer=store)
    assert visit.day <= WEEK + timedelta(days=1)
    assert DEMAND in [r["code"] for r in visit.reasons]
    assert "希望固定上午送货" in visit.problems
    # The need is a fact of the visit, not an id inside its JSON: a relation, and its deadline a column.
    assert list(visit.demands.all()) == [need] and list(need.planned_visits.all()) == [visit]
    assert visit.visit_by == WEEK + timedelta(days=1) and not visit.deadline_before
    assert all(not v.demands.exists() and v.visit_by is None for v in plan.visits.exclude(pk=visit.pk))
    assert all("due_date" not in (r.get("args") or {}) for r in visit.reasons)


def test_provider_is_registered_once(settings):
    from fieldcrm.followup.reasons import demand_reasons, register

    register()
    register()
    assert reasons.PROVIDERS.count(demand_reasons) == 1
    assert reasons.KINDS[DEMAND].priority == 4 and reasons.KINDS[DEMAND].render is not None


# --- demo -------------------------------------------------------------------------------------------------


def test_demo_has_open_overdue_and_closed_needs_that_reach_the_plans(db, capsys, time_machine):
    time_machine.move_to(TODAY, tick=True)  # the planner's clock must run
    from django.core.management import call_command

    from fieldcrm.visits.models import PlannedVisit

    call_command("seed_demo", "--customers", "40", "--managers", "2", "--seed", "5")
    assert Demand.objects.open().count() == 8 and Demand.objects.closed().count() == 4
    assert Demand.objects.overdue(timezone.now()).count() >= 2
    assert not Demand.objects.filter(closed_at__gt=timezone.now()).exists()
    with_reason = [v for v in PlannedVisit.objects.all() if any(r["code"] == DEMAND for r in v.reasons)]
    assert with_reason


def test_admin_lists_needs_read_only(login, cast, demand):
    admin = _site_admin(login, cast)
    assert "中华(硬)断货" in admin.get("/admin/followup/demand/").content.decode()
    assert admin.get(f"/admin/followup/demand/{demand.pk}/change/").status_code == 200
    assert admin.post(f"/admin/followup/demand/{demand.pk}/change/", {"status": "closed"}).status_code == 403
