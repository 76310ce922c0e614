"""Storing a photo as received: checked (size, format by content), hashed, never altered afterwards.

A phone queues photos offline and replays them by `client_uuid`: the same uuid with the same bytes returns
the photo already stored; the same uuid with other bytes is a conflict (409), never an overwrite.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from fieldcrm.errors import ActionRefused, InvalidInput, TooLarge
from fieldcrm.photos import serving
from fieldcrm.photos.models import Photo

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# Photos queued offline arrive within days; an older time is a wrong clock.
TAKEN_AT_MAX_AGE = timedelta(days=30)
# A phone photo has at most a few tens of megapixels; a small file declaring more (a "decompression bomb")
# would take gigabytes to rebuild on download.
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG": (Photo.Format.JPEG, "jpg"), "PNG": (Photo.Format.PNG, "png"), "WEBP": (Photo.Format.WEBP, "webp")}


def _read(upload) -> bytes:
    limit = settings.PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise TooLarge(_("The photo is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(_("The photo is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)})
    if not data:
        raise InvalidInput(_("The photo file is empty."), field="file")
    return data


def image_format(data: bytes) -> tuple[str, str]:
    """(content type, extension) of a JPEG, PNG or WebP image, judged by its content, not its name."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(_("The file is not a readable image."), field="file") from None
    if kind not in FORMATS:
        raise InvalidInput(_("Send a JPEG, PNG or WebP photo."), field="file")
    if width * height > MAX_PIXELS:
        raise InvalidInput(_("The photo has too many pixels; send it at its phone size."), field="file")
    return FORMATS[kind]


def _taken_at(value):
    now = timezone.now()
    if timezone.is_naive(value):
        raise InvalidInput(_("The time the photo was taken needs a time zone."), field="taken_at")
    if value > now + CLOCK_SKEW:
        raise InvalidInput(_("The time the photo was taken cannot be in the future."), field="taken_at")
    if value < now - TAKEN_AT_MAX_AGE:
        raise InvalidInput(_("The time the photo was taken cannot be more than %(days)s days ago.")
                           % {"days": TAKEN_AT_MAX_AGE.days}, field="taken_at")
    return value


def _position(latitude, longitude):
    if (latitude is None) != (longitude is None):
        raise InvalidInput(_("Send both latitude and longitude, or neither."), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(_("The position is not a valid WGS-84 point."), field="latitude")


def _replayed(client_uuid, owner, digest: str) -> Photo | None:
    existing = Photo.objects.filter(client_uuid=client_uuid).first()
    if existing is None:
        return None
    same_owner = (existing.owner_type_id == ContentType.objects.get_for_model(owner).pk
                  and existing.owner_id == owner.pk)
    if not same_owner or existing.sha256 != digest:
        raise ActionRefused(_("This submission id was already used for a different photo."))
    return existing


def store_photo(owner, *, upload, client_uuid, taken_at, by, latitude=None, longitude=None,
                still_open=None) -> tuple[Photo, bool]:
    """Keep `upload` (a Django UploadedFile) as a photo of `owner`; (photo, created). The caller has checked
    that `by` may attach photos to `owner`; `still_open(owner)` (the owner's `check_open`) refuses a new photo
    on a closed record, after a replay has been answered."""
    data = _read(upload)
    digest = hashlib.sha256(data).hexdigest()
    existing = _replayed(client_uuid, owner, digest)
    if existing is not None:
        return existing, False
    if still_open is not None:
        still_open(owner)
    content_type, extension = image_format(data)
    taken_at = _taken_at(taken_at)
    _position(latitude, longitude)
    try:  # decoded once, whole: what cannot be shown is refused now, not answered with a 500 on download
        clean = serving.clean_copy(data, content_type)
    except serving.UNDECODABLE:
        raise InvalidInput(_("The file is not a readable image."), field="file") from None
    photo = Photo(client_uuid=client_uuid, owner=owner, sha256=digest, size=len(data), content_type=content_type,
                  taken_at=taken_at, latitude=latitude, longitude=longitude, uploaded_by=by)
    photo.file.save(f"photo.{extension}", ContentFile(data), save=False)
    serving.keep_clean_copy(photo, data, clean)
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        photo.file.delete(save=False)
        photo.shown.delete(save=False)
        # Two uploads of the same uuid raced; the first one won (or it was a different photo: 409).
        existing = _replayed(client_uuid, owner, digest)
        if existing is None:
            raise
        return existing, False
    return photo, True
