"""The embedded database waits, it does not fail: many concurrent real HTTP writes against `manage.py
runserver` (what `./run` starts) on a file SQLite database, while another connection holds the write lock
the way an import does, all land once and none answers 5xx.

The server is a subprocess on its own DATA_DIR, so the probe sees the settings a real install gets (the
test database of pytest-django is in memory and shared by one process, which hides locking)."""

import http.client
import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PER_KIND = 12  # approvals, need closes and plan edits each; plus as many token reads
THREADS = 24
HOLD_SECONDS = 2.0  # how long the "import" keeps the write lock when the writes start
RESETS_TOLERATED = 3  # connection resets one request may meet on a loaded machine (see _call)
SERVER_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "AXES_ENABLED": "false",
    "DB_CONN_MAX_AGE": "0",
    "LOG_LEVEL": "WARNING",
}

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="probes the embedded (SQLite) database; "
                                "the SQLite run of the suite covers it")


def seed(out: str) -> None:
    """Run inside the server's environment (a subprocess): the schema, the people, and PER_KIND pending change
    requests, open needs and planned visits; write their ids and login sessions to `out` as JSON."""
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.utils import timezone

    from fieldcrm.customers import actions as customer_actions
    from fieldcrm.followup.actions import raise_demand
    from fieldcrm.org.models import ApiToken
    from fieldcrm.visits.models import PlannedVisit, WeekPlan
    from tests.factories import make_cast, make_customer

    call_command("migrate", verbosity=0)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        cast = make_cast()  # fast hashing: the probe logs in with sessions, never with passwords
    alice, dora = cast["alice"], cast["dora"]
    shops = [make_customer(alice) for _ in range(PER_KIND)]
    requests = [customer_actions.propose_change(shop, "phone", f"1380000{n:04d}", by=alice)
                for n, shop in enumerate(shops)]
    demands = [raise_demand(shop, kind="supply", description=f"需要货源 {n}", by=alice)
               for n, shop in enumerate(shops)]
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() - 7)
    plan = WeekPlan.objects.create(manager=alice, week_start=monday)
    visits = [PlannedVisit.objects.create(plan=plan, customer=shop, day=monday, sequence=n + 1,
                                          reasons=[{"code": "standard"}])
              for n, shop in enumerate(shops)]

    def session(user):
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    Path(out).write_text(json.dumps({
        "sessions": {"alice": session(alice), "dora": session(dora)},
        "token": ApiToken.issue(alice, "probe"),
        "change_requests": [r.pk for r in requests],
        "demands": [d.pk for d in demands],
        "visits": [v.pk for v in visits],
        "plan": plan.pk,
    }))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args):
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


@contextmanager
def embedded_server(data_dir: Path):
    """seed (with migrate) + `manage.py runserver` (threaded, as ./run starts it) on a file SQLite database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(SERVER_ENV, DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    out = data_dir / "seed.json"
    _manage(env, "shell", "-c", f"from tests.test_sqlite_concurrency import seed; seed({str(out)!r})")
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):
            try:
                urllib.request.urlopen(f"{base}/api/v1/customers", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers (401: no credentials)
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError((data_dir / "server.log").read_text()) from None
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not answer within 120 s")
        yield base, json.loads(out.read_text())
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def _call(base, path, *, method="POST", body=None, session=None, token=None):
    """One real HTTP request; returns (status, seconds, retries). Session writes carry the CSRF cookie and header
    a browser would send; token requests carry only the Bearer header.

    A loaded machine may reset a connection (runserver's listen backlog is 10, and 24 clients connect at once):
    that is the transport, not the database, so the request is sent again. A resent write whose first copy did
    land answers 409 (already approved / resolved); the database checks after the run prove every write landed
    exactly once, so such a 409 after a reset counts as the write's success."""
    headers = {"Content-Type": "application/json"}
    if session:
        csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        headers["Cookie"] = f"sessionid={session}; csrftoken={csrf}"
        headers["X-CSRFToken"] = csrf
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    started = time.monotonic()
    for retries in range(RESETS_TOLERATED + 1):
        request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (ConnectionError, http.client.RemoteDisconnected, urllib.error.URLError) as error:
            if retries == RESETS_TOLERATED:
                raise AssertionError(f"{method} {path}: {error!r} {RESETS_TOLERATED + 1} times") from error
            time.sleep(0.2 * (retries + 1))
            continue
        if retries and status == 409:
            status = 200
        return status, time.monotonic() - started, retries
    raise AssertionError("unreachable")


def _hold_write_lock(db_path: Path, ready: threading.Event):
    """What an import does to everybody else: one long write transaction."""
    lock = sqlite3.connect(db_path, timeout=20, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    lock.execute("UPDATE org_company SET name = name")
    ready.set()
    time.sleep(HOLD_SECONDS)
    lock.execute("COMMIT")
    lock.close()


def test_concurrent_writes_wait_for_the_lock_and_all_land(tmp_path):
    with embedded_server(tmp_path) as (base, seeded):
        alice, dora = seeded["sessions"]["alice"], seeded["sessions"]["dora"]
        calls = (
            [("approve", f"/api/v1/change-requests/{pk}/approve", "POST", {"note": "ok"}, dora, None)
             for pk in seeded["change_requests"]]
            + [("resolve", f"/api/v1/demands/{pk}/resolve", "POST", {"resolution": "已补货"}, alice, None)
               for pk in seeded["demands"]]
            + [("plan edit", f"/api/v1/visits/{pk}", "PATCH", {"problems": f"问题 {pk}"}, alice, None)
               for pk in seeded["visits"]]
            + [("token read", "/api/v1/customers", "GET", None, None, seeded["token"])] * PER_KIND
        )
        calls = calls[::3] + calls[1::3] + calls[2::3]  # kinds interleaved
        ready = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(tmp_path / "fieldcrm.sqlite3", ready))
        holder.start()
        ready.wait(10)
        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            results = list(pool.map(
                lambda c: (c[0], *_call(base, c[1], method=c[2], body=c[3], session=c[4], token=c[5])), calls))
        elapsed = time.monotonic() - started
        holder.join()

    failures = [(kind, status) for kind, status, _, _ in results if status != 200]
    slowest = max(seconds for _, _, seconds, _ in results)
    resent = sum(retries for *_, retries in results)
    print(f"\n{len(results)} concurrent requests ({3 * PER_KIND} writes) in {elapsed:.1f} s, slowest "
          f"{slowest:.1f} s, write lock held {HOLD_SECONDS} s by another connection; not 200: {failures}; "
          f"resent after a connection reset: {resent}")
    assert failures == [], (tmp_path / "server.log").read_text()[-3000:]
    assert slowest >= HOLD_SECONDS * 0.5  # the writes did meet the lock, and waited for it

    db = sqlite3.connect(tmp_path / "fieldcrm.sqlite3")
    by_status = "SELECT status, count(*) FROM {} WHERE id IN (SELECT value FROM json_each(?)) GROUP BY status"
    assert db.execute(by_status.format("customers_changerequest"), [json.dumps(seeded["change_requests"])]
                      ).fetchall() == [("approved", PER_KIND)]
    assert db.execute(by_status.format("followup_demand"), [json.dumps(seeded["demands"])]
                      ).fetchall() == [("resolved", PER_KIND)]
    assert db.execute("SELECT version FROM visits_weekplan WHERE id = ?", [seeded["plan"]]).fetchone() == (
        1 + PER_KIND,)
    assert db.execute("SELECT count(*) FROM visits_plannedvisit WHERE plan_id = ? AND problems LIKE '问题 %'",
                      [seeded["plan"]]).fetchone() == (PER_KIND,)
    db.close()
