"""The phone's pages. `/field/` is one shell page: the route, the visit and the outbox are drawn by
static/field/field.js from what IndexedDB holds, so the page works with no network once it has been opened.
The service worker and the manifest are served from the site root so their scope covers every page."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fieldcrm.field.capture import capture_strings
from fieldcrm.followup.models import Demand
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.visits.models import OpinionTopic


def strings() -> dict:
    """What field.js shows, translated here so the phone needs no catalogue of its own."""
    return {
        "loading": _("Loading today's route…"),
        "loaded": _("Ready offline (loaded at %(at)s)"),
        "notLoaded": _("Not loaded on this phone yet: load it before you leave."),
        "noStops": _("No visits planned for today."),
        "visit": _("Visit"), "adHoc": _("unplanned"),
        "amap": _("AMap"), "baidu": _("Baidu"), "baiduWeb": _("Baidu (web)"),
        "checkedIn": _("Checked in at %(at)s"), "distance": _("%(m)s m from the store"),
        "offSite": _("off-site"), "noPosition": _("No position: allow location and try again."),
        "done": _("Done"), "notDone": _("Not done"), "note": _("Note"),
        "stock": _("Stock (条)"), "price": _("Price"), "sales": _("Sold last week"), "tagOk": _("Tag ok"),
        "needSaved": _("Need saved; it goes with the next sync."),
        "reportSaved": _("Report saved; it goes with the next sync."),
        **capture_strings(),  # profit, photos and profile changes on the visit screen
        "syncState": _("%(queued)s queued · %(sent)s sent · %(failed)s failed"),
        "offline": _("offline"), "retry": _("Retry"), "discard": _("Discard"),
        "discardConfirm": _("Discard this record? It has not reached the server."),
        "states": {"queued": _("queued"), "sent": _("sent"), "failed": _("failed")},
        "kinds": {"visit": _("Visit"), "demand": _("Need"), "report": _("Market report"), "photo": _("Photo"),
                  "change": _("Profile change")},
        "outcomes": {"done": _("Done"), "off_site": _("Done off-site"), "missed": _("Missed"), "pending": _("To do"),
                     "recorded": _("Recorded")},
    }


@login_required
def today_page(request):
    return render(request, "field/today.html", {
        "demand_kinds": Demand.Kind.choices,
        "report_kinds": MarketReport.Kind.choices,
        "opinion_topics": OpinionTopic.choices,
        "strings": strings(),
    })


@require_GET
@never_cache
def service_worker(request):
    """Never cached itself, so a new version reaches the phone on its next online load."""
    response = render(request, "field/sw.js", content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    return JsonResponse({
        "name": _("FieldCRM field app"),
        "short_name": "FieldCRM",
        "start_url": "/field/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#198754",
        "icons": [
            {"src": static("field/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
