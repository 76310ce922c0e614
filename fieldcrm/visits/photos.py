"""A visit's photos (the display, the shelf, the price tags): registered with the photos app, which knows no
owner by itself (photos/registry.py, filled from `VisitsConfig.ready()`).

Who sees them is who sees the visit: its manager, the supervisor of the manager's area and the company's
admins (`Visit.objects.visible_to`); anyone else gets 404. Only the visit's manager attaches them (403 for a
supervisor), and only while the visit is fresh: the phone queues a visit's photos right behind the visit and
sends them in the same sync, so PHOTO_WINDOW after the server received the visit covers a connection lost
mid-sync, a phone left off over the weekly rest day and a manual retry. Counted from receipt, not check-in:
a phone offline for days sends the visit and its photos together and both are taken (the visit's own age
limit is fieldwork.MAX_AGE). Later, a picture is no longer evidence of what the store looked like that day.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.errors import ActionRefused
from fieldcrm.photos.registry import PhotoOwner
from fieldcrm.photos.registry import register as register_owner
from fieldcrm.visits.access import get_recorded_visit_for_user
from fieldcrm.visits.models import Visit

OWNER_TYPE = "visit"
PHOTO_WINDOW = timedelta(days=3)


def refuse_if_closed(visit: Visit) -> None:
    """A photo reaches a visit within PHOTO_WINDOW of the server receiving it, else 409."""
    if timezone.now() > visit.created_at + PHOTO_WINDOW:
        raise ActionRefused(_("Photos are added to a visit within %(days)s days of recording it.")
                            % {"days": PHOTO_WINDOW.days})


def register() -> None:
    register_owner(PhotoOwner(code=OWNER_TYPE, model=Visit, visible=Visit.objects.visible_to,
                              lookup=get_recorded_visit_for_user, check_open=refuse_if_closed))
