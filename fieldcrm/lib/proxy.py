"""The client's address behind our own reverse proxies (PROXY_COUNT of them).

Each proxy appends the address it received the request from to X-Forwarded-For, so the entries a client
cannot forge are the last PROXY_COUNT ones, and the client's own is the first of those. Login throttling
(django-axes) counts failures by this address: by the proxy's own, one attacker would lock a login for
every office at once.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # not through our proxies (a health check, a local call)
    return forwarded[-proxies]
