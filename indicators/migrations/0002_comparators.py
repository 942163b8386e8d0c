from django.db import migrations

COMPARATORS = [("E92000001", "England", "country"), ("E12000002", "North West", "region")]


def add(apps, schema_editor):
    Area = apps.get_model("indicators", "Area")
    for code, name, kind in COMPARATORS:
        Area.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


def remove(apps, schema_editor):
    apps.get_model("indicators", "Area").objects.filter(code__in=[code for code, _, _ in COMPARATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
