"""The REST API: representation, filters, tokens, OpenAPI, proposing and deciding."""

import uuid
from datetime import date, time

from django.core.management import call_command

from fieldcrm.api import api
from fieldcrm.customers.fields import PROFILE_FIELDS
from fieldcrm.customers.models import ChangeRequest, CustomerClass
from fieldcrm.org.models import ApiToken
from tests.factories import make_customer, make_sku


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


def test_customer_uses_import_field_names(cast, client):
    core = CustomerClass.objects.get(company=cast["company"], name="核心客户")
    shop = make_customer(
        cast["alice"], phone="051683881234", longitude=116.9372, latitude=34.7216, order_day=3,
        opens_at=time(7, 0), closes_at=time(22, 0), customer_class=core, owner_birthday=date(1975, 5, 4),
    )
    body = client.get(f"/api/v1/customers/{shop.customer_code}", **auth(cast["alice"])).json()
    assert body["customer_code"] == shop.customer_code
    assert body["phone"] == "051683881234"
    assert (body["longitude"], body["latitude"]) == (116.9372, 34.7216)
    assert body["order_day"] == 3
    assert body["business_hours"] == "07:00-22:00"
    assert body["customer_class"] == "核心客户"
    assert body["owner_birthday"] == "1975-05-04"
    assert body["manager"] == "E0001"
    for name in ("license_no", "owner_name", "address", "business_format", "market_type", "business_scale",
                 "tier", "territory", "license_expiry", "status"):
        assert name in body


def test_list_search_and_filters(cast, client):
    make_customer(cast["alice"], name="老王烟酒店", tier=20)
    make_customer(cast["alice"], name="惠民超市", tier=5, address="沛县龙固镇中心街1号")
    headers = auth(cast["alice"])
    assert client.get("/api/v1/customers?q=烟酒", **headers).json()["count"] == 1
    assert client.get("/api/v1/customers?q=龙固", **headers).json()["count"] == 1
    assert client.get("/api/v1/customers?tier_min=10", **headers).json()["count"] == 1
    assert client.get("/api/v1/customers?limit=1", **headers).json()["count"] == 2
    assert len(client.get("/api/v1/customers?limit=1", **headers).json()["items"]) == 1


def test_bad_query_values_get_422(cast, client):
    assert client.get("/api/v1/customers?tier_min=99", **auth(cast["alice"])).status_code == 422
    assert client.get("/api/v1/customers?limit=0", **auth(cast["alice"])).status_code == 422


def test_openapi_is_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/customers" in spec["paths"]
    assert "/api/v1/change-requests" in spec["paths"]


def test_create_api_token_command_prints_a_working_token(cast, client, capsys):
    call_command("create_api_token", "alice")
    token = capsys.readouterr().out.strip()
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_propose_validates_and_is_idempotent(cast, client):
    shop = make_customer(cast["alice"])
    headers = auth(cast["alice"])
    bad = client.post("/api/v1/change-requests", {"customer_code": shop.customer_code, "field": "phone",
                                                  "new_value": "12"}, content_type="application/json", **headers)
    assert bad.status_code == 400
    assert bad.json()["field"] == "new_value" and bad.json()["detail"].startswith(str(PROFILE_FIELDS["phone"].label))
    key = str(uuid.uuid4())
    payload = {"customer_code": shop.customer_code, "field": "phone", "new_value": "13800001111",
               "client_uuid": key}
    first = client.post("/api/v1/change-requests", payload, content_type="application/json", **headers)
    second = client.post("/api/v1/change-requests", payload, content_type="application/json", **headers)
    assert first.status_code == 201 and second.status_code == 201
    assert first.json()["change_request"]["id"] == second.json()["change_request"]["id"]
    assert ChangeRequest.objects.count() == 1


def test_propose_with_stale_version_gets_409(cast, client):
    shop = make_customer(cast["alice"])
    headers = auth(cast["alice"])
    payload = {"customer_code": shop.customer_code, "field": "business_hours", "new_value": "07:00-21:00",
               "version": shop.version}
    assert client.post("/api/v1/change-requests", payload, content_type="application/json",
                       **headers).status_code == 200
    payload["new_value"] = "08:00-20:00"
    assert client.post("/api/v1/change-requests", payload, content_type="application/json",
                       **headers).status_code == 409


