from django import forms
from django.utils.translation import gettext_lazy as _

from fieldcrm.followup.actions import DESCRIPTION_MAX, RESOLUTION_MAX
from fieldcrm.followup.models import Demand


class RaiseDemandForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Demand.Kind.choices)
    description = forms.CharField(label=_("What the retailer needs"), max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    # A fresh id per rendered form: a double tap or a resent form does not record the need twice.
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)


class CloseDemandForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=RESOLUTION_MAX,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    feedback_given = forms.BooleanField(label=_("The retailer has been told"), required=False, initial=True)


class DemandFilterForm(forms.Form):
    status = forms.ChoiceField(choices=Demand.Status.choices, required=False)
