from django import forms
from django.utils.translation import gettext_lazy as _

from fieldcrm.customers.fields import PROFILE_FIELDS
from fieldcrm.customers.models import VOLATILE_FIELDS, Customer


class ProposeChangeForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"))
    new_value = forms.CharField(label=_("New value"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    # Bounded like the column, so a forged number is a form error and never reaches the database.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    client_uuid = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(f.name, f.label) for f in PROFILE_FIELDS.values()]


class VerifyForm(forms.Form):
    fields = forms.MultipleChoiceField(
        label=_("Still correct"),
        choices=[(name, Customer._meta.get_field(name).verbose_name) for name in VOLATILE_FIELDS],
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Give the reason for rejecting, so the manager knows what to do."))
        return cleaned
