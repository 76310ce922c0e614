"""Issue 10's "done when", on the seeded demo: manager1 works today's route on a 360×740 phone — the first stop
closes a need through the checklist, the second is recorded offline and sent when the network returns —;
supply1 resolves the open supply need from the inbox; monopoly1 confirms the pending market report; manager1
sees the outcome on the report and in the notifications. Exactly one record of each on the server."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.e2e.conftest import journey_now
from tests.e2e.phone import PHONE, log_in, phone_context, shot, wait_sync

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Demo@2026"


def context_for(browser, live_server, username, *, phone=True, position=None):
    context, page = phone_context(browser, position=position, viewport=PHONE if phone else {"width": 1280, "height": 800})
    log_in(page, live_server, username, DEMO_PASSWORD)
    return context, page


def at(customer) -> dict:
    return {"latitude": customer.latitude, "longitude": customer.longitude}


@pytest.mark.django_db(transaction=True)
def test_a_demo_day(live_server, browser, tmp_path, settings, time_machine):
    from fieldcrm.followup.models import Demand, DemandStep
    from fieldcrm.monopoly.models import MarketReport
    from fieldcrm.notices.models import Notice
    from fieldcrm.org.models import User
    from fieldcrm.visits.models import PlannedVisit, Visit

    if journey_now().weekday() == 6:  # Sunday is no working day of the demo company: work Saturday's route
        time_machine.move_to(journey_now() - timedelta(days=1), tick=True)
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--customers", "60", "--managers", "1", "--seed", "2", "--plan-seconds", "1",
                 stdout=io.StringIO())
    today = timezone.localdate()
    manager, supply1, monopoly1 = (User.objects.get(username=name) for name in ("manager1", "supply1", "monopoly1"))
    stops = list(PlannedVisit.objects.filter(plan__manager=manager, day=today).select_related("customer")
                 .order_by("sequence"))
    first, second = stops[0], stops[1]
    feedback_need = Demand.objects.awaiting_feedback().get(customer=first.customer)
    supply_need = Demand.objects.filter(customer__manager=manager, kind=Demand.Kind.SUPPLY,
                                        status=Demand.Status.OPEN).earliest("pk")
    report = MarketReport.objects.get(reporter=manager, status=MarketReport.Status.SUBMITTED, customer__isnull=False)

    # manager1 at the first stop: the checklist tells the retailer how their need was resolved.
    context, page = context_for(browser, live_server, "manager1", position=at(first.customer))
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator(".stop").count() == len(stops)
    page.locator(".stop").first.locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state.on-site")
    item = f'.check-item[data-code="demand:{feedback_need.pk}"]'
    page.locator(f"{item} .check-done").click()
    page.wait_for_selector(f"{item} .check-done.btn-success")
    page.locator(f"{item} .check-note").fill("店主表示满意")
    if page.locator(".sku-row").count():  # the store's usual SKUs come first, from last week's visits
        page.locator(".sku-row").first.locator("[name=stock_cartons]").fill("6")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, tmp_path, "demo-visit.png")
    page.click("#check-out")
    wait_sync(page, queued=0, sent=1)
    feedback_need.refresh_from_db()
    assert feedback_need.status == Demand.Status.CLOSED and feedback_need.feedback_channel == Demand.Channel.VISIT
    assert feedback_need.retailer_response == "店主表示满意"

    # The second stop with no network: the visit waits in the outbox, then goes once the phone is back online.
    # (The app is opened afresh there: a page keeps its last position for 30 s, which was the first store's.)
    context.set_geolocation(at(second.customer))
    page.reload()
    page.wait_for_selector('#field-app[data-ready="1"]')
    context.set_offline(True)
    page.locator(".stop").nth(1).locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state.on-site")
    page.click("#check-out")
    wait_sync(page, queued=1, sent=1)
    assert Visit.objects.filter(manager=manager, checked_in_at__date=today).count() == 1
    context.set_offline(False)
    wait_sync(page, queued=0, sent=2)
    shot(page, tmp_path, "demo-today.png")
    todays = Visit.objects.filter(manager=manager, checked_in_at__date=today)
    assert sorted(todays.values_list("planned_visit", flat=True)) == sorted([first.pk, second.pk])
    assert all(visit.on_site and visit.checked_out_at for visit in todays)
    assert DemandStep.objects.filter(demand=feedback_need, action=DemandStep.Action.FEEDBACK).count() == 1

    # supply1 resolves the supply need from the inbox.
    desk, office = context_for(browser, live_server, "supply1", phone=False)
    office.goto(f"{live_server.url}/demands/inbox/")
    office.locator(f"#demand-{supply_need.pk} .demand-description a").click()
    office.fill("#id_resolution", "已协调货源，下个订货周期增加投放")
    office.click("#resolve-demand button")
    office.wait_for_selector("#resolve-demand", state="detached")
    supply_need.refresh_from_db()
    assert supply_need.status == Demand.Status.RESOLVED and supply_need.resolved_by == supply1
    assert DemandStep.objects.filter(demand=supply_need, action=DemandStep.Action.RESOLVED).count() == 1
    desk.close()

    # monopoly1 confirms the pending market report.
    desk, office = context_for(browser, live_server, "monopoly1", phone=False)
    office.goto(f"{live_server.url}/market-reports/")
    office.click(f'a[href="/market-reports/{report.pk}/"]')
    office.check("input[name=status][value=confirmed]")
    office.fill("textarea[name=outcome]", "已查获疑似假烟12条，移交稽查")
    office.click("form[action$='/outcome/'] button[type=submit]")
    office.wait_for_selector("form[action$='/outcome/']", state="detached")
    report.refresh_from_db()
    assert report.status == MarketReport.Status.CONFIRMED and report.decided_by == monopoly1
    desk.close()

    # manager1 sees the outcome on the report's page and among the notifications.
    page.goto(f"{live_server.url}/market-reports/{report.pk}/")
    assert "已查获疑似假烟12条，移交稽查" in page.content()
    notices = Notice.objects.filter(recipient=manager, kind="report_outcome", link=f"/market-reports/{report.pk}/")
    assert notices.count() == 1
    page.goto(f"{live_server.url}/notices/")
    assert page.locator('button[data-notice="report_outcome"]').count() == MarketReport.objects.filter(
        reporter=manager).exclude(status=MarketReport.Status.SUBMITTED).count()
    shot(page, tmp_path, "demo-notices.png")
    context.close()
