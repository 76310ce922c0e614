"""Duty 4: visits recorded at the store through the API — check-in distance and on-site, replay by
client_uuid, validation before anything is written, permissions, check-out, planned visits done / off-site /
missed, and "last visit" from real visits."""

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from fieldcrm.api import api
from fieldcrm.catalog.models import Brand, Sku
from fieldcrm.customers.models import AppliedChange, ChangeRequest
from fieldcrm.lib.periods import week_start
from fieldcrm.org.models import ApiToken
from fieldcrm.visits import candidates
from fieldcrm.visits.models import (
    PlannedVisit,
    PlanningPolicy,
    SkuObservation,
    Visit,
    VisitOpinion,
    WeekPlan,
)
from tests.factories import CENTRE, TODAY, WEEK, make_customer, make_visit

API = "/api/v1"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


@pytest.fixture
def store(cast):
    return make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1])


@pytest.fixture
def skus(db):
    brand = Brand.objects.create(name="中华")
    return [Sku.objects.create(code=f"690102800000{n}", name=f"中华({n})", brand=brand, wholesale_price=Decimal("381.60"),
                               retail_price=Decimal("450"), purchase_cost=Decimal("340"), price_class="1",
                               launched_on=None)
            for n in range(3)]


def body(store, **fields):
    return {"client_uuid": str(uuid.uuid4()), "customer_code": store.customer_code,
            "checked_in_at": (TODAY - timedelta(minutes=30)).isoformat(), "latitude": CENTRE[0] + 0.0005,
            "longitude": CENTRE[1], "accuracy_m": 12, **fields}


def post(client, user, payload):
    return client.post(f"{API}/visits", payload, content_type="application/json", **auth(user))


def test_a_visit_is_recorded_once_and_a_replay_returns_it(cast, client, store, skus):
    payload = body(store, opinions=[{"topic": "supply", "text": "中华断货两周"}],
                   observations=[{"sku_code": skus[0].code, "stock_cartons": 3, "retail_price": "460.00",
                                  "sales_last_week_cartons": 5, "price_tag_ok": False},
                                 {"sku_code": skus[1].code, "stock_cartons": 0}],
                   notes="店主建议增加投放")
    first = post(client, cast["alice"], payload)
    assert first.status_code == 201, first.content
    visit = first.json()
    assert visit["customer_code"] == store.customer_code and visit["ad_hoc"] is True
    assert 50 < visit["distance_m"] < 60 and visit["on_site"] is True  # 0.0005° of latitude ≈ 55.6 m
    assert visit["observations"][0] == {"sku_code": skus[0].code, "stock_cartons": 3, "retail_price": "460.00",
                                        "sales_last_week_cartons": 5, "price_tag_ok": False}
    assert visit["opinions"] == [{"topic": "supply", "text": "中华断货两周"}]

    again = post(client, cast["alice"], {**payload, "notes": "changed on the phone", "observations": []})
    assert again.status_code == 200
    assert again.json()["id"] == visit["id"] and again.json()["notes"] == "店主建议增加投放"
    assert (Visit.objects.count(), SkuObservation.objects.count(), VisitOpinion.objects.count()) == (1, 2, 1)


def test_off_site_beyond_the_company_radius_and_no_position_means_no_distance(cast, client, store):
    far = body(store, latitude=CENTRE[0] + 0.005)  # ≈ 556 m
    visit = post(client, cast["alice"], far).json()
    assert visit["on_site"] is False and visit["distance_m"] > 500
    PlanningPolicy.objects.filter(company=cast["company"]).update(checkin_radius_m=1000)
    assert post(client, cast["alice"], {**far, "client_uuid": str(uuid.uuid4())}).json()["on_site"] is True
    nowhere = make_customer(cast["alice"])
    visit = post(client, cast["alice"], body(nowhere)).json()
    assert visit["distance_m"] is None and visit["on_site"] is False


def test_bad_items_are_named_and_nothing_is_stored(cast, client, store, skus):
    unknown = post(client, cast["alice"], body(store, observations=[
        {"sku_code": skus[0].code, "stock_cartons": 1}, {"sku_code": "6900000000000", "stock_cartons": 1}]))
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "observations[1].sku_code"
    negative = post(client, cast["alice"], body(store, observations=[{"sku_code": skus[0].code, "stock_cartons": -1}]))
    assert negative.status_code == 422 and "stock_cartons" in negative.content.decode()
    twice = post(client, cast["alice"], body(store, observations=[{"sku_code": skus[0].code}] * 2))
    assert twice.status_code == 400 and twice.json()["field"] == "observations[1].sku_code"
    unknown_item = post(client, cast["alice"], body(store, checklist=[{"code": "nonsense:1", "done": True}]))
    assert unknown_item.status_code == 400 and unknown_item.json()["field"] == "checklist[0].code"
    assert not Visit.objects.exists() and not SkuObservation.objects.exists()


