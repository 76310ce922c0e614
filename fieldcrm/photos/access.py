"""Looking up a photo for a user: through its owner's registered rule (photos/registry.py). 404 for anyone
who may not see the owner; each opening is reported to the owner (evidence keeps a log of who saw it)."""

from __future__ import annotations

from fieldcrm.lib.ids import one_or_404
from fieldcrm.photos.models import Photo
from fieldcrm.photos.registry import PhotoOwner, owner_kind, owners


def _owner_kind(photo: Photo) -> PhotoOwner:
    model = photo.owner_type.model_class()
    return next(owner for owner in owners() if owner.model is model)


def get_photo_for_user(user, pk) -> Photo:
    """The photo if the user may see its owner (else 404); the owner logs that the user opened it."""
    photo = one_or_404(Photo.objects.visible_to(user).select_related("owner_type", "uploaded_by"), pk,
                       "No such photo")
    kind = _owner_kind(photo)
    owner = kind.lookup(user, photo.owner_id)
    kind.opened(user, owner, photo)
    return photo


def get_owner_to_attach(user, owner_type: str, owner_id: int) -> tuple[PhotoOwner, object]:
    """(owner kind, the object a new photo is for): 404 if the user does not see it, 403 if they may not add
    to it."""
    kind = owner_kind(owner_type)
    return kind, kind.lookup(user, owner_id, for_change=True)
