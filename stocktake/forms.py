from django import forms

from atf import access
from atf.models import BeaconIndicator, Recommendation
from boroughs.models import Place

from .models import Return


class EntryForm(forms.Form):
    text = forms.CharField(
        label="What is your borough doing?",
        help_text="One piece of activity: what, where, for whom, and what has changed. Start a new entry for another.",
        widget=forms.Textarea(attrs={"rows": 6, "class": "nhsuk-textarea"}),
        max_length=20_000,
        error_messages={"required": "Enter what your borough is doing"},
    )
    places = forms.ModelMultipleChoiceField(
        label="Which places is it for?",
        queryset=Place.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one place"},
    )
    recommendations = forms.ModelMultipleChoiceField(
        label="Which recommendations does it serve?",
        required=False,
        queryset=Recommendation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    indicators = forms.ModelMultipleChoiceField(
        label="Which beacon indicators should it move?",
        required=False,
        queryset=BeaconIndicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, place, section, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = access.restrict(Place.objects.within(place), user, access.ATTACH)
        if hasattr(section, "recommendations"):
            self.fields["recommendations"].queryset = section.recommendations.all()
            self.fields["indicators"].queryset = section.framework.indicators.filter(theme=section)
        else:
            del self.fields["recommendations"]
            self.fields["indicators"].queryset = section.framework.indicators.all()
        if not self.is_bound and not self.initial.get("places"):
            self.initial["places"] = [place.pk]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[(Return.Status.ACCEPTED, "Accept the return"), (Return.Status.RETURNED, "Return it for changes")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to accept or return it"},
    )
    comment = forms.CharField(
        label="Comment to the borough",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "nhsuk-textarea"}),
        help_text="Say what needs changing when you return it.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Return.Status.RETURNED and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say what the borough needs to change")
        return cleaned


class WorkbookForm(forms.Form):
    workbook = forms.FileField(
        label="Upload your edited workbook",
        help_text="The .xlsx file you downloaded from this page, with your borough's paragraphs edited.",
        error_messages={"required": "Select the workbook to upload"},
    )
