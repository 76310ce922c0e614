from django import forms
from django.utils.translation import gettext_lazy as _

from fieldcrm.monopoly import actions
from fieldcrm.monopoly.models import MarketReport


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one field (Django's documented recipe); each is checked by photos/actions.py."""

    def __init__(self, *args, **kwargs):
        # No `capture`: on Android it would force the camera and hide photos taken before.
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    client_uuid = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("What did you observe?"), choices=MarketReport.Kind.choices)
    description = forms.CharField(label=_("Description"), max_length=actions.DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    customer_code = forms.CharField(label=_("Store (customer code, if it is a customer)"), max_length=20,
                                    required=False)
    address = forms.CharField(label=_("Place (if it is not a customer)"), max_length=actions.ADDRESS_MAX,
                              required=False)
    latitude = forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput,
                                error_messages={"required": _("Allow the browser to use your position, or "
                                                              "wait until it is found.")})
    longitude = forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(min_value=0, required=False, widget=forms.HiddenInput)
    photos = PhotosField(label=_("Photos"), required=False)


class OutcomeForm(forms.Form):
    status = forms.ChoiceField(label=_("Outcome"), choices=[(s.value, s.label) for s in MarketReport.OUTCOMES],
                               widget=forms.RadioSelect)
    outcome = forms.CharField(label=_("What was found"), max_length=actions.OUTCOME_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))


class CountsForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (not included)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))
