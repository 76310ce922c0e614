"""Issue 15, item 6: the phone app over weeks. 300 records (100 needs, 100 market reports each with its photo)
queued offline, a login that expires meanwhile and a new version of the app taking over: none lost (the queue
waits and the manager is asked to log in again), none doubled, and once sent the outbox is empty — the records
and their photo blobs are deleted, a small receipt each remains for the day. The visit left open at the store
survives it all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.phone import PHONE, phone_context
from tests.factories import CENTRE, PASSWORD, image_bytes, make_customer

pytestmark = pytest.mark.browser
NEEDS = REPORTS = 100
OUTBOX = """async (user) => { const db = new Dexie(`fieldcrm-field-u${user}`); await db.open();
  const rows = await db.table("outbox").toArray(); const sent = await db.table("sent").toArray(); db.close();
  return { outbox: rows.length, sent: sent.length, blobs: sent.filter((r) => r.file).length }; }"""


def wait_state(page, queued, sent, failed=0, timeout=120000):
    page.wait_for_selector(f'#sync-state[data-queued="{queued}"][data-sent="{sent}"][data-failed="{failed}"]',
                           timeout=timeout)


def log_in_form(page):
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-success")


@pytest.mark.django_db(transaction=True)
def test_300_records_through_a_login_expiry_and_a_new_version(cast, live_server, browser, monkeypatch):
    from django.contrib.sessions.models import Session

    from fieldcrm.field import views
    from fieldcrm.followup.models import Demand
    from fieldcrm.monopoly.models import MarketReport
    from fieldcrm.photos.models import Photo
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    alice = cast["alice"]
    store = make_customer(alice, name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=alice, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=1, reasons=[])
    context, page = phone_context(browser, position={"latitude": CENTRE[0], "longitude": CENTRE[1]},
                                  locale="en-US", workers="allow", viewport=PHONE)
    page.goto(f"{live_server.url}/login/?next=/field/")
    log_in_form(page)
    page.wait_for_selector('#field-app[data-ready="1"]')
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000)
    page.reload()  # through the service worker, which keeps a copy of the page
    page.wait_for_selector('#field-app[data-ready="1"]')

    # A day offline at the store: 100 needs, 100 market reports with a small photo each.
    context.set_offline(True)
    page.locator(".stop .open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    page.evaluate("for (const id of ['need-box', 'report-box']) document.getElementById(id).open = true")
    photo = {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(64, 48))}
    for n in range(NEEDS):
        page.fill("#need-text", f"离线诉求 {n}")
        page.click("#add-need")
        page.wait_for_selector(f'#sync-state[data-queued="{n + 1}"]')
    for n in range(REPORTS):
        page.fill("#report-text", f"疑似假烟 {n}")
        page.set_input_files("#report-photo", photo)
        page.click("#add-report")
        page.wait_for_selector(f'#sync-state[data-queued="{NEEDS + 2 * (n + 1)}"]')
    page.fill("#visit-notes", "还没签退")
    page.click("#back")  # the visit stays open
    page.wait_for_selector(".stop .in-progress")

    # The login expires meanwhile; the network returns: nothing is refused, nothing lost, the manager is asked.
    Session.objects.all().delete()
    context.set_offline(False)
    page.wait_for_selector("#login-expired:not([hidden])", timeout=30000)
    wait_state(page, queued=300, sent=0)
    assert Demand.objects.count() == 0 and MarketReport.objects.count() == 0

    # A new version of the app takes over: the page reloads itself, the queue and the open visit are still there.
    monkeypatch.setattr(views, "APP_VERSION", "next-version")
    page.evaluate("window.oldPage = true")
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    page.wait_for_function("window.oldPage === undefined", timeout=30000)
    page.wait_for_selector('#field-app[data-ready="1"]')
    wait_state(page, queued=300, sent=0)
    assert page.locator(".stop .in-progress").count() == 1

    # Logging in again: everything goes, once.
    page.click("#login-expired a")
    log_in_form(page)
    page.wait_for_selector('#field-app[data-ready="1"]')
    wait_state(page, queued=0, sent=300, timeout=240000)
    assert Demand.objects.count() == NEEDS
    assert MarketReport.objects.count() == REPORTS
    assert Photo.objects.count() == REPORTS
    assert set(Photo.objects.values_list("owner_id", flat=True)) == set(MarketReport.objects.values_list("pk", flat=True))
    held = page.evaluate(OUTBOX, alice.pk)
    assert held == {"outbox": 0, "sent": 300, "blobs": 0}
    assert page.locator("#login-expired").is_hidden()

    # The open visit is still where it was left.
    page.locator(".stop .open-visit").click()
    page.wait_for_selector("#visit-body:not([hidden])")
    assert page.input_value("#visit-notes") == "还没签退"
    context.close()
