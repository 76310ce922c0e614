"""Plan versus actual per manager and week (issue 10, item 4): planned visits done on site, off-site or
missed, unplanned visits and % done over the last 8 weeks, counting the current week only up to today —
as plain data for the scorecard (visits/actuals.py) and the supervisor's page, in a fixed number of
queries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fieldcrm.lib.periods import recent_weeks
from fieldcrm.org.models import User
from fieldcrm.visits.actuals import total, week_actuals
from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import make_customer, make_user, make_visit

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
TODAY = MONDAY + timedelta(days=2)  # Wednesday
LAST_MONDAY = MONDAY - timedelta(days=7)


@pytest.fixture(autouse=True)
def _wednesday(time_machine):
    time_machine.move_to(datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI), tick=False)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def plan(manager, week, status=WeekPlan.Status.APPROVED):
    return WeekPlan.objects.create(manager=manager, week_start=week, status=status)


def stop(week_plan, offset, *, done=None):
    """A planned visit `offset` days into the week; done "on" or "off" site, or not done."""
    day = week_plan.week_start + timedelta(days=offset)
    visit = PlannedVisit.objects.create(plan=week_plan, customer=make_customer(week_plan.manager), day=day)
    if done:
        make_visit(visit.customer, at(day), planned_visit=visit, ad_hoc=False, on_site=done == "on",
                   distance_m=20.0 if done == "on" else 800.0)
    return visit


@pytest.fixture
def alices_weeks(cast):
    alice = cast["alice"]
    this = plan(alice, MONDAY)
    stop(this, 0, done="on")
    stop(this, 1, done="off")
    stop(this, 1)  # Tuesday, not done: missed
    stop(this, 2)  # today, not done yet: still to do
    stop(this, 2, done="on")
    stop(this, 3)  # tomorrow: not counted
    stop(this, 4, done="on")  # done ahead of its day: not counted before its day
    last = plan(alice, LAST_MONDAY, status=WeekPlan.Status.SUBMITTED)
    for offset in range(4):
        stop(last, offset, done="on")
    stop(last, 5)
    store = make_customer(alice)
    make_visit(store, at(LAST_MONDAY + timedelta(days=6), 23, 50))  # Sunday night: last week
    make_visit(store, at(MONDAY, 0, 10))  # Monday just after midnight (Sunday in UTC): this week
    make_visit(store, at(TODAY, 9))
    return this, last


def test_a_week_counts_its_days_up_to_today(cast, alices_weeks):
    this, last = alices_weeks
    weeks = recent_weeks(TODAY)
    assert len(weeks) == 8 and weeks[-1] == MONDAY and weeks[0] == MONDAY - timedelta(weeks=7)
    cells = week_actuals([cast["alice"].pk, cast["bob"].pk], weeks, TODAY)
    now = cells[(cast["alice"].pk, MONDAY)]
    assert now.as_dict() == {"manager_id": cast["alice"].pk, "week_start": MONDAY, "plan_id": this.pk,
                             "plan_status": "approved", "planned": 5, "done": 2, "off_site": 1, "missed": 1,
                             "pending": 1, "ad_hoc": 2, "done_pct": 50}  # 2 on site of the 4 due
    before = cells[(cast["alice"].pk, LAST_MONDAY)]
    assert (before.plan_id, before.plan_status, before.planned, before.done, before.missed, before.ad_hoc) == (
        last.pk, "submitted", 5, 4, 1, 1)
    assert before.done_pct == 80
    empty = cells[(cast["bob"].pk, MONDAY)]
    assert (empty.plan_id, empty.planned, empty.done_pct) == (None, 0, None)
    both = total([now, before])
    assert (both.planned, both.done, both.off_site, both.missed, both.ad_hoc, both.done_pct) == (10, 6, 1, 2, 3, 67)


def _page(client):
    return client.get(reverse("visits:actuals"), HTTP_ACCEPT_LANGUAGE="en")


def test_the_supervisor_sees_the_team_week_by_week_linked_to_the_plans(cast, login, alices_weeks):
    this, last = alices_weeks
    page = _page(login(cast["sam"]))
    assert page.status_code == 200
    assert [row["manager"] for row in page.context["rows"]] == [cast["alice"], cast["bob"]]  # not charlie
    html = page.content.decode()
    assert reverse("visits:plan", args=[this.pk]) in html and reverse("visits:plan", args=[last.pk]) in html
    alice_row = page.context["rows"][0]
    assert [c.week_start for c in alice_row["cells"]] == recent_weeks(TODAY)[::-1]  # the current week first
    assert (alice_row["total"].planned, alice_row["total"].done) == (10, 6)
    assert reverse("visits:actuals") in login(cast["sam"]).get(reverse("visits:index")).content.decode()


def test_admins_see_every_area_and_others_are_refused(cast, login, alices_weeks):
    rows = _page(login(cast["ada"])).context["rows"]
    assert {row["manager"].username for row in rows} == {"alice", "bob", "charlie"}
    for who in ("alice", "dora", "max"):
        assert _page(login(cast[who])).status_code == 403, who
    assert _page(login(make_user("nobody", User.Role.SUPERVISOR, cast["company"]))).context["rows"] == []


def test_the_page_costs_the_same_queries_for_2_or_8_managers(cast, login, alices_weeks):
    sam = login(cast["sam"])
    with CaptureQueriesContext(connection) as two:
        _page(sam)
    for n in range(6):
        manager = make_user(f"m{n}", User.Role.MANAGER, cast["company"], area=cast["town"])
        week_plan = plan(manager, LAST_MONDAY)
        stop(week_plan, 0, done="on")
        stop(week_plan, 1)
    with CaptureQueriesContext(connection) as eight:
        assert len(_page(sam).context["rows"]) == 8
    # session, user, managers, plans with their counts, unplanned visits, unread notices
    assert len(two) == len(eight) == 6, "\n".join(q["sql"][:120] for q in eight.captured_queries)
