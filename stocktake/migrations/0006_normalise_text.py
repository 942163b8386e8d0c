"""Entries and workbook cells stored before text was normalised where it comes in: normalise them now.

CRLF and lone CR become LF, non-breaking spaces plain spaces, and white
space at the end of a line goes, as ``atf.text.normalise`` does for every
new text. Rows are rewritten only where the text changes.
"""

from django.db import migrations

from atf.text import normalise, normalise_characters


def _normalise(model, fields, functions):
    changed = []
    for obj in model.objects.only("pk", *fields).iterator(chunk_size=2000):
        before = [getattr(obj, name) for name in fields]
        after = [function(value) for function, value in zip(functions, before, strict=True)]
        if after != before:
            for name, value in zip(fields, after, strict=True):
                setattr(obj, name, value)
            changed.append(obj)
        if len(changed) >= 2000:
            model.objects.bulk_update(changed, fields)
            changed = []
    if changed:
        model.objects.bulk_update(changed, fields)


def forwards(apps, schema_editor):
    def text(value):
        return normalise(value).strip()

    _normalise(apps.get_model("stocktake", "Entry"), ["lead_in", "text"], [normalise_characters, text])
    _normalise(apps.get_model("stocktake", "RecommendationCell"), ["text"], [normalise])
    _normalise(apps.get_model("stocktake", "Row"), ["heading_text", "indicators_text"], [normalise, normalise])


class Migration(migrations.Migration):
    dependencies = [("stocktake", "0005_versions_deadlines_downloads")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