@pytest.mark.parametrize("moment,field", [
    (TODAY + timedelta(minutes=30), "checked_in_at"),
    (TODAY - timedelta(days=40), "checked_in_at"),
])
def test_check_in_in_the_future_or_long_ago_is_refused(cast, client, store, moment, field):
    response = post(client, cast["alice"], body(store, checked_in_at=moment.isoformat()))
    assert response.status_code == 400 and response.json()["field"] == field
    skewed = post(client, cast["alice"], body(store, checked_in_at=(TODAY + timedelta(minutes=3)).isoformat()))
    assert skewed.status_code == 201  # a phone's clock a little ahead


def test_permissions_outsider_404_reader_403(cast, client, store):
    assert post(client, cast["bob"], body(store)).status_code == 404
    assert post(client, cast["sam"], body(store)).status_code == 403
    assert post(client, cast["dora"], body(store)).status_code == 403  # staff read stores, record no visits
    visit = post(client, cast["alice"], body(store)).json()
    assert client.get(f"{API}/visits/{visit['id']}", **auth(cast["sam"])).status_code == 200
    for outsider in ("bob", "dora"):
        assert client.get(f"{API}/visits/{visit['id']}", **auth(cast[outsider])).status_code == 404
    out = {"checked_out_at": TODAY.isoformat()}
    assert client.post(f"{API}/visits/{visit['id']}/check-out", out, content_type="application/json",
                       **auth(cast["sam"])).status_code == 403
    assert client.post(f"{API}/visits/{visit['id']}/check-out", out, content_type="application/json",
                       **auth(cast["bob"])).status_code == 404


def test_check_out_once_repeat_harmless(cast, client, store):
    visit = post(client, cast["alice"], body(store)).json()
    url = f"{API}/visits/{visit['id']}/check-out"

    def check_out(at):
        return client.post(url, {"checked_out_at": at.isoformat()}, content_type="application/json",
                           **auth(cast["alice"]))

    assert check_out(TODAY - timedelta(hours=1)).status_code == 400  # before check-in
    done = check_out(TODAY)
    assert done.status_code == 200 and done.json()["checked_out_at"] is not None
    assert check_out(TODAY).status_code == 200
    assert check_out(TODAY - timedelta(minutes=5)).status_code == 409


def _plan(cast, customer, day, status=WeekPlan.Status.APPROVED):
    plan = WeekPlan.objects.create(manager=cast["alice"], week_start=week_start(day),
                                   status=status)
    return PlannedVisit.objects.create(plan=plan, customer=customer, day=day, sequence=1, reasons=[])


def test_a_planned_visit_is_carried_out_once_and_shows_done_off_site_or_missed(cast, client, store):
    today = TODAY.date()
    planned = _plan(cast, store, today)
    other_store = make_customer(cast["alice"])
    refused = post(client, cast["alice"], body(other_store, planned_visit=planned.pk))
    assert refused.status_code == 400 and refused.json()["field"] == "planned_visit"
    done = post(client, cast["alice"], body(store, planned_visit=planned.pk)).json()
    assert done["planned_visit"] == planned.pk and done["ad_hoc"] is False
    assert PlannedVisit.objects.get(pk=planned.pk).outcome == "done"
    assert post(client, cast["alice"], body(store, planned_visit=planned.pk)).status_code == 409

    off_site = _plan(cast, other_store, today + timedelta(days=7))
    make_visit(other_store, TODAY, planned_visit=off_site, on_site=False)
    missed = PlannedVisit.objects.create(plan=planned.plan, customer=other_store, day=today - timedelta(days=1))
    pending = PlannedVisit.objects.create(plan=planned.plan, customer=other_store, day=today + timedelta(days=1))
    assert [PlannedVisit.objects.get(pk=v.pk).outcome for v in (off_site, missed, pending)] == [
        "off_site", "missed", "pending"]

    plan = client.get(f"{API}/visit-plans/{planned.plan_id}", **auth(cast["alice"])).json()
    outcomes = {v["id"]: v["outcome"] for day in plan["days"] for v in day["route"]}
    assert outcomes[planned.pk] == "done" and outcomes[missed.pk] == "missed"


