"""``{% member_groups commission as groups %}``: a commission's seats by position, current and former."""

from __future__ import annotations

from django import template

from .. import people

register = template.Library()


@register.simple_tag
def member_groups(commission):
    """One query, whatever the number of members (``people.members_by_position``)."""
    return people.members_by_position(commission)
