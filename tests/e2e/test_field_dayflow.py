"""Issue 15, item 4, on a 360×740 phone: the day flows. After 签退 the next stop comes up by itself with its
navigation links (no scrolling), done stops shrink to a line, a header counts done / left / off-site with the
time, and the end-of-day summary says what the day came to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.phone import log_in, phone_context, wait_sync
from tests.factories import CENTRE, make_customer

pytestmark = pytest.mark.browser
IN_VIEW = "node => { const r = node.getBoundingClientRect(); return r.top >= -1 && r.bottom <= innerHeight + 1; }"


def a_long_route(alice, n=12):
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=alice, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    stores = [make_customer(alice, name=f"第{k}号烟酒店", latitude=CENTRE[0] + k * 0.002, longitude=CENTRE[1])
              for k in range(1, n + 1)]
    for k, store in enumerate(stores, start=1):
        PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=k, reasons=[])
    return stores


def visit(page, sequence, *, need=None):
    page.locator(f'.stop[data-sequence="{sequence}"] .open-visit').click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    if need:
        page.click("#need-box summary")
        page.fill("#need-text", need)
        page.click("#add-need")
    page.locator("#check-out").scroll_into_view_if_needed()  # the bottom of a long form
    page.click("#check-out")
    page.wait_for_selector("#today-view:not([hidden])")


@pytest.mark.django_db(transaction=True)
def test_the_next_stop_comes_up_after_each_check_out(cast, live_server, browser):
    stores = a_long_route(cast["alice"])
    context, page = phone_context(browser, position={"latitude": CENTRE[0], "longitude": CENTRE[1]}, locale="en-US")
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator("#day-progress").get_attribute("data-left") == "12"
    assert page.locator(".stop.next-stop").get_attribute("data-sequence") == "1"

    for sequence in range(1, 8):
        visit(page, sequence, need="补货" if sequence == 3 else None)
        page.wait_for_timeout(100)
        nxt = page.locator(".stop.next-stop")
        assert nxt.get_attribute("data-sequence") == str(sequence + 1)
        assert nxt.evaluate(IN_VIEW), f"after stop {sequence} the next stop is off screen"
        assert nxt.locator("a.nav-amap").is_visible()  # its navigation one tap away
    assert page.locator(".stop.stop-done").count() == 7
    assert page.locator(".stop.stop-done").first.bounding_box()["height"] < 45  # a line, not a card
    progress = page.locator("#day-progress")
    assert (progress.get_attribute("data-done"), progress.get_attribute("data-left")) == ("7", "5")
    wait_sync(page, queued=0, sent=8)

    page.click("#day-summary summary")
    summary = page.inner_text("#summary-text")
    assert "7 of 12 planned stores visited" in summary and "1 needs raised" in summary
    assert "0 records not sent" in summary and stores[-1].name in summary
    context.close()
