"""FieldCRM settings. Everything configurable comes from environment variables.

Embedded defaults (no variables set): SQLite in DATA_DIR, jobs in-process, DEBUG off unless asked.
With DEBUG off the site is locked down (HTTPS-only cookies, HSTS) so `check --deploy` is clean.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from fieldcrm.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """Use SECRET_KEY, else a key generated once and kept in DATA_DIR (embedded installs)."""
    key = env_str("SECRET_KEY", "")
    if key:
        return key
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
    "simple_history",
    "axes",
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
    "django.middleware.security.SecurityMiddleware",
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
# Evidence photos are stored under MEDIA_ROOT (never served as public media: downloads go through the API,
# which checks who may see them and strips EXIF). The phone resizes before upload; larger files are refused.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_MB", 8) * 1024 * 1024
# Uploaded spreadsheets are staged here between preview and confirm.
IMPORT_STAGING_DIR = DATA_DIR / "imports"
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
    # The analytics copy (orders and visit facts, changed months only) before the working day.
    "refresh-analytics": {"task": "fieldcrm.sales.tasks.refresh_analytics", "schedule": crontab(hour=2, minute=30)},
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "fieldcrm": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}

# Greetings and notices to retailers go through this sender (default: an outbox in the database).
MESSAGE_SENDER = env_str("MESSAGE_SENDER", "fieldcrm.care.senders.OutboxSender")
# Notices to staff (needs routed, plans decided, ...): always in the in-app inbox; a sender named here may
# also pass them on by SMS or WeChat work (fieldcrm/notices/senders.py).
NOTICE_SENDER = env_str("NOTICE_SENDER", "fieldcrm.notices.senders.InAppSender")

# Customer list: profile fields count as stale when not verified for this many days.
STALE_PROFILE_DAYS = env_int("STALE_PROFILE_DAYS", 180)
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
# Map tiles for route maps: an XYZ URL template, or empty to draw routes without a base map (offline).
# MAP_TILES picks a preset: osm, amap (GCJ-02 grid), tianditu (needs MAP_TILE_KEY), none.
MAP_TILES = env_str("MAP_TILES", "osm")
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_KEY = env_str("MAP_TILE_KEY", "")

try:  # optional, git-ignored overrides for one machine
    from fieldcrm.local_settings import *  # noqa: F403
except ImportError:
    pass
