"""The phone (fieldcrm/field): the Today shell page, the service worker and manifest at the site root, and
`GET /api/v1/today` — the signed-in manager's own route for the day in order, with reasons, problems,
navigation links in GCJ-02 (AMap) and BD-09 (Baidu), the store's usual SKUs and their own customers only;
the stores planned later this week whose open need is overdue by then ("also due"); each visit's checklist.
The page carries the route inline and nothing render-blocking, so the route shows after one round trip."""

import gzip
import json
import re
import uuid
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone, translation

from fieldcrm.followup.actions import raise_demand, record_feedback, resolve_demand
from fieldcrm.followup.reasons import demand_reasons
from fieldcrm.lib.coords import wgs84_to_bd09, wgs84_to_gcj02
from fieldcrm.lib.periods import week_start
from fieldcrm.visits import reasons
from fieldcrm.visits.models import PlannedVisit, PlanningPolicy, WeekPlan
from tests.factories import CENTRE, TODAY, make_customer, make_sku, make_visit

API = "/api/v1"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def plan_today(manager, customers, status=WeekPlan.Status.APPROVED):
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=manager, week_start=week_start(day), status=status)
    return [PlannedVisit.objects.create(plan=plan, customer=c, day=day, sequence=n, problems=f"problem {n}",
                                        reasons=[{"code": "due"}])
            for n, c in enumerate(customers, start=1)]


def need(store, by, due_at, description="希望增加中华(硬)的货源"):
    demand = raise_demand(store, kind="supply", description=description, by=by)
    demand.due_at = due_at
    demand.save()
    return demand


def plan_later(manager, store, day):
    """A visit later this week with the reasons planning gives it (the open needs' provider)."""
    plan = WeekPlan.objects.get(manager=manager)
    found = demand_reasons(manager, plan.week_start, PlanningPolicy.for_company(manager.company))
    given = found.get(store.pk, [])
    visit = PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=1,
                                        reasons=[{"code": r.code, "args": r.args, "text": ""} for r in given],
                                        visit_by=min((r.visit_by for r in given if r.visit_by), default=None))
    reasons.link_subjects([(visit, {r.code: [r.subject] for r in given if r.subject})])  # as planning does
    return visit


SATURDAY = TODAY.date() + timedelta(days=1)  # TODAY is a Friday: Saturday is later this same week


