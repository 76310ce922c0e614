"""Issue 15, items 1 and 2, on a 360×740 phone: each store's draft is its own (what is typed at store A is
sent with A's visit or discarded at 签退, never shown at store B; a reload or the back button brings an open
visit back where it was left), and no visit is lost (a done stop offers only another, unplanned visit with a
reason; a visit the server refuses keeps its data, says why and can be sent as unplanned)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.phone import log_in, phone_context, wait_sync
from tests.factories import CENTRE, make_customer

pytestmark = pytest.mark.browser
HERE = {"latitude": CENTRE[0] + 0.0003, "longitude": CENTRE[1]}


def two_stops(alice):
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    first = make_customer(alice, name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    second = make_customer(alice, name="惠民超市", latitude=CENTRE[0] + 0.01, longitude=CENTRE[1])
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=alice, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    visits = [PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=n, reasons=[])
              for n, store in enumerate((first, second), start=1)]
    return first, second, visits


def open_today(browser, live_server):
    context, page = phone_context(browser, position=HERE, locale="en-US")
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    return context, page


def stop(page, n):
    return page.locator(f'.stop[data-sequence="{n}"]')


@pytest.mark.django_db(transaction=True)
def test_what_is_typed_at_a_store_stays_with_its_visit(cast, live_server, browser):
    from fieldcrm.followup.models import Demand
    from fieldcrm.visits.models import Visit

    first, second, _visits = two_stops(cast["alice"])
    context, page = open_today(browser, live_server)

    stop(page, 1).locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    page.click("#need-box summary")
    page.fill("#need-text", "希望增加中华(硬)的货源")
    page.fill("#opinion-text", "送货太晚")
    page.fill("#visit-notes", "店主在")
    page.locator("#visit-notes").evaluate("node => node.scrollIntoView()")
    page.wait_for_timeout(500)  # the scroll position is kept a moment after the last scroll

    # A reload mid-visit: the visit comes back, with what was typed and where it was left.
    page.reload()
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator("#visit-view").is_visible()
    assert page.locator("#visit-restored").is_visible()
    assert page.input_value("#need-text") == "希望增加中华(硬)的货源"
    assert page.input_value("#opinion-text") == "送货太晚"
    assert page.input_value("#visit-notes") == "店主在"
    assert page.locator("#need-box").get_attribute("open") is not None
    in_view = "node => { const r = node.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
    assert page.locator("#visit-notes").evaluate(in_view)  # where it was left

    # The back button stays in the app: Today, with the open visit's card saying so.
    page.go_back()
    page.wait_for_selector("#today-view:not([hidden])")
    assert page.url.endswith("/field/")
    assert stop(page, 1).locator(".in-progress").count() == 1
    stop(page, 1).locator(".open-visit").click()
    page.wait_for_selector("#visit-body:not([hidden])")
    assert page.input_value("#need-text") == "希望增加中华(硬)的货源"

    # 签退 asks about the two unsaved items; "send" files them with this visit.
    page.click("#check-out")
    page.wait_for_selector("#checkout-dialog[open]")
    assert page.inner_text("#checkout-unsaved").startswith("2 unsaved items")
    page.click("#checkout-send")
    page.wait_for_selector("#today-view:not([hidden])")
    wait_sync(page, queued=0, sent=2)
    visit = Visit.objects.get(customer=first)
    assert visit.opinions.get().text == "送货太晚"
    assert Demand.objects.get().customer_id == first.pk

    # Store B opens clean.
    stop(page, 2).locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    for box in ("#need-text", "#opinion-text", "#report-text", "#profile-value", "#visit-notes"):
        assert page.input_value(box) == "", box
    assert page.locator("#need-box").get_attribute("open") is None
    page.click("#report-box summary")
    page.fill("#report-text", "门口有人卖散烟")
    page.click("#check-out")
    page.wait_for_selector("#checkout-dialog[open]")
    page.click("#checkout-discard")
    page.wait_for_selector("#today-view:not([hidden])")
    wait_sync(page, queued=0, sent=3)
    assert Visit.objects.filter(customer=second).count() == 1
    assert Demand.objects.count() == 1
    # and nothing of B's discarded report appears at another store
    stop(page, 2).locator(".again-visit").click()
    page.wait_for_selector("#visit-view:not([hidden])")
    assert page.input_value("#report-text") == ""
    context.close()


@pytest.mark.django_db(transaction=True)
def test_no_visit_is_lost_at_a_done_stop(cast, live_server, browser):
    from fieldcrm.visits.models import Visit
    from tests.factories import make_visit

    first, second, visits = two_stops(cast["alice"])
    context, page = open_today(browser, live_server)

    # The first stop done: one line, and only "another visit", unplanned and with a reason.
    stop(page, 1).locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    page.click("#check-out")
    wait_sync(page, queued=0, sent=1)
    assert stop(page, 1).locator(".open-visit").count() == 0
    assert stop(page, 2).get_attribute("class").find("next-stop") >= 0
    stop(page, 1).locator(".again-visit").click()
    page.wait_for_selector("#again-box:not([hidden])")
    page.click("#check-in")
    assert page.locator("#again-reason.is-invalid").count() == 1  # no reason, no check-in
    page.fill("#again-reason", "送宣传品")
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    page.click("#check-out")
    wait_sync(page, queued=0, sent=2)
    again = Visit.objects.filter(customer=first).order_by("checked_in_at").last()
    assert again.planned_visit is None and "送宣传品" in again.notes
    assert Visit.objects.filter(customer=first, planned_visit=visits[0]).count() == 1

    # The second stop's planned visit is carried out meanwhile elsewhere: the phone's visit is refused, kept,
    # explained, and sent as unplanned on one tap.
    context.set_offline(True)
    stop(page, 2).locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    page.fill("#visit-notes", "陈列很好")
    page.click("#check-out")
    wait_sync(page, queued=1, sent=2)
    elsewhere = make_visit(second, timezone.now() - timedelta(minutes=5))
    elsewhere.planned_visit = visits[1]
    elsewhere.save()
    context.set_offline(False)
    wait_sync(page, queued=0, sent=2, failed=1)
    failed = page.locator(".outbox-item.status-failed")
    assert failed.locator(".why").inner_text()  # in the manager's words
    failed.locator(".as-unplanned").click()
    wait_sync(page, queued=0, sent=3, failed=0)
    mine = Visit.objects.filter(customer=second).exclude(pk=elsewhere.pk).get()
    assert mine.planned_visit is None and "陈列很好" in mine.notes
    context.close()
