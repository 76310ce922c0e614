"""Data-level permissions: every page and endpoint, for the owner, a teammate, the supervisor, an outsider."""

import pytest
from django.urls import reverse

from fieldcrm.customers import actions
from fieldcrm.customers.models import ChangeRequest
from fieldcrm.org.models import ApiToken
from tests.factories import make_customer


@pytest.fixture
def shop(cast):
    return make_customer(cast["alice"], name="老王烟酒店")


def test_manager_sees_only_own_customers_in_list(cast, shop, login):
    other = make_customer(cast["bob"], name="别人的店")
    page = login(cast["alice"]).get(reverse("customers:list"))
    assert page.status_code == 200
    assert shop.name in page.content.decode()
    assert other.name not in page.content.decode()


def test_supervisor_sees_team_but_not_other_area(cast, shop, login):
    rural = make_customer(cast["charlie"], name="农网小店")
    page = login(cast["sam"]).get(reverse("customers:list")).content.decode()
    assert shop.name in page
    assert rural.name not in page


@pytest.mark.parametrize("outsider", ["bob", "charlie"])
def test_other_manager_gets_404_on_customer_page_and_actions(cast, shop, login, outsider):
    client = login(cast[outsider])
    assert client.get(reverse("customers:detail", args=[shop.customer_code])).status_code == 404
    post = {"field": "phone", "new_value": "13800001111", "version": shop.version}
    assert client.post(reverse("customers:propose", args=[shop.customer_code]), post).status_code == 404
    assert client.post(reverse("customers:verify", args=[shop.customer_code]), {"fields": ["phone"]}).status_code == 404


def test_other_area_supervisor_gets_404(cast, login):
    rural = make_customer(cast["charlie"])
    assert login(cast["sam"]).get(reverse("customers:detail", args=[rural.customer_code])).status_code == 404


def test_department_staff_read_but_cannot_edit(cast, shop, login):
    client = login(cast["dora"])
    assert client.get(reverse("customers:detail", args=[shop.customer_code])).status_code == 200
    post = {"field": "phone", "new_value": "13800001111", "version": shop.version}
    assert client.post(reverse("customers:propose", args=[shop.customer_code]), post).status_code == 403
    assert client.get(reverse("customers:export")).status_code == 403


def test_other_company_sees_nothing(cast, shop, login):
    from tests.factories import make_cast

    other = make_cast(code="320321", prefix="x")
    for role in ("ada", "dora", "sam", "alice"):
        client = login(other[role])
        assert client.get(reverse("customers:detail", args=[shop.customer_code])).status_code == 404


def test_anonymous_is_sent_to_login(client, shop):
    response = client.get(reverse("customers:detail", args=[shop.customer_code]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_only_the_owning_department_decides(cast, shop, login):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    assert request.department.kind == "service"
    url = reverse("customers:decide", args=[request.pk])
    # max (monopoly) does not see service requests at all; alice may see but not decide.
    assert login(cast["max"]).post(url, {"decision": "approve"}).status_code == 404
    assert login(cast["alice"]).post(url, {"decision": "approve"}).status_code == 403
    assert login(cast["charlie"]).post(url, {"decision": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.PENDING
    assert login(cast["dora"]).post(url, {"decision": "approve"}).status_code == 302
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.APPROVED


def test_withdraw_only_own_visible_request(cast, shop, login):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    url = reverse("customers:withdraw", args=[request.pk])
    assert login(cast["charlie"]).post(url).status_code == 404
    login(cast["sam"]).post(url)  # visible to the supervisor, but not theirs to withdraw
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.PENDING
    login(cast["alice"]).post(url)
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.WITHDRAWN


def test_change_request_list_is_scoped(cast, shop, login):
    actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    assert "13800001111" in login(cast["dora"]).get(reverse("customers:requests")).content.decode()
    assert "13800001111" not in login(cast["max"]).get(reverse("customers:requests")).content.decode()
    assert "13800001111" not in login(cast["charlie"]).get(reverse("customers:requests")).content.decode()


def test_import_pages_are_admin_only(cast, login):
    for who in ("alice", "sam", "dora"):
        assert login(cast[who]).get(reverse("imports:upload")).status_code == 403
    assert login(cast["ada"]).get(reverse("imports:upload")).status_code == 200


# --- API -------------------------------------------------------------------------------------------


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


def test_api_requires_authentication(client, shop):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_api_customer_detail_outsider_404(cast, shop, client):
    assert client.get(f"/api/v1/customers/{shop.customer_code}", **bearer(cast["alice"])).status_code == 200
    assert client.get(f"/api/v1/customers/{shop.customer_code}", **bearer(cast["bob"])).status_code == 404
    assert client.get(f"/api/v1/customers/{shop.customer_code}", **bearer(cast["charlie"])).status_code == 404


def test_api_list_is_scoped(cast, shop, client):
    make_customer(cast["charlie"])
    body = client.get("/api/v1/customers", **bearer(cast["alice"])).json()
    assert [c["customer_code"] for c in body["items"]] == [shop.customer_code]
    assert body["count"] == 1


def test_api_propose_outsider_404_readonly_403(cast, shop, client):
    payload = {"customer_code": shop.customer_code, "field": "phone", "new_value": "13800001111"}
    for who, status in (("charlie", 404), ("dora", 403), ("alice", 201)):
        response = client.post("/api/v1/change-requests", payload, content_type="application/json",
                               **bearer(cast[who]))
        assert response.status_code == status, who


def test_api_change_requests_scoped_and_decision_rights(cast, shop, client):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    assert client.get(f"/api/v1/change-requests/{request.pk}", **bearer(cast["charlie"])).status_code == 404
    assert client.get(f"/api/v1/change-requests/{request.pk}", **bearer(cast["max"])).status_code == 404
    approve = f"/api/v1/change-requests/{request.pk}/approve"
    assert client.post(approve, {}, content_type="application/json", **bearer(cast["alice"])).status_code == 403
    assert client.post(approve, {}, content_type="application/json", **bearer(cast["max"])).status_code == 404
    ok = client.post(approve, {}, content_type="application/json", **bearer(cast["dora"]))
    assert ok.status_code == 200
    assert ok.json()["status"] == "approved"
    listing = client.get("/api/v1/change-requests", **bearer(cast["charlie"])).json()
    assert listing == []


def test_api_reject_outsider_404_readonly_403(cast, shop, client):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    reject = f"/api/v1/change-requests/{request.pk}/reject"
    body = {"note": "空号"}
    assert client.post(reject, body, content_type="application/json", **bearer(cast["charlie"])).status_code == 404
    assert client.post(reject, body, content_type="application/json", **bearer(cast["sam"])).status_code == 403
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.PENDING


def test_revoked_token_is_refused(cast, client):
    token = ApiToken.issue(cast["alice"])
    ApiToken.objects.update(revoked=True)
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
