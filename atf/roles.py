"""The roles a user can hold, and where each is held."""

from django.db import models


class Role(models.TextChoices):
    ICS_REVIEWER = "ics_reviewer", "ICS reviewer"
    BOROUGH_LEAD = "borough_lead", "Borough lead"
    SECRETARIAT = "secretariat", "Commission secretariat"
    VIEWER = "viewer", "Viewer"


# Which kind of place each role is held at; the secretariat is held for a commission.
ROLE_PLACE_KINDS = {
    Role.ICS_REVIEWER: {"ics"},
    Role.BOROUGH_LEAD: {"borough"},
    Role.VIEWER: {"ics", "sub_region", "combined_authority", "borough", "ward"},
}
