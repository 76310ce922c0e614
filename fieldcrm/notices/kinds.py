"""Each kind of notice as text in the active language, from its stored arguments.

Arguments are plain values; the few that are codes (a decision, a report outcome) are translated here, so a
notice reads in the reader's language whoever sent it. Keys are `Notice.Kind` values (models.py reads
this module, not the other way round)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TEMPLATES = {
    "demand_routed": _("New need for %(department)s: %(customer)s — %(what)s"),
    "demand_resolved": _("Need resolved for %(customer)s: %(resolution)s — tell the retailer"),
    "demand_handed_back": _("Need handed back for %(customer)s: %(reason)s"),
    "demand_overdue": _("Need overdue for %(customer)s (%(manager)s): %(what)s"),
    "change_request_decided": _("Change request for %(customer)s %(decision)s: %(field)s"),
    "plan_approved": _("Your visit plan for the week of %(week)s was approved"),
    "plan_returned": _("Your visit plan for the week of %(week)s was returned: %(comment)s"),
    "report_outcome": _("Your market information %(report)s: %(outcome)s"),
}

# Code-valued arguments, translated when read.
WORDS = {
    "decision": {"approved": pgettext_lazy("change request", "approved"),
                 "rejected": pgettext_lazy("change request", "rejected")},
    "outcome": {"confirmed": pgettext_lazy("market report", "confirmed"),
                "unfounded": pgettext_lazy("market report", "unfounded"),
                "referred": pgettext_lazy("market report", "referred"),
                "noted": pgettext_lazy("market report", "noted by marketing"),
                "passed_on": pgettext_lazy("market report", "passed on by marketing")},
}


class _Args(dict):
    """Missing arguments read as empty rather than failing the whole inbox."""

    def __missing__(self, key):
        return ""


def render(kind: str, args: dict | None) -> str:
    template = TEMPLATES.get(kind)
    if template is None:
        return ""
    values = _Args(args or {})
    for name, words in WORDS.items():
        if name in values:
            values[name] = words.get(values[name], values[name])
    return str(template) % values
