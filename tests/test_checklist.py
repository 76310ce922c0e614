"""The visit checklist: what providers list for a store and a day (plan problems, services with their
content, news, stale fields), what answering does (completes the service, marks the field verified), and
the registry other apps fill."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from fieldcrm.care.models import Promotion, ServiceItem, ServiceTask
from fieldcrm.catalog.models import Brand, PriceChange, Sku
from fieldcrm.errors import ActionRefused
from fieldcrm.org.models import ApiToken
from fieldcrm.visits import checklist
from fieldcrm.visits.models import ChecklistAnswer, PlannedVisit, Visit, WeekPlan
from tests.factories import CENTRE, TODAY, make_customer

API = "/api/v1"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


def fresh(now):
    """Every volatile field verified just now: nothing stale to verify."""
    return {f"{name}_verified_at": now for name in ("phone", "address", "owner_name", "business_scale")}


@pytest.fixture
def store(cast):
    return make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1], tier=12, **fresh(timezone.now()))


def items(client, user, store, day=None):
    query = {"day": day.isoformat()} if day else {}
    response = client.get(f"{API}/customers/{store.customer_code}/checklist", query, **auth(user))
    assert response.status_code == 200, response.content
    return {item["code"]: item for item in response.json()["items"]}


def task(store, code, reason="", due=None):
    item = ServiceItem.objects.get(company=store.company, code=code)
    return ServiceTask.objects.create(customer=store, item=item, source="standard", due_date=due or TODAY.date(),
                                      reason=reason)


def record(client, user, store, answers):
    return client.post(f"{API}/visits", {
        "client_uuid": str(uuid.uuid4()), "customer_code": store.customer_code,
        "checked_in_at": (TODAY - timedelta(minutes=20)).isoformat(), "latitude": CENTRE[0],
        "longitude": CENTRE[1], "checklist": answers}, content_type="application/json", **auth(user))


def test_plan_problems_and_nothing_else_for_a_fresh_store(cast, client, store):
    assert items(client, cast["alice"], store) == {}
    plan = WeekPlan.objects.create(manager=cast["alice"], week_start=TODAY.date() - timedelta(days=4))
    planned = PlannedVisit.objects.create(plan=plan, customer=store, day=TODAY.date(), problems="陈列整改；补货")
    found = items(client, cast["alice"], store)
    assert found == {f"problems:{planned.pk}": {"code": f"problems:{planned.pk}", "kind": "problems",
                                                "text": "陈列整改；补货", "data": {"planned_visit": planned.pk}}}


def test_services_say_what_to_deliver(cast, client, store):
    brand = Brand.objects.create(name="中华")
    new = Sku.objects.create(code="6901028000111", name="中华(金中支)", brand=brand, wholesale_price=Decimal("500"),
                             retail_price=Decimal("600"), purchase_cost=Decimal("450"), price_class="1",
                             launched_on=TODAY.date() - timedelta(days=3))
    old = Sku.objects.create(code="6901028000001", name="中华(硬)", brand=brand, wholesale_price=Decimal("381.6"),
                             retail_price=Decimal("450"), purchase_cost=Decimal("340"), price_class="1",
                             launched_on=None)
    change = PriceChange.objects.create(sku=old, effective_on=TODAY.date() + timedelta(days=5),
                                        old_wholesale_price=Decimal("381.6"), new_wholesale_price=Decimal("390"),
                                        old_retail_price=Decimal("450"), new_retail_price=Decimal("460"))
    promotion = Promotion.objects.create(company=store.company, name="春节礼盒陈列", starts_on=TODAY.date(),
                                         ends_on=TODAY.date() + timedelta(days=20), tier_min=10, tier_max=20)
    Promotion.objects.create(company=store.company, name="高档店专项", starts_on=TODAY.date(),
                             ends_on=TODAY.date() + timedelta(days=20), tier_min=25)
    info = task(store, "information_support")
    promo = task(store, "promotion_support", reason="春节礼盒陈列")
    guidance = task(store, "business_guidance", reason="档位 11 → 12", due=TODAY.date() - timedelta(days=2))
    task(store, "business_guidance", due=TODAY.date() + timedelta(days=3))  # not due yet

    with translation.override("en"):
        found = items(client, cast["alice"], store)
    assert "中华(金中支)" in found[f"service:{info.pk}"]["text"]
    assert "381.60 → 390.00" in found[f"service:{info.pk}"]["text"]
    assert "春节礼盒陈列" in found[f"service:{promo.pk}"]["text"]
    assert "档位 11 → 12" in found[f"service:{guidance.pk}"]["text"]
    assert {k.split(":")[0] for k in found} == {"service", "new_sku", "price_change", "promotion"}
    assert f"new_sku:{new.code}" in found and f"price_change:{change.pk}" in found
    assert [k for k in found if k.startswith("promotion:")] == [f"promotion:{promotion.pk}"]  # aimed at its tier
    assert len([k for k in found if k.startswith("service:")]) == 3


def test_nothing_to_tell_is_said(cast, client, store):
    info = task(store, "information_support")
    # The page's language is the default (zh-hans), whatever the test process has active.
    assert items(client, cast["alice"], store)[f"service:{info.pk}"]["text"].endswith("暂无新信息")


def test_answers_complete_the_service_and_verify_the_field(cast, client, store):
    store.phone_verified_at = timezone.now() - timedelta(days=400)
    store.save()
    service = task(store, "business_guidance", reason="陈列指导")
    skipped = task(store, "information_support")
    found = items(client, cast["alice"], store)
    assert "verify:phone" in found and found["verify:phone"]["data"] == {"field": "phone"}
    response = record(client, cast["alice"], store, [
        {"code": f"service:{service.pk}", "done": True, "note": "讲了陈列"},
        {"code": f"service:{skipped.pk}", "done": False, "note": "店主不在"},
        {"code": "verify:phone", "done": True}])
    assert response.status_code == 201, response.content
    assert [a["code"] for a in response.json()["checklist"]] == [f"service:{service.pk}", f"service:{skipped.pk}",
                                                                  "verify:phone"]
    service.refresh_from_db()
    skipped.refresh_from_db()
    assert (service.status, service.done_by) == (ServiceTask.Status.DONE, cast["alice"])
    assert skipped.status == ServiceTask.Status.OPEN
    store.refresh_from_db()
    assert store.phone_verified_by == cast["alice"] and not store.is_stale("phone")
    assert "verify:phone" not in items(client, cast["alice"], store)
    assert ChecklistAnswer.objects.get(code=f"service:{service.pk}").text.startswith(service.item.name)


def test_another_stores_service_is_refused_and_nothing_stored(cast, client, store):
    other = task(make_customer(cast["alice"]), "business_guidance")
    response = record(client, cast["alice"], store, [{"code": f"service:{other.pk}", "done": True}])
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == ServiceTask.Status.OPEN and not Visit.objects.exists()


def test_permissions(cast, client, store):
    assert items(client, cast["sam"], store) == {}  # the supervisor reads it
    response = client.get(f"{API}/customers/{store.customer_code}/checklist", **auth(cast["bob"]))
    assert response.status_code == 404


@pytest.fixture
def registered(monkeypatch):
    """A kind registered by another app (as followup does in ready()), removed afterwards."""
    monkeypatch.setattr(checklist, "KINDS", dict(checklist.KINDS))
    answered = []

    def provider(customer, day, user, planned_visit):
        return [{"code": "demand:45", "text": f"告知 {customer.customer_code} 处理结果", "data": {"demand": 45}}]

    def answer(code, done, note, by, visit):
        if note == "refuse":
            raise ActionRefused("no")
        answered.append((code, done, note, by, visit.pk))

    checklist.register("demand", provider, answer=answer)
    return answered


def test_a_registered_kind_lists_items_and_its_hook_runs_in_the_visit(cast, client, store, registered):
    found = items(client, cast["alice"], store)
    assert found["demand:45"]["kind"] == "demand" and found["demand:45"]["data"] == {"demand": 45}
    response = record(client, cast["alice"], store, [{"code": "demand:45", "done": True, "note": "满意"}])
    assert registered == [("demand:45", True, "满意", cast["alice"], response.json()["id"])]
    refused = record(client, cast["alice"], store, [{"code": "demand:45", "done": True, "note": "refuse"}])
    assert refused.status_code == 409 and Visit.objects.count() == 1
