"""Every write endpoint of the API, each with a call that succeeds, who must not see its object (404), who
sees it but may not change it (403), and a call it refuses — read by the refusal walk, the CSRF/token tests
and the bad-input probe. The endpoints come from the OpenAPI document, so a new one without a case here
fails `test_every_write_endpoint_has_a_case`.

State is built through the API where it can be (needs, change requests), so the cases follow the API rather
than each app's internals; plans are written as rows (the planner is not what these tests are about)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart

from fieldcrm.care.models import ServiceItem, ServiceTask
from fieldcrm.notices.models import Notice
from fieldcrm.org.models import ApiToken
from fieldcrm.visits.models import PlannedVisit, WeekPlan
from tests.factories import image_bytes, make_customer, make_visit, marketing_staff

API = "/api/v1"
WRITE_METHODS = ("post", "put", "patch", "delete")
WEEK = date(2026, 11, 30)  # a Monday
# "Today" for these tests: the Friday before WEEK, so WEEK is next week whenever the suite runs.
TODAY = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CENTRE = (34.7216, 116.9372)


@dataclass
class Call:
    method: str
    url: str
    body: dict = field(default_factory=dict)
    user: str = "alice"  # who may make it
    multipart: bool = False  # a form with a file (a photo upload): bytes values are sent as files


@dataclass
class Refused(Call):
    status: int = 400
    detail: str = ""  # in English
    field: str | None = None


@dataclass
class Case:
    ok: Callable[[dict], Call]  # a call that succeeds, on fresh objects
    status: int  # its status
    outsider: str | None  # does not see the object: 404
    reader: str | None  # sees it, may not change it: 403
    refused: Callable[[dict], Refused] | None  # a call the action refuses


def write_endpoints(spec: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, operations in spec["paths"].items() for method in operations
            if method in WRITE_METHODS}


BOUNDARY = "fieldcrm-test-boundary"


def encoded(call: Call, body: dict | None = None) -> tuple[str | bytes, str]:
    """(data, content type) of the call's body (or `body`) as sent: JSON, or multipart form data."""
    body = call.body if body is None else body
    if not call.multipart:
        return json.dumps(body), "application/json"
    fields = {name: SimpleUploadedFile(name, value) if isinstance(value, bytes) else value
              for name, value in body.items()}
    return encode_multipart(BOUNDARY, fields), f"multipart/form-data; boundary={BOUNDARY}"


def token(user) -> str:
    return ApiToken.issue(user)


# --- objects ---------------------------------------------------------------------------------------------


def store(manager, n=0, **fields):
    values = {"latitude": CENTRE[0] + n * 0.004, "longitude": CENTRE[1], "order_day": 1 + n % 6,
              "opens_at": time(8, 0), "closes_at": time(21, 0)}
    return make_customer(manager, **{**values, **fields})


def plan(cast, status=WeekPlan.Status.DRAFT) -> WeekPlan:
    """Alice's plan for WEEK with two visits (written as rows: the planner is not under test here), replacing
    the one an earlier call made."""
    alice = cast["alice"]
    WeekPlan.objects.filter(manager=alice, week_start=WEEK).delete()
    week_plan = WeekPlan.objects.create(manager=alice, week_start=WEEK, status=status,
                                        depot_latitude=CENTRE[0], depot_longitude=CENTRE[1])
    for n in range(2):
        PlannedVisit.objects.create(plan=week_plan, customer=store(alice, n), day=WEEK + timedelta(days=n),
                                    sequence=1, reasons=[{"code": "standard", "args": {}, "text": "按标准"}])
    return week_plan


def first_visit(cast, status=WeekPlan.Status.DRAFT) -> PlannedVisit:
    return plan(cast, status).visits.order_by("day").first()


def created_by_alice(cast, client, url, body) -> dict:
    """POST `body` as alice on one of her new stores; the created object."""
    body = {"customer_code": store(cast["alice"]).customer_code, **body}
    response = client.post(url, body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token(cast['alice'])}")
    assert response.status_code == 201, response.content
    return response.json()


def change_request(cast, client) -> int:
    created = created_by_alice(cast, client, f"{API}/change-requests", {"field": "phone", "new_value": "13800001111"})
    return created["change_request"]["id"]


def need(cast, client, kind="supply") -> int:
    return created_by_alice(cast, client, f"{API}/demands", {"kind": kind, "description": "中华(硬)断货"})["id"]


