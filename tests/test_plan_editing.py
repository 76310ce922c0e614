"""Issue 10 item 11: plan edits a manager can trust — rest day refused, late arrival and long days confirmed
with the reason in words, overnight hours, each edit said and highlighted, stores found by name, needs
overdue by the visit's day flagged."""

from datetime import time, timedelta

import pytest
from django.utils import translation

from fieldcrm.errors import ActionRefused
from fieldcrm.visits import actions, candidates, planning
from fieldcrm.visits.models import PlanChange, PlannedVisit, PlanningPolicy
from fieldcrm.visits.routing import day_route, depot_of_plan
from tests.factories import TODAY, WEEK, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=True)


@pytest.fixture
def plan(cast):
    alice = cast["alice"]
    for n in range(4):
        make_store(alice, n, "重点客户", order_day=None)
    return actions.generate_week_plan(alice, WEEK)


def _tuesday():
    return WEEK + timedelta(days=1)


def test_adding_on_the_rest_day_is_refused_in_words(cast, plan):
    store = make_store(cast["alice"], 10, "重点客户", name="永发便利店", rest_day=2)
    with translation.override("en"), pytest.raises(ActionRefused, match="永发便利店 is closed on Tuesday"):
        actions.add_visit(plan, store, _tuesday(), by=cast["alice"], confirm=True)
    assert not PlannedVisit.objects.filter(customer=store).exists()


def test_moving_onto_the_rest_day_is_refused(cast, plan):
    visit = plan.visits.select_related("customer").first()
    visit.customer.rest_day = 5
    visit.customer.save()
    with pytest.raises(ActionRefused):
        actions.move_visit(visit, WEEK + timedelta(days=4), by=cast["alice"], confirm=True)


def test_arrival_after_closing_asks_to_confirm_then_logs_why(cast, plan):
    store = make_store(cast["alice"], 11, "重点客户", name="早关门店", opens_at=time(7, 0), closes_at=time(7, 30))
    with translation.override("en"), pytest.raises(ActionRefused) as refused:
        actions.add_visit(plan, store, _tuesday(), by=cast["alice"])
    assert refused.value.field == "confirm"
    assert "早关门店 opens 07:00-07:30: arrival" in str(refused.value) and "before closing" in str(refused.value)
    assert not PlannedVisit.objects.filter(customer=store).exists()  # nothing half-saved
    with translation.override("en"):
        actions.add_visit(plan, store, _tuesday(), by=cast["alice"], confirm=True)
    change = PlanChange.objects.filter(plan=plan, kind=PlanChange.Kind.ADD).latest("pk")
    assert "before closing" in change.reason


def test_an_over_long_day_asks_to_confirm(cast, plan):
    policy = PlanningPolicy.for_company(cast["company"])
    policy.day_minutes = 30
    policy.save()
    visit = plan.visits.exclude(day=_tuesday()).first()
    if visit is None:
        pytest.skip("every visit already on Tuesday")
    PlannedVisit.objects.filter(plan=plan, day=_tuesday()).exclude(pk=visit.pk).update(day=WEEK + timedelta(days=5))
    store = make_store(cast["alice"], 12, "重点客户")
    actions.add_visit(plan, store, _tuesday(), by=cast["alice"], confirm=True)
    plan.refresh_from_db()
    with translation.override("en"), pytest.raises(ActionRefused, match="working day is 30"):
        actions.move_visit(visit, _tuesday(), by=cast["alice"])


def test_overnight_hours_are_open_late_evening_and_early_morning(cast):
    store = make_store(cast["alice"], 13, "重点客户", opens_at=time(22, 0), closes_at=time(7, 0))
    assert store.open_overnight and store.business_hours == "22:00-07:00"
    assert planning.open_spans(store) == [(0, 420), (1320, 1440)]
    policy = PlanningPolicy.for_company(cast["company"])
    stop = planning._stop(store, [[0]], 1, "x", policy)
    assert stop["window"][0] in (0, 1320)


