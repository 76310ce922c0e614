"""Every API error carries a machine-readable `code` beside `detail` (and `field`); a body above the upload
limit is a 413, never a 500 (issue 16, item 4)."""

import json

import pytest

from fieldcrm.customers.actions import propose_change
from tests.factories import auth, make_customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/visits", "/api/v1/demands", "/api/v1/market-reports",
                                  "/api/v1/change-requests"])
def test_a_json_body_above_the_limit_is_413(cast, client, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({"junk": "x" * (2 * 1024 * 1024)})
    answer = client.post(path, body, content_type="application/json", **auth(cast["alice"]))
    assert answer.status_code == 413
    assert answer.json() == {"detail": "The request is larger than 1 MB.", "code": "too_large"}


def test_a_form_field_above_the_limit_is_413(cast, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    answer = client.post("/api/v1/photos", {"owner_type": "visit", "caption": "x" * (2 * 1024 * 1024)},
                         **auth(cast["alice"]))
    assert answer.status_code == 413 and answer.json()["code"] == "too_large"


def test_codes_name_each_kind_of_refusal(cast, client):
    shop = make_customer(cast["alice"])
    headers = auth(cast["alice"])
    assert client.get("/api/v1/customers/NOPE", **headers).json()["code"] == "not_found"
    assert client.get("/api/v1/customers?limit=0", **headers).json()["code"] == "invalid_schema"
    assert client.get("/api/v1/customers").json()["code"] == "not_authenticated"
    bob_shop = make_customer(cast["bob"])
    assert client.get(f"/api/v1/customers/{bob_shop.customer_code}", **headers).json()["code"] == "not_found"
    request = propose_change(shop, "phone", "13800001111", by=cast["alice"])
    desk = auth(cast["dora"])
    assert client.post(f"/api/v1/change-requests/{request.pk}/approve", "{}", content_type="application/json",
                       **desk).status_code == 200
    again = client.post(f"/api/v1/change-requests/{request.pk}/approve", "{}", content_type="application/json",
                        **desk)
    assert again.status_code == 409 and again.json()["code"] == "not_allowed_now"


def test_each_kind_and_status_has_its_own_enum_in_the_openapi_document(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["DemandOut"]["properties"]["kind"] == {"$ref": "#/components/schemas/DemandKind"}
    assert "supply" in schemas["DemandKind"]["enum"] and "demand_routed" not in schemas["DemandKind"]["enum"]
    assert "demand_routed" in schemas["NoticeKind"]["enum"]
    assert "Kind" not in schemas and "Status" not in schemas
