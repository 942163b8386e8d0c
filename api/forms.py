from django import forms

from .models import AccessToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, the name of the Power BI report that will use it.",
        max_length=100,
        error_messages={"required": "Enter what the token is for", "max_length": "Enter at most 100 characters"},
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        choices=AccessToken.Lifetime.choices,
        coerce=int,
        initial=AccessToken.Lifetime.DAYS_90,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when the token expires", "invalid_choice": "Choose when the token expires"},
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter what the token is for")
        return name
