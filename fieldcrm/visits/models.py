"""Duty 3: weekly visit plans. A manager's plan for one week names whom to visit on which day, in which
order, and why (the reasons and key problems to solve); the supervisor approves it; after approval every
change is an ad-hoc change with its reason. Planning jobs record progress so a fan-out is visible."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldcrm.org.models import Company


class PlanningPolicy(models.Model):
    """How a company's managers work a week: the planner's limits and the submission deadline."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="planning_policy")
    working_days = models.PositiveSmallIntegerField(
        _("working days a week"), default=6, help_text=_("Monday to Saturday is 6.")
    )
    day_start = models.TimeField(_("working day starts"), default=time(8, 30))
    day_minutes = models.PositiveSmallIntegerField(_("working day (minutes)"), default=540)
    max_visits_per_day = models.PositiveSmallIntegerField(_("visits a day at most"), default=40)
    speed_kmh = models.FloatField(_("travel speed (km/h)"), default=20.0)
    detour_factor = models.FloatField(
        _("road detour factor"), default=1.3, help_text=_("Road distance over straight-line distance.")
    )
    submit_weekday = models.PositiveSmallIntegerField(
        _("plans due on (weekday before the week, 1 = Monday)"), default=5
    )
    submit_time = models.TimeField(_("plans due at"), default=time(18, 0))
    order_lead_days = models.PositiveSmallIntegerField(
        _("visit up to this many days before the order day"), default=2
    )
    new_retailer_days = models.PositiveSmallIntegerField(_("a retailer counts as new for (days)"), default=30)
    not_visited_days = models.PositiveSmallIntegerField(_("not visited for too long (days)"), default=35)
    checkin_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"), default=200,
        help_text=_("A visit checked in farther than this from the store's stored position is off-site."))

    class Meta:
        verbose_name = _("planning policy")
        verbose_name_plural = _("planning policies")

    def __str__(self):
        return str(self.company)

    @classmethod
    def for_company(cls, company):
        policy, _created = cls.objects.get_or_create(company=company)
        return policy

    def deadline_for(self, week_start):
        """When the plan for the week starting `week_start` (a Monday) is due: the configured weekday of
        the week before, at the configured time, Asia/Shanghai."""
        day = week_start - timedelta(days=7) + timedelta(days=self.submit_weekday - 1)
        return timezone.make_aware(datetime.combine(day, self.submit_time))


class WeekPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The plans a user may see: a manager their own, a supervisor those of the area they lead, an admin
        the company's. Coordinating staff see no plans, only visits (`PlannedVisit.objects.to_coordinate`)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(user.overseen("manager"), manager__company_id=user.company_id)


class PlannedVisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The visits of the plans the user may see."""
        return self.filter(plan__in=WeekPlan.objects.visible_to(user).values("pk"))

    def to_coordinate(self, user):
        """The visits coordinating staff (department staff, monopoly officers) may see and ask to join: those
        of submitted or approved plans in their marketing area, or their whole company when they have none."""
        if not (user.is_authenticated and user.is_active and user.is_department_staff) or user.company_id is None:
            return self.none()
        visits = self.filter(plan__manager__company_id=user.company_id,
                             plan__status__in=[WeekPlan.Status.SUBMITTED, WeekPlan.Status.APPROVED])
        return visits.filter(plan__manager__area_id=user.area_id) if user.area_id else visits


class WeekPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="week_plans", verbose_name=_("manager")
    )
    week_start = models.DateField(_("week of"), help_text=_("The Monday the week starts on."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    solver = models.JSONField(default=dict, blank=True)
    # Stores the planner could not fit into the week, with their reasons: the manager decides.
    unplanned = models.JSONField(default=list, blank=True)
    depot_latitude = models.FloatField(null=True, blank=True)
    depot_longitude = models.FloatField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_late = models.BooleanField(_("submitted after the deadline"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    supervisor_comment = models.CharField(_("supervisor's comment"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = WeekPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly visit plan")
        verbose_name_plural = _("weekly visit plans")
        ordering = ["-week_start", "manager_id"]
        constraints = [models.UniqueConstraint(fields=["manager", "week_start"], name="one_plan_per_week")]

    def __str__(self):
        return f"{self.manager} {self.week_start:%Y-%m-%d}"

    @property
    def changes_are_ad_hoc(self) -> bool:
        return self.status == self.Status.APPROVED


class Reason(models.TextChoices):
    """Why a store is in the week's plan, as visits finds it; each planned visit lists one or more. Other
    apps register their own codes with `visits.reasons.register` (e.g. followup's "demand")."""

    STANDARD = "standard", _("Due by service standard")
    SERVICE = "service", _("Service due that needs a visit")
    STALE = "stale", _("Profile fields not verified")
    NEW = "new", _("New retailer")
    TIER_CHANGE = "tier_change", _("Tier or class changed")
    NOT_VISITED = "not_visited", _("Not visited for too long")
    MANUAL = "manual", _("Added by hand")


class PlannedVisit(models.Model):
    plan = models.ForeignKey(WeekPlan, on_delete=models.CASCADE, related_name="visits")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="planned_visits")
    day = models.DateField(_("day"))
    sequence = models.PositiveSmallIntegerField(_("order in the day"), default=0)
    arrival = models.TimeField(_("planned arrival"), null=True, blank=True)
    # [{"code": Reason, "text": "…"}]: codes for analytics, texts for the manager.
    reasons = models.JSONField(_("reasons"), default=list)
    problems = models.TextField(_("key problems to solve"), max_length=1000, blank=True)
    ad_hoc = models.BooleanField(_("added after approval"), default=False)
    # The last day the visit still serves its most urgent reason (an open need's deadline: a provider's
    # `visit_by`); a day before `day` reads "overdue by then". Null when no reason has a deadline. What the
    # reasons are about lives with the app that gave them (followup: `Demand.planned_visits`).
    visit_by = models.DateField(_("visit by"), null=True, blank=True)

    objects = PlannedVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        ordering = ["day", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "customer", "day"], name="one_visit_per_customer_day")
        ]

    def __str__(self):
        return f"{self.day} #{self.sequence} {self.customer_id}"

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        OFF_SITE = "off_site", _("Done off-site")
        MISSED = "missed", _("Missed")
        PENDING = "pending", _("To do")

    @property
    def outcome(self) -> str:
        """Done (on site), off-site, missed (its day has passed with no visit) or still to do. Lists
        `select_related("done_visit")` to read it without a query per row."""
        try:
            done = self.done_visit
        except models.ObjectDoesNotExist:
            done = None
        if done is not None:
            return self.Outcome.DONE if done.on_site else self.Outcome.OFF_SITE
        return self.Outcome.MISSED if self.day < timezone.localdate() else self.Outcome.PENDING

    def get_outcome_display(self) -> str:
        return str(self.Outcome(self.outcome).label)

    @property
    def deadline_before(self) -> bool:
        """A reason's deadline falls before the visit's day: overdue by then (better visited earlier)."""
        return self.visit_by is not None and self.visit_by < self.day


