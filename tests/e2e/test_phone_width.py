"""Issue 15 item 7: nothing a manager or supervisor opens is wider than a 360 px phone. Each page (the menu's
pages and one of each detail page) is opened at 360×740 on the demo seeded small, as manager1 and supervisor1,
and its document must not scroll sideways; a table that has to scroll does so inside its .table-responsive.
A page too wide is screenshot (into BROWSER_ARTIFACTS when set); SHOOT_ALL=1 screenshots every page."""

import io
import os
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from fieldcrm.demo import DEMO_PASSWORD
from tests.e2e.conftest import journey_now
from tests.e2e.phone import log_in, phone_context, shot

pytestmark = pytest.mark.browser

# The innermost elements reaching past the phone's right edge, outside any box that scrolls them itself
# (a .table-responsive, the plan's week strip), to name in a failure.
OVERFLOWING = """() => {
  const scrolled = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
    if (getComputedStyle(a).overflowX !== 'visible') return true; return false; };
  const past = e => e.getBoundingClientRect().right > 360.5 && !scrolled(e);
  return [...document.querySelectorAll('body *')].filter(e => past(e) && ![...e.children].some(past))
    .slice(0, 5).map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} ` +
      `${Math.round(e.getBoundingClientRect().right)}: ${(e.textContent || '').trim().slice(0, 30)}`);
}"""

# The weeks of the plan-versus-actual table scroll sideways by design (the current week comes first); every
# other table stacks its columns on a phone.
SCROLLING_TABLES = {"/visits/actuals/"}
CUT_TABLES = """() => [...document.querySelectorAll('.table-responsive')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => `${box.querySelector('table')?.id}: ${box.scrollWidth} px in ${box.clientWidth}`)"""

# On a Chinese page: 米/公里/分钟, not m/km/min, and opinion topics by their Chinese names, not "supply: …".
ENGLISH = re.compile(r"\d\s?(?:m|km|min)\b|\b(?:ordering|supply|delivery|price|product|service|other):", re.I)
# The page's text as read, without the map's scale bar (Leaflet writes its own "1 km").
PAGE_TEXT = """() => {
  const scales = [...document.querySelectorAll('.leaflet-control-scale')];
  scales.forEach(e => { e.style.display = 'none'; });
  const text = (document.querySelector('main') || document.body).innerText;
  scales.forEach(e => { e.style.display = ''; });
  return text;
}"""


def _pages(user) -> list[str]:
    from fieldcrm.customers.models import Customer
    from fieldcrm.followup.models import Demand
    from fieldcrm.monopoly.models import MarketReport
    from fieldcrm.visits.models import Visit, WeekPlan

    store = Customer.objects.filter(company=user.company, manager__isnull=False).order_by("pk").first()
    # The latest plan, visit, report and need the user may open.
    plan = WeekPlan.objects.visible_to(user).order_by("-week_start", "pk").first()
    visit = Visit.objects.visible_to(user).order_by("-pk").first()
    report = MarketReport.objects.visible_to(user).order_by("-pk").first()
    demand = Demand.objects.visible_to(user).order_by("-pk").first()
    pages = ["/customers/", "/visits/", "/visits/records/", "/service-plan/", "/demands/", "/demands/inbox/",
             "/requests/", "/market-reports/", f"/customers/{store.customer_code}/",
             f"/customers/{store.customer_code}/demands/", f"/visits/records/stores/{store.customer_code}/",
             f"/visits/plans/{plan.pk}/", f"/visits/records/{visit.pk}/"]
    with_opinion = Visit.objects.visible_to(user).filter(opinions__isnull=False).order_by("-pk").first()
    pages += [f"/visits/records/{with_opinion.pk}/"] if with_opinion else []
    pages += [f"/market-reports/{report.pk}/"] if report else []
    pages += [f"/demands/{demand.pk}/"] if demand else []
    if user.is_manager:
        pages += ["/field/", "/market-reports/new/"]
    if user.oversees_anyone:
        pages += ["/visits/actuals/", "/market-reports/summary/", "/tiers/reviews/"]
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["manager1", "supervisor1"])
def test_every_page_fits_a_phone(live_server, browser, tmp_path, settings, time_machine, username):
    from fieldcrm.org.models import User

    if journey_now().weekday() == 6:  # Sunday is no working day of the demo company
        time_machine.move_to(journey_now() - timedelta(days=1), tick=True)
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", "--customers", "40", "--managers", "1", "--seed", "2", "--plan-seconds", "1",
                 stdout=io.StringIO())
    user = User.objects.get(username=username)
    context, page = phone_context(browser)
    log_in(page, live_server, username, DEMO_PASSWORD)
    widths, culprits, cut, english = {}, {}, {}, {}
    for path in _pages(user):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        if widths[path] > 360 or os.environ.get("SHOOT_ALL"):
            shot(page, tmp_path, f"wide-{username}-{path.strip('/').replace('/', '-') or 'home'}.png")
            culprits[path] = page.evaluate(OVERFLOWING)
        english[path] = ENGLISH.findall(page.evaluate(PAGE_TEXT))
        if path not in SCROLLING_TABLES:  # a column past the screen's edge is as cut off as a wide page
            cut[path] = page.evaluate(CUT_TABLES)
    context.close()
    print(f"{username} at 360x740, {timezone.localdate()}:", widths)
    too_wide = {path: width for path, width in widths.items() if width > 360}
    assert not too_wide, f"wider than the phone: {too_wide}; the elements past its edge: {culprits}"
    cut = {path: tables for path, tables in cut.items() if tables}
    assert not cut, f"tables whose last columns scroll out of sight: {cut}"
    english = {path: words for path, words in english.items() if words}
    assert not english, f"English units or opinion topics on Chinese pages: {english}"