def test_last_visit_comes_from_recorded_visits_not_plans(cast, store):
    alice = cast["alice"]
    _plan(cast, store, WEEK - timedelta(days=10))  # planned, never done
    assert candidates.last_visits(alice, WEEK) == {}
    made = timezone.make_aware(datetime.combine(WEEK - timedelta(days=12), time(16, 0)))
    make_visit(store, made)
    handed_over = make_customer(cast["bob"])
    make_visit(handed_over, made, manager=cast["bob"])
    handed_over.manager = alice
    handed_over.save()
    assert candidates.last_visits(alice, WEEK) == {store.pk: made.date(), handed_over.pk: made.date()}
    assert candidates.last_visits(alice, made.date()) == {}


def test_list_filters(cast, client, store):
    other = make_customer(cast["alice"])
    make_visit(store, TODAY - timedelta(days=2))
    make_visit(other, TODAY - timedelta(days=1))
    make_visit(make_customer(cast["bob"]), TODAY - timedelta(days=1))

    def listed(user="alice", **query):
        response = client.get(f"{API}/visits", query, **auth(cast[user]))
        assert response.status_code == 200, response.content
        return [v["customer_code"] for v in response.json()]

    assert listed() == [other.customer_code, store.customer_code]
    assert listed(customer_code=store.customer_code) == [store.customer_code]
    yesterday = (TODAY - timedelta(days=1)).date()
    assert listed(start=yesterday.isoformat()) == [other.customer_code]
    assert listed(end=yesterday.isoformat()) == [store.customer_code]
    assert len(listed("sam")) == 3 and listed("sam", manager=cast["alice"].username) == listed()
    assert listed("dora") == []


def test_planned_visit_paths_and_deprecated_aliases(cast, client, store):
    planned = _plan(cast, store, WEEK, status=WeekPlan.Status.DRAFT)
    response = client.patch(f"{API}/planned-visits/{planned.pk}", {"problems": "陈列整改"},
                            content_type="application/json", **auth(cast["alice"]))
    assert response.status_code == 200 and response.json()["problems"] == "陈列整改"
    spec = api.get_openapi_schema(path_prefix=API)
    assert spec["paths"][f"{API}/visits/{{pk}}"]["patch"]["deprecated"] is True
    assert spec["paths"][f"{API}/visits/{{pk}}/remove"]["post"]["deprecated"] is True
    assert spec["paths"][f"{API}/visits/{{pk}}/join"]["post"]["deprecated"] is True
    assert not spec["paths"][f"{API}/visits/{{pk}}"]["get"].get("deprecated")
    # GET /visits/{pk} is the recorded visit: a planned visit's id is not one.
    assert client.get(f"{API}/visits/{planned.pk}", **auth(cast["alice"])).status_code == 404


def test_the_plan_page_shows_each_visits_outcome(cast, login, store):
    today = TODAY.date()
    done = _plan(cast, store, today)
    make_visit(store, TODAY, planned_visit=done)
    missed = PlannedVisit.objects.create(plan=done.plan, customer=make_customer(cast["alice"]),
                                         day=today - timedelta(days=1), sequence=1)
    with translation.override("en"):
        page = login(cast["alice"]).get(f"/visits/plans/{done.plan_id}/").content.decode()
    assert page.count("outcome-done") == 1 and page.count("outcome-missed") == 1
    assert f'id="visit-{missed.pk}"' in page


def test_admin_shows_visits_read_only(cast, login, store, skus):
    visit = make_visit(store, TODAY)
    SkuObservation.objects.create(visit=visit, sku=skus[0], stock_cartons=2)
    cast["ada"].is_staff = cast["ada"].is_superuser = True
    cast["ada"].save()
    admin = login(cast["ada"])
    assert admin.get("/admin/visits/visit/").status_code == 200
    assert admin.get(f"/admin/visits/visit/{visit.pk}/change/").status_code == 200
    assert admin.get("/admin/catalog/pricechange/").status_code == 200
    assert admin.post(f"/admin/visits/visit/{visit.pk}/change/", {"notes": "x"}).status_code == 403


def test_the_team_page_shows_plan_versus_actual(cast, login, store):
    today = TODAY.date()  # a Friday: the week's Monday to Thursday have passed
    done = _plan(cast, store, today)
    make_visit(store, TODAY, planned_visit=done)
    off_site = PlannedVisit.objects.create(plan=done.plan, customer=make_customer(cast["alice"]),
                                           day=today - timedelta(days=2), sequence=1)
    make_visit(off_site.customer, TODAY - timedelta(days=2), planned_visit=off_site, on_site=False)
    for n in range(2):
        PlannedVisit.objects.create(plan=done.plan, customer=make_customer(cast["alice"]),
                                    day=today - timedelta(days=n + 1), sequence=2)
    page = login(cast["sam"]).get("/visits/", {"week": done.plan.week_start.isoformat()}).content.decode()
    assert '<td class="text-end text-nowrap plan-vs-actual">1 · 1 · 2</td>' in page


