"""The retailer's monthly guidance letter: the page, the PDF with the retailer's figures, sending it through the
message sender, the business-guidance task carrying its summary, and who may see or send it."""

import io

import pypdf
import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from fieldcrm.care.content import store_figures
from fieldcrm.care.models import OutboxMessage
from fieldcrm.sales import letters
from fieldcrm.sales.analytics import store
from tests.sales_data import MAY, TODAY, make_sales

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(cast, settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path / "analytics"
    with time_machine.travel(TODAY, tick=False), translation.override("zh-hans"):
        made = make_sales(cast)
        store.refresh()
        yield made


def letter_url(store, name="sales:letter"):
    return f"{reverse(name, args=[store.customer_code])}?month=2026-05"


def test_letter_figures(cast, sales):
    letter = letters.build_letter(sales["a1"], MAY, cast["alice"])
    brands = {row["key"]: row for row in letter.brands}
    assert brands["中华"]["volume_cartons"] == 10 and brands["中华"]["avg_carton_price"] == pytest.approx(400)
    assert brands["云烟"]["volume_cartons"] == 20 and brands["云烟"]["avg_carton_price"] == pytest.approx(100)
    assert letter.total["volume_cartons"] == 30 and letter.total["avg_carton_price"] == pytest.approx(6000 / 30)
    # Peers: same tier (12) and format (grocery), the store itself out: a2 (5 条) and bob's b1 (30 条).
    assert letter.peers == {"stores": 2, "volume_cartons": pytest.approx(17.5), "avg_carton_price": pytest.approx(400)}
    assert [p["month"] for p in letter.trend] == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert letter.trend[-2]["volume_cartons"] == 5 and letter.trend[-1]["volume_cartons"] == 30
    assert letter.total["mom"] == pytest.approx(5)  # 30 against April's 5
    assert any("71%" in line for line in letter.advice)  # 30 against the peers' 17.5 per store


def test_page_for_the_manager(cast, sales, login):
    response = login(cast["alice"]).get(letter_url(sales["a1"]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert sales["a1"].name in body and "中华" in body and "letter-send" in body


def test_pdf_is_a_pdf_with_the_retailers_figures(cast, sales, login):
    response = login(cast["alice"]).get(letter_url(sales["a1"], "sales:letter_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    for expected in (sales["a1"].name, sales["a1"].customer_code, "中华", "云烟", "400.00", "100.00", "200.00",
                     "17.50"):
        assert expected in text, expected


def test_send_puts_the_summary_through_the_sender(cast, sales, login):
    response = login(cast["alice"]).post(reverse("sales:letter_send", args=[sales["a1"].customer_code]),
                                         {"month": "2026-05"})
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.customer == sales["a1"] and message.sent_by == cast["alice"] and message.phone == sales["a1"].phone
    assert "2026-05" in message.text and "30" in message.text and "200.00" in message.text
    assert message.text.startswith(sales["a1"].owner_name) and len(message.text) <= 500


def test_business_guidance_task_carries_the_summary(cast, sales):
    text = store_figures(sales["a1"], TODAY.date())
    assert "2026-05" in text and "200.00" in text


def test_supervisor_reads_but_does_not_send(cast, sales, login):
    client = login(cast["sam"])
    response = client.get(letter_url(sales["a1"]))
    assert response.status_code == 200 and "letter-send" not in response.content.decode()
    send = client.post(reverse("sales:letter_send", args=[sales["a1"].customer_code]), {"month": "2026-05"})
    assert send.status_code == 403 and not OutboxMessage.objects.exists()


@pytest.mark.parametrize("user", ["bob", "charlie"])
def test_outsiders_get_404(cast, sales, login, user):
    client = login(cast[user])
    for name in ("sales:letter", "sales:letter_pdf"):
        assert client.get(letter_url(sales["a1"], name)).status_code == 404
    send = client.post(reverse("sales:letter_send", args=[sales["a1"].customer_code]), {"month": "2026-05"})
    assert send.status_code == 404 and not OutboxMessage.objects.exists()


def test_send_needs_post(cast, sales, login):
    assert login(cast["alice"]).get(reverse("sales:letter_send", args=[sales["a1"].customer_code])).status_code == 405


def test_month_without_orders(cast, sales, login):
    response = login(cast["alice"]).get(f"{reverse('sales:letter', args=[sales['a2'].customer_code])}?month=2025-01")
    assert response.status_code == 200 and response.context["letter"].total == {}
