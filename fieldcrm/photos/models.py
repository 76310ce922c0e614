"""Evidence photos taken in the field, attached to any record (a market report now, a visit next).

The owner is a generic relation (contenttypes), so this app sits low in the layers and knows none of its
owners: each owning app registers in `registry.py` who may see and attach its photos. The file is stored as
received, with the SHA-256 of exactly those bytes; it lives under DATA_DIR (MEDIA_ROOT), which is never
served as public media — downloads go through the API, which checks the owner and serves the copy without
EXIF made at upload (`serving.py`). Time and position come from the phone's own fields, not from EXIF.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Photos whose owner the user may see, each owner kind by its own registered rule."""
        from fieldcrm.photos.registry import owners

        seen = Q(pk__in=[])
        for owner in owners():
            kind = ContentType.objects.get_for_model(owner.model)
            seen |= Q(owner_type=kind, owner_id__in=owner.visible(user).values("pk"))
        return self.filter(seen)

    def of(self, obj):
        return self.filter(owner_type=ContentType.objects.get_for_model(obj), owner_id=obj.pk)


def _photo_path(photo, filename) -> str:
    # The name the phone sent is not kept in the path: the uuid is unique and carries nothing of the user's.
    return f"photos/{timezone.now():%Y/%m}/{photo.client_uuid}{filename[filename.rfind('.'):]}"


def _shown_path(photo, filename) -> str:
    return f"photos/{timezone.now():%Y/%m}/{photo.client_uuid}-shown{filename[filename.rfind('.'):]}"


class Photo(models.Model):
    class Format(models.TextChoices):
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        WEBP = "image/webp", "WebP"

    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.PositiveBigIntegerField()
    owner = GenericForeignKey("owner_type", "owner_id")
    file = models.FileField(upload_to=_photo_path, max_length=200, editable=False)
    # The copy users download (pixels only, no EXIF), made once when the photo arrived (serving.py): a download
    # never decodes an image again. Empty for photos stored before it was kept; made on their first download.
    shown = models.FileField(upload_to=_shown_path, max_length=200, blank=True, editable=False)
    sha256 = models.CharField(_("SHA-256 of the file received"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    content_type = models.CharField(_("format"), max_length=20, choices=Format.choices, editable=False)
    taken_at = models.DateTimeField(_("taken at"))
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    db_index=False, verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["taken_at", "pk"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self):
        return f"{self.client_uuid} ({self.content_type})"
