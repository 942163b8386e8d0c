"""Framework versions: an ICS makes a new version of its framework from the current one, then changes it.

``new_version`` copies the current version whole (themes and their
recommendations, system recommendations, beacon indicators, pillars, and
the indicator values already imported) into a new framework numbered one
higher and pointing back at it. Rounds and values keep the version they
were made with: an old round's entries still point at the old version's
themes and indicators. New rounds and new imports use
``Framework.current_for(system)``, the newest version.

Copies are inserted in bulk with their history (one history row each, naming
the user), so the number of queries depends on the number of tables and
batches, never on the number of rows.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from . import access
from .models import BeaconIndicator, Framework, Pillar, Recommendation, SystemRecommendation, Theme

BATCH = 2000  # rows read and inserted at a time, for the indicator values
NAME_MAX = Framework._meta.get_field("name").max_length
SLUG_MAX = Framework._meta.get_field("slug").max_length
VERSION_SUFFIX = re.compile(r"\s*\(version \d+\)$")
SLUG_SUFFIX = re.compile(r"-v\d+$")


class NotCurrent(ValidationError):
    """Only the newest version of a framework may be made into a new one."""


def may_make_version(user, framework: Framework) -> bool:
    """Reviewers of the framework's system (and superusers) may make a new version of it."""
    return access.can(user, access.CHANGE, framework)


def new_version(framework: Framework, *, user, name: str | None = None) -> Framework:
    """Copy ``framework``, the current version of its system's framework, into version + 1. One transaction."""
    if user is None or not may_make_version(user, framework):
        raise PermissionDenied("Only the ICS reviewers of a framework's system can make a new version of it.")
    try:
        with transaction.atomic():
            # Two reviewers pressing at once: the second waits here, then finds it is no longer current.
            old = Framework.objects.select_for_update().get(pk=framework.pk)
            newest = Framework.current_for(old.system_id)
            if newest.pk != old.pk:
                raise NotCurrent(
                    f"{old} is {old.version_label}; {newest} ({newest.version_label}) is newer. "
                    "Make a new version from the current one."
                )
            return _copy_framework(old, user=user, name=name)
    except IntegrityError as exc:  # the same, on a database that does not lock rows
        raise NotCurrent(f"Someone else has just made a new version of {framework}.") from exc


def _copy_framework(old: Framework, *, user, name: str | None) -> Framework:
    version = old.version + 1
    if name is not None:
        name = " ".join(name.split())
        if not name:
            raise ValidationError("Give the new version a name.")
        if Framework.objects.filter(name=name).exists():
            raise ValidationError(f"There is already a framework called “{name}”.")
    else:
        name = _unique_name(old.name, version)
    new = Framework(
        name=name,
        slug=_unique_slug(old.slug, version),
        system_id=old.system_id,
        published=old.published,
        baseline_year=old.baseline_year,
        version=version,
        derived_from=old,
    )
    new._history_user = user
    new.save()

    themes = _copy_rows(Theme.objects.filter(framework=old), user, framework_id=new.pk)
    _copy_rows(
        Recommendation.objects.filter(theme__framework=old),
        user,
        remap={"theme_id": themes},
    )
    _copy_rows(SystemRecommendation.objects.filter(framework=old), user, framework_id=new.pk)
    indicators = _copy_rows(
        BeaconIndicator.objects.filter(framework=old), user, framework_id=new.pk, remap={"theme_id": themes}
    )
    _copy_rows(Pillar.objects.filter(framework=old), user, framework_id=new.pk)
    _copy_values(indicators, user)
    return new


def _unique_name(old_name: str, version: int) -> str:
    base = VERSION_SUFFIX.sub("", old_name)
    return _first_free("name", base, f" (version {version})", NAME_MAX, " ")


def _unique_slug(old_slug: str, version: int) -> str:
    base = SLUG_SUFFIX.sub("", old_slug)
    return _first_free("slug", base, f"-v{version}", SLUG_MAX, "-")


def _first_free(field: str, base: str, suffix: str, limit: int, joiner: str) -> str:
    """``base`` + ``suffix`` cut to fit ``limit``, with a number added until no framework has it."""
    taken = set(Framework.objects.filter(**{f"{field}__startswith": base[: limit // 2]}).values_list(field, flat=True))
    for n in range(1, 1000):
        tail = suffix if n == 1 else f"{suffix}{joiner}{n}"
        candidate = base[: limit - len(tail)].rstrip(" -") + tail
        if field == "slug":
            candidate = slugify(candidate)[:limit]
        if candidate not in taken:
            return candidate
    raise ValidationError(f"Could not find a free {field} for the new version.")


def _fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def _copy_rows(queryset: models.QuerySet, user, *, remap: dict | None = None, **overrides) -> dict[int, int]:
    """Insert a copy of each row of ``queryset``, with ``overrides`` and ids mapped by ``remap``; {old id: new id}."""
    model = queryset.model
    fields = _fields(model)
    rows = list(queryset.order_by("pk").values("pk", *fields))
    copies = []
    for row in rows:
        values = {f: row[f] for f in fields}
        for attname, mapping in (remap or {}).items():
            if values[attname] is not None:
                values[attname] = mapping[values[attname]]
        values.update(overrides)
        copies.append(model(**values))
    created = bulk_create_with_history(copies, model, default_user=user)
    return {row["pk"]: copy.pk for row, copy in zip(rows, created, strict=True)}


def _copy_values(indicators: dict[int, int], user) -> int:
    """The indicator values already imported for the old version's indicators, onto the new ones; how many.

    Read and inserted ``BATCH`` rows at a time, in order of id, so memory stays bounded however many there are.
    """
    from indicators.models import IndicatorValue

    fields = _fields(IndicatorValue)
    source = IndicatorValue.objects.filter(indicator_id__in=list(indicators)).order_by("pk")
    copied, last = 0, 0
    while True:
        rows = list(source.filter(pk__gt=last).values("pk", *fields)[:BATCH])
        if not rows:
            return copied
        batch = []
        for row in rows:
            data = {f: row[f] for f in fields}
            data["indicator_id"] = indicators[data["indicator_id"]]
            batch.append(IndicatorValue(**data))
        copied += len(bulk_create_with_history(batch, IndicatorValue, default_user=user))
        last = rows[-1]["pk"]
