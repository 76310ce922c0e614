from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldcrm.lib.periods import week_start
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
    kind = forms.ChoiceField(label=_("What did you observe?"), choices=MarketReport.kind_groups)
    description = forms.CharField(label=_("Description"), max_length=actions.DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    # The store is picked from a search (`store_q`, name, code or address) among the reporter's own stores.
    store_q = forms.CharField(label=_("Store (if it is a customer)"), max_length=100, required=False)
    customer_code = forms.CharField(max_length=20, required=False)
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


class AcknowledgeForm(forms.Form):
    """Marketing's step with business information: noted, or summarised and passed on."""

    status = forms.ChoiceField(label=_("Step"), choices=[(s.value, s.label) for s in MarketReport.INFO_STEPS],
                               widget=forms.RadioSelect)
    outcome = forms.CharField(label=_("Note for the reporter (optional)"), max_length=actions.OUTCOME_MAX,
                              required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SummaryForm(forms.Form):
    """The month summarised (this month unless chosen) and, for marketing and admins, the area."""

    month = forms.DateField(label=_("Month"), required=False, input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    area = forms.IntegerField(label=_("Marketing area"), required=False, min_value=1, max_value=2**63 - 1)

    def month_or(self, today: date) -> date:
        """The first day of the month chosen; this month when none or not a valid one."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        chosen = data.get("month") or today
        if not 1900 <= chosen.year <= 2999:
            chosen = today
        return chosen.replace(day=1)


class CountsForm(forms.Form):
    """The period counted: this week, this month (from its first day to today) or the days chosen."""

    WEEK, MONTH, DAYS = "week", "month", "days"
    MAX_DAYS = 366

    period = forms.ChoiceField(label=_("Period"), required=False, initial=MONTH,
                               widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                               choices=[(WEEK, _("This week")), (MONTH, _("This month")), (DAYS, _("Days"))])
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (included)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("period") != self.DAYS:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            raise forms.ValidationError(_("Choose the first and the last day."))
        if start > end:
            raise forms.ValidationError(_("The first day is after the last day."))
        if (end - start).days >= self.MAX_DAYS:
            raise forms.ValidationError(_("Choose at most %(days)s days.") % {"days": self.MAX_DAYS})
        return cleaned

    def days(self, today: date) -> tuple[date, date]:
        """The first and the last day counted (both included); this month when the form is not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or self.MONTH
        if period == self.DAYS:
            return data["start"], data["end"]
        if period == self.WEEK:
            return week_start(today), today
        return today.replace(day=1), today
