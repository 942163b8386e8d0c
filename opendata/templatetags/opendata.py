"""``{% open_data_switch obj %}``: the open-data box on a round's, a commission's or the indicators' page.

Shown only to those who may publish ``obj`` (``atf.access.may_publish``).
"""

from __future__ import annotations

from django import template

from atf import access
from atf.models import Framework
from commissions.models import Commission
from stocktake.models import Round

from .. import views

register = template.Library()

WHAT = {Round: views.round_what, Commission: views.commission_what, Framework: views.framework_what}


@register.inclusion_tag("opendata/_switch.html", takes_context=True)
def open_data_switch(context, target):
    request = context.get("request")
    if request is None or target is None or not access.may_publish(request.user, target):
        return {"hidden": True}
    return {
        "hidden": False,
        "csrf_token": context.get("csrf_token"),
        **views.switch_state(target, WHAT[type(target)](target), request),
    }
