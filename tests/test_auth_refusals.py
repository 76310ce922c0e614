"""The login lock and a failed CSRF check answer in the user's language — a page for a browser, JSON with a
`code` for an API client — and the lock is keyed by the client's own address behind a trusted proxy
(issue 16, item 5)."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from fieldcrm.lib.clients import client_ip
from tests.factories import PASSWORD


@pytest.fixture
def throttled(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def fail_three_times(client, **extra):
    for _ in range(3):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"}, **extra)


def test_the_lock_reads_in_chinese_on_the_login_page(cast, client, throttled):
    fail_three_times(client)
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'id="login-locked"' in page and "登录失败次数过多" in page and "15 分钟" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_reads_in_english_for_an_english_user(cast, client, throttled, settings):
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    fail_three_times(client)
    page = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page


def test_the_lock_is_json_for_a_client_asking_for_json(cast, client, throttled):
    fail_three_times(client)
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD},
                         HTTP_ACCEPT="application/json")
    assert locked.status_code == 429
    assert locked.json()["code"] == "login_locked" and "登录失败次数过多" in locked.json()["detail"]


def test_a_form_without_its_token_gets_a_page_in_chinese(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["alice"])
    refused = client.post(reverse("logout"))
    assert refused.status_code == 403
    page = refused.content.decode()
    assert 'data-status="403"' in page and "表单已过期" in page and 'class="navbar' in page


def test_a_json_client_without_the_token_gets_json(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["alice"])
    refused = client.post(reverse("logout"), HTTP_ACCEPT="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "client"), [
    (0, "10.0.0.5", "6.6.6.6", "10.0.0.5"),  # no proxy configured: the header is not believed
    (1, "10.0.0.5", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged left part is ignored
    (1, "10.0.0.5", "203.0.113.9", "203.0.113.9"),
    (2, "10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
    (2, "10.0.0.5", "", "10.0.0.5"),  # fewer addresses than proxies: the peer
])
def test_the_client_address_behind_trusted_proxies(settings, proxies, remote, forwarded, client):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == client


def test_behind_a_proxy_one_client_is_locked_not_everybody(cast, throttled):
    """Two people behind the same proxy: the one who failed is locked, the other still logs in."""
    throttled.TRUSTED_PROXY_COUNT = 1
    attacker, colleague = Client(), Client()
    fail_three_times(attacker, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert attacker.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5",
                         HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    ok = colleague.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.5",
                        HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert ok.status_code == 302
