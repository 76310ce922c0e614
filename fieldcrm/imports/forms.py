from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fieldcrm.imports.kinds import IMPORTERS


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=[(kind, importer.label) for kind, importer in IMPORTERS.items()])
    file = forms.FileField(label=_("Spreadsheet (.xlsx, .xls, .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xls", ".csv")):
            raise forms.ValidationError(_("Choose an .xlsx, .xls or .csv file."))
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split it or ask an administrator to raise the limit.")
                % {"mb": limit // (1024 * 1024)}
            )
        return upload


class ConfirmForm(forms.Form):
    valid_only = forms.BooleanField(required=False)
