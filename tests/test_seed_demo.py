"""The demo a fresh `./run` seeds: the county (org, logins, retailers, SKUs) and a fortnight of work around the day
it runs — last week worked, this week worked up to yesterday, today's route to do, needs at every stage, market
reports — on any weekday (issue 10: a manager can work a whole day of the demo)."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from fieldcrm.catalog.models import Sku
from fieldcrm.customers.models import Customer
from fieldcrm.followup.models import Demand
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.org.models import User
from fieldcrm.photos.models import Photo
from fieldcrm.visits import checklist
from fieldcrm.visits.models import PlannedVisit, Visit, WeekPlan
from tests.demo_data import wipe_demo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the evidence photo of a seeded market report


def seed(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    customers = list(Customer.objects.order_by("customer_code").values_list(
        "customer_code", "name", "phone", "license_no", "latitude", "longitude", "tier", "manager__username"))
    visits = [(v.customer.customer_code, v.checked_in_at, v.checked_out_at, v.latitude, v.longitude, v.on_site,
               sorted((o.sku.code, o.stock_cartons, o.retail_price, o.sales_last_week_cartons, o.price_tag_ok)
                      for o in v.observations.all()))
              for v in Visit.objects.select_related("customer").prefetch_related("observations__sku")
              .order_by("checked_in_at", "customer__customer_code")]
    reports = list(MarketReport.objects.order_by("observed_at").values_list("kind", "status", "customer__customer_code",
                                                                            "address", "latitude", "longitude"))
    return customers, visits, reports


def test_seed_builds_org_logins_and_customers(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 10, tzinfo=SHANGHAI), tick=True)
    out = seed("--customers", "45", "--managers", "3", "--seed", "7")
    for login in ("admin", "supervisor1", "manager1", "manager3", "monopoly1", "service1", "marketing1"):
        assert User.objects.filter(username=login).exists(), login
        assert login in out
    assert "Demo@2026" in out
    for hint in ("manager1     open /field/", "supervisor1  Visit plans", "supply1      Needs to act on",
                 "monopoly1    Market reports", "admin        Settings"):
        assert hint in out  # one line per role on what to try first
    assert Customer.objects.count() == 45
    assert Sku.objects.count() >= 20
    for customer in Customer.objects.all():
        customer.full_clean(exclude=["manager", "company"])
        assert 34.4 < customer.latitude < 35.0 and 116.6 < customer.longitude < 117.3


def test_seed_is_deterministic_per_seed(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 10, tzinfo=SHANGHAI), tick=True)
    seed("--customers", "30", "--seed", "3", "--managers", "1")
    first = snapshot()
    assert first[1] and first[2]
    wipe_demo()
    seed("--customers", "30", "--seed", "3", "--managers", "1")
    assert snapshot() == first


def test_zero_customers_gives_org_and_logins(db):
    seed("--customers", "0", "--managers", "2")
    assert Customer.objects.count() == 0
    assert User.objects.filter(username="manager2").exists()


def test_seeding_again_keeps_the_worked_weeks(db, time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 10, tzinfo=SHANGHAI), tick=True)
    seed("--customers", "30", "--managers", "1")
    visits, reports = Visit.objects.count(), MarketReport.objects.count()
    seed("--customers", "30", "--managers", "1")
    assert Visit.objects.count() == visits and MarketReport.objects.count() == reports
    assert WeekPlan.objects.filter(status=WeekPlan.Status.APPROVED).count() == 2


# --- the day the demo is seeded ----------------------------------------------------------------------------


def check_last_week(manager, monday):
    plan = WeekPlan.objects.get(manager=manager, week_start=monday - timedelta(days=7))
    assert plan.status == WeekPlan.Status.APPROVED and not plan.submitted_late
    assert plan.decided_at < timezone.make_aware(datetime.combine(plan.week_start, datetime.min.time()))
    planned = list(plan.visits.select_related("done_visit", "customer"))
    outcomes = [visit.outcome for visit in planned]
    assert PlannedVisit.Outcome.PENDING not in outcomes  # every day of last week is over
    assert outcomes.count(PlannedVisit.Outcome.DONE) > 0.7 * len(planned)
    assert {PlannedVisit.Outcome.OFF_SITE, PlannedVisit.Outcome.MISSED} & set(outcomes)
    done = [p.done_visit for p in planned if p.outcome != PlannedVisit.Outcome.MISSED]
    for visit in done:
        assert timezone.localdate(visit.checked_in_at) == visit.planned_visit.day
        assert timedelta(minutes=10) <= visit.checked_out_at - visit.checked_in_at <= timedelta(minutes=25)
        assert visit.observations.count() <= 14  # the SKUs the store ordered lately (test_demo_orders.py)
        assert visit.checklist_answers.exists()
        assert (visit.distance_m > 300) == (not visit.on_site)  # off-site: a few hundred metres away
    assert sum(visit.observations.count() >= 3 for visit in done) > 0.8 * len(done)
    week_end = plan.week_start + timedelta(days=7)
    assert Visit.objects.filter(manager=manager, ad_hoc=True, checked_in_at__date__gte=plan.week_start,
                                checked_in_at__date__lt=week_end).exists()


def check_this_week(manager, monday, today):
    plan = WeekPlan.objects.get(manager=manager, week_start=monday)
    assert plan.status == WeekPlan.Status.APPROVED
    done_days = {timezone.localdate(at) for at in Visit.objects.filter(
        manager=manager, checked_in_at__date__gte=monday).values_list("checked_in_at", flat=True)}
    assert all(day < today for day in done_days)  # today's and later stops are still to do
    assert bool(done_days) == (today > monday)
    assert not plan.visits.filter(day__gte=today, done_visit__isnull=False).exists()


def check_reports(manager):
    reports = MarketReport.objects.filter(reporter=manager)
    decided = reports.get(status=MarketReport.Status.CONFIRMED)
    assert decided.decided_by.username == "monopoly1" and decided.outcome
    pending = reports.filter(status=MarketReport.Status.SUBMITTED)
    assert pending.filter(customer__isnull=False).count() == 1
    assert pending.filter(customer__isnull=True).exclude(address="").count() == 1  # a place that is not a customer
    assert Photo.objects.filter(owner_id__in=pending.values("pk")).count() == 1


@pytest.mark.parametrize("day", [
    MONDAY,  # no earlier day this week
    MONDAY + timedelta(days=2),
    MONDAY + timedelta(days=4),
    MONDAY + timedelta(days=5),  # Saturday: a working day the planner tends to leave empty
])
def test_a_working_day_has_a_route_a_need_to_feed_back_and_reports(db, time_machine, day):
    time_machine.move_to(datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=7), tick=True)
    out = seed("--customers", "40", "--managers", "1", "--seed", "4")
    manager, monday = User.objects.get(username="manager1"), day - timedelta(days=day.weekday())
    check_last_week(manager, monday)
    check_this_week(manager, monday, day)

    stops = list(PlannedVisit.objects.filter(plan__manager=manager, day=day).order_by("sequence"))
    assert stops and f"Today ({day:%Y-%m-%d} {day:%A}): {len(stops)} stops on manager1's route" in out
    first = stops[0]
    need = Demand.objects.awaiting_feedback().get(customer=first.customer)
    assert need.resolved_by.department_id == need.department_id  # resolved by its department
    codes = [item.code for item in checklist.items_for(first.customer, day, manager, first)]
    assert f"demand:{need.pk}" in codes  # closed on today's visit through the checklist

    supply1 = User.objects.get(username="supply1")
    inbox = Demand.objects.visible_to(supply1).filter(status__in=[Demand.Status.OPEN, Demand.Status.ACCEPTED])
    assert inbox.filter(customer__manager=manager, kind=Demand.Kind.SUPPLY).exists()
    assert Demand.objects.open().count() == 4 and Demand.objects.closed().count() == 2  # as before
    check_reports(manager)
    # supervisor1's area has one manager here: their plan for next week is submitted, to review and approve
    assert (WeekPlan.objects.get(manager=manager, week_start=monday + timedelta(days=7)).status
            == WeekPlan.Status.SUBMITTED)


def test_sunday_is_no_working_day_and_the_seed_says_so(db, time_machine):
    sunday = MONDAY + timedelta(days=6)
    time_machine.move_to(datetime.combine(sunday, datetime.min.time(), SHANGHAI) + timedelta(hours=9), tick=True)
    out = seed("--customers", "40", "--managers", "1", "--seed", "4")
    manager = User.objects.get(username="manager1")
    assert f"Today ({sunday:%Y-%m-%d} Sunday) is not a working day" in out
    assert not PlannedVisit.objects.filter(day=sunday).exists()  # no route made up for it
    check_this_week(manager, MONDAY, sunday)
    assert Demand.objects.awaiting_feedback().filter(customer__manager=manager).count() == 1
    check_reports(manager)
