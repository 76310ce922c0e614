"""One error model across the API: every write endpoint answers an outsider 404, a read-only insider 403 and
its refusals with the refusal's own status and message (`{"detail", "field"}`), all as JSON; permission comes
before the body; unexpected failures are a JSON 500, also under DEBUG."""

import pytest
from django.test import Client
from django.utils import translation

from fieldcrm.api import api
from tests import api_calls
from tests.api_calls import API, TODAY

pytestmark = pytest.mark.django_db

SPEC = api.get_openapi_schema(path_prefix=API)
CASES = api_calls.cases(Client())
ENDPOINTS = sorted(CASES)


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=True)


def send(client, call, user, language="en"):
    data, content_type = api_calls.encoded(call)
    body = {} if call.method == "delete" else {"data": data, "content_type": content_type}
    return getattr(client, call.method)(call.url, HTTP_AUTHORIZATION=f"Bearer {api_calls.token(user)}",
                                        HTTP_ACCEPT_LANGUAGE=language, **body)


def test_every_write_endpoint_has_a_case():
    assert api_calls.write_endpoints(SPEC) == set(CASES)


def test_every_write_endpoint_documents_the_refusal_statuses():
    for method, path in CASES:
        documented = {str(code) for code in SPEC["paths"][path][method]["responses"]}
        assert {"400", "403", "404", "409"} <= documented, (method, path)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=" ".join)
def test_the_allowed_call_succeeds(cast, client, endpoint):
    case = CASES[endpoint]
    call = case.ok(cast)
    response = send(client, call, cast[call.user])
    assert response.status_code == case.status, response.content


@pytest.mark.parametrize("who,status", [("outsider", 404), ("reader", 403)])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=" ".join)
def test_outsiders_get_404_and_read_only_insiders_403(cast, client, endpoint, who, status):
    user = getattr(CASES[endpoint], who)
    if user is None:
        pytest.skip("no object to hide" if who == "outsider" else "whoever sees it may act")
    response = send(client, CASES[endpoint].ok(cast), cast[user])
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=" ".join)
def test_a_refusal_has_its_status_and_message(cast, client, endpoint):
    case = CASES[endpoint]
    if case.refused is None:
        pytest.skip("nothing to refuse")
    refused = case.refused(cast)
    response = send(client, refused, cast[refused.user])
    assert response.status_code == refused.status, response.content
    expected = {"detail": refused.detail} | ({"field": refused.field} if refused.field else {})
    body = response.json()
    assert isinstance(body.pop("code"), str) and body == expected  # a machine-readable code beside the words


def test_permission_comes_before_the_body(cast, client):
    """A missing rejection note is the action's rule: nobody learns of it for a request they cannot see."""
    call = api_calls.Call("post", f"{API}/change-requests/99999/reject", {"note": ""})
    for who in ("alice", "dora", "ada"):
        assert send(client, call, cast[who]).status_code == 404


def test_the_same_refusal_has_the_same_status_everywhere(cast, client):
    """`This request has already been decided` at approve and at reject (once 409 and 400)."""
    pk = api_calls.change_request(cast, client)
    api_calls.decide(cast, client, pk, "approve")
    statuses = {verb: send(client, api_calls.Call("post", f"{API}/change-requests/{pk}/{verb}", {"note": "x"}),
                           cast["dora"]).status_code for verb in ("approve", "reject")}
    assert statuses == {"approve": 409, "reject": 409}


def test_permission_denied_is_json_403_under_debug(cast, client, settings):
    settings.DEBUG = True
    call = CASES[("post", f"{API}/demands")].ok(cast)
    response = send(client, call, cast["dora"])
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json") and "Traceback" not in response.content.decode()


@pytest.mark.parametrize("debug", [True, False])
def test_an_unexpected_error_is_a_logged_json_500(cast, client, settings, monkeypatch, caplog, debug):
    settings.DEBUG = debug

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("fieldcrm.customers.api.capped_count", broken)
    response = client.get(f"{API}/customers", HTTP_AUTHORIZATION=f"Bearer {api_calls.token(cast['alice'])}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "disk on fire" not in response.content.decode() and response.json()["detail"]
    assert "disk on fire" in caplog.text


def test_refusal_messages_follow_the_request_language(cast, client):
    refused = CASES[("post", f"{API}/demands")].refused(cast)
    english = send(client, refused, cast["alice"]).json()["detail"]
    chinese = send(client, refused, cast["alice"], language="zh-hans").json()["detail"]
    assert english == "Describe what the retailer needs."
    with translation.override("zh-hans"):
        assert chinese == translation.gettext(english) != english
