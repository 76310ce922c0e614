"""Duty 5: market information (市场信息) gathered by the managers, in two kinds of report.

- **Violations** (假烟, 走私烟, 无证经营 …) go to the monopoly administration. Such a report is evidence: once
  submitted, nothing in it changes; a monopoly officer only adds the outcome (confirmed / unfounded /
  referred), which the reporter then sees. Only the reporter and the company's monopoly officers see one —
  not supervisors, other managers, department staff or administrators (supervisors and admins count them,
  never read them).
- **Business information** (销售动态, 走势, 热点, 难点, 消费需求变化, 竞品/价格) goes to marketing. The reporter,
  the supervisor of the reporter's marketing area, the company's marketing department staff and admins see
  it; marketing staff note it (已阅) or mark it passed on (已转达), which the reporter then sees.

The table keeps its old name (`MarketReport`): the API path and the old clients' kinds stay as they were.
Every opening of a report or its photos is logged in `ReportView`.
"""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldcrm.org.models import Department, User


def is_marketing_staff(user) -> bool:
    """Staff of the company's marketing department: business information is routed to them."""
    if not user.is_authenticated or user.role != User.Role.DEPARTMENT or user.department_id is None:
        return False
    return user.department.kind == Department.Kind.MARKETING


class MarketReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reporter's own reports, plus: for a monopoly officer, the company's violations; for marketing
        staff and admins, the company's business information; for a supervisor, the business information of
        their area's reporters. Nobody but the reporter and the officers ever sees a violation."""
        if not user.is_authenticated:
            return self.none()
        mine = Q(reporter=user.pk)
        if user.company_id is None:
            return self.filter(mine)
        company = Q(company=user.company_id)
        if user.is_monopoly_officer:
            return self.filter(mine | (company & Q(kind__in=MarketReport.VIOLATIONS)))
        business = company & Q(kind__in=MarketReport.BUSINESS)
        if is_marketing_staff(user):
            return self.filter(mine | business)
        if user.oversees_anyone:  # the team rule: a supervisor's area, an admin's company
            return self.filter(mine | (business & user.overseen("reporter")))
        return self.filter(mine)

    def violations(self):
        return self.filter(kind__in=MarketReport.VIOLATIONS)

    def business(self):
        return self.filter(kind__in=MarketReport.BUSINESS)

    def counted_for(self, user):
        """Reports a supervisor (their area's managers) or an admin (the company) may count, never read."""
        if not user.oversees_anyone:
            return self.none()
        return self.filter(reporter__in=User.objects.team_of(user))


