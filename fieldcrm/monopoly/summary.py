"""The monthly market information summary (汇总) of one marketing area, for its supervisor and marketing:
how much of each kind was observed (violations as counts only), the business information items, and what
the retailers said at the area's visits that month (opinions counted by topic, with a few quotes).

A report belongs to the area of its reporter and to the month (company time) it was observed in; an opinion
to the area of the manager who made the visit and to the month of the check-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone

from fieldcrm.lib.ids import one_or_404
from fieldcrm.monopoly.models import MarketReport, is_marketing_staff
from fieldcrm.org.models import MarketingArea
from fieldcrm.visits.models import OpinionTopic, Visit, VisitOpinion

QUOTES_PER_TOPIC = 3
MISSING_AREA = "No such marketing area"


@dataclass
class KindCount:
    kind: str
    label: str
    category: str
    count: int


@dataclass
class TopicOpinions:
    topic: str
    label: str
    count: int
    quotes: list[dict] = field(default_factory=list)  # {"text", "store", "manager", "day"}


@dataclass
class MonthSummary:
    area: MarketingArea
    month: date  # its first day
    kinds: list[KindCount]
    items: list[MarketReport]  # business information only, in the order observed
    opinions: list[TopicOpinions]
    visits: int  # visits checked in at in the month by the area's managers

    @property
    def violations(self) -> int:
        return sum(k.count for k in self.kinds if k.category == MarketReport.Category.VIOLATION)

    @property
    def business(self) -> int:
        return sum(k.count for k in self.kinds if k.category == MarketReport.Category.BUSINESS)

    @property
    def opinion_count(self) -> int:
        return sum(t.count for t in self.opinions)


def can_summarise(user) -> bool:
    """Supervisors (their own area), marketing staff and admins (every area of the company)."""
    if not user.is_authenticated or user.company_id is None:
        return False
    return user.oversees_anyone or is_marketing_staff(user)


def summary_areas(user):
    """The areas `user` may summarise; 403 for anyone who summarises none (managers, officers, other staff)."""
    if not can_summarise(user):
        raise PermissionDenied
    areas = MarketingArea.objects.filter(company_id=user.company_id).order_by("name", "pk")
    if user.is_supervisor:
        return areas.filter(pk=user.area_id) if user.area_id else areas.none()
    return areas


def get_area_for_summary(user, pk) -> MarketingArea:
    """An area `user` may summarise: 403 for who summarises none, 404 for another supervisor's area."""
    return one_or_404(summary_areas(user), pk, MISSING_AREA)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of `month`, in company time."""
    first = month.replace(day=1)
    following = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
    zone = timezone.get_current_timezone()
    return datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


def month_summary(area: MarketingArea, month: date) -> MonthSummary:
    """The area's market information and visit opinions observed in `month` (any day of it)."""
    since, until = month_bounds(month)
    reports = MarketReport.objects.filter(company_id=area.company_id, reporter__area=area,
                                          observed_at__gte=since, observed_at__lt=until)
    counted = dict(reports.values_list("kind").annotate(n=Count("pk")).order_by())
    labels = dict(MarketReport.Kind.choices)
    kinds = [KindCount(kind, str(labels[kind]), category, counted.get(kind, 0))
             for category, group in ((MarketReport.Category.BUSINESS, MarketReport.BUSINESS),
                                     (MarketReport.Category.VIOLATION, MarketReport.VIOLATIONS))
             for kind in group]
    items = list(reports.business().select_related("reporter", "customer", "decided_by")
                 .order_by("observed_at", "pk"))
    return MonthSummary(area=area, month=since.date(), kinds=kinds, items=items,
                        opinions=_opinions(area, since, until), visits=_visits(area, since, until))


def _opinions_in(area: MarketingArea, since: datetime, until: datetime):
    return VisitOpinion.objects.filter(visit__manager__area=area, visit__customer__company_id=area.company_id,
                                       visit__checked_in_at__gte=since, visit__checked_in_at__lt=until)


def _opinions(area: MarketingArea, since: datetime, until: datetime) -> list[TopicOpinions]:
    """Each topic the retailers spoke about, most talked about first, with its latest few opinions."""
    opinions = _opinions_in(area, since, until)
    counted = dict(opinions.values_list("topic").annotate(n=Count("pk")).order_by())
    labels = dict(OpinionTopic.choices)
    topics = []
    for topic, n in sorted(counted.items(), key=lambda item: (-item[1], item[0])):
        latest = (opinions.filter(topic=topic).select_related("visit__customer", "visit__manager")
                  .order_by("-visit__checked_in_at", "-pk")[:QUOTES_PER_TOPIC])
        quotes = [{"text": o.text, "store": o.visit.customer.name, "manager": str(o.visit.manager),
                   "day": timezone.localtime(o.visit.checked_in_at).date()} for o in latest]
        topics.append(TopicOpinions(topic, str(labels.get(topic, topic)), n, quotes))
    return topics


def _visits(area: MarketingArea, since: datetime, until: datetime) -> int:
    return Visit.objects.filter(manager__area=area, customer__company_id=area.company_id,
                                checked_in_at__gte=since, checked_in_at__lt=until).count()
