"""Shared set-up of the browser journeys: a fixed "today", Debian chromium through Playwright, and the live
server's PostgreSQL sessions ended once after the last journey.

The journeys run on a fixed day, like every other test: the Friday before the planning tests' WEEK
(time-machine moves the process clock, which the live server's thread shares). E2E_TODAY=YYYY-MM-DD moves
that day, to show the journeys hold on any day: `E2E_TODAY=2027-02-27 pytest tests/e2e`."""

import os
from datetime import date, datetime

import pytest

from tests.factories import TODAY


def journey_now() -> datetime:
    day = os.environ.get("E2E_TODAY")
    return datetime.combine(date.fromisoformat(day), TODAY.timetz()) if day else TODAY


@pytest.fixture(autouse=True)
def _fixed_today(time_machine):
    time_machine.move_to(journey_now(), tick=True)  # ticking: the solver's budget and the waits need a clock


@pytest.fixture
def browser(chromium_path):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _close_server_connections(django_db_setup, django_db_blocker):
    """The live server's threads keep PostgreSQL sessions open, which would block dropping the test database
    at the end of the run; end them once, after the last journey (ending them between tests killed the next
    test's own connection)."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