class PlanChange(models.Model):
    """Every edit of a plan; those after approval are the ad-hoc changes the article asks to record."""

    class Kind(models.TextChoices):
        GENERATE = "generate", _("Generated")
        MOVE = "move", _("Moved")
        ADD = "add", _("Added")
        REMOVE = "remove", _("Removed")
        REORDER = "reorder", _("Reordered")
        REOPTIMISE = "reoptimise", _("Re-optimised")
        PROBLEMS = "problems", _("Problems edited")
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")

    plan = models.ForeignKey(WeekPlan, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("change"), max_length=12, choices=Kind.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    from_day = models.DateField(null=True, blank=True)
    to_day = models.DateField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ad_hoc = models.BooleanField(_("ad-hoc"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.plan_id} {self.kind}"


class JoinRequest(models.Model):
    """Coordinating staff (logistics, monopoly, marketing) asking to come along on a planned visit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    visit = models.ForeignKey(PlannedVisit, on_delete=models.CASCADE, related_name="join_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("request to join a visit")
        verbose_name_plural = _("requests to join a visit")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["visit", "requester"], name="one_join_request_per_visit")]

    def __str__(self):
        return f"{self.requester_id} → {self.visit_id}"


class PlanningRun(models.Model):
    """One request to plan a week for many managers: fans out as one job per manager."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week of"))
    # Empty for the scheduled weekly run.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("planning run")
        verbose_name_plural = _("planning runs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.week_start:%Y-%m-%d} ({self.created_at:%Y-%m-%d %H:%M})"

    def counts(self) -> dict:
        counts = dict.fromkeys(PlanningJob.Status.values, 0)
        for row in self.jobs.values("status").annotate(n=models.Count("pk")):
            counts[row["status"]] = row["n"]
        counts["total"] = sum(counts.values())
        # A job waiting beyond PlanningJob.STALL_AFTER is lost: the run is over for it, so the page stops polling.
        since = timezone.now() - PlanningJob.STALL_AFTER
        counts["lost"] = self.jobs.filter(
            models.Q(started_at__lt=since) | models.Q(started_at__isnull=True, created_at__lt=since),
            status__in=[PlanningJob.Status.QUEUED, PlanningJob.Status.RUNNING],
        ).count()
        counts["finished"] = counts[PlanningJob.Status.DONE] + counts[PlanningJob.Status.FAILED] + counts["lost"]
        return counts


class PlanningJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run = models.ForeignKey(PlanningRun, on_delete=models.CASCADE, related_name="jobs", null=True, blank=True)
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    plan = models.ForeignKey(WeekPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("planning job")
        verbose_name_plural = _("planning jobs")
        ordering = ["pk"]
        indexes = [models.Index(fields=["manager", "week_start"])]
        # One job per manager and week at a time: a repeated request gets the waiting job (tasks._queue_job).
        constraints = [models.UniqueConstraint(
            fields=["manager", "week_start"], condition=models.Q(status__in=["queued", "running"]),
            name="one_waiting_job_per_manager_week")]

    def __str__(self):
        return f"{self.manager_id} {self.week_start:%Y-%m-%d} {self.status}"

    # A job still queued or running after this long was lost (e.g. the web process running in-process jobs
    # restarted); pages stop waiting for it and offer to plan again.
    STALL_AFTER = timedelta(minutes=15)

    @property
    def stalled(self) -> bool:
        waiting = self.status in (self.Status.QUEUED, self.Status.RUNNING)
        return waiting and timezone.now() - (self.started_at or self.created_at) > self.STALL_AFTER


# --- duty 4: visits done at the store ---------------------------------------------------------------------


class ProfitSituation(models.TextChoices):
    """How the retailer says the store is doing, as the manager records it at the visit."""

    PROFIT = "profit", _("Making a profit")
    BREAK_EVEN = "break_even", _("Breaking even")
    LOSS = "loss", _("Making a loss")


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The visits a user may see: a manager their own, a supervisor those of the area they lead, an
        admin the company's (like the plans; coordinating staff see none)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(user.overseen("manager"), manager__company_id=user.company_id)

    def checked_in(self):
        """Visits that count as made: every recorded visit has checked in (the phone sends the check-in)."""
        return self.exclude(checked_in_at__isnull=True)

    def most_recent(self, before=None):
        """The one rule of "last visit": visits made (checked in), the latest first; only those checked in
        before `before` (an aware moment, e.g. a day's midnight from `lib/periods`) when given. A planned
        visit never counts. `metrics.last_visits` is its per-store summary."""
        visits = self.checked_in()
        if before is not None:
            visits = visits.filter(checked_in_at__lt=before)
        return visits.order_by("-checked_in_at", "-pk")


class Visit(models.Model):
    """A visit done at a store, recorded by the manager's phone (possibly offline, replayed by `client_uuid`):
    where the phone was at check-in and how far that is from the store, what was seen and said, the
    checklist's answers, and check-out. It carries out at most one planned visit, or is ad hoc."""

    client_uuid = models.UUIDField(unique=True, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="visits",
                                 verbose_name=_("customer"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits_made",
                                verbose_name=_("manager"))
    planned_visit = models.OneToOneField(PlannedVisit, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="done_visit", verbose_name=_("planned visit"))
    ad_hoc = models.BooleanField(_("unplanned"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"))
    latitude = models.FloatField(_("latitude at check-in (WGS-84)"))
    longitude = models.FloatField(_("longitude at check-in (WGS-84)"))
    accuracy_m = models.FloatField(_("position accuracy (m)"), null=True, blank=True)
    # Null when the store has no stored position: then on_site is unknown and stored as False.
    distance_m = models.FloatField(_("distance from the store (m)"), null=True, blank=True)
    on_site = models.BooleanField(_("on site"), default=False)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # The store's profit situation as the retailer describes it: optional, a visit may not get to it.
    profit_situation = models.CharField(_("profit situation"), max_length=10, choices=ProfitSituation.choices,
                                        blank=True)
    # In 条, the unit of the company's orders: a store selling far more than it orders from us buys elsewhere.
    monthly_sales_cartons = models.PositiveIntegerField(_("estimated cigarette sales a month (条)"), null=True,
                                                        blank=True)
    # The profile changes noticed at the store are rows of their own: `noticed_changes` (NoticedChange).
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-checked_in_at", "-pk"]
        indexes = [
            # "last visit per customer" and "a manager's visits in a period".
            models.Index(fields=["customer", "-checked_in_at"], name="visit_customer_last"),
            models.Index(fields=["manager", "checked_in_at"], name="visit_manager_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(checked_out_at__isnull=True)
                           | models.Q(checked_out_at__gte=models.F("checked_in_at"))),
                name="visit_out_after_in"),
        ]

    def __str__(self):
        return f"{self.customer_id} {self.checked_in_at:%Y-%m-%d %H:%M}"


class NoticedChange(models.Model):
    """A profile change noticed at a visit. The change itself travels on its own to POST /change-requests with
    the same `client_uuid`; `change_request` is the request it became, linked by whichever of the two arrives
    second (`fieldwork.link_noticed_changes`): null while the request has not arrived, or when the field was
    saved to the profile at once (no request). `applied` is the answer the phone had when it sent the visit
    (true: saved at once, false: a request for the department, null: not known yet)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="noticed_changes")
    client_uuid = models.UUIDField(_("change id"))
    field = models.CharField(_("field"), max_length=30)
    new_value = models.CharField(_("new value"), max_length=200, blank=True)
    applied = models.BooleanField(_("saved at once"), null=True, blank=True)
    change_request = models.ForeignKey("customers.ChangeRequest", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="noticed_changes", verbose_name=_("change request"))

    class Meta:
        verbose_name = _("profile change noticed")
        verbose_name_plural = _("profile changes noticed")
        ordering = ["pk"]
        indexes = [models.Index(fields=["client_uuid"], name="noticed_change_uuid")]
        constraints = [models.UniqueConstraint(fields=["visit", "client_uuid"], name="one_notice_per_change")]

    def __str__(self):
        return f"{self.visit_id} {self.field}"


class OpinionTopic(models.TextChoices):
    ORDERING = "ordering", _("Ordering")
    SUPPLY = "supply", _("Supply")
    DELIVERY = "delivery", _("Delivery")
    PRICE = "price", _("Price")
    PRODUCT = "product", _("Product")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class VisitOpinion(models.Model):
    """What the retailer said about ordering and supply."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="opinions")
    topic = models.CharField(_("topic"), max_length=10, choices=OpinionTopic.choices)
    text = models.TextField(_("opinion"), max_length=1000)

    class Meta:
        verbose_name = _("retailer's opinion")
        verbose_name_plural = _("retailers' opinions")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.visit_id} {self.topic}"


class SkuObservation(models.Model):
    """One SKU as seen on the shelf: stock in 条, the retail price asked (元/条), last week's sales, the tag."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="observations")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    stock_cartons = models.PositiveIntegerField(_("stock (条)"), null=True, blank=True)
    retail_price = models.DecimalField(_("retail price seen (元/条)"), max_digits=10, decimal_places=2, null=True,
                                       blank=True, validators=[MinValueValidator(0)])
    sales_last_week_cartons = models.PositiveIntegerField(_("sales last week (条)"), null=True, blank=True)
    price_tag_ok = models.BooleanField(_("price tag right"), null=True, blank=True)

    class Meta:
        verbose_name = _("SKU observation")
        verbose_name_plural = _("SKU observations")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "sku"], name="one_observation_per_sku")]

    def __str__(self):
        return f"{self.visit_id} {self.sku_id}"


class ChecklistAnswer(models.Model):
    """A checklist item as it was shown at the store and how it was answered."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="checklist_answers")
    code = models.CharField(_("item"), max_length=60)
    kind = models.CharField(_("kind"), max_length=30)
    text = models.CharField(_("text as shown"), max_length=500, blank=True)
    done = models.BooleanField(_("done"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "code"], name="one_answer_per_item")]

    def __str__(self):
        return f"{self.visit_id} {self.code}"
