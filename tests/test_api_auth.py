"""API authentication: a Bearer token never needs a CSRF token, a login session always does — for every
write endpoint, through Django's client with CSRF checks on and through a real HTTP client against a live
server. A token's last use is written at most once a minute."""

import json
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from fieldcrm.api import api
from fieldcrm.org.models import ApiToken
from tests import api_calls
from tests.api_calls import API, TODAY

SPEC = api.get_openapi_schema(path_prefix=API)
CASES = api_calls.cases(Client())
ENDPOINTS = sorted(CASES)
CSRF_FAILED = "CSRF check Failed"


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=True)


def send(client, call, **headers):
    data, content_type = api_calls.encoded(call)
    return getattr(client, call.method)(call.url, data, content_type=content_type, **headers)


def session_client(user, csrf: bool) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if not csrf:
        return client
    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    client.defaults["HTTP_X_CSRFTOKEN"] = secret
    return client


def test_the_cases_cover_every_write_endpoint():
    assert api_calls.write_endpoints(SPEC) == set(CASES)


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True], ids=["token only", "token and a session without csrf"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=" ".join)
def test_a_token_needs_no_csrf_token(cast, endpoint, logged_in):
    """Also when the client is logged in too (a script in a page): the token decides."""
    case = CASES[endpoint]
    call = case.ok(cast)
    client = session_client(cast["ada"], csrf=False) if logged_in else Client(enforce_csrf_checks=True)
    response = send(client, call, HTTP_AUTHORIZATION=f"Bearer {api_calls.token(cast[call.user])}")
    assert response.status_code == case.status, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=" ".join)
def test_a_session_needs_the_csrf_token(cast, endpoint):
    case = CASES[endpoint]
    call = case.ok(cast)
    refused = send(session_client(cast[call.user], csrf=False), call)
    assert refused.status_code == 403 and refused.json()["detail"] == CSRF_FAILED
    allowed = send(session_client(cast[call.user], csrf=True), call)
    assert allowed.status_code == case.status, allowed.content


@pytest.mark.django_db
def test_no_credentials_is_401(cast):
    call = CASES[("post", f"{API}/demands")].ok(cast)
    assert send(Client(enforce_csrf_checks=True), call).status_code == 401
    bad = send(Client(enforce_csrf_checks=True), call, HTTP_AUTHORIZATION="Bearer fcrm_not-a-token")
    assert bad.status_code == 401


# --- a real HTTP client against a live server ------------------------------------------------------------


def http(live_server, call, headers) -> tuple[int, dict | None]:
    data, content_type = api_calls.encoded(call)
    request = urllib.request.Request(live_server.url + call.url, data=data if isinstance(data, bytes) else data.encode(),  # noqa: S310 (http://localhost)
                                     method=call.method.upper(), headers={"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.django_db(transaction=True)
def test_over_http_tokens_pass_and_sessions_need_csrf(cast, live_server):
    for endpoint in ENDPOINTS:
        case = CASES[endpoint]
        call = case.ok(cast)
        user = cast[call.user]
        session = session_client(user, csrf=False).cookies[settings.SESSION_COOKIE_NAME].value
        status, body = http(live_server, call, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"})
        assert (status, body["detail"]) == (403, CSRF_FAILED), endpoint
        status, body = http(live_server, call, {"Authorization": f"Bearer {api_calls.token(user)}"})
        assert status == case.status, (endpoint, body)


@pytest.mark.django_db(transaction=True)
def test_over_http_a_session_with_its_csrf_token_writes(cast, live_server):
    call = CASES[("post", f"{API}/demands")].ok(cast)
    session = session_client(cast["alice"], csrf=False).cookies[settings.SESSION_COOKIE_NAME].value
    secret = _get_new_csrf_string()
    cookies = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={secret}"
    status, body = http(live_server, call, {"Cookie": cookies, "X-CSRFToken": secret})
    assert status == 201, body


# --- last use of a token ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_last_use_is_written_at_most_once_a_minute(cast, time_machine, django_assert_num_queries):
    token = ApiToken.issue(cast["alice"])
    ApiToken.user_for(token)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    time_machine.shift(timedelta(seconds=30))
    with django_assert_num_queries(1):  # the lookup only: no write queued behind other writers
        assert ApiToken.user_for(token) == cast["alice"]
    assert ApiToken.objects.get().last_used_at == first
    time_machine.shift(timedelta(seconds=31))
    ApiToken.user_for(token)
    assert ApiToken.objects.get().last_used_at > first


@pytest.mark.django_db
def test_a_stale_copy_does_not_write_twice(cast):
    """Two requests that read the token before either wrote: the conditional UPDATE lets one through."""
    ApiToken.issue(cast["alice"])
    first, second = ApiToken.objects.get(), ApiToken.objects.get()
    now = TODAY
    first.note_use(now)
    second.note_use(now + timedelta(seconds=5))
    assert ApiToken.objects.get().last_used_at == now
