"""notify(): the one way to send a notice (fieldcrm/notices/__init__.py documents it)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from fieldcrm.notices.kinds import render
from fieldcrm.notices.models import Notice
from fieldcrm.notices.senders import get_sender

log = logging.getLogger(__name__)
TEXT_MAX = Notice._meta.get_field("text").max_length or 500


def _recipient_ids(recipients) -> list[int]:
    if recipients is None:
        return []
    if not isinstance(recipients, Iterable):
        recipients = [recipients]
    ids: list[int] = []
    for user in recipients:
        if user is not None and user.is_active and user.pk not in ids:
            ids.append(user.pk)
    return ids


def notify(recipients, kind: str, *, args: dict | None = None, link: str = "") -> None:
    """Notify the recipients once the current transaction commits (at once outside one)."""
    if kind not in Notice.Kind.values:
        raise ValueError(f"unknown notice kind {kind!r}")
    ids = _recipient_ids(recipients)
    if not ids:
        return
    args = {key: value if isinstance(value, int | float | bool) or value is None else str(value)
            for key, value in (args or {}).items()}
    # robust: a failing sender is logged, the committed action stands.
    transaction.on_commit(lambda: _deliver(ids, kind, args, link), robust=True)


def _deliver(ids: list[int], kind: str, args: dict, link: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = render(kind, args)[:TEXT_MAX]
    notices = Notice.objects.bulk_create(
        [Notice(recipient_id=pk, kind=kind, args=args, text=text, link=link) for pk in ids])
    try:
        get_sender().send(notices)
    except Exception:
        log.exception("Sending %s notices failed; they are in the in-app inbox", kind)


def mark_read(notice: Notice, now=None) -> Notice:
    """Idempotent: a notice read before keeps its first reading time (a replayed tap changes nothing)."""
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def mark_all_read(user, now=None) -> int:
    return Notice.objects.for_user(user).unread().update(read_at=now or timezone.now())
