"""Filters for the pages of visits done at the store: distances and time spent, in the reader's words."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres) -> str:
    """35 m, 1.2 km; a dash when unknown (the store has no stored position)."""
    if metres is None or metres == "":
        return "—"
    metres = float(metres)
    if metres < 1000:
        return _("%(n)s m") % {"n": round(metres)}
    return _("%(n)s km") % {"n": f"{metres / 1000:.1f}"}


@register.filter
def stay(duration: timedelta | None) -> str:
    """Time at the store in minutes (a dash before check-out)."""
    if not isinstance(duration, timedelta):
        return "—"
    minutes = max(0, round(duration.total_seconds() / 60))
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    return _("%(h)s h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}
