"""Security basics: throttled logins, password validators, safe defaults when DEBUG is off."""

import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import PASSWORD


def test_login_is_throttled_after_repeated_failures(cast, client, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_correct_login_works(cast, client, settings):
    settings.AXES_ENABLED = True
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302


def test_password_validators_are_on(db):
    with pytest.raises(ValidationError):
        validate_password("12345678")


def test_production_settings_are_locked_down():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='fieldcrm.settings';"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {"DEBUG": "false", "SECRET_KEY": "x" * 60, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "True"]


def test_bad_boolean_setting_fails_loudly():
    code = "import os; os.environ['DJANGO_SETTINGS_MODULE']='fieldcrm.settings'; import django; django.setup()"
    out = subprocess.run([sys.executable, "-c", code], env={"DEBUG": "maybe", "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "DEBUG must be true or false" in out.stderr
