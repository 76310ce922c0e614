"""Real browser journeys: a manager finds a customer, proposes a phone change, customer service approves it,
and the manager sees the new phone on the profile; a manager plans a week, the supervisor approves it.

The journeys run on a fixed day, like every other test: the Friday before the planning tests' WEEK
(time-machine moves the process clock, which the live server's thread shares). E2E_TODAY=YYYY-MM-DD moves
that day, to show the journeys hold on any day: `E2E_TODAY=2027-02-27 pytest tests/e2e`."""

import os
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.e2e.phone import desk_log_in as log_in
from tests.factories import make_customer

pytestmark = pytest.mark.browser




@pytest.mark.django_db(transaction=True)
def test_phone_change_journey(cast, live_server, browser, tmp_path):
    artifacts = os.environ.get("BROWSER_ARTIFACTS", str(tmp_path))
    shop = make_customer(cast["alice"], name="老王烟酒店", phone="13912345678")
    make_customer(cast["alice"], name="惠民超市")

    page = log_in(browser, live_server, "alice")
    page.wait_for_url("**/field/")  # a manager lands on 今日; the customer list is one link away
    page.goto(f"{live_server.url}/customers/")
    page.fill("#id_q", "烟酒")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=惠民超市", state="detached")
    page.click("text=老王烟酒店")
    page.wait_for_selector("#propose-form")
    page.select_option("#id_field", "phone")
    page.fill("#id_new_value", "+86 138 0000 1111")
    page.fill("#id_reason", "店主换了新号码")
    page.click("#propose-form button[type=submit]")
    page.wait_for_selector("#change-requests >> text=13800001111")
    page.screenshot(path=os.path.join(artifacts, "manager-proposed.png"), full_page=True)
    assert "13912345678" in page.inner_text("#profile-phone")

    desk = log_in(browser, live_server, "dora")
    desk.wait_for_url("**/demands/inbox/")  # department staff land on the needs routed to them
    desk.goto(f"{live_server.url}/requests/")
    desk.wait_for_selector("#request-list >> text=老王烟酒店")
    desk.click("#request-list button[value=approve]")
    desk.wait_for_selector(".alert-success")
    desk.screenshot(path=os.path.join(artifacts, "service-approved.png"), full_page=True)

    page.reload()
    assert "13800001111" in page.inner_text("#profile-phone")
    page.screenshot(path=os.path.join(artifacts, "manager-profile-updated.png"), full_page=True)
    shop.refresh_from_db()
    assert shop.phone == "13800001111"


@pytest.mark.django_db(transaction=True)
def test_weekly_plan_journey(cast, live_server, browser, tmp_path):
    """Issue 3's 'done when': the manager opens next week's plan, sees each visit's reasons, the routes on
    the map and the day totals, moves a visit, re-optimises and submits; the supervisor approves; the
    service plan shows birthday and onboarding items."""
    from fieldcrm.care.actions import plan_services
    from fieldcrm.visits.actions import generate_week_plan
    from fieldcrm.visits.models import PlannedVisit, WeekPlan
    from fieldcrm.visits.weeks import next_week_start
    from tests.factories import CENTRE, make_store

    artifacts = os.environ.get("BROWSER_ARTIFACTS", str(tmp_path))
    alice = cast["alice"]
    alice.start_latitude, alice.start_longitude = CENTRE
    alice.save()
    today = timezone.localdate()
    week = next_week_start(today)
    for n in range(10):
        make_store(alice, n, "重点客户", order_day=None)
    birthday = today + timedelta(days=2)  # due soon: on the month's first page whatever the day (1980 has a 29 Feb)
    make_store(alice, 20, "培育客户", name="生日烟酒店", owner_birthday=date(1980, birthday.month, birthday.day))
    make_store(alice, 21, "培育客户", name="新开便利店", created_at=timezone.now() - timedelta(days=2))
    monday = today - timedelta(days=today.weekday())
    plan_services(cast["company"], monday, monday + timedelta(days=28))
    plan = generate_week_plan(alice, week)

    page = log_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/visits/?week={week}")
    page.click("text=打开计划")
    page.wait_for_selector("#plan-map .leaflet-marker-icon")
    assert page.locator("#plan-map svg path").count() >= 2  # route lines (a white casing under each)
    assert "次拜访" in page.inner_text("#week-strip") and "公里" in page.inner_text("#week-strip")  # units in Chinese (issue 15)
    first = plan.visits.select_related("customer").order_by("day", "sequence").first()
    card = page.locator(f"#visit-{first.pk}")
    assert first.reasons[0]["text"] in card.inner_text()
    page.screenshot(path=os.path.join(artifacts, "plan-manager.png"), full_page=True)

    other_day = next(week + timedelta(days=d) for d in range(6) if week + timedelta(days=d) != first.day)
    card.locator("summary").click()
    card.locator("select[name=day]").select_option(other_day.isoformat())
    card.locator("button:has-text('移动')").click()
    page.wait_for_selector(f"#day-{other_day.isoformat()} #visit-{first.pk}")
    assert PlannedVisit.objects.get(pk=first.pk).day == other_day
    page.click("#reoptimise")
    page.wait_for_selector(".alert-success")
    page.click("#submit-plan")
    page.wait_for_selector(".alert-success")
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.SUBMITTED

    boss = log_in(browser, live_server, "sam")
    boss.goto(f"{live_server.url}/visits/?week={week}")
    boss.click("#team-plans >> text=审阅")
    boss.fill("#comment", "路线合理")
    boss.click("#decide-form button[value=approve]")
    boss.wait_for_selector(".alert-success")
    boss.screenshot(path=os.path.join(artifacts, "plan-approved.png"), full_page=True)
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.APPROVED

    page.goto(f"{live_server.url}/service-plan/?window=month")
    services = page.inner_text("#service-tasks")
    assert "生日祝福" in services and "生日烟酒店" in services
    assert "新开便利店" in services  # its onboarding series

