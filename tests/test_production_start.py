"""The production start: two gunicorn app servers with the production settings on one PostgreSQL and one
Redis serve the same users (log in through one, work through the other, upload a photo through one and
download it through the other), behind what a TLS proxy sends; a missing SECRET_KEY or ALLOWED_HOSTS is a
clear error; logs are JSON lines with the traceback; errors reach the tracker named by SENTRY_DSN; the S3
photo store is wired by settings (no S3 server here: its settings only, not a round trip)."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
import zlib
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from tests.conftest import need_service
from tests.factories import PASSWORD, image_bytes, make_cast, make_customer

ROOT = Path(__file__).resolve().parent.parent
HOST = "crm.test"  # the name users reach the site by, as the proxy passes it on
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SECRET = secrets.token_urlsafe(50)


def production_env(**extra) -> dict[str, str]:
    """The environment of a production process: this one's, less anything the test run set for itself."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "DJANGO_", "SENTRY", "MEDIA_", "AWS_", "CACHE_URL", "CELERY_"))}
    env.update(PRODUCTION="true", DEBUG="false", SECRET_KEY=SECRET, ALLOWED_HOSTS=HOST, LOG_FORMAT="json",
               DB_CONN_MAX_AGE="0", PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def django_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    script = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'fieldcrm.settings'); " \
             "django.setup()\n" + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


# --- settings, in a process of their own (settings are read once, at start) ------------------------------

@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secret_key_or_hosts(tmp_path, missing):
    env = production_env(DATA_DIR=str(tmp_path))
    env.pop(missing)
    done = django_python("", env)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: " + missing + " is not set"), last
    assert not (tmp_path / "secret_key").exists()  # never a key generated on one server's disk