def need_step(cast, client, pk, step, body=None, user="alice") -> int:
    """Take one step of a need's lifecycle through the API (resolve, feedback, hand-back, ...)."""
    response = client.post(f"{API}/demands/{pk}/{step}", body or {}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token(cast[user])}")
    assert response.status_code == 200, response.content
    return pk


def service_need(cast, client) -> int:
    """A complaint: routed to customer service, where dora works."""
    return need(cast, client, kind="complaint")


def resolved_need(cast, client) -> int:
    return need_step(cast, client, need(cast, client), "resolve", {"resolution": "已补货"})


def closed_need(cast, client) -> int:
    return need_step(cast, client, resolved_need(cast, client), "feedback", {"channel": "visit", "satisfied": True})


def notice(cast) -> Notice:
    return Notice.objects.create(recipient=cast["alice"], kind=Notice.Kind.PLAN_APPROVED, args={"week": str(WEEK)})


def market_report(cast, client, kind="counterfeit") -> int:
    """A market report alice sends about one of her stores (a violation unless `kind` says otherwise)."""
    body = {"client_uuid": str(uuid.uuid4()), "kind": kind, "description": "疑似假烟",
            "observed_at": TODAY.isoformat(), "latitude": CENTRE[0], "longitude": CENTRE[1],
            "customer_code": store(cast["alice"]).customer_code}
    response = client.post(f"{API}/market-reports", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token(cast['alice'])}")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def photo_upload(cast, client, data: bytes | None = None, **fields) -> Call:
    return Call("post", f"{API}/photos", {"client_uuid": str(uuid.uuid4()), "owner_type": "market_report",
                                          "owner_id": market_report(cast, client), "taken_at": TODAY.isoformat(),
                                          "file": data or image_bytes(), **fields}, multipart=True)


def service_task(cast) -> ServiceTask:
    item = ServiceItem.objects.filter(company=cast["company"]).first()
    return ServiceTask.objects.create(customer=store(cast["alice"]), item=item, source="standard", due_date=WEEK,
                                      reason="按标准")


def visit_body(cast, **fields) -> dict:
    """A visit alice records at one of her new stores, an hour before TODAY."""
    return {"client_uuid": str(uuid.uuid4()), "customer_code": store(cast["alice"]).customer_code,
            "checked_in_at": (TODAY - timedelta(hours=1)).isoformat(), "latitude": CENTRE[0],
            "longitude": CENTRE[1], **fields}


def recorded_visit(cast):
    return make_visit(store(cast["alice"]), TODAY - timedelta(hours=1))


