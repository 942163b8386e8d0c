"""A commission's seats as they are listed and chosen: by position, current ones before former ones."""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Member

# The headings members are listed under on the commission page, in the order a commission lists them.
POSITION_HEADINGS = {
    Member.Position.INDEPENDENT_CHAIR: "Independent chair",
    Member.Position.CHAIR: "Chair",
    Member.Position.INDEPENDENT_ADVISER: "Independent advisers",
    Member.Position.MEMBER: "Members",
    Member.Position.SUPPORTING_OFFICER: "Supporting officers",
    Member.Position.SECRETARIAT: "Secretariat",
}
POSITION_ORDER = Case(
    *(When(position=position, then=Value(index)) for index, position in enumerate(POSITION_HEADINGS)),
    default=Value(len(POSITION_HEADINGS)),
    output_field=IntegerField(),
)


def is_former(member: Member, today: date) -> bool:
    return member.ends is not None and member.ends < today


def members_in_order(queryset: QuerySet, today: date) -> QuerySet:
    """Current members first, then former ones; within each, by position as a commission lists them."""
    held_now = Q(ends__isnull=True) | Q(ends__gte=today)
    return queryset.annotate(
        former=Case(When(held_now, then=Value(0)), default=Value(1), output_field=IntegerField()),
        position_order=POSITION_ORDER,
    ).order_by("former", "position_order", "role_title", "pk")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, member: Member) -> str:
        parts = [member.role_title]
        if member.organisation:
            parts.append(member.organisation)
        label = ", ".join(parts) + (f" ({member.person_name})" if member.person_name else "")
        return f"{label}, term ended" if getattr(member, "former", 0) else label
