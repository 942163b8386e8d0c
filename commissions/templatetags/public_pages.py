"""``{% public_page_link commission %}``: on a commission's page, a link to its public page while it is on."""

from __future__ import annotations

from django import template

from commissions import public

register = template.Library()


@register.inclusion_tag("commissions/_public_link.html")
def public_page_link(commission):
    return {"commission": commission, "on": public.is_public(commission)}
