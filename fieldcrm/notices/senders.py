"""Notice senders. settings.NOTICE_SENDER names the class; the default adds nothing to the in-app inbox.
An SMS or WeChat-work sender implements `send(notices)` and reads each notice's `recipient.mobile` and
`rendered()` text (the recipient's language is not known here: notices render in the default language)."""

from django.conf import settings
from django.utils.module_loading import import_string


class InAppSender:
    channel = "in_app"

    def send(self, notices) -> None:
        """The notices are already stored: the inbox and badge show them."""


def get_sender():
    return import_string(settings.NOTICE_SENDER)()
