"""Response headers for trust: the Content-Security-Policy's sources, and `Cache-Control: no-store` on
everything an authenticated user is answered (pages, exports, the API), so no shared or browser cache keeps
a copy of retailers' personal data.

The policy itself is the CONTENT_SECURITY_POLICY block in settings.py (django-csp); this module only works
out which image hosts the route maps' tiles come from, since settings cannot import the map code."""

from urllib.parse import urlsplit

from django.utils.cache import patch_cache_control

# Where each MAP_TILES preset's tiles come from (the presets' URLs live with the map, in
# visits/views/plans.py TILE_PRESETS; tests/test_headers.py checks every one is allowed here).
TILE_HOSTS = {
    "osm": ["https://tile.openstreetmap.org"],
    "amap": ["https://*.is.autonavi.com"],
    "tianditu": ["https://*.tianditu.gov.cn"],
    "none": [],
}


def tile_sources(map_tiles: str, map_tile_url: str = "") -> list[str]:
    """The CSP image sources for the configured base map: the preset's hosts, or the scheme and host of
    MAP_TILE_URL (a `{s}` subdomain label becomes the `*.` wildcard CSP allows)."""
    if not map_tile_url:
        return list(TILE_HOSTS.get(map_tiles, []))
    parts = urlsplit(map_tile_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return []
    labels = ["*" if "{" in label else label for label in parts.netloc.split(".")]
    if "*" in labels:  # CSP allows a wildcard only as the leftmost label
        labels = ["*", *labels[max(i for i, label in enumerate(labels) if label == "*") + 1:]]
    return [f"{parts.scheme}://{'.'.join(labels)}"]


class NoStoreForUsersMiddleware:
    """`Cache-Control: no-store, private` on every answer to an authenticated request (a login session or an
    API token: ninja sets request.user during the view) unless the view said its own Cache-Control. Anonymous
    answers (the login page, static files, the favicon) keep theirs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
