"""The duty 1–5 scorecard figures (`../shared/docs/metrics.md`, "Duty scorecard per customer manager"), each
from the metrics.py of the app that owns the data, against values computed by hand. The period is the week
[Mon 30 Nov, Mon 7 Dec 2026) unless a test says otherwise; moments are written in Beijing time (BJ) or UTC
where the two days differ."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldcrm.care import metrics as care_metrics
from fieldcrm.care.models import ServiceItem, ServiceTask
from fieldcrm.customers import metrics as customer_metrics
from fieldcrm.customers.models import ChangeRequest, CustomerStatus
from fieldcrm.followup import metrics as followup_metrics
from fieldcrm.followup.models import Demand
from fieldcrm.lib.periods import Period
from fieldcrm.monopoly import metrics as monopoly_metrics
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.org.models import Department
from fieldcrm.visits import metrics as visit_metrics
from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import make_customer, make_visit

pytestmark = pytest.mark.django_db

BJ = ZoneInfo("Asia/Shanghai")
WEEK = Period(date(2026, 11, 30), date(2026, 12, 7))
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=BJ)  # after the week: nothing in it is still to come


@pytest.fixture(autouse=True)
def _after_the_week(time_machine):
    time_machine.move_to(NOW, tick=False)


def bj(day, hour=10, minute=0):
    return datetime(2026, day[0], day[1], hour, minute, tzinfo=BJ)


def store(manager, **fields):
    return make_customer(manager, created_at=bj((11, 1)), latitude=34.7, longitude=116.9, **fields)


def ids(cast):
    return [cast["alice"].pk, cast["bob"].pk]


def nothing(figure):
    return figure == {"value": None, "numerator": 0, "denominator": 0}


# --- duty 1 ----------------------------------------------------------------------------------------------


def verified(at):
    return {f"{f}_verified_at": at for f in ("phone", "address", "owner_name")}


def test_profile_accuracy(cast):
    alice = cast["alice"]
    store(alice, **verified(bj((12, 1))))  # accurate (business scale never verified: not required)
    store(alice, **{**verified(bj((12, 1))), "phone_verified_at": bj((6, 9), 23, 59)})  # 180 days before 7 Dec: stale
    store(alice, **{**verified(bj((12, 1))), "phone_verified_at": bj((6, 10), 0, 0)})  # exactly 180 days: accurate
    store(alice, **verified(bj((12, 1))), business_format="")  # a required field empty
    # Verified 00:30 on 7 December in Beijing (still 6 December in UTC): after the period, not within it.
    store(alice, **verified(datetime(2026, 12, 6, 16, 30, tzinfo=UTC)))
    store(alice, **verified(bj((12, 1))), status=CustomerStatus.CLOSED)  # not an active customer
    make_customer(alice, created_at=bj((12, 8)), **verified(bj((12, 8))))  # created after the period

    figures = customer_metrics.profile_accuracy(ids(cast), WEEK)

    assert figures[alice.pk] == {"value": 2 / 5, "numerator": 2, "denominator": 5}
    assert nothing(figures[cast["bob"].pk])


def change_request(customer, by, status, decided_at, department):
    return ChangeRequest.objects.create(
        customer=customer, field="phone", new_value="13900000000", department=department, proposed_by=by,
        status=status, decided_at=decided_at, client_uuid=uuid.uuid4())


def test_change_latency_days(cast):
    alice = cast["alice"]
    shop, kiosk = store(alice), store(alice)
    service = Department.objects.get(company=cast["company"], kind=Department.Kind.SERVICE)
    approved, rejected = ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED
    two_days = change_request(shop, alice, approved, bj((12, 3), 10), service)
    four_and_a_half = change_request(shop, alice, approved, bj((12, 5), 22), service)
    refused = change_request(shop, alice, rejected, bj((12, 2)), service)
    # Approved 00:30 on 7 December in Beijing (6 December in UTC): after the period.
    late = change_request(shop, alice, approved, datetime(2026, 12, 6, 16, 30, tzinfo=UTC), service)
    quarter = change_request(kiosk, alice, approved, bj((12, 2), 16), service)
    elsewhere = change_request(shop, alice, approved, bj((12, 3)), service)  # not noticed in a visit

    def noticed(*requests):
        return [{"client_uuid": str(r.client_uuid), "field": "phone", "new_value": "", "applied": False}
                for r in requests]

    make_visit(shop, bj((12, 1), 10), profile_changes=noticed(two_days, four_and_a_half, refused, late))
    make_visit(kiosk, bj((12, 2), 10), profile_changes=noticed(quarter))
    assert elsewhere.pk

    figures = visit_metrics.change_latency_days(ids(cast), WEEK)

    assert figures[alice.pk]["value"] == 2.0  # the median of 2, 4.5 and 0.25 days
    assert figures[alice.pk]["count"] == 3
    assert sorted(figures[alice.pk]["requests"]) == sorted([two_days.pk, four_and_a_half.pk, quarter.pk])
    assert figures[cast["bob"].pk] == {"value": None, "count": 0, "requests": []}


# --- duty 2 ----------------------------------------------------------------------------------------------


def test_service_completion(cast):
    alice = cast["alice"]
    shop = store(alice)
    items = list(ServiceItem.objects.filter(company=cast["company"])[:2])

    def task(due, status=ServiceTask.Status.OPEN, done_at=None, item=0):
        return ServiceTask.objects.create(customer=shop, item=items[item], source="standard", due_date=due,
                                          status=status, done_at=done_at)

    done = ServiceTask.Status.DONE
    task(date(2026, 12, 1), done, bj((12, 1)))  # in time
    task(date(2026, 12, 2), done, bj((12, 2), 23, 30))  # in time: late evening of the due day
    task(date(2026, 12, 3), done, datetime(2026, 12, 3, 16, 30, tzinfo=UTC))  # 00:30 next day in Beijing: late
    task(date(2026, 12, 4))  # still open: not done
    task(date(2026, 12, 6), ServiceTask.Status.SKIPPED)  # skipped: not done
    task(date(2026, 12, 6), ServiceTask.Status.CANCELLED, item=1)  # cancelled: never owed
    task(date(2026, 12, 7), done, bj((12, 7)))  # due after the period
    task(date(2026, 11, 29), done, bj((11, 29)))  # due before it

    figures = care_metrics.service_completion(ids(cast), WEEK)

    assert figures[alice.pk] == {"value": 2 / 5, "numerator": 2, "denominator": 5}
    assert nothing(figures[cast["bob"].pk])
    assert care_metrics.due_tasks([alice.pk], WEEK).count() == 5


# --- duty 3 ----------------------------------------------------------------------------------------------


def test_plan_on_time(cast):
    alice, bob = cast["alice"], cast["bob"]
    two_weeks = Period(date(2026, 11, 30), date(2026, 12, 14))
    WeekPlan.objects.create(manager=alice, week_start=date(2026, 11, 30), status=WeekPlan.Status.APPROVED,
                            submitted_at=bj((11, 27), 18))
    # Submitted 00:30 on Monday in Beijing (still Sunday in UTC): the week had started.
    WeekPlan.objects.create(manager=alice, week_start=date(2026, 12, 7), status=WeekPlan.Status.SUBMITTED,
                            submitted_at=datetime(2026, 12, 6, 16, 30, tzinfo=UTC))
    # Submitted in time but sent back and never submitted again; no plan at all for the second week.
    WeekPlan.objects.create(manager=bob, week_start=date(2026, 11, 30), status=WeekPlan.Status.RETURNED,
                            submitted_at=bj((11, 27), 17))

    figures = visit_metrics.plan_on_time(ids(cast), two_weeks)

    assert figures[alice.pk] == {"value": 0.5, "numerator": 1, "denominator": 2}
    assert figures[bob.pk] == {"value": 0.0, "numerator": 0, "denominator": 2}
    # A period in which no week starts owes no plan.
    assert nothing(visit_metrics.plan_on_time(ids(cast), Period(date(2026, 12, 1), date(2026, 12, 7)))[alice.pk])


# --- duty 4 ----------------------------------------------------------------------------------------------


def test_visit_completion(cast):
    alice = cast["alice"]
    plan = WeekPlan.objects.create(manager=alice, week_start=date(2026, 11, 30))
    following = WeekPlan.objects.create(manager=alice, week_start=date(2026, 12, 7))
    stores = [store(alice) for _ in range(5)]

    def planned(plan, n, day):
        return PlannedVisit.objects.create(plan=plan, customer=stores[n], day=day)

    on_site = planned(plan, 0, date(2026, 12, 1))
    make_visit(stores[0], bj((12, 1)), planned_visit=on_site, ad_hoc=False, on_site=True, distance_m=40)
    off_site = planned(plan, 1, date(2026, 12, 2))
    make_visit(stores[1], bj((12, 2)), planned_visit=off_site, ad_hoc=False, on_site=False, distance_m=350)
    planned(plan, 2, date(2026, 12, 3))  # missed
    planned(plan, 3, date(2026, 12, 6))  # Sunday: still to do on the day itself
    planned(following, 4, date(2026, 12, 7))  # after the period
    # Unplanned visits: 00:30 on 30 November in Beijing counts (29 November in UTC); 00:30 on 7 December not.
    make_visit(stores[4], datetime(2026, 11, 29, 16, 30, tzinfo=UTC))
    make_visit(stores[4], datetime(2026, 12, 6, 16, 30, tzinfo=UTC))

    on_sunday = visit_metrics.visit_completion(ids(cast), WEEK, today=date(2026, 12, 6))
    assert on_sunday[alice.pk] == {"value": 1 / 3, "numerator": 1, "denominator": 3}
    after = visit_metrics.visit_completion(ids(cast), WEEK)  # today is 9 December: Sunday's visit was missed
    assert after[alice.pk] == {"value": 0.25, "numerator": 1, "denominator": 4}
    assert nothing(after[cast["bob"].pk])

    counts = visit_metrics.plan_counts(ids(cast), WEEK)[alice.pk]
    assert (counts.planned, counts.done, counts.off_site, counts.missed, counts.pending, counts.ad_hoc) == (
        4, 1, 1, 2, 0, 1)


# --- duty 5 ----------------------------------------------------------------------------------------------


def test_demand_closure(cast):
    alice = cast["alice"]
    shop = store(alice)

    def demand(due_at, status=Demand.Status.OPEN, feedback_at=None):
        return Demand.objects.create(
            customer=shop, kind=Demand.Kind.SUPPLY, description="缺货", raised_by=alice,
            raised_at=due_at - timedelta(hours=48), response_hours=48, due_at=due_at, status=status,
            closed_at=feedback_at, feedback_at=feedback_at)

    closed = Demand.Status.CLOSED
    demand(bj((12, 2), 10), closed, bj((12, 2), 9))  # told in time
    demand(bj((12, 3), 10), closed, bj((12, 3), 11))  # told an hour late
    demand(bj((12, 4), 10), Demand.Status.RESOLVED)  # resolved, the retailer not told
    demand(datetime(2026, 12, 6, 16, 30, tzinfo=UTC), closed, bj((12, 5)))  # due 00:30 on 7 Dec (BJ): after
    demand(datetime(2026, 11, 29, 16, 30, tzinfo=UTC), closed, bj((11, 29)))  # due 00:30 on 30 Nov (BJ): in it

    figures = followup_metrics.demand_closure(ids(cast), WEEK)

    assert figures[alice.pk] == {"value": 0.5, "numerator": 2, "denominator": 4}
    assert nothing(figures[cast["bob"].pk])


def test_market_reports_are_counts(cast):
    alice = cast["alice"]

    def report(created_at, status=MarketReport.Status.SUBMITTED):
        decided = {} if status == MarketReport.Status.SUBMITTED else {
            "decided_by": cast["max"], "decided_at": created_at + timedelta(hours=2), "outcome": "已查处"}
        return MarketReport.objects.create(
            company=cast["company"], reporter=alice, kind=MarketReport.Kind.COUNTERFEIT, description="假烟",
            observed_at=created_at - timedelta(hours=1), latitude=34.7, longitude=116.9, created_at=created_at,
            status=status, **decided)

    report(bj((12, 1)), MarketReport.Status.CONFIRMED)
    report(bj((12, 2)))
    report(bj((12, 3)), MarketReport.Status.UNFOUNDED)
    report(datetime(2026, 12, 6, 16, 30, tzinfo=UTC), MarketReport.Status.CONFIRMED)  # 7 Dec in Beijing

    figures = monopoly_metrics.market_reports(ids(cast), WEEK)

    assert figures[alice.pk] == {"value": 1 / 3, "numerator": 1, "denominator": 3, "reports": 3, "confirmed": 1,
                                 "decided": 2}
    assert figures[cast["bob"].pk] == {"value": None, "numerator": 0, "denominator": 0, "reports": 0,
                                       "confirmed": 0, "decided": 0}
    assert "description" not in str(figures)


def test_every_manager_asked_is_in_every_figure(cast):
    managers = [cast["alice"].pk, cast["bob"].pk, cast["charlie"].pk]
    for figure in (customer_metrics.profile_accuracy, care_metrics.service_completion,
                   visit_metrics.plan_on_time, visit_metrics.visit_completion, followup_metrics.demand_closure,
                   monopoly_metrics.market_reports, visit_metrics.change_latency_days):
        assert set(figure(managers, WEEK)) == set(managers)
