"""What the phone journeys share: a phone-sized browser context on the test clock, logging in, waiting for
the outbox to reach a state, and screenshots (into BROWSER_ARTIFACTS when set)."""

import os

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
