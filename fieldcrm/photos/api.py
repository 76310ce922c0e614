"""Photo endpoints (/api/v1/photos): upload (multipart), metadata, and the download of a copy without EXIF.
Who may attach to and see a photo is its owner's rule (photos/registry.py); every opening is logged by the
owner."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from fieldcrm.photos import actions, serving
from fieldcrm.photos.access import get_owner_to_attach, get_photo_for_user
from fieldcrm.photos.models import Photo
from fieldcrm.photos.registry import kind_of
from fieldcrm.schemas import Id, InputSchema, refusals

router = Router(tags=["photos"])


class PhotoOut(Schema):
    id: int
    client_uuid: UUID
    owner_type: str
    owner_id: int
    sha256: str = Field(description="SHA-256 of exactly the bytes received")
    size: int
    content_type: str
    taken_at: datetime
    latitude: float | None
    longitude: float | None
    uploaded_by: str = Field(alias="uploaded_by.username")
    uploaded_at: datetime
    url: str = Field(description="download: a copy without EXIF, for those who may see the owner")

    @staticmethod
    def resolve_owner_type(obj) -> str:
        return kind_of(obj.owner_type.model_class()).code

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("api:photo_file", args=[obj.pk])


class PhotoIn(InputSchema):
    client_uuid: UUID
    owner_type: str = Field(max_length=40, description="what the photo is evidence of: `market_report` or `visit`")
    owner_id: Id
    taken_at: datetime = Field(description="when the phone took it")
    latitude: float | None = Field(None, ge=-90, le=90, description="where the phone was (WGS-84)")
    longitude: float | None = Field(None, ge=-180, le=180)


@router.post("/photos", response=refusals({200: PhotoOut, 201: PhotoOut}, 413))
def upload_photo(request, payload: Form[PhotoIn], file: File[UploadedFile]):
    """Store a photo as received (JPEG, PNG or WebP, up to PHOTO_MAX_MB). The same `client_uuid` again: 200
    with the photo already stored; with a different file: 409."""
    kind, owner = get_owner_to_attach(request.user, payload.owner_type, payload.owner_id)
    photo, created = actions.store_photo(owner, upload=file, client_uuid=payload.client_uuid,
                                         taken_at=payload.taken_at, latitude=payload.latitude,
                                         longitude=payload.longitude, by=request.user, still_open=kind.check_open)
    return Status(201 if created else 200, Photo.objects.select_related("owner_type", "uploaded_by").get(pk=photo.pk))


@router.get("/photos/{pk}", response=refusals({200: PhotoOut}))
def get_photo(request, pk: Id):
    return get_photo_for_user(request.user, pk)


@router.get("/photos/{pk}/file", url_name="photo_file", response=refusals({200: None}))
def photo_file(request, pk: Id):
    """The photo without EXIF (no position, no device); the stored original keeps its SHA-256."""
    photo = get_photo_for_user(request.user, pk)
    response = HttpResponse(serving.without_metadata(photo), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    extension = photo.content_type.split("/")[1].replace("jpeg", "jpg")
    response["Content-Disposition"] = f'inline; filename="photo-{photo.pk}.{extension}"'
    return response
