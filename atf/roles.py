"""The roles a user can hold, and where each is held."""

from django.db import models


class Role(models.TextChoices):
    ICS_REVIEWER = "ics_reviewer", "ICS reviewer"
    BOROUGH_LEAD = "borough_lead", "Borough lead"
    SECRETARIAT = "secretariat", "Commission secretariat"
    VIEWER = "viewer", "Viewer"


# Which kind of place each role is held at; the secretariat is held for a commission.
# The lead role held at a sub-region or combined authority leads that place's
# own activity column, not the boroughs inside it (see atf.access).
ROLE_PLACE_KINDS = {
    Role.ICS_REVIEWER: {"ics"},
    Role.BOROUGH_LEAD: {"borough", "sub_region", "combined_authority"},
    Role.VIEWER: {"ics", "sub_region", "combined_authority", "borough", "ward"},
}
