"""No lost updates: every edit carries the version it started from.

A row of a ``Versioned`` model holds a ``version`` number, raised by one on
every save. A save updates the row only if its version is still the one the
instance was read with (one conditional ``UPDATE``), so two people who
opened the same form cannot overwrite each other: the later save raises
``StaleVersion`` and writes nothing. Forms carry the version they were
opened at in a hidden field and set it on the instance before saving.

Bulk writes (the workbook importer, the flat-file importer) raise the
version themselves and check for newer text in their own planning.
"""

from __future__ import annotations

from django.db import models, router, transaction
from django.db.models import F


class StaleVersion(Exception):
    """Someone else saved the row after this copy of it was read; nothing was written."""

    def __init__(self, obj: models.Model):
        self.obj = obj
        super().__init__(
            f"{obj._meta.verbose_name.capitalize()} “{obj}” was changed by someone else after you opened it. "
            "Nothing was saved."
        )


class Versioned(models.Model):
    version = models.PositiveIntegerField(
        default=1,
        db_default=1,
        editable=False,
        help_text="Raised by one on every save; a save from an older version is refused.",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is None or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        rows = type(self)._base_manager.using(using).filter(pk=self.pk)
        with transaction.atomic(using=using):
            if not rows.filter(version=self.version).update(version=F("version") + 1):
                if rows.exists():
                    raise StaleVersion(self)
                return super().save(*args, **kwargs)  # a deleted row restored (history revert): inserted anew
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
            return super().save(*args, **kwargs)

    def current_version(self) -> int | None:
        """The version the database holds now (None once the row is deleted)."""
        return type(self)._base_manager.filter(pk=self.pk).values_list("version", flat=True).first()
