"""The Content-Security-Policy in a real browser: the pages a desk user opens (and the company settings)
run without a single violation — the inline scripts carry the nonce, nothing inline is left without one,
and what the pages' own scripts do (the language switch, the route map's pins) still works."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.phone import desk_log_in as log_in
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.browser


def violations_on(page, urls, live_server):
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        page.evaluate("() => new Promise(resolve => setTimeout(resolve, 200))")
    return seen


@pytest.mark.django_db(transaction=True)
def test_desk_pages_run_without_a_policy_violation(cast, live_server, browser):
    shop = make_customer(cast["alice"], name="老王烟酒店")
    page = log_in(browser, live_server, "alice")
    page.set_viewport_size({"width": 1280, "height": 900})  # a desk: the menu is open
    page.wait_for_url("**/field/")  # a manager lands on 今日 (issue 15); the desk pages follow
    page.goto(f"{live_server.url}/customers/")
    page.wait_for_selector("#nav-account")
    urls = ["/customers/", f"/customers/{shop.customer_code}/", "/account/", "/service-plan/",
            "/market-reports/new/", "/visits/", "/visits/records/", "/notices/"]
    assert violations_on(page, urls, live_server) == []
    # The language switch submits by site.js (no onchange attribute any more).
    page.goto(f"{live_server.url}/account/")
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("h1:has-text('My account')")


@pytest.mark.django_db(transaction=True)
def test_settings_and_team_pages_run_without_a_policy_violation(cast, live_server, browser):
    ada = cast["ada"]
    ada.is_staff = ada.is_superuser = True
    ada.save()
    page = log_in(browser, live_server, "ada")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_selector("#nav-account")
    urls = ["/admin/", "/admin/org/apitoken/", "/admin/org/user/", f"/admin/org/user/{cast['alice'].pk}/change/",
            "/market-reports/counts/", "/visits/actuals/"]
    assert violations_on(page, urls, live_server) == []


@pytest.mark.django_db(transaction=True)
def test_the_phone_app_runs_without_a_policy_violation(cast, live_server, browser):
    """Today and its service worker under the policy: the critical CSS and the inline route carry the nonce, the
    non-blocking stylesheets switch on without an onload attribute, and the language switch still submits."""
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=cast["alice"], week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    for n in (1, 2):
        PlannedVisit.objects.create(plan=plan, customer=make_customer(cast["alice"]), day=day, sequence=n, reasons=[])
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", service_workers="allow")
    page = context.new_page()
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-success")
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    for _ in range(200):  # Bootstrap and field.css switch on once they have loaded (20 s on a loaded machine)
        media = page.locator("link[data-async-css]").evaluate_all("links => links.map(link => link.media)")
        if media and set(media) == {"all"}:
            break
        page.wait_for_timeout(100)
    assert media and set(media) == {"all"}, media
    page.click("#nav-menu summary")
    page.select_option("#nav-menu select[name=language]", "en")
    page.wait_for_url("**/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    assert page.locator("html").get_attribute("lang") == "en"
    assert seen == []
    context.close()
