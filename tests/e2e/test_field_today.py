"""Today on the phone at 360×740, as the manager sees it: the route drawn from the page itself, the day and
when it was loaded in Beijing time (the phone set to another zone), navigation links in the coordinates each
map app wants, the distance from the phone, the map loaded only when opened and never in the way, the needs
that cannot wait for their planned visit, an unplanned visit from the store search; a record the server
refused, fixed and retried; logging out, which asks before dropping anything unsent and leaves nothing of the
manager on the phone; and a second person on the same browser, who never sees the first one's route."""

from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from fieldcrm.lib.coords import wgs84_to_bd09, wgs84_to_gcj02
from tests.e2e.phone import log_in, phone_context, shot, wait_sync
from tests.factories import CENTRE, make_customer

pytestmark = pytest.mark.browser
HERE = {"latitude": CENTRE[0] + 0.0003, "longitude": CENTRE[1]}


def route_with_a_need(alice):
    """Two stores today; a third planned later this week with a need due before that visit."""
    from fieldcrm.followup.actions import raise_demand
    from fieldcrm.followup.reasons import demand_reasons
    from fieldcrm.visits.models import PlannedVisit, PlanningPolicy, WeekPlan

    first = make_customer(alice, name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    second = make_customer(alice, name="惠民超市", latitude=CENTRE[0] + 0.01, longitude=CENTRE[1] + 0.01)
    urgent = make_customer(alice, name="永发食杂店", latitude=CENTRE[0] - 0.01, longitude=CENTRE[1])
    day = timezone.localdate()
    monday = day - timedelta(days=day.weekday())
    plan = WeekPlan.objects.create(manager=alice, week_start=monday, status=WeekPlan.Status.APPROVED)
    for n, store in enumerate((first, second), start=1):
        PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=n, reasons=[], problems="断货：中华(硬)")
    need = raise_demand(urgent, kind="supply", description="周六前要补货", by=alice)
    need.due_at = timezone.make_aware(datetime.combine(day, time(23)))
    need.save()
    later = monday + timedelta(days=6) if day.weekday() < 6 else None  # a later day this week, when there is one
    if later:
        found = demand_reasons(alice, monday, PlanningPolicy.for_company(alice.company))[urgent.pk]
        visit = PlannedVisit.objects.create(plan=plan, customer=urgent, day=later, sequence=1,
                                            reasons=[{"code": r.code, "args": r.args, "text": ""} for r in found])
        need.planned_visits.add(visit)  # the need the reason names, as planning links it
    return first, second, urgent, later


def phone(browser, live_server, *, workers="block", zone="America/New_York"):
    return phone_context(browser, position=HERE, zone=zone, workers=workers)


def open_today(page, live_server):
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')


def visit_and_check_out(page):
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    page.click("#check-out")
    page.wait_for_selector("#today-view:not([hidden])")


def query(link, key):
    return [float(v) for v in parse_qs(urlparse(link).query)[key][0].split(",")]


