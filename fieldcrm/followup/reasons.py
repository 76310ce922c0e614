"""Open needs as a reason to visit: a need due before the planned week ends (or already overdue) brings its
store into the weekly plan, on a day no later than its deadline.

`register()` (from `FollowupConfig.ready`) declares the "demand" reason to visit planning: its code, its
priority, how it reads (`demand_reason_text`), the provider that finds it (`demand_reasons`) and how a
planned visit is tied to the needs it is for (`link_demands`: the `Demand.planned_visits` relation, read as
`planned_visit.demands`; the reason's JSON keeps only what it says).
"""


from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.followup.models import Demand
from fieldcrm.lib.periods import Period
from fieldcrm.visits import reasons

DEMAND = "demand"  # the reason code stored on planned visits (analytics count it)
# An open need near its deadline is kept when the week is full, as a visit added by hand is.
PRIORITY = 4
SUMMARY_CHARS = 30


def reason_args(demand: Demand, now=None) -> dict:
    """What a need's reason says (rendered by `demand_reason_text`). "Overdue" is said of a need already past
    its deadline at `now` (when the plan is made: one due this weekend reads "due …", though its visit is on
    Monday)."""
    now = now or timezone.now()
    due = timezone.localtime(demand.due_at)
    return {"kind": demand.kind, "due": f"{due:%m-%d %H:%M}", "summary": _summary(demand.description),
            "overdue": demand.due_at < now}


def demand_reasons(manager, week_start, policy) -> dict[int, list[reasons.ProvidedReason]]:
    """{customer_pk: [reason]} for the manager's open needs due before the end of the week, each naming its
    need (`subject`) and its deadline (`visit_by`: the plan's "overdue by then")."""
    _since, week_end = Period.week(week_start).bounds()
    now = timezone.now()
    demands = Demand.objects.open().filter(customer__manager=manager, due_at__lt=week_end).order_by("due_at", "pk")
    found: dict[int, list[reasons.ProvidedReason]] = {}
    for demand in demands:
        found.setdefault(demand.customer_id, []).append(reasons.ProvidedReason(
            DEMAND, args=reason_args(demand, now), visit_by=timezone.localdate(demand.due_at), subject=demand.pk))
    return found


def link_demands(pairs) -> None:
    """[(planned visit, [need ids])]: the visits a week's planning wrote for these needs (one insert)."""
    through = Demand.planned_visits.through
    through.objects.bulk_create(
        [through(demand_id=demand_id, plannedvisit_id=visit.pk) for visit, ids in pairs for demand_id in set(ids)],
        ignore_conflicts=True)


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def demand_reason_text(args: dict) -> str:
    """A need as a visit reason, in the reader's language."""
    kind = args.get("kind", "")
    values = {"kind": dict(Demand.Kind.choices).get(kind, kind),
              "due": args.get("due", ""), "summary": args.get("summary", "")}
    if args.get("overdue"):
        return _("Need overdue since %(due)s (%(kind)s): %(summary)s") % values
    return _("Need due %(due)s (%(kind)s): %(summary)s") % values


def register():
    """Plug into visit planning (idempotent: ready() may run more than once in tests)."""
    reasons.register(DEMAND, priority=PRIORITY, render=demand_reason_text, provider=demand_reasons,
                     link=link_demands)
