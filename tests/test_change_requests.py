"""Change requests routed to the owning department, direct edits, stale-edit refusal, history."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from fieldcrm.customers import actions
from fieldcrm.customers.fields import PROFILE_FIELDS
from fieldcrm.customers.models import ChangeRequest, ClassificationChange, Customer, FieldPolicy
from fieldcrm.errors import ActionRefused, InvalidInput, StaleVersion
from tests.factories import make_customer


@pytest.fixture
def shop(cast):
    return make_customer(cast["alice"], phone="13912345678")


def test_phone_change_goes_to_customer_service_and_updates_on_approval(cast, shop):
    request = actions.propose_change(shop, "phone", "+86 138-0000-1111", by=cast["alice"], reason="换号了")
    assert request.department.kind == "service"
    assert request.old_value == "13912345678"
    assert request.new_value == "13800001111"
    shop.refresh_from_db()
    assert shop.phone == "13912345678"  # nothing changes before approval

    actions.approve_change_request(request, by=cast["dora"], note="电话核实")
    shop.refresh_from_db()
    assert shop.phone == "13800001111"
    assert shop.phone_verified_by == cast["alice"]  # the manager checked it in the store
    latest = shop.history.latest()
    assert latest.history_change_reason == "change_request"
    assert latest.history_user == cast["dora"]
    assert shop.history.count() == 2
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.APPROVED
    assert request.decided_by == cast["dora"]


def test_rejection_needs_a_reason_and_keeps_profile(cast, shop):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    with pytest.raises(InvalidInput):
        actions.reject_change_request(request, by=cast["dora"], note=" ")
    actions.reject_change_request(request, by=cast["dora"], note="号码无法接通")
    shop.refresh_from_db()
    assert shop.phone == "13912345678"
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (ChangeRequest.Status.REJECTED, "号码无法接通")
    with pytest.raises(ActionRefused):
        actions.approve_change_request(request, by=cast["dora"])


def test_manager_sees_outcome_on_profile_page(cast, shop, login):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    actions.reject_change_request(request, by=cast["dora"], note="号码无法接通")
    page = login(cast["alice"]).get(reverse("customers:detail", args=[shop.customer_code])).content.decode()
    assert "号码无法接通" in page


def test_invalid_value_is_refused_with_reason(cast, shop):
    with pytest.raises(InvalidInput) as refused:
        actions.propose_change(shop, "phone", "12345", by=cast["alice"])
    assert refused.value.field == "new_value" and str(refused.value).startswith(str(PROFILE_FIELDS["phone"].label))
    assert not ChangeRequest.objects.exists()


def test_same_value_is_refused(cast, shop):
    with pytest.raises(InvalidInput):
        actions.propose_change(shop, "phone", "139 1234 5678", by=cast["alice"])


def test_manager_editable_field_is_saved_at_once(cast, shop):
    assert actions.propose_change(shop, "business_hours", "07:30-22:00", by=cast["alice"]) is None
    shop.refresh_from_db()
    assert shop.business_hours == "07:30-22:00"
    assert shop.history.latest().history_change_reason == "edit"
    assert not ChangeRequest.objects.exists()


def test_routing_is_configurable_per_field(cast, shop):
    FieldPolicy.objects.filter(field="phone").update(manager_editable=True)
    assert actions.propose_change(shop, "phone", "13800001111", by=cast["alice"]) is None
    shop.refresh_from_db()
    assert shop.phone == "13800001111"
    assert shop.phone_verified_by == cast["alice"]


def test_repeated_submission_does_not_duplicate(cast, shop):
    key = uuid.uuid4()
    first = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"], client_uuid=key)
    again = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"], client_uuid=key)
    same_value = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    assert first.pk == again.pk == same_value.pk
    assert ChangeRequest.objects.count() == 1


def test_second_save_on_stale_version_is_refused(cast, shop, login):
    opened_version = shop.version
    actions.propose_change(shop, "business_hours", "07:00-21:00", by=cast["alice"], expected_version=opened_version)
    with pytest.raises(StaleVersion):
        actions.propose_change(shop, "business_hours", "08:00-20:00", by=cast["sam"], expected_version=opened_version)
    shop.refresh_from_db()
    assert shop.business_hours == "07:00-21:00"


def test_stale_edit_shows_clear_message_on_page(cast, shop, login):
    client_a, client_b = login(cast["alice"]), login(cast["sam"])
    url = reverse("customers:propose", args=[shop.customer_code])
    form = {"field": "business_hours", "new_value": "07:00-21:00", "version": shop.version}
    client_a.post(url, form)
    response = client_b.post(url, {**form, "new_value": "08:00-20:00"}, follow=True)
    assert "Someone else saved this profile" in response.content.decode() or "其他人" in response.content.decode()
    shop.refresh_from_db()
    assert shop.business_hours == "07:00-21:00"


def test_approval_refused_when_field_changed_meanwhile(cast, shop):
    first = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    second = actions.propose_change(shop, "phone", "13800002222", by=cast["sam"])
    actions.approve_change_request(first, by=cast["dora"])
    with pytest.raises(ActionRefused):
        actions.approve_change_request(second, by=cast["dora"])
    shop.refresh_from_db()
    assert shop.phone == "13800001111"


def test_tier_history_answers_tier_on_a_date(cast, shop):
    start = timezone.now()
    with time_machine.travel(start + timedelta(days=10)):
        request = actions.propose_change(shop, "tier", "15", by=cast["alice"], reason="销量上升")
        assert request.department.kind == "marketing"
        marketing = cast["company"].departments.get(kind="marketing")
        staff = cast["dora"]
        staff.department = marketing
        staff.save()
        actions.approve_change_request(request, by=staff)
    log = ClassificationChange.objects.get(customer=shop, field="tier")
    assert (log.old_value, log.new_value, log.reason) == ("12", "15", "销量上升")
    before = shop.history.as_of(start + timedelta(days=5))
    after = shop.history.as_of(start + timedelta(days=11))
    assert (before.tier, after.tier) == (12, 15)
    assert shop.classification_on("tier", start + timedelta(days=5)) == "12"
    assert shop.classification_on("tier", start + timedelta(days=11)) == "15"
    assert shop.classification_on("customer_class", start) == ""


def test_verify_marks_fields_checked_today(cast, shop, login):
    old = timezone.now() - timedelta(days=400)
    Customer.objects.filter(pk=shop.pk).update(phone_verified_at=old)
    assert Customer.objects.stale("phone").filter(pk=shop.pk).exists()
    login(cast["alice"]).post(reverse("customers:verify", args=[shop.customer_code]), {"fields": ["phone"]})
    shop.refresh_from_db()
    assert shop.phone_verified_by == cast["alice"]
    assert not Customer.objects.stale("phone").filter(pk=shop.pk).exists()


def test_department_inbox_approve_via_page(cast, shop, login):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    client = login(cast["dora"])
    inbox = client.get(reverse("customers:requests")).content.decode()
    assert shop.name in inbox and "13800001111" in inbox
    client.post(reverse("customers:decide", args=[request.pk]), {"decision": "approve"})
    shop.refresh_from_db()
    assert shop.phone == "13800001111"


def test_reject_via_page_without_note_is_refused(cast, shop, login):
    request = actions.propose_change(shop, "phone", "13800001111", by=cast["alice"])
    login(cast["dora"]).post(reverse("customers:decide", args=[request.pk]), {"decision": "reject"})
    request.refresh_from_db()
    assert request.status == ChangeRequest.Status.PENDING


def test_double_submitted_form_files_one_request(cast, shop, login):
    client = login(cast["alice"])
    page = client.get(reverse("customers:detail", args=[shop.customer_code])).content.decode()
    key = page.split('name="client_uuid" value="')[1].split('"')[0]
    form = {"field": "phone", "new_value": "13800001111", "version": shop.version, "client_uuid": key}
    url = reverse("customers:propose", args=[shop.customer_code])
    client.post(url, form)
    client.post(url, form)
    assert ChangeRequest.objects.count() == 1
