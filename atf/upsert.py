"""Idempotent loading: create a row, or bring it up to date only where it differs."""

from django.db import models


def upsert(model: type[models.Model], defaults: dict, **lookup) -> tuple[models.Model, str]:
    """Like ``update_or_create``, but saves (and so writes history) only when a value changed.

    Returns the object and what was done: "created", "updated" or "" for nothing.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **defaults), "created"
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, defaults[name])
    if changed:
        obj.save()
    return obj, "updated" if changed else ""
