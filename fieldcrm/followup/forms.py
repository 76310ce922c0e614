from django import forms
from django.utils.translation import gettext_lazy as _

from fieldcrm.followup.actions import DESCRIPTION_MAX, REASON_MAX, RESOLUTION_MAX, RESPONSE_MAX
from fieldcrm.followup.models import Demand


class RaiseDemandForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Demand.Kind.choices)
    description = forms.CharField(label=_("What the retailer needs"), max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    # A fresh id per rendered form: a double tap or a resent form does not record the need twice.
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)


class ResolveDemandForm(forms.Form):
    resolution = forms.CharField(label=_("What was done"), max_length=RESOLUTION_MAX,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class HandBackDemandForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes back to the manager"), max_length=REASON_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FeedbackForm(forms.Form):
    channel = forms.ChoiceField(label=_("How the retailer was told"), choices=Demand.Channel.choices)
    retailer_response = forms.CharField(label=_("The retailer's response"), max_length=RESPONSE_MAX,
                                        required=False, widget=forms.Textarea(attrs={"rows": 2}))
    satisfied = forms.NullBooleanField(label=_("Satisfied"), required=False, widget=forms.NullBooleanSelect)
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)


class DemandFilterForm(forms.Form):
    status = forms.ChoiceField(choices=Demand.Status.choices, required=False)
