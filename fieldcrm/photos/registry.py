"""Who may see and attach photos, per owner kind: filled by the owning apps from `AppConfig.ready()`.

The photos app imports no owner; an owner registers a `PhotoOwner` with its code (the API's `owner_type`),
its model, the rows a user may see, the 404/403 lookup for attaching (`for_change=True`) and a hook called
each time one of its photos is opened (evidence keeps a log of who saw it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404


def _nothing(user, owner, photo) -> None:
    return None


@dataclass(frozen=True)
class PhotoOwner:
    code: str
    model: type
    visible: Callable[[Any], Any]  # user -> the owner queryset the user may see
    lookup: Callable[..., Any]  # (user, pk, *, for_change) -> the owner, or 404/403
    opened: Callable[[Any, Any, Any], None] = _nothing  # (user, owner, photo): a photo was opened
    # May the owner still take photos (a decided report is closed evidence)? Refuses with a Refusal.
    check_open: Callable[[Any], None] = lambda owner: None


_OWNERS: dict[str, PhotoOwner] = {}


def register(owner: PhotoOwner) -> None:
    _OWNERS[owner.code] = owner


def owners() -> list[PhotoOwner]:
    return list(_OWNERS.values())


def codes() -> list[str]:
    return sorted(_OWNERS)


def owner_kind(code: str) -> PhotoOwner:
    try:
        return _OWNERS[code]
    except KeyError:
        raise Http404("No such owner type") from None


def kind_of(model_class) -> PhotoOwner:
    for owner in _OWNERS.values():
        if owner.model is model_class:
            return owner
    raise LookupError(f"{model_class} does not own photos")