def test_an_overnight_store_is_visited_when_open(cast, plan):
    store = make_store(cast["alice"], 14, "重点客户", opens_at=time(22, 0), closes_at=time(7, 0))
    visit = actions.add_visit(plan, store, _tuesday(), by=cast["alice"], confirm=True)
    policy = PlanningPolicy.for_company(cast["company"])
    visits = list(plan.visits.filter(day=_tuesday()).order_by("sequence"))
    route = day_route(_tuesday(), visits, depot_of_plan(plan), policy)
    arrival = next(v.arrival for v in route.visits if v.pk == visit.pk)
    assert arrival >= time(22, 0) and not route.late


def test_the_planner_never_uses_the_rest_day(cast):
    policy = PlanningPolicy.for_company(cast["company"])
    store = make_store(cast["alice"], 15, "重点客户", order_day=None, rest_day=1)
    assert 0 not in planning.allowed_days(store, policy)
    store.order_day, store.rest_day = 3, 3
    assert planning.allowed_days(store, policy) and 2 not in planning.allowed_days(store, policy)
    twice = planning.patterns_for(candidates.Candidate(store, visits=2), policy)
    assert all(2 not in pattern for pattern in twice)


def test_move_says_what_it_did_and_highlights_the_store(login, cast, plan):
    client = login(cast["alice"])
    visit = plan.visits.select_related("customer").exclude(day=_tuesday()).first()
    with translation.override("en"):
        response = client.post(f"/visits/{visit.pk}/move", {"day": _tuesday().isoformat(), "version": plan.version,
                                                            "confirm": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?changed={visit.pk}#visit-{visit.pk}")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'class="list-group-item visit changed" id="visit-{visit.pk}"' in page
    text = [str(m) for m in page.split("alert")]  # the message is on the page
    assert any(f"Moved {visit.customer.name} to" in t and "the day now ends" in t for t in text)


def test_add_a_visit_by_searching_the_store(login, cast, plan):
    store = make_store(cast["alice"], 16, "重点客户", name="永发便利店", address="沛县汉源大道99号")
    make_store(cast["bob"], 17, "重点客户", name="永发超市")  # not alice's
    client = login(cast["alice"])
    found = client.get(f"/visits/plans/{plan.pk}/stores", {"q": "永发"}).content.decode()
    assert store.customer_code in found and "永发超市" not in found
    assert store.customer_code in client.get(f"/visits/plans/{plan.pk}/stores", {"q": "汉源大道99"}).content.decode()
    # Without JS the search text itself names the store when only one matches.
    client.post(f"/visits/plans/{plan.pk}/add", {"q": "永发便利", "day": _tuesday().isoformat(),
                                                 "version": plan.version, "confirm": "1"})
    assert PlannedVisit.objects.filter(plan=plan, customer=store).exists()


def test_a_need_due_before_the_visit_reads_overdue_by_then(login, cast, plan):
    visit = plan.visits.select_related("customer").exclude(day=WEEK).first()
    on_time = plan.visits.exclude(pk=visit.pk).first()
    reasons = [{"code": "demand", "args": {"kind": "supply", "due": "11-30 18:00", "summary": "x"}, "text": "Need due"}]
    PlannedVisit.objects.filter(pk=visit.pk).update(reasons=reasons, visit_by=WEEK)
    PlannedVisit.objects.filter(pk=on_time.pk).update(reasons=reasons, visit_by=on_time.day)  # due that very day
    visit.refresh_from_db()
    on_time.refresh_from_db()
    assert visit.deadline_before and not on_time.deadline_before
    client = login(cast["alice"])
    assert "deadline-before" in client.get(f"/visits/plans/{plan.pk}/").content.decode()
    api = client.get(f"/api/v1/visit-plans/{plan.pk}").json()
    flagged = [v for d in api["days"] for v in d["route"] if v["id"] == visit.pk]
    assert flagged and flagged[0]["deadline_before_visit"] is True
    assert [v["deadline_before_visit"] for d in api["days"] for v in d["route"] if v["id"] == on_time.pk] == [False]


def test_the_manager_sets_the_rest_day_on_the_profile(cast):
    from fieldcrm.customers.actions import propose_change

    store = make_store(cast["alice"], 18, "重点客户")
    assert propose_change(store, "rest_day", "周三", by=cast["alice"]) is None  # applied at once
    store.refresh_from_db()
    assert store.rest_day == 3
    propose_change(store, "business_hours", "22:00-07:00", by=cast["alice"])
    store.refresh_from_db()
    assert store.business_hours == "22:00-07:00"
