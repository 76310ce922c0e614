"""Planning jobs on a real Celery worker consuming from Redis (127.0.0.1:6379), as in production."""

import os
import socket
import time

import pytest
from celery.contrib.testing.worker import start_worker

from fieldcrm.celery import app
from fieldcrm.visits.models import PlanningJob, WeekPlan
from fieldcrm.visits.tasks import start_run
from tests.conftest import need_service
from tests.factories import TODAY, WEEK, make_store

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_app(settings):
    if not _redis_up():
        need_service("Redis on 127.0.0.1:6379")
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # dispatch() queues instead of running inline
    _forget_connections()
    app.control.purge()
    yield app
    app.conf.update(saved)
    _forget_connections()


def _forget_connections():
    """Celery keeps the producer pool and each thread's result backend it made first: one an earlier test
    made on the in-process settings must not carry this test's messages."""
    stale, app._pool = app._pool, None
    app.amqp._producer_pool = None
    vars(app._local).clear()
    if stale is not None:
        stale.force_close_all()


@pytest.mark.django_db(transaction=True)
def test_worker_plans_each_manager_through_redis(redis_app, cast, time_machine):
    time_machine.move_to(TODAY, tick=True)  # WEEK is next week; the worker thread shares the clock
    for n in range(6):
        make_store(cast["alice"], n, "重点客户")
        make_store(cast["bob"], n + 10, "重点客户")
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        run = start_run(cast["company"], WEEK, [cast["alice"], cast["bob"]], by=cast["sam"])
        deadline = time.monotonic() + 90
        while run.counts()["finished"] < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
    counts = run.counts()
    assert counts["done"] == 2, list(run.jobs.values("status", "error"))
    for job in PlanningJob.objects.filter(run=run):
        assert job.attempts == 1 and job.plan is not None
    assert WeekPlan.objects.get(manager=cast["alice"]).visits.count() == 6
    assert WeekPlan.objects.get(manager=cast["bob"]).visits.count() == 6
