"""The run log of imports made in the browser."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """One spreadsheet import: staged for preview, then committed (or abandoned)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        PREVIEWED = "previewed", _("Previewed")
        CONFIRMED = "confirmed", _("Waiting to be written")
        WRITING = "writing", _("Writing")
        COMMITTED = "committed", _("Imported")
        NOTHING_WRITTEN = "nothing", _("Nothing written")
        FAILED = "failed", _("Failed")

    # A job works on the run in these states; the page shows its progress and polls.
    WORKING = (Status.QUEUED, Status.CHECKING, Status.CONFIRMED, Status.WRITING)

    kind = models.CharField(_("kind"), max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    staged_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict)
    valid_only = models.BooleanField(_("valid rows only"), default=False)
    language = models.CharField(max_length=10, default="zh-hans")  # of the uploader: the job's messages
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.file_name}"

    @property
    def working(self) -> bool:
        return self.status in self.WORKING
