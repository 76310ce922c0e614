"""Duty 5: market intelligence reported to the monopoly administration (假烟, 走私烟, 无证经营 …).

A report is evidence: once submitted, nothing in it changes; a monopoly officer only adds the outcome
(confirmed / unfounded / referred), which the reporter then sees. Only the reporter and the company's
monopoly officers see a report — not supervisors, other managers, department staff or administrators
(supervisors see counts per manager, never content). Every opening of a report or its photos is logged in
`ReportView`.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldcrm.org.models import User


class MarketReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reporter's own reports; for a monopoly officer, every report of the company. Nobody else."""
        if not user.is_authenticated:
            return self.none()
        mine = Q(reporter=user.pk)
        if user.is_monopoly_officer and user.company_id is not None:
            return self.filter(mine | Q(company=user.company_id))
        return self.filter(mine)

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
        OTHER = "other", _("Other market report")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("market report status", "Submitted")
        CONFIRMED = "confirmed", pgettext_lazy("market report status", "Confirmed")
        UNFOUNDED = "unfounded", pgettext_lazy("market report status", "Unfounded")
        REFERRED = "referred", pgettext_lazy("market report status", "Referred")

    OUTCOMES = (Status.CONFIRMED, Status.UNFOUNDED, Status.REFERRED)

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
        verbose_name = _("market report")
        verbose_name_plural = _("market reports")
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