def at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def test_today_page_needs_a_login(client):
    response = client.get("/field/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_today_page_is_the_offline_shell(cast, login):
    with translation.override("en"):
        response = login(cast["alice"]).get("/field/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'rel="manifest"' in html and "dexie.min.js" in html and "field/field.js" in html
    assert 'id="field-strings"' in html  # field.js's texts come translated from the server


def test_service_worker_and_manifest_are_served_at_the_root(client):
    sw = client.get("/sw.js")
    assert sw.status_code == 200
    assert sw["Content-Type"].startswith("application/javascript")
    assert sw["Service-Worker-Allowed"] == "/"
    assert "no-cache" in sw["Cache-Control"] or "max-age=0" in sw["Cache-Control"]
    assert "workbox-sw.js" in sw.content.decode() and "NetworkFirst" in sw.content.decode()
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/field/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_today_lists_the_route_in_order_with_navigation(cast, login):
    first = make_customer(cast["alice"], name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    second = make_customer(cast["alice"], name="惠民超市")
    second.latitude = second.longitude = None
    second.save()
    plan_today(cast["alice"], [first, second])
    sku = make_sku()
    make_visit(first, TODAY - timedelta(days=7)).observations.create(sku=sku, stock_cartons=3)

    answer = login(cast["alice"]).get(f"{API}/today").json()

    assert answer["day"] == TODAY.date().isoformat()
    assert answer["checkin_radius_m"] == 200
    assert [s["customer_code"] for s in answer["stops"]] == [first.customer_code, second.customer_code]
    stop = answer["stops"][0]
    assert stop["problems"] == "problem 1" and stop["reasons"] and stop["outcome"] == "pending"
    assert stop["usual_skus"] == [sku.code]
    amap = parse_qs(urlparse(stop["navigation"]["amap"]).query)["position"][0]
    assert [float(v) for v in amap.split(",")] == pytest.approx(wgs84_to_gcj02(CENTRE[1], CENTRE[0]), abs=1e-6)
    baidu = parse_qs(urlparse(stop["navigation"]["baidu"]).query)["location"][0]
    assert [float(v) for v in baidu.split(",")] == pytest.approx(wgs84_to_bd09(CENTRE[1], CENTRE[0])[::-1], abs=1e-6)
    assert stop["navigation"]["baidu_app"].startswith("baidumap://")
    assert answer["stops"][1]["navigation"] == {}  # no stored position: nothing to navigate to
    assert {c["customer_code"] for c in answer["customers"]} == {first.customer_code, second.customer_code}


def test_today_is_only_ever_the_callers_own(cast, login):
    """Another manager, the supervisor and staff get their own (empty) route, never Alice's stops or stores."""
    plan_today(cast["alice"], [make_customer(cast["alice"])])
    for who in ("bob", "sam", "dora", "max"):
        answer = login(cast[who]).get(f"{API}/today").json()
        assert answer["stops"] == [] and answer["customers"] == [], who


def test_today_skips_returned_plans_and_other_days(cast, login):
    store = make_customer(cast["alice"])
    plan_today(cast["alice"], [store], status=WeekPlan.Status.RETURNED)
    assert login(cast["alice"]).get(f"{API}/today").json()["stops"] == []
    assert login(cast["alice"]).get(f"{API}/today?day=2026-11-28").json()["stops"] == []


def test_today_shows_a_recorded_visit_as_done(cast, login):
    store = make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1])
    [planned] = plan_today(cast["alice"], [store])
    alice = login(cast["alice"])
    response = alice.post(f"{API}/visits", {
        "client_uuid": str(uuid.uuid4()), "customer_code": store.customer_code, "planned_visit": planned.pk,
        "checked_in_at": TODAY.isoformat(), "latitude": CENTRE[0], "longitude": CENTRE[1]},
        content_type="application/json")
    assert response.status_code == 201
    assert alice.get(f"{API}/today").json()["stops"][0]["outcome"] == "done"


def test_today_needs_authentication(client):
    assert client.get(f"{API}/today").status_code == 401


# --- also due: a need that cannot wait for its store's planned visit ----------------------------------------


def test_a_need_due_before_its_planned_visit_is_also_due_today(cast, login):
    alice = cast["alice"]
    plan_today(alice, [make_customer(alice)])
    store = make_customer(alice, name="惠民超市", latitude=CENTRE[0], longitude=CENTRE[1])
    need(store, alice, at(TODAY.date(), 18))  # due this evening, the visit is tomorrow
    later = plan_later(alice, store, SATURDAY)

    with translation.override("en"):
        answer = login(alice).get(f"{API}/today").json()

    [due] = answer["also_due"]
    assert due["customer_code"] == store.customer_code and due["name"] == "惠民超市"
    assert due["planned_visit"] == later.pk and due["planned_day"] == SATURDAY.isoformat()
    assert len(due["needs"]) == 1 and "希望增加中华(硬)的货源" in due["needs"][0] and "11-27 18:00" in due["needs"][0]
    assert due["navigation"]["amap"].startswith("https://uri.amap.com/")
    assert [c["customer_code"] for c in answer["checklists"]] == [answer["stops"][0]["customer_code"],
                                                                 store.customer_code]


def test_also_due_leaves_out_what_can_wait_or_is_dealt_with(cast, login):
    alice = cast["alice"]
    [today_stop] = plan_today(alice, [make_customer(alice)])
    waits = make_customer(alice)
    need(waits, alice, at(SATURDAY, 18))  # due after its visit's start of day: the visit is in time
    plan_later(alice, waits, SATURDAY)
    closed = make_customer(alice)
    demand = need(closed, alice, at(TODAY.date(), 18))
    plan_later(alice, closed, SATURDAY)
    resolve_demand(demand, by=alice, resolution="已补货")
    record_feedback(demand, by=alice, channel="phone", satisfied=True)  # closed since the plan was made
    visited = make_customer(alice)
    need(visited, alice, at(TODAY.date(), 18))
    plan_later(alice, visited, SATURDAY)
    make_visit(visited, TODAY - timedelta(hours=1))  # already went there today
    on_route = today_stop.customer
    need(on_route, alice, at(TODAY.date(), 18))
    plan_later(alice, on_route, SATURDAY)  # on today's route anyway

    assert login(alice).get(f"{API}/today").json()["also_due"] == []


def test_also_due_is_only_ever_the_callers_own(cast, login):
    alice = cast["alice"]
    plan_today(alice, [make_customer(alice)])
    store = make_customer(alice)
    need(store, alice, at(TODAY.date(), 18))
    plan_later(alice, store, SATURDAY)
    assert login(alice).get(f"{API}/today").json()["also_due"]
    for who in ("bob", "sam", "dora"):
        assert login(cast[who]).get(f"{API}/today").json()["also_due"] == [], who


def test_today_answers_compressed(cast, login):
    plan_today(cast["alice"], [make_customer(cast["alice"])])
    response = login(cast["alice"]).get(f"{API}/today", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["stops"]


# --- the page: the route after one round trip -----------------------------------------------------------------


def page_of(client, **headers):
    response = client.get("/field/", **headers)
    assert response.status_code == 200
    return response


def inline_route(html: str) -> dict:
    return json.loads(re.search(r'<script id="today-data" type="application/json">(.*?)</script>', html, re.S)[1])


def test_the_page_carries_todays_route_and_draws_it_inline(cast, login):
    alice = cast["alice"]
    first, second = make_customer(alice, name="老王烟酒店"), make_customer(alice)
    plan_today(alice, [first, second])
    store = make_customer(alice)
    need(store, alice, at(TODAY.date(), 18))
    plan_later(alice, store, SATURDAY)

    html = page_of(login(alice)).content.decode()

    route = inline_route(html)
    assert [s["customer_code"] for s in route["stops"]] == [first.customer_code, second.customer_code]
    assert [d["customer_code"] for d in route["also_due"]] == [store.customer_code]
    assert route["day"] == TODAY.date().isoformat() and route["generated_at"]
    assert "customers" not in route and "checklists" not in route  # the page stays small: those come later
    assert "window.FieldRoute" in html  # the one drawer of a stop, inline (field.js draws with it too)
    assert 'data-utc-offset="480"' in html and f'data-user="{alice.pk}"' in html  # Asia/Shanghai: UTC+8
    assert route["day_label"] and route["generated_label"].endswith("10:00")  # TODAY's time, in Shanghai


def test_nothing_blocks_the_first_paint(cast, login):
    html = page_of(login(cast["alice"])).content.decode()
    head = re.sub(r"<noscript>.*?</noscript>", "", html.split("</head>")[0], flags=re.S)  # no script: no hurry
    for link in re.findall(r"<link [^>]*rel=\"stylesheet\"[^>]*>", head):
        assert 'media="print"' in link, link  # loaded without blocking, switched on when it has arrived
    for script in re.findall(r"<script [^>]*src=[^>]*>", html):
        assert " defer" in script or " async" in script, script
    assert "htmx" not in html and "bootstrap.bundle" not in html  # the phone's menu needs no script


def test_the_page_is_compressed_and_private(cast, login):
    response = page_of(login(cast["alice"]), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "private" in response["Cache-Control"]
    assert b"window.FieldRoute" in gzip.decompress(response.content)


def test_another_manager_gets_their_own_page(cast, login):
    plan_today(cast["alice"], [make_customer(cast["alice"], name="老王烟酒店")])
    html = page_of(login(cast["bob"])).content.decode()
    assert inline_route(html)["stops"] == [] and "老王烟酒店" not in html


def test_the_phone_menu_has_every_link_of_the_site_menu(cast, login):
    """The phone page has its own lean base (field/base.html): none of base.html's menu may go missing."""
    for who in ("alice", "ada", "dora"):
        client = login(cast[who])
        site = client.get("/customers/").content.decode()
        site_links = set(re.findall(r'class="nav-link" href="([^"]+)"', site))
        phone = page_of(client).content.decode()
        menu = phone.split('id="nav-links"')[1].split("</ul>")[0]
        assert site_links and site_links <= set(re.findall(r'href="([^"]+)"', menu)), who
        assert 'id="logout-form"' in phone and 'name="language"' in phone and 'id="nav-notices"' in phone


def test_the_service_worker_keeps_pages_only_and_drops_them_on_a_form_post(client):
    sw = client.get("/sw.js").content.decode()
    assert "/api/v1/" not in sw  # API reads go to the network: IndexedDB is the phone's copy
    assert 'request.method === "POST"' in sw and 'caches.delete("fieldcrm-pages")' in sw
    assert "StaleWhileRevalidate" in sw and "htmx" not in sw
