"""Company structure and people: who works where, and in which role."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as AuthUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self):
        return self.name


class MarketingArea(models.Model):
    """营销部/市场部: a supervisor's team of customer managers."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="areas")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("marketing area")
        verbose_name_plural = _("marketing areas")
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="unique_area_name")]

    def __str__(self):
        return self.name


class Territory(models.Model):
    """片区: the streets one customer manager covers."""

    area = models.ForeignKey(MarketingArea, on_delete=models.PROTECT, related_name="territories")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="unique_territory_name")]

    def __str__(self):
        return self.name


class Department(models.Model):
    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        LOGISTICS = "logistics", _("Logistics and delivery")
        SUPPLY = "supply", _("Supply")
        SERVICE = "service", _("Customer service")
        MONOPOLY = "monopoly", _("Monopoly administration")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="departments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["company", "kind"], name="unique_department_kind")]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet):
    def team_of(self, user) -> "UserQuerySet":
        """The one team rule — whom `user` oversees: a manager themself; a supervisor the managers of the
        marketing area they lead; a company admin every manager of their company (a superuser without a
        company: every manager); anyone else nobody. Former members stay in the team (their records are
        still overseen); lists of people to act on today add `.active()`."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        managers = self.filter(role=User.Role.MANAGER)
        if user.is_company_admin:
            return managers if user.is_superuser and user.company_id is None else managers.filter(
                company_id=user.company_id)
        if user.company_id is None:
            return self.none()
        managers = managers.filter(company_id=user.company_id)
        if user.is_supervisor:
            return managers.filter(area_id=user.area_id) if user.area_id is not None else self.none()
        if user.is_manager:
            return managers.filter(pk=user.pk)
        return self.none()

    def active(self) -> "UserQuerySet":
        return self.filter(is_active=True)


class UserManager(AuthUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Customer manager")
        SUPERVISOR = "supervisor", _("Supervisor")
        DEPARTMENT = "department", _("Department staff")
        MONOPOLY = "monopoly", _("Monopoly officer")
        ADMIN = "admin", _("Administrator")

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True, null=True, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MANAGER)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    area = models.ForeignKey(
        MarketingArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("marketing area"),
        help_text=_("A manager's team, or the team a supervisor leads."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    # Where a manager's working day starts and ends (office or home): the depot of their routes.
    start_address = models.CharField(_("day starts at (address)"), max_length=200, blank=True)
    start_latitude = models.FloatField(_("start latitude (WGS-84)"), null=True, blank=True)
    start_longitude = models.FloatField(_("start longitude (WGS-84)"), null=True, blank=True)
    # When the password last changed (null: not since this was recorded): API tokens issued before are dead.
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def set_password(self, raw_password):
        """Stamp a real change only: Django also calls this to re-hash the same password with stronger
        parameters after an upgrade, which must not kill the user's API tokens."""
        if raw_password is None or not check_password(raw_password, self.password):
            self.password_changed_at = timezone.now()
        super().set_password(raw_password)

    def set_unusable_password(self):
        self.password_changed_at = timezone.now()
        super().set_unusable_password()

    def save(self, *args, **kwargs):
        # Django's re-hash on login saves update_fields=["password"]: keep the stamp with the password.
        fields = kwargs.get("update_fields")
        if fields is not None and "password" in fields and "password_changed_at" not in fields:
            kwargs["update_fields"] = [*fields, "password_changed_at"]
        super().save(*args, **kwargs)

    @property
    def is_manager(self):
        return self.role == self.Role.MANAGER

    @property
    def is_supervisor(self):
        return self.role == self.Role.SUPERVISOR

    @property
    def is_company_admin(self):
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def is_department_staff(self):
        """Department staff and monopoly officers: they read the company's customers and coordinate."""
        return self.role in (self.Role.DEPARTMENT, self.Role.MONOPOLY)

    @property
    def is_monopoly_officer(self):
        """Reads market reports and records their outcome (专卖)."""
        return self.role == self.Role.MONOPOLY

    @property
    def oversees_anyone(self) -> bool:
        """Whether the team rule gives this user anyone to oversee beyond themself: supervisors and admins
        (the people who see team pages: plan vs actual, report counts, team planning runs)."""
        return self.company_id is not None and (self.is_supervisor or self.is_company_admin) or self.is_superuser

    def overseen(self, manager: str = "manager") -> Q:
        """The team rule (`User.objects.team_of`) as a condition on rows linked to a customer manager through
        the `manager` path: a manager's own, a supervisor's marketing area's managers', all for an admin
        (callers limit the rows to the user's company first, so an admin needs no condition); nothing for
        anyone else."""
        if self.is_company_admin:
            return Q()
        if self.is_supervisor and self.area_id is not None:
            return Q(**{f"{manager}__area_id": self.area_id, f"{manager}__role": self.Role.MANAGER})
        if self.is_manager:
            return Q(**{manager: self.pk})
        return Q(pk__in=[])