def test_run_production_names_every_missing_variable_before_doing_anything(tmp_path):
    env = production_env(DATA_DIR=str(tmp_path), SECRET_KEY="too-short")
    env.pop("ALLOWED_HOSTS")
    done = subprocess.run([str(ROOT / "run"), "--production"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert "needs these environment variables" in done.stderr
    assert "SECRET_KEY (the same on every app server, ≥ 50 characters" in done.stderr
    assert "ALLOWED_HOSTS (the host names" in done.stderr


def test_the_start_scripts_say_each_step_with_its_duration_and_show_pip_errors():
    script = ("source scripts/venv.sh\n"
              "step 'Waiting a moment' sleep 0.2\n"
              "step 'Installing nothing that exists' quiet_pip --no-index --dry-run fieldcrm-not-a-package || true\n")
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert re.search(r"^• Waiting a moment …\n  done in \d+\.\d s$", done.stdout, re.MULTILINE), done.stdout
    assert "• Installing nothing that exists …" in done.stdout
    assert "No matching distribution found for fieldcrm-not-a-package" in done.stderr  # errors still show
    assert re.search(r"FAILED after \d+\.\d s \(exit 1\)", done.stderr)
    assert "is ignored" not in done.stderr  # the machine's pip.conf noise, if any


def test_photos_go_to_an_s3_store_and_the_cache_to_redis_by_settings(tmp_path):
    """Wiring only: no S3-compatible server here, so no object is written (nor anything cached)."""
    env = production_env(DATA_DIR=str(tmp_path), MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="fieldcrm-photos",
                         AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000", AWS_S3_REGION_NAME="cn-east-1",
                         AWS_LOCATION="pei", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                         CACHE_URL="redis://127.0.0.1:6379/6")
    done = django_python(
        "import json\n"
        "from django.core.files.storage import default_storage, storages\n"
        "from fieldcrm.photos.models import Photo\n"
        "assert Photo._meta.get_field('file').storage is default_storage\n"
        "s = storages['default']\n"
        "from django.conf import settings\n"
        "assert settings.CACHES['default']['BACKEND'] == 'django.core.cache.backends.redis.RedisCache'\n"
        "print(json.dumps([type(s).__name__, s.bucket_name,"
        " s.endpoint_url, s.region_name, s.location, s.file_overwrite, s.default_acl,"
        " s.bucket.meta.client.meta.endpoint_url]))", env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["S3Storage", "fieldcrm-photos", "http://127.0.0.1:9000", "cn-east-1", "pei",
                                       False, None, "http://127.0.0.1:9000"]
    env.pop("AWS_STORAGE_BUCKET_NAME")
    done = django_python("", env)
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in done.stderr


class _Tracker(BaseHTTPRequestHandler):
    """A stand-in for Sentry's ingest endpoint: keeps what it is sent."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # the SDK compresses with brotli only when it can import it
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_an_error_is_a_json_log_line_with_its_traceback_and_goes_to_the_tracker(tmp_path):
    tracker = ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    threading.Thread(target=tracker.serve_forever, daemon=True).start()
    _Tracker.received = []
    try:
        dsn = f"http://publickey@127.0.0.1:{tracker.server_address[1]}/42"
        env = production_env(DATA_DIR=str(tmp_path), SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="test")
        done = django_python(
            "import logging, sentry_sdk\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
            "    logging.getLogger('fieldcrm.visits').exception('planning failed for %s', '王丽')\n"
            "sentry_sdk.flush(timeout=10)", env)
    finally:
        tracker.shutdown()
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    error = next(line for line in lines if line["logger"] == "fieldcrm.visits")
    assert (error["level"], error["message"], error["exc_type"]) == ("ERROR", "planning failed for 王丽",
                                                                       "ZeroDivisionError")
    assert error["traceback"].startswith("Traceback (most recent call last)")
    assert error["traceback"].endswith("ZeroDivisionError: division by zero")
    sent = b"".join(body for path, body in _Tracker.received if path.startswith("/api/42/"))
    assert b"ZeroDivisionError" in sent and b"planning failed for" in sent


# --- two app servers -------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _database_url() -> str:
    db = connection.settings_dict  # the test database, which this test commits to (transactional)
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Browser:
    """A user's browser talking to one app server at a time, as the TLS proxy forwards it: the proxy's host
    name and X-Forwarded-Proto, the cookies (HTTPS-only: kept here, sent by hand) and the CSRF token."""

    def __init__(self, address="192.0.2.10"):
        self.cookies: dict[str, str] = {}
        self.address = address  # as the proxy appends it to X-Forwarded-For

    def request(self, port, method, path, body=None, headers=None, *, proxied=True):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        sent = {"Host": HOST, "Accept-Language": "en", **(headers or {})}
        if proxied:
            sent.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address,
                         "Origin": f"https://{HOST}", "Referer": f"https://{HOST}/"})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and "csrftoken" in self.cookies:
            sent["X-CSRFToken"] = self.cookies["csrftoken"]
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        content = response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        conn.close()
        return response, content

    def log_in(self, port, username, password):
        response, page = self.request(port, "GET", "/login/")
        assert response.status == 200, page[:500]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = f"csrfmiddlewaretoken={token}&username={username}&password={password}&next=/"
        return self.request(port, "POST", "/login/", form, {"Content-Type": "application/x-www-form-urlencoded"})

    def json(self, port, method, path, payload=None):
        body = None if payload is None else json.dumps(payload)
        response, content = self.request(port, method, path, body, {"Content-Type": "application/json"})
        return response.status, (json.loads(content) if content else None)


def _multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
              f"Content-Type: image/jpeg\r\n\r\n".encode() + file + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def app_servers(transactional_db, tmp_path):
    """Two gunicorn app servers, each with its own DATA_DIR, sharing the database, Redis and MEDIA_ROOT."""
    if connection.vendor != "postgresql":
        pytest.skip("two app servers need a database server: this runs in the PostgreSQL run")
    if not _redis_up():
        need_service("Redis on 127.0.0.1:6379")
    shared_media = tmp_path / "shared-media"
    static_root = tmp_path / "static"
    base = production_env(DATABASE_URL=_database_url(), CACHE_URL=REDIS_URL, MEDIA_ROOT=str(shared_media),
                          STATIC_ROOT=str(static_root), LOGIN_FAILURE_LIMIT="2", TRUSTED_PROXY_COUNT="1", WEB_CONCURRENCY="1",
                          WEB_THREADS="2", DATA_DIR=str(tmp_path / "collect"))
    # Pages need the static files' manifest. Collected without whitenoise's compression (the same manifest,
    # no .gz/.br copies): compressing ~1,200 files costs 11 s of CPU that prove nothing here.
    collect = django_python(
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "from django.test import override_settings\n"
        "with override_settings(STORAGES={**settings.STORAGES, 'staticfiles': {'BACKEND':"
        " 'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}):\n"
        "    call_command('collectstatic', interactive=False, verbosity=0)", base)
    assert collect.returncode == 0, collect.stderr
    servers = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = (tmp_path / f"{name}.log").open("w")
            env = {**base, "DATA_DIR": str(tmp_path / f"server-{name}"), "BIND": f"127.0.0.1:{port}"}
            process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                                        "fieldcrm.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            servers.append((port, process, tmp_path / f"{name}.log", tmp_path / f"server-{name}"))
        for port, process, log_path, _ in servers:
            _wait_until_serving(port, process, log_path)
        yield {"a": servers[0], "b": servers[1], "media": shared_media, "static": static_root}
    finally:
        for _, process, _, _ in servers:
            process.terminate()
        for _, process, _, _ in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(port, process, log_path):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {log_path.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/", headers={"Host": HOST, "X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer on {port}: {log_path.read_text()[-3000:]}")


def test_two_app_servers_serve_the_same_users(app_servers):
    # Real password hashes, as the servers' production settings check them (the test run's are MD5).
    cast = make_cast()
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        for who in ("alice", "bob"):
            cast[who].set_password(PASSWORD)
            cast[who].save()
    store = make_customer(cast["alice"])
    (a, process_a, log_a, data_a), (b, _, _, data_b) = app_servers["a"], app_servers["b"]
    alice = Browser()

    # Plain HTTP (no proxy header) is sent to HTTPS; what the proxy forwards is served.
    response, _ = alice.request(a, "GET", "/login/", proxied=False)
    assert response.status == 301 and response.getheader("Location") == f"https://{HOST}/login/"

    # Static files: collected, served by the app server itself under their hashed names, cached for good.
    manifest = json.loads((app_servers["static"] / "staticfiles.json").read_text())["paths"]
    response, css = alice.request(b, "GET", "/static/" + manifest["fieldcrm/site.css"])
    assert response.status == 200 and css == (app_servers["static"] / manifest["fieldcrm/site.css"]).read_bytes()
    assert "immutable" in response.getheader("Cache-Control")

    # Log in through server A, work through server B with the same session.
    response, _ = alice.log_in(a, "alice", PASSWORD)
    assert response.status == 302 and "sessionid" in alice.cookies
    assert response.getheader("Strict-Transport-Security")
    status, page = alice.json(b, "GET", "/api/v1/customers")
    assert status == 200 and [c["customer_code"] for c in page["items"]] == [store.customer_code]
    report = {"client_uuid": str(uuid.uuid4()), "kind": "counterfeit", "description": "疑似假中华，包装颜色偏淡",
              "observed_at": timezone.now().isoformat(), "latitude": 34.72, "longitude": 116.93}
    status, created = alice.json(b, "POST", "/api/v1/market-reports", report)
    assert status == 201, created
    status, seen = alice.json(a, "GET", f"/api/v1/market-reports/{created['id']}")
    assert status == 200 and seen["description"] == report["description"]

    # A photo uploaded through A is downloaded through B: it is in the shared directory, on no server's disk.
    photo = image_bytes("JPEG", size=(40, 30))
    body, content_type = _multipart({"client_uuid": str(uuid.uuid4()), "owner_type": "market_report",
                                     "owner_id": str(created["id"]), "taken_at": timezone.now().isoformat()}, photo)
    response, content = alice.request(a, "POST", "/api/v1/photos", body, {"Content-Type": content_type})
    assert response.status == 201, content
    uploaded = json.loads(content)
    response, served = alice.request(b, "GET", uploaded["url"])
    assert response.status == 200 and response.getheader("Content-Type") == "image/jpeg"
    assert Image.open(io.BytesIO(served)).size == (40, 30)
    stored = {p.read_bytes() for p in app_servers["media"].rglob("*") if p.is_file()}
    assert stored == {photo, served}  # the original as received and the copy without EXIF, both shared
    assert not any(p.is_file() for data_dir in (data_a, data_b) for p in data_dir.rglob("*"))

    # Logging out through B ends the session on A too (the old session cookie is refused there).
    logged_in = dict(alice.cookies)
    response, _ = alice.request(b, "POST", "/logout/", "", {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 302
    alice.cookies = logged_in
    assert alice.json(a, "GET", "/api/v1/customers")[0] == 401

    # Failed logins count across servers (LOGIN_FAILURE_LIMIT=2 here): one through each locks the login from
    # that address (the client's, behind the proxy), not from bob's own.
    intruder = Browser(address="203.0.113.66")
    assert intruder.log_in(a, "bob", "wrong")[0].status == 200
    assert intruder.log_in(b, "bob", "wrong")[0].status == 429
    assert intruder.log_in(a, "bob", PASSWORD)[0].status == 429 and "sessionid" not in intruder.cookies
    assert Browser(address="198.51.100.7").log_in(b, "bob", PASSWORD)[0].status == 302

    # The request id the proxy sends comes back and is on the server's JSON log line of that request.
    response, _ = alice.request(a, "GET", "/no-such-page/", headers={"X-Request-ID": "proxy-42"})
    assert response.status == 404 and response.getheader("X-Request-ID") == "proxy-42"
    process_a.terminate()
    process_a.wait(timeout=15)
    lines = [json.loads(line) for line in log_a.read_text().splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "proxy-42" and line["logger"] == "django.request" for line in lines)
    assert any(line["logger"] == "gunicorn.access" and "POST /api/v1/photos" in line["message"] for line in lines)
