"""What the visit screen offers beyond the checklist and the SKUs: the store's profit situation, photos and
the profile changes a manager notices in the street, as choices and texts for field.js (`views.strings()`).

The profile form offers only what changes in the street and can be seen there; every other field has its
own department and its own page. Which of them the manager saves directly and which go to a department for
approval is the company's field policy, answered by POST /change-requests."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fieldcrm.customers.fields import PROFILE_FIELDS
from fieldcrm.customers.models import BusinessFormat, OrderDay
from fieldcrm.visits.models import ProfitSituation

STREET_FIELDS = ("phone", "owner_name", "address", "business_hours", "rest_day", "business_format", "location")


def capture_strings() -> dict:
    return {
        "margin": _("margin %(yuan)s 元/条"),
        "profitSituations": dict(ProfitSituation.choices),
        "photoSaved": _("Photo kept; it goes after the visit when you check out."),
        "removePhoto": _("Remove the photo"),
        # The location's own label names the format for imports; on the phone it is just where the store is.
        "profileFields": {name: str(PROFILE_FIELDS[name].label) for name in STREET_FIELDS}
        | {"location": _("store position")},
        "businessFormats": dict(BusinessFormat.choices),
        "weekdays": {str(day): str(label) for day, label in OrderDay.choices},
        "hoursHint": _("07:00-22:00"),
        "noticedAtVisit": _("Noticed at the visit"),
        "changeSaved": _("Change saved; it goes with the next sync."),
        "changeStates": {"queued": _("waiting to send"), "applied": _("saved to the profile"),
                         "requested": _("sent for approval"), "failed": _("refused")},
        "parentMissing": _("Its visit or report did not reach the server."),
    }
