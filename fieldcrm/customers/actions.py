"""Every change to a customer profile goes through these functions: pages, API, imports and jobs alike.

Each is atomic, writes the profile history with its source, logs tier/class changes, and refuses a save
based on a stale version of the profile.
"""

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldcrm.customers.fields import PROFILE_FIELDS, parse_field
from fieldcrm.customers.models import (
    VOLATILE_FIELDS,
    AppliedChange,
    ChangeRequest,
    ClassificationChange,
    Customer,
    FieldPolicy,
)
from fieldcrm.errors import ActionRefused, InvalidInput, StaleVersion
from fieldcrm.lib.cleaning import CleanError
from fieldcrm.notices import notify


def stale_profile() -> StaleVersion:
    return StaleVersion(
        _("Someone else saved this profile after you opened it. Reload it, check their change, and try again.")
    )


def classification_text(attr: str, value) -> str:
    if value is None:
        return ""
    if attr == "customer_class":
        return value.name
    return str(value)


def log_classification(customer, attr, old, new, *, by, source, reason="", at=None):
    return ClassificationChange(
        customer=customer,
        field=attr,
        old_value=classification_text(attr, old),
        new_value=classification_text(attr, new),
        changed_at=at or timezone.now(),
        source=source,
        reason=reason[:200],
        changed_by=by,
    )


def update_customer(
    customer: Customer, changes: dict, *, by, source: str, expected_version=None, reason="", verified_by=None
):
    """Apply attribute changes to a profile in one transaction.

    `expected_version` is the version the user's form was based on; when given and stale the update is
    refused with StaleVersion. Changed volatile fields are marked verified by `verified_by` (default `by`).
    """
    verified_by = verified_by or by
    with transaction.atomic():
        version = customer.version if expected_version is None else int(expected_version)
        # The conditional bump is the lock: only one writer can move the version from N to N+1.
        bumped = Customer.objects.filter(pk=customer.pk, version=version).update(version=F("version") + 1)
        if not bumped:
            raise stale_profile()
        fresh = Customer.objects.select_related("customer_class").get(pk=customer.pk)
        now = timezone.now()
        logs = []
        for attr, new in changes.items():
            old = getattr(fresh, attr)
            if attr in ("tier", "customer_class") and old != new:
                logs.append(log_classification(fresh, attr, old, new, by=by, source=source, reason=reason, at=now))
            setattr(fresh, attr, new)
        if verified_by is not None:
            for field in VOLATILE_FIELDS:
                if field in changes:
                    setattr(fresh, f"{field}_verified_at", now)
                    setattr(fresh, f"{field}_verified_by", verified_by)
        fresh.updated_at = now
        fresh.search_text = fresh.build_search_text()
        fresh._change_reason = source
        fresh._history_user = by
        fresh.save()
        ClassificationChange.objects.bulk_create(logs)
    return fresh


def verify_fields(customer: Customer, fields, *, by):
    """The manager confirms in the field that these volatile fields are still right."""
    fields = [f for f in fields if f in VOLATILE_FIELDS]
    if not fields:
        return customer
    now = timezone.now()
    values = {}
    for field in fields:
        values[f"{field}_verified_at"] = now
        values[f"{field}_verified_by"] = by
    Customer.objects.filter(pk=customer.pk).update(**values)
    for name, value in values.items():
        setattr(customer, name, value)
    return customer


def policy_for(company, field: str) -> FieldPolicy | None:
    return FieldPolicy.objects.select_related("department").filter(company=company, field=field).first()


def is_manager_editable(company, field: str) -> bool:
    policy = policy_for(company, field)
    return policy is not None and policy.manager_editable