# --- the store's profit situation (issue 10, "capture at the store") ----------------------------------------


def test_the_profit_situation_is_optional_and_kept_as_first_sent(cast, client, store):
    plain = post(client, cast["alice"], body(store)).json()
    assert plain["profit_situation"] == "" and plain["monthly_sales_cartons"] is None
    payload = body(store, profit_situation="loss", monthly_sales_cartons=180)
    first = post(client, cast["alice"], payload)
    assert first.status_code == 201, first.content
    assert (first.json()["profit_situation"], first.json()["monthly_sales_cartons"]) == ("loss", 180)
    again = post(client, cast["alice"], {**payload, "profit_situation": "profit", "monthly_sales_cartons": 999})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["profit_situation"] == "loss"
    kept = client.get(f"{API}/visits/{first.json()['id']}", **auth(cast["sam"])).json()
    assert (kept["profit_situation"], kept["monthly_sales_cartons"]) == ("loss", 180)
    assert post(client, cast["alice"], body(store, profit_situation=None)).status_code == 201  # null: not asked
    assert Visit.objects.filter(profit_situation="loss").count() == 1


@pytest.mark.parametrize("fields,field", [
    ({"profit_situation": "rich"}, "profit_situation"),
    ({"monthly_sales_cartons": -1}, "monthly_sales_cartons"),
    ({"monthly_sales_cartons": 10**12}, "monthly_sales_cartons"),
])
def test_a_bad_profit_situation_is_a_400_naming_the_field_and_nothing_is_stored(cast, client, store, fields, field):
    response = client.post(f"{API}/visits", body(store, **fields), content_type="application/json",
                           **auth(cast["alice"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["field"] == field, response.content
    if field == "profit_situation":
        assert "Making a profit" in response.json()["detail"]  # names the choices
    assert not Visit.objects.exists()


def test_another_manager_records_no_profit_situation_for_my_store(cast, client, store):
    assert post(client, cast["bob"], body(store, profit_situation="profit")).status_code == 404
    assert not Visit.objects.exists()


# --- profile changes noticed at the store: the visit screen's form, through POST /change-requests ----------


def propose(client, user, store, field, new_value, key=None):
    payload = {"customer_code": store.customer_code, "field": field, "new_value": new_value,
               "reason": "拜访时发现", "client_uuid": str(key or uuid.uuid4())}
    return client.post(f"{API}/change-requests", payload, content_type="application/json", **auth(user),
                       HTTP_ACCEPT_LANGUAGE="en")


# What the phone's picker sends, in the phone's own formats (location: "use my current position").
PHONE_FIELDS = [("phone", "13912345678", False), ("owner_name", "李娜", False), ("address", "沛县汉源大道88号", False),
                ("business_format", "convenience", False), ("business_hours", "07:00-22:30", True),
                ("rest_day", "7", True), ("location", f"{CENTRE[1] + 0.001:.6f},{CENTRE[0]:.6f}", True)]


@pytest.mark.parametrize("field,value,applied", PHONE_FIELDS)
def test_each_field_of_the_phones_form_applies_or_becomes_one_request(cast, client, store, field, value, applied):
    from fieldcrm.customers.models import ChangeRequest, Customer

    key = uuid.uuid4()
    response = propose(client, cast["alice"], store, field, value, key)
    assert response.status_code == (200 if applied else 201), response.content
    assert response.json()["applied"] is applied
    if applied:
        assert not ChangeRequest.objects.exists()
        assert Customer.objects.get(pk=store.pk).version == store.version + 1
        return
    request = response.json()["change_request"]
    assert request["field"] == field and request["status"] == "pending" and request["reason"] == "拜访时发现"
    again = propose(client, cast["alice"], store, field, value, key)  # the outbox resends after a lost answer
    assert again.status_code == 201 and again.json()["change_request"]["id"] == request["id"]
    assert ChangeRequest.objects.count() == 1


def test_a_bad_profile_value_is_a_400_naming_it_and_another_manager_gets_404(cast, client, store):
    from fieldcrm.customers.models import ChangeRequest

    for field, value in (("phone", "12"), ("business_hours", "7点到10点"), ("rest_day", "周八"),
                         ("location", "116.9")):
        response = propose(client, cast["alice"], store, field, value)
        assert response.status_code == 400 and response.json()["field"] == "new_value", (field, response.content)
    unknown = propose(client, cast["alice"], store, "favourite_colour", "red")
    assert unknown.status_code == 400 and unknown.json()["field"] == "field"
    assert propose(client, cast["bob"], store, "phone", "13912345678").status_code == 404
    assert not ChangeRequest.objects.exists()


def test_a_resent_applied_change_answers_as_the_first_time(cast, client, store):
    key = uuid.uuid4()
    assert propose(client, cast["alice"], store, "business_hours", "07:00-22:30", key).status_code == 200
    again = propose(client, cast["alice"], store, "business_hours", "07:00-22:30", key)
    assert again.status_code == 200 and again.json()["applied"] is True
    assert AppliedChange.objects.filter(client_uuid=key).count() == 1


def test_an_applied_change_id_reused_for_another_store_is_refused(cast, client, store):
    key = uuid.uuid4()
    assert propose(client, cast["alice"], store, "business_hours", "07:00-22:30", key).status_code == 200
    other = make_customer(cast["alice"])
    before = (other.opens_at, other.closes_at, other.version)
    again = propose(client, cast["alice"], other, "business_hours", "07:00-22:30", key)
    assert again.status_code == 400 and again.json()["field"] == "client_uuid"
    other.refresh_from_db()  # nothing written half-way: the edit rolled back with the refused id
    assert (other.opens_at, other.closes_at, other.version) == before
    assert not AppliedChange.objects.filter(customer=other).exists()


def test_the_visit_keeps_the_changes_noticed_and_shows_what_each_became(cast, client, store):
    requested, applied, foreign = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert propose(client, cast["alice"], store, "phone", "13912345678", requested).status_code == 201
    assert propose(client, cast["alice"], store, "rest_day", "7", applied).status_code == 200
    bobs = make_customer(cast["bob"])
    assert propose(client, cast["bob"], bobs, "phone", "13987654321", foreign).status_code == 201
    noticed = [{"client_uuid": str(requested), "field": "phone", "new_value": "13912345678", "applied": False},
               {"client_uuid": str(applied), "field": "rest_day", "new_value": "7", "applied": True},
               {"client_uuid": str(foreign), "field": "phone", "new_value": "13987654321"}]
    visit = post(client, cast["alice"], body(store, profile_changes=noticed))
    assert visit.status_code == 201, visit.content
    seen = client.get(f"{API}/visits/{visit.json()['id']}", **auth(cast["sam"])).json()["profile_changes"]
    assert [(c["field"], c["applied"], c["change_request_status"]) for c in seen] == [
        ("phone", False, "pending"), ("rest_day", True, None), ("phone", None, None)]  # bob's request stays his
    assert seen[0]["change_request"] is not None and seen[2]["change_request"] is None


def test_a_change_request_sent_after_its_visit_is_linked_to_the_change_noticed(cast, client, store):
    late, replayed = uuid.uuid4(), uuid.uuid4()
    noticed = [{"client_uuid": str(late), "field": "phone", "new_value": "13912345678", "applied": None},
               {"client_uuid": str(replayed), "field": "phone", "new_value": "13912345679", "applied": None}]
    visit = post(client, cast["alice"], body(store, profile_changes=noticed))
    assert visit.status_code == 201, visit.content
    # Bob's request with the same id (another store, another manager) does not reach alice's visit.
    assert propose(client, cast["bob"], make_customer(cast["bob"]), "phone", "13987654321", replayed).status_code == 201
    assert propose(client, cast["alice"], store, "phone", "13912345678", late).status_code == 201
    seen = client.get(f"{API}/visits/{visit.json()['id']}", **auth(cast["alice"])).json()["profile_changes"]
    request = ChangeRequest.objects.get(client_uuid=late)
    assert [(c["change_request"], c["change_request_status"]) for c in seen] == [(request.pk, "pending"), (None, None)]
    assert set(seen[0]) == {"client_uuid", "field", "new_value", "applied", "change_request", "change_request_status"}


@pytest.mark.parametrize("changes,field", [
    ([{"client_uuid": str(uuid.UUID(int=1)), "field": "favourite_colour"}], "profile_changes[0].field"),
    ([{"client_uuid": str(uuid.UUID(int=1)), "field": "phone"}] * 2, "profile_changes[1].client_uuid"),
])
def test_a_bad_noticed_change_is_named_and_no_visit_is_stored(cast, client, store, changes, field):
    response = post(client, cast["alice"], body(store, profile_changes=changes))
    assert response.status_code == 400 and response.json()["field"] == field, response.content
    assert not Visit.objects.exists()
