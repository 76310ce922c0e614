"""The phone (fieldcrm/field): the Today shell page, the service worker and manifest at the site root, and
`GET /api/v1/today` — the signed-in manager's own route for the day in order, with reasons, problems,
navigation links in GCJ-02 (AMap) and BD-09 (Baidu), the store's usual SKUs and their own customers only."""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone, translation

from fieldcrm.lib.coords import wgs84_to_bd09, wgs84_to_gcj02
from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import CENTRE, TODAY, make_customer, make_sku, make_visit

API = "/api/v1"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def plan_today(manager, customers, status=WeekPlan.Status.APPROVED):
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=manager, week_start=day - timedelta(days=day.weekday()), status=status)
    return [PlannedVisit.objects.create(plan=plan, customer=c, day=day, sequence=n, problems=f"problem {n}",
                                        reasons=[{"code": "due"}])
            for n, c in enumerate(customers, start=1)]


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
