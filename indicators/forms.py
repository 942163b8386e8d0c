"""The indicator values upload form: which beacon indicator, and the file."""

from __future__ import annotations

from pathlib import PurePath

from django import forms

from atf.models import BeaconIndicator

ACCEPTED = (".csv", ".xlsx")


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, indicator: BeaconIndicator) -> str:
        # The framework's name only where a person may import into more than one (a superuser, say).
        framework = f"{indicator.framework}: " if self.several_frameworks else ""
        return f"{framework}{indicator.number}. {indicator.name} ({indicator.get_status_display()})"


class IndicatorValuesUploadForm(forms.Form):
    indicator = IndicatorChoiceField(
        queryset=BeaconIndicator.objects.none(),
        label="Beacon indicator",
        empty_label="Choose the indicator",
        error_messages={
            "required": "Choose the beacon indicator these values are for",
            "invalid_choice": "Choose one of the beacon indicators listed",
        },
    )
    file = forms.FileField(
        label="File of values",
        help_text="A CSV or Excel (.xlsx) file: an OHID Fingertips “all data” download, an ONS “Explore local "
        "statistics” file, a tidy file (area_code, area_name, period, value) or this page's template, filled in. "
        "At most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        error_messages={
            "required": "Choose the file of values to upload",
            "empty": "The file is empty. Choose the CSV or Excel file with the values in it.",
        },
    )

    def __init__(self, *args, indicators=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        field.queryset = indicators if indicators is not None else BeaconIndicator.objects.none()
        field.several_frameworks = len({indicator.framework_id for indicator in field.queryset}) > 1

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        suffix = PurePath(uploaded.name or "").suffix.lower()
        if suffix == ".xls":
            raise forms.ValidationError(
                "Older Excel workbooks (.xls) are not read. Open the file in Excel and save it as an Excel Workbook "
                "(.xlsx) or as “CSV UTF-8”, then upload that."
            )
        if suffix not in ACCEPTED:
            raise forms.ValidationError("Choose a .csv or .xlsx file: the values as CSV, or an Excel workbook.")
        return uploaded
