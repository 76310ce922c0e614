"""Care's part of anonymising a former retailer (customers/privacy.py): the outbox keeps the phone each
message went to and the text, which greets the owner by name."""

from fieldcrm.care.models import OutboxMessage
from fieldcrm.customers.privacy import ANONYMISED


def anonymise_outbox(customer_ids: list[int]) -> int:
    return OutboxMessage.objects.filter(customer_id__in=customer_ids).update(phone="", text=ANONYMISED)
