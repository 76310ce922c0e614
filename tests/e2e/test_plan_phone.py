"""Issue 10 item 11: the plan page fits a 360 px phone, and "add a visit" finds a store by name."""

import os

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, make_store

pytestmark = pytest.mark.browser


def _page_size(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")


@pytest.mark.django_db(transaction=True)
def test_plan_page_fits_a_phone(cast, live_server, browser, tmp_path):
    from fieldcrm.visits.actions import generate_week_plan
    from fieldcrm.visits.models import PlannedVisit, WeekPlan
    from fieldcrm.visits.weeks import next_week_start
    from tests.factories import CENTRE

    alice = cast["alice"]
    alice.start_latitude, alice.start_longitude = CENTRE
    alice.save()
    week = next_week_start(timezone.localdate())
    for n in range(30):
        make_store(alice, n, "重点客户", order_day=None)
    target = make_store(alice, 40, "重点客户", name="永发便利店", order_day=None)
    plan = generate_week_plan(alice, week)
    PlannedVisit.objects.filter(plan=plan, customer=target).delete()
    # Approved (every edit asks for a reason: the widest header) with problems on every visit.
    WeekPlan.objects.filter(pk=plan.pk).update(status=WeekPlan.Status.APPROVED)
    PlannedVisit.objects.filter(plan=plan).update(problems="上周订货量下降明显，需了解原因并推荐新品；陈列整改跟进")

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.clock.install(time=timezone.now())
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-success")
    page.goto(f"{live_server.url}/visits/plans/{plan.pk}/")
    page.wait_for_selector("#plan-map .leaflet-marker-icon")
    width, height = _page_size(page)
    page.screenshot(path=os.path.join(os.environ.get("BROWSER_ARTIFACTS", str(tmp_path)), "plan-360.png"),
                    full_page=True)
    print(f"plan page at 360x740: {width} px wide, {height} px tall")
    assert width <= 360, f"the plan page is {width - 360} px wider than the phone"

    # Add a visit by searching the store's name (htmx results), not by typing its 12-digit code.
    page.fill("#store-search", "永发")
    page.wait_for_selector("#store-matches input[type=radio]")
    page.check("#store-matches input[type=radio]")
    page.check("#add-visit input[name=confirm]")
    page.fill("#add-visit input[name=reason]", "客户来电要货")
    page.click("#add-visit button.btn-outline-success")
    page.wait_for_selector(".visit.changed")
    assert "永发便利店" in page.inner_text(".visit.changed")
    assert "永发便利店" in page.inner_text(".alert-success")
    assert PlannedVisit.objects.filter(plan=plan, customer=target).exists()
    context.close()