class MarketReport(models.Model):
    class Kind(models.TextChoices):
        COUNTERFEIT = "counterfeit", _("Suspected counterfeit cigarettes")
        SMUGGLED = "smuggled", _("Smuggled or non-local cigarettes")
        UNLICENSED = "unlicensed", _("Unlicensed retail")
        MINORS = "minors", _("Sales to minors")
        PRICE = "price", _("Price violation")
        OTHER = "other", _("Other violation")
        # Business information for marketing (the article's 销售动态、走势、热点、难点 and more).
        SALES = "sales", _("Sales dynamics")
        TREND = "trend", _("Market trend")
        HOT_TOPIC = "hot_topic", _("Retailers' hot topic")
        DIFFICULTY = "difficulty", _("Retailers' difficulty")
        DEMAND = "demand", _("Consumer demand change")
        COMPETITOR = "competitor", _("Competitor or price information")
        INFO = "info", _("Other market information")

    class Category(models.TextChoices):
        VIOLATION = "violation", _("Violation (to the monopoly office)")
        BUSINESS = "business", _("Business information (to marketing)")

    # Every kind an old client knows is a violation: what it sends stays confidential, as it always was.
    VIOLATIONS = (Kind.COUNTERFEIT, Kind.SMUGGLED, Kind.UNLICENSED, Kind.MINORS, Kind.PRICE, Kind.OTHER)
    BUSINESS = (Kind.SALES, Kind.TREND, Kind.HOT_TOPIC, Kind.DIFFICULTY, Kind.DEMAND, Kind.COMPETITOR, Kind.INFO)

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("market report status", "Submitted")
        CONFIRMED = "confirmed", pgettext_lazy("market report status", "Confirmed")
        UNFOUNDED = "unfounded", pgettext_lazy("market report status", "Unfounded")
        REFERRED = "referred", pgettext_lazy("market report status", "Referred")
        NOTED = "noted", pgettext_lazy("market report status", "Noted")
        PASSED_ON = "passed_on", pgettext_lazy("market report status", "Passed on")

    # The monopoly officer's verdicts on a violation; marketing's steps with business information.
    OUTCOMES = (Status.CONFIRMED, Status.UNFOUNDED, Status.REFERRED)
    INFO_STEPS = (Status.NOTED, Status.PASSED_ON)

    # Makes a resent report (a retry, an offline queue replayed) harmless.
    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey("org.Company", on_delete=models.PROTECT, related_name="+", editable=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 editable=False, verbose_name=_("reported by"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, editable=False)
    description = models.TextField(_("what was seen"), max_length=2000, editable=False)
    observed_at = models.DateTimeField(_("observed at"), editable=False)
    latitude = models.FloatField(_("latitude (WGS-84)"), editable=False)
    longitude = models.FloatField(_("longitude (WGS-84)"), editable=False)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", editable=False, verbose_name=_("store"))
    address = models.CharField(_("place (not a customer)"), max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False, verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = MarketReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("market information")
        verbose_name_plural = _("market information")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "status", "created_at"]),
                   models.Index(fields=["reporter", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="submitted", decided_at__isnull=True)
                | (~Q(status="submitted") & Q(decided_at__isnull=False)),
                name="market_report_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_decided(self) -> bool:
        return self.status != self.Status.SUBMITTED

    @property
    def is_violation(self) -> bool:
        return self.kind in self.VIOLATIONS

    @property
    def category(self) -> str:
        return self.Category.VIOLATION if self.is_violation else self.Category.BUSINESS

    @classmethod
    def kind_groups(cls) -> list[tuple[Any, list[tuple[str, Any]]]]:
        """The kinds grouped by where they go, for a select with optgroups: business information first (the
        everyday report), then violations."""
        labels = dict(cls.Kind.choices)
        return [(cls.Category.BUSINESS.label, [(k.value, labels[k]) for k in cls.BUSINESS]),
                (cls.Category.VIOLATION.label, [(k.value, labels[k]) for k in cls.VIOLATIONS])]


class ReportView(models.Model):
    """One opening of a report or of one of its photos, by anyone: who saw the evidence, when."""

    report = models.ForeignKey(MarketReport, on_delete=models.CASCADE, related_name="views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    viewed_at = models.DateTimeField(default=timezone.now)
    photo = models.ForeignKey("photos.Photo", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              db_index=False)

    class Meta:
        verbose_name = _("market report view")
        verbose_name_plural = _("market report views")
        ordering = ["viewed_at", "pk"]

    def __str__(self):
        return f"{self.viewer_id} → {self.report_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


def report_counts(user, start: date | None = None, end: date | None = None) -> list[dict]:
    """Per manager `user` may count (`counted_for`: a supervisor's area, an admin's company), the reports
    observed in [start, end) — what was seen in the market in the period, however late an offline phone sent
    it — and those received in it (submitted). Default: the last 30 days. The managers who reported nothing
    are listed with zeros; names and numbers only."""
    end = end or timezone.localdate() + timedelta(days=1)
    start = start or end - timedelta(days=30)
    zone = timezone.get_current_timezone()
    since, until = datetime.combine(start, time(), zone), datetime.combine(end, time(), zone)
    observed = Q(observed_at__gte=since, observed_at__lt=until)
    received = Q(created_at__gte=since, created_at__lt=until)
    rows = (MarketReport.objects.counted_for(user).filter(observed | received)
            .values("reporter__username", "reporter__full_name")
            .annotate(observed=Count("pk", filter=observed), received=Count("pk", filter=received)).order_by())
    counts = {row["reporter__username"]: {"manager": row["reporter__username"],
                                          "full_name": row["reporter__full_name"], "reports": row["observed"],
                                          "received": row["received"]} for row in rows}
    for username, full_name in User.objects.team_of(user).active().values_list("username", "full_name"):
        counts.setdefault(username, {"manager": username, "full_name": full_name, "reports": 0, "received": 0})
    return sorted(counts.values(), key=lambda row: (-row["reports"], -row["received"], row["manager"]))

