"""The Content-Security-Policy in a real browser: the pages a desk user opens (and the company settings)
run without a single violation — the inline scripts carry the nonce, nothing inline is left without one,
and what the pages' own scripts do (the language switch, the route map's pins) still works."""

import pytest

from tests.e2e.test_browser import log_in
from tests.factories import make_customer

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
