"""The demo's open data: the closed 2023 round, the indicator values and Cheshire East's minutes, published by the ICS.

St Helens' commission is left unpublished, for its secretariat (or the ICS) to publish
from its page.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from atf.models import Framework
from commissions.models import Commission
from stocktake.models import Round

from . import publishing

PUBLISHED_COMMISSION = "cheshire-east-all-together-fairer-commission"


def publish_demo(framework: Framework, round_name: str) -> int:
    """Publish what the demo publishes, once; returns how many datasets were newly published."""
    reviewer = get_user_model().objects.filter(username="ics-reviewer").first()
    if reviewer is None:
        return 0
    targets = [
        Round.objects.filter(name=round_name, status=Round.Status.CLOSED).first(),
        framework,
        Commission.objects.filter(slug=PUBLISHED_COMMISSION).first(),
    ]
    published = 0
    for target in targets:
        # Once: a dataset withdrawn on the demo stays withdrawn when the demo is loaded again.
        if target is not None and not publishing.history(target).exists():
            publishing.publish(reviewer, target)
            published += 1
    return published
