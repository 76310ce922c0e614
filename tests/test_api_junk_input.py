"""Junk an outside probe got stored is refused, naming the field, and nothing is written (issue 16, item 4):
`true` as a coordinate, whitespace-only opinions, control and direction-override characters, absurd stock
and prices, checklist answers with codes nothing issued; a replayed need answers 200 with the first one."""

import uuid
from datetime import timedelta

import pytest

from fieldcrm.followup.models import Demand
from fieldcrm.visits.models import Visit
from tests.factories import CENTRE, TODAY, auth, make_customer, make_sku

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def store(cast):
    return make_customer(cast["alice"], latitude=CENTRE[0], longitude=CENTRE[1])


def visit(store, **fields):
    return {"client_uuid": str(uuid.uuid4()), "customer_code": store.customer_code,
            "checked_in_at": (TODAY - timedelta(minutes=30)).isoformat(), "latitude": CENTRE[0],
            "longitude": CENTRE[1], **fields}


def post(client, user, path, payload):
    return client.post(f"{API}{path}", payload, content_type="application/json", **auth(user))


def refused_field(answer) -> str:
    assert answer.status_code in (400, 422), answer.content
    body = answer.json()
    return body.get("field") or ".".join(str(part) for part in body["detail"][0]["loc"][2:])


@pytest.mark.parametrize(("fields", "field"), [
    ({"latitude": True}, "latitude"),
    ({"longitude": False}, "longitude"),
    ({"opinions": [{"topic": "supply", "text": "   "}]}, "opinions.0.text"),
    ({"opinions": [{"topic": "supply", "text": "好\u202e卖"}]}, "opinions.0.text"),
    ({"notes": "bell\x07"}, "notes"),
    ({"observations": [{"sku_code": "6901028000001", "stock_cartons": 1_000_000}]}, "observations.0.stock_cartons"),
    ({"observations": [{"sku_code": "6901028000001", "retail_price": "999999.99"}]}, "observations.0.retail_price"),
    ({"checklist": [{"code": "problems:abc", "done": True}]}, "checklist[0].code"),
    ({"checklist": [{"code": "new_sku:", "done": True, "text": "新品"}]}, "checklist[0].code"),
])
def test_junk_in_a_visit_is_refused_and_nothing_stored(cast, client, store, fields, field):
    make_sku()
    assert refused_field(post(client, cast["alice"], "/visits", visit(store, **fields))) == field
    assert not Visit.objects.exists()


def test_an_answer_to_an_item_that_left_the_checklist_is_kept_with_its_text(cast, client, store):
    answer = post(client, cast["alice"], "/visits", visit(store, checklist=[
        {"code": "problems:断货", "done": True, "text": "断货：中华(硬)"}]))
    assert answer.status_code == 201
    assert Visit.objects.get().checklist_answers.get().text == "断货：中华(硬)"


def test_a_need_with_direction_overrides_is_refused(cast, client, store):
    answer = post(client, cast["alice"], "/demands", {"customer_code": store.customer_code, "kind": "supply",
                                                      "description": "要\u202e货"})
    assert answer.status_code == 422 and not Demand.objects.exists()


def test_a_replayed_need_answers_200_with_the_first(cast, client, store):
    need = {"customer_code": store.customer_code, "kind": "supply", "description": "要中华(硬)",
            "client_uuid": str(uuid.uuid4())}
    first = post(client, cast["alice"], "/demands", need)
    again = post(client, cast["alice"], "/demands", need)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Demand.objects.count() == 1
