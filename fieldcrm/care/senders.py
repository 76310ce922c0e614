"""Message senders. settings.MESSAGE_SENDER names the class; the embedded default writes an outbox the
user can read. A real sender (SMS gateway, WeChat work) implements the same `send`."""

from django.conf import settings
from django.utils.module_loading import import_string


class OutboxSender:
    channel = "outbox"

    def send(self, customer, text: str, *, by, task=None):
        from fieldcrm.care.models import OutboxMessage

        return OutboxMessage.objects.create(
            customer=customer, phone=customer.phone, text=text, task=task, sent_by=by, channel=self.channel
        )


def get_sender():
    return import_string(settings.MESSAGE_SENDER)()