def propose_change(customer, field, new_text, *, by, reason="", client_uuid=None, expected_version=None):
    """A manager proposes a new value for one field.

    Manager-editable fields are applied at once (returns None); others become a ChangeRequest routed to
    the owning department. A repeated submission (same client id, or the same pending proposal) returns
    the existing request instead of a duplicate.
    """
    if field not in PROFILE_FIELDS:
        raise InvalidInput(_("This field cannot be changed here."), field="field")
    try:
        attrs = parse_field(field, new_text, customer.company)
    except CleanError as exc:
        raise InvalidInput(_("%(field)s: %(error)s") % {"field": PROFILE_FIELDS[field].label, "error": exc},
                           field="new_value") from exc
    canonical = _canonical_text(customer, field, attrs)
    old_text = PROFILE_FIELDS[field].text(customer)
    if client_uuid:
        existing = ChangeRequest.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            return existing
        if AppliedChange.objects.filter(client_uuid=client_uuid, customer=customer).exists():
            return None  # a resend of an edit already saved: answer as the first time
    if canonical == old_text:
        raise InvalidInput(_("The proposed value is the same as the current one."), field="new_value")
    policy = policy_for(customer.company, field)
    if policy is not None and policy.manager_editable:
        try:
            with transaction.atomic():
                update_customer(customer, attrs, by=by, source="edit", expected_version=expected_version,
                                reason=reason)
                if client_uuid:
                    AppliedChange.objects.create(client_uuid=client_uuid, customer=customer, field=field,
                                                 new_value=canonical, applied_by=by)
        except IntegrityError:
            # The same client id raced in twice, or was already used for another store: refuse the second.
            if AppliedChange.objects.filter(client_uuid=client_uuid, customer=customer).exists():
                return None
            raise InvalidInput(_("This request id was already used."), field="client_uuid") from None
        return None
    if policy is None or policy.department_id is None:
        raise ActionRefused(_("No department is set to review this field; ask an administrator."))
    duplicate = ChangeRequest.objects.pending().filter(
        customer=customer, field=field, new_value=canonical, proposed_by=by
    ).first()
    if duplicate is not None:
        return duplicate
    try:
        with transaction.atomic():
            return ChangeRequest.objects.create(
                customer=customer,
                field=field,
                old_value=old_text,
                new_value=canonical,
                reason=reason[:200],
                department=policy.department,
                proposed_by=by,
                client_uuid=client_uuid or uuid.uuid4(),
            )
    except IntegrityError:
        # Two identical submissions raced; the first one won.
        return ChangeRequest.objects.get(client_uuid=client_uuid)


def _canonical_text(customer, field, attrs) -> str:
    """The text form of parsed attributes, computed the same way as for the current value."""
    probe = Customer(company=customer.company)
    for name in ("longitude", "latitude", "opens_at", "closes_at", "customer_class", "territory"):
        setattr(probe, name, getattr(customer, name))
    for name, value in attrs.items():
        setattr(probe, name, value)
    return PROFILE_FIELDS[field].text(probe)


def approve_change_request(change_request: ChangeRequest, *, by, note=""):
    with transaction.atomic():
        change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if change_request.status != ChangeRequest.Status.PENDING:
            raise ActionRefused(_("This request has already been decided."))
        customer = Customer.objects.select_related("company", "customer_class", "territory").get(
            pk=change_request.customer_id
        )
        current = PROFILE_FIELDS[change_request.field].text(customer)
        if current != change_request.old_value:
            raise ActionRefused(
                _("The field has changed since this request was made (now “%(current)s”). Reject it and ask "
                  "for a new request.") % {"current": current}
            )
        attrs = parse_field(change_request.field, change_request.new_value, customer.company)
        update_customer(
            customer,
            attrs,
            by=by,
            verified_by=change_request.proposed_by,
            source="change_request",
            reason=change_request.reason,
        )
        _decide(change_request, ChangeRequest.Status.APPROVED, by, note)
    return change_request


def reject_change_request(change_request: ChangeRequest, *, by, note: str):
    if not note.strip():
        raise InvalidInput(_("Give the reason for rejecting, so the manager knows what to do."), field="note")
    with transaction.atomic():
        change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if change_request.status != ChangeRequest.Status.PENDING:
            raise ActionRefused(_("This request has already been decided."))
        _decide(change_request, ChangeRequest.Status.REJECTED, by, note)
    return change_request


def withdraw_change_request(change_request: ChangeRequest, *, by):
    with transaction.atomic():
        change_request = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if change_request.status != ChangeRequest.Status.PENDING:
            raise ActionRefused(_("This request has already been decided."))
        if change_request.proposed_by_id != by.pk:
            raise ActionRefused(_("Only the person who proposed a change can withdraw it."))
        _decide(change_request, ChangeRequest.Status.WITHDRAWN, by, "")
    return change_request


def _decide(change_request, status, by, note):
    change_request.status = status
    change_request.decided_by = by
    change_request.decided_at = timezone.now()
    change_request.decision_note = note[:200]
    change_request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if status in (ChangeRequest.Status.APPROVED, ChangeRequest.Status.REJECTED):
        # The proposer hears the decision (in-app notice, sent when the decision commits).
        notify(change_request.proposed_by, "change_request_decided",
               args={"decision": status, "customer": change_request.customer.name,
                     "field": str(PROFILE_FIELDS[change_request.field].label)},
               link=reverse("customers:detail", args=[change_request.customer.customer_code]))
