"""Page helpers shared by every app's views: domain refusals shown to the user, and safe redirects.

Actions raise a `fieldcrm.errors.Refusal` when the user asks for something the state does not allow; no
view catches one by hand. A page shows it in one of two ways:

- `refusal_as_message(request)` around the action, in a view that redirects somewhere of its own choosing
  afterwards: the refusal becomes an error message and the view goes on to its redirect (a success message
  written inside the block is skipped).
- `RefusalMiddleware` for any refusal a view lets escape: the message, and a redirect back to the page the
  user came from (`next`, else the referring page of this site, else home). So a refusal on a page is
  never a server error. The API maps refusals to JSON itself (fieldcrm/api.py).

Redirects to a URL the user sent (`next`, the referrer) go through `safe_url`: only this site's URLs.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib import messages
from django.shortcuts import redirect, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from fieldcrm.errors import Refusal


def safe_url(request, url: str | None, default: str = "home") -> str:
    """`url` if it stays on this site (same host, and https when the request is), else `default` (a URL or
    a URL name): the one guard against open redirects."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return url
    return resolve_url(default)


def safe_next(request, default: str = "home") -> str:
    """Where a form asks to go back to (its `next` field, or `?next=`), if that is on this site."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next"), default)


def refusal_response(request, refusal: Refusal, default: str = "home"):
    """The refusal as an error message, and a redirect back to where the user came from."""
    messages.error(request, str(refusal))
    back = request.POST.get("next") or request.GET.get("next") or request.META.get("HTTP_REFERER")
    return redirect(safe_url(request, back, default))


@contextmanager
def refusal_as_message(request):
    """Run the block; a refusal raised in it becomes an error message and the view carries on after it."""
    try:
        yield
    except Refusal as refusal:
        messages.error(request, str(refusal))


class RefusalMiddleware:
    """A refusal a page view did not handle: the message and a redirect back, instead of a server error.
    API requests are left to the API's own exception handler (JSON with the refusal's status)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Refusal) and not request.path_info.startswith("/api/"):
            return refusal_response(request, exception)
        return None
