"""Trying every admin form as an attacker would: point each related field at another tenant's rows.

For every model in the admin and every role that may change one of the
world's objects, the change form, the history revert form and the add form
are POSTed with one related field (a dropdown, a multiple choice or an
autocomplete) set to a row that role may not use. Nothing may move: the
object keeps its value, and no new row points at the other tenant's.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.forms.widgets import CheckboxInput, MultiWidget
from django.test import RequestFactory
from django.urls import reverse

from atf import access
from atf.tests.test_permission_matrix import MODELS, client_for

# (case, object name, role) for every object a role other than the superuser may change.
WRITERS = [
    pytest.param(case, name, role, id=f"{case.app}.{case.model}-{name}-{role}")
    for case in MODELS
    for name, changers in case.change.items()
    for role in sorted(changers - {"superuser"})
]


def model_admin_for(case):
    for model, model_admin in admin.site._registry.items():
        if (model._meta.app_label, model._meta.model_name) == (case.app, case.model):
            return model, model_admin
    raise LookupError(case.model)


def _as_post(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S")
    if hasattr(value, "pk"):
        return str(value.pk)
    return str(value)


def form_data(model_admin, user, obj) -> tuple[dict, object]:
    """What the admin's change form of ``obj`` would POST unchanged for ``user``, and the form."""
    request = RequestFactory().get("/")
    request.user = user
    form_class = model_admin.get_form(request, obj)
    form = form_class(instance=obj)
    data: dict = {}
    for name, field in form.fields.items():
        value = form[name].value()
        widget = field.widget
        if isinstance(widget, MultiWidget) or hasattr(widget, "widgets"):
            parts = widget.decompress(value) if not isinstance(value, list | tuple) else value
            for index, part in enumerate(parts):
                data[f"{name}_{index}"] = _as_post(part)
        elif isinstance(widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [_as_post(v) for v in value]
        else:
            data[name] = _as_post(value)
    for formset, _inline in model_admin.get_formsets_with_inlines(request, obj):
        prefix = formset.get_default_prefix()
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        data.update({f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data, form


def foreign_rows(form, user):
    """For each related field of the form: a row of another tenant's that ``user`` may not point it at.

    That is a row the user may not attach (offer in a dropdown): another
    commission's, another borough's, another system's framework.
    """
    found = {}
    for name, field in form.fields.items():
        if not isinstance(field, ModelChoiceField):
            continue
        related = field.queryset.model
        rows = related._default_manager.order_by("pk")
        usable = access.restrict(related._default_manager.all(), user, access.ATTACH)
        other = rows.exclude(pk__in=usable.values("pk")).first()
        if other is not None:
            found[name] = (other, isinstance(field, ModelMultipleChoiceField))
    return found


def value_of(obj, name, multiple):
    obj = type(obj)._default_manager.get(pk=obj.pk)
    if multiple:
        return set(getattr(obj, name).values_list("pk", flat=True))
    return getattr(obj, f"{name}_id", None) if hasattr(obj, f"{name}_id") else getattr(obj, name)


@pytest.mark.parametrize(("case", "name", "role"), WRITERS)
def test_no_form_moves_a_row_into_another_tenant(matrix_world, case, name, role):
    world = matrix_world
    obj = case.objects(world)[name]
    user = getattr(world.users, role)
    model, model_admin = model_admin_for(case)
    data, form = form_data(model_admin, user, obj)
    targets = foreign_rows(form, user)
    client = client_for(world, role)
    prefix = f"admin:{case.app}_{case.model}"
    tried = 0
    for field_name, (other, multiple) in targets.items():
        hostile = {**data, field_name: [str(other.pk)] if multiple else str(other.pk)}
        before = value_of(obj, field_name, multiple)
        urls = [reverse(f"{prefix}_change", args=[obj.pk])]
        if case.history and hasattr(obj, "history"):
            version = obj.history.first()
            urls.append(reverse(f"{prefix}_simple_history", args=[obj.pk, version.history_id]))
        for url in urls:
            response = client.post(url, hostile)
            assert response.status_code < 500, url
            after = value_of(obj, field_name, multiple)
            if multiple:
                assert other.pk not in after, f"{url}: {field_name} now includes another tenant's row"
            else:
                assert after == before, f"{url}: {field_name} moved to another tenant's row"
            tried += 1
        if case.add and role in case.add:
            relation = model._meta.get_field(field_name)
            lookup = {field_name: other}
            count = model._default_manager.filter(**lookup).count() if relation.is_relation else None
            response = client.post(reverse(f"{prefix}_add"), hostile)
            assert response.status_code < 500
            if count is not None:
                assert model._default_manager.filter(**lookup).count() == count, f"add: {field_name}"
            tried += 1
    # The attack was tried wherever another tenant's rows exist to point at.
    assert tried >= len(targets)


# The holes found by hand, each tried again ---------------------------------


def _post_as(world, role, url, data):
    return client_for(world, role).post(url, data, follow=True)


def _revert_url(obj, prefix):
    return reverse(f"admin:{prefix}_simple_history", args=[obj.pk, obj.history.first().history_id])


def test_a_reviewer_cannot_make_a_lead_an_ics_reviewer_by_revert_or_change(matrix_world):
    world = matrix_world
    membership = world.users.lead.memberships.get()
    hostile = {"user": world.users.lead.pk, "role": "ics_reviewer", "place": world.places["cheshire-and-merseyside"].pk}
    for url in (
        _revert_url(membership, "atf_membership"),
        reverse("admin:atf_membership_change", args=[membership.pk]),
    ):
        response = _post_as(world, "reviewer", url, hostile)
        assert response.status_code == 200
        membership.refresh_from_db()
        assert membership.role == "borough_lead" and membership.place.slug == "knowsley", url
        assert "Nothing was saved" in response.content.decode()
    # And so the lead still cannot read Sefton's draft.
    assert (
        "Sefton draft family hub" not in client_for(world, "lead").get(reverse("stocktake:entry_list")).content.decode()
    )


@pytest.mark.parametrize("level", ["ics", "sub_region", "combined_authority"])
def test_a_lead_cannot_turn_its_draft_into_an_ics_level_entry(matrix_world, level):
    world = matrix_world
    entry = world.entries.knowsley
    data, _ = form_data(admin.site._registry[type(entry)], world.users.lead, entry)
    for url in (_revert_url(entry, "stocktake_entry"), reverse("admin:stocktake_entry_change", args=[entry.pk])):
        _post_as(world, "lead", url, {**data, "level": level})
        _post_as(world, "lead", url, {**data, "level": level, "column_place": ""})
        entry.refresh_from_db()
        assert entry.level == "borough", url
    assert (
        "Knowsley draft family hub"
        not in client_for(world, "other_lead").get(reverse("stocktake:entry_list")).content.decode()
    )


def test_a_secretariat_cannot_move_its_meeting_into_another_commission_by_revert(matrix_world):
    world = matrix_world
    meeting = world.minutes.st_helens.meeting
    own = world.minutes.cheshire_east.meeting
    data, _ = form_data(admin.site._registry[type(own)], world.users.other_secretariat, own)
    _post_as(
        world,
        "other_secretariat",
        _revert_url(own, "commissions_meeting"),
        {**data, "commission": meeting.commission_id},
    )
    own.refresh_from_db()
    assert own.commission == world.commissions.cheshire_east
    assert own.items.get().paragraphs.get().item.meeting.commission == world.commissions.cheshire_east


def test_an_action_cannot_point_at_another_commission_s_meeting_or_paragraph(matrix_world):
    from django.core.exceptions import ValidationError

    from commissions.models import Action

    world = matrix_world
    theirs = world.minutes.cheshire_east
    # The admin's add form, as St Helens' secretariat.
    response = _post_as(
        world,
        "secretariat",
        reverse("admin:commissions_action_add"),
        {
            "commission": world.commissions.st_helens.pk,
            "meeting": theirs.meeting.pk,
            "paragraph": theirs.paragraph.pk,
            "description": "Planted",
            "owner": "Chair",
            "status": "open",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Action.objects.filter(description="Planted").exists()
    # And no other path either: the model itself refuses.
    with pytest.raises(ValidationError):
        Action.objects.create(
            commission=world.commissions.st_helens, meeting=theirs.meeting, description="Planted", owner="Chair"
        )
    with pytest.raises(ValidationError):
        Action.objects.create(
            commission=world.commissions.st_helens, paragraph=theirs.paragraph, description="Planted", owner="Chair"
        )
    page = client_for(world, "other_secretariat").get(reverse("commissions:meeting_detail", args=[theirs.meeting.pk]))
    assert "Planted" not in page.content.decode()


def test_a_revert_is_one_transaction(matrix_world):
    """The library saves the row and then its many-to-many links: a refusal after both keeps neither."""
    world = matrix_world
    entry = world.entries.knowsley
    data, _ = form_data(admin.site._registry[type(entry)], world.users.lead, entry)
    # Valid in the form (a lead's own ward), but an ICS-level entry is not the lead's to keep.
    hostile = {**data, "text": "Rewritten", "level": "ics", "column_place": world.places["knowsley"].pk}
    _post_as(world, "lead", _revert_url(entry, "stocktake_entry"), hostile)
    entry.refresh_from_db()
    assert entry.text == "Knowsley draft family hub" and entry.level == "borough"
