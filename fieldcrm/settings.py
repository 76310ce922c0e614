"""FieldCRM settings. Everything configurable comes from environment variables.

Embedded defaults (no variables set): SQLite in DATA_DIR, jobs in-process, DEBUG off unless asked.
With DEBUG off the site is locked down (HTTPS-only cookies, HSTS) so `check --deploy` is clean.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from fieldcrm.lib.env import env_bool, env_int, env_list, env_str
from fieldcrm.lib.headers import tile_sources

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DEBUG = env_bool("DEBUG", False)
# `./run --production` (and the deploy/ recipes) set PRODUCTION: no generated key, no default hosts, no DEBUG.
PRODUCTION = env_bool("PRODUCTION", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=false)")


def _secret_key() -> str:
    """Use SECRET_KEY, else a key generated once and kept in DATA_DIR (embedded installs)."""
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        # Every app server must sign with the same key: one generated on one server's disk cannot be that.
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs one key, the same on every app server, at least 50 "
            "characters: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'")
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: name the host names users reach the site by, "
                               "comma-separated (e.g. ALLOWED_HOSTS=crm.example.com)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "simple_history",
    "fieldcrm.ops.apps.LoginProtectionConfig",  # django-axes, named for the admin
    "fieldcrm.org",
    "fieldcrm.notices",
    "fieldcrm.catalog",
    "fieldcrm.customers",
    "fieldcrm.care",
    "fieldcrm.visits",
    "fieldcrm.followup",
    "fieldcrm.photos",
    "fieldcrm.monopoly",
    "fieldcrm.field",
    "fieldcrm.imports",
    "fieldcrm.sales",
    "fieldcrm.ops",
]

MIDDLEWARE = [
    "fieldcrm.lib.logs.RequestIdMiddleware",  # first: every later log line of the request carries its id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "fieldcrm.lib.headers.NoStoreForUsersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A domain refusal a page view lets escape: an error message and a redirect back, not a 500.
    "fieldcrm.pages.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns throttled logins into a lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fieldcrm.urls"
WSGI_APPLICATION = "fieldcrm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fieldcrm" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fieldcrm.notices.context_processors.unread_notices",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fieldcrm.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while an import writes. Writers wait for the lock (up to `timeout`
    # seconds) instead of failing: IMMEDIATE takes the write lock when a transaction starts, since a
    # deferred one that reads first cannot wait when it later needs to write ("database is locked").
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: after 5 failures for one login from one address, wait 15 minutes.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_LOCKOUT_CALLABLE = "fieldcrm.auth_pages.locked_out"
# Behind a reverse proxy every request comes from the proxy's address: say how many proxies append to
# X-Forwarded-For, and the throttle keys the client's own address (fieldcrm/lib/clients.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "fieldcrm.lib.clients.client_ip"
CSRF_FAILURE_VIEW = "fieldcrm.auth_pages.csrf_failure"
# API tokens expire this many days after they are issued (create_api_token --days, or "my account").
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fieldcrm" / "locale"]
FORMAT_MODULE_PATH = ["fieldcrm.formats"]  # "12月10日" / "Dec 10" for a day without its year
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "fieldcrm" / "static"]
# Photos (the only uploaded media) go through STORAGES["default"]: a directory every app server shares
# (MEDIA_ROOT, e.g. an NFS mount) or an S3-compatible store (MEDIA_STORAGE=s3), never one server's own disk.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "file")


def _media_storage() -> dict:
    if MEDIA_STORAGE == "file":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if MEDIA_STORAGE != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be file or s3, not {MEDIA_STORAGE!r}")
    bucket = env_str("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or an instance role), read by boto3 itself.
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,  # MinIO, OSS, COS, ... (S3-compatible)
        "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
        "location": env_str("AWS_LOCATION", ""),  # a key prefix inside the bucket
        "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE", "") or None,  # "path" for most MinIO setups
        "default_acl": None,  # the bucket's own policy (private): downloads go through our API only
        "querystring_auth": True,
        "file_overwrite": False,  # a photo's stored bytes are evidence: never replaced
    }}


STORAGES = {
    "default": _media_storage(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Evidence photos are never served as public media, wherever they are stored: downloads go through the API,
# which checks who may see them and strips EXIF. The phone resizes before upload; larger files are refused.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_MB", 8) * 1024 * 1024
# Uploaded spreadsheets are staged here between preview and confirm: shared by all app servers, since the
# confirm may reach another one than the preview.
IMPORT_STAGING_DIR = Path(env_str("IMPORT_STAGING_DIR", str(DATA_DIR / "imports")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_MB", 200) * 1024 * 1024
# Analytics (fieldcrm/sales/analytics): the Parquet copy, and which engine runs the analyses — `duckdb` over
# the copy (embedded default), `postgres` over the live tables, or `spark` over the copy (ANALYTICS_DIR then on
# storage every Spark executor reads, ANALYTICS_SPARK_MASTER the cluster, e.g. spark://host:7077).
ANALYTICS_DIR = Path(env_str("ANALYTICS_DIR", str(DATA_DIR / "analytics"))).resolve()
ANALYTICS_BACKEND = env_str("ANALYTICS_BACKEND", "duckdb")
if ANALYTICS_BACKEND not in ("duckdb", "postgres", "spark"):
    raise ImproperlyConfigured("ANALYTICS_BACKEND must be duckdb, postgres or spark")
ANALYTICS_SPARK_MASTER = env_str("ANALYTICS_SPARK_MASTER", "local[2]")
# Extra Spark settings (a cluster sets its own); the analyses' results are small, their inputs months of orders.
ANALYTICS_SPARK_CONF: dict[str, str] = {"spark.sql.shuffle.partitions": env_str("ANALYTICS_SPARK_PARTITIONS", "8")}

# Jobs: Celery with Redis in production; without a broker, tasks run in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Eager retries (a failed planning job) must re-run, not raise; jobs record their own failures.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TIMEZONE = TIME_ZONE
# With `celery -A fieldcrm beat`: next week's draft plans every Thursday evening (plans are due Friday),
# and the service plan from this Monday for five weeks every night (so news entered today reaches this
# week's open tasks, which re-planning rewrites or cancels).
CELERY_BEAT_SCHEDULE = {
    "plan-next-week": {"task": "fieldcrm.visits.tasks.plan_next_week_for_all",
                       "schedule": crontab(hour=20, minute=0, day_of_week="thu")},
    "plan-services": {"task": "fieldcrm.care.tasks.plan_services_for_all",
                      "schedule": crontab(hour=23, minute=0)},
    # Needs past their deadline, unresolved: to the supervisor (each once).
    "escalate-demands": {"task": "fieldcrm.followup.tasks.escalate_overdue_demands",
                         "schedule": crontab(minute=15)},
    # The analytics copy (orders and visit facts, changed months only) first: the risks and tiers read it.
    "refresh-analytics": {"task": "fieldcrm.sales.tasks.refresh_analytics", "schedule": crontab(hour=1, minute=0)},
    # Tiers from orders, where the company's review period has passed (the job checks; it is cheap otherwise).
    "apply-tier-rules": {"task": "fieldcrm.sales.tasks.apply_tier_rules",
                         "schedule": crontab(hour=2, minute=0)},
    # Out-of-stock risks as of the new day (an order import refreshes them too).
    "refresh-stockout-risks": {"task": "fieldcrm.sales.tasks.refresh_stockout_risks",
                               "schedule": crontab(hour=1, minute=30)},
    # PIPL: former retailers' personal data, ANONYMISE_AFTER_DAYS after their last change (customers/privacy.py).
    "anonymise-customers": {"task": "fieldcrm.customers.tasks.anonymise_customers_job",
                            "schedule": crontab(hour=2, minute=30)},
}

# Nothing an app server keeps for a user lives in its own memory, so any number of them serve the same users:
# sessions in the database, login failures (axes) in the database, the cache in Redis when CACHE_URL is set.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                          "KEY_PREFIX": "fieldcrm"}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}")

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
MAP_TILES = env_str("MAP_TILES", "osm")
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_KEY = env_str("MAP_TILE_KEY", "")

# --- Response headers (fieldcrm/lib/headers.py) --------------------------------------------------------------
# Content-Security-Policy (django-csp): everything from this site; inline <script>/<style> only with the
# page's nonce ({{ request.csp_nonce }}), no inline style="" or on*="" attributes, no eval; images also
# data: URIs and the route map's tile hosts (MAP_TILES / MAP_TILE_URL); no framing. CSP_REPORT_ONLY=true
# sends it as Content-Security-Policy-Report-Only while a change is tried out.
# Authenticated answers (pages, exports, API) carry Cache-Control: no-store unless a view sets its own.
X_FRAME_OPTIONS = "DENY"
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:", *tile_sources(MAP_TILES, MAP_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters when DEBUG is off")

# Logs on stderr: JSON lines in production (level, logger, message, request id, traceback), plain text for a
# developer. Django's own errors (a 500's traceback in "django.request") and Celery's go the same way.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "fieldcrm.lib.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},  # stderr
    "root": {"handlers": ["console"], "level": "WARNING"},
    # One handler, on the root: every logger reaches it once (Django's own "django" handlers are replaced).
    "loggers": {
        "fieldcrm": {"level": env_str("LOG_LEVEL", "INFO")},
        "django": {"level": "WARNING"},
        "celery": {"level": "INFO"},
    },
}
# Celery workers log through the same handlers instead of replacing them with their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error tracker: Sentry (or anything speaking its protocol, e.g. GlitchTip) when SENTRY_DSN is set. Errors
# logged at ERROR and uncaught exceptions in views and Celery tasks are sent with their traceback, but no
# user, no request body and no local variables: retailers' names, phones and licences stay in the company.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    import logging

    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"),
                    release=env_str("SENTRY_RELEASE", "") or None, traces_sample_rate=0.0,
                    # A record logged at ERROR (a 500's "django.request" one, a failed job's) is an event.
                    integrations=[LoggingIntegration(level=None, event_level=logging.ERROR)],
                    data_collection={"user_info": False, "http_bodies": [], "stack_frame_variables": False})

# Greetings and notices to retailers go through this sender (default: an outbox in the database).
MESSAGE_SENDER = env_str("MESSAGE_SENDER", "fieldcrm.care.senders.OutboxSender")
# Notices to staff (needs routed, plans decided, ...): always in the in-app inbox; a sender named here may
# also pass them on by SMS or WeChat work (fieldcrm/notices/senders.py).
NOTICE_SENDER = env_str("NOTICE_SENDER", "fieldcrm.notices.senders.InAppSender")

# Customer list: profile fields count as stale when not verified for this many days.
STALE_PROFILE_DAYS = env_int("STALE_PROFILE_DAYS", 180)
# PIPL: closed/revoked retailers with no profile change (and a licence ended) this long ago are anonymised.
ANONYMISE_AFTER_DAYS = env_int("ANONYMISE_AFTER_DAYS", 3 * 365)
CUSTOMERS_PER_PAGE = 50

# Weekly visit plans: seconds the route planner gets per manager (the budget is 20 s), and per
# re-optimisation from the plan page; max iterations (optional) make plans repeatable run to run.
VISIT_PLAN_SECONDS = env_int("VISIT_PLAN_SECONDS", 20)
VISIT_REOPTIMISE_SECONDS = env_int("VISIT_REOPTIMISE_SECONDS", 3)
VISIT_PLAN_MAX_ITERATIONS = env_int("VISIT_PLAN_MAX_ITERATIONS", 0) or None
# Processes one plan's search may use: 1 in Celery workers (each worker is already one core).
VISIT_PLAN_SOLVER_WORKERS = env_int("VISIT_PLAN_SOLVER_WORKERS", 0) or None
# Without a broker, planning jobs queue for a fixed number of background threads of the web process (off:
# run inline); with Celery the worker count bounds them. One thread: each job may use both cores itself.
VISIT_JOBS_IN_THREAD = env_bool("VISIT_JOBS_IN_THREAD", True)
VISIT_JOB_THREADS = env_int("VISIT_JOB_THREADS", 1)
# Weeks from the current one up to this many weeks ahead can be planned.
VISIT_PLAN_WEEKS_AHEAD = env_int("VISIT_PLAN_WEEKS_AHEAD", 8)
# A manager with more active stores than this is refused before the planner runs (its memory grows with
# the square of the stores: four requests for one of 33,534 stores took the web process to 24 GB).
VISIT_PLAN_MAX_STORES = env_int("VISIT_PLAN_MAX_STORES", 2000)
# Map tiles for route maps (MAP_TILES, MAP_TILE_URL, MAP_TILE_KEY) are read with the response headers above,
# since the CSP allows their host: MAP_TILES picks a preset (osm, amap on the GCJ-02 grid, tianditu with
# MAP_TILE_KEY, none to draw routes without a base map); MAP_TILE_URL any XYZ URL template instead.

try:  # optional, git-ignored overrides for one machine
    from fieldcrm.local_settings import *  # noqa: F403
except ImportError:
    pass
