from django import forms
from django.utils.translation import gettext_lazy as _


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What the token is for"), max_length=100, required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("e.g. monthly report script")}),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if "\x00" in name:
            raise forms.ValidationError(_("Enter text without control characters."))
        return name
