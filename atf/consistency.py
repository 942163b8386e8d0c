"""Rows whose links to other rows must agree with each other, checked on every path.

An action's meeting must be its commission's, an entry's theme its round's
framework's, and so on: otherwise a row would point into another tenant, or
be read by people it was not meant for. ``clean()`` says which link is wrong
(forms, the admin and its history revert all call it), and ``save()``
checks again, so that no path, a library's included, stores such a row.
"""

from django.core.exceptions import ValidationError
from django.db import models


class RelationsChecked(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if errors := self.relation_errors():
            raise ValidationError(errors)
        super().save(*args, **kwargs)

    def relation_errors(self) -> dict[str, str]:
        """Field name -> what is wrong with its link; empty when all agree."""
        return {}

    def clean(self):
        super().clean()
        if errors := self.relation_errors():
            raise ValidationError(errors)


def unset_or_matching(obj, link: str, attribute: str, expected) -> bool:
    """Is ``obj.link`` unset, or its ``attribute`` equal to ``expected``?"""
    if getattr(obj, f"{link}_id") is None:
        return True
    return getattr(getattr(obj, link), attribute) == expected
