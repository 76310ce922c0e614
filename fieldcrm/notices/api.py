"""Notices endpoints (/api/v1/notices): the user's own notices only (anyone else's: 404)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema

from fieldcrm.notices import actions
from fieldcrm.notices.access import get_notice_for_user
from fieldcrm.notices.models import Notice
from fieldcrm.schemas import Id, InputSchema, Offset, refusals

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: Notice.Kind
    text: str = Field(description="in the reader's language")
    args: dict
    link: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_text(obj):
        return obj.rendered()


class NoticeFilters(InputSchema):
    unread: bool | None = Field(None, description="true: unread notices only")
    limit: int = Field(50, ge=1, le=500)
    offset: Offset = 0


@router.get("/notices", response=list[NoticeOut])
def list_notices(request, filters: Query[NoticeFilters]):
    """The user's notices, latest first."""
    notices = Notice.objects.for_user(request.user)
    if filters.unread is not None:
        notices = notices.filter(read_at__isnull=filters.unread)
    return list(notices[filters.offset:filters.offset + filters.limit])


@router.post("/notices/{pk}/read", response=refusals({200: NoticeOut}))
def read_notice(request, pk: Id):
    """Mark a notice read; again on a read notice changes nothing (a replay is harmless)."""
    return actions.mark_read(get_notice_for_user(request.user, pk))
