import os
import shutil
from datetime import datetime

import pytest
from django.test import Client, override_settings

from tests.factories import PASSWORD, make_cast

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    """TEST_CLOCK=2027-12-31T22:00+08:00 runs the whole suite as if started then (the clock keeps ticking):
    the proof that no test depends on the day it runs. Tests that need a day move to it themselves."""
    if os.environ.get("TEST_CLOCK"):
        import time_machine

        config._test_clock = time_machine.travel(datetime.fromisoformat(os.environ["TEST_CLOCK"]), tick=True)
        config._test_clock.start()


def pytest_report_header(config):
    if os.environ.get("TEST_CLOCK"):
        return f"TEST_CLOCK: the suite runs as if started at {os.environ['TEST_CLOCK']}"
    return None


def need_service(reason: str):
    """Skip when a service is missing on a developer machine; fail in CI (REQUIRE_SERVICES=1)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Session-wide, so the live server (a session fixture) is built with them too: plain HTTP on localhost,
    fast password hashing, static files from the finders, no login lockouts unless a test turns them on."""
    from django.conf import settings

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={**settings.STORAGES,
                  "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        AXES_ENABLED=False,
        # Route planning: short budgets, one process, jobs inline (the Redis worker test turns this off).
        VISIT_PLAN_SECONDS=1,
        VISIT_REOPTIMISE_SECONDS=1,
        VISIT_PLAN_SOLVER_WORKERS=1,
        VISIT_PLAN_MAX_ITERATIONS=200,  # stop on iterations: fast and the same plan every run
        VISIT_JOBS_IN_THREAD=False,
        MAP_TILES="none",
    ):
        yield


@pytest.fixture(autouse=True)
def _isolated_uploads(settings, tmp_path):
    """Uploads and the analytics copy (Parquet) under this test's own directory: no copy outlives the rows
    it was made from (each test's database is rolled back)."""
    settings.IMPORT_STAGING_DIR = tmp_path / "imports"
    settings.ANALYTICS_DIR = tmp_path / "analytics"


@pytest.fixture
def private_media(settings, tmp_path):
    """Photos and other uploads under this test's own directory (use it with
    `pytest.mark.usefixtures("private_media")`): none left in DATA_DIR, none shared between tests."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def cast(db):
    return make_cast()


@pytest.fixture
def login(client):
    """login(user) → a test client logged in as that user (each call a fresh client)."""

    def _login(user):
        c = Client()
        c.force_login(user)
        return c

    return _login


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        need_service("Debian chromium is not installed")
    return path


__all__ = ["PASSWORD"]