class ApiTokenQuerySet(models.QuerySet):
    def alive(self, now=None):
        """Not revoked and not expired (a changed password or a locked user is checked per token: it
        depends on the user, see `ApiToken.dead_because`)."""
        return self.filter(revoked=False, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A personal API token. Only a hash is stored; the token is shown once when created.

    A token works until it expires (`API_TOKEN_DAYS` after it was issued), is revoked (by its user on "my
    account", by an admin, or by `create_api_token --replace`), its user's password changes (the token keeps
    a keyed fingerprint of the password hash it was issued under) or its user is locked (inactive, or a login
    lock of django-axes in force for the login: refused while the lock lasts)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # The user's password_changed_at when the token was issued: any later change makes them differ. Compared
    # for equality, not order, so no clock (a server's moved back, a test's) can revive a token.
    password_stamp = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    LAST_USED_PRECISION = timedelta(minutes=1)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name="", days: int | None = None) -> str:
        """A new token for `user`, valid `days` (default `API_TOKEN_DAYS`); returns the secret, shown once."""
        token = "fcrm_" + secrets.token_urlsafe(32)
        now = timezone.now()
        cls.objects.create(
            user=user, name=name, prefix=token[5:13], token_hash=cls.hash(token), created_at=now,
            expires_at=now + timedelta(days=days or settings.API_TOKEN_DAYS),
            password_stamp=user.password_changed_at,
        )
        return token

    @classmethod
    def user_for(cls, token: str):
        """The user a presented token authenticates, or None when it is unknown or dead."""
        now = timezone.now()
        found = cls.objects.alive(now).filter(token_hash=cls.hash(token)).select_related("user").first()
        if found is None or found.dead_because(now) is not None:
            return None
        found.note_use(now)
        return found.user

    def dead_because(self, now=None) -> str | None:
        """Why this token no longer works (a code, shown translated by `state_label`), or None."""
        now = now or timezone.now()
        if self.revoked:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.user.password_changed_at != self.password_stamp:
            return "password_changed"
        if not self.user.is_active:
            return "user_inactive"
        if login_locked(self.user.username, now):
            return "user_locked"
        return None

    STATE_LABELS = {
        None: _("active"),
        "revoked": _("revoked"),
        "expired": _("expired"),
        "password_changed": _("password changed since"),
        "user_inactive": _("user deactivated"),
        "user_locked": _("login locked"),
    }

    @property
    def state_label(self):
        return self.STATE_LABELS[self.dead_because()]

    def revoke(self, now=None):
        """Idempotent: a token revoked twice keeps its first revocation time."""
        if self.revoked:
            return
        self.revoked, self.revoked_at = True, now or timezone.now()
        ApiToken.objects.filter(pk=self.pk, revoked=False).update(revoked=True, revoked_at=self.revoked_at)

    def note_use(self, now):
        """Record the use at most once a LAST_USED_PRECISION: a write on every request would queue each read
        behind any long write (an SQLite import) and cost a write per call on PostgreSQL. The conditional
        UPDATE keeps concurrent requests from writing twice."""
        recent = now - self.LAST_USED_PRECISION
        if self.last_used_at is not None and self.last_used_at >= recent:
            return
        ApiToken.objects.filter(pk=self.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=recent)).update(
            last_used_at=now
        )


def login_locked(username: str, now) -> bool:
    """Whether django-axes holds a login lock for `username` (from any address) right now: its tokens are
    refused while it lasts, so a stolen token cannot outlive a lock on the account it belongs to."""
    if not settings.AXES_ENABLED:
        return False
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username=username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gt=now - cool_off)
    return attempts.exists()


class PersonalDataExport(models.Model):
    """Audit trail: every export of retailer personal data (names, phones) — who, when, which filter."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=50)
    filters = models.JSONField(_("filters"), default=dict)
    row_count = models.PositiveIntegerField(_("rows"))
    channel = models.CharField(_("channel"), max_length=20, default="web")

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-exported_at"]

    def __str__(self):
        return f"{self.user} {self.kind} {self.exported_at:%Y-%m-%d %H:%M}"