@pytest.mark.django_db(transaction=True)
def test_today_as_the_manager_sees_it(cast, live_server, browser, tmp_path):
    from fieldcrm.visits.models import Visit

    first, second, urgent, later = route_with_a_need(cast["alice"])
    elsewhere = make_customer(cast["alice"], name="鑫源便利店", latitude=CENTRE[0], longitude=CENTRE[1] + 0.02)
    context, page = phone(browser, live_server)
    log_in(page, live_server, "alice")
    leaflet = []
    page.on("request", lambda request: "leaflet" in request.url and leaflet.append(request.url))
    page.route("**/leaflet-1.9.4/leaflet.js", lambda route: route.abort())  # the map cannot load at first

    # The route is on screen from the page itself, before field.js has arrived; a tap on "Visit" meanwhile is
    # not lost: the visit opens once field.js is there.
    page.route("**/field/field.*.js", lambda route: route.abort())
    page.route("**/field/field.js", lambda route: route.abort())
    page.goto(f"{live_server.url}/field/")
    assert page.locator(".stop").count() == 2
    page.locator(".stop").nth(1).locator(".open-visit").click()
    assert page.locator("#visit-view").is_hidden()
    page.unroute("**/field/field.*.js")
    page.unroute("**/field/field.js")
    page.add_script_tag(url=page.locator("script[src*='/field/field']").get_attribute("src"))
    page.wait_for_selector("#visit-view:not([hidden]) #visit-store:has-text('惠民超市')")
    open_today(page, live_server)

    stops = page.locator(".stop")
    assert [stops.nth(n).get_attribute("data-code") for n in range(2)] == [first.customer_code, second.customer_code]
    assert stops.first.locator("strong").inner_text().startswith("1. ")

    # The day and the time it was loaded, in Beijing time although the phone is set to New York.
    meta = page.evaluate("FieldRoute.inline")
    assert meta["day"] == timezone.localdate().isoformat()
    loaded = page.locator("#loaded-state").inner_text()
    assert meta["generated_label"] in loaded and f"{timezone.localtime():%H}:" in loaded
    assert page.locator("#route-day").inner_text() == meta["day_label"]
    assert page.locator("#loaded-state .stale-route").count() == 0

    # Navigation: AMap in GCJ-02, Baidu (app and web) in BD-09, latitude first.
    amap = stops.first.locator("a.nav-amap").get_attribute("href")
    assert amap.startswith("https://uri.amap.com/marker?")
    assert query(amap, "position") == pytest.approx(list(wgs84_to_gcj02(CENTRE[1], CENTRE[0])), abs=1e-6)
    bd_lon, bd_lat = wgs84_to_bd09(CENTRE[1], CENTRE[0])
    baidu = stops.first.locator("a.nav-baidu").get_attribute("href")
    assert baidu.startswith("https://api.map.baidu.com/marker?") and "coord_type=bd09ll" in baidu
    assert query(baidu, "location") == pytest.approx([bd_lat, bd_lon], abs=1e-6)
    app = stops.first.locator("a.nav-baidu-app").get_attribute("href")
    assert app.startswith("baidumap://map/marker?") and query(app, "location") == pytest.approx([bd_lat, bd_lon], abs=1e-6)

    # How far each store is from the phone (about 33 m from the first, 1.4 km from the second).
    page.wait_for_selector(".stop .away")
    assert 20 <= int(stops.first.locator(".away").get_attribute("data-m")) <= 50
    assert 1300 <= int(stops.nth(1).locator(".away").get_attribute("data-m")) <= 1500
    assert "米" in stops.first.locator(".away").inner_text()  # 米 and 公里 on a Chinese page (issue 15 item 7)
    assert "公里" in stops.nth(1).locator(".away").inner_text()

    # The map: nothing of it before it is opened; with no Leaflet the list still works.
    assert not page.locator("#map-box").evaluate("box => box.open") and leaflet == []
    page.click("#map-box summary")
    page.wait_for_selector("#map-state:not(:empty)")
    shot(page, tmp_path, "field-today.png")
    page.unroute("**/leaflet-1.9.4/leaflet.js")
    page.click("#map-box summary")
    page.click("#map-box summary")
    page.wait_for_selector('#today-map[data-drawn="2"]')
    assert page.locator("#today-map .plan-map-pin").all_inner_texts() == ["1", "2"]
    page.wait_for_selector("#today-map .today-map-here")  # where the phone is

    # A need that cannot wait for its planned visit, visited today as an unplanned visit.
    if later:
        due = page.locator("#also-due .due-item")
        assert due.count() == 1 and due.get_attribute("data-code") == urgent.customer_code
        assert "周六前要补货" in due.locator(".needs").inner_text()
        due.locator(".open-visit").click()
        visit_and_check_out(page)
        wait_sync(page, queued=0, sent=1)
        page.wait_for_selector("#also-due .due-item .outcome-recorded")
        assert Visit.objects.get(customer=urgent).ad_hoc

    # An unplanned visit found by the store search: ad hoc on the server.
    page.click("#unplanned-box summary")
    page.fill("#store-search", "鑫源")
    page.click("#store-matches button")
    page.wait_for_selector("#visit-store:has-text('鑫源便利店')")
    assert page.locator("#visit-store").inner_text().startswith("鑫源便利店 (")  # marked unplanned
    visit_and_check_out(page)
    wait_sync(page, queued=0, sent=2 if later else 1)
    visit = Visit.objects.get(customer=elsewhere)
    assert visit.ad_hoc and visit.planned_visit is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_refused_record_is_fixed_and_retried(cast, live_server, browser):
    """The store was reassigned while the phone was offline: the server refuses the visit (404) and the outbox
    keeps it as failed. The store is given back; Retry sends the same record, which the server now takes."""
    from fieldcrm.visits.models import Visit

    first, _second, _urgent, _later = route_with_a_need(cast["alice"])
    context, page = phone(browser, live_server)
    log_in(page, live_server, "alice")
    open_today(page, live_server)
    context.set_offline(True)
    page.locator(".stop").first.locator(".open-visit").click()
    visit_and_check_out(page)
    wait_sync(page, queued=1, sent=0)
    first.manager = cast["bob"]
    first.save()
    context.set_offline(False)
    wait_sync(page, queued=0, sent=0, failed=1)
    assert not Visit.objects.filter(customer=first).exists()

    first.manager = cast["alice"]  # the supervisor puts it right
    first.save()
    page.click(".outbox-item.status-failed .retry")
    wait_sync(page, queued=0, sent=1, failed=0)
    assert Visit.objects.get(customer=first).manager == cast["alice"]
    context.close()


