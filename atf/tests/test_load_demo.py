from django.contrib.auth import get_user_model
from django.core.management import call_command

from atf.models import Membership, Role
from boroughs.models import Place
from stocktake.models import Entry, Round

LEADS = {
    "lead-cheshire-east",
    "lead-cheshire-west-and-chester",
    "lead-warrington",
    "lead-halton",
    "lead-knowsley",
    "lead-liverpool",
    "lead-st-helens",
    "lead-sefton",
    "lead-wirral",
}


def counts():
    User = get_user_model()
    return (
        Place.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Round.objects.count(),
        Entry.objects.count(),
    )


def test_load_demo_loads_everything_once(db, capsys):
    call_command("load_demo", "--password", "demo-password-for-tests")
    first = counts()
    call_command("load_demo", "--password", "demo-password-for-tests")
    assert counts() == first

    User = get_user_model()
    usernames = set(User.objects.values_list("username", flat=True))
    others = {"admin", "ics-reviewer", "viewer", "secretariat-st-helens", "secretariat-cheshire-east"}
    assert others | LEADS == usernames
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="lead-knowsley").check_password("demo-password-for-tests")
    lead = Membership.objects.get(user__username="lead-knowsley")
    assert (lead.role, lead.place.slug) == (Role.BOROUGH_LEAD, "knowsley")
    secretariat = Membership.objects.get(user__username="secretariat-st-helens")
    assert secretariat.commission.name == "St Helens Inequalities Commission"

    round_ = Round.objects.get()
    assert round_.name == "ATF Stocktake Oct-Dec 2023" and round_.status == Round.Status.CLOSED
    assert Entry.objects.filter(round=round_).count() > 200
    assert Place.objects.filter(slug="hackney", system__slug="north-east-london").exists()
