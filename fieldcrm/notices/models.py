"""A notice to one user: what happened (kind + arguments, rendered in the reader's language), where to look
(link), when it was sent and read."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user) if user.is_authenticated else self.none()

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    class Kind(models.TextChoices):
        DEMAND_ROUTED = "demand_routed", _("Need routed to you")
        DEMAND_RESOLVED = "demand_resolved", _("Need resolved")
        DEMAND_HANDED_BACK = "demand_handed_back", _("Need handed back")
        DEMAND_OVERDUE = "demand_overdue", _("Need overdue")
        CHANGE_REQUEST_DECIDED = "change_request_decided", _("Change request decided")
        PLAN_APPROVED = "plan_approved", _("Plan approved")
        PLAN_RETURNED = "plan_returned", _("Plan returned")
        REPORT_OUTCOME = "report_outcome", _("Market report outcome")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices",
                                  db_index=False, verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    args = models.JSONField(_("arguments"), default=dict, blank=True)
    # As rendered when sent (in the default language): shown when the kind is no longer known.
    text = models.CharField(_("text"), max_length=500, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        # The badge counts a user's unread notices on every page: one index-only count.
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self):
        return self.rendered()

    def rendered(self) -> str:
        from fieldcrm.notices.kinds import render

        return render(self.kind, self.args) or self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
