"""Who is asking: the client's address as the login throttle keys it."""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address. Without proxies it is REMOTE_ADDR. Behind TRUSTED_PROXY_COUNT proxies, each of
    which appends the address it received the request from to X-Forwarded-For, the client is the Nth address
    from the right: what a client writes into the header itself stands left of it and is ignored, so nobody
    can pick the address a lock is keyed by (nor lock everybody out behind the proxy's one address)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return forwarded[-count] if len(forwarded) >= count else remote
