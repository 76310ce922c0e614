"""One real browser journey: a manager finds a customer, proposes a phone change, customer service
approves it, and the manager sees the new phone on the profile."""

import os

import pytest

from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(chromium_path):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _close_server_connections():
    """The live server's threads keep PostgreSQL sessions open past the test, which would block dropping
    the test database at the end of the run; end them once the journey is over."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-success")
    return page


@pytest.mark.django_db(transaction=True)
def test_phone_change_journey(cast, live_server, browser, tmp_path):
    artifacts = os.environ.get("BROWSER_ARTIFACTS", str(tmp_path))
    shop = make_customer(cast["alice"], name="老王烟酒店", phone="13912345678")
    make_customer(cast["alice"], name="惠民超市")

    page = log_in(browser, live_server, "alice")
    page.fill("#id_q", "烟酒")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=惠民超市", state="detached")
    page.click("text=老王烟酒店")
    page.wait_for_selector("#propose-form")
    page.select_option("#id_field", "phone")
    page.fill("#id_new_value", "+86 138 0000 1111")
    page.fill("#id_reason", "店主换了新号码")
    page.click("#propose-form button[type=submit]")
    page.wait_for_selector("#change-requests >> text=13800001111")
    page.screenshot(path=os.path.join(artifacts, "manager-proposed.png"), full_page=True)
    assert "13912345678" in page.inner_text("#profile-phone")

    desk = log_in(browser, live_server, "dora")
    desk.wait_for_selector("#request-list >> text=老王烟酒店")
    desk.click("#request-list button[value=approve]")
    desk.wait_for_selector(".alert-success")
    desk.screenshot(path=os.path.join(artifacts, "service-approved.png"), full_page=True)

    page.reload()
    assert "13800001111" in page.inner_text("#profile-phone")
    page.screenshot(path=os.path.join(artifacts, "manager-profile-updated.png"), full_page=True)
    shop.refresh_from_db()
    assert shop.phone == "13800001111"