def test_reject_requires_note(cast, client):
    shop = make_customer(cast["alice"])
    headers = auth(cast["alice"])
    created = client.post("/api/v1/change-requests", {"customer_code": shop.customer_code, "field": "phone",
                                                      "new_value": "13800001111"},
                          content_type="application/json", **headers).json()
    url = f"/api/v1/change-requests/{created['change_request']['id']}/reject"
    assert client.post(url, {"note": ""}, content_type="application/json", **auth(cast["dora"])).status_code == 400
    done = client.post(url, {"note": "空号"}, content_type="application/json", **auth(cast["dora"]))
    assert done.json()["status"] == "rejected"


def test_list_issues_no_query_per_row(cast, client, django_assert_max_num_queries):
    for _ in range(30):
        make_customer(cast["alice"])
    headers = auth(cast["alice"])
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/customers?limit=30", **headers).json()
    assert len(body["items"]) == 30


def test_paths_and_operation_ids_stay_as_clients_know_them():
    """Clients generated from the OpenAPI document call methods named after the operation ids: moving an
    endpoint to another module must not rename it."""
    spec = api.get_openapi_schema(path_prefix="/api/v1")
    operations = {(method, path): op["operationId"] for path, ops in spec["paths"].items() for method, op in ops.items()}
    assert operations == {
        ("get", "/api/v1/analytics/brands"): "fieldcrm_sales_api_analytics_brands",
        ("get", "/api/v1/analytics/customers"): "fieldcrm_sales_api_analytics_customers",
        ("get", "/api/v1/analytics/market"): "fieldcrm_sales_api_analytics_market",
        ("get", "/api/v1/analytics/sales"): "fieldcrm_sales_api_analytics_sales",
        ("get", "/api/v1/analytics/scorecard"): "fieldcrm_sales_api_analytics_scorecard",
        ("get", "/api/v1/change-requests"): "fieldcrm_api_list_change_requests",
        ("post", "/api/v1/change-requests"): "fieldcrm_api_propose_change",
        ("get", "/api/v1/change-requests/{pk}"): "fieldcrm_api_get_change_request",
        ("post", "/api/v1/change-requests/{pk}/approve"): "fieldcrm_api_approve_change_request",
        ("post", "/api/v1/change-requests/{pk}/reject"): "fieldcrm_api_reject_change_request",
        ("get", "/api/v1/coordination/visits"): "fieldcrm_visits_api_coordination_visits",
        ("get", "/api/v1/customers"): "fieldcrm_api_list_customers",
        ("get", "/api/v1/customers/{code}"): "fieldcrm_api_get_customer",
        ("get", "/api/v1/customers/{code}/checklist"): "fieldcrm_visits_api_customer_checklist",
        ("get", "/api/v1/demands"): "fieldcrm_followup_api_list_demands",
        ("post", "/api/v1/demands"): "fieldcrm_followup_api_raise_demand",
        ("get", "/api/v1/demands/{pk}"): "fieldcrm_followup_api_get_demand",
        ("post", "/api/v1/demands/{pk}/close"): "fieldcrm_followup_api_close_demand",
        ("post", "/api/v1/demands/{pk}/accept"): "fieldcrm_followup_api_accept_demand",
        ("post", "/api/v1/demands/{pk}/resolve"): "fieldcrm_followup_api_resolve_demand",
        ("post", "/api/v1/demands/{pk}/hand-back"): "fieldcrm_followup_api_hand_back_demand",
        ("post", "/api/v1/demands/{pk}/feedback"): "fieldcrm_followup_api_record_feedback",
        ("get", "/api/v1/notices"): "fieldcrm_notices_api_list_notices",
        ("post", "/api/v1/notices/{pk}/read"): "fieldcrm_notices_api_read_notice",
        ("get", "/api/v1/market-reports"): "fieldcrm_monopoly_api_list_reports",
        ("post", "/api/v1/market-reports"): "fieldcrm_monopoly_api_submit_report",
        ("get", "/api/v1/market-reports/counts"): "fieldcrm_monopoly_api_count_reports",
        ("get", "/api/v1/market-reports/summary"): "fieldcrm_monopoly_api_summarise",
        ("post", "/api/v1/market-reports/{pk}/acknowledge"): "fieldcrm_monopoly_api_acknowledge",
        ("get", "/api/v1/market-reports/{pk}"): "fieldcrm_monopoly_api_get_report",
        ("post", "/api/v1/market-reports/{pk}/outcome"): "fieldcrm_monopoly_api_record_outcome",
        ("post", "/api/v1/photos"): "fieldcrm_photos_api_upload_photo",
        ("get", "/api/v1/photos/{pk}"): "fieldcrm_photos_api_get_photo",
        ("get", "/api/v1/photos/{pk}/file"): "fieldcrm_photos_api_photo_file",
        ("get", "/api/v1/today"): "fieldcrm_field_api_today",
        ("get", "/api/v1/planning-jobs/{pk}"): "fieldcrm_visits_api_get_job",
        ("patch", "/api/v1/planned-visits/{pk}"): "fieldcrm_visits_api_change_planned_visit",
        ("post", "/api/v1/planned-visits/{pk}/join"): "fieldcrm_visits_api_join_planned_visit",
        ("post", "/api/v1/planned-visits/{pk}/remove"): "fieldcrm_visits_api_remove_planned_visit",
        ("get", "/api/v1/service-items"): "fieldcrm_api_list_service_items",
        ("get", "/api/v1/service-standards"): "fieldcrm_api_list_service_standards",
        ("get", "/api/v1/service-tasks"): "fieldcrm_api_list_service_tasks",
        ("get", "/api/v1/skus"): "fieldcrm_catalog_api_list_skus",
        ("post", "/api/v1/service-tasks/{pk}/done"): "fieldcrm_api_complete_service_task",
        ("get", "/api/v1/visit-plans"): "fieldcrm_visits_api_list_plans",
        ("post", "/api/v1/visit-plans/generate"): "fieldcrm_visits_api_generate_plans",
        ("get", "/api/v1/visit-plans/{pk}"): "fieldcrm_visits_api_get_plan",
        ("post", "/api/v1/visit-plans/{pk}/approve"): "fieldcrm_visits_api_approve_plan",
        ("post", "/api/v1/visit-plans/{pk}/reoptimise"): "fieldcrm_visits_api_reoptimise_plan",
        ("post", "/api/v1/visit-plans/{pk}/return"): "fieldcrm_visits_api_return_plan",
        ("post", "/api/v1/visit-plans/{pk}/submit"): "fieldcrm_visits_api_submit_plan",
        ("post", "/api/v1/visit-plans/{pk}/visits"): "fieldcrm_visits_api_add_visit",
        ("get", "/api/v1/visits"): "fieldcrm_visits_api_list_recorded_visits",
        ("post", "/api/v1/visits"): "fieldcrm_visits_api_record_visit",
        ("get", "/api/v1/visits/{pk}"): "fieldcrm_visits_api_get_recorded_visit",
        ("patch", "/api/v1/visits/{pk}"): "fieldcrm_visits_api_change_visit",
        ("post", "/api/v1/visits/{pk}/check-out"): "fieldcrm_visits_api_check_out_visit",
        ("post", "/api/v1/visits/{pk}/join"): "fieldcrm_visits_api_join_visit",
        ("post", "/api/v1/visits/{pk}/remove"): "fieldcrm_visits_api_remove_visit",
    }



def test_a_blank_filter_means_any(cast, client):
    """`?status=` from a cleared form field filters nothing (as before the filters were declared)."""
    make_sku("6901028000001", "中华(硬)")
    make_sku("6901028000002", "玉溪(软)", brand="玉溪")
    headers = auth(cast["alice"])
    assert len(client.get("/api/v1/skus?status=&brand=&q=", **headers).json()) == 2
    assert len(client.get("/api/v1/skus?brand=玉溪", **headers).json()) == 1
