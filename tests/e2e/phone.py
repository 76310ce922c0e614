"""What the phone journeys share: a phone-sized browser context on the test clock, logging in, waiting for
the outbox to reach a state, and screenshots (into BROWSER_ARTIFACTS when set)."""

import os
from datetime import timedelta
from email.utils import parsedate_to_datetime

from django.utils import timezone

from tests.factories import PASSWORD

PHONE = {"width": 360, "height": 740}


def phone_context(browser, *, position=None, locale="zh-CN", zone="Asia/Shanghai", workers="block", viewport=PHONE):
    """service_workers="block" by default: page.route must see every request the page makes. The journeys'
    own probes (wait_for_function with an expression) are evaluated as strings, which the app's
    Content-Security-Policy forbids; the policy itself is proven on the phone's pages by tests/e2e/test_csp.py."""
    context = browser.new_context(viewport=viewport, locale=locale, timezone_id=zone, geolocation=position,
                                  permissions=["geolocation"] if position else [], service_workers=workers,
                                  bypass_csp=True)
    context.clock.install(time=timezone.now())
    return context, context.new_page()


def log_in(page, live_server, username, password=PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].btn-success")
    page.wait_for_url(lambda url: "/login/" not in url)


def wait_sync(page, queued, sent, failed=0):
    page.wait_for_selector(f'#sync-state[data-queued="{queued}"][data-sent="{sent}"][data-failed="{failed}"]',
                           timeout=20000)


def shot(page, tmp_path, name):
    page.screenshot(path=os.path.join(os.environ.get("BROWSER_ARTIFACTS", str(tmp_path)), name), full_page=True)


def desk_log_in(browser, live_server, username):
    """A new phone-sized context on the test clock (not a PWA journey: no service worker), logged in."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.clock.install(time=timezone.now())  # the page's clock agrees with the server's
    page = context.new_page()
    response = page.goto(f"{live_server.url}/login/")
    server_now = parsedate_to_datetime(response.headers["date"])
    assert abs(server_now - timezone.now()) < timedelta(minutes=5), "the live server is not on the test's clock"
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-success")
    return page
