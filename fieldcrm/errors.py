"""Domain refusals: the one error model of FieldCRM.

Actions raise these; nobody catches them by hand. The API maps every `Refusal` to JSON
`{"detail": message, "code": code}` with its `status` (one django-ninja exception handler in `fieldcrm/api.py`), pages
show the message (one helper, `fieldcrm.pages.refusal_response`). Each kind of refusal is one class:

- `InvalidInput` (400): the input is wrong; `field` names it when one field is at fault.
- `ActionRefused` (409): the object's current state does not allow the action (already decided, waiting
  for the supervisor, ...).
- `StaleVersion` (409): the object changed after the user loaded it; reload and try again.
- `TooLarge` (413): a request asks for more work than the installation allows (a planning problem above
  the configured size).

Each refusal carries a machine-readable `code` beside its message (the class's, or a more precise one given
where it is raised): the phone and integrations branch on the code, never on the message text.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class Refusal(Exception):
    """A refusal the user can act on. `str(refusal)` is the message in the active language."""

    status = 400
    code = "refused"
    default_message = _("The request was refused.")

    def __init__(self, message=None, *, field: str | None = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.field = field
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class InvalidInput(Refusal):
    status = 400
    code = "invalid_input"
    default_message = _("The input is not valid.")


class ActionRefused(Refusal):
    status = 409
    code = "not_allowed_now"
    default_message = _("This is not possible in the current state.")


class StaleVersion(Refusal):
    status = 409
    code = "stale_version"
    default_message = _("This was changed after you opened it (perhaps on another device). Reload it and try "
                        "again.")


class TooLarge(Refusal):
    status = 413
    code = "too_large"
    default_message = _("This request is larger than this installation allows.")
