"""Issue 10 item 3, "capture at the store", on the phone at 360×740 with a faked position: a visit with a
price seen (and its margin hint), the store's profit situation, two photos and two profile changes — one
sent online (the phone field: a request for customer service), one offline (the location, "use my current
position": applied at once). Back online the outbox sends the visit first and its photos with the visit's
server id; the first photo's answer is lost and resent with the same client_uuid. On the server: exactly one
visit, two photos with their SHA-256 and the visit as owner, one change request and the applied position."""

import hashlib

import pytest
from django.utils import timezone
from PIL import Image

from tests.e2e.phone import log_in, phone_context, shot, wait_sync
from tests.factories import CENTRE, image_bytes, make_customer, make_sku

pytestmark = pytest.mark.browser
HERE = {"latitude": CENTRE[0] + 0.0003, "longitude": CENTRE[1] + 0.0002}


def planned_store(alice):
    from fieldcrm.lib.periods import week_start
    from fieldcrm.visits.models import PlannedVisit, WeekPlan

    store = make_customer(alice, name="老王烟酒店", latitude=CENTRE[0], longitude=CENTRE[1])
    day = timezone.localdate()
    plan = WeekPlan.objects.create(manager=alice, week_start=week_start(day),
                                   status=WeekPlan.Status.APPROVED)
    PlannedVisit.objects.create(plan=plan, customer=store, day=day, sequence=1, reasons=[])
    return store, make_sku(code="6901028000011", name="中华(硬)", barcode="6901028000119")


@pytest.mark.django_db(transaction=True)
def test_a_visit_with_photos_profit_and_profile_changes_partly_offline(cast, live_server, browser, tmp_path):
    from fieldcrm.customers.models import ChangeRequest, Customer
    from fieldcrm.photos.models import Photo
    from fieldcrm.visits.models import Visit

    store, sku = planned_store(cast["alice"])
    context, page = phone_context(browser, position=HERE)
    log_in(page, live_server, "alice")
    lost = []

    def lose_first_photo_answer(route):  # the server keeps the photo, the phone never hears back
        if not lost:
            lost.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/photos", lose_first_photo_answer)
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector('#field-app[data-ready="1"]')
    strings = page.evaluate("JSON.parse(document.getElementById('field-strings').textContent)")
    page.locator(".stop").first.locator(".open-visit").click()
    page.click("#check-in")
    page.wait_for_selector("#checkin-state.on-site")

    # Online: the price seen with its margin, the profit situation, a new phone number for customer service.
    page.fill("#sku-search", sku.barcode)
    page.click(".sku-pick")
    row = page.locator(f'.sku-row[data-sku="{sku.code}"]')
    row.locator("[name=retail_price]").fill("450")
    assert row.locator(".margin-hint").inner_text() == strings["margin"].replace("%(yuan)s", "68.4")  # 450 − 381.6
    page.select_option("#profit-situation", "loss")
    page.fill("#monthly-sales", "120")
    page.click("#profile-box summary")
    page.select_option("#profile-field", "phone")
    page.fill("#profile-value", "13912345678")
    page.click("#add-profile-change")
    page.wait_for_selector('.profile-change.change-requested[data-field="phone"]')  # the server's answer, shown
    wait_sync(page, queued=0, sent=1)

    # Offline: two photos (resized on the phone) and the store's position from where the phone stands.
    context.set_offline(True)
    page.set_input_files("#visit-photo", [
        {"name": "shelf.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(2000, 1500))},
        {"name": "tags.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(1200, 1600), colour=(20, 90, 200))}])
    page.wait_for_function("document.querySelectorAll('#visit-photos .visit-photo').length === 2")
    page.select_option("#profile-field", "location")
    page.click("#profile-here")
    page.wait_for_function("document.getElementById('profile-value').value !== ''")
    page.click("#add-profile-change")
    page.wait_for_selector('.profile-change.change-queued[data-field="location"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the visit still fits the phone
    shot(page, tmp_path, "field-capture-visit.png")
    page.click("#check-out")
    wait_sync(page, queued=4, sent=1)  # the position, the visit, then its two photos
    kinds = page.eval_on_selector_all(".outbox-item.status-queued", "items => items.map(i => i.dataset.kind)")
    assert kinds == ["photo", "photo", "visit", "change"]  # newest first: the photos behind their visit
    assert not Visit.objects.exists()

    context.set_offline(False)
    wait_sync(page, queued=0, sent=5)
    shot(page, tmp_path, "field-capture-outbox.png")
    assert lost == [201]
    outbox = page.locator('.outbox-item[data-kind="change"]').all_inner_texts()
    assert any(strings["changeStates"]["applied"] in text for text in outbox)
    assert any(strings["changeStates"]["requested"] in text for text in outbox)

    visit = Visit.objects.get()
    assert (visit.customer_id, visit.profit_situation, visit.monthly_sales_cartons) == (store.pk, "loss", 120)
    assert str(visit.observations.get().retail_price) == "450.00"
    photos = list(Photo.objects.of(visit))
    assert len(photos) == 2 and Photo.objects.count() == 2  # the resent photo was not stored twice
    for photo in photos:
        with photo.file.open("rb") as stored:
            data = stored.read()
        assert photo.sha256 == hashlib.sha256(data).hexdigest()
        assert photo.latitude == pytest.approx(HERE["latitude"]) and photo.taken_at <= visit.checked_out_at
        with photo.file.open("rb") as stored, Image.open(stored) as image:
            assert max(image.size) == 1280  # resized on the phone
    request = ChangeRequest.objects.get()
    assert (request.field, request.new_value, request.status) == ("phone", "13912345678", "pending")
    noticed = [(c.field, c.applied) for c in visit.noticed_changes.all()]
    assert noticed == [("phone", False), ("location", True)]  # what the outbox heard before sending the visit
    assert visit.noticed_changes.get(field="phone").change_request == request  # a fact, not a uuid to look up
    moved = Customer.objects.get(pk=store.pk)
    assert (moved.latitude, moved.longitude) == pytest.approx((HERE["latitude"], HERE["longitude"]), abs=1e-6)
    context.close()