def decide(cast, client, pk, verb, user="dora", body=None):
    response = client.post(f"{API}/change-requests/{pk}/{verb}", body or {"note": "核实"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token(cast[user])}")
    assert response.status_code == 200, response.content


# --- the cases: each takes (cast, client) ----------------------------------------------------------------

SUBMITTED = WeekPlan.Status.SUBMITTED
STALE_PLAN = "The plan was changed after you opened it (perhaps on another device). Reload it and try again."


def _cases(client) -> dict[tuple[str, str], Case]:
    c = client

    def propose(cast):
        shop = store(cast["alice"])
        return Call("post", f"{API}/change-requests", {"customer_code": shop.customer_code, "field": "phone",
                                                       "new_value": "13800001111"})

    def propose_same(cast):
        shop = store(cast["alice"])
        return Refused("post", f"{API}/change-requests", {"customer_code": shop.customer_code, "field": "phone",
                                                          "new_value": shop.phone},
                       status=400, detail="The proposed value is the same as the current one.", field="new_value")

    def approve_decided(cast):
        pk = change_request(cast, c)
        decide(cast, c, pk, "approve")
        return Refused("post", f"{API}/change-requests/{pk}/approve", {}, user="dora", status=409,
                       detail="This request has already been decided.")

    def reject_without_note(cast):
        return Refused("post", f"{API}/change-requests/{change_request(cast, c)}/reject", {"note": " "},
                       user="dora", status=400,
                       detail="Give the reason for rejecting, so the manager knows what to do.", field="note")

    def remove_waiting(cast):
        return Refused("post", f"{API}/visits/{first_visit(cast, SUBMITTED).pk}/remove", {}, status=409,
                       detail="The plan is waiting for your supervisor; it can be changed once it is approved or "
                              "returned.")

    def add_off_week(cast):
        week_plan = plan(cast)
        return Refused("post", f"{API}/visit-plans/{week_plan.pk}/visits",
                       {"customer_code": store(cast["alice"], 5).customer_code,
                        "day": (WEEK + timedelta(days=7)).isoformat()},
                       status=400, detail=f"{WEEK + timedelta(days=7)} is not a working day of this plan's week.",
                       field="day")

    def close_unresolved(cast):
        return Refused("post", f"{API}/demands/{need(cast, c)}/close", {}, status=409,
                       detail="Resolve the need and record the feedback to the retailer first: a need closes only "
                              "once the retailer has been told the outcome.")

    def accept_handed_back(cast):
        pk = need_step(cast, c, service_need(cast, c), "hand-back", {"reason": "请直接答复"}, user="dora")
        return Refused("post", f"{API}/demands/{pk}/accept", {}, user="dora", status=409,
                       detail="Only a need waiting for the department can be accepted.")

    def hand_back_resolved(cast):
        pk = need_step(cast, c, service_need(cast, c), "resolve", {"resolution": "已处理"}, user="dora")
        return Refused("post", f"{API}/demands/{pk}/hand-back", {"reason": "x"}, user="dora", status=409,
                       detail="Only a need the department has not resolved can be handed back.")

    def decide_decided(cast):
        pk = market_report(cast, c)
        response = c.post(f"{API}/market-reports/{pk}/outcome", {"status": "confirmed", "outcome": "属实"},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token(cast['max'])}")
        assert response.status_code == 200, response.content
        return Refused("post", f"{API}/market-reports/{pk}/outcome", {"status": "unfounded", "outcome": "改判"},
                       user="max", status=409, detail="This report has already been decided.")

    def business_info(cast) -> int:
        marketing_staff(cast)
        return market_report(cast, c, kind="hot_topic")

    def pass_on_passed(cast):
        pk = business_info(cast)
        response = c.post(f"{API}/market-reports/{pk}/acknowledge", {"status": "passed_on"},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token(cast['mia'])}")
        assert response.status_code == 200, response.content
        return Refused("post", f"{API}/market-reports/{pk}/acknowledge", {"status": "noted"}, user="mia",
                       status=409, detail="This information has already been passed on.")

    def not_an_image(cast):
        call = photo_upload(cast, c, b"not an image")
        return Refused(call.method, call.url, call.body, multipart=True, status=400,
                       detail="The file is not a readable image.", field="file")

    def market_report_body(cast, description="柜台有外省烟"):
        return {"client_uuid": str(uuid.uuid4()), "kind": "smuggled", "description": description,
                "observed_at": TODAY.isoformat(), "latitude": CENTRE[0], "longitude": CENTRE[1],
                "customer_code": store(cast["alice"]).customer_code}

    return {
        ("post", f"{API}/market-reports"): Case(
            lambda cast: Call("post", f"{API}/market-reports", market_report_body(cast)),
            201, "bob", "dora",  # dora reads the store but does not report
            lambda cast: Refused("post", f"{API}/market-reports", market_report_body(cast, "   "), status=400,
                                 detail="Describe what you observed.", field="description")),
        ("post", f"{API}/market-reports/{{pk}}/outcome"): Case(
            lambda cast: Call("post", f"{API}/market-reports/{market_report(cast, c)}/outcome",
                              {"status": "confirmed", "outcome": "属实，已查处"}, user="max"),
            200, "dora", "alice",  # only the reporter and officers see it; the reporter does not decide
            decide_decided),
        ("post", f"{API}/market-reports/{{pk}}/acknowledge"): Case(
            lambda cast: Call("post", f"{API}/market-reports/{business_info(cast)}/acknowledge",
                              {"status": "noted", "outcome": "已汇总"}, user="mia"),
            200, "charlie", "sam",  # another area's manager sees nothing; the supervisor reads it only
            pass_on_passed),
        ("post", f"{API}/photos"): Case(lambda cast: photo_upload(cast, c), 201, "bob", "max", not_an_image),
        ("post", f"{API}/change-requests"): Case(propose, 201, "bob", "dora", propose_same),
        ("post", f"{API}/change-requests/{{pk}}/approve"): Case(
            lambda cast: Call("post", f"{API}/change-requests/{change_request(cast, c)}/approve", {}, user="dora"),
            200, "charlie", "alice", approve_decided),
        ("post", f"{API}/change-requests/{{pk}}/reject"): Case(
            lambda cast: Call("post", f"{API}/change-requests/{change_request(cast, c)}/reject", {"note": "空号"},
                              user="dora"),
            200, "charlie", "sam", reject_without_note),
        ("post", f"{API}/service-tasks/{{pk}}/done"): Case(
            lambda cast: Call("post", f"{API}/service-tasks/{service_task(cast).pk}/done"),
            200, "charlie", "dora", None),  # done twice changes nothing: no refusal
        ("post", f"{API}/visit-plans/generate"): Case(
            lambda cast: Call("post", f"{API}/visit-plans/generate", {"week": WEEK.isoformat()}),
            202, None, "dora",  # no object to hide; staff do not plan
            lambda cast: Refused("post", f"{API}/visit-plans/generate",
                                 {"week": (WEEK + timedelta(days=2)).isoformat()},
                                 status=400, detail="A week starts on a Monday.", field="week")),
        ("post", f"{API}/visit-plans/{{pk}}/visits"): Case(
            lambda cast: Call("post", f"{API}/visit-plans/{plan(cast).pk}/visits",
                              {"customer_code": store(cast["alice"], 5).customer_code, "day": WEEK.isoformat()}),
            201, "bob", "sam", add_off_week),
        ("patch", f"{API}/visits/{{pk}}"): Case(
            lambda cast: Call("patch", f"{API}/visits/{first_visit(cast).pk}", {"problems": "陈列整改"}),
            200, "bob", "sam",
            lambda cast: Refused("patch", f"{API}/visits/{first_visit(cast).pk}", {"problems": "x", "version": 0},
                                 status=409, detail=STALE_PLAN)),
        ("post", f"{API}/visits/{{pk}}/remove"): Case(
            lambda cast: Call("post", f"{API}/visits/{first_visit(cast).pk}/remove"),
            204, "bob", "sam", remove_waiting),
        ("post", f"{API}/visit-plans/{{pk}}/reoptimise"): Case(
            lambda cast: Call("post", f"{API}/visit-plans/{plan(cast).pk}/reoptimise"),
            200, "bob", "sam",
            lambda cast: Refused("post", f"{API}/visit-plans/{plan(cast).pk}/reoptimise", {"version": 0},
                                 status=409, detail=STALE_PLAN)),
        ("post", f"{API}/visit-plans/{{pk}}/submit"): Case(
            lambda cast: Call("post", f"{API}/visit-plans/{plan(cast).pk}/submit"),
            200, "bob", "sam",
            lambda cast: Refused("post", f"{API}/visit-plans/{plan(cast, SUBMITTED).pk}/submit", status=409,
                                 detail="Only a draft or returned plan can be submitted.")),
        ("post", f"{API}/visit-plans/{{pk}}/approve"): Case(
            lambda cast: Call("post", f"{API}/visit-plans/{plan(cast, SUBMITTED).pk}/approve", user="sam"),
            200, "bob", "alice",
            lambda cast: Refused("post", f"{API}/visit-plans/{plan(cast).pk}/approve", user="sam", status=409,
                                 detail="Only a submitted plan can be approved or returned.")),
        ("post", f"{API}/visit-plans/{{pk}}/return"): Case(
            lambda cast: Call("post", f"{API}/visit-plans/{plan(cast, SUBMITTED).pk}/return",
                              {"comment": "周三多跑两家"}, user="sam"),
            200, "bob", "alice",
            lambda cast: Refused("post", f"{API}/visit-plans/{plan(cast, SUBMITTED).pk}/return", {"comment": ""},
                                 user="sam", status=400,
                                 detail="Say what should change: a returned plan needs a comment.", field="comment")),
        ("post", f"{API}/visits/{{pk}}/join"): Case(
            lambda cast: Call("post", f"{API}/visits/{first_visit(cast, SUBMITTED).pk}/join", {"note": "联合检查"},
                              user="max"),
            201, "bob", None,  # whoever sees a visit to coordinate may ask to join it
            lambda cast: Refused("post", f"{API}/visits/{first_visit(cast, SUBMITTED).pk}/join", {"note": "  "},
                                 user="max", status=400, detail="Say why you want to join the visit.", field="note")),
        ("post", f"{API}/demands"): Case(
            lambda cast: Call("post", f"{API}/demands", {"customer_code": store(cast["alice"]).customer_code,
                                                         "kind": "supply", "description": "补货"}),
            201, "bob", "dora",
            lambda cast: Refused("post", f"{API}/demands", {"customer_code": store(cast["alice"]).customer_code,
                                                            "kind": "supply", "description": "   "},
                                 status=400, detail="Describe what the retailer needs.", field="description")),
        ("post", f"{API}/demands/{{pk}}/close"): Case(  # a need whose feedback is recorded: as it is
            lambda cast: Call("post", f"{API}/demands/{closed_need(cast, c)}/close", {}),
            200, "bob", "sam", close_unresolved),
        ("post", f"{API}/demands/{{pk}}/accept"): Case(
            lambda cast: Call("post", f"{API}/demands/{service_need(cast, c)}/accept", user="dora"),
            200, "bob", "sam", accept_handed_back),
        ("post", f"{API}/demands/{{pk}}/resolve"): Case(
            lambda cast: Call("post", f"{API}/demands/{service_need(cast, c)}/resolve", {"resolution": "已上门处理"},
                              user="dora"),
            200, "bob", "sam",
            lambda cast: Refused("post", f"{API}/demands/{service_need(cast, c)}/resolve", {"resolution": "  "},
                                 user="dora", status=400, detail="Say how the need was resolved.",
                                 field="resolution")),
        ("post", f"{API}/demands/{{pk}}/hand-back"): Case(
            lambda cast: Call("post", f"{API}/demands/{service_need(cast, c)}/hand-back", {"reason": "请直接答复"},
                              user="dora"),
            200, "bob", "sam", hand_back_resolved),
        ("post", f"{API}/demands/{{pk}}/feedback"): Case(
            lambda cast: Call("post", f"{API}/demands/{resolved_need(cast, c)}/feedback",
                              {"channel": "visit", "retailer_response": "满意", "satisfied": True}),
            200, "bob", "sam",
            lambda cast: Refused("post", f"{API}/demands/{need(cast, c)}/feedback", {"channel": "phone"},
                                 status=409, detail="Resolve the need first: the retailer is told the outcome once "
                                                    "it is resolved.")),
        ("post", f"{API}/visits"): Case(
            lambda cast: Call("post", f"{API}/visits", visit_body(cast)),
            201, "bob", "sam",  # sam reads his team's stores and visits but records none
            lambda cast: Refused("post", f"{API}/visits",
                                 visit_body(cast, observations=[{"sku_code": "NO-SUCH-SKU", "stock_cartons": 3}]),
                                 status=400, detail="No SKU has the code NO-SUCH-SKU.",
                                 field="observations[0].sku_code")),
        ("post", f"{API}/visits/{{pk}}/check-out"): Case(
            lambda cast: Call("post", f"{API}/visits/{recorded_visit(cast).pk}/check-out",
                              {"checked_out_at": TODAY.isoformat()}),
            200, "bob", "sam",
            lambda cast: Refused("post", f"{API}/visits/{recorded_visit(cast).pk}/check-out",
                                 {"checked_out_at": (TODAY - timedelta(hours=2)).isoformat()}, status=400,
                                 detail="Check-out is before check-in.", field="checked_out_at")),
        ("patch", f"{API}/planned-visits/{{pk}}"): Case(
            lambda cast: Call("patch", f"{API}/planned-visits/{first_visit(cast).pk}", {"problems": "陈列整改"}),
            200, "bob", "sam",
            lambda cast: Refused("patch", f"{API}/planned-visits/{first_visit(cast).pk}",
                                 {"problems": "x", "version": 0}, status=409, detail=STALE_PLAN)),
        ("post", f"{API}/planned-visits/{{pk}}/remove"): Case(
            lambda cast: Call("post", f"{API}/planned-visits/{first_visit(cast).pk}/remove"),
            204, "bob", "sam", remove_waiting),
        ("post", f"{API}/planned-visits/{{pk}}/join"): Case(
            lambda cast: Call("post", f"{API}/planned-visits/{first_visit(cast, SUBMITTED).pk}/join",
                              {"note": "联合检查"}, user="max"),
            201, "bob", None,
            lambda cast: Refused("post", f"{API}/planned-visits/{first_visit(cast, SUBMITTED).pk}/join",
                                 {"note": "  "}, user="max", status=400, detail="Say why you want to join the visit.",
                                 field="note")),
        ("post", f"{API}/notices/{{pk}}/read"): Case(
            lambda cast: Call("post", f"{API}/notices/{notice(cast).pk}/read"),
            200, "bob", None, None),  # only its recipient sees a notice; reading twice changes nothing
    }


def cases(client) -> dict[tuple[str, str], Case]:
    """The cases, building their objects through `client` (a test client)."""
    return _cases(client)
