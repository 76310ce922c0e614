"""Issue 15, item 3, on a 360×740 phone: a routine visit in a few taps. The store's usual SKUs come first,
each offering the last visit's stock and the guide price; one tap a row ("same as last time") records them,
the stepper changes a stock, and only what the manager confirmed is recorded — a row left alone records
nothing. A price far from the guide price is asked again before 签退 goes through."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.e2e.phone import log_in, phone_context, wait_sync
from tests.factories import CENTRE, make_customer, make_sku, make_visit

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_routine_visit_same_as_last_time(cast, live_server, browser):
    from fieldcrm.visits.models import PlannedVisit, SkuObservation, Visit, WeekPlan

    alice = cast["alice"]
    store = make_customer(alice, name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=alice, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=1, reasons=[])
    skus = [make_sku(code=f"69010280001{n}", name=f"中华({n})", barcode=f"6901028000{n}19", retail_price=450,
                     wholesale_price=380) for n in range(4)]
    past = make_visit(store, timezone.now() - timedelta(days=7))
    for n, sku in enumerate(skus):
        past.observations.create(sku=sku, stock_cartons=5 + n, retail_price=Decimal("460") if n == 0 else None)

    context, page = phone_context(browser, position={"latitude": CENTRE[0], "longitude": CENTRE[1]}, locale="en-US")
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    page.click(".stop .open-visit")
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    # who and when: the owner with a tap-to-call phone, the last visit's day
    assert page.locator("#visit-owner a.call").get_attribute("href") == f"tel:{store.phone}"
    assert store.owner_name in page.inner_text("#visit-owner")
    assert timezone.localdate(past.checked_in_at).isoformat() in page.inner_text("#visit-last")
    rows = page.locator(".sku-row")
    assert rows.count() == 4
    assert "last 5 条" in rows.first.inner_text() and "guide 450" in rows.first.inner_text()
    assert rows.first.locator("[name=stock_cartons]").input_value() == ""  # offered, not filled in

    rows.nth(0).locator(".same-as-last").click()  # 5 条 at 460 元, as last time
    rows.nth(1).locator(".same-as-last").click()  # 6 条 at the guide price
    rows.nth(1).locator(".step-up").click()
    rows.nth(1).locator(".step-up").click()  # 8 条
    rows.nth(2).locator(".step-down").click()  # from last time's 7: 6 条, no price
    assert page.locator(".sku-row.confirmed").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # 4,500 元/条 is asked again: check-out waits until it is confirmed or corrected.
    rows.nth(0).locator("[name=retail_price]").fill("4500")
    assert rows.nth(0).locator(".price-check").is_visible()
    page.click("#check-out")
    assert page.locator("#visit-view").is_visible()
    rows.nth(0).locator("[name=retail_price]").fill("450")
    assert rows.nth(0).locator(".price-check").is_hidden()
    rows.nth(2).locator("[name=retail_price]").fill("1200")
    rows.nth(2).locator(".price-confirm").click()  # yes, 1,200 (a premium SKU sold dear)
    page.click("#check-out")
    wait_sync(page, queued=0, sent=1)

    visit = Visit.objects.exclude(pk=past.pk).get()
    seen = {o.sku.code: (o.stock_cartons, o.retail_price) for o in SkuObservation.objects.filter(visit=visit)}
    assert seen == {skus[0].code: (5, Decimal("450")), skus[1].code: (8, Decimal("450")),
                    skus[2].code: (6, Decimal("1200"))}  # the fourth row was left alone: nothing recorded
    context.close()
