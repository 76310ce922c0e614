"""The supervisor's dashboard journey on a 360 px phone: open the dashboards, drill from the company to one
retailer, read its guidance letter, open the team's scorecard; charts drawn, no page wider than the screen."""

import pytest

from fieldcrm.sales.analytics import store
from tests.e2e.phone import log_in, phone_context, shot
from tests.sales_data import make_sales

pytestmark = pytest.mark.browser
MAY = "period=month&at=2026-05-01"


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width} px wide"


@pytest.mark.django_db(transaction=True)
def test_supervisor_drills_to_a_retailer_and_reads_the_scorecard(cast, live_server, browser, tmp_path):
    stores = make_sales(cast)
    store.refresh()  # the pages read the analytics copy
    context, page = phone_context(browser)
    log_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/analysis/?{MAY}&group_by=company")
    page.wait_for_selector('.chart[data-chart=trend][data-drawn="1"]')
    fits(page)
    shot(page, tmp_path, "dash-company.png")
    page.click("#figures tbody a.drill")  # the company → its areas
    page.wait_for_selector("#figures tbody a.drill")
    assert "group_by=area" in page.url
    page.click("#figures tbody a.drill:text('城区营销部')")
    page.click("#figures tbody a.drill:text('汉城片区')")
    page.click("#figures tbody a.drill:text('alice')")
    page.wait_for_selector(f"#figures tbody a.drill:text('{stores['a1'].customer_code}')")
    fits(page)
    shot(page, tmp_path, "dash-manager.png")
    page.click(f"#figures tbody a.drill:text('{stores['a1'].customer_code}')")
    page.wait_for_selector("#retailer-name")
    assert stores["a1"].name in page.inner_text("#retailer-name")
    page.wait_for_selector('.chart[data-chart=bars][data-drawn="1"]')
    assert "中华" in page.inner_text("#figures")
    fits(page)
    shot(page, tmp_path, "dash-retailer.png")
    page.click("#letter-link")
    page.wait_for_selector("#letter-brands")
    assert "中华" in page.inner_text("#letter-brands")
    fits(page)
    shot(page, tmp_path, "dash-letter.png")
    page.goto(f"{live_server.url}/analysis/?{MAY}")
    page.click("#scorecard-link")
    page.wait_for_selector("#scorecard")
    rows = page.inner_text("#scorecard tbody")
    assert "王丽" in rows and "李强" in rows and "charlie" not in rows
    fits(page)
    shot(page, tmp_path, "dash-scorecard.png")
    context.close()
