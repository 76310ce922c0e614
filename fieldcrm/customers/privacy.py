"""PIPL: the personal data of retailers who left the business is anonymised once enough time has passed.

Who: a customer whose status is closed or revoked, whose licence (when its expiry is known) ended before the
cut-off, and about whom no profile change was recorded since the cut-off (the history has every write path:
edits, change requests, imports) — so a store closed last month is never touched, whatever its old data say.
The cut-off is `ANONYMISE_AFTER_DAYS` (default 3 years) before now.

What: the owner's name (replaced by ANONYMISED), the phone, the address, the exact position (a store at
home pinpoints a person) and the owner's birthday, with when/who verified them; the same fields in every
history row of the customer; the old/new values of its change requests and applied changes for those
fields. Kept, as business data: the customer code, the store's name, the licence number (it identifies the
licensed business, not a person, and keys the business register), format, class, tier, territory, manager,
dates and status — so sales, orders and visits stay keyed by code and countable. Free text written about a
store (visit notes, opinions, needs, market reports) is not scanned.

Higher apps that keep personal data of a customer (care's outbox keeps the phone a message went to) add
their own step with `register` in their AppConfig.ready(); customers imports none of them.

Idempotent: an anonymised customer no longer qualifies (its owner is ANONYMISED), and a second run changes
nothing. Run daily by Celery beat (`anonymise_customers_job`) and by `manage.py anonymise_customers`."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from fieldcrm.customers.models import AppliedChange, ChangeRequest, Customer, CustomerStatus

ANONYMISED = "已匿名"
REASON = "anonymised"
# The personal fields and what they become; the verified stamps of the volatile ones go with them.
PERSONAL = {
    "owner_name": ANONYMISED,
    "phone": "",
    "address": "",
    "longitude": None,
    "latitude": None,
    "owner_birthday": None,
}
VERIFIED = [f"{name}_{part}" for name in ("owner_name", "phone", "address") for part in ("verified_at", "verified_by")]
# Change-request field names that carry personal values (profile field names; "location" is lon,lat).
PERSONAL_REQUEST_FIELDS = ["owner_name", "phone", "address", "location", "longitude", "latitude", "owner_birthday"]
ENDED = [CustomerStatus.CLOSED, CustomerStatus.REVOKED]

_steps: list[Callable[[list[int]], int]] = []


def register(step: Callable[[list[int]], int]) -> None:
    """A higher app's anonymisation step: called with a batch of customer ids, returns the rows it changed."""
    if step not in _steps:
        _steps.append(step)


@dataclass
class Outcome:
    cutoff: datetime
    customers: list[str] = field(default_factory=list)  # codes
    rows: dict[str, int] = field(default_factory=dict)  # table → rows changed
    dry_run: bool = False


def cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.ANONYMISE_AFTER_DAYS)


def due(now: datetime | None = None):
    """The customers whose personal data is due to be anonymised."""
    edge = cutoff(now)
    changed_since = Customer.history.model.objects.filter(id=OuterRef("pk"), history_date__gte=edge)
    return (
        Customer.objects.filter(status__in=ENDED)
        .filter(Q(license_expiry__isnull=True) | Q(license_expiry__lt=timezone.localdate(edge)))
        .exclude(owner_name=ANONYMISED)
        .exclude(Exists(changed_since))
        .order_by("pk")
    )


def anonymise_due(now: datetime | None = None, *, dry_run=False, batch=500) -> Outcome:
    """Anonymise every customer `due` now, in batches (each its own transaction)."""
    now = now or timezone.now()
    outcome = Outcome(cutoff=cutoff(now), dry_run=dry_run)
    ids_codes = list(due(now).values_list("pk", "customer_code"))
    outcome.customers = [code for _, code in ids_codes]
    if dry_run:
        return outcome
    for start in range(0, len(ids_codes), batch):
        ids = [pk for pk, _ in ids_codes[start:start + batch]]
        for table, count in anonymise(ids).items():
            outcome.rows[table] = outcome.rows.get(table, 0) + count
    return outcome


@transaction.atomic
def anonymise(ids: list[int]) -> dict[str, int]:
    """Blank the personal fields of these customers everywhere they are kept. Writes with UPDATE, not
    save(): anonymising is not a profile change to record in the history (whose old rows it cleans)."""
    blank = {**PERSONAL, **dict.fromkeys(VERIFIED)}
    rows = {}
    rows["customer"] = Customer.objects.filter(pk__in=ids).update(**blank, search_text="")
    for customer in Customer.objects.filter(pk__in=ids).only(*["pk", "customer_code", "name", "license_no"]):
        Customer.objects.filter(pk=customer.pk).update(search_text=customer.build_search_text())
    history_blank = {name: value for name, value in blank.items() if name in _history_fields()}
    rows["customer history"] = Customer.history.model.objects.filter(id__in=ids).update(**history_blank)
    rows["change request"] = ChangeRequest.objects.filter(
        customer_id__in=ids, field__in=PERSONAL_REQUEST_FIELDS
    ).update(old_value="", new_value="")
    rows["applied change"] = AppliedChange.objects.filter(
        customer_id__in=ids, field__in=PERSONAL_REQUEST_FIELDS
    ).update(new_value="")
    for step in _steps:
        rows[step.__qualname__] = step(ids)
    return rows


def _history_fields() -> set[str]:
    return {f.attname for f in Customer.history.model._meta.concrete_fields} | {
        f.name for f in Customer.history.model._meta.concrete_fields
    }
