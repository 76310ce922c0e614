"""The phone's pages. `/field/` is one shell page: the route, the visit and the outbox are drawn by
static/field/field.js from what IndexedDB holds, so the page works with no network once it has been opened.
The page also carries today's route inline (drawn by its inline script before any other file arrives): on a
slow network every request costs seconds, so the route must be on screen after the page's own round trip.
The service worker and the manifest are served from the site root so their scope covers every page."""

import hashlib
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from fieldcrm.field.api import RouteOut
from fieldcrm.field.capture import capture_strings
from fieldcrm.field.today import route
from fieldcrm.followup.models import Demand
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.visits.models import OpinionTopic
from fieldcrm.visits.views.plans import map_tiles


def strings() -> dict:
    """What field.js shows, translated here so the phone needs no catalogue of its own."""
    return {
        "loading": _("Loading today's route…"),
        "loaded": _("Ready offline (loaded at %(at)s)"),
        "notLoaded": _("Not loaded on this phone yet: load it before you leave."),
        "noStops": _("No visits planned for today."),
        # Today: the route's day, when it was loaded (Beijing time, whatever zone the phone is set to), the map.
        "beijing": _("%(time)s Beijing time"), "storing": _("Route as of %(at)s · storing the day for offline use…"),
        "staleRoute": _("This is the route of %(day)s, not today's: load today's route before you leave."),
        "away": _("%(d)s from you"), "metres": _("%(n)s m"), "kilometres": _("%(n)s km"),
        "plannedFor": _("planned for %(day)s"), "youAreHere": _("You are here"),
        "mapOffline": _("The map needs the network; the list works without it."),
        # Logging out: nothing unsent is dropped without asking; another user's records wait for them.
        "unsentOnLogout": _("%(n)s records have not reached the server yet."),
        "stillUnsent": _("Still not sent: %(n)s. Check the network and try again, or discard them."),
        "discardAllConfirm": _("Discard %(n)s records that never reached the server? They cannot be recovered."),
        "logoutOffline": _("Logging out needs the network: this phone's data is cleared once the server has "
                           "logged you out."),
        "clearing": _("Logging out and clearing this phone's data…"),
        "otherUser": _("%(n)s records of another user wait on this phone until that user logs in again."),
        "visit": _("Visit"), "adHoc": _("unplanned"),
        "amap": _("AMap"), "baidu": _("Baidu"), "baiduWeb": _("Baidu (web)"),
        "checkedIn": _("Checked in at %(at)s"), "distance": _("%(m)s m from the store"),
        "offSite": _("off-site"), "noPosition": _("No position: allow location and try again."),
        "done": _("Done"), "notDone": _("Not done"), "note": _("Note"),
        "stock": _("Stock (条)"), "price": _("Price"), "sales": _("Sold last week"), "tagOk": _("Tag ok"),
        "needSaved": _("Need saved; it goes with the next sync."),
        "reportSaved": _("Market information saved; it goes with the next sync."),
        **capture_strings(),  # profit, photos and profile changes on the visit screen
        "syncState": _("%(queued)s queued · %(sent)s sent · %(failed)s failed"),
        "offline": _("offline"), "retry": _("Retry"), "discard": _("Discard"),
        "discardConfirm": _("Discard this record? It has not reached the server."),
        "states": {"queued": _("queued"), "sent": _("sent"), "failed": _("failed")},
        "kinds": {"visit": _("Visit"), "demand": _("Need"), "report": _("Market information"), "photo": _("Photo"),
                  "change": _("Profile change")},
        # Each store's visit is its own; a done stop offers only another, unplanned visit (issue 15, items 1, 2).
        "opinion": _("Opinion"), "topics": dict(OpinionTopic.choices),
        "unsavedItems": _("%(n)s unsaved items (%(items)s): send them with this visit or discard them?"),
        "again": _("another visit"), "anotherVisit": _("Another visit"),
        "againNote": _("Another visit: "),
        "inProgress": _("in progress since %(at)s"), "continueVisit": _("Continue"),
        "nextStop": _("Next stop"),
        "summary": _("%(day)s: %(done)s of %(planned)s planned stores visited, %(unplanned)s unplanned visits; "
                     "%(missed)s stores not visited; %(needs)s needs raised, %(reports)s market information; "
                     "%(unsent)s records not sent yet."),
        "summaryMissed": _("Not visited: %(stores)s"),
        "summaryCopied": _("Copied: paste it into a message to your supervisor."),
        "summaryCopyByHand": _("Copy the text above into a message to your supervisor."),
        "storageLow": _("This phone has only %(mb)s MB free for the app: send what is queued and free some space."),
        # a routine visit in a few taps: the last visit's figures offered, never recorded unless confirmed
        "lastVisit": _("Last visit with SKU figures: %(day)s"),
        "sameAsLast": _("Same as last time"), "lastStock": _("last %(n)s 条"), "lastPrice": _("%(yuan)s 元"),
        "guidePrice": _("guide %(yuan)s 元"),
        "priceAsk": _("%(price)s 元/条? The guide price is %(guide)s 元."), "priceYes": _("Yes, %(price)s"),
        "pricesToConfirm": _("Confirm the prices marked in red (or correct them) before checking out."),
        "plannedTaken": _("its planned visit was recorded by another visit"),
        "sendUnplanned": _("Send as unplanned"), "edit": _("Edit"),
        "visitOpenThere": _("A visit to this store is open: check it out first."),
        # why a record was refused, by the API's code, in the manager's words
        "refusals": {
            "not_allowed_now": _("The server cannot take it as it is: for a visit, its planned visit is already "
                                 "recorded (by another visit or another phone). Send it as unplanned, or edit it."),
            "stale_version": _("It was changed elsewhere meanwhile: edit it and send it again."),
            "invalid_input": _("Something in it is not valid: edit it and send it again."),
            "invalid_schema": _("Something in it is not valid: edit it and send it again."),
            "not_found": _("The store (or its visit) is no longer yours: it was reassigned or removed."),
            "forbidden": _("You may not record this."),
            "too_large": _("It is too large for the server: remove a photo or shorten it."),
            "other": _("The server refused it."),
        },
        "progress": _("%(done)s done · %(left)s left · %(off)s off-site · %(time)s"),
        "outcomes": {"done": _("Done"), "off_site": _("Done off-site"), "missed": _("Missed"), "pending": _("To do"),
                     "recorded": _("Recorded")},
    }


