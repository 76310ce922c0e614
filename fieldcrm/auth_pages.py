"""The answers of the login throttle and of a failed CSRF check: in the user's language, as a page for a
browser and as JSON (`detail`, `code`) for an API client, never Django's or django-axes' bare English."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or ("application/json" in accept and "text/html" not in accept)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout (AXES_LOCKOUT_CALLABLE): 429 with how long the lock lasts."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    message = _("Too many failed logins with this login. Try again in %(minutes)s minutes, or ask your admin "
                "to unlock it.") % {"minutes": minutes}
    if wants_json(request):
        return JsonResponse({"detail": message, "code": "login_locked"}, status=429)
    return render(request, "login.html", {"locked_message": message}, status=429)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form was sent without (or with an outdated) security token — most often a page
    kept open across a logout or a login elsewhere."""
    message = _("This form has expired (the page was open too long, or you logged in or out elsewhere). "
                "Go back, reload the page and send it again.")
    if wants_json(request):
        return JsonResponse({"detail": message, "code": "csrf_failed"}, status=403)
    return render(request, "403.html", {"exception": message}, status=403)
