"""API tokens: they expire, can be revoked by their user (my account) and by an admin, die when the password
changes or the user is locked, and `create_api_token` says what became of the user's other tokens."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from fieldcrm.org.models import ApiToken

pytestmark = pytest.mark.django_db
CUSTOMERS = "/api/v1/customers"


def call(token, client=None):
    return (client or Client()).get(CUSTOMERS, HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def csrf_client(user) -> Client:
    """A logged-in browser: CSRF checks on, with the cookie and header a page's form sends."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    client.defaults["HTTP_X_CSRFTOKEN"] = secret
    return client


def test_a_token_expires_after_the_configured_days(cast, settings, time_machine):
    settings.API_TOKEN_DAYS = 30
    time_machine.move_to(timezone.now(), tick=False)
    token = ApiToken.issue(cast["alice"])
    assert ApiToken.objects.get().expires_at == timezone.now() + timedelta(days=30)
    time_machine.shift(timedelta(days=30) - timedelta(seconds=1))
    assert call(token) == 200
    time_machine.shift(timedelta(seconds=1))
    assert call(token) == 401
    assert ApiToken.objects.get().dead_because() == "expired"


def test_a_revoked_token_is_refused(cast):
    token = ApiToken.issue(cast["alice"])
    assert call(token) == 200
    ApiToken.objects.get().revoke()
    assert call(token) == 401


def test_a_password_change_kills_the_tokens_issued_before(cast):
    alice = cast["alice"]
    before = ApiToken.issue(alice)
    alice.set_password("a-new-and-long-passphrase")
    alice.save()
    assert call(before) == 401
    assert ApiToken.objects.get().dead_because() == "password_changed"
    after = ApiToken.issue(alice)
    assert call(after) == 200


def test_the_same_password_rehashed_keeps_the_tokens(cast):
    """Django re-hashes a password with stronger parameters at login: not a change."""
    from tests.factories import PASSWORD

    alice = cast["alice"]
    token = ApiToken.issue(alice)
    alice.set_password(PASSWORD)
    alice.save(update_fields=["password"])
    assert call(token) == 200


def test_an_unusable_password_kills_the_tokens(cast):
    alice = cast["alice"]
    token = ApiToken.issue(alice)
    alice.set_unusable_password()
    alice.save()
    assert call(token) == 401


def test_an_inactive_user_tokens_are_refused(cast):
    alice = cast["alice"]
    token = ApiToken.issue(alice)
    alice.is_active = False
    alice.save()
    assert call(token) == 401
    assert ApiToken.objects.get().dead_because() == "user_inactive"


def test_a_login_lock_refuses_the_tokens_while_it_lasts(cast, settings, time_machine):
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    time_machine.move_to(timezone.now(), tick=False)
    token = ApiToken.issue(cast["alice"])
    AccessAttempt.objects.create(username="alice", ip_address="203.0.113.9", user_agent="x", http_accept="*/*",
                                 path_info="/login/", get_data="", post_data="",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT)
    assert call(token) == 401
    assert ApiToken.objects.get().dead_because() == "user_locked"
    time_machine.shift(timedelta(minutes=16))  # the 15-minute lock is over
    assert call(token) == 200


def test_my_account_lists_my_tokens_only(cast, login):
    ApiToken.issue(cast["alice"], "report script")
    ApiToken.issue(cast["bob"], "bob's script")
    page = login(cast["alice"]).get("/account/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "report script" in body and "bob&#x27;s script" not in body and "bob's script" not in body


def test_a_new_token_is_shown_once_and_works(cast):
    client = csrf_client(cast["alice"])
    page = client.post("/account/", {"name": "sync"})
    assert page.status_code == 200
    secret = re.search(r'id="new-token-secret">(fcrm_[^<]+)<', page.content.decode()).group(1)
    assert call(secret) == 200
    again = client.get("/account/").content.decode()
    assert secret not in again and "sync" in again
    assert ApiToken.objects.get().token_hash == ApiToken.hash(secret)


def test_revoking_my_token_from_my_account(cast):
    token = ApiToken.issue(cast["alice"])
    pk = ApiToken.objects.get().pk
    answer = csrf_client(cast["alice"]).post(f"/account/tokens/{pk}/revoke")
    assert answer.status_code == 302
    assert call(token) == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_an_outsider_cannot_revoke_another_users_token(cast):
    token = ApiToken.issue(cast["alice"])
    pk = ApiToken.objects.get().pk
    assert csrf_client(cast["bob"]).post(f"/account/tokens/{pk}/revoke").status_code == 404
    assert csrf_client(cast["ada"]).post(f"/account/tokens/{pk}/revoke").status_code == 404
    assert call(token) == 200


def test_the_account_posts_need_the_csrf_token(cast):
    ApiToken.issue(cast["alice"])
    pk = ApiToken.objects.get().pk
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["alice"])
    assert client.post("/account/", {"name": "x"}).status_code == 403
    assert client.post(f"/account/tokens/{pk}/revoke").status_code == 403
    assert ApiToken.objects.count() == 1 and not ApiToken.objects.get().revoked


def test_the_account_page_needs_a_login(cast):
    assert Client().get("/account/").status_code == 302


def test_an_admin_lists_and_revokes_tokens(cast, login):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    token = ApiToken.issue(cast["alice"], "report script")
    ada = cast["ada"]
    ada.is_staff = ada.is_superuser = True
    ada.save()
    client = login(ada)
    listing = client.get("/admin/org/apitoken/")
    assert listing.status_code == 200 and "report script" in listing.content.decode()
    client.post("/admin/org/apitoken/", {"action": "revoke", ACTION_CHECKBOX_NAME: [ApiToken.objects.get().pk]})
    assert call(token) == 401


def test_create_api_token_keeps_the_others_and_says_so(cast, capsys):
    old = ApiToken.issue(cast["alice"])
    call_command("create_api_token", "alice")
    out, err = capsys.readouterr()
    assert call(out.strip()) == 200 and call(old) == 200
    assert "kept 1 other token(s) of alice" in err and "--replace" in err


def test_create_api_token_replace_revokes_the_others(cast, capsys):
    old = ApiToken.issue(cast["alice"])
    bobs = ApiToken.issue(cast["bob"])
    call_command("create_api_token", "alice", "--replace", "--days", "7")
    out, err = capsys.readouterr()
    assert call(out.strip()) == 200 and call(old) == 401 and call(bobs) == 200
    assert "revoked 1 other token(s) of alice" in err
    new = ApiToken.objects.get(token_hash=ApiToken.hash(out.strip()))
    assert new.expires_at - new.created_at == timedelta(days=7)
