"""gunicorn settings for FieldCRM: `gunicorn -c deploy/gunicorn.conf.py fieldcrm.wsgi`.

Workers are sized to the CPUs (WEB_CONCURRENCY overrides); each worker has a few threads, so a slow phone
upload does not hold a whole process. Logs go to stderr as JSON lines, like the application's own.
"""

import os

cpus = os.cpu_count() or 1
bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * cpus + 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", 4))
# An import preview of a large spreadsheet runs in the request: give it time before the worker is killed.
timeout = int(os.environ.get("WEB_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# No control socket: it lives in the user's home by default, where a second server on the machine collides.
control_socket_disable = True
# Recycle workers now and then, so a slow leak never grows unbounded (jitter: not all at once).
max_requests = 2000
max_requests_jitter = 200
# Behind the reverse proxy: trust its X-Forwarded-* headers (FORWARDED_ALLOW_IPS lists the proxy addresses).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-" if os.environ.get("ACCESS_LOG", "true").lower() in ("1", "true", "yes", "on") else None
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "fieldcrm.lib.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
