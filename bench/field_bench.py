"""Benchmark: the phone app on Chromium's emulation of a slow phone.

    .venv/bin/python bench/field_bench.py [--skus 10] [--port 8765]

Builds a fresh SQLite database in a temporary DATA_DIR (one manager, a route of 8 stores today, 40 SKUs on
sale, each store's 10 usual SKUs), collects the static files as production does (hashed and compressed by
WhiteNoise), serves them with `runserver` (DEBUG off), and drives Debian chromium with Playwright at 360x740:

1. taps, keystrokes and wall time per visit kind, until the outbox says sent: a routine visit (checklist,
   stock and retail price of `--skus` SKUs confirmed "same as last time", one stock changed with the stepper,
   no need; issue 15's goal: <= 25 taps, <= 10 keystrokes), a visit with a need and a photo, and an unplanned
   visit found by search; and whether the next stop is on screen after 签退 (scroll needed: 0);
2. a day offline: 200 needs captured with no network, then the network returns: time until all are sent
   and how many the server stored (one request each; a replay would answer 200 and store nothing);
3. Today's first load (empty cache) and repeat load (service worker in control) with 4x CPU throttling and
   DevTools' "Slow 3G" (2 s latency, 50 kB/s each way): time until the route is on screen (wall clock, as
   Playwright sees it; `drawn_in_page_s` is the page's own mark, without Playwright's overhead), time until
   the day is loaded for offline (data, checklists and a copy of the page), and bytes transferred (CDP
   encodedDataLength). The page's CDP session sees only the page's own requests: what the service worker
   fetches by itself (it refreshes its copy of the page behind a repeat load) is neither throttled nor
   counted. The API reads are the page's own, so they are (before 2026-11-30 they went through the service
   worker, unthrottled: the "loaded for offline" figures of that time are lower bounds).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-123"  # noqa: S105 (a throwaway database)
PHOTO = b""  # a small JPEG, made in main()
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}


def build(skus: int):
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from fieldcrm.catalog.models import Brand, Sku
    from fieldcrm.company_setup import setup_company
    from fieldcrm.customers.models import Customer
    from fieldcrm.org.models import MarketingArea, User
    from fieldcrm.visits.models import PlannedVisit, Visit, WeekPlan

    call_command("migrate", verbosity=0)
    company = setup_company("基准分公司", "990000")
    area = MarketingArea.objects.create(company=company, name="基准营销部")
    manager = User.objects.create_user("bench", password=PASSWORD, role=User.Role.MANAGER, company=company, area=area)
    brand = Brand.objects.create(name="中华")
    catalogue = [Sku.objects.create(code=f"69010280{n:05d}", name=f"中华({n})", brand=brand, barcode=f"69{n:011d}",
                                    wholesale_price=380, retail_price=450, purchase_cost=340, price_class="1",
                                    # on sale for a year: a routine store's SKUs, not 40 "new SKU" news items
                                    launched_on=timezone.localdate() - timedelta(days=365))
                 for n in range(40)]
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=manager, week_start=day - timedelta(days=day.weekday()),
                                   status=WeekPlan.Status.APPROVED)
    for n in range(8):
        store = Customer.objects.create(
            company=company, customer_code=f"3203{n:08d}", name=f"基准烟酒店{n}", license_no=f"3203{n:010d}",
            owner_name="王伟", address=f"沛县汉源大道{n + 1}号", latitude=34.72 + n * 0.003, longitude=116.94,
            manager=manager)
        PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=n + 1, reasons=[],
                                    problems="断货：中华(硬)")
        past = Visit.objects.create(client_uuid=f"00000000-0000-4000-8000-{n:012d}", customer=store, manager=manager,
                                    checked_in_at=timezone.now() - timedelta(days=7), latitude=34.72, longitude=116.94,
                                    distance_m=0, on_site=True, ad_hoc=True)
        for sku in catalogue[:skus]:
            past.observations.create(sku=sku, stock_cartons=5)
    Customer.objects.create(company=company, customer_code="320399999999", name="基准便利店", license_no="32039999999999",
                            owner_name="李明", address="沛县汉源大道99号", latitude=34.72, longitude=116.94, manager=manager)
    return manager


def jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (180, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def serve(port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/")
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def log_in(browser, base):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  geolocation={"latitude": 34.72, "longitude": 116.94}, permissions=["geolocation"])
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "bench")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].btn-success")
    page.wait_for_url(lambda url: "/login/" not in url)
    return context, page


class Counter:
    """Counts what a manager would do: taps and keystrokes."""

    def __init__(self, page):
        self.page, self.taps, self.keys = page, 0, 0

    def tap(self, selector_or_locator):
        (self.page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator).click()
        self.taps += 1

    def type(self, locator, text):
        locator.click()
        locator.fill(text)
        self.taps += 1
        self.keys += len(text)


def start_visit(c, page, sequence: int) -> None:
    c.tap(page.locator(f'.stop[data-sequence="{sequence}"] .open-visit'))
    c.tap("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")


def answer_checklist(c, page) -> int:
    items = page.locator(".check-item").all()
    for item in items:
        c.tap(item.locator(".check-done"))
    return len(items)


def check_out(c, page, sent: int) -> None:
    c.tap("#check-out")
    page.wait_for_selector(f'#sync-state[data-queued="0"][data-sent="{sent}"]', timeout=30000)


def routine_visit(page, skus: int, sent: int) -> dict:
    """Checklist, stock and retail price of `skus` SKUs, no need: every row confirmed "same as last time" (the
    last visit's stock, the guide price), one row's stock two more (the stepper)."""
    c = Counter(page)
    started = time.perf_counter()
    start_visit(c, page, 1)
    page.locator(".sku-row").nth(skus - 1).wait_for()
    checklist = answer_checklist(c, page)
    rows = page.locator(".sku-row")
    assert rows.count() == skus, rows.count()
    for row in rows.all():
        c.tap(row.locator(".same-as-last"))
    c.tap(rows.first.locator(".step-up"))
    c.tap(rows.first.locator(".step-up"))
    check_out(c, page, sent)
    return {"kind": "routine", "skus": skus, "checklist_items": checklist, "taps": c.taps, "keystrokes": c.keys,
            "seconds": round(time.perf_counter() - started, 2)}


def visit_with_need_and_photo(page, skus: int, sent: int) -> dict:
    """The routine visit plus a need typed and a photo of the shelf."""
    c = Counter(page)
    started = time.perf_counter()
    start_visit(c, page, 2)
    page.locator(".sku-row").nth(skus - 1).wait_for()
    answer_checklist(c, page)
    for row in page.locator(".sku-row").all():
        c.tap(row.locator(".same-as-last"))
    c.tap("#need-box summary")
    c.type(page.locator("#need-text"), "希望增加中华(硬)的货源")
    c.tap("#add-need")
    page.set_input_files("#visit-photo", {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": PHOTO})
    c.taps += 2  # the photo button and the camera's shutter
    page.wait_for_selector(".visit-photo")
    check_out(c, page, sent)
    return {"kind": "need_and_photo", "skus": skus, "taps": c.taps, "keystrokes": c.keys,
            "seconds": round(time.perf_counter() - started, 2)}


def unplanned_visit(page, sent: int) -> dict:
    """A store off the route, found by search: check in, its checklist, check out."""
    c = Counter(page)
    started = time.perf_counter()
    c.tap("#unplanned-box summary")
    c.type(page.locator("#store-search"), "便利")
    c.tap(page.locator("#store-matches button").first)
    c.tap("#check-in")
    page.wait_for_selector("#checkin-state:not(:empty)")
    answer_checklist(c, page)
    check_out(c, page, sent)
    return {"kind": "unplanned_by_search", "taps": c.taps, "keystrokes": c.keys,
            "seconds": round(time.perf_counter() - started, 2)}


def scroll_to_next(page) -> dict:
    """After each 签退 so far: is the next stop on screen by itself (scroll needed: 0)?"""
    top = page.evaluate("(() => { const n = document.querySelector('.next-stop'); return n ? n.getBoundingClientRect().top : null; })()")
    return {"next_stop_top_px": top and round(top), "scroll_needed_px": 0 if top is not None and -1 <= top <= 740 else None}


def day_offline_sync(context, page, records: int) -> dict:
    """`records` needs captured offline, then the network returns: time until all are sent, and the count."""
    from fieldcrm.followup.models import Demand

    before = Demand.objects.count()
    context.set_offline(True)
    page.locator('.stop[data-sequence="3"] .open-visit').click()
    page.click("#check-in")
    page.evaluate("document.getElementById('need-box').open = true")
    for n in range(records):
        page.fill("#need-text", f"离线诉求 {n}")
        page.click("#add-need")
    page.wait_for_selector(f'#sync-state[data-queued="{records}"]')
    context.set_offline(False)
    started = time.perf_counter()
    page.wait_for_selector('#sync-state[data-queued="0"][data-failed="0"]', timeout=300000)
    return {"records": records, "seconds": round(time.perf_counter() - started, 2),
            "stored": Demand.objects.count() - before, "requests": records}


def throttled_load(page, base, cdp, first: bool) -> dict:
    sizes = {}
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    started = time.perf_counter()
    page.goto(f"{base}/field/", wait_until="commit")
    page.wait_for_selector(".stop", timeout=120000)
    on_screen = time.perf_counter() - started
    drawn = page.evaluate("(performance.getEntriesByName('fieldcrm:route-drawn')[0] || {}).startTime || null")
    page.wait_for_selector('#field-app[data-ready="1"]', timeout=120000)
    ready = time.perf_counter() - started
    time.sleep(0.5)  # let the last loadingFinished events arrive
    return {"load": "first" if first else "repeat", "route_on_screen_s": round(on_screen, 2),
            "drawn_in_page_s": drawn and round(drawn / 1000, 2),
            "loaded_for_offline_s": round(ready, 2), "bytes": sum(sizes.values()), "requests": len(sizes)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=10)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    data = tempfile.mkdtemp(prefix="field_bench_")
    env = {**os.environ, "DATA_DIR": data, "DATABASE_URL": f"sqlite:///{data}/bench.sqlite3", "DEBUG": "false",
           "SECRET_KEY": "bench-only-secret-key-that-is-long-enough-for-the-deploy-check-0123456789",
           "ALLOWED_HOSTS": "127.0.0.1", "STATIC_ROOT": f"{data}/static", "SESSION_COOKIE_SECURE": "false",
           "CSRF_COOKIE_SECURE": "false", "SECURE_SSL_REDIRECT": "false", "DJANGO_SETTINGS_MODULE": "fieldcrm.settings",
           "MAP_TILES": "none",
           "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}  # the counts are read while Playwright runs its event loop
    os.environ.update(env)
    build(args.skus)
    global PHOTO  # noqa: PLW0603 (made once the environment is set)
    PHOTO = jpeg()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = serve(args.port, env)
    base = f"http://127.0.0.1:{args.port}"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                 args=["--no-sandbox", "--disable-gpu"])
            context, page = log_in(browser, base)
            page.goto(f"{base}/field/")
            page.wait_for_selector('#field-app[data-ready="1"]')
            print("visit", routine_visit(page, args.skus, sent=1))
            print("after 签退", scroll_to_next(page))
            print("visit", visit_with_need_and_photo(page, args.skus, sent=4))
            print("visit", unplanned_visit(page, sent=5))
            print("sync", day_offline_sync(context, page, 200))
            context.close()

            context, page = log_in(browser, base)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            print("today", throttled_load(page, base, cdp, first=True))
            page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60000)
            print("today", throttled_load(page, base, cdp, first=False))
            browser.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
