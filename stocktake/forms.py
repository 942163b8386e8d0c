from django import forms

from atf import access
from atf.models import BeaconIndicator, Recommendation
from atf.text import normalise
from boroughs.models import Place
from boroughs.names import PlaceNames

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
    # The version of the entry the form was opened at: a save from an older one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, place, section, **kwargs):
        super().__init__(*args, **kwargs)
        self.system = section.framework.system
        self.fields["places"].queryset = access.restrict(Place.objects.within(place), user, access.ATTACH)
        if hasattr(section, "recommendations"):
            self.fields["recommendations"].queryset = section.recommendations.all()
            # The whole recommendation: a label cut short would not say which one it is.
            self.fields["recommendations"].label_from_instance = lambda r: f"{r.code} {r.text}"
            self.fields["indicators"].queryset = section.framework.indicators.filter(theme=section)
        else:
            del self.fields["recommendations"]
            self.fields["indicators"].queryset = section.framework.indicators.all()
        if not self.is_bound and not self.initial.get("places"):
            self.initial["places"] = [place.pk]

    def clean_text(self):
        return normalise(self.cleaned_data["text"]).strip()

    def clean(self):
        """Take a lead-in typed at the start ("Knowsley - ...") off the text, as the workbook reader does.

        The workbook writes an entry as its lead-in and its text; a lead-in
        left in the text would be written twice. The places it names must be
        the places ticked, so that the entry says what it is for once.
        """
        cleaned = super().clean()
        text, places = cleaned.get("text"), cleaned.get("places")
        cleaned["lead_in"] = ""
        if not text:
            return cleaned
        names = PlaceNames(self.system)
        for number, line in enumerate(text.split("\n")[1:], start=2):
            started = names.read_prefix(line.strip()) or names.unknown_prefix(line.strip())
            if started:
                words = started.lead_in.strip() if hasattr(started, "lead_in") else f"{started} -"
                self.add_error(
                    "text",
                    f"Line {number} starts with “{words}”: in the workbook a line that starts with a place's name "
                    "begins a new entry. Reword the start of that line, or add it as an entry of its own.",
                )
                return cleaned
        named = names.read_prefix(text)
        if named is not None and not named.text.strip():
            self.add_error("text", f"Enter what is being done, after “{named.lead_in.strip()}”")
            return cleaned
        # Only a lead-in with its dash or colon ("Knowsley - "): "Knowsley Council opened ..." is the activity's text.
        if named is None or not named.text.strip() or named.lead_in.rstrip()[-1:] not in ("-", "–", "—", ":"):
            return cleaned
        chosen = self.fields["places"].queryset.filter(pk__in=named.place_ids)
        if chosen.count() != len(set(named.place_ids)):
            self.add_error(
                "text",
                f"Your text starts with “{named.lead_in.strip()}”, which names a place you cannot report for. "
                "Take the names off the start of the text, and tick the places below instead.",
            )
        elif places is not None and set(p.pk for p in places) != set(named.place_ids):
            self.add_error(
                "places",
                f"Your text starts with “{named.lead_in.strip()}”: tick exactly the places it names, or take the "
                "names off the start of the text.",
            )
        else:
            cleaned["lead_in"], cleaned["text"] = named.lead_in, named.text.strip()
        return cleaned


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
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == Return.Status.RETURNED and not cleaned.get("comment", "").strip():
            self.add_error("comment", "Say what the borough needs to change")
        return cleaned


class ReopenForm(forms.Form):
    """A reviewer sends an accepted return back to its lead: it becomes returned for changes, with the reason."""

    reason = forms.CharField(
        label="Why are you reopening it?",
        widget=forms.Textarea(attrs={"rows": 4, "class": "nhsuk-textarea"}),
        help_text="The borough's lead sees this as the ICS's comment, and can change the entries and submit again.",
        max_length=5000,
        error_messages={"required": "Say why you are reopening the return"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_reason(self):
        reason = normalise(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError("Say why you are reopening the return")
        return reason


class WorkbookForm(forms.Form):
    workbook = forms.FileField(
        label="Upload your edited workbook",
        help_text="The .xlsx file downloaded from the return page, saved by Excel or LibreOffice.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={
            "required": "Select the workbook to upload",
            "empty": "The file is empty. Choose the workbook you saved from Excel or LibreOffice.",
        },
    )
