"""Structured logs: one JSON object a line on stderr, with the request id and the traceback.

A log collector (journald, Docker, Loki, ...) reads stderr; one line per record keeps a traceback in its
record instead of spreading it over lines that interleave with other workers' output. The request id comes
from the reverse proxy's `X-Request-ID` when it sends a sane one (so the proxy's access log and ours join),
else it is made here; it goes back in the response so a user's report can name it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("request_id", default="")

HEADER = "X-Request-ID"
# What we accept from outside: short and plain, so it cannot forge log structure or carry a payload.
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# The attributes every LogRecord has; anything else was passed with `extra=` and goes into the line.
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id.get():
            line["request_id"] = request_id.get()
        for key, value in vars(record).items():
            if key not in STANDARD and key not in line:
                line[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info:
            line["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdMiddleware:
    """Give each request an id for its log lines (the proxy's `X-Request-ID`, or a new one) and answer it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="fieldcrm.lib.logs")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(HEADER, "")
        # Kept until the request has finished, not only through the middleware: Django logs a 4xx after the
        # middleware chain has returned.
        request_id.set(sent if SANE_ID.match(sent) else uuid.uuid4().hex)
        response = self.get_response(request)
        response[HEADER] = request_id.get()
        return response


def _forget_request_id(**kwargs) -> None:
    request_id.set("")