def phone_data(page) -> dict:
    """What this browser holds: IndexedDB databases and the service worker's page cache."""
    return page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map((d) => d.name).filter((n) => n.startsWith("fieldcrm-field")),
        pages: (await caches.has("fieldcrm-pages"))
          ? (await (await caches.open("fieldcrm-pages")).keys()).map((r) => new URL(r.url).pathname) : [],
    })""")


@pytest.mark.django_db(transaction=True)
def test_logging_out_asks_about_unsent_records_then_clears_the_phone(cast, live_server, browser):
    from fieldcrm.visits.models import Visit

    first, _second, _urgent, _later = route_with_a_need(cast["alice"])
    context, page = phone(browser, live_server, workers="allow")
    log_in(page, live_server, "alice")
    open_today(page, live_server)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20000)
    alice_db = f"fieldcrm-field-u{cast['alice'].pk}"
    assert alice_db in phone_data(page)["databases"]
    assert phone_data(page)["pages"] == ["/field/"]  # kept from the first load: Today opens offline already
    context.set_offline(True)
    page.reload()
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator(".stop").count() == 2
    context.set_offline(False)

    page.route("**/api/v1/visits", lambda route: route.abort())  # a weak signal: the visit stays queued
    page.locator(".stop").first.locator(".open-visit").click()
    visit_and_check_out(page)
    wait_sync(page, queued=1, sent=0)

    page.click("#nav-menu summary")
    page.click("#logout")
    page.wait_for_selector("#logout-dialog[open]")
    assert "1" in page.locator("#logout-unsent").inner_text()
    page.click("#logout-cancel")
    assert "/field/" in page.url and alice_db in phone_data(page)["databases"]

    page.click("#nav-menu summary")  # the dialog closed the menu
    page.click("#logout")
    page.click("#logout-send")  # still no network for it: nothing is dropped, the dialog says so
    page.wait_for_function("document.getElementById('logout-unsent').textContent.length > 0")
    page.wait_for_timeout(500)
    assert page.locator("#logout-dialog[open]").count() == 1 and alice_db in phone_data(page)["databases"]

    page.unroute("**/api/v1/visits")
    page.click("#logout-send")
    page.wait_for_url("**/login/**")
    assert Visit.objects.filter(customer=first).count() == 1  # sent before logging out
    left = phone_data(page)
    assert left["databases"] == [] and set(left["pages"]) <= {"/login/"}  # only the login page, kept afresh

    # The next person on this phone: their own (empty) Today, nothing of Alice's.
    log_in(page, live_server, "bob")
    open_today(page, live_server)
    assert page.locator(".stop").count() == 0 and "老王烟酒店" not in page.content()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_second_user_never_sees_the_first_ones_route(cast, live_server, browser):
    """Alice leaves without the phone's logout (from another page): Bob, logging in on the same browser, gets
    his own route; Alice's unsent record waits, untouched, and goes when she logs in again."""
    from fieldcrm.visits.models import Visit

    first, _second, _urgent, _later = route_with_a_need(cast["alice"])
    bobs = make_customer(cast["bob"], name="鑫源便利店", latitude=CENTRE[0], longitude=CENTRE[1])
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=cast["bob"], week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    PlannedVisit.objects.create(plan=plan, customer=bobs, day=day, sequence=1, reasons=[])

    context, page = phone(browser, live_server, workers="allow")
    log_in(page, live_server, "alice")
    open_today(page, live_server)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20000)
    page.reload()  # through the service worker, which now keeps Alice's page
    page.wait_for_selector('#field-app[data-ready="1"]')
    context.set_offline(True)
    page.locator(".stop").first.locator(".open-visit").click()
    visit_and_check_out(page)
    wait_sync(page, queued=1, sent=0)
    page.route("**/api/v1/visits", lambda route: route.abort())  # the network is back, too weak to send
    context.set_offline(False)
    page.goto(f"{live_server.url}/customers/")
    page.evaluate("document.querySelector('form[action=\"/logout/\"]').submit()")  # the site's own logout
    page.wait_for_url("**/login/**")
    page.unroute("**/api/v1/visits")

    log_in(page, live_server, "bob")
    open_today(page, live_server)
    assert [page.locator(".stop").nth(0).get_attribute("data-code")] == [bobs.customer_code]
    assert page.locator(".stop").count() == 1 and "老王烟酒店" not in page.content()
    page.wait_for_selector('#sync-state[data-others="1"]')  # Alice's record is kept for her, not sent as Bob
    assert not Visit.objects.exists()

    page.click("#nav-menu summary")
    page.click("#logout")
    page.wait_for_url("**/login/**")
    log_in(page, live_server, "alice")
    open_today(page, live_server)
    wait_sync(page, queued=0, sent=1)
    assert Visit.objects.get().customer == first and Visit.objects.get().manager == cast["alice"]
    context.close()
