"""Issue 10's phone journey at 360×740 with a faked position: open Today, check in, answer the checklist,
record stock and price for several SKUs, raise a need, check out (the visit's first answer is lost on the way,
so the outbox resends it with the same client_uuid); then go offline, record a second visit with a market
report and its photo, come back online, and find exactly one copy of each record on the server."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.e2e.phone import log_in, phone_context, wait_sync
from tests.factories import CENTRE, image_bytes, make_customer, make_sku, make_visit

pytestmark = pytest.mark.browser


def todays_route(alice):
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    first = make_customer(alice, name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    second = make_customer(alice, name="惠民超市", latitude=CENTRE[0] + 0.01, longitude=CENTRE[1])
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=alice, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    for n, store in enumerate((first, second), start=1):
        PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=n, reasons=[],
                                    problems="断货：中华(硬)")
    skus = [make_sku(code=f"690102800000{n}", name=f"中华({n})", barcode=f"69010280000{n}9") for n in range(3)]
    past = make_visit(first, timezone.now() - timedelta(days=7))
    for sku in skus[:2]:  # the store's usual SKUs come first
        past.observations.create(sku=sku, stock_cartons=5)
    return first, second, skus, past


def phone(browser, live_server, username, position):
    context, page = phone_context(browser, position=position, locale="en-US")
    log_in(page, live_server, username)
    return context, page


@pytest.mark.django_db(transaction=True)
def test_a_day_at_the_stores_partly_offline(cast, live_server, browser, tmp_path):
    from fieldcrm.followup.models import Demand
    from fieldcrm.monopoly.models import MarketReport
    from fieldcrm.photos.models import Photo
    from fieldcrm.visits.models import ChecklistAnswer, SkuObservation, Visit

    first, second, skus, past = todays_route(cast["alice"])
    context, page = phone(browser, live_server, "alice", {"latitude": CENTRE[0] + 0.0003, "longitude": CENTRE[1]})
    lost = []

    def lose_first_answer(route):  # the server stores the visit, the phone never hears back
        if not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/visits", lose_first_answer)
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator(".stop").count() == 2
    assert page.locator(".stop").first.locator("a", has_text="AMap").get_attribute("href").startswith(
        "https://uri.amap.com/marker?position=")

    # The first store, on site: checklist, three SKUs, an opinion, a need.
    page.locator(".stop").first.locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state.on-site")
    item = page.locator(".check-item").first
    item.locator(".check-done").click()
    page.wait_for_selector(".check-item:first-child .check-done.btn-success")  # answered and drawn again
    page.locator(".check-item").first.locator(".check-note").fill("补货到位")
    assert page.locator(".sku-row").count() == 2
    page.fill("#sku-search", skus[2].barcode)
    page.click(".sku-pick")
    page.wait_for_selector(f'.sku-row[data-sku="{skus[2].code}"]')
    for n, row in enumerate(page.locator(".sku-row").all()):
        row.locator("[name=stock_cartons]").fill(str(n + 2))
        row.locator("[name=retail_price]").fill("450")
    page.locator(".sku-row").last.locator("[name=price_tag_ok]").uncheck()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the visit fits the phone's width
    page.screenshot(path=os.path.join(os.environ.get("BROWSER_ARTIFACTS", str(tmp_path)), "field-visit.png"),
                    full_page=True)
    page.select_option("#opinion-topic", "supply")
    page.fill("#opinion-text", "货源偏紧")
    page.click("#add-opinion")
    page.click("#need-box summary")
    page.select_option("#need-kind", "supply")
    page.fill("#need-text", "希望增加中华(硬)的货源")
    page.click("#add-need")
    page.click("#check-out")
    wait_sync(page, queued=0, sent=2)  # the visit went through on its second try, after a lost answer
    assert lost == [201]

    # Offline at the second store: a visit with a market report and its photo, all queued.
    context.set_offline(True)
    page.locator(".stop").nth(1).locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state.off-site")  # the phone is still near the first store
    page.click("#report-box summary")
    page.select_option("#report-kind", "counterfeit")
    page.fill("#report-text", "柜台有疑似假冒中华")
    page.set_input_files("#report-photo", {"name": "shot.jpg", "mimeType": "image/jpeg",
                                           "buffer": image_bytes(size=(1600, 1200))})
    page.click("#add-report")
    page.wait_for_selector("#visit-saved:not(:empty)")
    page.click("#check-out")
    wait_sync(page, queued=3, sent=2)
    assert Visit.objects.exclude(pk=past.pk).count() == 1

    context.set_offline(False)
    wait_sync(page, queued=0, sent=5)
    page.screenshot(path=os.path.join(os.environ.get("BROWSER_ARTIFACTS", str(tmp_path)), "field-today.png"),
                    full_page=True)

    visits = Visit.objects.exclude(pk=past.pk).order_by("checked_in_at")
    assert [v.customer_id for v in visits] == [first.pk, second.pk]
    assert visits[0].on_site and not visits[1].on_site
    assert visits[0].planned_visit is not None and visits[0].checked_out_at is not None
    assert SkuObservation.objects.filter(visit=visits[0]).count() == 3
    assert SkuObservation.objects.filter(visit=visits[0], price_tag_ok=False).count() == 1
    assert ChecklistAnswer.objects.filter(visit=visits[0], done=True, note="补货到位").count() == 1
    assert visits[0].opinions.get().topic == "supply"
    assert Demand.objects.get().description == "希望增加中华(硬)的货源"
    report = MarketReport.objects.get()
    assert report.customer_id == second.pk and report.kind == "counterfeit"
    photo = Photo.objects.get()
    assert photo.owner_id == report.pk
    with photo.file.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (1280, 960)  # resized on the phone before upload
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_shell_opens_offline_and_a_refusal_stays_failed(cast, live_server, browser):
    """The service worker serves Today from its cache with no network; a visit to a store reassigned while the
    phone was offline comes back 404 and stays "failed" with the server's reason until the manager discards it."""
    from fieldcrm.visits.models import Visit

    first, _second, _skus, past = todays_route(cast["alice"])
    context, page = phone_context(browser, position={"latitude": CENTRE[0], "longitude": CENTRE[1]}, locale="en-US",
                                  workers="allow")  # the shell must come from the service worker
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000)
    page.reload()  # now through the service worker, which keeps a copy of the page
    page.wait_for_selector('#field-app[data-ready="1"]')

    context.set_offline(True)
    page.reload()
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator(".stop").count() == 2  # from IndexedDB
    page.locator(".stop").first.locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state.on-site")
    page.click("#check-out")
    wait_sync(page, queued=1, sent=0)

    first.manager = cast["bob"]  # reassigned while the phone was offline
    first.save()
    context.set_offline(False)
    wait_sync(page, queued=0, sent=0, failed=1)
    assert page.locator(".outbox-item.status-failed .detail").inner_text() == "Not found."  # the server's reason
    assert not Visit.objects.exclude(pk=past.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".outbox-item.status-failed .discard")
    wait_sync(page, queued=0, sent=0, failed=0)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_today_opens_offline_when_the_server_clock_is_weeks_behind_the_phone(cast, live_server, browser,
                                                                               time_machine):
    """The service worker runs on the browser's own clock, whatever the test's; a server a month behind it (a
    phone's clock set wrong, or a test on a fixed day) must not make every cached copy count as expired. The
    copy's age is the time the worker stored it, by its own clock (issue 16, item 1)."""
    from datetime import UTC, datetime

    from time_machine import escape_hatch

    real_now = datetime.fromtimestamp(escape_hatch.time.time(), tz=UTC)
    time_machine.move_to(real_now - timedelta(days=40), tick=True)
    todays_route(cast["alice"])
    context, page = phone_context(browser, position={"latitude": CENTRE[0], "longitude": CENTRE[1]}, locale="en-US",
                                  workers="allow")
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000)
    page.reload()  # through the service worker, which stores a copy stamped with its own time
    page.wait_for_selector('#field-app[data-ready="1"]')

    context.set_offline(True)
    page.reload()
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator(".stop").count() == 2
    context.close()