# gzip: the page is mostly the route and the strings (about a third once compressed). BREACH needs a secret
# in a compressed page that also reflects the attacker's input: the page reflects nothing from the request,
# Django masks the CSRF token anew in every response and GZipMiddleware pads each response with random bytes.
@gzip_page
@cache_control(private=True, no_cache=True)  # the manager's own route: never from a shared cache
@login_required
def today_page(request):
    return render(request, "field/today.html", {
        "demand_kinds": Demand.Kind.choices,
        "report_kinds": MarketReport.kind_groups(),
        "opinion_topics": OpinionTopic.choices,
        "strings": strings(),
        "route": RouteOut.model_validate(route(request.user, timezone.localdate())).model_dump(mode="json"),
        # the zone's offset now, so the phone knows today's date there without Intl (Asia/Shanghai: no DST)
        "utc_offset": int((timezone.localtime().utcoffset() or timedelta()).total_seconds() // 60),
        "tiles": map_tiles(),
    })


def app_version() -> str:
    """The phone app's version: a digest of what the phone runs (field.js, the page's inline script and the
    service worker). A deploy that changes any of them changes sw.js byte for byte, so the browser installs the
    new worker, which takes over (skipWaiting, clientsClaim) and field.js reloads the page at a safe moment."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("static/field/field.js", "templates/field/route.js", "templates/field/sw.js",
                 "templates/field/today.html"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:12]


APP_VERSION = app_version()


@require_GET
@never_cache
def service_worker(request):
    """Never cached itself, so a new version reaches the phone on its next online load."""
    response = render(request, "field/sw.js", {"version": APP_VERSION}, content_type="application/javascript")
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
